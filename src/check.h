/* SPDX-License-Identifier: MIT */
/* --check: a HOSTALIASES line is only half the path. The program that reads
 * the file then resolves the target (172.27.0.2.traefik.me) through the
 * resolver of wherever it runs. Each target is resolved here the same way
 * (glibc's getaddrinfo, through nsswitch), and compared with the address
 * it encodes; a failure gets its likely reason. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "address.h"
#include "format.h"
#include "target.h"

enum check_where { CHECK_NONE = 0, CHECK_HOST = 1, CHECK_NETNS = 2, CHECK_BOTH = 3 };

struct check_item {
  const char *name;
  char target[NAME_MAX_LEN + 1];
  struct address addr;
  char verdict[1024]; /* "ok", or why not (both places said, with --check=both) */
  bool ok;
};

#define CHECK_DEADLINE_MS 5000

/* Parses --check's argument (NULL: host). */
bool check_parse_where(const char *arg, enum check_where *out);

/* Checks ITEMS (N of them, target and addr filled) in the places WHERE says:
 * this host's network namespace, and T's with the host's resolver
 * configuration, as a program started with nsenter --net sees it. Each place
 * is bounded by CHECK_DEADLINE_MS. HOW is the command line that runs a
 * program in the target ("hostalias -P huginn web -- COMMAND"), for advice. Returns the number of
 * items that failed; each item's verdict is set. */
size_t check_targets(const struct target *t, enum check_where where,
                     const struct format_config *fmt, const char *how, struct check_item *items,
                     size_t n);

/* Why HOSTALIASES cannot work on this host whatever the targets do, from
 * the nsswitch.conf text NSS (LEN bytes) and whether nscd caches hosts;
 * NULL when nothing stands in the way. Exposed for the tests. */
const char *check_nss_obstacle(const char *nss, size_t len, bool nscd_caches_hosts);
