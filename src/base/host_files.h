/* SPDX-License-Identifier: MIT */
/* The host's own small configuration files (/etc/resolv.conf, /etc/hosts,
 * /etc/nsswitch.conf): trusted as root's, but bounded. One reader, and one
 * reading of nsswitch.conf's hosts line, for --check and -- COMMAND. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* Enough for any real one; a bigger file is refused, not cut. */
#define HOST_FILE_MAX (1024 * 1024)

/* Appends the whole of PATH to OUT. False when it cannot be opened or read,
 * or holds more than MAX bytes (OUT then holds a prefix; do not use it). */
bool host_file_read(const char *path, size_t max, struct strbuf *out);

/* Whether the line P (L bytes, no newline) is nsswitch.conf's hosts line:
 * "hosts", blanks, ':' (glibc allows blanks before the colon). *SOURCES is
 * set to what follows the colon, *SLEN to its length. */
bool nss_hosts_line(const char *p, size_t l, const char **sources, size_t *slen);
