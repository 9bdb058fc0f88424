/* SPDX-License-Identifier: MIT */
/* The Engine API's HTTP reply, and its inspect and list JSON: container
 * state, Compose labels, networks, aliases. */
#include <stdint.h>
#include <string.h>

#include "engine.h"
#include "http.h"

static void check_container(const struct container_summary *c, void *ctx) {
  (void)ctx;
  if (!engine_target_valid(c->name) || (c->id[0] && strlen(c->id) != 64) ||
      (c->compose.service[0] && !engine_target_valid(c->compose.service)))
    __builtin_trap();
}

static void check_alias(const char *name, void *ctx) {
  (void)ctx;
  if (!name[0] || strlen(name) > 255)
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
    for (size_t i = 0; i < st.nnetworks; i++)
      if (!st.networks[i].name[0] || strlen(st.networks[i].id) != 64)
        __builtin_trap();
    engine_parse_containers(r.body, r.body_len, check_container, NULL);
    const char *nets[] = {"backend", "es"};
    engine_parse_endpoint_names(r.body, r.body_len, nets, 2, check_alias, NULL);
    http_response_free(&r);
  }
  return 0;
}
