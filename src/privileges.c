/* SPDX-License-Identifier: MIT */
#include "privileges.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define NOBODY 65534

bool privileges_safe_to_run(void) {
  if (getauxval(AT_SECURE) || getuid() != geteuid() || getgid() != getegid()) {
    log_error("refusing to run setuid, setgid or with file capabilities; "
              "run hostalias as root (for example with sudo) instead");
    return false;
  }
  return true;
}

static int last_cap(void) {
  FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
  int n = CAP_LAST_CAP;
  if (f) {
    if (fscanf(f, "%d", &n) != 1 || n < 0 || n > 63)
      n = CAP_LAST_CAP;
    fclose(f);
  }
  return n;
}

bool drop_privileges(bool in_user_ns) {
  bool root = geteuid() == 0;
  /* The bounding set needs CAP_SETPCAP, which goes with the uid change. */
  int last = last_cap();
  for (int cap = 0; cap <= last; cap++)
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL && root) {
      log_error_errno("cannot drop capability %d from the bounding set", cap);
      return false;
    }
  (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (root) {
    /* In a rootless container's user namespace, only mapped ids exist (65534
     * may not) and setgroups may be denied: the caller is unprivileged on
     * the host anyway, and the capabilities go below. */
    bool ok = (setgroups(0, NULL) == 0 || in_user_ns) && setresgid(NOBODY, NOBODY, NOBODY) == 0 &&
              setresuid(NOBODY, NOBODY, NOBODY) == 0;
    if (!ok && !in_user_ns) {
      log_error_errno("cannot switch to uid/gid %d", NOBODY);
      return false;
    }
  }
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  if (syscall(SYS_capset, &hdr, data) < 0) {
    log_error_errno("cannot clear capabilities");
    return false;
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    log_error_errno("cannot set no_new_privs");
    return false;
  }
  /* Check, rather than trust, that nothing is left. */
  memset(data, 0xff, sizeof data);
  if (syscall(SYS_capget, &hdr, data) < 0 || data[0].effective || data[1].effective ||
      data[0].permitted || data[1].permitted) {
    log_error("capabilities are still held after dropping them");
    return false;
  }
  return true;
}
