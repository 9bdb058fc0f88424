/* SPDX-License-Identifier: MIT */
/* The container's resolv.conf parser, with the files a container may hold. */
#include "resolvconf.h"
#include "tap.h"
#include "util.h"

static void parse(struct resolv_conf *rc, const char *text, size_t len) {
  resolv_conf_init(rc);
  resolv_conf_parse(rc, text, len, "test resolv.conf");
}
#define PARSE(rc, lit) parse(rc, lit, sizeof(lit) - 1)

int main(void) {
  struct resolv_conf rc;
  char a[ADDRESS_TEXT_MAX];

  PARSE(&rc, "nameserver 127.0.0.11\noptions ndots:0\n");
  ok(rc.nservers == 1, "Docker's file: one nameserver");
  address_format(&rc.servers[0].addr, a);
  is_str(a, "127.0.0.11", "Docker's nameserver");
  ok(rc.ndots == 0, "ndots:0");
  ok(rc.timeout == -1 && rc.attempts == -1, "timeout and attempts unset");

  PARSE(&rc, "# comment\n; comment\nnameserver 10.0.0.1\nnameserver fe80::1%eth0\n"
             "nameserver 2001:db8::53\nnameserver 10.0.0.4\n"
             "search a.example b.example\noptions timeout:3 attempts:9 ndots:99 rotate\n");
  ok(rc.nservers == 3, "at most three nameservers (got %zu)", rc.nservers);
  is_str(rc.servers[1].scope, "eth0", "IPv6 scope kept");
  ok(rc.servers[2].addr.family == 6, "IPv6 nameserver");
  ok(rc.nsearch == 2, "two search domains");
  is_str(rc.search[1], "b.example", "second search domain");
  ok(rc.timeout == 3, "timeout:3");
  ok(rc.attempts == RESOLV_ATTEMPTS_MAX, "attempts clamped to 5");
  ok(rc.ndots == RESOLV_NDOTS_MAX, "ndots clamped to 15");

  PARSE(&rc, "search one.example\ndomain two.example\n");
  ok(rc.nsearch == 1, "last of search/domain wins");
  is_str(rc.search[0], "two.example", "domain line");

  PARSE(&rc, "search ok.example. bad..example "
             "a.b.c.d.e.f.g\n");
  ok(rc.nsearch == 2, "invalid search domain dropped, trailing dot removed (got %zu)", rc.nsearch);
  is_str(rc.search[0], "ok.example", "trailing dot removed");

  PARSE(&rc, "nameserver not-an-address\nnameserver\nnameserver 1.2.3.4:53\n"
             "nameserver [::1]:53\nnameserver 300.1.1.1\nnameserver 10.0.0.1 trailing\n");
  ok(rc.nservers == 1,
     "only the well-formed nameserver, trailing words ignored as glibc does (got %zu)",
     rc.nservers);
  address_format(&rc.servers[0].addr, a);
  is_str(a, "10.0.0.1", "the one with trailing words");

  const char nul[] = "nameserver 10.9.9.9\0\nnameserver 10.0.0.2\n";
  parse(&rc, nul, sizeof nul - 1);
  ok(rc.nservers == 1, "line with NUL ignored");
  address_format(&rc.servers[0].addr, a);
  is_str(a, "10.0.0.2", "the line after the NUL");

  /* 10,000 nameserver lines: three kept, the rest counted. */
  size_t cap = 10000 * 24, len = 0;
  char *many = xmalloc(cap);
  for (int i = 0; i < 10000; i++)
    len += (size_t)snprintf(many + len, cap - len, "nameserver 10.0.%d.%d\n", i / 250, i % 250);
  parse(&rc, many, len);
  ok(rc.nservers == 3, "10,000 nameserver lines: three kept");
  free(many);

  PARSE(&rc, "");
  ok(rc.nservers == 0 && rc.nsearch == 0, "empty file");

  PARSE(&rc, "options timeout:0 attempts:0 ndots:-1 timeout:x\n");
  ok(rc.timeout == 1 && rc.attempts == 1 && rc.ndots == -1, "zero raised to 1, junk ignored");

  struct nameserver ns;
  ok(nameserver_parse("10.0.0.1:5353", &ns) && ns.port == 5353, "--server ADDR:PORT");
  ok(nameserver_parse("[2001:db8::1]:5300", &ns) && ns.port == 5300 && ns.addr.family == 6,
     "--server [ADDR6]:PORT");
  ok(nameserver_parse("::1", &ns) && ns.port == 53, "--server ADDR6");
  ok(!nameserver_parse("10.0.0.1:0", &ns), "port 0 refused");
  ok(!nameserver_parse("10.0.0.1:70000", &ns), "port 70000 refused");
  ok(!nameserver_parse("10.0.0.1%eth0", &ns), "scope on IPv4 refused");
  ok(!nameserver_parse("[::1", &ns), "unclosed bracket refused");
  ok(!nameserver_parse("fe80::1%bad/iface", &ns), "bad scope refused");
  return tap_done();
}
