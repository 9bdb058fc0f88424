/* SPDX-License-Identifier: MIT */
#include "lines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_ADDRS_MAX RESULT_ADDRS_MAX

/* For each name of LIST, the line the previous FILE had for it, if any. */
static void index_previous(const char *data, size_t len, enum format_kind f,
                           const struct name_list *list, const char **lines, size_t *lens) {
  struct line_iter it = line_iter(data, len);
  const char *p;
  size_t l;
  while (line_next(&it, &p, &l)) {
    const char *key;
    size_t kl;
    if (format_line_key(f, p, l, &key, &kl)) {
      long i = name_list_find(list, key, kl);
      if (i >= 0 && !lines[i]) {
        lines[i] = p;
        lens[i] = l;
      }
    }
  }
}

/* Failures that say nothing about the name itself: its previous line may
 * still be right. NXDOMAIN and "no address of that family" are answers. */
static bool failure_keeps_line(enum name_status s) {
  return s != NAME_NXDOMAIN && s != NAME_NODATA;
}

/* Every address this pass's answers gave, with the name it belongs to, in
 * address order, to find who owns an address a stale line points at. */
struct owned {
  struct address addr;
  size_t name;
};

static int owned_cmp(const void *a, const void *b) {
  return address_compare(&((const struct owned *)a)->addr, &((const struct owned *)b)->addr);
}

static struct owned *owned_addresses(const struct name_result *r, size_t n, size_t *count) {
  size_t total = 0;
  for (size_t i = 0; i < n; i++)
    if (r[i].status == NAME_RESOLVED)
      total += r[i].all ? r[i].naddrs : 1;
  struct owned *o = xcalloc(total, sizeof *o);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (r[i].status != NAME_RESOLVED)
      continue;
    size_t m = r[i].all ? r[i].naddrs : 1;
    for (size_t j = 0; j < m; j++)
      o[k++] = (struct owned){r[i].all ? r[i].all[j] : r[i].best, i};
  }
  qsort(o, total, sizeof *o, owned_cmp);
  *count = total;
  return o;
}

/* Whether the previous line of name I can be kept: it must say which
 * address it points at, and no other name of this pass may answer at that
 * address now (Docker reuses a stopped container's address). Says why not. */
static bool stale_line_safe(const struct format_config *fmt, const char *line, size_t len,
                            const struct owned *owned, size_t nowned, const struct name_list *names,
                            size_t i, const char *why, const char *file) {
  struct address addrs[LINE_ADDRS_MAX];
  size_t n = format_line_addresses(fmt, line, len, addrs, LINE_ADDRS_MAX);
  const char *name = name_at(names, i);
  if (n == 0 && format_line_other_domain(fmt, line, len)) {
    /* Another domain's line may well be right, but which address it means
     * is that domain's business: unchecked, it is not kept. */
    log_error("%s: %s; its previous line in %s points outside %s (it was written with another "
              "-p or --suffix), so it is dropped",
              name, why, file, fmt->suffix);
    return false;
  }
  if (n == 0) {
    log_error("%s: %s; its previous line in %s does not say which address it points at, so it is "
              "dropped",
              name, why, file);
    return false;
  }
  for (size_t k = 0; k < n; k++) {
    struct owned key = {addrs[k], 0};
    const struct owned *hit = bsearch(&key, owned, nowned, sizeof *owned, owned_cmp);
    if (hit) {
      char a[ADDRESS_TEXT_MAX];
      address_format(&addrs[k], a);
      log_error("%s: %s; its previous line in %s points at %s, which now answers for %s, so it is "
                "dropped",
                name, why, file, a, name_at(names, hit->name));
      return false;
    }
  }
  return true;
}

