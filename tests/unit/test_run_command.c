/* SPDX-License-Identifier: MIT */
/* The pieces of hostalias CONTAINER -- COMMAND that need no namespace:
 * the nsswitch.conf rewrite and the choice of user. */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "privileges.h"
#include "run_command.h"
#include "tap.h"
#include "util.h"

static const char *rewrite(const char *in) {
  static struct strbuf out;
  strbuf_free(&out);
  run_command_nsswitch(in, strlen(in), &out);
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
  unsetenv("SUDO_GID");
  ok(invoker_init() && !under_sudo(), "no SUDO_UID: not under sudo");
  ok(run_user_choose("root", &u) && u.uid == 0 && u.keep_root && !strcmp(u.name, "root") &&
         !strcmp(u.home, "/root") && u.has_passwd,
     "--user root without sudo: root, with root's passwd entry");
  ok(run_user_choose("4299", &u) && u.uid == 4299 && u.gid == 4299 && !u.keep_root && !u.has_passwd,
     "--user with a uid that has no entry: that uid, gid the same");
  ok(!run_user_choose("no-such-user-here", &u), "--user with an unknown name refused");
  if (geteuid() == 0) {
    setenv("SUDO_UID", "4298", 1);
    setenv("SUDO_GID", "100", 1);
    ok(invoker_init() && under_sudo() && invoker()->uid == 4298 && invoker()->gid == 100,
       "SUDO_UID and SUDO_GID: under sudo, for uid 4298 gid 100");
    ok(run_user_choose(NULL, &u) && u.uid == 4298 && u.gid == 100 && !u.keep_root,
       "under sudo: SUDO_UID and SUDO_GID");
    ok(!run_user_choose("root", &u), "under sudo: --user root refused");
    ok(!run_user_choose("0", &u), "under sudo: --user 0 refused");
    ok(!run_user_choose("4299", &u), "under sudo: --user naming another user refused");
    ok(run_user_choose("4298", &u) && u.uid == 4298 && u.gid == 100 && !u.keep_root,
       "under sudo: --user naming the invoking user is allowed");
    setenv("SUDO_UID", "0", 1);
    ok(invoker_init() && !under_sudo() && run_user_choose(NULL, &u) && u.uid == 0 && u.keep_root,
       "SUDO_UID=0 (root ran sudo): root, not under sudo");
    setenv("SUDO_UID", "12x", 1);
    ok(!invoker_init(), "SUDO_UID that is not an id: refused");
    setenv("SUDO_UID", "4298", 1);
    setenv("SUDO_GID", "-1", 1);
    ok(!invoker_init(), "SUDO_GID that is not an id: refused");
    unsetenv("SUDO_GID");
    ok(invoker_init() && invoker()->uid == 4298 && invoker()->gid == 4298,
       "SUDO_UID alone, no passwd entry: the gid is the uid");
    struct passwd *pw = getpwnam("nobody");
    char nobody[32];
    snprintf(nobody, sizeof nobody, "%u", pw ? (unsigned)pw->pw_uid : 65534u);
    setenv("SUDO_UID", nobody, 1);
    ok(invoker_init() && invoker()->has_passwd && !strcmp(invoker()->name, "nobody") &&
           invoker()->gid == (pw ? pw->pw_gid : 65534u),
       "SUDO_UID alone: the gid and name from the passwd entry");
    unsetenv("SUDO_UID");
    ok(invoker_init() && run_user_choose(NULL, &u) && u.uid == 0 && u.keep_root,
       "root without sudo stays root");
  } else {
    setenv("SUDO_UID", "4298", 1);
    ok(invoker_init() && !under_sudo() && invoker()->uid == getuid(),
       "SUDO_UID only counts for root");
    unsetenv("SUDO_UID");
    ok(run_user_choose(NULL, &u) && u.uid == getuid() && !u.keep_root, "the caller");
  }
  return tap_done();
}
