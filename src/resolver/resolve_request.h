/* SPDX-License-Identifier: MIT */
/* Resolver policy: the defaults, and how the options and the container's
 * resolv.conf combine into the settings of one c-ares pass. */
#pragma once

#include <stdbool.h>

#include "resolve.h"
#include "target_file.h"

/* Measured on loopback: dnsmasq and dockerd's resolver drop queries past about
 * 150 in flight (their socket buffers fill), and each loss costs a retry
 * timeout; 100 loses nothing and is within 10% of the best rate. */
#define DEFAULT_CONCURRENCY 100
#define MAX_CONCURRENCY 4096 /* far below c-ares' 65,536 query IDs */
#define DEFAULT_DEADLINE_MS 10000
#define DEFAULT_TIMEOUT_MS 1000
#define DEFAULT_TRIES 2
#define FALLBACK_NAMESERVER "127.0.0.11"

struct resolve_request {
  struct resolver_config cfg; /* timeout_ms, tries < 0: use the container's or defaults */
  bool server_override;       /* cfg.rc.servers came from --server */
};

/* The defaults, before options. */
void resolve_request_init(struct resolve_request *req);

/* Completes REQ from the container's resolv.conf text (servers, search,
 * ndots, timeout, attempts), as the child does. Exposed for the tests. */
void resolve_request_finish(struct resolve_request *req, const struct target_file *resolv_conf);
