/* SPDX-License-Identifier: MIT */
#include "diagnostics.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

enum verbosity verbosity = VERBOSITY_NORMAL;

static void vmessage(const char *kind, int errnum, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void vmessage(const char *kind, int errnum, const char *fmt, va_list ap) {
  /* One write per message, so lines from the privileged parent and the
   * resolver child never interleave mid-line. */
  char buf[2048];
  int n = snprintf(buf, sizeof buf, "hostalias: %s", kind);
  if (n < 0)
    return;
  size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
  int m = vsnprintf(buf + len, sizeof buf - len, fmt, ap);
  if (m > 0)
    len = len + (size_t)m < sizeof buf ? len + (size_t)m : sizeof buf - 1;
  if (errnum) {
    m = snprintf(buf + len, sizeof buf - len, ": %s", strerror(errnum));
    if (m > 0)
      len = len + (size_t)m < sizeof buf ? len + (size_t)m : sizeof buf - 1;
  }
  if (len >= sizeof buf - 1)
    len = sizeof buf - 2;
  buf[len++] = '\n';
  (void)write_all(STDERR_FILENO, buf, len);
}

/* Defines NAME(fmt, ...): prints with KIND when verbosity is at least LEVEL,
 * with strerror(errno) when WITH_ERRNO, and restores errno. */
#define DEFINE_LOG(name, kind, level, with_errno)                                                  \
  void name(const char *fmt, ...) {                                                                \
    int saved = errno;                                                                             \
    if (verbosity >= (level)) {                                                                    \
      va_list ap;                                                                                  \
      va_start(ap, fmt);                                                                           \
      vmessage(kind, (with_errno) ? saved : 0, fmt, ap);                                           \
      va_end(ap);                                                                                  \
    }                                                                                              \
    errno = saved;                                                                                 \
  }

DEFINE_LOG(log_error, "", VERBOSITY_QUIET, false)
DEFINE_LOG(log_error_errno, "", VERBOSITY_QUIET, true)
DEFINE_LOG(log_warn, "warning: ", VERBOSITY_NORMAL, false)
DEFINE_LOG(log_warn_errno, "warning: ", VERBOSITY_NORMAL, true)
DEFINE_LOG(log_notice, "", VERBOSITY_NORMAL, false)
DEFINE_LOG(log_info, "", VERBOSITY_VERBOSE, false)

void die(int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmessage("", 0, fmt, ap);
  va_end(ap);
  exit(status);
}
