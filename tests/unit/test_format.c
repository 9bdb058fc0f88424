/* SPDX-License-Identifier: MIT */
/* Formatting: providers, dashed and IPv6 forms, the three formats, and the
 * keys of previously written lines. */
#include "format.h"
#include "tap.h"
#include "util.h"

static struct name_result resolved(const char *addr) {
  struct name_result r = {.status = NAME_RESOLVED};
  struct address a;
  address_parse(addr, &a);
  name_result_add(&r, &a, false);
  return r;
}

static const char *line(struct format_config *c, const char *name, struct name_result *r) {
  static struct strbuf b;
  strbuf_free(&b);
  const char *why;
  if (!format_line(c, name, r, NULL, &b, &why))
    return why;
  return b.data;
}

static const char *target(struct format_config *c, const char *addr) {
  static char out[NAME_MAX_LEN + 1];
  struct address a;
  address_parse(addr, &a);
  return format_target_name(c, NULL, &a, out) ? out : "(none)";
}

int main(void) {
  struct format_config c = {.format = FORMAT_ALIAS};
  ok(format_set_provider(&c, "traefik.me"), "traefik.me");
  struct name_result r = resolved("172.27.0.2");
  is_str(line(&c, "postgres", &r), "postgres 172.27.0.2.traefik.me\n", "reference format");
  c.dashed = true;
  is_str(line(&c, "postgres", &r), "postgres 172-27-0-2.traefik.me\n", "dashed");
  c.dashed = false;
  is_str(target(&c, "2001:db8::1"), "(none)", "traefik.me has no IPv6");
  struct name_result r6 = resolved("2001:db8::1");
  is_str(line(&c, "v6only", &r6), "has only IPv6 addresses, and this provider has no IPv6",
         "IPv6 on a v4-only provider is an error, not a line");

  ok(format_set_provider(&c, "sslip.io"), "sslip.io");
  is_str(target(&c, "2001:db8::1"), "2001-db8--1.sslip.io", "IPv6 dashed");
  is_str(target(&c, "::1"), "--1.sslip.io", "::1 is --1");
  is_str(target(&c, "fe80::"), "fe80--.sslip.io", "trailing zero run");
  is_str(target(&c, "::ffff:1.2.3.4"), "--ffff-102-304.sslip.io", "v4-mapped stays hex");
  is_str(target(&c, "1:0:0:2:0:0:0:3"), "1-0-0-2--3.sslip.io", "longest zero run compressed");
  is_str(target(&c, "1:0:2:0:3:0:4:0"), "1-0-2-0-3-0-4-0.sslip.io", "single zeros kept");

  ok(format_set_provider(&c, "nip.io"), "nip.io");
  ok(format_set_provider(&c, "xip.io"), "xip.io allowed (with a warning)");
  ok(!format_set_provider(&c, "example.com"), "unknown provider refused");
  ok(format_set_suffix(&c, "wild.example.net"), "--suffix");
  is_str(line(&c, "pg", &r), "pg 172.27.0.2.wild.example.net\n", "suffix used");
  ok(!format_set_suffix(&c, "nodot"), "suffix without a dot refused");
  ok(!format_set_suffix(&c, "bad suffix.com"), "suffix with a space refused");
  ok(!format_set_suffix(&c, "a..b"), "suffix with an empty label refused");

  /* --bridge-names: NAME.PROJECT.DOMAIN, whatever the address. */
  struct format_config b = {.format = FORMAT_ALIAS};
  ok(format_set_bridge(&b, "hostalias.internal") && b.bridge, "--bridge-names");
  is_str(line(&b, "postgres", &r), "target name too long",
         "no project yet: no line (the pass sets it)");
  snprintf(b.project, sizeof b.project, "huginn");
  is_str(line(&b, "postgres", &r), "postgres postgres.huginn.hostalias.internal\n",
         "the bridge's name for postgres of huginn");
  is_str(line(&b, "v6only", &r6), "v6only v6only.huginn.hostalias.internal\n",
         "an IPv6-only name too: the bridge answers AAAA");
  is_str(target(&b, "172.27.0.2"), "172.27.0.2.hostalias.internal",
         "no name (the --check probe): the bridge's wildcard-IP name");
  ok(!format_set_bridge(&b, "nodot"), "a bridge domain without a dot refused");

  format_set_provider(&c, "traefik.me");
  is_str(line(&c, "pg.internal", &r), "has a dot, so glibc never looks it up in HOSTALIASES",
         "dotted names never reach an alias file");
  struct name_result nx = {.status = NAME_NXDOMAIN};
  is_str(line(&c, "ghost", &nx), "no such name", "failed names give no line");
  struct name_result bogus = {.status = NAME_RESOLVED, .naddrs = 0};
  is_str(line(&c, "empty", &bogus), "resolved", "resolved without an address gives no line");
  is_str(line(&c, "bad name", &r), "invalid name", "invalid name refused at output too");

  c.format = FORMAT_HOSTS;
  is_str(line(&c, "pg.internal", &r), "172.27.0.2 pg.internal\n", "hosts format keeps dotted");
  is_str(line(&c, "v6", &r6), "2001:db8::1 v6\n", "hosts format with IPv6");

  c.format = FORMAT_JSON;
  struct name_result multi = {.status = NAME_RESOLVED};
  const char *addrs[] = {"10.0.0.3", "10.0.0.1", "10.0.0.2", "10.0.0.1"};
  for (size_t i = 0; i < 4; i++) {
    struct address a;
    address_parse(addrs[i], &a);
    name_result_add(&multi, &a, true);
  }
  is_str(line(&c, "web", &multi),
         "{\"name\":\"web\",\"addresses\":[\"10.0.0.1\",\"10.0.0.2\",\"10.0.0.3\"],"
         "\"alias\":\"10.0.0.1.traefik.me\",\"source\":\"dns\"}\n",
         "json: sorted unique addresses, lowest as alias");
  free(multi.all);

  /* 500 addresses: the 32 lowest kept, the lowest chosen whatever the order. */
  struct name_result many = {.status = NAME_RESOLVED};
  for (int i = 499; i >= 0; i--) {
    struct address a = {.family = 4, .bytes = {10, 1, (uint8_t)(i / 256), (uint8_t)(i % 256)}};
    name_result_add(&many, &a, true);
  }
  ok(many.naddrs == RESULT_ADDRS_MAX, "500 addresses: %d kept", RESULT_ADDRS_MAX);
  ok(many.best.bytes[2] == 0 && many.best.bytes[3] == 0 && many.all[0].bytes[3] == 0 &&
         many.all[31].bytes[3] == 31,
     "the lowest ones, in order");
  free(many.all);

  const char *key;
  size_t kl;
  ok(format_line_key(FORMAT_ALIAS, "postgres 1.2.3.4.traefik.me", 27, &key, &kl) && kl == 8 &&
         !strncmp(key, "postgres", 8),
     "alias line key");
  ok(format_line_key(FORMAT_ALIAS, "v6 --1.sslip.io", 15, &key, &kl) && kl == 2,
     "alias line with sslip.io's ::1 form");
  ok(!format_line_key(FORMAT_ALIAS, "pg.internal 1.2.3.4.traefik.me", 30, &key, &kl),
     "alias line with a dotted key is not ours");
  ok(!format_line_key(FORMAT_ALIAS, " postgres x.traefik.me", 22, &key, &kl),
     "line starting with a space is not ours");
  ok(!format_line_key(FORMAT_ALIAS, "postgres", 8, &key, &kl), "key without target is not ours");
  ok(!format_line_key(FORMAT_ALIAS, "wtf? I get nothing for x", 24, &key, &kl),
     "the reference script's junk is not ours");
  ok(format_line_key(FORMAT_HOSTS, "10.0.0.1 pg.internal", 20, &key, &kl) && kl == 11,
     "hosts line key is the name");
  const char *js = "{\"name\":\"web\",\"addresses\":[\"10.0.0.1\"]}";
  ok(format_line_key(FORMAT_JSON, js, strlen(js), &key, &kl) && kl == 3 && !strncmp(key, "web", 3),
     "json line key");
  ok(!format_line_key(FORMAT_JSON, "{\"name\":1}", 10, &key, &kl), "json without a name string");
  /* The addresses a previous line points at, in each format and form. */
  struct address got[4];
  struct format_config fc = {.format = FORMAT_ALIAS};
  format_set_provider(&fc, "sslip.io");
  const struct {
    const char *line, *want;
  } back[] = {
      {"pg 172.27.0.2.sslip.io", "172.27.0.2"},
      {"pg 172-27-0-2.sslip.io", "172.27.0.2"},
      {"pg fd00-beef--2.sslip.io", "fd00:beef::2"},
      {"pg --1.sslip.io", "::1"},
      {"pg 2001-db8-1-2-3-4-5-6.sslip.io", "2001:db8:1:2:3:4:5:6"},
  };
  for (size_t i = 0; i < N_ELEMENTS(back); i++) {
    char text[ADDRESS_TEXT_MAX] = "";
    size_t n = format_line_addresses(&fc, back[i].line, strlen(back[i].line), got, 4);
    if (n == 1)
      address_format(&got[0], text);
    is_str(text, back[i].want, "address of \"%s\"", back[i].line);
  }
  ok(format_line_addresses(&fc, "pg 1.2.3.4.traefik.me", 21, got, 4) == 0,
     "another provider's line: cannot tell");
  ok(format_line_addresses(&fc, "pg www.1.2.3.4.sslip.io", 23, got, 4) == 0,
     "a form hostalias never writes: cannot tell");
  ok(format_line_other_domain(&fc, "pg 1.2.3.4.traefik.me", 21), "traefik.me line: another domain");
  ok(format_line_other_domain(&fc, "pg 1.2.3.4.xsslip.io", 20),
     "xsslip.io line: another domain, though it ends in sslip.io");
  ok(!format_line_other_domain(&fc, "pg www.1.2.3.4.SSLIP.IO", 23),
     "sslip.io line, any case: this domain");
  ok(!format_line_other_domain(&fc, "pg sslip.io", 11), "the bare domain: not another domain");
  fc.format = FORMAT_HOSTS;
  ok(format_line_addresses(&fc, "10.1.2.3 pg", 11, got, 4) == 1 && got[0].bytes[3] == 3,
     "hosts line");
  fc.format = FORMAT_JSON;
  const char js2[] = "{\"name\":\"pg\",\"addresses\":[\"10.0.0.1\",\"10.0.0.2\"]}";
  ok(format_line_addresses(&fc, js2, strlen(js2), got, 4) == 2, "json line: every address");

  /* keep_all makes a list only at the second distinct address. */
  struct name_result lazy = {0};
  struct address a1, a2;
  address_parse("10.0.0.9", &a1);
  address_parse("10.0.0.3", &a2);
  name_result_add(&lazy, &a1, true);
  name_result_add(&lazy, &a1, true);
  ok(!lazy.all && lazy.naddrs == 1, "one address, twice: no list");
  name_result_add(&lazy, &a2, true);
  ok(lazy.all && lazy.naddrs == 2 && lazy.best.bytes[3] == 3 && lazy.all[0].bytes[3] == 3 &&
         lazy.all[1].bytes[3] == 9,
     "a second address: sorted list of both, best the lowest");
  free(lazy.all);
  /* Which names get a line at all: resolved, and not dotted in an alias file. */
  struct format_config alias = {.format = FORMAT_ALIAS}, hosts = {.format = FORMAT_HOSTS};
  struct name_result none = {.status = NAME_NXDOMAIN};
  ok(format_gets_line(&alias, "postgres", &r), "alias: a resolved name gets a line");
  ok(!format_gets_line(&alias, "postgres", &none), "alias: an unresolved one does not");
  ok(!format_gets_line(&alias, "db.backend", &r),
     "alias: a dotted one does not (glibc never aliases it)");
  ok(format_gets_line(&hosts, "db.backend", &r), "hosts: a dotted one does");
  return tap_done();
}
