/* SPDX-License-Identifier: MIT */
#include "userns_hint.h"

#include <errno.h>
#include <stdio.h>

#include "diagnostics.h"
#include "util.h"

/* DIR/NAME's number, or -1. */
static long read_setting(const char *dir, const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "re");
  if (!f)
    return -1;
  char line[32];
  long v;
  bool ok = fgets(line, sizeof line, f) != NULL;
  if (ok)
    line[strcspn(line, "\n")] = '\0';
  ok = ok && parse_long(line, 0, 0x7fffffff, &v);
  fclose(f);
  return ok ? v : -1;
}

void userns_settings_read(const char *dir, struct userns_settings *out) {
  int saved = errno;
  out->apparmor_restrict = read_setting(dir, "kernel/apparmor_restrict_unprivileged_userns");
  out->max_user_namespaces = read_setting(dir, "user/max_user_namespaces");
  out->unprivileged_clone = read_setting(dir, "kernel/unprivileged_userns_clone");
  errno = saved;
}

#define OR_ROOT "; or run hostalias as root (sudo)"

static const char apparmor_hint[] =
    "kernel.apparmor_restrict_unprivileged_userns is 1 (Ubuntu 23.10 and later): AppArmor lets "
    "only a program whose profile allows it make user namespaces. As root, load hostalias's "
    "profile (the package installs it): apparmor_parser -r /etc/apparmor.d/hostalias" OR_ROOT;
static const char no_userns_hint[] =
    "user.max_user_namespaces is 0: no user may make a user namespace. As root: sysctl -w "
    "user.max_user_namespaces=15000 (in /etc/sysctl.d/ to keep it)" OR_ROOT;

const char *userns_hint(enum userns_step step, int err, const struct userns_settings *s) {
  if (step == USERNS_JOIN)
    return NULL; /* none of them restricts setns: the owner may join */
  if (step == USERNS_MAP)
    return (err == EPERM || err == EACCES) && s->apparmor_restrict == 1 ? apparmor_hint : NULL;
  if (err == ENOSPC) {
    if (s->max_user_namespaces == 0)
      return no_userns_hint;
    if (s->max_user_namespaces > 0)
      return "as many user namespaces as user.max_user_namespaces allows exist already (or 32 "
             "are nested): end some, or, as root, raise the limit (sysctl -w "
             "user.max_user_namespaces=N)" OR_ROOT;
    return NULL;
  }
  if (err != EPERM && err != EACCES)
    return NULL;
  if (s->unprivileged_clone == 0)
    return "kernel.unprivileged_userns_clone is 0: this kernel lets only root make user "
           "namespaces. As root: sysctl -w kernel.unprivileged_userns_clone=1 (in /etc/sysctl.d/ "
           "to keep it)" OR_ROOT;
  if (s->apparmor_restrict == 1)
    return apparmor_hint;
  if (s->max_user_namespaces == 0) /* ENOSPC since Linux 4.9, but said either way */
    return no_userns_hint;
  return NULL;
}

void userns_explain(enum userns_step step, int err) {
  int saved = errno;
  struct userns_settings s;
  userns_settings_read("/proc/sys", &s);
  const char *hint = userns_hint(step, err, &s);
  if (hint)
    log_error("hint: %s", hint);
  errno = saved;
}
