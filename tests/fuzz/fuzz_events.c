/* SPDX-License-Identifier: MIT */
/* The Engine API's event stream: any bytes, cut in two at a point the
 * input chooses. */
#include <stdint.h>
#include <string.h>

#include "event_stream.h"

static void on_event(json_t *ev, void *ctx) {
  (void)ctx;
  if (!json_is_object(ev))
    __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  size_t cut = data[0] % size;
  struct event_parser p;
  event_parser_init(&p);
  if (event_parser_feed(&p, (const char *)data + 1, cut, on_event, NULL))
    event_parser_feed(&p, (const char *)data + 1 + cut, size - 1 - cut, on_event, NULL);
  /* What is held stays within the bounds: a line, and the headers. */
  if (p.lines.len > p.lines.max || p.lines.max > EVENT_MAX || p.head_len > EVENT_HEAD_MAX)
    __builtin_trap();
  event_parser_free(&p);
  return 0;
}
