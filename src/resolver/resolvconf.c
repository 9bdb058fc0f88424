/* SPDX-License-Identifier: MIT */
#include "resolvconf.h"

#include <string.h>

#include "util.h"

void resolv_conf_init(struct resolv_conf *rc) {
  memset(rc, 0, sizeof *rc);
  rc->ndots = rc->timeout = rc->attempts = -1;
}

/* Copies the next blank-separated word of [*p, end) into WORD (truncating
 * flag set when it does not fit). Returns its length, 0 at end of line. */
static size_t next_word(const char **p, const char *end, char *word, size_t size, bool *toolong) {
  const char *s = *p;
  while (s < end && is_line_space(*s))
    s++;
  const char *w = s;
  while (s < end && !is_line_space(*s))
    s++;
  *p = s;
  size_t len = (size_t)(s - w);
  *toolong = len >= size;
  if (*toolong)
    len = size - 1;
  memcpy(word, w, len);
  word[len] = '\0';
  return (size_t)(s - w);
}

bool nameserver_parse(const char *text, struct nameserver *out) {
  memset(out, 0, sizeof *out);
  out->port = 53;
  char buf[ADDRESS_TEXT_MAX + IF_NAMESIZE + 16];
  size_t len = strlen(text);
  if (len == 0 || len >= sizeof buf)
    return false;
  memcpy(buf, text, len + 1);
  char *host = buf;
  char *port = NULL;
  if (buf[0] == '[') {
    char *close = strchr(buf, ']');
    if (!close)
      return false;
    *close = '\0';
    host = buf + 1;
    if (close[1] == ':')
      port = close + 2;
    else if (close[1] != '\0')
      return false;
  } else {
    char *colon = strchr(buf, ':');
    if (colon && !strchr(colon + 1, ':')) { /* exactly one colon: IPv4:PORT */
      *colon = '\0';
      port = colon + 1;
    }
  }
  char *pct = strchr(host, '%');
  if (pct) {
    *pct = '\0';
    size_t sl = strlen(pct + 1);
    if (sl == 0 || sl >= IF_NAMESIZE)
      return false;
    for (const char *c = pct + 1; *c; c++)
      if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            *c == '-' || *c == '_' || *c == '.'))
        return false;
    memcpy(out->scope, pct + 1, sl + 1);
  }
  if (!address_parse(host, &out->addr))
    return false;
  if (out->scope[0] && out->addr.family != 6)
    return false;
  if (port) {
    long p;
    if (!parse_long(port, 1, 65535, &p))
      return false;
    out->port = (uint16_t)p;
  }
  return true;
}

static void parse_option(struct resolv_conf *rc, const char *word, size_t *bad) {
  static const struct {
    const char *prefix;
    int max;
    size_t off;
  } numeric[] = {
      {"ndots:", RESOLV_NDOTS_MAX, offsetof(struct resolv_conf, ndots)},
      {"timeout:", RESOLV_TIMEOUT_MAX, offsetof(struct resolv_conf, timeout)},
      {"attempts:", RESOLV_ATTEMPTS_MAX, offsetof(struct resolv_conf, attempts)},
  };
  for (size_t i = 0; i < N_ELEMENTS(numeric); i++) {
    size_t pl = strlen(numeric[i].prefix);
    if (strncmp(word, numeric[i].prefix, pl) != 0)
      continue;
    long v;
    /* glibc clamps large values; so do we. Junk is ignored, as glibc does. */
    if (!parse_long(word + pl, 0, 1000000, &v)) {
      (*bad)++;
      return;
    }
    if (v > numeric[i].max)
      v = numeric[i].max;
    if (strcmp(numeric[i].prefix, "ndots:") != 0 && v < 1)
      v = 1;
    *(int *)((char *)rc + numeric[i].off) = (int)v;
    return;
  }
  /* Other options (rotate, edns0, use-vc, ...) change nothing we do. */
}

void resolv_conf_parse(struct resolv_conf *rc, const char *buf, size_t len, const char *source) {
  size_t extra_servers = 0, bad_lines = 0, bad_search = 0, nul_lines = 0;
  struct line_iter it = line_iter(buf, len);
  const char *line;
  size_t ll;
  while (line_next(&it, &line, &ll)) {
    const char *eol = line + ll;
    if (memchr(line, '\0', (size_t)(eol - line))) {
      nul_lines++;
      continue;
    }
    char word[NAME_MAX_LEN + 2];
    bool toolong;
    const char *q = line;
    if (!next_word(&q, eol, word, sizeof word, &toolong) || word[0] == '#' || word[0] == ';')
      continue;
    if (strcmp(word, "nameserver") == 0) {
      char addr[ADDRESS_TEXT_MAX + IF_NAMESIZE + 2];
      struct nameserver ns;
      /* Only ADDR or ADDR6%ZONE, as glibc reads it: no port syntax. What
       * follows the address on the line is ignored, as glibc does. */
      if (!next_word(&q, eol, addr, sizeof addr, &toolong) || toolong || strchr(addr, '[') ||
          (!strchr(addr, '%') && strchr(addr, ':') == strrchr(addr, ':') && strchr(addr, ':')) ||
          !nameserver_parse(addr, &ns)) {
        bad_lines++;
        continue;
      }
      if (rc->nservers < RESOLV_MAX_NAMESERVERS)
        rc->servers[rc->nservers++] = ns;
      else
        extra_servers++;
    } else if (strcmp(word, "search") == 0 || strcmp(word, "domain") == 0) {
      /* As in glibc, the last search or domain line wins. */
      bool domain_only = word[0] == 'd';
      rc->nsearch = 0;
      char d[NAME_MAX_LEN + 2];
      size_t dl;
      while ((dl = next_word(&q, eol, d, sizeof d, &toolong)) != 0) {
        if (!toolong && dl > 1 && d[dl - 1] == '.')
          d[--dl] = '\0'; /* an absolute domain is fine: drop its root dot */
        if (toolong || name_invalid_reason(d, dl)) {
          bad_search++;
          continue;
        }
        if (rc->nsearch < RESOLV_MAX_SEARCH)
          memcpy(rc->search[rc->nsearch++], d, dl + 1);
        else
          bad_search++;
        if (domain_only)
          break;
      }
    } else if (strcmp(word, "options") == 0) {
      char opt[64];
      while (next_word(&q, eol, opt, sizeof opt, &toolong))
        if (!toolong)
          parse_option(rc, opt, &bad_lines);
    } else if (strcmp(word, "sortlist") == 0 || strcmp(word, "lookup") == 0 ||
               strcmp(word, "family") == 0) {
      /* Deliberately ignored: a sortlist cannot change which address we
       * pick (we choose the lowest), and it was the source of c-ares CVEs. */
    } else {
      bad_lines++;
    }
  }
  if (extra_servers)
    /* Podman lists one nameserver per network, and more than glibc's
     * three is common there: a detail, not a warning on every run. */
    log_info("%s: %zu nameserver lines beyond the first %d ignored", source, extra_servers,
             RESOLV_MAX_NAMESERVERS);
  if (bad_lines)
    log_warn("%s: %zu malformed or unknown lines ignored", source, bad_lines);
  if (bad_search)
    log_warn("%s: %zu invalid or surplus search domains ignored", source, bad_search);
  if (nul_lines)
    log_warn("%s: %zu lines with NUL bytes ignored", source, nul_lines);
}
