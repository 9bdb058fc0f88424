/* SPDX-License-Identifier: MIT */
/* One family of diagnostics for every part. The names keep clear of libc's
 * warn(3) and error(3). Every call leaves errno as it found it, so a caller
 * can report a failure and then still look at why it failed. The _errno
 * variants append ": strerror(errno)". */
#pragma once

enum verbosity {
  VERBOSITY_SILENT = -1, /* not even errors: a repeat the caller has reported once */
  VERBOSITY_QUIET = 0,
  VERBOSITY_NORMAL = 1,
  VERBOSITY_VERBOSE = 2,
};
extern enum verbosity verbosity;

/* Sets the verbosity to LEVEL until the end of the enclosing block, which
 * restores it on every way out (one a block):
 *   { VERBOSITY_SCOPE(VERBOSITY_SILENT); parse_what_was_checked_before(); } */
static inline void verbosity_restorep(const enum verbosity *saved) { verbosity = *saved; }
#define VERBOSITY_SCOPE(level)                                                                     \
  __attribute__((cleanup(verbosity_restorep), unused)) const enum verbosity verbosity_saved_ =     \
      verbosity;                                                                                   \
  verbosity = (level)

/* Something a person must see: always printed. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Something worth knowing; -q silences it. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Something that happened and is worth a line; -q silences it. */
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Details for -v. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints and exits. Only main() may end the program: everything a pass
 * calls returns its failure instead. */
void die(int status, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
