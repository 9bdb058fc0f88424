/* SPDX-License-Identifier: MIT */
/* hostalias CONTAINER -- COMMAND: the command runs in the target's network
 * namespace, in a private mount namespace where /etc/resolv.conf and
 * /etc/hosts are the container's and nsswitch.conf's hosts line is "files
 * dns", as the invoking user. So every resolver (glibc, musl, Go's,
 * busybox's) answers every name as inside the container, through its DNS
 * server. hostalias is replaced by the command (execvp, as env and nsenter
 * do): signals reach it directly, its exit status is the status, and no
 * root process stays beside it. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "target.h"

struct run_user {
  bool keep_root; /* run by root without sudo or --user: stays root */
  uid_t uid;
  gid_t gid;
  bool has_passwd; /* name and home are the passwd entry's */
  char name[256];  /* for the supplementary groups, USER and LOGNAME */
  char home[1024]; /* HOME */
};

/* The user to run as: --user NAME|UID when SPEC is not NULL, else the
 * invoking user (privileges.h: SUDO_UID under sudo, else the caller). Under
 * sudo, --user may name only the invoking user. False, with a message, for
 * an unknown user or one sudo does not allow. */
bool run_user_choose(const char *spec, struct run_user *u);

/* Sets up T's network and resolver configuration, becomes U, and executes
 * ARGV (searched on PATH). Returns only on failure: 127 when the command
 * is not found, 126 when it cannot be run, an exit status of hostalias's
 * when the set-up failed (each after a message). */
int run_command(const struct target *t, const struct run_user *u, char *const *argv);

/* The hosts line of nsswitch.conf replaced by "hosts: files dns" (added
 * when there is none), every other line kept: IN (LEN bytes) into OUT.
 * Exposed for the tests. */
struct strbuf;
void run_command_nsswitch(const char *in, size_t len, struct strbuf *out);
