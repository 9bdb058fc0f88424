/* SPDX-License-Identifier: MIT */
/* The container's resolv.conf parser. */
#include <stdint.h>
#include <string.h>

#include "resolvconf.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  verbosity = VERBOSITY_QUIET;
  struct resolv_conf rc;
  resolv_conf_init(&rc);
  resolv_conf_parse(&rc, (const char *)data, size, "fuzz");
  if (rc.nservers > RESOLV_MAX_NAMESERVERS || rc.nsearch > RESOLV_MAX_SEARCH ||
      rc.ndots > RESOLV_NDOTS_MAX || rc.timeout > RESOLV_TIMEOUT_MAX ||
      rc.attempts > RESOLV_ATTEMPTS_MAX)
    __builtin_trap();
  for (size_t i = 0; i < rc.nsearch; i++)
    if (name_invalid_reason(rc.search[i], strlen(rc.search[i])))
      __builtin_trap();
  for (size_t i = 0; i < rc.nservers; i++)
    if (rc.servers[i].addr.family != 4 && rc.servers[i].addr.family != 6)
      __builtin_trap();
  /* The --server syntax too, on the same bytes as a string. */
  char text[128];
  size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
  memcpy(text, data, n);
  text[n] = '\0';
  struct nameserver ns;
  nameserver_parse(text, &ns);
  return 0;
}
