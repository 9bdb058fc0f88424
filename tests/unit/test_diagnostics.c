/* SPDX-License-Identifier: MIT */
/* The diagnostics: the _errno variants append strerror of the errno at the
 * call, every call leaves errno as it was, and verbosity filters. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "diagnostics.h"
#include "tap.h"

/* Runs FN with stderr captured; returns what it printed. */
static const char *captured(void (*fn)(void)) {
  static char buf[4096];
  struct stderr_capture c;
  stderr_capture_begin(&c);
  fn();
  return stderr_capture_end(&c, buf, sizeof buf);
}

static int errno_after;
static void error_errno(void) {
  errno = ENOENT;
  log_error_errno("%s: cannot open", "x.alias");
  errno_after = errno;
}
static void warn_quiet(void) {
  verbosity = VERBOSITY_QUIET;
  log_warn("hidden");
  log_error("shown");
  verbosity = VERBOSITY_NORMAL;
}
static void warn_errno(void) {
  errno = EACCES;
  log_warn_errno("w");
  errno_after = errno;
}
static void info_levels(void) {
  log_info("not at normal verbosity");
  verbosity = VERBOSITY_VERBOSE;
  log_info("at -v");
  verbosity = VERBOSITY_NORMAL;
}

int main(void) {
  is_str(captured(error_errno), "hostalias: x.alias: cannot open: No such file or directory\n",
         "log_error_errno appends strerror(errno)");
  ok(errno_after == ENOENT, "errno kept across the call");
  is_str(captured(warn_errno), "hostalias: warning: w: Permission denied\n",
         "log_warn_errno: prefix and strerror");
  ok(errno_after == EACCES, "errno kept across a warning");
  is_str(captured(warn_quiet), "hostalias: shown\n", "-q silences warnings, never errors");
  is_str(captured(info_levels), "hostalias: at -v\n", "details only under -v");
  return tap_done();
}
