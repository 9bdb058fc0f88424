/* SPDX-License-Identifier: MIT */
/* A minimal TAP producer for the unit tests. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                                              \
  do {                                                                                             \
    bool ok_c_ = (cond);                                                                           \
    tap_n++;                                                                                       \
    if (!ok_c_)                                                                                    \
      tap_failed++;                                                                                \
    printf("%sok %d - ", ok_c_ ? "" : "not ", tap_n);                                              \
    printf(__VA_ARGS__);                                                                           \
    printf("\n");                                                                                  \
    if (!ok_c_)                                                                                    \
      printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);                              \
  } while (0)

/* A point that could not be checked here, with the reason. */
#define skip(...)                                                                                  \
  do {                                                                                             \
    tap_n++;                                                                                       \
    printf("ok %d # skip ", tap_n);                                                                \
    printf(__VA_ARGS__);                                                                           \
    printf("\n");                                                                                  \
  } while (0)

#define is_str(got, want, ...)                                                                     \
  do {                                                                                             \
    const char *g_ = (got), *w_ = (want);                                                          \
    bool same_ = (g_ == NULL && w_ == NULL) || (g_ && w_ && !strcmp(g_, w_));                      \
    ok(same_, __VA_ARGS__);                                                                        \
    if (!same_)                                                                                    \
      printf("#   got: \"%s\"\n#   expected: \"%s\"\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)");   \
  } while (0)

/* Standard error, captured: between stderr_capture_begin and
 * stderr_capture_end (which puts what was written, at most SIZE - 1 bytes,
 * into BUF), what the code under test says goes to a temporary file. */
struct stderr_capture {
  FILE *tmp;
  int saved;
};
static inline void stderr_capture_begin(struct stderr_capture *c) {
  fflush(stderr);
  c->tmp = tmpfile();
  c->saved = dup(2);
  if (c->tmp)
    dup2(fileno(c->tmp), 2);
}
static inline const char *stderr_capture_end(struct stderr_capture *c, char *buf, size_t size) {
  fflush(stderr);
  dup2(c->saved, 2);
  close(c->saved);
  size_t n = 0;
  if (c->tmp) {
    rewind(c->tmp);
    n = fread(buf, 1, size - 1, c->tmp);
    fclose(c->tmp);
  }
  buf[n] = '\0';
  return buf;
}

static inline int tap_done(void) {
  printf("1..%d\n", tap_n);
  return tap_failed ? 1 : 0;
}
