/* SPDX-License-Identifier: MIT */
#include "swarm.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

const char *swarm_short_name(const char *service, const char *stack) {
  size_t sl = strlen(stack);
  if (sl && !strncmp(service, stack, sl) && service[sl] == '_' && service[sl + 1])
    return service + sl + 1;
  return NULL;
}

bool swarm_name_matches(const struct swarm_labels *l, const char *name, const char *project) {
  if (!l->service[0])
    return false;
  const char *short_name = swarm_short_name(l->service, l->stack);
  bool short_match = short_name && !strcmp(short_name, name);
  if (project)
    return !strcmp(l->stack, project) && (short_match || !strcmp(l->service, name));
  return short_match || !strcmp(l->service, name);
}

struct tasks {
  const char *name, *project;
  struct container_summary *list;
  size_t n, cap;
};

static void collect(const struct container_summary *c, void *ctx) {
  struct tasks *ts = ctx;
  if (!c->running || !c->id[0] || !swarm_name_matches(&c->swarm, ts->name, ts->project))
    return;
  /* Swarm names a task's container after the task (SERVICE.SLOT.TASKID),
   * and container names are unique: a container that carries a task's
   * labels under another name is not that task (any image can carry the
   * labels). */
  if (!c->swarm.task_name[0] || strcmp(c->name, c->swarm.task_name) != 0) {
    log_warn("container %s carries the labels of a task of Swarm service %s, but its name is "
             "not the task's (%s): not a task, ignored",
             c->name, c->swarm.service, c->swarm.task_name[0] ? c->swarm.task_name : "none");
    return;
  }
  if (ts->n == ts->cap) {
    ts->cap = ts->cap ? ts->cap * 2 : 8;
    ts->list = xreallocarray(ts->list, ts->cap, sizeof *ts->list);
  }
  ts->list[ts->n++] = *c;
}

/* The service a manager knows by NAME (and PROJECT), into SERVICE; false
 * when there is none, or this engine is no manager. */
static bool manager_service(const struct engine *e, const char *name, const char *project,
                            char *service, size_t size) {
  int status;
  json_auto_t *list = engine_get_json(e, "/services", &status);
  size_t i, found = 0;
  json_t *svc;
  json_array_foreach(list, i, svc) {
    json_t *spec = json_object_get(svc, "Spec");
    const char *n = json_string_value(json_object_get(spec, "Name"));
    const char *ns = json_string_value(
        json_object_get(json_object_get(spec, "Labels"), "com.docker.stack.namespace"));
    struct swarm_labels l = {0};
    if (!n || strlen(n) >= sizeof l.service || (ns && strlen(ns) >= sizeof l.stack))
      continue;
    strcpy(l.service, n);
    strcpy(l.stack, ns ? ns : "");
    if (engine_target_valid(l.service) && swarm_name_matches(&l, name, project) && !found++)
      snprintf(service, size, "%s", l.service);
  }
  return found == 1;
}

/* The nodes a manager says run SERVICE's tasks, into OUT ("node ID vm
 * (10.77.0.2)"); false when it names none. */
static bool task_nodes(const struct engine *e, const char *service, char *out, size_t size) {
  char path[512];
  int status;
  out[0] = '\0';
  snprintf(
      path, sizeof path,
      "/tasks?filters=%%7B%%22service%%22%%3A%%5B%%22%s%%22%%5D%%2C%%22desired-state%%22%%3A%%5B"
      "%%22running%%22%%5D%%7D",
      service);
  json_auto_t *tasks = engine_get_json(e, path, &status);
  size_t i, o = 0;
  json_t *t;
  json_array_foreach(tasks, i, t) {
    char node[80] = "", host[4 * 60 + 4] = "?", addr[4 * 40 + 4] = "?";
    const char *id = json_string_value(json_object_get(t, "NodeID"));
    if (!id || strlen(id) >= sizeof node || !engine_target_valid(id))
      continue;
    strcpy(node, id);
    snprintf(path, sizeof path, "/nodes/%s", node);
    json_auto_t *n = engine_get_json(e, path, &status);
    const char *h =
        json_string_value(json_object_get(json_object_get(n, "Description"), "Hostname"));
    const char *a = json_string_value(json_object_get(json_object_get(n, "Status"), "Addr"));
    if (h)
      escape_for_message(host, h, strlen(h), 60);
    if (a)
      escape_for_message(addr, a, strlen(a), 40);
    if (o < size)
      o += (size_t)snprintf(out + o, size - o, "%snode %.12s %s (%s)", o ? ", " : "", node, host,
                            addr);
  }
  return o > 0;
}

void swarm_choose(const struct container_summary *list, size_t n, struct swarm_choice *out) {
  memset(out, 0, sizeof *out);
  out->result = SWARM_NONE_FOUND;
  const struct container_summary *pick = NULL, *tie = NULL;
  for (size_t i = 0; i < n; i++) {
    const struct container_summary *c = &list[i];
    /* With no stack chosen, every match must be one service. */
    if (pick && strcmp(c->swarm.service, pick->swarm.service) != 0) {
      out->result = SWARM_SEVERAL;
      return;
    }
    if (!pick || c->swarm.slot < pick->swarm.slot) {
      pick = c;
      tie = NULL;
    } else if (c->swarm.slot == pick->swarm.slot && !tie) {
      tie = c;
    }
  }
  out->pick = pick;
  out->other = tie;
  /* A global service has one task a node: two here are one too many. */
  out->result = !pick ? SWARM_NONE_FOUND : tie ? SWARM_TIE : SWARM_CHOSEN;
}

