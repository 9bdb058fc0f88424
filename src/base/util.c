/* SPDX-License-Identifier: MIT */
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void oom(void) {
  static const char msg[] = "hostalias: out of memory\n";
  (void)write_all(STDERR_FILENO, msg, sizeof msg - 1);
  _exit(EXIT_OUTPUT);
}

void *xmalloc(size_t size) {
  void *p = malloc(size ? size : 1);
  if (!p)
    oom();
  return p;
}

void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p)
    oom();
  return p;
}

void *xreallocarray(void *p, size_t n, size_t size) {
  void *r = reallocarray(p, n ? n : 1, size ? size : 1);
  if (!r)
    oom();
  return r;
}

char *xstrdup(const char *s) {
  char *r = strdup(s);
  if (!r)
    oom();
  return r;
}

char *xstrndup(const char *s, size_t n) {
  char *r = strndup(s, n);
  if (!r)
    oom();
  return r;
}

void strbuf_append(struct strbuf *b, const char *s, size_t len) {
  if (b->len + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + len + 1)
      cap *= 2;
    b->data = xreallocarray(b->data, cap, 1);
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, len);
  b->len += len;
  b->data[b->len] = '\0';
}

void strbuf_free(struct strbuf *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}

void escape_for_message(char *out, const char *s, size_t len, size_t max) {
  static const char hex[] = "0123456789abcdef";
  size_t shown = len < max ? len : max;
  char *o = out;
  for (size_t i = 0; i < shown; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      *o++ = (char)c;
    } else {
      *o++ = '\\';
      *o++ = 'x';
      *o++ = hex[c >> 4];
      *o++ = hex[c & 15];
    }
  }
  if (shown < len) {
    memcpy(o, "...", 3);
    o += 3;
  }
  *o = '\0';
}

int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

bool parse_long(const char *s, long min, long max, long *out) {
  /* strtol would skip any leading white space (a tab, a newline) and take
   * a '+': a number here is digits, with a '-' at most. */
  if (!s || !((*s >= '0' && *s <= '9') || *s == '-'))
    return false;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || v < min || v > max)
    return false;
  *out = v;
  return true;
}

bool write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    p += n;
    len -= (size_t)n;
  }
  return true;
}
