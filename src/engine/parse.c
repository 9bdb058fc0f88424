/* SPDX-License-Identifier: MIT */
/* The Engine API's replies, read: see parse.h. */
#include "parse.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

bool engine_target_valid(const char *t) {
  size_t len = strlen(t);
  if (len == 0 || len > 255)
    return false;
  if (!((t[0] >= 'a' && t[0] <= 'z') || (t[0] >= 'A' && t[0] <= 'Z') ||
        (t[0] >= '0' && t[0] <= '9')))
    return false;
  for (size_t i = 1; i < len; i++) {
    char c = t[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.' || c == '-'))
      return false;
  }
  return true;
}

static void copy_sanitized(char *dst, size_t size, const char *src) {
  size_t j = 0;
  for (size_t i = 0; src[i] && j + 1 < size; i++) {
    unsigned char c = (unsigned char)src[i];
    dst[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
  }
  dst[j] = '\0';
}

/* Copies S into DST when it is a plain string that fits: no control bytes,
 * shorter than SIZE. Else DST is left empty: a label that does not pass is
 * no label at all, never a truncated or altered one. */
static void copy_exact(char *dst, size_t size, json_t *s) {
  dst[0] = '\0';
  const char *v = json_string_value(s);
  if (!v)
    return;
  size_t len = strlen(v);
  if (len >= size)
    return;
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
      return;
  memcpy(dst, v, len + 1);
}

/* Whether ID is LEN characters of 0-9 and a-LAST. */
static bool id_of(const char *id, size_t len, char last) {
  if (strlen(id) != len)
    return false;
  for (size_t i = 0; i < len; i++)
    if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= last)))
      return false;
  return true;
}

/* A Swarm object's ID (a swarm-scoped network's, a node's, a task's): 25
 * lowercase letters and digits. */
static bool swarm_id_valid(const char *id) { return id_of(id, 25, 'z'); }

static void parse_compose_labels(json_t *labels, struct compose_labels *out) {
  memset(out, 0, sizeof *out);
  if (!json_is_object(labels))
    return;
  copy_exact(out->project, sizeof out->project,
             json_object_get(labels, "com.docker.compose.project"));
  copy_exact(out->service, sizeof out->service,
             json_object_get(labels, "com.docker.compose.service"));
  copy_exact(out->working_dir, sizeof out->working_dir,
             json_object_get(labels, "com.docker.compose.project.working_dir"));
  char num[24];
  copy_exact(num, sizeof num, json_object_get(labels, "com.docker.compose.container-number"));
  if (!parse_long(num, 1, 1000000, &out->number))
    out->number = COMPOSE_NUMBER_NONE;
  char oneoff[8];
  copy_exact(oneoff, sizeof oneoff, json_object_get(labels, "com.docker.compose.oneoff"));
  out->oneoff = strcmp(oneoff, "True") == 0;
  if (!engine_target_valid(out->service))
    out->service[0] = '\0';
}

static void parse_swarm_labels(json_t *labels, struct swarm_labels *out) {
  memset(out, 0, sizeof *out);
  out->slot = COMPOSE_NUMBER_NONE;
  if (!json_is_object(labels))
    return;
  copy_exact(out->service, sizeof out->service,
             json_object_get(labels, "com.docker.swarm.service.name"));
  copy_exact(out->stack, sizeof out->stack, json_object_get(labels, "com.docker.stack.namespace"));
  if (!engine_target_valid(out->service))
    out->service[0] = '\0';
  if (!engine_target_valid(out->stack))
    out->stack[0] = '\0';
  /* SERVICE.SLOT.TASKID; a global service's task has the node ID there. */
  char task[256];
  copy_exact(task, sizeof task, json_object_get(labels, "com.docker.swarm.task.name"));
  size_t sl = strlen(out->service);
  copy_exact(out->task_id, sizeof out->task_id,
             json_object_get(labels, "com.docker.swarm.task.id"));
  if (!swarm_id_valid(out->task_id))
    out->task_id[0] = '\0';
  if (sl && !strncmp(task, out->service, sl) && task[sl] == '.') {
    char slot[24];
    const char *dot = strchr(task + sl + 1, '.');
    if (dot && strlen(task) < sizeof out->task_name)
      strcpy(out->task_name, task);
    size_t n = dot ? (size_t)(dot - task - sl - 1) : 0;
    if (n > 0 && n < sizeof slot) {
      memcpy(slot, task + sl + 1, n);
      slot[n] = '\0';
      if (!parse_long(slot, 1, 1000000, &out->slot))
        out->slot = COMPOSE_NUMBER_NONE;
    }
  }
}

