/* SPDX-License-Identifier: MIT */
#include "address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
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

bool address_from_sockaddr(const struct sockaddr *sa, size_t len, struct address *out) {
  memset(out, 0, sizeof *out);
  if (!sa)
    return false;
  if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
    out->family = 4;
    memcpy(out->bytes, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
  } else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
    out->family = 6;
    memcpy(out->bytes, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
  }
  return out->family != 0;
}

socklen_t address_to_sockaddr(const struct address *a, uint16_t port, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  if (a->family == 4) {
    struct sockaddr_in *in = (struct sockaddr_in *)(void *)ss;
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    memcpy(&in->sin_addr, a->bytes, 4);
    return sizeof *in;
  }
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)ss;
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(port);
  memcpy(&in6->sin6_addr, a->bytes, 16);
  return sizeof *in6;
}
