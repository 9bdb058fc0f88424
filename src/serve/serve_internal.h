/* SPDX-License-Identifier: MIT */
/* Between the two halves of --serve: fixed-form messages on a
 * SOCK_SEQPACKET socketpair. The front asks for a socket; the privileged
 * half answers with a status and, when it found them, the sockets (UDP
 * sockets made inside the network namespace of a container, connected to
 * the first nameserver of its resolv.conf) as SCM_RIGHTS. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "dns_packet.h"
#include "engine.h"

enum priv_kind { PRIV_PROJECT = 1, PRIV_CONTAINER = 2 };
/* PRIV_CHANGED is sent unasked, with no socket: something an answer may
 * depend on changed (the engine's event stream said so, or it is lost), so
 * the front forgets every socket and not-found it keeps, and asks again. */
enum priv_status { PRIV_OK = 0, PRIV_NOT_FOUND = 1, PRIV_ERROR = 2, PRIV_CHANGED = 3 };

struct priv_request {
  uint8_t kind;    /* enum priv_kind */
  char scope[128]; /* NUL-terminated; engine_target_valid() */
};

/* A project's sockets: one for each container needed to cover every
 * network of the project, in order of preference (the lowest-numbered
 * replica of the alphabetically first service first). */
#define PRIV_SOCKETS_MAX 8

struct priv_reply {
  uint8_t status;   /* enum priv_status */
  uint8_t nsockets; /* PRIV_OK: 1 to PRIV_SOCKETS_MAX, sent as SCM_RIGHTS */
};

/* The privileged half: answers requests on CTL until the front goes away
 * or a signal on SIGFD ends it. Returns the exit status. */
int serve_priv_loop(const struct engine *e, int ctl, int sigfd, pid_t front);

/* The front: never returns. LISTEN_UDP and LISTEN_TCP are N sockets each;
 * FILTER (when not NULL) is installed last, once it holds no privilege. */
void serve_front_main(const struct dns_name *domain, const int *listen_udp, const int *listen_tcp,
                      size_t n, int ctl, pid_t parent, bool (*filter)(void))
    __attribute__((noreturn));
