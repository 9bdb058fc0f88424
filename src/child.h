/* SPDX-License-Identifier: MIT */
/* The unprivileged child of a pass: forked with a pipe to its parent, it
 * starts a session of its own (no controlling terminal: nothing it does
 * reaches the caller's terminal, and the terminal's signals do not reach
 * it), has its standard error on a second pipe that the parent relays,
 * line by line and escaped, to its own; it enters the target's network
 * namespace (or stays in the host's) through the namespace descriptor the
 * parent checked, keeps no descriptor but its two pipes, takes "/" as its
 * working directory (CHILD_SANDBOX: an empty root of its own, sandbox.h),
 * drops every privilege (privileges.h), is not dumpable (no process of
 * uid 65534 may trace it), dies with its parent (CHILD_SANDBOX: then loads
 * its seccomp allow-list), and runs its body, which writes fixed-form
 * records on CHILD_FD and exits. The parent reads them before a deadline,
 * then reaps the child within a bound, killing it if it must. The resolver
 * (resolver_child.c, CHILD_SANDBOX) and the --check process (check.c) are
 * the two such children. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "target.h"

#define CHILD_FD 3 /* the pipe's write end, in a child */

/* The most of a child's standard error relayed, and the longest line. */
#define CHILD_STDERR_MAX (1024 * 1024)
#define CHILD_LINE_MAX 2048

struct child {
  pid_t pid;
  int rfd;             /* the pipe's read end, in the parent; -1 once closed */
  int efd;             /* the read end of its standard error; -1 once closed */
  int root_fd;         /* CHILD_SANDBOX: its empty root (sandbox.h), until it is done; else -1 */
  int64_t deadline_ms; /* CLOCK_MONOTONIC: reads end here */
  size_t elen;         /* bytes of an unfinished line in ebuf */
  size_t relayed;      /* bytes of standard error relayed so far */
  char ebuf[CHILD_LINE_MAX];
};

/* child_start's FLAGS. */
enum { CHILD_SANDBOX = 1 };

/* A child's body: writes its records on CHILD_FD, then _exits. */
typedef void (*child_body_fn)(void *ctx) __attribute__((noreturn));

/* What becoming the child cost, in the child (for -v's timing line). */
extern int64_t child_setup_us;

/* Starts the child named WHAT (for messages): in T's network namespace,
 * or the host's when T is NULL, it calls BODY(CTX), which must _exit: 0,
 * or an exit status. FLAGS: CHILD_SANDBOX or 0. Reads in the parent end at
 * DEADLINE_MS. False after a message; never returns in the child. */
bool child_start(struct child *c, const char *what, const struct target *t, unsigned flags,
                 child_body_fn body, void *ctx, int64_t deadline_ms);

/* Reads at most LEN bytes of what the child sent, waiting for them until
 * its deadline (and relaying its standard error meanwhile): the count, 0
 * at end of file, -1 past the deadline or on an error (errno ETIMEDOUT, or
 * the read's). */
ssize_t child_read(struct child *c, void *buf, size_t len);

/* How long a child is given to exit once its work is done or it is told
 * to, and (--check) how long past its own deadline it may overrun. */
#define CHILD_GRACE_MS 2000

/* Closes the pipe, kills the child when KILL_IT, relays the rest of its
 * standard error and reaps it within GRACE_MS (then kills it, and waits
 * 1 s more at most). *WSTATUS is its wait status; false when it had to be
 * killed here or could not be reaped. */
bool child_finish(struct child *c, bool kill_it, int grace_ms, int *wstatus);

/* In a child: keeps standard error, WFD (as CHILD_FD), /dev/null as
 * standard input and output and, when ALSO is not NULL and *ALSO is not -1,
 * that descriptor (as CHILD_FD + 1, written back to *ALSO); closes
 * everything else. */
bool child_keep_only_pipe(int wfd, int *also);

/* In a child whose credentials are final: SIGKILL when the parent dies.
 * False when the parent is already gone (or the call failed): exit then. */
bool child_die_with_parent(void);

/* Relays what LEN bytes of a child's standard error (BUF) complete in C's
 * line buffer to our standard error, one write a line: printable ASCII as
 * it is, any other byte as \xHH (no control byte reaches a terminal), each
 * line cut to CHILD_LINE_MAX bytes, and no more than CHILD_STDERR_MAX bytes
 * in all. FLUSH: the child is done, and an
 * unfinished line is relayed too. Exposed for the tests. */
void child_relay_stderr(struct child *c, const char *buf, size_t len, bool flush);

/* Waits for PID until DEADLINE_MS, kills it past that (and waits 1 s more
 * at most). False when it had to kill. */
bool child_reap(pid_t pid, int64_t deadline_ms, int *wstatus);
