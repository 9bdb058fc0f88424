/* SPDX-License-Identifier: MIT */
/* The lines of a pass: one for each name that resolved, and for a name
 * that failed, its line from the previous FILE when that line can still be
 * right. The rules (the README's "-o FILE"):
 *  - an answer that the name has no address (NXDOMAIN, no address of the
 *    family asked) drops its previous line;
 *  - any other failure (no answer in time, SERVFAIL, REFUSED, ...) keeps
 *    it, stale, when it says which address it points at, in this pass's
 *    domain, and no other name of this pass answers at that address now
 *    (Docker reuses a stopped container's address); else it is dropped;
 *  - a dotted name is never an alias line (glibc ignores them);
 *  - a name with no previous line is only reported.
 * Pure but for its messages: the pass hands in what it has. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "format.h"
#include "name_result.h"
#include "names.h"
#include "util.h"

struct lines_in {
  const struct format_config *fmt;
  const struct name_list *names;
  const struct name_result *results; /* one for each name */
  const char *const *verdicts;       /* --check's verdict of each name, or NULL */
  const char *previous;              /* the previous FILE's content, or NULL */
  size_t previous_len;
  const char *file; /* its name, for messages */
};

struct lines_counts {
  size_t resolved, failed, stale, dropped;
  size_t dns_answered;    /* names the DNS server answered, one way or another */
  size_t dns_unreachable; /* failed names it never answered */
};

/* Appends the lines to OUT and counts them into *C. */
void lines_build(const struct lines_in *in, struct strbuf *out, struct lines_counts *c);

/* One line on stderr for a change of FILE, from its old and new content:
 * which names came, went or moved, with their addresses:
 *   FILE: postgres 172.18.0.3 -> 172.18.0.5; search added (172.19.0.2) */
void lines_report_change(const struct format_config *fmt, const char *file, const char *old,
                         size_t oldlen, const char *new, size_t newlen);
