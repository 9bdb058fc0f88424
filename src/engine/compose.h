/* SPDX-License-Identifier: MIT */
/* A Compose service as a target: `hostalias web` when the container is
 * huginn_web_1 (Compose v1) or huginn-web-1 (v2), found by the labels
 * Compose puts on its containers. */
#pragma once

#include "engine.h"

/* Finds the running replica of Compose service SERVICE with the lowest
 * container number, in the project PROJECT (--project) when not NULL, else
 * $COMPOSE_PROJECT_NAME, else the project whose working directory is the
 * current directory or one of its parents, else the only project that has
 * such a service. ENGINE_FOUND with OUT inspected; ENGINE_NOT_FOUND when no
 * project has such a service (no message); ENGINE_ERROR after a message
 * (the engine failed, the chosen project has no such service, or several
 * projects do and none was chosen: each candidate is listed). */
enum engine_result compose_find_service(const struct engine *e, const char *service,
                                        const char *project, struct container_state *out);

/* True when DIR is PARENT or lies under it (component-wise: /srv/app2 is not
 * under /srv/app). Exposed for the tests. */
bool compose_dir_within(const char *dir, const char *parent);
