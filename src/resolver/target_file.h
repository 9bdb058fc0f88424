/* SPDX-License-Identifier: MIT */
/* A file of the target's, as the privileged parent read it (target.h):
 * bytes the container controls, handed to the resolver to parse. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct target_file {
  bool present;
  char *data;
  size_t len;
  char source[320]; /* for messages: where it came from */
};
