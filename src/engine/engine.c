/* SPDX-License-Identifier: MIT */
/* The lookups: see engine.h. */
#include "engine.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

enum http_error engine_get(const struct engine *e, const char *path, struct http_response *out,
                           char *err, size_t errlen) {
  enum http_error r =
      http_unix_request(e->connect_path, e->as_invoker, path, e->timeout_ms, out, err, errlen);
  engine_name_socket(e, err, errlen);
  if ((r == HTTP_NO_SOCKET || r == HTTP_REFUSED) && e->tried[0])
    snprintf(err, errlen,
             "no Engine API socket answers (tried %s); give one with -H, "
             "DOCKER_HOST or a docker context",
             e->tried);
  return r;
}

/* Whether PROGRAM is an executable on $PATH. */
static bool on_path(const char *program) {
  const char *path = getenv("PATH");
  if (!path || !*path)
    path = "/usr/local/bin:/usr/bin:/bin";
  char buf[4096];
  for (const char *p = path; *p;) {
    const char *colon = strchr(p, ':');
    size_t len = colon ? (size_t)(colon - p) : strlen(p);
    if (len && len + strlen(program) + 2 < sizeof buf) {
      snprintf(buf, sizeof buf, "%.*s/%s", (int)len, p, program);
      if (access(buf, X_OK) == 0)
        return true;
    }
    p += len + (colon ? 1 : 0);
  }
  return false;
}

/* What to do about a socket that would not answer, after its error. */
static void hint_socket(const struct engine *e, enum http_error he) {
  if (he == HTTP_DENIED)
    /* The docker group opens the socket, but entering a container's
     * network namespace needs root all the same: say what works. */
    log_error("hint: run it through sudo (sudo hostalias ...): hostalias asks the engine and "
              "enters the container's network namespace as root, which the docker group alone "
              "does not allow; a rootless engine's owner needs neither");
  /* Rootless Podman serves its API only when asked to: without the user's
   * podman.socket (or a podman system service), nothing listens. */
  if ((he == HTTP_NO_SOCKET || he == HTTP_REFUSED) && e->tried[0] && geteuid() != 0 &&
      on_path("podman"))
    log_error("hint: rootless Podman serves its API only when started: systemctl --user enable "
              "--now podman.socket, or (without systemd) podman system service --time=0 &");
}

/* One request of a lookup, and what is said of it:
 * - no reply: "cannot CANNOT: why", and a hint about the socket;
 * - status 200: PARSE (when not NULL) reads the body; what it finds wrong is
 *   "the Engine API at SOCKET gave BAD: why" (when BAD is not NULL);
 * - another status: "the Engine API at SOCKET refused to REFUSED: its
 *   message" (when REFUSED is not NULL; a 404 too, unless QUIET_404). */
struct engine_ask {
  const char *path;
  const char *cannot, *refused, *bad;
  bool quiet_404;
  const char *(*parse)(const char *json, size_t len, void *ctx);
  void *ctx;
};

/* The status (200 when PARSE found nothing wrong), -1 when PARSE found
 * something wrong, 0 when no reply came. */
static int engine_ask(const struct engine *e, const struct engine_ask *a) {
  struct http_response r;
  char err[256];
  enum http_error he = engine_get(e, a->path, &r, err, sizeof err);
  if (he != HTTP_OK) {
    log_error("cannot %s: %s", a->cannot, err);
    hint_socket(e, he);
    return 0;
  }
  int status = r.status;
  if (status == 200) {
    const char *why = a->parse ? a->parse(r.body, r.body_len, a->ctx) : NULL;
    if (why && a->bad)
      log_error("the Engine API at %s gave %s: %s", e->socket_path, a->bad, why);
    if (why)
      status = -1;
  } else if (a->refused && !(status == 404 && a->quiet_404)) {
    char msg[256];
    engine_api_message(r.body, r.body_len, r.status, msg, sizeof msg);
    log_error("the Engine API at %s refused to %s: %s", e->socket_path, a->refused, msg);
  }
  http_response_free(&r);
  return status;
}

static const char *load_json(const char *json, size_t len, void *ctx) {
  json_t **root = ctx;
  *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
  return *root ? NULL : "not JSON";
}

json_t *engine_get_json(const struct engine *e, const char *path, int *status) {
  char cannot[640];
  snprintf(cannot, sizeof cannot, "ask the Engine API for %s", path);
  json_t *root = NULL;
  *status = engine_ask(
      e, &(struct engine_ask){.path = path, .cannot = cannot, .parse = load_json, .ctx = &root});
  return root;
}

