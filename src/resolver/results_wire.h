/* SPDX-License-Identifier: MIT */
/* The wire format between the resolver child and its parent. The parent
 * checks every record before it believes it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "name_result.h"

/* The child's side: sends RESULTS (N of them) through a fixed buffer, so
 * sending 100,000 results costs no memory in proportion. */
bool results_send(int fd, const struct name_result *results, size_t n);

/* Serializes RESULTS into a freshly allocated buffer. For the tests and
 * fuzzers. */
char *results_encode(const struct name_result *results, size_t n, size_t *len);

/* The parent's side, incremental: feed what the pipe gave; complete records
 * are checked and applied, the unused tail is left for the next call. */
struct results_decoder {
  size_t n; /* names expected */
  unsigned families;
  bool keep_all;
  struct name_result *results;
  size_t seen;
  bool done, bad;
};
/* Returns the bytes consumed from BUF. */
size_t results_decode_some(struct results_decoder *d, const char *buf, size_t len);
/* Whole-buffer form: true when BUF is exactly a valid, complete message. */
bool results_decode(const char *buf, size_t len, size_t n, unsigned families, bool keep_all,
                    struct name_result *results);
