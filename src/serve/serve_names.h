/* SPDX-License-Identifier: MIT */
/* What a name under the bridge's DOMAIN means (README, "--serve"):
 *   DOMAIN itself                 the apex: no addresses (NODATA)
 *   A.B.C.D.DOMAIN                the IPv4 address it spells (four labels,
 *                                 each decimal 0-255: an address first,
 *                                 never a project)
 *   A-B-C-D.DOMAIN, X--Y.DOMAIN   the IPv4 or IPv6 address one label spells
 *                                 with dashes (IPv6 as sslip.io: ':' as '-')
 *   CONTAINER.DOMAIN              the container's own addresses
 *   NAME.PROJECT.DOMAIN           NAME as Compose project PROJECT's
 *                                 containers resolve it (NAME may have dots)
 * Anything outside DOMAIN is refused. Pure, for the tests and the fuzzer. */
#pragma once

#include "address.h"
#include "dns_packet.h"
#include "engine.h"

enum serve_kind {
  SERVE_REFUSED,   /* outside DOMAIN */
  SERVE_NXDOMAIN,  /* under DOMAIN, but no project or container name */
  SERVE_APEX,      /* DOMAIN itself */
  SERVE_ADDRESS,   /* ADDR */
  SERVE_CONTAINER, /* SCOPE is a container; NAME its name */
  SERVE_PROJECT,   /* SCOPE is a Compose project; NAME what to ask */
};

struct serve_name {
  enum serve_kind kind;
  struct address addr;
  char scope[128]; /* lower case; engine_target_valid() */
  struct dns_name name;
};

/* Maps QNAME under DOMAIN. */
void serve_map_name(const struct dns_name *domain, const struct dns_name *qname,
                    struct serve_name *out);

/* Parses a single label as a dashed address: 172-27-0-2, fd00--1. */
bool serve_parse_dashed(const char *label, size_t len, struct address *out);

/* The answer the bridge gives on its own to the packet PKT (LEN bytes),
 * with UDP (true) or TCP: its length in OUT (at most CAP), 0 for none (the
 * packet is dropped), or -1 when it must be forwarded: Q and *M then say
 * what to ask, in which project or container. */
long serve_local_answer(const struct dns_name *domain, const uint8_t *pkt, size_t len, bool udp,
                        uint8_t *out, size_t cap, struct dns_query *q, struct serve_name *m);

/* The most a response to Q may take: 512 over UDP without EDNS, the
 * client's size (512 to DNS_UDP_MAX) with it, 65535 over TCP. */
size_t serve_response_limit(const struct dns_query *q, bool udp);
