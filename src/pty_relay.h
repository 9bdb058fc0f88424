/* SPDX-License-Identifier: MIT */
/* A command run as another user, apart from the caller's terminal: as
 * su --pty, runuser --pty and sudo's use_pty do (util-linux's
 * lib/pty-session.c is the model), the command gets a session of its own
 * and, when standard input, output or error is a terminal, a new
 * pseudo-terminal in its place. hostalias stays as root's small relay
 * between the two: what is typed goes to the pseudo-terminal's master,
 * what the command writes comes back, the window size follows (SIGWINCH),
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to hostalias reach the command,
 * and the command's exit status is hostalias's (128+N for signal N, as a
 * shell reports it). The caller's terminal is in raw mode meanwhile, and
 * restored at the end, on error too.
 *
 * So the command cannot push input into the caller's terminal (TIOCSTI
 * works only on one's controlling terminal), nor reach the caller's
 * session with signals or job control: its only terminal is the new one,
 * whose master stays in root's relay.
 *
 * Use: pty_relay_open in the caller, fork, pty_relay_child in the child
 * (then exec), pty_relay_run in the parent. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

#include "util.h"

struct pty_relay {
  int master;      /* the new pseudo-terminal's master; -1 without one */
  int slave;       /* its slave, until the fork */
  int sfd;         /* a signalfd for the relayed signals and SIGCHLD */
  int term;        /* the caller's terminal (modes, size); -1 when none */
  int in;          /* read and sent to the master; -1: nothing is */
  int out;         /* where the master's output goes */
  bool std_tty[3]; /* standard input, output, error: a terminal, replaced by the slave */
  bool raw;        /* TERM is in raw mode; SAVED restores it */
  bool mask_saved; /* OLD_MASK is to be restored */
  struct termios saved;
  sigset_t old_mask;
};

/* Whether standard input, output or error is a terminal. */
bool pty_relay_any_tty(void);

/* In the caller, before the fork: blocks the relayed signals (for the
 * signalfd), and when a standard descriptor is a terminal, opens a new
 * pseudo-terminal whose slave belongs to OWNER (as login and sudo give
 * the user theirs), with the caller's terminal's modes and window size.
 * False after a message; pty_relay_close undoes what was done. */
bool pty_relay_open(struct pty_relay *r, uid_t owner);

/* In the child: the signal mask as it was, a new session, and the slave,
 * as the controlling terminal, in place of each standard descriptor that
 * was a terminal (the others stay what they were). Nothing of the relay's
 * stays open. False after a message. */
bool pty_relay_child(struct pty_relay *r);

/* In the parent: relays until child PID ends, then restores the terminal
 * and returns PID's exit status as a shell reports it. */
int pty_relay_run(struct pty_relay *r, pid_t pid);

/* Restores the terminal's modes and the signal mask, closes everything. */
void pty_relay_close(struct pty_relay *r);
DEFINE_CLEANUP_FUNC(struct pty_relay, pty_relay_close)
#define _cleanup_pty_relay_ __attribute__((cleanup(pty_relay_closep)))

/* A wait status as a shell reports it: the exit status, or 128+N for
 * signal N. Exposed for the tests. */
int pty_relay_exit_status(int wstatus);
