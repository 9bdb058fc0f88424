/* SPDX-License-Identifier: MIT */
/* --check's reasons that need no resolver: nsswitch.conf and nscd. */
#include <string.h>

#include "check.h"
#include "tap.h"

static const char *obstacle(const char *nss, bool nscd) {
  return check_nss_obstacle(nss, strlen(nss), nscd);
}

int main(void) {
  ok(!obstacle("passwd: files\nhosts: files dns\n", false), "files dns: nothing in the way");
  ok(!obstacle("hosts: files mdns4_minimal [NOTFOUND=return] dns myhostname\n", false),
     "Debian's default with mDNS: dns is reached");
  ok(!obstacle("hosts: files resolve dns\n", false),
     "resolve without [!UNAVAIL=return]: dns still reached when resolve does not answer");
  const char *o =
      obstacle("hosts: mymachines resolve [!UNAVAIL=return] files myhostname dns\n", false);
  ok(o && strstr(o, "systemd-resolved before dns"), "Fedora's: resolve returns before dns");
  o = obstacle("hosts: files myhostname\n", false);
  ok(o && strstr(o, "has no dns"), "no dns at all");
  ok(!obstacle("# hosts: files\npasswd: files\n", false), "no hosts line: glibc's default has dns");
  ok(!obstacle("hosts: files dns # resolve [!UNAVAIL=return]\n", false), "a comment is no source");
  o = obstacle("hosts: files dns\n", true);
  ok(o && strstr(o, "nscd caches hosts"), "nscd caching hosts stands in the way");
  enum check_where w;
  ok(check_parse_where(NULL, &w) && w == CHECK_HOST && check_parse_where("netns", &w) &&
         w == CHECK_NETNS && check_parse_where("both", &w) && w == CHECK_BOTH &&
         !check_parse_where("elsewhere", &w),
     "--check, --check=netns, --check=both; nothing else");
  return tap_done();
}
