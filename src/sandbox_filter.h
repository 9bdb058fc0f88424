/* SPDX-License-Identifier: MIT */
/* The two seccomp allow-lists (the resolver child's, the --serve front's),
 * written as libseccomp rules. Compiled into the build-time generator
 * (seccomp_filter_gen.c), which exports them as BPF into
 * sandbox_filters.h: the program itself links no libseccomp and builds no
 * filter when it runs (seccomp_init and seccomp_load took 0.3 ms of the
 * resolver child's 0.46 ms set-up). */
#pragma once

#include <seccomp.h>

enum sandbox_filter { SANDBOX_FILTER_RESOLVER, SANDBOX_FILTER_FRONT };

/* Adds FILTER's rules to CTX (made with a default action that kills): 0,
 * or libseccomp's negative errno. */
int sandbox_filter_rules(scmp_filter_ctx ctx, enum sandbox_filter filter);
