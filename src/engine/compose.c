/* SPDX-License-Identifier: MIT */
#include "compose.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "privileges.h"
#include "util.h"

struct candidates {
  const char *service;
  struct container_summary *list;
  size_t n, cap;
};

static void collect(const struct container_summary *c, void *ctx) {
  struct candidates *cs = ctx;
  /* The filter asked the engine for this label; check it anyway, and leave
   * out `docker-compose run` containers, which are not the service. */
  if (!c->running || c->compose.oneoff || strcmp(c->compose.service, cs->service) != 0 ||
      !c->compose.project[0] || !c->id[0])
    return;
  if (cs->n == cs->cap) {
    cs->cap = cs->cap ? cs->cap * 2 : 8;
    cs->list = xreallocarray(cs->list, cs->cap, sizeof *cs->list);
  }
  cs->list[cs->n++] = *c;
}

const char *compose_project_source_name(enum compose_project_source s) {
  switch (s) {
  case PROJECT_OPTION: return "--project";
  case PROJECT_ENVIRONMENT: return "COMPOSE_PROJECT_NAME";
  case PROJECT_NONE: break;
  }
  return "no project chosen";
}

bool compose_dir_within(const char *dir, const char *parent) {
  size_t pl = strlen(parent);
  if (pl == 0 || parent[0] != '/')
    return false;
  while (pl > 1 && parent[pl - 1] == '/')
    pl--;
  if (strncmp(dir, parent, pl) != 0)
    return false;
  return dir[pl] == '\0' || dir[pl] == '/' || pl == 1;
}

bool compose_dir_has_file(const char *dir) {
  static const char *const files[] = {"compose.yaml", "compose.yml", "docker-compose.yml",
                                      "docker-compose.yaml"};
  size_t len = strlen(dir);
  while (len > 1 && dir[len - 1] == '/')
    len--;
  if (dir[0] != '/' || len <= 1)
    return false;
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    char path[4200];
    if ((size_t)snprintf(path, sizeof path, "%.*s/%s", (int)len, dir, files[i]) >= sizeof path)
      return false;
    /* Opened as the user would: a directory they cannot read proves
     * nothing to them. */
    int fd = invoker_open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
      continue;
    struct stat st;
    bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    close(fd);
    if (regular)
      return true;
  }
  return false;
}

/* The project the working directory lies in: the deepest directory, among
 * those that can be a project's, that is CWD or one of its parents. Two
 * projects that claim it are ambiguous (OUT->other). */
static const char *project_of_cwd(const struct container_summary *list, size_t n, const char *cwd,
                                  bool (*has_compose_file)(const char *dir),
                                  struct compose_choice *out) {
  const struct container_summary *best = NULL, *rival = NULL;
  size_t best_len = 0;
  for (size_t i = 0; i < n; i++) {
    const struct compose_labels *l = &list[i].compose;
    size_t len = strlen(l->working_dir);
    while (len > 1 && l->working_dir[len - 1] == '/')
      len--;
    if (len <= 1 || len < best_len || !compose_dir_within(cwd, l->working_dir))
      continue;
    /* Replicas of one project share a directory: its Compose file is
     * looked for once. */
    bool known = best && !strcmp(l->working_dir, best->compose.working_dir);
    if (!known && !has_compose_file(l->working_dir))
      continue;
    if (len > best_len) {
      best = &list[i];
      best_len = len;
      rival = NULL;
    } else if (strcmp(list[i].compose.project, best->compose.project) != 0 && !rival) {
      rival = &list[i];
    }
  }
  if (rival) {
    out->result = COMPOSE_DIR_AMBIGUOUS;
    out->pick = best;
    out->other = rival;
    return NULL;
  }
  return best ? best->compose.project : NULL;
}

