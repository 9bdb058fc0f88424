/* SPDX-License-Identifier: MIT */
/* The Docker (or Podman) Engine API, reached on its unix socket: the
 * lookups (a container, the container list, a network's containers and
 * services), each one request or a batch of them. Which socket is asked is
 * endpoint.h's; what the replies say, parse.h's. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "endpoint.h"
#include "http.h"
#include "names.h"
#include "parse.h"

typedef struct json_t json_t;

/* One request; see http_unix_request. */
enum http_error engine_get(const struct engine *e, const char *path, struct http_response *out,
                           char *err, size_t errlen);

enum engine_result {
  ENGINE_FOUND,
  ENGINE_NOT_FOUND,
  ENGINE_ERROR, /* socket or API failure; message given */
};

/* GET PATH, parsed as JSON: the body when the status is 200 (caller
 * decrefs), else NULL with *STATUS set (0 when the request itself failed,
 * after a message). */
json_t *engine_get_json(const struct engine *e, const char *path, int *status);

/* GET /networks with FILTERS (JSON, as the API takes it): FN gets each
 * network's name. Reports its own errors. */
bool engine_list_network_names(const struct engine *e, const char *filters,
                               void (*fn)(const char *name, void *ctx), void *ctx);

/* GET /containers/json, with FILTERS (JSON, as the API takes it) when not
 * NULL: running containers only. Reports its own errors. */
bool engine_list_containers(const struct engine *e, const char *filters, container_fn fn,
                            void *ctx);

/* GET /containers/TARGET/json and extract the state. Reports its own errors,
 * but not ENGINE_NOT_FOUND, which the caller words. */
enum engine_result engine_inspect_container(const struct engine *e, const char *target,
                                            struct container_state *out);

/* Inspects the containers IDS (N of them) over several connections at once,
 * and calls FN with each reply's body; a container gone meanwhile (404) is
 * skipped. False, with a message, when the engine fails. */
bool engine_inspect_many(const struct engine *e, const char *const *ids, size_t n,
                         void (*fn)(size_t i, const char *json, size_t len, void *ctx), void *ctx);

/* The containers attached to each of the networks NETS (N of them), asked
 * several at a time. A network gone meanwhile (404) has none. SWARM (N
 * entries, or NULL) gets which are swarm-scoped. False, with a message,
 * when the engine fails. */
bool engine_network_containers(const struct engine *e, const struct engine_network *nets, size_t n,
                               void (*fn)(const char *id, const char *name, void *ctx), void *ctx,
                               bool *swarm);

/* A swarm-scoped network NET across the cluster: GET /networks/ID?verbose
 * lists every service attached, whichever node runs its tasks; FN gets each
 * service's name and, where this engine is a manager (GET /services), its
 * aliases on NET; DETAILED, when not NULL, gets the names of the services
 * whose aliases were given. Task names and IDs are never given. False,
 * with a message, when the engine fails. */
bool engine_network_services(const struct engine *e, const struct engine_network *net,
                             void (*fn)(const char *name, void *ctx), void *ctx,
                             struct name_list *detailed);