/* A container ID as the API gives it: 64 lowercase hex digits. */
static bool id_valid(const char *id) { return id_of(id, 64, 'f'); }

const char *engine_parse_inspect(const char *json, size_t len, struct container_state *out) {
  memset(out, 0, sizeof *out);
  json_auto_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
  if (!root)
    return "reply is not valid JSON (or repeats a key)";
  const char *why = NULL;
  json_t *state = json_object_get(root, "State");
  json_t *pid = state ? json_object_get(state, "Pid") : NULL;
  json_t *running = state ? json_object_get(state, "Running") : NULL;
  json_t *status = state ? json_object_get(state, "Status") : NULL;
  json_t *name = json_object_get(root, "Name");
  json_t *config = json_object_get(root, "Config");
  json_t *settings = json_object_get(root, "NetworkSettings");
  json_t *networks = json_is_object(settings) ? json_object_get(settings, "Networks") : NULL;
  if (!json_is_object(state))
    why = "reply has no State object";
  else if (!json_is_integer(pid) || json_integer_value(pid) < 0 ||
           json_integer_value(pid) > 0x3fffffff)
    why = "reply has no valid State.Pid";
  else if (!json_is_boolean(running))
    why = "reply has no valid State.Running";
  else {
    out->pid = (pid_t)json_integer_value(pid);
    out->running = json_is_true(running);
    copy_sanitized(out->status, sizeof out->status,
                   json_is_string(status) ? json_string_value(status) : "unknown");
    const char *n = json_is_string(name) ? json_string_value(name) : "";
    copy_sanitized(out->name, sizeof out->name, n[0] == '/' ? n + 1 : n);
    copy_exact(out->id, sizeof out->id, json_object_get(root, "Id"));
    if (!id_valid(out->id))
      out->id[0] = '\0';
    parse_compose_labels(json_is_object(config) ? json_object_get(config, "Labels") : NULL,
                         &out->compose);
    parse_swarm_labels(json_is_object(config) ? json_object_get(config, "Labels") : NULL,
                       &out->swarm);
    const char *key;
    json_t *ep;
    json_object_foreach(networks, key, ep) {
      if (out->nnetworks == ENGINE_NETWORKS_MAX)
        break;
      struct engine_network *net = &out->networks[out->nnetworks];
      json_auto_t *k = json_string(key);
      copy_exact(net->name, sizeof net->name, k);
      copy_exact(net->id, sizeof net->id,
                 json_is_object(ep) ? json_object_get(ep, "NetworkID") : NULL);
      if (net->name[0] && (id_valid(net->id) || swarm_id_valid(net->id)))
        out->nnetworks++;
    }
    if (out->running && out->pid == 0)
      why = "reply says running but has no PID";
  }
  return why;
}

void engine_api_message(const char *body, size_t len, int status, char *out, size_t size) {
  json_auto_t *root = json_loadb(body, len, 0, NULL);
  json_t *msg = root ? json_object_get(root, "message") : NULL;
  if (json_is_string(msg))
    copy_sanitized(out, size, json_string_value(msg));
  else
    snprintf(out, size, "HTTP status %d", status);
}

/* A reply that must be a JSON array: into *OUT (the caller's to free), or
 * what is wrong. */
static const char *load_array(const char *json, size_t len, json_t **out) {
  *out = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
  if (!*out)
    return "reply is not valid JSON (or repeats a key)";
  return json_is_array(*out) ? NULL : "reply is not a JSON array";
}

const char *engine_parse_containers(const char *json, size_t len, container_fn fn, void *ctx) {
  json_auto_t *root = NULL;
  const char *bad = load_array(json, len, &root);
  if (bad)
    return bad;
  size_t i;
  json_t *c;
  json_array_foreach(root, i, c) {
    struct container_summary sum;
    memset(&sum, 0, sizeof sum);
    size_t j;
    json_t *n;
    json_array_foreach(json_object_get(c, "Names"), j, n) {
      const char *s = json_string_value(n);
      if (s && s[0] == '/')
        s++;
      if (s && engine_target_valid(s) && strlen(s) < sizeof sum.name) {
        strcpy(sum.name, s);
        break;
      }
    }
    if (!sum.name[0])
      continue;
    copy_exact(sum.id, sizeof sum.id, json_object_get(c, "Id"));
    if (!id_valid(sum.id))
      sum.id[0] = '\0';
    json_t *state = json_object_get(c, "State");
    sum.running = json_is_string(state) && !strcmp(json_string_value(state), "running");
    parse_compose_labels(json_object_get(c, "Labels"), &sum.compose);
    parse_swarm_labels(json_object_get(c, "Labels"), &sum.swarm);
    fn(&sum, ctx);
  }
  return NULL;
}

