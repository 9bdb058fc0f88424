/* SPDX-License-Identifier: MIT */
/* Whether this network namespace can reach an address: an alias line is
 * only useful where its consumer can reach the address it names. Asked of
 * the kernel's routing table over netlink (RTM_GETROUTE), no subprocess. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "address.h"

enum route_reach {
  ROUTE_UNKNOWN = 0,  /* the kernel could not be asked */
  ROUTE_REACHABLE,    /* a route more specific than the default, or local */
  ROUTE_DEFAULT_ONLY, /* only the default route leads there */
  ROUTE_NONE,         /* no route at all, or unreachable/blackhole/prohibit */
};

/* Looks up the route to each of ADDRS (N) in the calling thread's network
 * namespace, into OUT (N). Where the policy rules are the default ones
 * (local, main, default tables, nothing selected), the tables are dumped
 * once and each address gets the longest prefix that matches, in rule
 * order; otherwise the kernel is asked per address (route_reach_kernel).
 * False when netlink cannot be used at all (every OUT is then
 * ROUTE_UNKNOWN). */
bool route_reach_many(const struct address *addrs, size_t n, enum route_reach *out);

/* The same, each address asked of the kernel: the fib entry that matches
 * (RTM_F_FIB_MATCH, Linux 4.13), policy rules and all, in batches on one
 * netlink socket. Exposed for the tests, which compare the two. */
bool route_reach_kernel(const struct address *addrs, size_t n, enum route_reach *out);

/* ROUTE_DEFAULT_ONLY and ROUTE_NONE: not reachable from here. */
static inline bool route_unreachable(enum route_reach r) {
  return r == ROUTE_DEFAULT_ONLY || r == ROUTE_NONE;
}

/* Sets link IFINDEX up (multicast off: no LLMNR or mDNS for it) and gives
 * it address A alone (/32 or /128, scope global, no duplicate address
 * detection), in the calling thread's network namespace. False with errno
 * and *STEP naming what failed. */
bool route_link_up_with_address(int ifindex, const struct address *a, const char **step);
