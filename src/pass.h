/* SPDX-License-Identifier: MIT */
/* One pass: find the target, resolve the names in an unprivileged child
 * inside its network namespace, and turn the results into lines, written to
 * the -o FILE or handed back. A pass owns and frees everything it allocates
 * (but an engine or target the caller lends it), never exits, and carries
 * nothing from one run to the next but one flag: the notice that addresses
 * are out of reach is said once a process, not on every --watch pass. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "check.h"
#include "engine.h"
#include "format.h"
#include "names.h"
#include "resolve_request.h"
#include "target.h"
#include "util.h"

struct pass_config {
  const char *docker_host;     /* -H, or NULL */
  const char *container;       /* CONTAINER, or NULL with --pid or --netns */
  pid_t pid;                   /* --pid, or 0 */
  const char *netns;           /* --netns, or NULL */
  const char *project;         /* --project, or NULL */
  bool all;                    /* --all: names from the Engine API too */
  bool report_changes;         /* -o: one line on stderr for each change of FILE */
  enum check_where check;      /* --check, or 0 (CHECK_NONE) when not asked */
  const char *output;          /* -o FILE, or NULL: the lines go to the caller */
  bool command;                /* a -- COMMAND runs in the target after the pass */
  const struct engine *engine; /* borrowed from the caller (--watch), or NULL:
                                  the pass opens its own */
  struct format_config fmt;
  struct resolve_request req;
};

struct pass_summary {
  size_t names; /* asked: the given ones, and with --all those discovered */
  size_t resolved, failed, stale, dropped;
  bool file_replaced; /* -o: FILE was rewritten (its content changed) */
  /* The target container's networks, as the Engine API named them. */
  char network_ids[ENGINE_NETWORKS_MAX][65];
  size_t nnetworks;
};

/* Finds the target and opens it (its network namespace and files), as a
 * pass does first. Returns 0, or an exit status after a message. */
int pass_find_target(const struct pass_config *cfg, struct target *t);

/* Runs one pass over NAMES. Returns an exit status (enum exit_status), every
 * failure having been reported on stderr. Without -o, the lines are appended
 * to OUT for the caller to write. SUMMARY may be NULL. With KEEP (an empty
 * target), the target the pass resolved in is left there for the caller
 * (who closes it), so that a command runs in the very namespace the names
 * were checked in; else the pass closes it. */
int pass_run(const struct pass_config *cfg, const struct name_list *names, struct strbuf *out,
             struct pass_summary *summary, struct target *keep);

/* The command line that runs a program in CFG's target, for advice:
 * "hostalias -P huginn web -- COMMAND". */
#define PASS_HOW_MAX 400
void pass_run_hint(const struct pass_config *cfg, char *how, size_t size);
