/* SPDX-License-Identifier: MIT */
/* Process control for privilege separation. The privileged parent has
 * already found the target and read its files; it forks a child that enters
 * the target's network namespace, keeps no descriptor but its pipe, drops
 * every privilege (uid nobody, no capabilities, empty bounding set,
 * no_new_privs), parses the container's files, asks its DNS server, and
 * sends back fixed-form records (results_wire.h). So the code that handles
 * container-controlled DNS answers runs with nothing to lose, and cannot
 * touch the output. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "name_result.h"
#include "names.h"
#include "resolver_policy.h"
#include "target.h"

/* Runs the resolving pass in an unprivileged child inside T's network
 * namespace. Returns 0 with RESULTS complete, else an exit status (with a
 * message given). Waits for the child within a bound, and kills it past
 * that. */
int resolve_in_target(const struct target *t, const struct resolve_request *req,
                      const struct name_list *names, struct name_result *results);

/* Process control shared with the --check child. */
/* Forks a child with a pipe to its parent (fflush first): the pid in the
 * parent, with *RFD the read end; 0 in the child, with *WFD the write end;
 * -1 after a message naming WHAT. */
pid_t child_fork(const char *what, int *rfd, int *wfd);
#define CHILD_FD 3 /* the pipe's write end, in a child */
/* In a child: keeps standard error, WFD (as CHILD_FD) and /dev/null as
 * standard input and output; closes everything else. */
bool child_keep_only_pipe(int wfd);
/* In a child whose credentials are final: SIGKILL when the parent dies.
 * False when the parent is already gone (or the call failed): exit then. */
bool child_die_with_parent(void);
/* Waits for PID until DEADLINE_MS, kills it past that (and waits 1 s more
 * at most). False when it had to kill. */
bool child_reap(pid_t pid, int64_t deadline_ms, int *wstatus);
