/* SPDX-License-Identifier: MIT */
#include "format.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "names.h"
#include "route.h"
#include "util.h"

/* glibc reads HOSTALIASES lines with fgets into 8192 bytes; far below it. */
#define LINE_MAX_BYTES 1024

static const struct provider {
  const char *name;
  bool ipv6;
  const char *warning;
} providers[] = {
    {"traefik.me", false, NULL},
    {"sslip.io", true, NULL},
    {"nip.io", false, NULL},
    {"xip.io", false, "xip.io has been offline since 2021; its names will not resolve"},
};

bool format_set_provider(struct format_config *c, const char *name) {
  for (size_t i = 0; i < N_ELEMENTS(providers); i++) {
    if (strcmp(name, providers[i].name) == 0) {
      if (providers[i].warning)
        log_warn("%s", providers[i].warning);
      strcpy(c->suffix, providers[i].name);
      c->ipv6 = providers[i].ipv6;
      return true;
    }
  }
  log_error("unknown provider \"%s\": expected traefik.me, sslip.io, nip.io or xip.io "
            "(or --suffix DOMAIN)",
            name);
  return false;
}

/* SUFFIX checked, then set; OPTION names it in a message. */
static bool set_suffix(struct format_config *c, const char *suffix, const char *option) {
  size_t len = strlen(suffix);
  const char *why = name_invalid_reason(suffix, len);
  if (!why && len > 200)
    why = "longer than 200 characters";
  if (!why && !strchr(suffix, '.'))
    why = "needs at least one dot";
  if (why) {
    char shown[4 * 64 + 4];
    escape_for_message(shown, suffix, len, 64);
    log_error("%s \"%s\": %s", option, shown, why);
    return false;
  }
  memcpy(c->suffix, suffix, len + 1);
  c->ipv6 = true; /* a self-hosted sslip.io answers IPv6 names */
  return true;
}

bool format_set_suffix(struct format_config *c, const char *suffix) {
  return set_suffix(c, suffix, "--suffix");
}

bool format_parse_kind(const char *text, enum format_kind *out) {
  if (strcmp(text, "alias") == 0)
    *out = FORMAT_ALIAS;
  else if (strcmp(text, "hosts") == 0)
    *out = FORMAT_HOSTS;
  else if (strcmp(text, "json") == 0)
    *out = FORMAT_JSON;
  else
    return false;
  return true;
}

/* sslip.io's IPv6 form: RFC 5952 text with '-' for ':', always hex (never a
 * dotted IPv4 tail, which would read as an IPv4 name). */
static void ipv6_dashed(const uint8_t b[16], char *out) {
  unsigned g[8];
  for (int i = 0; i < 8; i++)
    g[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
  int best = -1, bestlen = 1;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && g[j] == 0)
      j++;
    if (j - i > bestlen)
      best = i, bestlen = j - i;
    i = j > i ? j : i + 1;
  }
  char *o = out;
  for (int i = 0; i < 8; i++) {
    if (i == best) {
      *o++ = '-';
      if (i == 0)
        *o++ = '-';
      i += bestlen - 1;
      continue;
    }
    o += sprintf(o, "%x", g[i]);
    if (i < 7)
      *o++ = '-';
  }
  *o = '\0';
}

bool format_set_bridge(struct format_config *c, const char *domain) {
  if (!set_suffix(c, domain, "--domain"))
    return false;
  c->bridge = true; /* (IPv6 too: the bridge answers its dashed names, the probe's) */
  return true;
}

bool format_target_name(const struct format_config *c, const char *name, const struct address *a,
                        char out[NAME_MAX_LEN + 1]) {
  if (c->bridge && name) {
    int n = snprintf(out, NAME_MAX_LEN + 1, "%s.%s.%s", name, c->project, c->suffix);
    return c->project[0] && n > 0 && n <= NAME_MAX_LEN;
  }
  char addr[ADDRESS_TEXT_MAX];
  if (a->family == 6) {
    if (!c->ipv6)
      return false;
    ipv6_dashed(a->bytes, addr);
  } else {
    snprintf(addr, sizeof addr, c->dashed ? "%u-%u-%u-%u" : "%u.%u.%u.%u", a->bytes[0], a->bytes[1],
             a->bytes[2], a->bytes[3]);
  }
  int n = snprintf(out, NAME_MAX_LEN + 1, "%s.%s", addr, c->suffix);
  return n > 0 && n <= NAME_MAX_LEN;
}