const char *engine_parse_network_names(const char *json, size_t len,
                                       void (*fn)(const char *name, void *ctx), void *ctx) {
  json_auto_t *root = NULL;
  const char *bad = load_array(json, len, &root);
  if (bad)
    return bad;
  size_t i;
  json_t *n;
  json_array_foreach(root, i, n) {
    char name[128];
    copy_exact(name, sizeof name, json_object_get(n, "Name"));
    if (name[0])
      fn(name, ctx);
  }
  return NULL;
}

/* True when NAME is the container's ID or a prefix of it that Docker
 * uses as an alias (its short ID): such names are not service names. */
static bool is_id_alias(const char *name, const char *id) {
  size_t len = strlen(name);
  return id[0] && len >= 12 && len <= 64 && strncmp(name, id, len) == 0;
}

static void names_from(json_t *list, const char *id, void (*fn)(const char *, void *), void *ctx) {
  size_t i;
  json_t *v;
  json_array_foreach(list, i, v) {
    char name[256];
    copy_exact(name, sizeof name, v);
    if (name[0] && !is_id_alias(name, id))
      fn(name, ctx);
  }
}

const char *engine_parse_endpoint_names(const char *json, size_t len, const char *const *networks,
                                        size_t n, void (*fn)(const char *name, void *ctx),
                                        void *ctx) {
  json_auto_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_object(root))
    return "reply is not a JSON object (or repeats a key)";
  char id[65];
  copy_exact(id, sizeof id, json_object_get(root, "Id"));
  if (!id_valid(id))
    return "reply has no valid Id";
  json_t *settings = json_object_get(root, "NetworkSettings");
  json_t *nets = json_is_object(settings) ? json_object_get(settings, "Networks") : NULL;
  for (size_t i = 0; i < n; i++) {
    json_t *ep = json_object_get(nets, networks[i]);
    if (!json_is_object(ep))
      continue;
    names_from(json_object_get(ep, "Aliases"), id, fn, ctx);
    names_from(json_object_get(ep, "DNSNames"), id, fn, ctx);
  }
  return NULL;
}

const char *engine_parse_network_containers(const char *json, size_t len,
                                            void (*fn)(const char *id, const char *name, void *ctx),
                                            void *ctx, bool *swarm) {
  json_auto_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_object(root))
    return "reply is not a JSON object (or repeats a key)";
  if (swarm) {
    const char *scope = json_string_value(json_object_get(root, "Scope"));
    *swarm = scope && !strcmp(scope, "swarm");
  }
  json_t *containers = json_object_get(root, "Containers");
  const char *why = NULL;
  if (containers && !json_is_object(containers) && !json_is_null(containers))
    why = "reply has a Containers that is not an object";
  const char *key;
  json_t *c;
  json_object_foreach(containers, key, c) {
    char name[128];
    copy_exact(name, sizeof name, json_is_object(c) ? json_object_get(c, "Name") : NULL);
    if (id_valid(key) && engine_target_valid(name))
      fn(key, name, ctx);
  }
  return why;
}

void engine_parse_service_aliases(json_t *svc, const struct engine_network *net,
                                  void (*fn)(const char *name, void *ctx), void *ctx) {
  json_t *nets =
      json_object_get(json_object_get(json_object_get(svc, "Spec"), "TaskTemplate"), "Networks");
  size_t i, k;
  json_t *n, *alias;
  json_array_foreach(nets, i, n) {
    const char *target = json_string_value(json_object_get(n, "Target"));
    if (!target || (strcmp(target, net->id) && strcmp(target, net->name)))
      continue;
    json_array_foreach(json_object_get(n, "Aliases"), k, alias) {
      char a[128];
      copy_exact(a, sizeof a, alias);
      if (engine_target_valid(a))
        fn(a, ctx);
    }
  }
}