static const char *parse_inspect(const char *json, size_t len, void *ctx) {
  return engine_parse_inspect(json, len, ctx);
}

enum engine_result engine_inspect_container(const struct engine *e, const char *target,
                                            struct container_state *out) {
  char path[300], cannot[400], refused[320], bad[320];
  snprintf(path, sizeof path, "/containers/%s/json", target);
  snprintf(cannot, sizeof cannot, "ask the Engine API about container %s", target);
  snprintf(refused, sizeof refused, "inspect %s", target);
  snprintf(bad, sizeof bad, "a bad answer about %s", target);
  int status = engine_ask(e, &(struct engine_ask){.path = path,
                                                  .cannot = cannot,
                                                  .refused = refused,
                                                  .bad = bad,
                                                  .quiet_404 = true,
                                                  .parse = parse_inspect,
                                                  .ctx = out});
  if (status == 404)
    return ENGINE_NOT_FOUND;
  if (status == 200 && (!out->running || !out->pid || engine_vouches_for(e, out->pid)))
    return ENGINE_FOUND;
  return ENGINE_ERROR;
}

/* Percent-encodes S for a URL query value. */
static void url_encode(const char *s, char *out, size_t size) {
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (; *s && o + 4 < size; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        strchr("-._~", c)) {
      out[o++] = (char)c;
    } else {
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  out[o] = '\0';
}

struct list_ctx {
  container_fn fn;
  void *ctx;
};

static const char *parse_list(const char *json, size_t len, void *ctx) {
  struct list_ctx *l = ctx;
  return engine_parse_containers(json, len, l->fn, l->ctx);
}

bool engine_list_containers(const struct engine *e, const char *filters, container_fn fn,
                            void *ctx) {
  char path[900] = "/containers/json";
  if (filters) {
    char q[800];
    url_encode(filters, q, sizeof q);
    snprintf(path, sizeof path, "/containers/json?filters=%s", q);
  }
  struct list_ctx l = {fn, ctx};
  return engine_ask(e, &(struct engine_ask){.path = path,
                                            .cannot = "list containers",
                                            .refused = "list containers",
                                            .bad = "a bad container list",
                                            .parse = parse_list,
                                            .ctx = &l}) == 200;
}

struct names_ctx {
  void (*fn)(const char *name, void *ctx);
  void *ctx;
};

static const char *parse_network_names(const char *json, size_t len, void *ctx) {
  struct names_ctx *l = ctx;
  return engine_parse_network_names(json, len, l->fn, l->ctx);
}

bool engine_list_network_names(const struct engine *e, const char *filters,
                               void (*fn)(const char *name, void *ctx), void *ctx) {
  char q[800], path[900];
  url_encode(filters, q, sizeof q);
  snprintf(path, sizeof path, "/networks?filters=%s", q);
  struct names_ctx l = {fn, ctx};
  return engine_ask(e, &(struct engine_ask){.path = path,
                                            .cannot = "list networks",
                                            .refused = "list networks",
                                            .bad = "a bad network list",
                                            .parse = parse_network_names,
                                            .ctx = &l}) == 200;
}

/* Concurrent connections for engine_inspect_many. Measured on dockerd 20.10
 * with 2 cores, 201 inspects: 4 and 8 in flight took 31-34 ms, 16 took
 * 28-32 ms, 32 no better; dockerd's CPU is the limit. */
#define INSPECT_IN_FLIGHT 16

struct inspect_batch {
  const struct engine *e;
  struct http_request *reqs;
  void (*fn)(size_t i, const char *json, size_t len, void *ctx);
  void *ctx;
  bool ok;
};

/* Each reply as soon as it is in: its parsing overlaps the engine's work
 * on the others. */
static void on_inspected(struct http_request *r, void *ctx) {
  struct inspect_batch *b = ctx;
  if (r->result != HTTP_OK) {
    engine_name_socket(b->e, r->err, sizeof r->err);
    if (b->ok)
      log_error("cannot inspect the containers on the target's networks: %s", r->err);
    b->ok = false;
  } else if (r->response.status == 200) {
    b->fn((size_t)(r - b->reqs), r->response.body, r->response.body_len, b->ctx);
  } else if (r->response.status != 404) {
    if (b->ok)
      log_error("the Engine API at %s refused to inspect a container: HTTP status %d",
                b->e->socket_path, r->response.status);
    b->ok = false;
  }
  http_response_free(&r->response);
}

bool engine_inspect_many(const struct engine *e, const char *const *ids, size_t n,
                         void (*fn)(size_t i, const char *json, size_t len, void *ctx), void *ctx) {
  if (n == 0)
    return true;
  struct http_request *reqs = xcalloc(n, sizeof *reqs);
  char(*paths)[96] = xcalloc(n, sizeof *paths);
  for (size_t i = 0; i < n; i++) {
    snprintf(paths[i], sizeof paths[i], "/containers/%.64s/json", ids[i]);
    reqs[i].path = paths[i];
  }
  struct inspect_batch b = {.e = e, .reqs = reqs, .fn = fn, .ctx = ctx, .ok = true};
  http_unix_get_many(e->connect_path, e->as_invoker, reqs, n, INSPECT_IN_FLIGHT, e->timeout_ms,
                     on_inspected, &b);
  free(paths);
  free(reqs);
  return b.ok;
}

bool engine_network_containers(const struct engine *e, const struct engine_network *nets, size_t n,
                               void (*fn)(const char *id, const char *name, void *ctx), void *ctx,
                               bool *swarm) {
  if (n == 0)
    return true;
  struct http_request *reqs = xcalloc(n, sizeof *reqs);
  char(*paths)[96] = xcalloc(n, sizeof *paths);
  for (size_t i = 0; i < n; i++) {
    snprintf(paths[i], sizeof paths[i], "/networks/%.64s", nets[i].id);
    reqs[i].path = paths[i];
  }
  http_unix_get_many(e->connect_path, e->as_invoker, reqs, n, INSPECT_IN_FLIGHT, e->timeout_ms,
                     NULL, NULL);
  bool ok = true;
  for (size_t i = 0; i < n; i++) {
    struct http_request *r = &reqs[i];
    const char *why = NULL;
    if (r->result != HTTP_OK) {
      if (ok)
        log_error("cannot ask the Engine API about network %s: %s", nets[i].name, r->err);
      ok = false;
    } else if (r->response.status == 200) {
      why = engine_parse_network_containers(r->response.body, r->response.body_len, fn, ctx,
                                            swarm ? &swarm[i] : NULL);
    } else if (r->response.status != 404) {
      why = "it refused";
    }
    if (why && ok) {
      log_error("the Engine API at %s gave a bad answer about network %s: %s", e->socket_path,
                nets[i].name, why);
      ok = false;
    }
    http_response_free(&r->response);
  }
  free(paths);
  free(reqs);
  return ok;
}

bool engine_network_services(const struct engine *e, const struct engine_network *net,
                             void (*fn)(const char *name, void *ctx), void *ctx,
                             struct name_list *detailed) {
  char path[128];
  int status;
  snprintf(path, sizeof path, "/networks/%.64s?verbose=true", net->id);
  json_auto_t *root = engine_get_json(e, path, &status);
  if (!root)
    return status != 0; /* gone (404) meanwhile: none; a failure said why */
  json_t *services = json_object_get(root, "Services");
  _cleanup_name_list_ struct name_list on_net;
  name_list_init(&on_net);
  const char *key;
  json_t *v;
  {
    VERBOSITY_SCOPE(VERBOSITY_SILENT); /* engine_target_valid is the check */
    json_object_foreach(services, key, v) {
      if (strlen(key) < 128 && engine_target_valid(key) &&
          name_list_add(&on_net, key, strlen(key), "the Engine API", 0))
        fn(key, ctx);
    }
  }
  /* Their aliases, from a manager, in one GET /services (one request for
   * each service cost 200 of them on a stack of 200); a worker answers
   * 503, and its own tasks' aliases come from their inspect replies. */
  json_auto_t *list = on_net.count ? engine_get_json(e, "/services", &status) : NULL;
  size_t i;
  json_t *svc;
  json_array_foreach(list, i, svc) {
    const char *name = json_string_value(json_object_get(json_object_get(svc, "Spec"), "Name"));
    if (!name || name_list_find(&on_net, name, strlen(name)) < 0)
      continue;
    engine_parse_service_aliases(svc, net, fn, ctx);
    if (detailed) {
      VERBOSITY_SCOPE(VERBOSITY_SILENT);
      name_list_add(detailed, name, strlen(name), "the Engine API", 0);
    }
  }
  return true;
}
