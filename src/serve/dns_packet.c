/* SPDX-License-Identifier: MIT */
#include "dns_packet.h"

#include <stdio.h>
#include <string.h>

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

bool dns_read_name(const uint8_t *pkt, size_t len, size_t *off, struct dns_name *out) {
  size_t pos = *off, end_after = 0, wlen = 0, jumps = 0, nlabels = 0;
  bool jumped = false;
  size_t lowest = pos; /* a pointer must point before every byte read so far */
  for (;;) {
    if (pos >= len)
      return false;
    uint8_t c = pkt[pos];
    if ((c & 0xc0) == 0xc0) {
      if (pos + 1 >= len || ++jumps > DNS_MAX_JUMPS)
        return false;
      size_t target = (size_t)((c & 0x3f) << 8 | pkt[pos + 1]);
      if (target >= lowest)
        return false;
      if (!jumped) {
        end_after = pos + 2;
        jumped = true;
      }
      pos = lowest = target;
      continue;
    }
    if (c & 0xc0)
      return false; /* 0x40 and 0x80: extended label types, obsolete */
    if (c == 0) {
      if (wlen + 1 > DNS_NAME_WIRE_MAX)
        return false;
      out->wire[wlen++] = 0;
      break;
    }
    if (pos + 1 + c > len || wlen + 1 + c + 1 > DNS_NAME_WIRE_MAX)
      return false;
    memcpy(out->wire + wlen, pkt + pos, (size_t)c + 1);
    wlen += (size_t)c + 1;
    nlabels++;
    pos += (size_t)c + 1;
  }
  out->len = wlen;
  out->nlabels = nlabels;
  *off = jumped ? end_after : pos + 1;
  return true;
}

static uint8_t lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c; }

bool dns_name_equal(const struct dns_name *a, const struct dns_name *b) {
  if (a->len != b->len)
    return false;
  /* Length bytes are < 64, never letters: one loop compares both. */
  for (size_t i = 0; i < a->len; i++)
    if (lower(a->wire[i]) != lower(b->wire[i]))
      return false;
  return true;
}

bool dns_name_from_text(const char *text, struct dns_name *out) {
  size_t tl = strlen(text), wlen = 0, nlabels = 0;
  if (tl && text[tl - 1] == '.')
    tl--;
  size_t i = 0;
  while (i < tl) {
    const char *dot = memchr(text + i, '.', tl - i);
    size_t l = dot ? (size_t)(dot - (text + i)) : tl - i;
    if (l == 0 || l > 63 || wlen + 1 + l + 1 > DNS_NAME_WIRE_MAX)
      return false;
    out->wire[wlen++] = (uint8_t)l;
    memcpy(out->wire + wlen, text + i, l);
    wlen += l;
    nlabels++;
    i += l + 1;
    if (dot && i == tl + 1)
      break;
  }
  out->wire[wlen++] = 0;
  out->len = wlen;
  out->nlabels = nlabels;
  return true;
}

void dns_name_to_text(const struct dns_name *n, char *out, size_t size) {
  size_t o = 0;
  if (!size)
    return;
  out[0] = 0;
  for (size_t i = 0; i < n->len && n->wire[i];) {
    size_t l = n->wire[i++];
    for (size_t j = 0; j < l && i < n->len; j++, i++) {
      uint8_t c = n->wire[i];
      char tmp[5];
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_')
        snprintf(tmp, sizeof tmp, "%c", c);
      else
        snprintf(tmp, sizeof tmp, "\\%03u", c);
      size_t tl = strlen(tmp);
      if (o + tl + 1 >= size)
        return;
      memcpy(out + o, tmp, tl + 1);
      o += tl;
    }
    if (o + 2 >= size)
      return;
    out[o++] = '.';
    out[o] = 0;
  }
  if (o == 0 && size > 1) {
    out[0] = '.';
    out[1] = 0;
  }
}

/* Skips one resource record at *OFF; its type, class/size and TTL for an
 * OPT. False when it runs past the end. */
static bool skip_rr(const uint8_t *pkt, size_t len, size_t *off, struct dns_name *owner,
                    uint16_t *type, uint16_t *klass, size_t *rdata, uint16_t *rdlen) {
  if (!dns_read_name(pkt, len, off, owner) || *off + 10 > len)
    return false;
  *type = get16(pkt + *off);
  *klass = get16(pkt + *off + 2);
  *rdlen = get16(pkt + *off + 8);
  *rdata = *off + 10;
  if (*rdata + *rdlen > len)
    return false;
  *off = *rdata + *rdlen;
  return true;
}

