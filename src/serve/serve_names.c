/* SPDX-License-Identifier: MIT */
#include "serve_names.h"

#include <arpa/inet.h>
#include <string.h>

/* The offsets of QNAME's labels (at most 128: a 255-byte name has fewer). */
static size_t label_offsets(const struct dns_name *n, size_t *offs) {
  size_t k = 0;
  for (size_t i = 0; i < n->len && n->wire[i] && k < 128; i += (size_t)n->wire[i] + 1)
    offs[k++] = i;
  return k;
}

static bool decimal_octet(const uint8_t *s, size_t len, uint8_t *out) {
  if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
    return false;
  unsigned v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + (unsigned)(s[i] - '0');
  }
  if (v > 255)
    return false;
  *out = (uint8_t)v;
  return true;
}

bool serve_parse_dashed(const char *label, size_t len, struct address *out) {
  if (len == 0 || len > 63)
    return false;
  /* IPv4: four decimal parts. */
  uint8_t b[4];
  size_t part = 0, start = 0;
  bool v4 = true;
  for (size_t i = 0; i <= len && v4; i++) {
    if (i == len || label[i] == '-') {
      if (part >= 4 || !decimal_octet((const uint8_t *)label + start, i - start, &b[part]))
        v4 = false;
      part++;
      start = i + 1;
    }
  }
  if (v4 && part == 4) {
    out->family = 4;
    memset(out->bytes, 0, sizeof out->bytes);
    memcpy(out->bytes, b, 4);
    return true;
  }
  /* IPv6: hex digits and dashes for colons, at least two dashes. */
  char text[64];
  size_t dashes = 0;
  for (size_t i = 0; i < len; i++) {
    char c = label[i];
    if (c == '-') {
      dashes++;
      c = ':';
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
    text[i] = c;
  }
  text[len] = 0;
  struct in6_addr a6;
  if (dashes < 2 || inet_pton(AF_INET6, text, &a6) != 1)
    return false;
  out->family = 6;
  memcpy(out->bytes, &a6, 16);
  return true;
}

/* A label as a project or container name: lower case, and one the engine
 * takes (no dot, no byte outside its charset). */
static bool scope_label(const uint8_t *s, size_t len, char *out, size_t size) {
  if (len == 0 || len >= size)
    return false;
  for (size_t i = 0; i < len; i++) {
    uint8_t c = s[i];
    if (c == 0 || c == '.' || c >= 0x80)
      return false;
    out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  out[len] = 0;
  return engine_target_valid(out);
}

void serve_map_name(const struct dns_name *domain, const struct dns_name *qname,
                    struct serve_name *out) {
  memset(out, 0, sizeof *out);
  out->kind = SERVE_REFUSED;
  if (qname->len < domain->len)
    return;
  size_t suffix = qname->len - domain->len;
  struct dns_name tail = {.len = domain->len, .nlabels = domain->nlabels};
  memcpy(tail.wire, qname->wire + suffix, domain->len);
  size_t offs[128];
  size_t k = label_offsets(qname, offs);
  /* The suffix must start on a label boundary. */
  size_t below = 0;
  bool boundary = suffix == 0;
  for (size_t i = 0; i < k; i++)
    if (offs[i] == suffix) {
      boundary = true;
      below = i;
    }
  if (!boundary || !dns_name_equal(&tail, domain))
    return;
  if (suffix == 0) {
    out->kind = SERVE_APEX;
    return;
  }
  out->kind = SERVE_NXDOMAIN;
  const uint8_t *w = qname->wire;
  if (below == 4) {
    uint8_t b[4];
    bool v4 = true;
    for (size_t i = 0; i < 4 && v4; i++)
      v4 = decimal_octet(w + offs[i] + 1, w[offs[i]], &b[i]);
    if (v4) {
      out->kind = SERVE_ADDRESS;
      out->addr.family = 4;
      memcpy(out->addr.bytes, b, 4);
      return;
    }
  }
  if (below == 1) {
    if (serve_parse_dashed((const char *)w + 1, w[0], &out->addr)) {
      out->kind = SERVE_ADDRESS;
      return;
    }
    if (!scope_label(w + 1, w[0], out->scope, sizeof out->scope))
      return;
    out->kind = SERVE_CONTAINER;
    out->name.len = (size_t)w[0] + 2;
    out->name.nlabels = 1;
    memcpy(out->name.wire, w, (size_t)w[0] + 1);
    out->name.wire[w[0] + 1] = 0;
    return;
  }
  size_t p = offs[below - 1];
  if (!scope_label(w + p + 1, w[p], out->scope, sizeof out->scope))
    return;
  out->kind = SERVE_PROJECT;
  memcpy(out->name.wire, w, p);
  out->name.wire[p] = 0;
  out->name.len = p + 1;
  out->name.nlabels = below - 1;
}

size_t serve_response_limit(const struct dns_query *q, bool udp) {
  if (!udp)
    return DNS_TCP_MAX;
  if (!q->edns || q->udp_size < DNS_UDP_MIN)
    return DNS_UDP_MIN;
  return q->udp_size > DNS_UDP_MAX ? DNS_UDP_MAX : q->udp_size;
}

long serve_local_answer(const struct dns_name *domain, const uint8_t *pkt, size_t len, bool udp,
                        uint8_t *out, size_t cap, struct dns_query *q, struct serve_name *m) {
  switch (dns_parse_query(pkt, len, q)) {
  case DNS_QUERY_DROP: return 0;
  case DNS_QUERY_FORMERR: return (long)dns_build_error(pkt, len, DNS_RCODE_FORMERR, out, cap);
  case DNS_QUERY_NOTIMP: return (long)dns_build_error(pkt, len, DNS_RCODE_NOTIMP, out, cap);
  case DNS_QUERY_OK: break;
  }
  size_t limit = serve_response_limit(q, udp);
  if (q->qclass != DNS_CLASS_IN)
    return (long)dns_build_response(q, DNS_RCODE_REFUSED, NULL, 0, limit, out, cap);
  serve_map_name(domain, &q->qname, m);
  struct dns_addr_rr rr;
  switch (m->kind) {
  case SERVE_REFUSED:
    return (long)dns_build_response(q, DNS_RCODE_REFUSED, NULL, 0, limit, out, cap);
  case SERVE_NXDOMAIN:
    return (long)dns_build_response(q, DNS_RCODE_NXDOMAIN, NULL, 0, limit, out, cap);
  case SERVE_APEX: return (long)dns_build_response(q, DNS_RCODE_NOERROR, NULL, 0, limit, out, cap);
  case SERVE_ADDRESS: {
    uint16_t type = m->addr.family == 4 ? DNS_TYPE_A : DNS_TYPE_AAAA;
    size_t n = q->qtype == type;
    rr.type = type;
    memcpy(rr.data, m->addr.bytes, sizeof rr.data);
    return (long)dns_build_response(q, DNS_RCODE_NOERROR, &rr, n, limit, out, cap);
  }
  case SERVE_CONTAINER:
  case SERVE_PROJECT: break;
  }
  return -1;
}
