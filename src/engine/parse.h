/* SPDX-License-Identifier: MIT */
/* The Engine API's replies, read: what a container, a container list or a
 * network says, checked strictly (every label and name is hostile input:
 * any image can carry them). Pure functions over a reply's body, no socket:
 * the requests are engine.h's, and the fuzzers call these directly. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct json_t json_t;

/* True when TARGET can be a container name or ID (and so needs no escaping
 * in a URL path). */
bool engine_target_valid(const char *target);

/* What Compose's labels say of a container; empty strings and 0 when it has
 * none of them. */
/* A replica without a valid number: it ranks after every numbered one
 * (any image can carry a service's labels and claim to be its first). */
#define COMPOSE_NUMBER_NONE LONG_MAX

struct compose_labels {
  char project[128];
  char service[128];
  long number; /* com.docker.compose.container-number; COMPOSE_NUMBER_NONE when
                 absent or invalid */
  bool oneoff; /* a `docker-compose run` container, not a service replica */
  char working_dir[4096];
};

/* What Docker Swarm's labels say of a task's container; empty strings when
 * it has none. */
struct swarm_labels {
  char service[128];   /* com.docker.swarm.service.name: "st_web" */
  char stack[128];     /* com.docker.stack.namespace: "st" */
  long slot;           /* from com.docker.swarm.task.name "st_web.SLOT.ID";
                          COMPOSE_NUMBER_NONE for a global service's task */
  char task_name[192]; /* com.docker.swarm.task.name, when it is SERVICE.X.TASKID */
  char task_id[32];    /* com.docker.swarm.task.id, when a valid Swarm ID */
};

#define ENGINE_NETWORKS_MAX 64

struct engine_network {
  char name[128];
  char id[65];
};

struct container_state {
  pid_t pid;
  bool running;
  char status[32]; /* "running", "exited", ... (sanitized) */
  char name[128];  /* without Docker's leading '/' (sanitized) */
  char id[65];
  struct compose_labels compose;
  struct swarm_labels swarm;
  struct engine_network networks[ENGINE_NETWORKS_MAX];
  size_t nnetworks;
};

/* One entry of a GET /containers/json reply. */
struct container_summary {
  char id[65];
  char name[128]; /* the first name engine_target_valid() accepts */
  bool running;
  struct compose_labels compose;
  struct swarm_labels swarm;
};

typedef void (*container_fn)(const struct container_summary *c, void *ctx);

/* Parses a /containers/json reply: calls FN for each container with a valid
 * name. NULL on success, else what is wrong. */
const char *engine_parse_containers(const char *json, size_t len, container_fn fn, void *ctx);

/* Parses a GET /networks reply: calls FN with each network's name (names
 * longer than 127 bytes, or not strings, are skipped). NULL on success,
 * else what is wrong. */
const char *engine_parse_network_names(const char *json, size_t len,
                                       void (*fn)(const char *name, void *ctx), void *ctx);

/* Parses an inspect reply's JSON body. NULL on success, else what is wrong. */
const char *engine_parse_inspect(const char *json, size_t len, struct container_state *out);

/* From an inspect reply: calls FN for each name the container answers to on
 * the networks NETWORKS (N of them, by name): its network aliases and, where
 * the engine reports them (API 1.44+), its DNS names; never its ID or a
 * prefix of it (Docker adds the short ID as an alias). NULL on success, else
 * what is wrong. */
const char *engine_parse_endpoint_names(const char *json, size_t len, const char *const *networks,
                                        size_t n, void (*fn)(const char *name, void *ctx),
                                        void *ctx);

/* Parses a GET /networks/ID reply: calls FN with the ID and name of each
 * container attached to it (running ones have endpoints); *SWARM (when not
 * NULL) says whether its scope is "swarm". NULL on success, else what is
 * wrong. */
const char *engine_parse_network_containers(const char *json, size_t len,
                                            void (*fn)(const char *id, const char *name, void *ctx),
                                            void *ctx, bool *swarm);

/* The "message" of an error reply (BODY, LEN bytes, status STATUS), made
 * printable, into OUT; "HTTP status N" when it has none. */
void engine_api_message(const char *body, size_t len, int status, char *out, size_t size);

/* The aliases on network NET (by ID or name) of SVC, an entry of a
 * GET /services reply: FN gets each valid one. */
void engine_parse_service_aliases(json_t *svc, const struct engine_network *net,
                                  void (*fn)(const char *name, void *ctx), void *ctx);
