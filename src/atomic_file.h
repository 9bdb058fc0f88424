/* SPDX-License-Identifier: MIT */
/* The -o FILE, which root writes in a directory another local user may
 * control. Its directory is resolved once, following only symlinks that
 * root or the invoking user own, and every later step (read, temporary
 * file, fsync, rename) is done against that one directory descriptor. The
 * file itself must be a regular file with one link, owned by root or the
 * invoking user. Nothing is read from, or replaced, a file whose owner is
 * not trusted.
 *
 * Under sudo, the path is walked with the invoking user's rights, and the
 * directory must be one they may write and search themselves (the kernel's
 * check, ACLs included); anything else gets one refusal, "cannot write
 * there", that tells nothing of what lies past a directory they cannot
 * search. The file is read with their rights too: one they may not read is
 * replaced whole (they could rename over it themselves), but its lines are
 * neither shown nor kept. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util.h"

#define ATOMIC_FILE_MAX (256 * 1024 * 1024)

struct atomic_file {
  char *path;  /* as given, for messages */
  char *base;  /* its last component */
  int dirfd;   /* its directory, resolved once */
  bool exists; /* it existed, and was read, when opened */
  bool hidden; /* it existed, but the invoking user may not read it: not read */
  dev_t dev;   /* the file that was found */
  ino_t ino;
  char *data; /* its content (NUL-terminated), when it exists */
  size_t len;
};

/* Resolves PATH's directory and reads the file there, if any. False, with a
 * message, when PATH cannot be trusted or read; F is then still safe to
 * close. */
bool atomic_file_open(struct atomic_file *f, const char *path);

/* Replaces the file with DATA: a temporary file in the same directory
 * (unnamed with O_TMPFILE until just before the rename, else created
 * exclusively), the current file's mode and owner (a new file: 0644, owned
 * by SUDO_UID/SUDO_GID under sudo), fsync, renameat, fsync of the directory.
 * Leaves the file untouched when its content is already DATA (*UNCHANGED);
 * a hidden one is always replaced, never compared.
 * On failure the old file is left as it was, and no temporary file. */
bool atomic_file_replace(struct atomic_file *f, const char *data, size_t len, bool *unchanged);

void atomic_file_close(struct atomic_file *f);
DEFINE_CLEANUP_FUNC(struct atomic_file, atomic_file_close)
#define _cleanup_atomic_file_ __attribute__((cleanup(atomic_file_closep)))

/* Opens directory DIR, following only symlinks owned by root or by USER.
 * An O_PATH descriptor, or -1 with a message naming PATH. Exposed for the
 * tests. */
int open_trusted_dir(const char *dir, uid_t user, const char *path);
