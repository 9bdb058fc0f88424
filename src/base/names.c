/* SPDX-License-Identifier: MIT */
#include "names.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "line_reader.h"
#include "util.h"

static bool is_name_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

const char *name_invalid_reason(const char *s, size_t len) {
  if (len == 0)
    return "empty name";
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == ' ' || c == '\t')
      return "contains whitespace";
    if (c == '\0')
      return "contains a NUL byte";
    if (c < 0x20 || c == 0x7f)
      return "contains a control character";
    if (c >= 0x80)
      return "contains a non-ASCII byte (use the punycode xn-- form)";
    if (!is_name_char(c))
      return "contains a character not allowed in a name (only letters, digits, '-', '_' and '.')";
  }
  if (len > NAME_MAX_LEN)
    return "longer than 253 characters";
  size_t label = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i == len || s[i] == '.') {
      if (label == 0)
        return "has an empty label (leading, trailing or double dot)";
      if (label > LABEL_MAX_LEN)
        return "has a label longer than 63 characters";
      if (s[i - label] == '-')
        return "has a label that starts with '-'";
      label = 0;
    } else {
      label++;
    }
  }
  return NULL;
}

bool name_is_dotted_n(const char *name, size_t len) { return memchr(name, '.', len) != NULL; }

void name_list_init(struct name_list *l) { memset(l, 0, sizeof *l); }

void name_list_free(struct name_list *l) {
  free(l->arena);
  free(l->offsets);
  free(l->slots);
  name_list_init(l);
}

static uint64_t hash_name(const char *s, size_t len) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a over the lower-cased name */
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 'A' && c <= 'Z')
      c = (unsigned char)(c + 32);
    h = (h ^ c) * 1099511628211ULL;
  }
  return h;
}

#define SLOT_EMPTY UINT32_MAX

static void rehash(struct name_list *l, size_t nslots) {
  free(l->slots);
  l->slots = xreallocarray(NULL, nslots, sizeof *l->slots);
  l->nslots = nslots;
  for (size_t i = 0; i < nslots; i++)
    l->slots[i] = SLOT_EMPTY;
  for (size_t i = 0; i < l->count; i++) {
    const char *n = name_at(l, i);
    size_t s = hash_name(n, strlen(n)) & (nslots - 1);
    while (l->slots[s] != SLOT_EMPTY)
      s = (s + 1) & (nslots - 1);
    l->slots[s] = (uint32_t)i;
  }
}

long name_list_find(const struct name_list *l, const char *name, size_t len) {
  if (l->nslots == 0)
    return -1;
  size_t s = hash_name(name, len) & (l->nslots - 1);
  while (l->slots[s] != SLOT_EMPTY) {
    const char *n = name_at(l, l->slots[s]);
    if (strlen(n) == len && strncasecmp(n, name, len) == 0)
      return (long)l->slots[s];
    s = (s + 1) & (l->nslots - 1);
  }
  return -1;
}

static void report_invalid(const char *source, size_t line, const char *reason, const char *text,
                           size_t len) {
  char shown[4 * 80 + 4];
  escape_for_message(shown, text, len, 80);
  if (line)
    log_error("%s line %zu: invalid name (%s): \"%s\"", source, line, reason, shown);
  else
    log_error("%s: invalid name (%s): \"%s\"", source, reason, shown);
}

bool name_list_add(struct name_list *l, const char *text, size_t len, const char *source,
                   size_t line) {
  const char *reason = name_invalid_reason(text, len);
  if (reason) {
    l->errors++;
    report_invalid(source, line, reason, text, len);
    return false;
  }
  if (name_list_find(l, text, len) >= 0)
    return true;
  if (l->count >= NAMES_MAX) {
    l->errors++;
    if (line)
      log_error("%s line %zu: more than %d names; the rest is ignored", source, line, NAMES_MAX);
    return false;
  }
  if (l->count == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 64;
    l->offsets = xreallocarray(l->offsets, l->cap, sizeof *l->offsets);
  }
  if (l->arena_len + len + 1 > l->arena_cap) {
    l->arena_cap = l->arena_cap ? l->arena_cap * 2 : 4096;
    while (l->arena_len + len + 1 > l->arena_cap)
      l->arena_cap *= 2;
    l->arena = xreallocarray(l->arena, l->arena_cap, 1);
  }
  memcpy(l->arena + l->arena_len, text, len);
  l->arena[l->arena_len + len] = '\0';
  l->offsets[l->count++] = (uint32_t)l->arena_len;
  l->arena_len += len + 1;
  if (l->count * 2 > l->nslots)
    rehash(l, l->nslots ? l->nslots * 2 : 128);
  else {
    size_t s = hash_name(text, len) & (l->nslots - 1);
    while (l->slots[s] != SLOT_EMPTY)
      s = (s + 1) & (l->nslots - 1);
    l->slots[s] = (uint32_t)(l->count - 1);
  }
  return true;
}

void name_line_reader_init(struct name_line_reader *r) {
  memset(r, 0, sizeof *r);
  line_reader_init(&r->lines, r->line, NAME_LINE_MAX);
}

struct name_line {
  struct name_line_reader *r;
  struct name_list *l;
  const char *source;
};

static bool add_line(const char *line, size_t len, bool overlong, void *ctx) {
  struct name_line *nl = ctx;
  struct name_line_reader *r = nl->r;
  r->lineno++;
  if (overlong) {
    nl->l->errors++;
    char shown[4 * 40 + 4];
    escape_for_message(shown, line, len, 40);
    log_error("%s line %zu: line longer than %d characters: \"%s\"", nl->source, r->lineno,
              NAME_LINE_MAX, shown);
    return true;
  }
  while (len && is_line_space(*line))
    line++, len--;
  while (len && is_line_space(line[len - 1]))
    len--;
  if (len && *line != '#')
    name_list_add(nl->l, line, len, nl->source, r->lineno);
  return true;
}

void name_line_reader_feed(struct name_line_reader *r, struct name_list *l, const char *buf,
                           size_t len, const char *source) {
  r->lines.buf = r->line; /* wherever R is now */
  line_reader_feed(&r->lines, buf, len, add_line, &(struct name_line){r, l, source});
}

void name_line_reader_finish(struct name_line_reader *r, struct name_list *l, const char *source) {
  r->lines.buf = r->line;
  line_reader_finish(&r->lines, add_line, &(struct name_line){r, l, source});
}

bool names_read_fd(struct name_list *l, int fd, const char *source) {
  struct name_line_reader r;
  name_line_reader_init(&r);
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      log_error_errno("cannot read names from %s", source);
      return false;
    }
    if (n == 0)
      break;
    name_line_reader_feed(&r, l, buf, (size_t)n, source);
  }
  name_line_reader_finish(&r, l, source);
  return true;
}
