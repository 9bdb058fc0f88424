/* SPDX-License-Identifier: MIT */
/* --all: the names a container can reach, from the Engine API. The DNS
 * server stays the truth: these names are only what to ask it. */
#pragma once

#include <stdbool.h>

#include "engine.h"
#include "names.h"

/* Adds to NAMES, for each network TARGET is attached to, every running
 * container on it: its name, and its network aliases there (Compose's
 * service names are such aliases), never container IDs or short IDs.
 * Dotted names are left out when SKIP_DOTTED (HOSTALIASES cannot use them).
 * False, with a message, when the engine fails. */
bool discover_names(const struct engine *e, const struct container_state *target, bool skip_dotted,
                    struct name_list *names);
