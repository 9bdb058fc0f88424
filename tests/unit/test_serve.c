/* SPDX-License-Identifier: MIT */
/* --serve's packets and names: the parser's bounds, the builder, the
 * reply matcher, and what a name under DOMAIN means. */
#include <arpa/inet.h>
#include <string.h>

#include "dns_packet.h"
#include "serve_names.h"
#include "tap.h"

static struct dns_name domain;

/* A query for NAME, TYPE, with an OPT of SIZE when SIZE is not 0. */
static size_t query(uint8_t *out, const char *name, uint16_t type, uint16_t size) {
  struct dns_name n;
  dns_name_from_text(name, &n);
  memset(out, 0, 12);
  out[0] = 0xab;
  out[1] = 0xcd;
  out[2] = 0x01;
  out[5] = 1;
  memcpy(out + 12, n.wire, n.len);
  size_t off = 12 + n.len;
  out[off++] = (uint8_t)(type >> 8);
  out[off++] = (uint8_t)type;
  out[off++] = 0;
  out[off++] = 1;
  if (size) {
    out[11] = 1;
    uint8_t opt[11] = {0, 0, 41, (uint8_t)(size >> 8), (uint8_t)size, 0, 0, 0, 0, 0, 0};
    memcpy(out + off, opt, sizeof opt);
    off += sizeof opt;
  }
  return off;
}

static enum serve_kind kind_of(const char *name, struct serve_name *m) {
  struct dns_name n;
  if (!dns_name_from_text(name, &n))
    return (enum serve_kind) - 1;
  serve_map_name(&domain, &n, m);
  return m->kind;
}

static int rcode_of(const uint8_t *p) { return p[3] & 0xf; }
static int ancount(const uint8_t *p) { return p[6] << 8 | p[7]; }

static void test_names(void) {
  struct serve_name m;
  char text[300];
  ok(kind_of("example.com", &m) == SERVE_REFUSED, "outside DOMAIN: refused");
  ok(kind_of("xtest.internal", &m) == SERVE_REFUSED, "a suffix not on a label boundary: refused");
  ok(kind_of("test.internal", &m) == SERVE_APEX, "DOMAIN itself: the apex");
  ok(kind_of("TEST.Internal.", &m) == SERVE_APEX, "DOMAIN in any case, with the root dot");
  ok(kind_of("172.27.0.2.test.internal", &m) == SERVE_ADDRESS && m.addr.family == 4 &&
         !memcmp(m.addr.bytes, "\xac\x1b\x00\x02", 4),
     "A.B.C.D.DOMAIN: the IPv4 address");
  ok(kind_of("172-27-0-2.test.internal", &m) == SERVE_ADDRESS && m.addr.family == 4 &&
         !memcmp(m.addr.bytes, "\xac\x1b\x00\x02", 4),
     "A-B-C-D.DOMAIN: the IPv4 address");
  ok(kind_of("fd00--1.test.internal", &m) == SERVE_ADDRESS && m.addr.family == 6 &&
         m.addr.bytes[0] == 0xfd && m.addr.bytes[15] == 1,
     "fd00--1.DOMAIN: fd00::1");
  ok(kind_of("--1.test.internal", &m) == SERVE_ADDRESS && m.addr.family == 6 &&
         m.addr.bytes[15] == 1,
     "--1.DOMAIN: ::1");
  ok(kind_of("256.1.1.1.test.internal", &m) == SERVE_PROJECT && !strcmp(m.scope, "1"),
     "256.1.1.1: no address (256), so NAME 256.1.1 in project 1");
  ok(kind_of("01.2.3.4.test.internal", &m) == SERVE_PROJECT, "a leading zero is no address octet");
  ok(kind_of("1.2.3.test.internal", &m) == SERVE_PROJECT && !strcmp(m.scope, "3"),
     "three numeric labels: a project 3");
  ok(kind_of("postgres.Huginn.test.internal", &m) == SERVE_PROJECT && !strcmp(m.scope, "huginn"),
     "NAME.PROJECT.DOMAIN: the project, lower case");
  dns_name_to_text(&m.name, text, sizeof text);
  is_str(text, "postgres.", "NAME.PROJECT.DOMAIN: the name to ask");
  ok(kind_of("pg.db.example.huginn.test.internal", &m) == SERVE_PROJECT, "a dotted NAME");
  dns_name_to_text(&m.name, text, sizeof text);
  is_str(text, "pg.db.example.", "a dotted NAME: asked whole");
  ok(kind_of("huginn_web_1.test.internal", &m) == SERVE_CONTAINER &&
         !strcmp(m.scope, "huginn_web_1"),
     "CONTAINER.DOMAIN");
  ok(kind_of("-bad.test.internal", &m) == SERVE_NXDOMAIN, "no valid container name: NXDOMAIN");
  ok(kind_of("x.a$b.test.internal", &m) == SERVE_NXDOMAIN, "no valid project name: NXDOMAIN");
  ok(kind_of("1-2-3.test.internal", &m) == SERVE_CONTAINER, "1-2-3: a container, not an address");
  ok(kind_of("cafe-babe.test.internal", &m) == SERVE_CONTAINER, "cafe-babe: one dash, a container");
}

