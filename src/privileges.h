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
 * then sets no_new_privs. Returns false, with a message, if any step that
 * should succeed fails. */
bool drop_privileges(void);
