/* SPDX-License-Identifier: MIT */
/* The c-ares pass: every pending name through one channel, concurrently,
 * with a cap on queries in flight and an overall deadline. It touches no
 * file and no global state, and runs unprivileged inside the target's
 * network namespace. */
#pragma once

#include <ares.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "name_result.h"
#include "names.h"
#include "resolvconf.h"

struct resolver_config {
  struct resolv_conf rc; /* servers, search domains, ndots */
  int timeout_ms;        /* first try's timeout */
  int tries;
  int deadline_ms;      /* for the whole pass */
  unsigned concurrency; /* queries in flight at most */
  unsigned families;    /* enum family_mask */
  bool keep_all;
};

/* Answers the names NAMES has in the hosts file text HOSTS from it, as the
 * container's libc would before asking DNS. */
void resolve_from_hosts(const char *hosts, size_t len, const char *source,
                        const struct name_list *names, unsigned families, bool keep_all,
                        struct name_result *results);

/* A c-ares channel with every option given, so that nothing of the host's
 * configuration is used (no HOSTALIASES, no host hosts file, no host
 * resolv.conf, no sortlist, no query cache on 1.31+), and CFG's servers.
 * SOCK_CB may be NULL. False, with a message, when it cannot be made.
 * Exposed for the tests, which read the options back. */
bool resolve_channel_new(const struct resolver_config *cfg, ares_channel *channel,
                         void (*sock_cb)(void *, ares_socket_t, int, int), void *sock_data);

/* Resolves every name whose result is still NAME_PENDING. Returns false, with
 * a message, when the channel cannot be set up at all. */
bool resolve_names(const struct resolver_config *cfg, const struct name_list *names,
                   struct name_result *results);
