/* SPDX-License-Identifier: MIT */
#include "targets.h"

#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "swarm.h"
#include "util.h"

struct target_lister {
  void (*fn)(const char *name, void *ctx);
  void *ctx;
  struct name_list services; /* Compose services, each once */
  struct name_list containers;
};

static void target_lister_free(struct target_lister *l) {
  name_list_free(&l->services);
  name_list_free(&l->containers);
}
DEFINE_CLEANUP_FUNC(struct target_lister, target_lister_free)
#define _cleanup_target_lister_ __attribute__((cleanup(target_lister_freep)))

static void add_service(struct target_lister *l, const char *name) {
  name_list_add(&l->services, name, strlen(name), "the Engine API", 0);
}

static void list_target(const struct container_summary *c, void *ctx) {
  struct target_lister *l = ctx;
  l->fn(c->name, l->ctx);
  name_list_add(&l->containers, c->name, strlen(c->name), "the Engine API", 0);
  if (c->compose.service[0] && !c->compose.oneoff)
    add_service(l, c->compose.service);
  /* A Swarm task's service, by its full name (st_web) and, in a stack, by
   * its short one (web). */
  const struct swarm_labels *sw = &c->swarm;
  const char *short_name = swarm_short_name(sw->service, sw->stack);
  if (sw->service[0])
    add_service(l, sw->service);
  if (sw->service[0] && short_name)
    add_service(l, short_name);
}

bool engine_list_targets(const struct engine *e, void (*fn)(const char *name, void *ctx),
                         void *ctx) {
  _cleanup_target_lister_ struct target_lister l = {.fn = fn, .ctx = ctx};
  name_list_init(&l.services);
  name_list_init(&l.containers);
  VERBOSITY_SCOPE(VERBOSITY_QUIET); /* a service name that is no valid host name is skipped */
  if (!engine_list_containers(e, NULL, list_target, &l))
    return false;
  for (size_t i = 0; i < l.services.count; i++) {
    const char *s = name_at(&l.services, i);
    if (name_list_find(&l.containers, s, strlen(s)) < 0)
      fn(s, ctx);
  }
  return true;
}

/* The projects and stacks seen, each once (a small list: a linear search
 * is enough). */
struct project_lister {
  char **names;
  size_t count, cap;
};

static void project_lister_free(struct project_lister *l) {
  for (size_t i = 0; i < l->count; i++)
    free(l->names[i]);
  free(l->names);
}
DEFINE_CLEANUP_FUNC(struct project_lister, project_lister_free)
#define _cleanup_project_lister_ __attribute__((cleanup(project_lister_freep)))

static void add_project(struct project_lister *l, const char *name) {
  if (!name[0] || !engine_target_valid(name))
    return;
  for (size_t i = 0; i < l->count; i++)
    if (!strcmp(l->names[i], name))
      return;
  if (l->count == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 16;
    l->names = xreallocarray(l->names, l->cap, sizeof *l->names);
  }
  l->names[l->count++] = xstrdup(name);
}

static void list_project(const struct container_summary *c, void *ctx) {
  add_project(ctx, c->compose.project);
  add_project(ctx, c->swarm.stack);
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

bool engine_list_projects(const struct engine *e, void (*fn)(const char *name, void *ctx),
                          void *ctx) {
  _cleanup_project_lister_ struct project_lister l = {0};
  if (!engine_list_containers(e, NULL, list_project, &l))
    return false;
  if (l.count)
    qsort(l.names, l.count, sizeof *l.names, compare_names);
  for (size_t i = 0; i < l.count; i++)
    fn(l.names[i], ctx);
  return true;
}
