/* SPDX-License-Identifier: MIT */
/* Small helpers shared by every part: exit statuses, allocation that cannot
 * fail, buffers, cleanup attributes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diagnostics.h"

/* Exit statuses; documented in --help, the README and hostalias(1). */
enum exit_status {
  EXIT_ALL_RESOLVED = 0,
  EXIT_SOME_UNRESOLVED = 1,
  EXIT_USAGE = 2,  /* bad option or bad input */
  EXIT_TARGET = 3, /* target not found, not running, not enterable */
  EXIT_DNS = 4,    /* no name answered: DNS server unreachable */
  EXIT_OUTPUT = 5, /* output could not be written; internal failure */
  EXIT_CHECK = 6,  /* --check: a target does not resolve as the program needs */
};

/* Out of memory: reported and _exit(EXIT_OUTPUT). The one way a pass may end
 * the process, as in bubblewrap: there is nothing to recover. */
void oom(void) __attribute__((noreturn));
void *xmalloc(size_t size) __attribute__((malloc));
void *xcalloc(size_t n, size_t size) __attribute__((malloc));
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s) __attribute__((malloc));
char *xstrndup(const char *s, size_t n) __attribute__((malloc));

/* Writes S (LEN bytes, possibly hostile) into OUT as printable ASCII:
 * control and non-ASCII bytes become \xHH, and at most MAX input bytes are
 * shown, then "...". OUT must hold 4 * MAX + 4 bytes. */
void escape_for_message(char *out, const char *s, size_t len, size_t max);

/* Blank inside a line of a text file. CR counts, so CRLF files parse. */
static inline bool is_line_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The lines of a buffer, one at a time, without their '\n' (the last one
 * needs none):
 *   struct line_iter it = line_iter(buf, len);
 *   while (line_next(&it, &line, &len)) ... */
struct line_iter {
  const char *p, *end;
};
static inline struct line_iter line_iter(const char *data, size_t len) {
  return (struct line_iter){data, data ? data + len : NULL};
}
static inline bool line_next(struct line_iter *it, const char **line, size_t *len) {
  if (!it->p || it->p >= it->end)
    return false;
  const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
  *line = it->p;
  *len = nl ? (size_t)(nl - it->p) : (size_t)(it->end - it->p);
  it->p = nl ? nl + 1 : it->end;
  return true;
}

/* A growing byte buffer, always NUL-terminated once written to. */
struct strbuf {
  char *data;
  size_t len, cap;
};
void strbuf_append(struct strbuf *b, const char *s, size_t len);
void strbuf_free(struct strbuf *b);

/* Milliseconds and microseconds on CLOCK_MONOTONIC. */
int64_t now_ms(void);
int64_t now_us(void);

/* Parses a decimal integer in [MIN, MAX]; false on any junk. */
bool parse_long(const char *s, long min, long max, long *out);

/* Writes all of BUF, retrying on EINTR and short writes. */
bool write_all(int fd, const void *buf, size_t len);

static inline void close_fdp(int *fd) {
  if (*fd >= 0)
    close(*fd);
}
static inline void freep(void *p) { free(*(void **)p); }
static inline void strbuf_freep(struct strbuf *b) { strbuf_free(b); }

/* For a type whose owner frees it with FUNC(T *): FUNC##p, for
 * __attribute__((cleanup)), as systemd's DEFINE_TRIVIAL_CLEANUP_FUNC. */
#define DEFINE_CLEANUP_FUNC(type, func)                                                            \
  static inline void func##p(type *p) { func(p); }

#define _cleanup_fd_ __attribute__((cleanup(close_fdp)))
#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_strbuf_ __attribute__((cleanup(strbuf_freep)))

static inline int steal_fd(int *fd) {
  int r = *fd;
  *fd = -1;
  return r;
}
static inline void *(steal_pointer)(void *pp) {
  void **p = pp;
  void *r = *p;
  *p = NULL;
  return r;
}
/* Type-checked, as bubblewrap's: PP must point at a pointer, and the
 * result has that pointer's type. */
#define steal_pointer(pp) (0 ? (*(pp)) : (steal_pointer)(pp))

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))
