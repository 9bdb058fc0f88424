/* SPDX-License-Identifier: MIT */
#include "name_result.h"

#include <string.h>

#include "util.h"

const char *name_status_text(enum name_status s) {
  switch (s) {
  case NAME_PENDING: return "not resolved";
  case NAME_RESOLVED: return "resolved";
  case NAME_NXDOMAIN: return "no such name";
  case NAME_NODATA: return "no address of that family";
  case NAME_TIMEOUT: return "timed out";
  case NAME_REFUSED: return "server refused";
  case NAME_SERVFAIL: return "server failure";
  case NAME_UNREACHABLE: return "server unreachable (connection refused)";
  case NAME_BADRESP: return "malformed answer from server";
  case NAME_FAILED: break;
  }
  return "lookup failed";
}

void name_result_add(struct name_result *r, const struct address *addr, bool keep_all) {
  /* The sorted list is made at the second distinct address: most names have
   * one, and 100,000 of them must not cost a list each. Until then BEST is
   * the only address. */
  if (!keep_all || (!r->all && (r->naddrs == 0 || address_compare(addr, &r->best) == 0))) {
    if (r->naddrs == 0 || address_compare(addr, &r->best) < 0)
      r->best = *addr;
    r->naddrs = 1;
    return;
  }
  if (!r->all) {
    r->all = xcalloc(RESULT_ADDRS_MAX, sizeof *r->all);
    r->all[0] = r->best;
  }
  if (address_compare(addr, &r->best) < 0)
    r->best = *addr;
  /* Insertion into a short sorted array; duplicates are dropped. */
  size_t i = 0;
  while (i < r->naddrs && address_compare(&r->all[i], addr) < 0)
    i++;
  if (i < r->naddrs && address_compare(&r->all[i], addr) == 0)
    return;
  if (i >= RESULT_ADDRS_MAX)
    return;
  size_t tail = r->naddrs - i;
  if (r->naddrs == RESULT_ADDRS_MAX)
    tail--;
  memmove(&r->all[i + 1], &r->all[i], tail * sizeof *r->all);
  r->all[i] = *addr;
  if (r->naddrs < RESULT_ADDRS_MAX)
    r->naddrs++;
}

void name_results_free(struct name_result *results, size_t n) {
  if (!results)
    return;
  for (size_t i = 0; i < n; i++)
    free(results[i].all);
  free(results);
}
