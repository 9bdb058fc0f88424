/* SPDX-License-Identifier: MIT */
/* The Docker (or Podman) Engine API, reached on its unix socket. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "http.h"

struct engine {
  char socket_path[108];
  int timeout_ms;
};

/* Chooses the socket: OVERRIDE (--docker-host, unix://PATH or PATH), else
 * $DOCKER_HOST when it is unix://, else /var/run/docker.sock when it exists,
 * else Podman's rootful /run/podman/podman.sock. False (with a message) when
 * the override is not a unix socket address. */
bool engine_init(struct engine *e, const char *override, int timeout_ms);

/* One request; see http_unix_request. */
enum http_error engine_get(const struct engine *e, const char *path, struct http_response *out,
                           char *err, size_t errlen);

/* True when TARGET can be a container name or ID (and so needs no escaping
 * in a URL path). */
bool engine_target_valid(const char *target);

struct container_state {
  pid_t pid;
  bool running;
  char status[32]; /* "running", "exited", ... (sanitized) */
  char name[128];  /* without Docker's leading '/' (sanitized) */
};

enum engine_result {
  ENGINE_FOUND,
  ENGINE_NOT_FOUND,
  ENGINE_ERROR, /* socket or API failure; message given */
};

/* Parses a /containers/json reply: calls FN for each container name that
 * engine_target_valid() accepts (without Docker's leading '/'). NULL on
 * success, else what is wrong. */
const char *engine_parse_list(const char *json, size_t len, void (*fn)(const char *name, void *ctx),
                              void *ctx);

/* GET /containers/json: the running containers' names, for completion.
 * Reports its own errors. */
bool engine_list_running(const struct engine *e, void (*fn)(const char *name, void *ctx),
                         void *ctx);

/* Parses an inspect reply's JSON body. NULL on success, else what is wrong. */
const char *engine_parse_inspect(const char *json, size_t len, struct container_state *out);

/* GET /containers/TARGET/json and extract the state. Reports its own
 * errors. */
enum engine_result engine_inspect_container(const struct engine *e, const char *target,
                                            struct container_state *out);
