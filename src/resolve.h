/* The resolving pass: every pending name through one c-ares channel,
 * concurrently, with a cap on queries in flight and an overall deadline.
 * It touches no file and no global state, so it can run again (watch mode)
 * and runs unprivileged inside the target's network namespace. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "names.h"
#include "resolvconf.h"

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
};

/* Adds ADDR to R: keeps BEST the lowest address and, when KEEP_ALL, the
 * RESULT_ADDRS_MAX lowest addresses sorted and without duplicates. */
void name_result_add(struct name_result *r, const struct address *addr, bool keep_all);
void name_results_free(struct name_result *results, size_t n);

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

/* Resolves every name whose result is still NAME_PENDING. Returns false, with
 * a message, when the channel cannot be set up at all. */
bool resolve_names(const struct resolver_config *cfg, const struct name_list *names,
                   struct name_result *results);
