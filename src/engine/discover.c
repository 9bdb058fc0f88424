/* SPDX-License-Identifier: MIT */
#include "discover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swarm.h"
#include "util.h"

struct discovery {
  struct name_list found; /* in the engine's order; sorted into the caller's list */
  bool skip_dotted;
  const char *stack; /* the target's Swarm stack, or "" */
  /* The containers seen on the target's networks, each once. */
  char (*ids)[65];
  char **names;
  size_t nids, cap;
  /* Swarm services whose aliases a manager gave: their tasks need no
   * inspect. */
  struct name_list detailed;
};

static void add_name(const char *name, void *ctx) {
  struct discovery *d = ctx;
  size_t len = strlen(name);
  /* Anything the engine says is checked as a name read from input is; what
   * does not pass (a name only Docker allows) is not asked. */
  if (name_invalid_reason(name, len) || (d->skip_dotted && name_is_dotted_n(name, len)))
    return;
  name_list_add(&d->found, name, len, "the Engine API", 0);
}

/* A service on a swarm-scoped network: its name, and in the target's own
 * stack its short name too, the alias docker stack deploy gives every
 * service (a worker cannot ask a manager for the aliases). */
static void add_service(const char *name, void *ctx) {
  struct discovery *d = ctx;
  add_name(name, d);
  const char *short_name = swarm_short_name(name, d->stack);
  if (short_name)
    add_name(short_name, d);
}

static int name_cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void on_container(const char *id, const char *name, void *ctx) {
  struct discovery *d = ctx;
  add_name(name, d);
  for (size_t i = 0; i < d->nids; i++)
    if (!strcmp(d->ids[i], id))
      return;
  if (d->nids == d->cap) {
    d->cap = d->cap ? d->cap * 2 : 64;
    d->ids = xreallocarray(d->ids, d->cap, sizeof *d->ids);
    d->names = xreallocarray(d->names, d->cap, sizeof *d->names);
  }
  d->names[d->nids] = xstrdup(name);
  memcpy(d->ids[d->nids++], id, 65);
}

/* Whether container NAME is a task (SERVICE.SLOT.TASK, or SERVICE.NODE.TASK
 * for a global service) of a service a manager detailed: its aliases on
 * the network are the service's, already given. */
static bool task_of_detailed(const struct discovery *d, const char *name) {
  const char *dot = strchr(name, '.');
  return dot && d->detailed.count && name_list_find(&d->detailed, name, (size_t)(dot - name)) >= 0;
}

struct alias_ctx {
  struct discovery *d;
  const char *const *networks;
  size_t nnetworks;
  bool bad;
};

static void on_inspect(size_t i, const char *json, size_t len, void *ctx) {
  (void)i;
  struct alias_ctx *a = ctx;
  if (engine_parse_endpoint_names(json, len, a->networks, a->nnetworks, add_name, a->d))
    a->bad = true;
}

bool discover_names(const struct engine *e, const struct container_state *target, bool skip_dotted,
                    struct name_list *names) {
  struct discovery d = {.skip_dotted = skip_dotted, .stack = target->swarm.stack};
  name_list_init(&d.found);
  name_list_init(&d.detailed);
  const char *netnames[ENGINE_NETWORKS_MAX];
  bool ok = true;
  int64_t t0 = now_us();
  for (size_t i = 0; i < target->nnetworks; i++)
    netnames[i] = target->networks[i].name;
  /* GET /networks/ID answers in 1-2 ms where a filtered container list
   * took 13-15 ms (dockerd 20.10, 200 containers). */
  bool swarm[ENGINE_NETWORKS_MAX] = {false};
  ok = engine_network_containers(e, target->networks, target->nnetworks, on_container, &d, swarm);
  /* A swarm-scoped network reaches across the cluster: its services, with
   * tasks on other nodes too, and their aliases. */
  for (size_t i = 0; ok && i < target->nnetworks; i++)
    if (swarm[i])
      ok = engine_network_services(e, &target->networks[i], add_service, &d, &d.detailed);
  /* Aliases are only in each container's inspect reply (engine 20.10 lists
   * them as null), so every container is inspected, several at a time. */
  struct alias_ctx a = {.d = &d, .networks = netnames, .nnetworks = target->nnetworks};
  const char **ids = xcalloc(d.nids ? d.nids : 1, sizeof *ids);
  size_t nids = 0;
  for (size_t i = 0; i < d.nids; i++)
    if (!task_of_detailed(&d, d.names[i]))
      ids[nids++] = d.ids[i];
  int64_t t1 = now_us();
  if (ok)
    ok = engine_inspect_many(e, ids, nids, on_inspect, &a);
  log_info("timing (--all): the networks' containers and services %.3f ms, inspect %zu of %zu "
           "containers %.3f ms",
           (double)(t1 - t0) / 1000, nids, d.nids, (double)(now_us() - t1) / 1000);
  if (ok && a.bad) {
    log_error("the Engine API at %s gave a bad inspect reply for a container on the target's "
              "networks",
              e->socket_path);
    ok = false;
  }
  if (ok) {
    /* Sorted, so the output does not change with the engine's listing
     * order (and -o does not rewrite a file for nothing). */
    const char **sorted = xcalloc(d.found.count, sizeof *sorted);
    for (size_t i = 0; i < d.found.count; i++)
      sorted[i] = name_at(&d.found, i);
    qsort(sorted, d.found.count, sizeof *sorted, name_cmp);
    size_t before = names->count;
    for (size_t i = 0; i < d.found.count; i++)
      name_list_add(names, sorted[i], strlen(sorted[i]), "the Engine API", 0);
    free(sorted);
    log_info("--all: %zu names from %zu containers on %zu networks of %s", names->count - before,
             d.nids, target->nnetworks, target->name);
  }
  name_list_free(&d.found);
  name_list_free(&d.detailed);
  free(ids);
  for (size_t i = 0; i < d.nids; i++)
    free(d.names[i]);
  free(d.names);
  free(d.ids);
  return ok;
}