/* The node must be in a swarm, and on a manager the task a container claims
 * to be must be one the manager lists for its service, run by that very
 * container (a worker knows no tasks but its own: there the name and the
 * tie check are all there is). False, after a message, when it is not. */
static bool task_listed(const struct engine *e, const struct container_summary *c) {
  enum swarm_role role = swarm_node_role(e);
  if (role == SWARM_NONE)
    log_error("container %s carries the labels of a task of Swarm service %s, but this engine is "
              "in no swarm: not a task (any image can carry the labels)",
              c->name, c->swarm.service);
  if (role != SWARM_MANAGER)
    return role == SWARM_WORKER;
  char path[512];
  int status;
  snprintf(path, sizeof path, "/tasks?filters=%%7B%%22service%%22%%3A%%5B%%22%s%%22%%5D%%7D",
           c->swarm.service);
  json_auto_t *tasks = engine_get_json(e, path, &status);
  if (!tasks)
    return false;
  bool found = false;
  size_t i;
  json_t *t;
  json_array_foreach(tasks, i, t) {
    const char *id = json_string_value(json_object_get(t, "ID"));
    const char *cid = json_string_value(json_object_get(
        json_object_get(json_object_get(t, "Status"), "ContainerStatus"), "ContainerID"));
    if (id && c->swarm.task_id[0] && !strcmp(id, c->swarm.task_id) && (!cid || !strcmp(cid, c->id)))
      found = true;
  }
  if (!found)
    log_error("container %s claims to be task %s of Swarm service %s, but the manager lists no "
              "such task for it: not a task of the service (any image can carry the labels)",
              c->name, c->swarm.task_id[0] ? c->swarm.task_id : "(no valid task ID)",
              c->swarm.service);
  return found;
}

enum engine_result swarm_find_service(const struct engine *e, const char *name, const char *project,
                                      struct container_state *out) {
  struct tasks ts = {.name = name, .project = project};
  if (!engine_list_containers(e, "{\"label\":[\"com.docker.swarm.service.name\"]}", collect, &ts)) {
    free(ts.list);
    return ENGINE_ERROR;
  }
  if (ts.n == 0) {
    free(ts.list);
    return ENGINE_NOT_FOUND;
  }
  struct swarm_choice ch;
  swarm_choose(ts.list, ts.n, &ch);
  const struct container_summary *pick = ch.pick;
  enum engine_result result = ENGINE_ERROR;
  if (ch.result == SWARM_SEVERAL) {
    log_error("%s is a Swarm service of several stacks here; choose one:", name);
    for (size_t i = 0; i < ts.n; i++)
      log_error("  %s (%s)", ts.list[i].swarm.service, ts.list[i].name);
    log_error("hint: --project STACK (-P), or the full service name STACK_%s", name);
  } else if (ch.result == SWARM_TIE) {
    log_error("%s: two containers claim %s of Swarm service %s: %s and %s; labels can be set "
              "by any image, so neither is trusted: remove the one that is not the service's, "
              "or name the container itself",
              name, pick->swarm.slot == COMPOSE_NUMBER_NONE ? "the same task" : "the same slot",
              pick->swarm.service, pick->name, ch.other->name);
  } else if (!task_listed(e, pick)) {
    /* said */
  } else {
    size_t local = 0;
    for (size_t i = 0; i < ts.n; i++)
      local += !strcmp(ts.list[i].swarm.service, pick->swarm.service);
    char slot[32] = "a global service's task";
    if (pick->swarm.slot != COMPOSE_NUMBER_NONE)
      snprintf(slot, sizeof slot, "slot %ld", pick->swarm.slot);
    log_info("%s: Swarm service %s%s%s; task %s on this node, %s of %zu here (the lowest slot)",
             name, pick->swarm.service, pick->swarm.stack[0] ? " of stack " : "", pick->swarm.stack,
             pick->name, slot, local);
    result = engine_inspect_container(e, pick->id, out);
    if (result == ENGINE_NOT_FOUND) {
      log_error("task %s (service %s) went away while hostalias looked it up", pick->name,
                pick->swarm.service);
      result = ENGINE_ERROR;
    }
  }
  free(ts.list);
  return result;
}

enum swarm_role swarm_node_role(const struct engine *e) {
  int status;
  json_auto_t *info = NULL;
  {
    VERBOSITY_SCOPE(VERBOSITY_SILENT); /* an engine that does not answer: no role */
    info = engine_get_json(e, "/info", &status);
  }
  json_t *sw = json_object_get(info, "Swarm");
  const char *state = json_string_value(json_object_get(sw, "LocalNodeState"));
  json_t *control = json_object_get(sw, "ControlAvailable");
  enum swarm_role role = SWARM_NONE;
  if (state && !strcmp(state, "active") && json_is_boolean(control))
    role = json_is_true(control) ? SWARM_MANAGER : SWARM_WORKER;
  return role;
}

bool swarm_explain_missing(const struct engine *e, const char *name, const char *project) {
  /* A service this node runs no task of: a manager knows where they are. */
  char service[128], nodes[1024];
  if (manager_service(e, name, project, service, sizeof service)) {
    if (task_nodes(e, service, nodes, sizeof nodes))
      log_error("%s: a Swarm service with no task on this node; its tasks run on %s: run "
                "hostalias there",
                service, nodes);
    else
      log_error("%s: a Swarm service with no running task", service);
    return true;
  }
  /* A worker answers 503 to GET /services: say that only a manager knows. */
  bool worker = swarm_node_role(e) == SWARM_WORKER;
  if (worker) {
    log_error("no such container, Swarm service or Compose service here: %s", name);
    log_error("hint: this engine is a Swarm worker: if that is a Swarm service with no task "
              "here, only a manager knows where its tasks run (ask one with -H)");
  }
  return worker;
}