bool format_gets_line(const struct format_config *c, const char *name,
                      const struct name_result *r) {
  return r->status == NAME_RESOLVED && !(c->format == FORMAT_ALIAS && name_is_dotted(name));
}

bool format_line(const struct format_config *c, const char *name, const struct name_result *r,
                 const char *check, struct strbuf *out, const char **why) {
  char line[LINE_MAX_BYTES];
  char target[NAME_MAX_LEN + 1];
  char addr[ADDRESS_TEXT_MAX];
  int n = -1;
  *why = NULL;
  if (r->status != NAME_RESOLVED || r->naddrs == 0) {
    *why = name_status_text(r->status);
    return false;
  }
  /* The name was validated on input; check again, as this is the last line
   * of defence for the file glibc will read. */
  if (name_invalid_reason(name, strlen(name))) {
    *why = "invalid name";
    return false;
  }
  bool have_target = format_target_name(c, name, &r->best, target);
  switch (c->format) {
  case FORMAT_ALIAS:
    if (name_is_dotted(name)) {
      *why = "has a dot, so glibc never looks it up in HOSTALIASES";
      return false;
    }
    if (!have_target) {
      *why = r->best.family == 6 ? "has only IPv6 addresses, and this provider has no IPv6"
                                 : "target name too long";
      return false;
    }
    n = snprintf(line, sizeof line, "%s %s\n", name, target);
    break;
  case FORMAT_HOSTS:
    address_format(&r->best, addr);
    n = snprintf(line, sizeof line, "%s %s\n", addr, name);
    break;
  case FORMAT_JSON: {
    json_t *o = json_object();
    json_t *list = json_array();
    size_t k = r->all ? r->naddrs : 1;
    for (size_t i = 0; i < k; i++) {
      address_format(r->all ? &r->all[i] : &r->best, addr);
      json_array_append_new(list, json_string(addr));
    }
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "addresses", list);
    json_object_set_new(o, "alias", have_target ? json_string(target) : json_null());
    json_object_set_new(o, "source", json_string(r->from_hosts ? "hosts" : "dns"));
    if (r->reach != ROUTE_UNKNOWN)
      json_object_set_new(o, "reachable", json_boolean(!route_unreachable(r->reach)));
    if (check)
      json_object_set_new(o, "check", json_string(check));
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    json_decref(o);
    if (!s)
      oom();
    strbuf_append(out, s, strlen(s));
    strbuf_append(out, "\n", 1);
    free(s);
    return true;
  }
  }
  if (n <= 0 || (size_t)n >= sizeof line) {
    *why = "line too long";
    return false;
  }
  strbuf_append(out, line, (size_t)n);
  return true;
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* A target as hostalias writes them: letters, digits, '-', '_' and dots,
 * no empty label. Unlike a key, a label may start with '-': sslip.io's
 * IPv6 form for ::1 is --1.sslip.io. */
static bool target_ok(const char *s, size_t len) {
  if (len == 0 || len > NAME_MAX_LEN || s[0] == '.' || s[len - 1] == '.')
    return false;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.') ||
        (c == '.' && s[i + 1] == '.'))
      return false;
  }
  return true;
}

