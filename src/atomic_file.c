/* SPDX-License-Identifier: MIT */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

/* atomic_file_read, also giving the fstat of the very file that was read. */
static bool read_with_stat(const char *path, char **data, size_t *len, bool *exists,
                           struct stat *st_out) {
  *data = NULL;
  *len = 0;
  *exists = false;
  _cleanup_fd_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    if (errno == ENOENT)
      return true;
    if (errno == ELOOP)
      log_error("%s: is a symlink; give the path of the file itself", path);
    else
      log_error_errno("%s: cannot open", path);
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    log_error("%s: not a regular file", path);
    return false;
  }
  if (st.st_size > ATOMIC_FILE_MAX) {
    log_error("%s: larger than %d MiB; not an alias file hostalias wrote", path,
              ATOMIC_FILE_MAX / 1024 / 1024);
    return false;
  }
  size_t cap = (size_t)st.st_size + 1, l = 0;
  char *buf = xmalloc(cap + 1);
  for (;;) {
    if (l == cap) {
      if (cap > ATOMIC_FILE_MAX) {
        free(buf);
        log_error("%s: grew past %d MiB while being read", path, ATOMIC_FILE_MAX / 1024 / 1024);
        return false;
      }
      cap *= 2;
      buf = xreallocarray(buf, cap + 1, 1);
    }
    ssize_t n = read(fd, buf + l, cap - l);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      log_error_errno("%s: read error", path);
      free(buf);
      return false;
    }
    if (n == 0)
      break;
    l += (size_t)n;
  }
  buf[l] = '\0';
  *st_out = st;
  *data = buf;
  *len = l;
  *exists = true;
  return true;
}

bool atomic_file_read(const char *path, char **data, size_t *len, bool *exists) {
  struct stat st;
  return read_with_stat(path, data, len, exists, &st);
}

static bool sudo_owner(uid_t *uid, gid_t *gid) {
  long u, g;
  if (geteuid() != 0 || !parse_long(getenv("SUDO_UID"), 0, 0x7fffffff, &u) ||
      !parse_long(getenv("SUDO_GID"), 0, 0x7fffffff, &g))
    return false;
  *uid = (uid_t)u;
  *gid = (gid_t)g;
  return true;
}

bool atomic_file_replace(const char *path, const char *data, size_t len, bool *unchanged) {
  *unchanged = false;
  char *old;
  size_t oldlen;
  bool exists;
  /* The mode and owner to keep are those of the file just read and
   * compared, not of whatever the path names a moment later. */
  struct stat st = {0};
  if (!read_with_stat(path, &old, &oldlen, &exists, &st))
    return false;
  bool same = exists && oldlen == len && memcmp(old, data, len) == 0;
  free(old);
  if (same) {
    *unchanged = true;
    return true;
  }

  /* The temporary file lives beside PATH, so rename() cannot cross file
   * systems: DIR/.BASE.XXXXXX */
  const char *slash = strrchr(path, '/');
  _cleanup_free_ char *dir =
      slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
  const char *base = slash ? slash + 1 : path;
  size_t tl = strlen(dir) + strlen(base) + 16;
  _cleanup_free_ char *tmp = xmalloc(tl);
  snprintf(tmp, tl, "%s/.%s.XXXXXX", strcmp(dir, "/") ? dir : "", base);
  _cleanup_fd_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    log_error_errno("%s: cannot open directory %s", path, dir);
    return false;
  }
  _cleanup_fd_ int fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0) {
    log_error_errno("%s: cannot create a temporary file in %s", path, dir);
    return false;
  }
  const char *step = NULL;
  uid_t uid;
  gid_t gid;
  if (!write_all(fd, data, len))
    step = "write";
  else if (fchmod(fd, exists ? (st.st_mode & 07777) : 0644) < 0)
    step = "chmod";
  else if (exists && geteuid() == 0 && fchown(fd, st.st_uid, st.st_gid) < 0)
    step = "chown";
  else if (!exists && sudo_owner(&uid, &gid) && fchown(fd, uid, gid) < 0)
    step = "chown";
  else if (fsync(fd) < 0)
    step = "fsync";
  else if (rename(tmp, path) < 0)
    step = "rename";
  if (step) {
    log_error_errno("%s: cannot replace it, left as it was: %s", path, step);
    unlink(tmp);
    return false;
  }
  fsync(dfd); /* make the rename itself durable */
  return true;
}
