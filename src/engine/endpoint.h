/* SPDX-License-Identifier: MIT */
/* Which engine is asked: the socket chosen as the docker CLI chooses it
 * (--docker-host, DOCKER_HOST, a Docker context, the default sockets),
 * pinned under sudo to the one the user could reach, and its server's
 * identity (SO_PEERCRED) checked. Nothing here parses a reply or makes a
 * lookup: that is parse.h and engine.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util.h"

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
