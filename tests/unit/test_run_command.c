/* SPDX-License-Identifier: MIT */
/* The pieces of hostalias CONTAINER -- COMMAND that need no namespace:
 * the nsswitch.conf rewrite and the choice of user. */
#include <stdlib.h>
#include <string.h>

#include "run_command.h"
#include "tap.h"
#include "util.h"

static const char *rewrite(const char *in) {
  static struct strbuf out;
  strbuf_free(&out);
  nsswitch_hosts_files_dns(in, strlen(in), &out);
  return out.data ? out.data : "";
}

int main(void) {
  is_str(rewrite("passwd: files systemd\nhosts: files mdns4_minimal [NOTFOUND=return] dns "
                 "myhostname\nnetworks: files\n"),
         "passwd: files systemd\nhosts: files dns\nnetworks: files\n",
         "the hosts line replaced, every other line kept");
  is_str(rewrite("hosts: resolve [!UNAVAIL=return] files dns\n  hosts:\tdns\n"),
         "hosts: files dns\n", "every hosts line (even indented) becomes one");
  is_str(rewrite("passwd: files\n# hosts: dns\nhostsfoo: x"),
         "passwd: files\n# hosts: dns\nhostsfoo: x\nhosts: files dns\n",
         "comments and look-alike keys kept; a file without hosts gets one");
  is_str(rewrite(""), "hosts: files dns\n", "an empty file gets the hosts line");

  struct run_user u;
  unsetenv("SUDO_UID");
  ok(run_user_choose("root", &u) && u.uid == 0 && u.keep_root && !strcmp(u.name, "root"),
     "--user root: stays root");
  ok(run_user_choose("4299", &u) && u.uid == 4299 && u.gid == 4299 && !u.keep_root,
     "--user with a uid that has no entry: that uid, gid the same");
  ok(!run_user_choose("no-such-user-here", &u), "--user with an unknown name refused");
  if (geteuid() == 0) {
    setenv("SUDO_UID", "4298", 1);
    setenv("SUDO_GID", "100", 1);
    ok(run_user_choose(NULL, &u) && u.uid == 4298 && u.gid == 100 && !u.keep_root,
       "under sudo: SUDO_UID and SUDO_GID");
    unsetenv("SUDO_UID");
    unsetenv("SUDO_GID");
    ok(run_user_choose(NULL, &u) && u.uid == 0 && u.keep_root, "root without sudo stays root");
  } else {
    skip("SUDO_UID only counts for root");
    ok(run_user_choose(NULL, &u) && u.uid == getuid() && !u.keep_root, "the caller");
  }
  return tap_done();
}
