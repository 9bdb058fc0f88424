/* SPDX-License-Identifier: MIT */
/* address.c: parsing, formatting and the total order that picks the one
 * address a line is written with. */
#include "address.h"
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
  return tap_done();
}
