/* SPDX-License-Identifier: MIT */
#include "address.h"

#include <arpa/inet.h>
#include <string.h>

int address_compare(const struct address *a, const struct address *b) {
  if (a->family != b->family)
    return a->family < b->family ? -1 : 1;
  return memcmp(a->bytes, b->bytes, a->family == 4 ? 4 : 16);
}

bool address_parse(const char *text, struct address *out) {
  memset(out, 0, sizeof *out);
  if (inet_pton(AF_INET, text, out->bytes) == 1) {
    out->family = 4;
    return true;
  }
  if (inet_pton(AF_INET6, text, out->bytes) == 1) {
    out->family = 6;
    return true;
  }
  return false;
}

void address_format(const struct address *a, char out[ADDRESS_TEXT_MAX]) {
  if (!inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->bytes, out, ADDRESS_TEXT_MAX))
    out[0] = '\0';
}