static void test_parser(void) {
  uint8_t pkt[600], out[DNS_TCP_MAX];
  struct dns_query q;
  struct serve_name m;
  size_t n = query(pkt, "postgres.huginn.test.internal", DNS_TYPE_A, 4096);
  ok(dns_parse_query(pkt, n, &q) == DNS_QUERY_OK && q.edns && q.udp_size == 4096 &&
         q.qtype == DNS_TYPE_A && q.id == 0xabcd && q.rd,
     "a query with EDNS");
  ok(serve_local_answer(&domain, pkt, n, true, out, sizeof out, &q, &m) == -1 &&
         m.kind == SERVE_PROJECT,
     "a project's name: forwarded");
  for (size_t cut = 0; cut < n; cut++) {
    long r = serve_local_answer(&domain, pkt, cut, true, out, sizeof out, &q, &m);
    if (cut < 12 ? r != 0 : (r != 12 || rcode_of(out) != DNS_RCODE_FORMERR)) {
      ok(false, "truncated at %zu: FORMERR (or dropped under 12 bytes)", cut);
      return;
    }
  }
  ok(true, "every truncation: FORMERR, or dropped under 12 bytes");
  /* A pointer to itself; a pointer forwards; a 64-byte label. */
  uint8_t loop[] = {1, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};
  ok(dns_parse_query(loop, sizeof loop, &q) == DNS_QUERY_FORMERR, "a pointer to itself");
  uint8_t fwd[] = {1, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 1, 'a', 0, 0, 1, 0, 1};
  ok(dns_parse_query(fwd, sizeof fwd, &q) == DNS_QUERY_FORMERR, "a pointer forwards");
  uint8_t big[12 + 1 + 64 + 1 + 4] = {1, 2, 1, 0, 0, 1};
  big[12] = 64;
  memset(big + 13, 'a', 64);
  ok(dns_parse_query(big, sizeof big, &q) == DNS_QUERY_FORMERR, "a 64-byte label");
  uint8_t longname[12 + 5 * 52 + 1 + 4] = {1, 2, 1, 0, 0, 1};
  for (int i = 0; i < 52; i++) {
    longname[12 + i * 5] = 4;
    memcpy(longname + 13 + i * 5, "abcd", 4);
  }
  ok(dns_parse_query(longname, sizeof longname, &q) == DNS_QUERY_FORMERR, "a name over 255 bytes");
  n = query(pkt, "a.test.internal", DNS_TYPE_A, 0);
  pkt[5] = 2;
  ok(dns_parse_query(pkt, n, &q) == DNS_QUERY_FORMERR, "QDCOUNT 2: FORMERR");
  pkt[5] = 1;
  pkt[2] |= 0x80;
  ok(dns_parse_query(pkt, n, &q) == DNS_QUERY_DROP, "a response: dropped");
  pkt[2] = 0x01 | (2 << 3);
  ok(dns_parse_query(pkt, n, &q) == DNS_QUERY_NOTIMP, "opcode STATUS: NOTIMP");
  n = query(pkt, "example.com", DNS_TYPE_A, 0);
  long r = serve_local_answer(&domain, pkt, n, true, out, sizeof out, &q, &m);
  ok(r > 12 && rcode_of(out) == DNS_RCODE_REFUSED && out[5] == 1 &&
         !memcmp(out + 12, pkt + 12, n - 12),
     "outside DOMAIN: REFUSED, the question echoed");
  n = query(pkt, "10.0.0.1.test.internal", DNS_TYPE_A, 1232);
  r = serve_local_answer(&domain, pkt, n, true, out, sizeof out, &q, &m);
  ok(r > 0 && rcode_of(out) == 0 && ancount(out) == 1 && !memcmp(out + r - 11 - 4, "\x0a\0\0\1", 4),
     "an address name: its A record, before the OPT");
  ok(out[r - 11 + 2] == 41 && (out[r - 11 + 3] << 8 | out[r - 11 + 4]) == DNS_EDNS_SIZE,
     "the OPT echoed, with 1232");
  n = query(pkt, "10.0.0.1.test.internal", DNS_TYPE_AAAA, 0);
  r = serve_local_answer(&domain, pkt, n, true, out, sizeof out, &q, &m);
  ok(r > 0 && rcode_of(out) == 0 && ancount(out) == 0, "AAAA of an IPv4 name: NODATA");
  n = query(pkt, "test.internal", DNS_TYPE_SOA, 0);
  r = serve_local_answer(&domain, pkt, n, true, out, sizeof out, &q, &m);
  ok(r > 0 && rcode_of(out) == 0 && ancount(out) == 0, "the apex: NODATA");
}