enum dns_verdict dns_parse_query(const uint8_t *pkt, size_t len, struct dns_query *q) {
  memset(q, 0, sizeof *q);
  if (len < DNS_HEADER_LEN || (pkt[2] & 0x80))
    return DNS_QUERY_DROP; /* too short to answer, or a response (no loops) */
  q->id = get16(pkt);
  q->rd = pkt[2] & 1;
  if (((pkt[2] >> 3) & 0xf) != 0)
    return DNS_QUERY_NOTIMP;
  uint16_t qd = get16(pkt + 4), an = get16(pkt + 6), ns = get16(pkt + 8), ar = get16(pkt + 10);
  if (qd != 1)
    return DNS_QUERY_FORMERR;
  size_t off = DNS_HEADER_LEN;
  if (!dns_read_name(pkt, len, &off, &q->qname) || off + 4 > len)
    return DNS_QUERY_FORMERR;
  q->qtype = get16(pkt + off);
  q->qclass = get16(pkt + off + 2);
  off += 4;
  q->question_end = off;
  /* The other sections: an OPT in the additional one, nothing else read.
   * Each record takes 11 bytes at least, so the counts bound the loop. */
  size_t total = (size_t)an + ns + ar;
  if (total > (len - off) / 11)
    return DNS_QUERY_FORMERR;
  for (size_t i = 0; i < total; i++) {
    struct dns_name owner;
    uint16_t type, klass, rdlen;
    size_t rdata;
    if (!skip_rr(pkt, len, &off, &owner, &type, &klass, &rdata, &rdlen))
      return DNS_QUERY_FORMERR;
    if (i >= (size_t)an + ns && type == DNS_TYPE_OPT) {
      if (q->edns || owner.len != 1)
        return DNS_QUERY_FORMERR; /* two OPTs, or not owned by the root */
      q->edns = true;
      q->udp_size = klass;
    }
  }
  return DNS_QUERY_OK;
}

/* Appends the question of Q, as the client sent it. */
static size_t put_question(const struct dns_query *q, uint8_t *out, size_t off) {
  memcpy(out + off, q->qname.wire, q->qname.len);
  off += q->qname.len;
  put16(out + off, q->qtype);
  put16(out + off + 2, q->qclass);
  return off + 4;
}

static size_t put_opt(uint8_t *out, size_t off) {
  out[off] = 0; /* the root */
  put16(out + off + 1, DNS_TYPE_OPT);
  put16(out + off + 3, DNS_EDNS_SIZE);
  memset(out + off + 5, 0, 6); /* extended rcode, version, flags; rdlen 0 */
  return off + 11;
}

size_t dns_build_response(const struct dns_query *q, int rcode, const struct dns_addr_rr *ans,
                          size_t n, size_t limit, uint8_t *out, size_t cap) {
  if (limit > cap)
    limit = cap;
  if (n > DNS_ANSWERS_MAX)
    n = DNS_ANSWERS_MAX;
  size_t base = DNS_HEADER_LEN + q->qname.len + 4 + (q->edns ? 11 : 0);
  if (base > limit)
    return 0;
  size_t need = base;
  for (size_t i = 0; i < n; i++)
    need += 12 + (ans[i].type == DNS_TYPE_A ? 4 : 16);
  bool tc = need > limit;
  if (tc)
    n = 0;
  put16(out, q->id);
  out[2] = (uint8_t)(0x80 | 0x04 | (tc ? 0x02 : 0) | (q->rd ? 1 : 0)); /* QR AA TC RD */
  out[3] = (uint8_t)(0x80 | (rcode & 0xf));                            /* RA */
  put16(out + 4, 1);
  put16(out + 6, (uint16_t)n);
  put16(out + 8, 0);
  put16(out + 10, q->edns ? 1 : 0);
  size_t off = put_question(q, out, DNS_HEADER_LEN);
  for (size_t i = 0; i < n; i++) {
    uint16_t dl = ans[i].type == DNS_TYPE_A ? 4 : 16;
    put16(out + off, 0xc000 | DNS_HEADER_LEN); /* the question's name */
    put16(out + off + 2, ans[i].type);
    put16(out + off + 4, DNS_CLASS_IN);
    out[off + 6] = out[off + 7] = out[off + 8] = 0;
    out[off + 9] = DNS_TTL;
    put16(out + off + 10, dl);
    memcpy(out + off + 12, ans[i].data, dl);
    off += 12 + dl;
  }
  if (q->edns)
    off = put_opt(out, off);
  return off;
}