bool format_line_key(enum format_kind f, const char *line, size_t len, const char **key,
                     size_t *keylen) {
  if (len == 0 || len >= LINE_MAX_BYTES || is_blank(line[0]))
    return false;
  if (memchr(line, '\0', len))
    return false;
  if (f == FORMAT_JSON) {
    json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
    json_t *name = o ? json_object_get(o, "name") : NULL;
    bool ok = false;
    if (json_is_string(name)) {
      /* Point into LINE: the same bytes appear there as a JSON string,
       * since valid names need no escaping. */
      const char *s = json_string_value(name);
      size_t sl = strlen(s);
      const char *at = memmem(line, len, s, sl);
      if (!name_invalid_reason(s, sl) && at) {
        *key = at;
        *keylen = sl;
        ok = true;
      }
    }
    json_decref(o);
    return ok;
  }
  /* Exactly two words separated by one space, as hostalias writes them. */
  const char *sp = memchr(line, ' ', len);
  if (!sp || memchr(sp + 1, ' ', len - (size_t)(sp - line) - 1) || memchr(line, '\t', len))
    return false;
  const char *w1 = line, *w2 = sp + 1;
  size_t l1 = (size_t)(sp - line), l2 = len - l1 - 1;
  if (f == FORMAT_HOSTS) {
    char a[ADDRESS_TEXT_MAX];
    struct address addr;
    if (l1 >= sizeof a)
      return false;
    memcpy(a, w1, l1);
    a[l1] = '\0';
    if (!address_parse(a, &addr) || name_invalid_reason(w2, l2))
      return false;
    *key = w2;
    *keylen = l2;
    return true;
  }
  if (name_invalid_reason(w1, l1) || name_is_dotted_n(w1, l1) || !target_ok(w2, l2))
    return false;
  *key = w1;
  *keylen = l1;
  return true;
}

/* Whether the name T (LEN bytes) is DOMAIN or a name under it, in any case. */
static bool in_domain(const char *t, size_t len, const char *domain) {
  size_t dl = strlen(domain);
  return len >= dl && strncasecmp(t + len - dl, domain, dl) == 0 &&
         (len == dl || t[len - dl - 1] == '.');
}

/* The address in a wildcard-DNS target as format_target_name writes it:
 * 172.27.0.2.SUFFIX, 172-27-0-2.SUFFIX, or sslip.io's 2001-db8--1.SUFFIX. */
static bool target_address(const struct format_config *c, const char *t, size_t len,
                           struct address *out) {
  size_t sl = strlen(c->suffix);
  if (len <= sl + 1 || !in_domain(t, len, c->suffix))
    return false;
  size_t al = len - sl - 1;
  char a[ADDRESS_TEXT_MAX];
  if (al >= sizeof a)
    return false;
  memcpy(a, t, al);
  a[al] = '\0';
  if (address_parse(a, out))
    return out->family == 4; /* dotted IPv4; IPv6 is never written with ':' */
  /* 172-27-0-2 is IPv4: digits and three dashes; anything else dashed is
   * IPv6 (fd00-beef--2 has three dashes too). */
  size_t dashes = 0, digits = 0;
  for (size_t i = 0; i < al; i++) {
    dashes += a[i] == '-';
    digits += a[i] >= '0' && a[i] <= '9';
  }
  bool v4 = dashes == 3 && digits == al - 3;
  for (size_t i = 0; i < al; i++)
    if (a[i] == '-')
      a[i] = v4 ? '.' : ':';
  return !strchr(t, ':') && address_parse(a, out) && out->family == (v4 ? 4 : 6);
}

bool format_line_other_domain(const struct format_config *c, const char *line, size_t len) {
  const char *key;
  size_t kl;
  if (c->format != FORMAT_ALIAS || !format_line_key(c->format, line, len, &key, &kl))
    return false;
  const char *t = (const char *)memchr(line, ' ', len) + 1;
  return !in_domain(t, len - (size_t)(t - line), c->suffix);
}

size_t format_line_addresses(const struct format_config *c, const char *line, size_t len,
                             struct address *out, size_t max) {
  const char *key;
  size_t kl;
  if (max == 0 || !format_line_key(c->format, line, len, &key, &kl))
    return 0;
  if (c->format == FORMAT_JSON) {
    json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
    size_t n = 0, i;
    json_t *v;
    json_array_foreach(json_object_get(o, "addresses"), i, v) {
      if (n < max && json_is_string(v) && address_parse(json_string_value(v), &out[n]))
        n++;
      else {
        n = 0; /* one that does not parse: the line cannot be trusted */
        break;
      }
    }
    json_decref(o);
    return n;
  }
  const char *sp = memchr(line, ' ', len);
  if (c->format == FORMAT_HOSTS) {
    char a[ADDRESS_TEXT_MAX];
    size_t al = (size_t)(sp - line);
    if (al >= sizeof a)
      return 0;
    memcpy(a, line, al);
    a[al] = '\0';
    return address_parse(a, out) ? 1 : 0;
  }
  return target_address(c, sp + 1, len - (size_t)(sp + 1 - line), out) ? 1 : 0;
}