static void test_builder(void) {
  uint8_t pkt[600], out[DNS_TCP_MAX];
  struct dns_query q;
  struct dns_addr_rr ans[DNS_ANSWERS_MAX];
  for (int i = 0; i < DNS_ANSWERS_MAX; i++) {
    ans[i].type = DNS_TYPE_A;
    memcpy(ans[i].data, "\x0a\0\0\0", 4);
    ans[i].data[3] = (uint8_t)i;
  }
  size_t n = query(pkt, "x.p.test.internal", DNS_TYPE_A, 0);
  dns_parse_query(pkt, n, &q);
  size_t r = dns_build_response(&q, 0, ans, 64, serve_response_limit(&q, true), out, sizeof out);
  ok(r > 0 && r <= 512 && (out[2] & 0x02) && ancount(out) == 0,
     "64 answers in 512 bytes: TC, no answers");
  r = dns_build_response(&q, 0, ans, 64, serve_response_limit(&q, false), out, sizeof out);
  ok(r > 512 && !(out[2] & 0x02) && ancount(out) == 64, "over TCP: all 64");
  n = query(pkt, "x.p.test.internal", DNS_TYPE_A, 100);
  dns_parse_query(pkt, n, &q);
  ok(serve_response_limit(&q, true) == 512, "an EDNS size under 512: 512");
  n = query(pkt, "x.p.test.internal", DNS_TYPE_A, 65000);
  dns_parse_query(pkt, n, &q);
  ok(serve_response_limit(&q, true) == DNS_UDP_MAX, "an EDNS size over 4096: 4096");
}

/* A reply to ID for "pg." A: a CNAME pg -> real.x, A for real.x, an A for
 * another name, and a record with a pointer back to the question. */
static size_t reply(uint8_t *out, uint16_t id, int rcode) {
  uint8_t r[] = {(uint8_t)(id >> 8), (uint8_t)id, 0x81, (uint8_t)(0x80 | rcode), 0, 1, 0, 3, 0, 0,
                 0, 0,
                 /* question: pg. A IN */
                 2, 'p', 'g', 0, 0, 1, 0, 1,
                 /* pg CNAME real.x */
                 0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 5, 0, 8, 4, 'r', 'e', 'a', 'l', 1, 'x', 0,
                 /* real.x A 10.9.8.7 (owner: a pointer to the CNAME's data) */
                 0xc0, 32, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 9, 8, 7,
                 /* other A 1.1.1.1 */
                 5, 'o', 't', 'h', 'e', 'r', 0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 1, 1, 1, 1};
  memcpy(out, r, sizeof r);
  return sizeof r;
}

