/* SPDX-License-Identifier: MIT */
/* Why the kernel would not make a user namespace, and what to do: the
 * settings that deny unprivileged user namespaces (Ubuntu's AppArmor
 * restriction, a zero limit, Debian's older switch), read from /proc/sys
 * and turned into one line of advice. The rootless path needs them. */
#pragma once

/* The settings, each as /proc/sys says, or -1 when the file is absent or
 * unreadable (the kernel has no such setting). */
struct userns_settings {
  long apparmor_restrict;   /* kernel.apparmor_restrict_unprivileged_userns */
  long max_user_namespaces; /* user.max_user_namespaces */
  long unprivileged_clone;  /* kernel.unprivileged_userns_clone (Debian) */
};

/* What failed: making a user namespace (unshare or clone), writing its
 * uid_map, gid_map or setgroups, or joining one that exists (setns). */
enum userns_step { USERNS_CREATE, USERNS_MAP, USERNS_JOIN };

/* Reads the settings under DIR (normally "/proc/sys"). */
void userns_settings_read(const char *dir, struct userns_settings *out);

/* The advice for STEP failing with errno ERR under the settings S: which
 * setting denies it and what to do, as a sentence; NULL when none of them
 * explains ERR (another errno, a step no setting restricts: joining is
 * allowed to the namespace's owner whatever they say). Pure. */
const char *userns_hint(enum userns_step step, int err, const struct userns_settings *s);

/* Reads the settings and reports userns_hint's advice, if any, as an
 * error's hint. Leaves errno as it found it. */
void userns_explain(enum userns_step step, int err);
