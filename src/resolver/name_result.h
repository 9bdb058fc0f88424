/* SPDX-License-Identifier: MIT */
/* What a pass learns about one name: a status and its addresses, with the
 * functions that build and describe it. Shared by the resolver child, the
 * records it sends and the lines the parent writes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"

#define RESULT_ADDRS_MAX 32

enum family_mask { FAMILY_V4 = 1, FAMILY_V6 = 2 };

enum name_status {
  NAME_PENDING = 0,
  NAME_RESOLVED,
  NAME_NXDOMAIN,    /* no such name */
  NAME_NODATA,      /* name exists, no address of the family asked for */
  NAME_TIMEOUT,     /* no answer in time */
  NAME_REFUSED,     /* server answered REFUSED */
  NAME_SERVFAIL,    /* server answered SERVFAIL */
  NAME_UNREACHABLE, /* connection refused: nothing listens */
  NAME_BADRESP,     /* malformed answer */
  NAME_FAILED,      /* anything else */
  NAME_STATUS_MAX = NAME_FAILED,
};

const char *name_status_text(enum name_status s);

struct name_result {
  uint8_t status;      /* enum name_status */
  bool from_hosts;     /* answered by the container's /etc/hosts */
  uint16_t naddrs;     /* addresses kept (at most RESULT_ADDRS_MAX) */
  struct address best; /* the lowest address: the one that is written */
  struct address *all; /* sorted, naddrs long; only when keeping all */
  uint8_t reach;       /* enum route_reach of BEST from the caller's network
                          namespace (route.h), set by the parent after a
                          pass; 0 (unknown) until then, never sent */
};

/* Adds ADDR to R: keeps BEST the lowest address and, when KEEP_ALL, the
 * RESULT_ADDRS_MAX lowest addresses sorted and without duplicates. */
void name_result_add(struct name_result *r, const struct address *addr, bool keep_all);
void name_results_free(struct name_result *results, size_t n);

/* A pass's results, one for each name, owned together. */
struct name_results {
  struct name_result *r;
  size_t n;
};
static inline void name_results_freep(struct name_results *r) { name_results_free(r->r, r->n); }
#define _cleanup_name_results_ __attribute__((cleanup(name_results_freep)))