static void test_reply(void) {
  uint8_t pkt[600];
  struct dns_name pg;
  dns_name_from_text("PG", &pg);
  struct dns_addr_rr ans[8];
  size_t n, na;
  int rcode;
  n = reply(pkt, 0x1234, 0);
  ok(dns_parse_reply(pkt, n, 0x1234, &pg, DNS_TYPE_A, &rcode, ans, 8, &na) && rcode == 0 &&
         na == 1 && !memcmp(ans[0].data, "\x0a\x09\x08\x07", 4),
     "the CNAME followed; another name's record dropped");
  ok(!dns_parse_reply(pkt, n, 0x1235, &pg, DNS_TYPE_A, &rcode, ans, 8, &na),
     "another ID: no match");
  ok(!dns_parse_reply(pkt, n, 0x1234, &pg, DNS_TYPE_AAAA, &rcode, ans, 8, &na),
     "another type: no match");
  struct dns_name other;
  dns_name_from_text("pgx", &other);
  ok(!dns_parse_reply(pkt, n, 0x1234, &other, DNS_TYPE_A, &rcode, ans, 8, &na),
     "another name: no match");
  ok(!dns_parse_reply(pkt, n - 1, 0x1234, &pg, DNS_TYPE_A, &rcode, ans, 8, &na),
     "truncated: no match");
  n = reply(pkt, 0x1234, 3);
  ok(dns_parse_reply(pkt, n, 0x1234, &pg, DNS_TYPE_A, &rcode, ans, 8, &na) && rcode == 3,
     "NXDOMAIN: its rcode");
  /* pg CNAME pg (a loop) and pg A 10.9.8.7: the chain limit ends the loop,
   * and a name that never stops aliasing has no addresses. */
  uint8_t loop[] = {0x12, 0x34, 0x81, 0x80, 0,  1, 0, 2, 0, 0, 0, 0, 2,  'p', 'g', 0,    0,
                    1,    0,    1,    0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 5,  0,   2,   0xc0, 12,
                    0xc0, 12,   0,    1,    0,  1, 0, 0, 0, 5, 0, 4, 10, 9,   8,   7};
  ok(dns_parse_reply(loop, sizeof loop, 0x1234, &pg, DNS_TYPE_A, &rcode, ans, 8, &na) && na == 0,
     "a CNAME loop: ended by the chain limit, no addresses");
  /* pg A 10.9.8.7, then a record whose length runs past the end:
   * malformed, though an address came before it. */
  uint8_t bad[] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,  2, 'p', 'g', 0, 0, 1,
                   0,    1,    0xc0, 12,   0, 1, 0, 1, 0, 0, 0, 5,  0, 4,   10,  9, 8, 7,
                   0xc0, 12,   0,    1,    0, 1, 0, 0, 0, 5, 0, 40, 1, 2,   3,   4};
  ok(dns_parse_reply(bad, sizeof bad - 4 - 12, 0x1234, &pg, DNS_TYPE_A, &rcode, ans, 8, &na) ==
         false,
     "an answer count the packet cannot hold: no match");
  ok(!dns_parse_reply(bad, sizeof bad, 0x1234, &pg, DNS_TYPE_A, &rcode, ans, 8, &na),
     "a record running past the end: no match, whatever came before");
  uint8_t fwd[600];
  size_t fl = dns_build_forward(0x4242, &pg, DNS_TYPE_AAAA, fwd, sizeof fwd);
  struct dns_query q;
  ok(fl > 0 && dns_parse_query(fwd, fl, &q) == DNS_QUERY_OK && q.id == 0x4242 && q.rd &&
         q.qtype == DNS_TYPE_AAAA && q.edns && dns_name_equal(&q.qname, &pg),
     "the forwarded query parses back");
}

int main(void) {
  dns_name_from_text("test.internal", &domain);
  test_names();
  test_parser();
  test_builder();
  test_reply();
  return tap_done();
}
