/* SPDX-License-Identifier: MIT */
/* address.c: parsing, formatting and the total order that picks the one
 * address a line is written with. */
#include "address.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include "tap.h"
#include "util.h"

static const char *round_trip(const char *text) {
  static char out[ADDRESS_TEXT_MAX];
  struct address a;
  if (!address_parse(text, &a))
    return "(refused)";
  address_format(&a, out);
  return out;
}

static int cmp(const char *x, const char *y) {
  struct address a, b;
  if (!address_parse(x, &a) || !address_parse(y, &b))
    return 99;
  int c = address_compare(&a, &b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

int main(void) {
  is_str(round_trip("172.27.0.2"), "172.27.0.2", "IPv4");
  is_str(round_trip("0.0.0.0"), "0.0.0.0", "IPv4 zero");
  is_str(round_trip("2001:db8:0:0:0:0:0:1"), "2001:db8::1", "IPv6, written short");
  is_str(round_trip("::ffff:10.0.0.1"), "::ffff:10.0.0.1", "IPv4-mapped IPv6 stays IPv6");
  struct address a;
  ok(address_parse("10.0.0.1", &a) && a.family == 4 && a.bytes[0] == 10 && a.bytes[3] == 1,
     "family 4, bytes in network order");
  ok(address_parse("::1", &a) && a.family == 6 && a.bytes[15] == 1, "family 6");
  const char *bad[] = {"",         "1.2.3",      "1.2.3.4.5", "256.1.1.1",
                       "1.2.3.4 ", " 1.2.3.4",   "01.2.3.4x", "fe80::1%eth0",
                       "::g",      "1.2.3.4/24", "localhost"};
  for (size_t i = 0; i < N_ELEMENTS(bad); i++)
    ok(!address_parse(bad[i], &a), "\"%s\" refused", bad[i]);

  ok(cmp("10.0.0.2", "10.0.0.10") == -1, "IPv4 by value, not by text");
  ok(cmp("10.0.0.2", "10.0.0.2") == 0, "equal");
  ok(cmp("255.255.255.255", "::") == -1, "every IPv4 before any IPv6");
  ok(cmp("2001:db8::2", "2001:db8::1") == 1, "IPv6 by bytes");

  /* Socket addresses, both ways. */
  const char *both[] = {"172.27.0.2", "2001:db8::53"};
  for (size_t i = 0; i < N_ELEMENTS(both); i++) {
    struct address in, out;
    struct sockaddr_storage ss;
    address_parse(both[i], &in);
    socklen_t sl = address_to_sockaddr(&in, 53, &ss);
    ok(sl == (in.family == 4 ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) &&
           ss.ss_family == (in.family == 4 ? AF_INET : AF_INET6),
       "%s: its socket address, of its family and length", both[i]);
    ok(ntohs(in.family == 4 ? ((struct sockaddr_in *)&ss)->sin_port
                            : ((struct sockaddr_in6 *)&ss)->sin6_port) == 53,
       "%s: the port in network order", both[i]);
    ok(address_from_sockaddr((struct sockaddr *)&ss, sl, &out) && !address_compare(&in, &out),
       "%s: and back", both[i]);
    ok(!address_from_sockaddr((struct sockaddr *)&ss, sl - 1, &out) && out.family == 0,
       "%s: one byte short: refused", both[i]);
  }
  struct sockaddr_un un = {.sun_family = AF_UNIX};
  ok(!address_from_sockaddr((struct sockaddr *)&un, sizeof un, &a), "AF_UNIX: refused");
  ok(!address_from_sockaddr(NULL, 0, &a), "no address: refused");
  return tap_done();
}
