/* SPDX-License-Identifier: MIT */
/* A bounded parser for the container's /etc/hosts, which the container's own
 * libc consults before DNS ("files" before "dns" in nsswitch.conf). */
#pragma once

#include <stddef.h>

#include "address.h"

#define HOSTS_FILE_MAX (1024 * 1024)
#define HOSTS_ENTRIES_MAX 100000

/* Called once for each (name, address) pair in file order. NAME is not
 * NUL-terminated and has been validated as a host name. */
typedef void (*hosts_entry_fn)(const char *name, size_t len, const struct address *addr, void *ctx);

/* Parses BUF; lines it ignores are summed up in one warning naming SOURCE.
 * Returns the number of pairs reported. */
size_t hosts_parse(const char *buf, size_t len, const char *source, hosts_entry_fn fn, void *ctx);
