/* SPDX-License-Identifier: MIT */
/* The Engine API's HTTP reply and its inspect JSON. */
#include <stdint.h>
#include <string.h>

#include "engine.h"
#include "http.h"

static void count_name(const char *name, void *ctx) {
  (void)ctx;
  if (!engine_target_valid(name))
    __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct http_response r;
  if (!http_parse_response((const char *)data, size, &r)) {
    if (r.body_len > size)
      __builtin_trap();
    struct container_state st;
    if (!engine_parse_inspect(r.body, r.body_len, &st) && (st.pid < 0 || (st.running && !st.pid)))
      __builtin_trap();
    engine_parse_list(r.body, r.body_len, count_name, NULL);
    http_response_free(&r);
  }
  return 0;
}
