/* SPDX-License-Identifier: MIT */
/* A Docker Swarm service (or stack service) as the target: this node's
 * running task with the lowest slot. */
#pragma once

#include "engine.h"

enum swarm_choice_result { SWARM_NONE_FOUND, SWARM_CHOSEN, SWARM_SEVERAL, SWARM_TIE };

struct swarm_choice {
  enum swarm_choice_result result;
  const struct container_summary *pick;  /* the lowest slot (SWARM_CHOSEN, SWARM_TIE) */
  const struct container_summary *other; /* SWARM_TIE: a second claim to it */
};

/* Chooses among LIST (N task containers of the service asked): the lowest
 * slot; two claims to one slot are a tie, never broken by name. Pure, for
 * the tests. */
void swarm_choose(const struct container_summary *list, size_t n, struct swarm_choice *out);

/* Finds the task of service NAME on this node: a container whose
 * com.docker.swarm.service.name is NAME, or STACK_NAME for a stack (the
 * stack is PROJECT when given, else the only one that has such a service).
 * ENGINE_NOT_FOUND (no message) when this node runs no task of that name;
 * ENGINE_ERROR after a message. OUT is the chosen task's container.
 * A task's container must bear its task's name, and on a manager be a task
 * the manager lists; two claims to one slot are an error. */
enum engine_result swarm_find_service(const struct engine *e, const char *name, const char *project,
                                      struct container_state *out);

/* After every lookup failed: when a manager knows service NAME, says which
 * nodes run its tasks; when this engine is a Swarm worker, says that only a
 * manager knows. True when it said something (the target error is then
 * given), false when NAME is nothing Swarm knows of. Asked only then, so a
 * Compose target costs no Swarm requests but one container list. */
bool swarm_explain_missing(const struct engine *e, const char *name, const char *project);

/* What this engine is in a Swarm: not in one (or not known), a manager
 * (it reports service events and knows every task), or a worker. */
enum swarm_role { SWARM_NONE, SWARM_MANAGER, SWARM_WORKER };

/* Asks GET /info; SWARM_NONE, silently, when the engine does not say or
 * does not answer. */
enum swarm_role swarm_node_role(const struct engine *e);

/* A stack service's short name: NAME of STACK_NAME, as docker stack
 * deploy names services and aliases them; NULL when SERVICE is not of
 * STACK (or STACK is ""). */
const char *swarm_short_name(const char *service, const char *stack);

/* Whether the service of a task with labels L is what NAME names under
 * PROJECT (exposed for the tests). */
bool swarm_name_matches(const struct swarm_labels *l, const char *name, const char *project);