void lines_report_change(const struct format_config *fmt, const char *file, const char *old,
                         size_t oldlen, const char *new, size_t newlen) {
  struct name_list keys;
  name_list_init(&keys);
  const char *sides[2] = {old, new};
  size_t lens[2] = {oldlen, newlen};
  /* Index both sides by key: 2 entries a name, old then new. */
  struct side {
    const char *line;
    size_t len;
  } *lines = NULL;
  size_t cap = 0;
  {
    VERBOSITY_SCOPE(VERBOSITY_SILENT); /* keys were checked when read */
    for (int s = 0; s < 2; s++) {
      struct line_iter it = line_iter(sides[s], lens[s]);
      const char *p;
      size_t l;
      while (line_next(&it, &p, &l)) {
        const char *key;
        size_t kl;
        if (format_line_key(fmt->format, p, l, &key, &kl)) {
          name_list_add(&keys, key, kl, "FILE", 0);
          long i = name_list_find(&keys, key, kl);
          if (i >= 0 && (size_t)i * 2 + 2 > cap) {
            size_t ncap = cap ? cap * 2 : 64;
            while (ncap < (size_t)i * 2 + 2)
              ncap *= 2;
            lines = xreallocarray(lines, ncap, sizeof *lines);
            memset(lines + cap, 0, (ncap - cap) * sizeof *lines);
            cap = ncap;
          }
          if (i >= 0)
            lines[i * 2 + s] = (struct side){p, l};
        }
      }
    }
  }
  struct strbuf msg = {0};
  for (size_t i = 0; i < keys.count; i++) {
    struct side *o = &lines[i * 2], *n = &lines[i * 2 + 1];
    if (o->line && n->line && o->len == n->len && !memcmp(o->line, n->line, o->len))
      continue;
    char a[2][ADDRESS_TEXT_MAX] = {"?", "?"};
    struct address addr[RESULT_ADDRS_MAX];
    for (int s = 0; s < 2; s++) {
      struct side *x = s ? n : o;
      if (x->line && format_line_addresses(fmt, x->line, x->len, addr, RESULT_ADDRS_MAX))
        address_format(&addr[0], a[s]);
    }
    char part[600];
    if (o->line && n->line)
      snprintf(part, sizeof part, "%s %s -> %s", name_at(&keys, i), a[0], a[1]);
    else
      snprintf(part, sizeof part, "%s %s (%s)", name_at(&keys, i), n->line ? "added" : "removed",
               a[n->line ? 1 : 0]);
    if (msg.len)
      strbuf_append(&msg, "; ", 2);
    strbuf_append(&msg, part, strlen(part));
  }
  if (msg.len)
    log_notice("%s: %s", file, msg.data);
  strbuf_free(&msg);
  free(lines);
  name_list_free(&keys);
}

void lines_build(const struct lines_in *in, struct strbuf *out, struct lines_counts *c) {
  const struct name_list *names = in->names;
  const struct format_config *fmt = in->fmt;
  *c = (struct lines_counts){0};
  _cleanup_free_ const char **prev_lines = NULL;
  _cleanup_free_ size_t *prev_lens = NULL;
  _cleanup_free_ struct owned *owned = NULL;
  size_t nowned = 0;
  if (in->previous) {
    prev_lines = xcalloc(names->count ? names->count : 1, sizeof *prev_lines);
    prev_lens = xcalloc(names->count ? names->count : 1, sizeof *prev_lens);
    index_previous(in->previous, in->previous_len, fmt->format, names, prev_lines, prev_lens);
    owned = owned_addresses(in->results, names->count, &nowned);
  }
  for (size_t i = 0; i < names->count; i++) {
    const struct name_result *r = &in->results[i];
    const char *name = name_at(names, i);
    if (r->status != NAME_TIMEOUT && r->status != NAME_UNREACHABLE && !r->from_hosts)
      c->dns_answered++;
    const char *why;
    if (format_line(fmt, name, r, in->verdicts ? in->verdicts[i] : NULL, out, &why)) {
      c->resolved++;
      continue;
    }
    if (r->status == NAME_RESOLVED && !format_gets_line(fmt, name, r))
      continue; /* dotted: warned about when the names were read */
    c->failed++;
    if (r->status == NAME_TIMEOUT || r->status == NAME_UNREACHABLE)
      c->dns_unreachable++;
    const char *prev = prev_lines ? prev_lines[i] : NULL;
    if (!prev) {
      log_error("%s: %s", name, why);
    } else if (!failure_keeps_line(r->status)) {
      log_error("%s: %s; its previous line in %s is dropped", name, why, in->file);
      c->dropped++;
    } else if (stale_line_safe(fmt, prev, prev_lens[i], owned, nowned, names, i, why, in->file)) {
      /* A standing failure must not mail a cron job's owner every run: -q
       * silences this, not the failures that lose a line. */
      log_warn("%s: %s; keeping its previous line in %s (stale)", name, why, in->file);
      strbuf_append(out, prev, prev_lens[i]);
      strbuf_append(out, "\n", 1);
      c->stale++;
    } else {
      c->dropped++;
    }
  }
}
