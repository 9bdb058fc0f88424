/* SPDX-License-Identifier: MIT */
/* The container's /etc/hosts parser, through the lookup that uses it. */
#include <stdint.h>
#include <string.h>

#include "resolve.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  verbosity = VERBOSITY_QUIET;
  static struct name_list l;
  if (!l.count) {
    name_list_init(&l);
    const char *names[] = {"localhost", "web", "postgres", "a", "x-1"};
    for (size_t i = 0; i < N_ELEMENTS(names); i++)
      name_list_add(&l, names[i], strlen(names[i]), "fuzz", 0);
  }
  struct name_result r[5] = {0};
  resolve_from_hosts((const char *)data, size, "fuzz", &l, FAMILY_V4 | FAMILY_V6, true, r);
  for (size_t i = 0; i < l.count; i++) {
    if (r[i].naddrs > RESULT_ADDRS_MAX || (r[i].status == NAME_RESOLVED && !r[i].naddrs))
      __builtin_trap();
    free(r[i].all);
  }
  return 0;
}
