/* SPDX-License-Identifier: MIT */
#include "line_reader.h"

#include <string.h>

void line_reader_init(struct line_reader *r, char *buf, size_t max) {
  *r = (struct line_reader){.buf = buf, .max = max};
}

/* Hands the line read so far to FN, and starts the next one. */
static bool hand_over(struct line_reader *r, bool overlong, line_fn *fn, void *ctx) {
  size_t len = r->len;
  r->len = 0;
  return fn(r->buf, len, overlong, ctx);
}

bool line_reader_feed(struct line_reader *r, const char *data, size_t len, line_fn *fn, void *ctx) {
  while (len) {
    const char *nl = memchr(data, '\n', len);
    size_t take = nl ? (size_t)(nl - data) : len;
    if (!r->skipping) {
      size_t room = r->len < r->max ? r->max - r->len : 0;
      memcpy(r->buf + r->len, data, take < room ? take : room);
      r->len += take < room ? take : room;
      if (take > room) {
        r->skipping = true;
        if (!hand_over(r, true, fn, ctx))
          return false;
      }
    }
    if (!nl)
      return true;
    data += take + 1;
    len -= take + 1;
    if (r->skipping)
      r->skipping = false;
    else if (!hand_over(r, false, fn, ctx))
      return false;
  }
  return true;
}

bool line_reader_finish(struct line_reader *r, line_fn *fn, void *ctx) {
  bool skipped = r->skipping;
  r->skipping = false;
  if (skipped || r->len == 0)
    return true;
  return hand_over(r, false, fn, ctx);
}
