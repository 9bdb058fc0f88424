/* SPDX-License-Identifier: MIT */
/* --serve's packets: any bytes as a query (UDP and TCP) and as the reply to
 * a forwarded one. Properties: no crash, an answer (if any) within the
 * bound, echoing the ID and, past a header-only error, the question as
 * sent; a reply never yields more records than asked for, or another type. */
#include <stdint.h>
#include <string.h>

#include "dns_packet.h"
#include "serve_names.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct dns_name domain;
  static bool ready;
  static uint8_t out[DNS_TCP_MAX];
  if (!ready) {
    verbosity = VERBOSITY_QUIET;
    dns_name_from_text("test.internal", &domain);
    ready = true;
  }
  for (int udp = 0; udp <= 1; udp++) {
    struct dns_query q;
    struct serve_name m;
    long n = serve_local_answer(&domain, data, size, udp, out, sizeof out, &q, &m);
    if (n == -1) {
      if (m.kind != SERVE_PROJECT && m.kind != SERVE_CONTAINER)
        __builtin_trap(); /* only those are forwarded */
      if (!engine_target_valid(m.scope) || m.name.len > DNS_NAME_WIRE_MAX)
        __builtin_trap();
      continue;
    }
    if (n < 0 || (n > 0 && n < DNS_HEADER_LEN))
      __builtin_trap();
    if (n == 0)
      continue;
    if ((size_t)n > (udp ? DNS_UDP_MAX : DNS_TCP_MAX) || memcmp(out, data, 2) || !(out[2] & 0x80))
      __builtin_trap(); /* bounded, the ID echoed, a response */
    if (n > DNS_HEADER_LEN) {
      /* The question, as it was asked (uncompressed in the answer). */
      if (out[5] != 1 || (size_t)n < DNS_HEADER_LEN + q.qname.len + 4 ||
          memcmp(out + DNS_HEADER_LEN, q.qname.wire, q.qname.len))
        __builtin_trap();
      if ((size_t)n > serve_response_limit(&q, udp))
        __builtin_trap();
    }
  }
  /* As a reply. */
  struct dns_name name;
  dns_name_from_text("pg", &name);
  struct dns_addr_rr ans[4];
  size_t na;
  int rcode;
  uint16_t id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;
  uint16_t type = size >= 3 && (data[2] & 1) ? DNS_TYPE_AAAA : DNS_TYPE_A;
  if (dns_parse_reply(data, size, id, &name, type, &rcode, ans, 4, &na)) {
    if (na > 4 || rcode < 0 || rcode > 15)
      __builtin_trap();
    for (size_t i = 0; i < na; i++)
      if (ans[i].type != type)
        __builtin_trap();
  }
  return 0;
}
