/* SPDX-License-Identifier: MIT */
/* hostalias --serve: a DNS bridge to the containers' own DNS servers
 * (README, "--serve"), in two processes, as OpenSSH's privilege
 * separation: the privileged half (the process started) binds the
 * listening sockets, then only answers the front's requests for a socket
 * in a project's or a container's network namespace; the front, with no
 * privilege, in an empty root, reads and answers every packet. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "resolvconf.h"

#define SERVE_LISTEN_MAX 8
#define SERVE_DEFAULT_LISTEN "127.0.0.153"
#define SERVE_DEFAULT_PORT 53
#define SERVE_DEFAULT_DOMAIN "hostalias.internal"

struct serve_config {
  const char *docker_host; /* -H, or NULL */
  struct nameserver listen[SERVE_LISTEN_MAX];
  size_t nlisten;     /* 0: SERVE_DEFAULT_LISTEN */
  const char *domain; /* NULL: SERVE_DEFAULT_DOMAIN */
  bool resolved;      /* --resolved: tell systemd-resolved (serve_resolved.h) */
  /* Installs the front's seccomp filter once it is set up, or NULL. Given
   * by the program (the library links no libseccomp); false ends it. */
  bool (*front_filter)(void);
};

/* Parses a --listen argument: ADDR, ADDR:PORT, [ADDR6]:PORT (port 53 when
 * none is given). */
bool serve_parse_listen(const char *text, struct nameserver *out);

/* Runs until SIGTERM or SIGINT (0), or until the front dies (an exit
 * status, after saying why). */
int serve_run(const struct serve_config *cfg);
