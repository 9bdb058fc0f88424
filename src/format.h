/* SPDX-License-Identifier: MIT */
/* Turning results into lines: the alias file glibc reads, a hosts file, or
 * JSON lines. Every line is checked before it is written: no key without a
 * target, nothing that starts with whitespace, nothing longer than glibc's
 * 8192-byte line buffer. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "address.h"
#include "name_result.h"
#include "names.h"
#include "util.h"

enum format_kind { FORMAT_ALIAS, FORMAT_HOSTS, FORMAT_JSON };

struct format_config {
  enum format_kind format;
  char suffix[NAME_MAX_LEN + 1]; /* traefik.me, sslip.io, ... or --suffix */
  bool dashed;
  bool ipv6; /* the suffix's service answers IPv6 names */
  /* --bridge-names: a name's target is NAME.PROJECT.SUFFIX, as hostalias
   * --serve answers it (SUFFIX its --domain); PROJECT is the target's. */
  bool bridge;
  char project[NAME_MAX_LEN + 1];
};

/* Sets the provider by name; false (with a message) for an unknown one. */
bool format_set_provider(struct format_config *c, const char *provider);
/* Sets a self-hosted wildcard domain; false (with a message) if invalid. */
bool format_set_suffix(struct format_config *c, const char *suffix);
bool format_parse_kind(const char *text, enum format_kind *out);

/* Sets the bridge's names (--bridge-names) under DOMAIN; false (with a
 * message) if invalid. The project is set per pass (C->project). */
bool format_set_bridge(struct format_config *c, const char *domain);

/* Writes the target for NAME, resolved to ADDR, into OUT: with C->bridge
 * and a NAME, NAME.PROJECT.SUFFIX; else the wildcard-DNS name for ADDR.
 * False when it cannot be expressed (IPv6 on a v4-only provider, too
 * long). */
bool format_target_name(const struct format_config *c, const char *name, const struct address *a,
                        char out[NAME_MAX_LEN + 1]);

/* Whether NAME, resolved as R, is to get a line in format C: it resolved,
 * and is not a dotted name in an alias file (glibc never aliases those). */
bool format_gets_line(const struct format_config *c, const char *name, const struct name_result *r);

/* Appends the line for NAME to OUT. False, with *WHY set, when no line can be
 * written for it. CHECK, when not NULL, is what --check found ("ok" or why
 * not): JSON lines carry it as "check". */
bool format_line(const struct format_config *c, const char *name, const struct name_result *r,
                 const char *check, struct strbuf *out, const char **why);

/* The key (name) a previously written line stands for, in format F: the first
 * word of an alias line, the first name of a hosts line, "name" of a JSON
 * line. Returns false for a line hostalias would not have written. */
bool format_line_key(enum format_kind f, const char *line, size_t len, const char **key,
                     size_t *keylen);

/* The addresses a previously written line (format C->format, with C's
 * provider or suffix) points at, at most MAX into OUT. Returns how many; 0
 * when the line does not say, in a form hostalias writes. */
size_t format_line_addresses(const struct format_config *c, const char *line, size_t len,
                             struct address *out, size_t max);

/* Whether an alias line (C->format) points into a domain other than C's
 * provider or suffix: it was written with another -p or --suffix. */
bool format_line_other_domain(const struct format_config *c, const char *line, size_t len);
