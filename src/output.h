/* Turning results into lines: the alias file glibc reads, a hosts file, or
 * JSON lines. Every line is checked before it is written: no key without a
 * target, nothing that starts with whitespace, nothing longer than glibc's
 * 8192-byte line buffer. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "address.h"
#include "resolve.h"

enum output_format { FORMAT_ALIAS, FORMAT_HOSTS, FORMAT_JSON };

struct output_config {
  enum output_format format;
  char suffix[NAME_MAX_LEN + 1]; /* traefik.me, sslip.io, ... or --suffix */
  bool dashed;
  bool ipv6; /* the suffix's service answers IPv6 names */
};

struct strbuf {
  char *data;
  size_t len, cap;
};
void strbuf_append(struct strbuf *b, const char *s, size_t len);
void strbuf_free(struct strbuf *b);

/* Sets the provider by name; false (with a message) for an unknown one. */
bool output_set_provider(struct output_config *c, const char *provider);
/* Sets a self-hosted wildcard domain; false (with a message) if invalid. */
bool output_set_suffix(struct output_config *c, const char *suffix);
bool output_parse_format(const char *text, enum output_format *out);

/* Writes the wildcard-DNS name for ADDR into OUT. False when the service
 * cannot express it (IPv6 on a v4-only provider). */
bool output_target_name(const struct output_config *c, const struct address *a,
                        char out[NAME_MAX_LEN + 1]);

/* Appends the line for NAME to OUT. False, with *WHY set, when no line can be
 * written for it. */
bool output_format_line(const struct output_config *c, const char *name,
                        const struct name_result *r, struct strbuf *out, const char **why);

/* The key (name) a previously written line stands for, in format F: the first
 * word of an alias line, the first name of a hosts line, "name" of a JSON
 * line. Returns false for a line hostalias would not have written. */
bool output_line_key(enum output_format f, const char *line, size_t len, const char **key,
                     size_t *keylen);
