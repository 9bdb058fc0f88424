/* SPDX-License-Identifier: MIT */
#include "hostsfile.h"

#include <string.h>

#include "names.h"
#include "util.h"

size_t hosts_parse(const char *buf, size_t len, const char *source, hosts_entry_fn fn, void *ctx) {
  size_t pairs = 0, bad = 0, dropped = 0;
  struct line_iter it = line_iter(buf, len);
  const char *q;
  size_t ll;
  while (line_next(&it, &q, &ll)) {
    const char *eol = q + ll;
    const char *hash = memchr(q, '#', (size_t)(eol - q));
    if (hash)
      eol = hash;
    while (q < eol && is_line_space(*q))
      q++;
    if (q == eol)
      continue;
    if (memchr(q, '\0', (size_t)(eol - q))) {
      bad++;
      continue;
    }
    const char *a = q;
    while (q < eol && !is_line_space(*q))
      q++;
    char atext[ADDRESS_TEXT_MAX + 1];
    size_t alen = (size_t)(q - a);
    struct address addr;
    if (alen >= sizeof atext) {
      bad++;
      continue;
    }
    memcpy(atext, a, alen);
    atext[alen] = '\0';
    char *pct = strchr(atext, '%'); /* fe80::1%eth0: the zone is not ours to use */
    if (pct)
      *pct = '\0';
    if (!address_parse(atext, &addr)) {
      bad++;
      continue;
    }
    bool any = false;
    for (;;) {
      while (q < eol && is_line_space(*q))
        q++;
      if (q == eol)
        break;
      const char *n = q;
      while (q < eol && !is_line_space(*q))
        q++;
      size_t nlen = (size_t)(q - n);
      if (name_invalid_reason(n, nlen)) {
        bad++;
        continue;
      }
      if (pairs >= HOSTS_ENTRIES_MAX) {
        dropped++;
        continue;
      }
      fn(n, nlen, &addr, ctx);
      pairs++;
      any = true;
    }
    if (!any && !dropped)
      bad++;
  }
  if (bad)
    log_warn("%s: %zu malformed entries ignored", source, bad);
  if (dropped)
    log_warn("%s: %zu entries beyond the first %d ignored", source, dropped, HOSTS_ENTRIES_MAX);
  return pairs;
}
