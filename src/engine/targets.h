/* SPDX-License-Identifier: MIT */
/* --list-targets and --list-projects: what a target and a project can be
 * named here, for shell completion. */
#pragma once

#include <stdbool.h>

#include "engine.h"

/* Gives FN each running container's name, as the engine lists them, then
 * each Compose and Swarm service that is not also a container's name (a
 * stack's by its full name and its short one): completion offers web as
 * well as huginn_web_1 or st_web.1.ID. A service name that is no valid host
 * name is skipped, silently. False, with a message, when the engine fails. */
bool engine_list_targets(const struct engine *e, void (*fn)(const char *name, void *ctx),
                         void *ctx);

/* Gives FN, in byte order and each once, the Compose projects and Swarm
 * stacks the engine runs containers of (their com.docker.compose.project and
 * com.docker.stack.namespace labels): what --project takes. A label that is
 * no valid name (engine_target_valid) is skipped, silently: labels are the
 * image's to set. False, with a message, when the engine fails. */
bool engine_list_projects(const struct engine *e, void (*fn)(const char *name, void *ctx),
                          void *ctx);
