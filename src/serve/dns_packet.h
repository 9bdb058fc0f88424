/* SPDX-License-Identifier: MIT */
/* DNS messages for --serve, parsed and built with bounds on everything:
 * every read is checked against the packet's end, a compressed name may
 * only point backwards and follows at most DNS_MAX_JUMPS pointers, labels
 * are 63 bytes at most and names 255. Pure functions, for the fuzzer. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_LEN 12
#define DNS_NAME_WIRE_MAX 255
#define DNS_MAX_JUMPS 16
#define DNS_UDP_MIN 512
#define DNS_EDNS_SIZE 1232 /* what the bridge advertises (DNS flag day 2020) */
#define DNS_UDP_MAX 4096   /* the most it sends over UDP, whatever the client offers */
#define DNS_TCP_MAX 65535
#define DNS_TTL 2

enum {
  DNS_TYPE_A = 1,
  DNS_TYPE_NS = 2,
  DNS_TYPE_CNAME = 5,
  DNS_TYPE_SOA = 6,
  DNS_TYPE_AAAA = 28,
  DNS_TYPE_OPT = 41,
  DNS_CLASS_IN = 1,
};

enum {
  DNS_RCODE_NOERROR = 0,
  DNS_RCODE_FORMERR = 1,
  DNS_RCODE_SERVFAIL = 2,
  DNS_RCODE_NXDOMAIN = 3,
  DNS_RCODE_NOTIMP = 4,
  DNS_RCODE_REFUSED = 5,
};

/* A name in uncompressed wire form: length-prefixed labels ending in the
 * root's zero byte (LEN counts it). */
struct dns_name {
  uint8_t wire[DNS_NAME_WIRE_MAX];
  size_t len;
  size_t nlabels;
};

/* Reads the (possibly compressed) name at *OFF in PKT (LEN bytes); *OFF
 * moves past it as it lies in the packet. False when it is malformed. */
bool dns_read_name(const uint8_t *pkt, size_t len, size_t *off, struct dns_name *out);
/* Case-insensitive (ASCII) equality. */
bool dns_name_equal(const struct dns_name *a, const struct dns_name *b);
/* From text ("a.b.c", a trailing dot allowed, no escapes): false when it
 * is no valid name. */
bool dns_name_from_text(const char *text, struct dns_name *out);
/* As text for messages: bytes outside [A-Za-z0-9_-] as \DDD. */
void dns_name_to_text(const struct dns_name *n, char *out, size_t size);

struct dns_query {
  uint16_t id;
  bool rd;
  struct dns_name qname;
  uint16_t qtype, qclass;
  size_t question_end; /* offset just past the question in the packet */
  bool edns;
  uint16_t udp_size; /* the client's, when EDNS */
};

enum dns_verdict {
  DNS_QUERY_OK,
  DNS_QUERY_DROP,    /* no answer at all: too short, or a response */
  DNS_QUERY_FORMERR, /* answered FORMERR (with the ID) */
  DNS_QUERY_NOTIMP,  /* an opcode other than QUERY */
};

/* Parses a query. */
enum dns_verdict dns_parse_query(const uint8_t *pkt, size_t len, struct dns_query *q);

/* One address record of an answer. */
struct dns_addr_rr {
  uint16_t type; /* DNS_TYPE_A or DNS_TYPE_AAAA */
  uint8_t data[16];
};
#define DNS_ANSWERS_MAX 64

/* The response to Q (the question echoed as the client spelled it): RCODE,
 * the records ANS (N of them, owned by the question's name, TTL DNS_TTL),
 * an OPT record when Q had one. When it would exceed LIMIT bytes, the
 * answers are left out and TC is set. Returns its length (at most LIMIT
 * and CAP), 0 when CAP is too small even for that. */
size_t dns_build_response(const struct dns_query *q, int rcode, const struct dns_addr_rr *ans,
                          size_t n, size_t limit, uint8_t *out, size_t cap);

/* A header-only error response (FORMERR, NOTIMP) to the packet PKT, of
 * which at least the 12 header bytes must be there: 12 bytes into OUT. */
size_t dns_build_error(const uint8_t *pkt, size_t len, int rcode, uint8_t *out, size_t cap);

/* The query the bridge forwards: ID, RD set, NAME, QTYPE, class IN, an OPT
 * offering DNS_EDNS_SIZE. Returns its length, 0 when CAP is too small. */
size_t dns_build_forward(uint16_t id, const struct dns_name *name, uint16_t qtype, uint8_t *out,
                         size_t cap);

/* The ID of a response (the first two bytes), for matching; false when PKT
 * is no response. */
bool dns_response_id(const uint8_t *pkt, size_t len, uint16_t *id);

/* Reads the reply to a forwarded query (ID, NAME, QTYPE): false when it is
 * not one (another ID, question, or malformed). Else *RCODE is its rcode and
 * ANS gets (at most MAX) the records of type QTYPE for NAME, following a
 * CNAME chain (at most 8 links) inside the answer section; everything else
 * is dropped. */
bool dns_parse_reply(const uint8_t *pkt, size_t len, uint16_t id, const struct dns_name *name,
                     uint16_t qtype, int *rcode, struct dns_addr_rr *ans, size_t max, size_t *n);
