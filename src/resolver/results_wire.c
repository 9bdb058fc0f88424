/* SPDX-License-Identifier: MIT */
/* The records the resolver child sends its parent: one per name (index,
 * status, whether the hosts file answered, addresses), then an end record
 * with the count. Fixed-size fields in host byte order: both ends are the
 * same binary. */
#include "results_wire.h"

#include <string.h>

#include "util.h"

#define RECORD_END 0xffffffffu
#define RECORD_HEAD 7 /* u32 index, u8 status, u8 from_hosts, u8 naddrs */
#define ADDR_WIRE 17  /* u8 family, 16 bytes */

/* Encodes one record into OUT (room for RECORD_MAX bytes); returns its size. */
#define RECORD_MAX (RECORD_HEAD + RESULT_ADDRS_MAX * ADDR_WIRE)
static size_t encode_record(const struct name_result *r, uint32_t idx, char *out) {
  memcpy(out, &idx, 4);
  out[4] = (char)r->status;
  out[5] = (char)r->from_hosts;
  uint8_t k = r->status == NAME_RESOLVED ? (uint8_t)(r->all ? r->naddrs : 1) : 0;
  out[6] = (char)k;
  size_t l = RECORD_HEAD;
  for (uint8_t j = 0; j < k; j++, l += ADDR_WIRE) {
    const struct address *a = r->all ? &r->all[j] : &r->best;
    out[l] = (char)a->family;
    memcpy(out + l + 1, a->bytes, 16);
  }
  return l;
}

static size_t encode_end(size_t n, char *out) {
  uint32_t end = RECORD_END, count = (uint32_t)n;
  memcpy(out, &end, 4);
  memcpy(out + 4, &count, 4);
  return 8;
}

char *results_encode(const struct name_result *results, size_t n, size_t *len) {
  char *buf = xmalloc(n * RECORD_MAX + 8);
  size_t l = 0;
  for (size_t i = 0; i < n; i++)
    l += encode_record(&results[i], (uint32_t)i, buf + l);
  *len = l + encode_end(n, buf + l);
  return buf;
}

/* The child's side: records go out through a small buffer, so sending
 * 100,000 results costs no memory in proportion. */
bool results_send(int fd, const struct name_result *results, size_t n) {
  char buf[65536];
  size_t l = 0;
  for (size_t i = 0; i < n; i++) {
    if (sizeof buf - l < RECORD_MAX) {
      if (!write_all(fd, buf, l))
        return false;
      l = 0;
    }
    l += encode_record(&results[i], (uint32_t)i, buf + l);
  }
  if (sizeof buf - l < 8) {
    if (!write_all(fd, buf, l))
      return false;
    l = 0;
  }
  l += encode_end(n, buf + l);
  return write_all(fd, buf, l);
}

size_t results_decode_some(struct results_decoder *d, const char *buf, size_t len) {
  size_t p = 0;
  while (!d->done && !d->bad) {
    if (len - p < 4)
      break;
    uint32_t idx;
    memcpy(&idx, buf + p, 4);
    if (idx == RECORD_END) {
      if (len - p < 8)
        break;
      uint32_t count;
      memcpy(&count, buf + p + 4, 4);
      p += 8;
      d->done = true;
      d->bad = count != d->n || d->seen != d->n;
      break;
    }
    if (len - p < RECORD_HEAD)
      break;
    uint8_t status = (uint8_t)buf[p + 4], from_hosts = (uint8_t)buf[p + 5], k = (uint8_t)buf[p + 6];
    if (idx >= d->n || d->results[idx].status != NAME_PENDING || status == NAME_PENDING ||
        status > NAME_STATUS_MAX || from_hosts > 1 || k > RESULT_ADDRS_MAX ||
        (status == NAME_RESOLVED) != (k > 0)) {
      d->bad = true;
      break;
    }
    if (len - p < RECORD_HEAD + (size_t)k * ADDR_WIRE)
      break;
    p += RECORD_HEAD;
    struct name_result *r = &d->results[idx];
    for (uint8_t j = 0; j < k; j++, p += ADDR_WIRE) {
      struct address a = {.family = (uint8_t)buf[p]};
      if (!(a.family == 4 && (d->families & FAMILY_V4)) &&
          !(a.family == 6 && (d->families & FAMILY_V6))) {
        d->bad = true;
        return p;
      }
      memcpy(a.bytes, buf + p + 1, a.family == 4 ? 4 : 16);
      name_result_add(r, &a, d->keep_all);
    }
    r->status = status;
    r->from_hosts = from_hosts;
    d->seen++;
  }
  return p;
}

bool results_decode(const char *buf, size_t len, size_t n, unsigned families, bool keep_all,
                    struct name_result *results) {
  struct results_decoder d = {
      .n = n, .families = families, .keep_all = keep_all, .results = results};
  size_t used = results_decode_some(&d, buf, len);
  return d.done && !d.bad && used == len;
}
