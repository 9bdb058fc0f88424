/* SPDX-License-Identifier: MIT */
/* userns_hint.c: which setting denies a user namespace, from the values
 * the kernel's files would hold, and the reading of those files. */
#include "userns_hint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "tap.h"

static bool says(const char *hint, const char *what) { return hint && strstr(hint, what); }

static void write_file(const char *dir, const char *name, const char *text) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

int main(void) {
  /* Ubuntu 23.10 and later: the AppArmor restriction, whether the kernel
   * refuses the namespace (EACCES) or makes it without capabilities, so
   * that writing its uid_map fails (EPERM). */
  const struct userns_settings ubuntu = {
      .apparmor_restrict = 1, .max_user_namespaces = 15000, .unprivileged_clone = -1};
  const char *h = userns_hint(USERNS_CREATE, EACCES, &ubuntu);
  ok(says(h, "kernel.apparmor_restrict_unprivileged_userns is 1"), "AppArmor: EACCES names it");
  ok(says(h, "apparmor_parser -r /etc/apparmor.d/hostalias"), "AppArmor: says how to load ours");
  ok(says(h, "sudo"), "AppArmor: or as root");
  is_str(userns_hint(USERNS_CREATE, EPERM, &ubuntu), h, "AppArmor: EPERM on creation too");
  is_str(userns_hint(USERNS_MAP, EPERM, &ubuntu), h, "AppArmor: the uid_map write refused");
  is_str(userns_hint(USERNS_MAP, EACCES, &ubuntu), h, "AppArmor: the map refused with EACCES");

  /* Debian's older kernels: the switch. */
  const struct userns_settings debian = {
      .apparmor_restrict = -1, .max_user_namespaces = 15000, .unprivileged_clone = 0};
  h = userns_hint(USERNS_CREATE, EPERM, &debian);
  ok(says(h, "kernel.unprivileged_userns_clone is 0"), "Debian: the switch named");
  ok(says(h, "sysctl -w kernel.unprivileged_userns_clone=1"), "Debian: how to turn it on");
  is_str(userns_hint(USERNS_MAP, EPERM, &debian), NULL,
         "Debian: a namespace made is not the switch's doing");
  /* Both: the switch is asked first, before any security module. */
  const struct userns_settings both = {
      .apparmor_restrict = 1, .max_user_namespaces = 15000, .unprivileged_clone = 0};
  ok(says(userns_hint(USERNS_CREATE, EPERM, &both), "unprivileged_userns_clone is 0"),
     "both: the switch first");
  ok(says(userns_hint(USERNS_MAP, EPERM, &both), "apparmor"), "both: the map is AppArmor's");

  /* A limit of 0 (RHEL 7's default): ENOSPC since Linux 4.9. */
  const struct userns_settings none = {
      .apparmor_restrict = 0, .max_user_namespaces = 0, .unprivileged_clone = 1};
  h = userns_hint(USERNS_CREATE, ENOSPC, &none);
  ok(says(h, "user.max_user_namespaces is 0"), "limit 0: named");
  ok(says(h, "sysctl -w user.max_user_namespaces="), "limit 0: how to raise it");
  is_str(userns_hint(USERNS_CREATE, EPERM, &none), h, "limit 0: said for EPERM too");
  const struct userns_settings permissive = {
      .apparmor_restrict = 0, .max_user_namespaces = 15000, .unprivileged_clone = 1};
  ok(says(userns_hint(USERNS_CREATE, ENOSPC, &permissive), "as many user namespaces"),
     "ENOSPC under a limit above 0: the limit reached");

  /* Nothing restricts: no hint, rather than a wrong one. */
  is_str(userns_hint(USERNS_CREATE, EPERM, &permissive), NULL, "all open: EPERM has no hint");
  is_str(userns_hint(USERNS_MAP, EPERM, &permissive), NULL, "all open: the map has no hint");
  const struct userns_settings absent = {-1, -1, -1};
  is_str(userns_hint(USERNS_CREATE, EPERM, &absent), NULL, "no setting known: no hint");
  is_str(userns_hint(USERNS_CREATE, ENOSPC, &absent), NULL, "no setting known: no ENOSPC hint");
  /* Joining is the owner's right whatever the settings say. */
  const struct userns_settings all = {1, 0, 0};
  is_str(userns_hint(USERNS_JOIN, EPERM, &all), NULL, "joining: none of them applies");
  is_str(userns_hint(USERNS_CREATE, ENOMEM, &all), NULL, "another errno: no hint");
  is_str(userns_hint(USERNS_CREATE, EINVAL, &ubuntu), NULL, "EINVAL: no hint");

  /* The files, as /proc/sys holds them. */
  char dir[] = "/tmp/test-userns-hint.XXXXXX";
  if (!mkdtemp(dir))
    return 1;
  char sub[64];
  snprintf(sub, sizeof sub, "%s/kernel", dir);
  mkdir(sub, 0700);
  snprintf(sub, sizeof sub, "%s/user", dir);
  mkdir(sub, 0700);
  write_file(dir, "kernel/apparmor_restrict_unprivileged_userns", "1\n");
  write_file(dir, "user/max_user_namespaces", "0\n");
  struct userns_settings s;
  errno = EBADF;
  userns_settings_read(dir, &s);
  ok(s.apparmor_restrict == 1 && s.max_user_namespaces == 0 && s.unprivileged_clone == -1,
     "read: 1, 0 and an absent file (-1)");
  ok(errno == EBADF, "read: errno left as it was");
  write_file(dir, "kernel/apparmor_restrict_unprivileged_userns", "yes\n");
  write_file(dir, "user/max_user_namespaces", "-5\n");
  write_file(dir, "kernel/unprivileged_userns_clone", "1");
  userns_settings_read(dir, &s);
  ok(s.apparmor_restrict == -1 && s.max_user_namespaces == -1 && s.unprivileged_clone == 1,
     "read: words and negative numbers are -1, no newline is fine");
  snprintf(sub, sizeof sub, "rm -r %s", dir);
  if (system(sub) != 0)
    return 1;

  /* userns_explain: a hint line on standard error, errno kept. */
  struct stderr_capture cap;
  char buf[1024];
  stderr_capture_begin(&cap);
  errno = EBADF;
  userns_explain(USERNS_JOIN, EPERM);
  int after = errno;
  ok(!*stderr_capture_end(&cap, buf, sizeof buf) && after == EBADF,
     "explain: nothing for a join, errno kept");
  struct userns_settings here;
  userns_settings_read("/proc/sys", &here);
  if (here.max_user_namespaces > 0) {
    stderr_capture_begin(&cap);
    userns_explain(USERNS_CREATE, ENOSPC);
    ok(says(stderr_capture_end(&cap, buf, sizeof buf), "hint: as many user namespaces"),
       "explain: this host's limit, as a hint");
  } else {
    skip("user.max_user_namespaces is not above 0 here");
  }
  return tap_done();
}
