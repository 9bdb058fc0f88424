/* SPDX-License-Identifier: MIT */
#include "engine.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

#define DEFAULT_DOCKER_SOCKET "/var/run/docker.sock"
#define DEFAULT_PODMAN_SOCKET "/run/podman/podman.sock"

static bool set_path(struct engine *e, const char *addr, const char *what) {
  const char *path = addr;
  if (strncmp(addr, "unix://", 7) == 0)
    path = addr + 7;
  else if (strstr(addr, "://")) {
    log_error("%s %s: only unix:// sockets are supported", what, addr);
    return false;
  }
  if (path[0] != '/' || strlen(path) >= sizeof e->socket_path) {
    log_error("%s %s: expected unix:///absolute/path (under %zu bytes)", what, addr,
              sizeof e->socket_path);
    return false;
  }
  strcpy(e->socket_path, path);
  return true;
}

bool engine_init(struct engine *e, const char *override, int timeout_ms) {
  memset(e, 0, sizeof *e);
  e->timeout_ms = timeout_ms;
  if (override)
    return set_path(e, override, "--docker-host");
  const char *env = getenv("DOCKER_HOST");
  if (env && *env) {
    if (strncmp(env, "unix://", 7) == 0)
      return set_path(e, env, "DOCKER_HOST");
    log_warn("DOCKER_HOST=%s is not a unix socket; ignored", env);
  }
  struct stat st;
  if (stat(DEFAULT_DOCKER_SOCKET, &st) == 0 || stat(DEFAULT_PODMAN_SOCKET, &st) != 0)
    strcpy(e->socket_path, DEFAULT_DOCKER_SOCKET);
  else
    strcpy(e->socket_path, DEFAULT_PODMAN_SOCKET);
  return true;
}

enum http_error engine_get(const struct engine *e, const char *path, struct http_response *out,
                           char *err, size_t errlen) {
  return http_unix_request(e->socket_path, "GET", path, e->timeout_ms, out, err, errlen);
}

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

const char *engine_parse_inspect(const char *json, size_t len, struct container_state *out) {
  memset(out, 0, sizeof *out);
  json_error_t jerr;
  json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!root)
    return "reply is not valid JSON (or repeats a key)";
  const char *why = NULL;
  json_t *state = json_object_get(root, "State");
  json_t *pid = state ? json_object_get(state, "Pid") : NULL;
  json_t *running = state ? json_object_get(state, "Running") : NULL;
  json_t *status = state ? json_object_get(state, "Status") : NULL;
  json_t *name = json_object_get(root, "Name");
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
    if (out->running && out->pid == 0)
      why = "reply says running but has no PID";
  }
  json_decref(root);
  return why;
}

static void api_message(const struct http_response *r, char *out, size_t size) {
  json_t *root = json_loadb(r->body, r->body_len, 0, NULL);
  json_t *msg = root ? json_object_get(root, "message") : NULL;
  if (json_is_string(msg))
    copy_sanitized(out, size, json_string_value(msg));
  else
    snprintf(out, size, "HTTP status %d", r->status);
  json_decref(root);
}

enum engine_result engine_inspect_container(const struct engine *e, const char *target,
                                            struct container_state *out) {
  char path[300];
  snprintf(path, sizeof path, "/containers/%s/json", target);
  struct http_response r;
  char err[256];
  enum http_error he = engine_get(e, path, &r, err, sizeof err);
  if (he != HTTP_OK) {
    log_error("cannot ask the Engine API about container %s: %s", target, err);
    if (he == HTTP_DENIED)
      log_error("hint: run as root or as a member of the docker group");
    return ENGINE_ERROR;
  }
  enum engine_result result = ENGINE_ERROR;
  if (r.status == 404) {
    log_error("no such container: %s (asked %s)", target, e->socket_path);
    result = ENGINE_NOT_FOUND;
  } else if (r.status != 200) {
    char msg[256];
    api_message(&r, msg, sizeof msg);
    log_error("the Engine API at %s refused to inspect %s: %s", e->socket_path, target, msg);
  } else {
    const char *why = engine_parse_inspect(r.body, r.body_len, out);
    if (why)
      log_error("the Engine API at %s gave a bad answer about %s: %s", e->socket_path, target, why);
    else
      result = ENGINE_FOUND;
  }
  http_response_free(&r);
  return result;
}

const char *engine_parse_list(const char *json, size_t len, void (*fn)(const char *name, void *ctx),
                              void *ctx) {
  json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
  if (!root)
    return "reply is not valid JSON (or repeats a key)";
  if (!json_is_array(root)) {
    json_decref(root);
    return "reply is not a JSON array";
  }
  size_t i;
  json_t *c;
  json_array_foreach(root, i, c) {
    json_t *names = json_object_get(c, "Names");
    size_t j;
    json_t *n;
    json_array_foreach(names, j, n) {
      const char *s = json_string_value(n);
      if (s && s[0] == '/')
        s++;
      if (s && engine_target_valid(s))
        fn(s, ctx);
    }
  }
  json_decref(root);
  return NULL;
}

bool engine_list_running(const struct engine *e, void (*fn)(const char *name, void *ctx),
                         void *ctx) {
  struct http_response r;
  char err[256];
  if (engine_get(e, "/containers/json", &r, err, sizeof err) != HTTP_OK) {
    log_error("cannot list containers: %s", err);
    return false;
  }
  bool ok = false;
  if (r.status != 200) {
    char msg[256];
    api_message(&r, msg, sizeof msg);
    log_error("the Engine API at %s refused to list containers: %s", e->socket_path, msg);
  } else {
    const char *why = engine_parse_list(r.body, r.body_len, fn, ctx);
    if (why)
      log_error("the Engine API at %s gave a bad container list: %s", e->socket_path, why);
    ok = !why;
  }
  http_response_free(&r);
  return ok;
}