void compose_choose(const struct container_summary *list, size_t n, const char *project,
                    const char *cwd, bool (*has_compose_file)(const char *dir),
                    struct compose_choice *out) {
  memset(out, 0, sizeof *out);
  out->result = COMPOSE_NONE;
  if (!project && cwd) {
    project = project_of_cwd(list, n, cwd, has_compose_file, out);
    if (out->result == COMPOSE_DIR_AMBIGUOUS)
      return;
    out->from_cwd = project != NULL;
  }
  out->project = project;
  /* The chosen project's replicas, or, with none chosen, all of them when
   * they are of one project. */
  const struct container_summary *pick = NULL, *tie = NULL;
  for (size_t i = 0; i < n; i++) {
    const struct container_summary *c = &list[i];
    if (project && strcmp(c->compose.project, project) != 0)
      continue;
    if (!project && pick && strcmp(c->compose.project, pick->compose.project) != 0) {
      out->result = COMPOSE_SEVERAL_PROJECTS;
      return;
    }
    out->replicas++;
    if (!pick || c->compose.number < pick->compose.number) {
      pick = c;
      tie = NULL;
    } else if (c->compose.number == pick->compose.number && !tie) {
      tie = c;
    }
  }
  if (!pick)
    return;
  out->pick = pick;
  if (tie) {
    /* Two claims to one replica: one of them carries labels it should
     * not, and nothing here tells which. */
    out->result = COMPOSE_TIE;
    out->other = tie;
    return;
  }
  out->result = COMPOSE_CHOSEN;
}

/* The messages for a choice that is no target. */
static void explain(const struct compose_choice *ch, const char *service,
                    const struct candidates *cs) {
  switch (ch->result) {
  case COMPOSE_SEVERAL_PROJECTS:
    log_error("%s is a Compose service in several projects; choose one:", service);
    for (size_t i = 0; i < cs->n; i++)
      log_error("  %s/%s (%s)", cs->list[i].compose.project, service, cs->list[i].name);
    log_error("hint: --project NAME (-P), COMPOSE_PROJECT_NAME, or run it from the project's "
              "directory");
    break;
  case COMPOSE_TIE: {
    char number[32] = "without a number";
    if (ch->pick->compose.number != COMPOSE_NUMBER_NONE)
      snprintf(number, sizeof number, "number %ld", ch->pick->compose.number);
    log_error("%s: two containers claim replica %s of service %s of project %s: %s (%.12s) and "
              "%s (%.12s); labels can be set by any image, so neither is trusted: remove the one "
              "that is not the service's, or name the container itself",
              service, number, service, ch->pick->compose.project, ch->pick->name, ch->pick->id,
              ch->other->name, ch->other->id);
    break;
  }
  case COMPOSE_DIR_AMBIGUOUS:
    log_error("%s: the working directory is claimed by two Compose projects, %s (%s) and %s (%s, "
              "both in %s); choose one with --project (-P) or COMPOSE_PROJECT_NAME",
              service, ch->pick->compose.project, ch->pick->name, ch->other->compose.project,
              ch->other->name, ch->pick->compose.working_dir);
    break;
  case COMPOSE_CHOSEN:
  case COMPOSE_NONE: break;
  }
}

enum engine_result compose_find_service(const struct engine *e, const char *service,
                                        const char *project, enum compose_project_source source,
                                        struct container_state *out) {
  char filters[300];
  snprintf(filters, sizeof filters, "{\"label\":[\"com.docker.compose.service=%s\"]}", service);
  _cleanup_free_ struct container_summary *list = NULL;
  struct candidates cs = {.service = service};
  bool listed = engine_list_containers(e, filters, collect, &cs);
  list = cs.list;
  if (!listed)
    return ENGINE_ERROR;
  if (cs.n == 0)
    return ENGINE_NOT_FOUND;
  char cwd[4096];
  bool have_cwd = !project && getcwd(cwd, sizeof cwd);
  struct compose_choice ch;
  compose_choose(cs.list, cs.n, project, have_cwd ? cwd : NULL, compose_dir_has_file, &ch);
  if (ch.result == COMPOSE_NONE)
    return ENGINE_NOT_FOUND;
  if (ch.result != COMPOSE_CHOSEN) {
    explain(&ch, service, &cs);
    return ENGINE_ERROR;
  }
  const struct container_summary *pick = ch.pick;
  char number[32] = "without a number", why[4200];
  if (pick->compose.number != COMPOSE_NUMBER_NONE)
    snprintf(number, sizeof number, "%ld", pick->compose.number);
  if (project)
    snprintf(why, sizeof why, "%s", compose_project_source_name(source));
  else if (ch.from_cwd)
    snprintf(why, sizeof why, "the working directory %s", cwd);
  else
    snprintf(why, sizeof why, "the only project that has it");
  log_info("%s: Compose service of project %s (%s); container %s, replica %s of %zu "
           "(the lowest container number)",
           service, pick->compose.project, why, pick->name, number, ch.replicas);
  enum engine_result result = engine_inspect_container(e, pick->id, out);
  if (result == ENGINE_NOT_FOUND) {
    log_error("container %s (service %s) went away while hostalias looked it up", pick->name,
              service);
    result = ENGINE_ERROR;
  }
  return result;
}
