/* SPDX-License-Identifier: MIT */
/* hostalias CONTAINER -- COMMAND: the command runs in the target's network
 * namespace, in a private mount namespace where /etc/resolv.conf and
 * /etc/hosts are the container's and nsswitch.conf's hosts line is "files
 * dns", as the invoking user. So every resolver (glibc, musl, Go's,
 * busybox's) answers every name as inside the container, through its DNS
 * server. hostalias is replaced by the command (execvp, as env and nsenter
 * do): signals reach it directly, its exit status is the status, and no
 * root process stays beside it.
 *
 * Except when the command runs apart (run_command_apart): as a user other
 * than the caller's real one, and not as the user who ran sudo for this
 * very hostalias. Then, as su - and su --pty do, it gets a session of its
 * own, a pseudo-terminal of its own when a standard descriptor is a
 * terminal (pty_relay.h: hostalias stays as the relay), a reset
 * environment (run_command_env), and no descriptor above 2. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "privileges.h"
#include "target.h"

struct run_user {
  struct invoker who; /* uid, gid and the passwd entry (name: groups, USER, LOGNAME; home: HOME);
                         who.sudo is unused */
  bool keep_root;     /* run by root without sudo or --user: stays root */
  char shell[256];    /* SHELL, when the command runs apart */
};

/* The user to run as: --user NAME|UID when SPEC is not NULL, else the
 * invoking user (privileges.h: SUDO_UID under sudo, else the caller). Under
 * sudo, --user may name only the invoking user. False, with a message, for
 * an unknown user or one sudo does not allow. */
bool run_user_choose(const char *spec, struct run_user *u);

/* Sets up T's network and resolver configuration, becomes U, and executes
 * ARGV (searched on PATH). Returns only on failure: 127 when the command
 * is not found, 126 when it cannot be run, an exit status of hostalias's
 * when the set-up failed (each after a message); or, when the command ran
 * apart behind a relay, its exit status (128+N for signal N). */
int run_command(const struct target *t, const struct run_user *u, char *const *argv);

/* The hosts line of nsswitch.conf replaced by "hosts: files dns" (added
 * when there is none), every other line kept: IN (LEN bytes) into OUT.
 * Exposed for the tests. */
struct strbuf;
void run_command_nsswitch(const char *in, size_t len, struct strbuf *out);

/* Whether the command runs apart from the caller (see above): U is not
 * root kept, not the caller's real uid, and not the invoking user of a
 * sudo that started this hostalias itself (run_command_started_by_sudo).
 * A root shell that merely has SUDO_UID set (sudo -s, sudo -i) is not
 * that: its terminal, environment and descriptors are root's. */
bool run_command_apart(const struct run_user *u);

/* Whether SUDO_COMMAND (as sudo sets it: the command's full path, a space,
 * its arguments) names this very program, compared by device and inode;
 * false when it is NULL or names anything else. Exposed for the tests. */
bool run_command_started_by_sudo(const char *sudo_command);

/* The environment of a command run apart, as su - and sudo's env_reset
 * make it: HOME, SHELL, USER and LOGNAME from U's passwd entry (HOME=/ and
 * SHELL=/bin/sh, without USER and LOGNAME, when there is none), PATH
 * RUN_COMMAND_PATH, and from ENV only the terminal's and the locale's:
 * TERM, COLORTERM, COLORS, LS_COLORS, LANG, LANGUAGE, LC_* and TZ, each
 * with a value that names no file (no '/' or '%'; TZ: no "..", and a path
 * only under /usr/share/zoneinfo) and holds no control character; the
 * first of duplicates. A new NULL-terminated array; run_command_env_free
 * frees it. */
#define RUN_COMMAND_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
char **run_command_env(char *const *env, const struct run_user *u);
void run_command_env_free(char **env);
