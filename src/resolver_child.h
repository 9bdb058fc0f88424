/* SPDX-License-Identifier: MIT */
/* The resolver: privilege separation for the pass. The privileged parent
 * has already found the target and read its files; the resolver, a child
 * (child.h) in the target's network namespace with no descriptor but its
 * pipe and no privilege left (uid nobody, no capabilities, empty bounding
 * set, no_new_privs), parses the container's files, asks its DNS server,
 * and sends back fixed-form records (results_wire.h). So the code that
 * handles container-controlled DNS answers runs with nothing to lose, and
 * cannot touch the output. */
#pragma once

#include "name_result.h"
#include "names.h"
#include "resolve_request.h"
#include "target.h"

/* Runs the resolving pass in an unprivileged child inside T's network
 * namespace. Returns 0 with RESULTS complete, else an exit status (with a
 * message given). Waits for the child within a bound, and kills it past
 * that. MEANWHILE, when not NULL, is called with ARG as soon as RESULTS are
 * complete and every record checked, before the child is reaped: work on
 * the results runs while the child exits (about 0.1 ms), not after. It is
 * called whenever 0 is returned, and may be when the child then fails (its
 * exit status is not known yet): it should say nothing. */
int resolve_in_target(const struct target *t, const struct resolve_request *req,
                      const struct name_list *names, struct name_result *results,
                      void (*meanwhile)(void *), void *arg);
