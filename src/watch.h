/* SPDX-License-Identifier: MIT */
/* --watch: the -o FILE follows the engine. A pass at start, then one after
 * every burst of events that can change an answer for the target (GET
 * /events: containers and networks, and Swarm services on a manager), and
 * one every --interval seconds. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "names.h"
#include "pass.h"

/* A container start after a quiet moment of WATCH_QUIET_MS gets a pass at
 * once; other events, and the rest of a burst, wait for the next quiet
 * moment, but never
 * longer than WATCH_MAX_DELAY_MS after the first of them: a steady stream
 * still gets passes. */
#define WATCH_QUIET_MS 500
#define WATCH_MAX_DELAY_MS 3000
#define WATCH_DEFAULT_INTERVAL_S 300
/* After a Swarm service event (on a manager), a pass every
 * WATCH_SETTLE_EVERY_MS until WATCH_SETTLE_MS after the last one. */
#define WATCH_SETTLE_MS 30000
#define WATCH_SETTLE_EVERY_MS 1000

struct watch_config {
  int interval_s; /* a full pass this often; 0: only on events */
  int signal_fd;  /* from watch_take_signals() */
};

/* Blocks SIGTERM, SIGINT and SIGHUP (their dispositions reset first) and
 * returns a signalfd for them, or -1 after a message. Called as early as
 * possible, so a signal sent during start-up is not lost. */
int watch_take_signals(void);

/* Runs until SIGTERM or SIGINT (then returns 0, FILE complete) or a failure
 * no pass can mend (an exit status). SIGHUP runs a pass at once. */
int watch_run(const struct pass_config *cfg, const struct name_list *names,
              const struct watch_config *w);
