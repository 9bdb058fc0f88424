/* SPDX-License-Identifier: MIT */
/* The -o FILE: read what it held before, replace it atomically. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define ATOMIC_FILE_MAX (256 * 1024 * 1024)

/* Reads the current content of PATH. *EXISTS is false when there is no
 * file. False (with a message) when PATH exists but is not a regular file,
 * is a symlink, or cannot be read. */
bool atomic_file_read(const char *path, char **data, size_t *len, bool *exists);

/* Replaces PATH with DATA: a temporary file in the same directory, the old
 * file's mode and owner (a new file: 0644, owned by SUDO_UID/SUDO_GID when
 * run by root through sudo), fsync, rename, fsync of the directory. Leaves
 * the file untouched when its content is already DATA (*UNCHANGED true).
 * On failure the old file is left as it was. */
bool atomic_file_replace(const char *path, const char *data, size_t len, bool *unchanged);
