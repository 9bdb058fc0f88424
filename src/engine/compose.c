/* SPDX-License-Identifier: MIT */
#include "compose.h"

#include <stdio.h>
#include <string.h>

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

/* The project the working directory lies in: the deepest working_dir label
 * among the candidates that is the directory or one of its parents. */
static const char *project_of_cwd(const struct candidates *cs, char *cwd, size_t size) {
  if (!getcwd(cwd, size))
    return NULL;
  const char *best = NULL;
  size_t best_len = 0;
  for (size_t i = 0; i < cs->n; i++) {
    const struct compose_labels *l = &cs->list[i].compose;
    size_t len = strlen(l->working_dir);
    if (len > best_len && compose_dir_within(cwd, l->working_dir)) {
      best = l->project;
      best_len = len;
    }
  }
  return best;
}

enum engine_result compose_find_service(const struct engine *e, const char *service,
                                        const char *project, struct container_state *out) {
  char filters[300];
  snprintf(filters, sizeof filters, "{\"label\":[\"com.docker.compose.service=%s\"]}", service);
  struct candidates cs = {.service = service};
  if (!engine_list_containers(e, filters, collect, &cs)) {
    free(cs.list);
    return ENGINE_ERROR;
  }
  if (cs.n == 0) {
    free(cs.list);
    return ENGINE_NOT_FOUND;
  }
  const char *why = NULL;
  char cwd[4096], why_buf[4200];
  if (project) {
    why = "--project";
  } else if ((project = getenv("COMPOSE_PROJECT_NAME")) && *project) {
    why = "COMPOSE_PROJECT_NAME";
  } else if ((project = project_of_cwd(&cs, cwd, sizeof cwd))) {
    snprintf(why_buf, sizeof why_buf, "the working directory %s", cwd);
    why = why_buf;
  } else {
    project = NULL;
  }

  /* The chosen project's replicas, or, with none chosen, all of them when
   * they are of one project. */
  const struct container_summary *pick = NULL;
  bool several = false;
  for (size_t i = 0; i < cs.n; i++) {
    const struct container_summary *c = &cs.list[i];
    if (project && strcmp(c->compose.project, project) != 0)
      continue;
    if (!project && pick && strcmp(c->compose.project, pick->compose.project) != 0)
      several = true;
    if (!pick || c->compose.number < pick->compose.number ||
        (c->compose.number == pick->compose.number && strcmp(c->name, pick->name) < 0))
      pick = c;
  }
  enum engine_result result = ENGINE_ERROR;
  if (!pick) {
    log_error("no container %s, and project %s (from %s) has no running service %s", service,
              project ? project : "(none)", why ? why : "nowhere", service);
  } else if (several) {
    log_error("%s is a Compose service in several projects; choose one:", service);
    for (size_t i = 0; i < cs.n; i++)
      log_error("  %s/%s (%s)", cs.list[i].compose.project, service, cs.list[i].name);
    log_error("hint: --project NAME (-P), COMPOSE_PROJECT_NAME, or run it from the project's "
              "directory");
  } else {
    size_t replicas = 0;
    for (size_t i = 0; i < cs.n; i++)
      replicas += strcmp(cs.list[i].compose.project, pick->compose.project) == 0;
    char number[32] = "without a number";
    if (pick->compose.number != COMPOSE_NUMBER_NONE)
      snprintf(number, sizeof number, "%ld", pick->compose.number);
    log_info("%s: Compose service of project %s (%s); container %s, replica %s of %zu "
             "(the lowest container number)",
             service, pick->compose.project, why ? why : "the only project that has it", pick->name,
             number, replicas);
    result = engine_inspect_container(e, pick->id, out);
    if (result == ENGINE_NOT_FOUND)
      log_error("container %s (service %s) went away while hostalias looked it up", pick->name,
                service);
    if (result == ENGINE_NOT_FOUND)
      result = ENGINE_ERROR;
  }
  free(cs.list);
  return result;
}