size_t dns_build_error(const uint8_t *pkt, size_t len, int rcode, uint8_t *out, size_t cap) {
  if (len < DNS_HEADER_LEN || cap < DNS_HEADER_LEN)
    return 0;
  memset(out, 0, DNS_HEADER_LEN);
  out[0] = pkt[0];
  out[1] = pkt[1];
  out[2] = (uint8_t)(0x80 | (pkt[2] & 0x79)); /* QR, the opcode and RD as asked */
  out[3] = (uint8_t)(rcode & 0xf);
  return DNS_HEADER_LEN;
}

size_t dns_build_forward(uint16_t id, const struct dns_name *name, uint16_t qtype, uint8_t *out,
                         size_t cap) {
  size_t need = DNS_HEADER_LEN + name->len + 4 + 11;
  if (need > cap)
    return 0;
  memset(out, 0, DNS_HEADER_LEN);
  put16(out, id);
  out[2] = 0x01; /* RD */
  put16(out + 4, 1);
  put16(out + 10, 1);
  memcpy(out + DNS_HEADER_LEN, name->wire, name->len);
  size_t off = DNS_HEADER_LEN + name->len;
  put16(out + off, qtype);
  put16(out + off + 2, DNS_CLASS_IN);
  return put_opt(out, off + 4);
}

bool dns_response_id(const uint8_t *pkt, size_t len, uint16_t *id) {
  if (len < DNS_HEADER_LEN || !(pkt[2] & 0x80))
    return false;
  *id = get16(pkt);
  return true;
}

/* The answer records of a reply, one at a time: the next of class IN whose
 * type is TYPE and owner OWNER. 1 with *RR set, 0 past the last, -1 at a
 * malformed record (every record up to the one returned is checked). */
struct rr_iter {
  const uint8_t *pkt;
  size_t len, off, left;
};
struct rr {
  uint16_t rdlen;
  size_t rdata;
};

static int rr_next(struct rr_iter *it, uint16_t type, const struct dns_name *owner, struct rr *rr) {
  for (; it->left; it->left--) {
    struct dns_name o;
    uint16_t t, k;
    if (!skip_rr(it->pkt, it->len, &it->off, &o, &t, &k, &rr->rdata, &rr->rdlen))
      return -1;
    if (t == type && k == DNS_CLASS_IN && dns_name_equal(&o, owner)) {
      it->left--;
      return 1;
    }
  }
  return 0;
}

#define CNAME_LINKS_MAX 8

bool dns_parse_reply(const uint8_t *pkt, size_t len, uint16_t id, const struct dns_name *name,
                     uint16_t qtype, int *rcode, struct dns_addr_rr *ans, size_t max, size_t *n) {
  *n = 0;
  uint16_t got;
  if (!dns_response_id(pkt, len, &got) || got != id || ((pkt[2] >> 3) & 0xf) != 0 ||
      get16(pkt + 4) != 1)
    return false;
  size_t off = DNS_HEADER_LEN;
  struct dns_name qn;
  if (!dns_read_name(pkt, len, &off, &qn) || off + 4 > len || !dns_name_equal(&qn, name) ||
      get16(pkt + off) != qtype || get16(pkt + off + 2) != DNS_CLASS_IN)
    return false;
  off += 4;
  *rcode = pkt[3] & 0xf;
  size_t an = get16(pkt + 6);
  if (an > (len - off) / 11)
    return false;
  struct dns_name want = *name;
  struct rr rr;
  int found;
  /* The chain: each pass over the answers follows one CNAME link. */
  for (int link = 0;; link++) {
    struct rr_iter it = {pkt, len, off, an};
    if ((found = rr_next(&it, DNS_TYPE_CNAME, &want, &rr)) < 0)
      return false;
    if (!found)
      break;
    if (link == CNAME_LINKS_MAX)
      return true; /* too long a chain: no addresses */
    size_t r = rr.rdata;
    if (!dns_read_name(pkt, rr.rdata + rr.rdlen, &r, &want) || r != rr.rdata + rr.rdlen)
      return false;
  }
  struct rr_iter it = {pkt, len, off, an};
  size_t size = qtype == DNS_TYPE_A ? 4 : qtype == DNS_TYPE_AAAA ? 16 : 0;
  while ((found = rr_next(&it, qtype, &want, &rr)) > 0) {
    if (!size || rr.rdlen != size || *n >= max)
      continue;
    ans[*n].type = qtype;
    memset(ans[*n].data, 0, sizeof ans[*n].data);
    memcpy(ans[*n].data, pkt + rr.rdata, size);
    (*n)++;
  }
  return found == 0;
}
