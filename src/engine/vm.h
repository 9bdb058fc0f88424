/* SPDX-License-Identifier: MIT */
/* Engines that run their containers in a virtual machine (Docker Desktop,
 * Rancher Desktop, Colima, Lima, Podman machine): the PIDs they report are
 * the VM's, and nothing of their containers can be entered from the host. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"

/* Whether the /info reply JSON (LEN bytes) or the socket path SOCKET says
 * the engine runs in a VM: its name into WHAT. Pure, for the tests. */
bool engine_info_says_vm(const char *json, size_t len, const char *socket, char *what, size_t size);

/* Asks E's /info (quietly): true, with the VM's kind in WHAT, when the
 * engine runs in a VM. */
bool engine_runs_in_vm(const struct engine *e, char *what, size_t size);
