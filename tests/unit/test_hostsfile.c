/* SPDX-License-Identifier: MIT */
/* The container's /etc/hosts parser, and answering names from it. */
#include "hostsfile.h"
#include "resolve.h"
#include "tap.h"
#include "util.h"

static size_t calls;
static void count(const char *n, size_t l, const struct address *a, void *c) {
  (void)n, (void)l, (void)a, (void)c;
  calls++;
}

int main(void) {
  const char hosts[] = "127.0.0.1\tlocalhost\n"
                       "::1\tlocalhost ip6-localhost ip6-loopback\n"
                       "172.18.0.3\td205030c7bd1 web   # the container itself\n"
                       "172.18.0.9 WEB\n"
                       "fe80::1%eth0 linklocal\n"
                       "not-an-address name\n"
                       "10.0.0.1 bad/name good-name\n"
                       "   \n#only a comment\n"
                       "10.0.0.2\n";
  size_t n = hosts_parse(hosts, sizeof hosts - 1, "test hosts", count, NULL);
  ok(n == 9 && calls == 9, "nine (name, address) pairs (got %zu)", n);

  struct name_list l;
  name_list_init(&l);
  name_list_add(&l, "web", 3, "t", 1);
  name_list_add(&l, "localhost", 9, "t", 2);
  name_list_add(&l, "good-name", 9, "t", 3);
  name_list_add(&l, "absent", 6, "t", 4);
  struct name_result *r = xcalloc(l.count, sizeof *r);
  resolve_from_hosts(hosts, sizeof hosts - 1, "test hosts", &l, FAMILY_V4, true, r);
  char a[ADDRESS_TEXT_MAX];
  ok(r[0].status == NAME_RESOLVED && r[0].from_hosts, "web answered from hosts");
  ok(r[0].naddrs == 2, "web: both addresses, case-insensitively");
  address_format(&r[0].best, a);
  is_str(a, "172.18.0.3", "web: the lowest address is chosen");
  ok(r[1].naddrs == 1 && r[1].best.family == 4, "localhost: IPv4 only when asked for IPv4");
  ok(r[2].status == NAME_RESOLVED, "a valid name after an invalid one on the same line");
  ok(r[3].status == NAME_PENDING, "absent name left for DNS");
  name_results_free(r, l.count);

  r = xcalloc(l.count, sizeof *r);
  resolve_from_hosts(hosts, sizeof hosts - 1, "test hosts", &l, FAMILY_V6, false, r);
  ok(r[1].status == NAME_RESOLVED && r[1].best.family == 6, "localhost ::1 when asked for IPv6");
  ok(r[0].status == NAME_PENDING, "web has no IPv6 entry");
  name_results_free(r, l.count);
  name_list_free(&l);

  /* Hostile content: NULs, no newline at the end, a huge line. */
  const char nul[] = "10.0.0.1 a\0b\n10.0.0.2 ok";
  calls = 0;
  hosts_parse(nul, sizeof nul - 1, "test hosts", count, NULL);
  ok(calls == 1, "NUL line skipped, unterminated last line read");
  size_t big = 2 * 1024 * 1024;
  char *huge = xmalloc(big);
  memset(huge, 'a', big);
  calls = 0;
  hosts_parse(huge, big, "test hosts", count, NULL);
  ok(calls == 0, "2 MiB of junk: nothing");
  free(huge);
  return tap_done();
}
