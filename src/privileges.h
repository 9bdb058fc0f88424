/* SPDX-License-Identifier: MIT */
/* Giving up privilege for good, in the process that talks to the
 * container's DNS server. */
#pragma once

#include <stdbool.h>

/* False, with a message, when running setuid/setgid or with file
 * capabilities (AT_SECURE): refused, as bubblewrap does; hostalias is meant
 * to be run by root, via sudo. */
bool privileges_safe_to_run(void);

/* Drops everything: supplementary groups, uid/gid to nobody (65534) when
 * root, the capability bounding set, ambient and permitted capabilities,
 * then sets no_new_privs. IN_USER_NS: the process joined a rootless
 * container's user namespace, where the uid change may be impossible (the
 * capabilities still go). Returns false, with a message, if any step that
 * should succeed fails. */
bool drop_privileges(bool in_user_ns);
