/* SPDX-License-Identifier: MIT */
/* The Docker (or Podman) Engine API, reached on its unix socket. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "http.h"
#include "names.h"
#include "util.h"

typedef struct json_t json_t;

/* Under sudo, who serves the engine's socket (the listening socket's
 * SO_PEERCRED), and so what its answers may lead root into:
 * - ENGINE_PEER_ROOT: uid 0, a system engine: its containers, as ever;
 * - ENGINE_PEER_INVOKER: the invoking user's own (rootless) engine, which
 *   vouches for nothing root could enter and the user could not: only a
 *   network namespace whose user namespace the invoking user owns
 *   (netns_owned_by(fd, invoker()->uid), privileges.h). engine_inspect_-
 *   container refuses any other PID it names; a caller that enters a PID
 *   from it checks the namespace it holds the same way.
 * Any other uid is refused by engine_init. Without sudo (or when the
 * engine did not answer at engine_init), ENGINE_PEER_UNCHECKED. */
enum engine_peer {
  ENGINE_PEER_UNCHECKED,
  ENGINE_PEER_ROOT,
  ENGINE_PEER_INVOKER,
};

struct engine {
  char socket_path[108];  /* as named, for messages */
  char connect_path[108]; /* what connect() is given: socket_path, or the
                             pinned descriptor's /proc/self/fd/N */
  int pinned_fd;          /* under sudo, the socket the user named; else -1 */
  bool as_invoker;        /* under sudo, a socket the user named (not the system
                             engine's): connected to with the user's rights */
  enum engine_peer vouch; /* under sudo, who serves it (see enum engine_peer) */
  int timeout_ms;
  char tried[600]; /* the default sockets looked for, when none was given */
};
#define ENGINE_INIT                                                                                \
  { .pinned_fd = -1 }

/* How long one Engine API request may take, everywhere. */
#define ENGINE_TIMEOUT_MS 5000

/* Chooses the socket, as the docker CLI does: OVERRIDE (--docker-host,
 * unix://PATH or PATH), else $DOCKER_HOST, else the endpoint of the Docker
 * context $DOCKER_CONTEXT or currentContext in $DOCKER_CONFIG/config.json
 * (~/.docker), else the first that exists of: for a caller who is not
 * root, $XDG_RUNTIME_DIR/docker.sock and $XDG_RUNTIME_DIR/podman/podman.sock
 * (rootless engines); then /var/run/docker.sock and Podman's
 * /run/podman/podman.sock. False, with a message, for an address that is
 * not a unix socket (a remote engine's containers cannot be entered) or a
 * context that cannot be read. Under sudo: the configuration is the invoking
 * user's (a DOCKER_CONFIG sudo kept, else ~/.docker of their passwd entry,
 * never root's HOME), read with their rights; a socket the user named (not
 * one of the system engine's) must be one the user could connect to, and
 * is connected to with their rights; the server must be root or the user
 * (see enum engine_peer), else it is refused, naming the socket and uid. */
bool engine_init(struct engine *e, const char *override, int timeout_ms);

/* Under sudo, with E's server the invoking user (ENGINE_PEER_INVOKER):
 * whether PID's network namespace is one the user owns; else true. False,
 * with a message, when it is not (the user's engine named a process root
 * may enter and the user may not). */
bool engine_vouches_for(const struct engine *e, pid_t pid);

/* Frees what engine_init took; safe on ENGINE_INIT and after a failed init. */
void engine_close(struct engine *e);
DEFINE_CLEANUP_FUNC(struct engine, engine_close)
#define _cleanup_engine_ __attribute__((cleanup(engine_closep)))

/* A message about E's connection names the socket as the user named it,
 * not the pinned descriptor's /proc/self/fd/N. */
void engine_name_socket(const struct engine *e, char *msg, size_t size);

/* One request; see http_unix_request. */
enum http_error engine_get(const struct engine *e, const char *path, struct http_response *out,
                           char *err, size_t errlen);

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

enum engine_result {
  ENGINE_FOUND,
  ENGINE_NOT_FOUND,
  ENGINE_ERROR, /* socket or API failure; message given */
};

typedef void (*container_fn)(const struct container_summary *c, void *ctx);

/* GET PATH, parsed as JSON: the body when the status is 200 (caller
 * decrefs), else NULL with *STATUS set (0 when the request itself failed,
 * after a message). */
json_t *engine_get_json(const struct engine *e, const char *path, int *status);

/* Parses a /containers/json reply: calls FN for each container with a valid
 * name. NULL on success, else what is wrong. */
const char *engine_parse_containers(const char *json, size_t len, container_fn fn, void *ctx);

/* GET /containers/json, with FILTERS (JSON, as the API takes it) when not
 * NULL: running containers only. Reports its own errors. */
bool engine_list_containers(const struct engine *e, const char *filters, container_fn fn,
                            void *ctx);

/* Parses an inspect reply's JSON body. NULL on success, else what is wrong. */
const char *engine_parse_inspect(const char *json, size_t len, struct container_state *out);

/* GET /containers/TARGET/json and extract the state. Reports its own errors,
 * but not ENGINE_NOT_FOUND, which the caller words. */
enum engine_result engine_inspect_container(const struct engine *e, const char *target,
                                            struct container_state *out);

/* From an inspect reply: calls FN for each name the container answers to on
 * the networks NETWORKS (N of them, by name): its network aliases and, where
 * the engine reports them (API 1.44+), its DNS names; never its ID or a
 * prefix of it (Docker adds the short ID as an alias). NULL on success, else
 * what is wrong. */
const char *engine_parse_endpoint_names(const char *json, size_t len, const char *const *networks,
                                        size_t n, void (*fn)(const char *name, void *ctx),
                                        void *ctx);

/* Inspects the containers IDS (N of them) over several connections at once,
 * and calls FN with each reply's body; a container gone meanwhile (404) is
 * skipped. False, with a message, when the engine fails. */
bool engine_inspect_many(const struct engine *e, const char *const *ids, size_t n,
                         void (*fn)(size_t i, const char *json, size_t len, void *ctx), void *ctx);

/* Parses a GET /networks/ID reply: calls FN with the ID and name of each
 * container attached to it (running ones have endpoints); *SWARM (when not
 * NULL) says whether its scope is "swarm". NULL on success, else what is
 * wrong. */
const char *engine_parse_network_containers(const char *json, size_t len,
                                            void (*fn)(const char *id, const char *name, void *ctx),
                                            void *ctx, bool *swarm);

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
