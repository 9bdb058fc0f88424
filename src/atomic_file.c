/* SPDX-License-Identifier: MIT */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "path_walk.h"
#include "privileges.h"
#include "util.h"

#define TMP_BASE_MAX 200 /* of FILE's name in the temporary name: NAME_MAX is 255 */

static bool trusted_owner(uid_t owner, const struct invoker *w) {
  return owner == 0 || owner == w->uid;
}

/* Under sudo, the one refusal for a directory the invoking user may not
 * reach or write: the same words whatever lies past a directory they cannot
 * search (a file, a directory, nothing), so that none of it is told. */
static void refuse_for_invoker(const char *path) {
  log_error("%s: cannot write there: permission denied to uid %u, who runs hostalias through "
            "sudo (sudo must not let a user write where they could not)",
            path, (unsigned)invoker()->uid);
}

/* Whether the caller, with its effective ids and groups (the invoking
 * user's, in invoker_rights), may create and rename files in the directory
 * open as DIRFD: the kernel's own check, ACLs and all. "." rather than
 * AT_EMPTY_PATH, which glibc's fallback for kernels without faccessat2
 * does not take. */
static bool may_write_dir(int dirfd) { return faccessat(dirfd, ".", W_OK | X_OK, AT_EACCESS) == 0; }

/* In a sticky directory (/tmp) a user may replace or remove only a file
 * they own, or any file when the directory is theirs: the kernel's rule
 * for rename over an existing name, which sudo must not lift. */
static bool invoker_may_replace(const struct stat *dir, const struct stat *file,
                                const struct invoker *w) {
  return !(dir->st_mode & S_ISVTX) || w->uid == 0 || dir->st_uid == w->uid ||
         file->st_uid == w->uid;
}

int open_trusted_dir(const char *dir, uid_t user, const char *path) {
  /* A symlink is only as trustworthy as whoever can change it: root's
   * (/var/run -> /run) and the invoking user's own are followed; one that
   * another user owns could be pointed anywhere, at any moment. */
  struct path_walk_policy pol = {.want_dir = true, .link_owner = user};
  struct path_walk_error err;
  int fd = path_walk_open(&pol, dir, &err);
  if (fd >= 0)
    return fd;
  switch (err.failure) {
  case PATH_WALK_ERRNO:
    /* Under sudo the walk has the user's rights: a component they may not
     * reach gets the one refusal, whatever it is. */
    if (under_sudo() && (err.err == EACCES || err.err == EPERM)) {
      refuse_for_invoker(path);
      break;
    }
    errno = err.err;
    log_error_errno("%s: cannot open directory %s", path, err.at);
    break;
  case PATH_WALK_LINK_OWNER:
    log_error("%s: %s is a symlink owned by uid %u, who could point it anywhere; refused (give a "
              "path without it)",
              path, err.at, (unsigned)err.owner);
    break;
  case PATH_WALK_NOT_DIR: log_error("%s: %s is not a directory", path, err.at); break;
  case PATH_WALK_TOO_LONG:
    log_error("%s: the path, a directory name or a symlink on it is too long", path);
    break;
  case PATH_WALK_LOOP: log_error("%s: symlinks on its path loop, or are too long", path); break;
  }
  return -1;
}

/* Checks the file open as FD (stat ST) before anything is read from or
 * replaced: a regular file, one link, an owner hostalias trusts. */
static bool file_trusted(const struct atomic_file *f, const struct stat *st,
                         const struct invoker *w) {
  if (!S_ISREG(st->st_mode)) {
    log_error("%s: not a regular file", f->path);
    return false;
  }
  if (st->st_nlink != 1) {
    log_error("%s: has %lu hard links; refused (another name could be a file elsewhere)", f->path,
              (unsigned long)st->st_nlink);
    return false;
  }
  if (!trusted_owner(st->st_uid, w)) {
    log_error("%s: belongs to uid %u, neither root nor the invoking user (uid %u); refused, "
              "and none of its lines are kept (remove it, or give another path)",
              f->path, (unsigned)st->st_uid, (unsigned)w->uid);
    return false;
  }
  struct stat dir;
  if (w->sudo && (fstat(f->dirfd, &dir) < 0 || !invoker_may_replace(&dir, st, w))) {
    log_error("%s: in a sticky directory, and owned by uid %u, not by uid %u who runs hostalias "
              "through sudo; refused, and left as it is (the user could not replace it "
              "themselves)",
              f->path, (unsigned)st->st_uid, (unsigned)w->uid);
    return false;
  }
  return true;
}

/* Opens the file named BASE in the directory, without following a symlink
 * and without blocking on a FIFO, with the invoking user's rights (under
 * sudo). A file there that they may not read is opened O_PATH instead, and
 * *HIDDEN set: its content is not for them, and is never read. -1 with errno
 * ENOENT when there is none; -1 after a message otherwise. */
static int open_current(const struct atomic_file *f, struct stat *st, bool *hidden) {
  *hidden = false;
  int fd, e;
  {
    _cleanup_invoker_rights_ struct invoker_rights r;
    if (!invoker_rights_begin(&r)) {
      errno = EPERM;
      return -1;
    }
    fd = openat(f->dirfd, f->base, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    e = errno;
  }
  if (fd < 0 && e == EACCES && under_sudo()) {
    fd = openat(f->dirfd, f->base, O_PATH | O_CLOEXEC | O_NOFOLLOW);
    e = errno;
    *hidden = fd >= 0;
  }
  if (fd < 0) {
    if (e == ENOENT) {
      errno = ENOENT;
      return -1;
    }
    if (e == ELOOP)
      log_error("%s: is a symlink; give the path of the file itself", f->path);
    else {
      errno = e;
      log_error_errno("%s: cannot open", f->path);
    }
    errno = EPERM;
    return -1;
  }
  if (fstat(fd, st) < 0) {
    log_error_errno("%s: fstat", f->path);
    close(fd);
    errno = EPERM;
    return -1;
  }
  return fd;
}

static bool read_all(const struct atomic_file *f, int fd, const struct stat *st, char **data,
                     size_t *len) {
  if (st->st_size > ATOMIC_FILE_MAX) {
    log_error("%s: larger than %d MiB; not a file hostalias wrote", f->path,
              ATOMIC_FILE_MAX / 1024 / 1024);
    return false;
  }
  size_t cap = (size_t)st->st_size + 1, l = 0;
  _cleanup_free_ char *buf = xmalloc(cap + 1);
  for (;;) {
    if (l == cap) {
      if (cap > ATOMIC_FILE_MAX) {
        log_error("%s: grew past %d MiB while being read", f->path, ATOMIC_FILE_MAX / 1024 / 1024);
        return false;
      }
      cap *= 2;
      buf = xreallocarray(buf, cap + 1, 1);
    }
    ssize_t n = read(fd, buf + l, cap - l);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      log_error_errno("%s: read error", f->path);
      return false;
    }
    if (n == 0)
      break;
    l += (size_t)n;
  }
  buf[l] = '\0';
  *data = steal_pointer(&buf);
  *len = l;
  return true;
}

bool atomic_file_open(struct atomic_file *f, const char *path) {
  memset(f, 0, sizeof *f);
  f->dirfd = -1;
  f->path = xstrdup(path);
  const char *slash = strrchr(path, '/');
  f->base = xstrdup(slash ? slash + 1 : path);
  if (!f->base[0] || !strcmp(f->base, ".") || !strcmp(f->base, "..")) {
    log_error("%s: names a directory; give a file name", path);
    return false;
  }
  _cleanup_free_ char *dir =
      slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
  const struct invoker *w = invoker();
  {
    /* Under sudo the path is walked, and the directory judged, with the
     * user's rights: what they cannot reach or write stays so. */
    _cleanup_invoker_rights_ struct invoker_rights r;
    if (!invoker_rights_begin(&r))
      return false;
    f->dirfd = open_trusted_dir(dir, w->uid, path);
    if (f->dirfd >= 0 && w->sudo && !may_write_dir(f->dirfd)) {
      refuse_for_invoker(path);
      close(f->dirfd);
      f->dirfd = -1;
    }
  }
  if (f->dirfd < 0)
    return false;
  struct stat st;
  bool hidden;
  _cleanup_fd_ int fd = open_current(f, &st, &hidden);
  if (fd < 0)
    return errno == ENOENT;
  if (!file_trusted(f, &st, w))
    return false;
  f->dev = st.st_dev;
  f->ino = st.st_ino;
  if (hidden) {
    log_info("%s: uid %u may not read it: its lines are neither read nor kept, and it is "
             "replaced whole",
             path, (unsigned)w->uid);
    f->hidden = true;
    return true;
  }
  if (!read_all(f, fd, &st, &f->data, &f->len))
    return false;
  f->exists = true;
  return true;
}

/* A temporary name beside FILE: .BASE.XXXXXXXX with BASE cut short, so a
 * FILE name near NAME_MAX still has one. */
static void temp_name(const struct atomic_file *f, char *name, size_t size) {
  uint32_t r;
  if (getrandom(&r, sizeof r, 0) != sizeof r)
    r = (uint32_t)now_us() ^ (uint32_t)getpid() << 16;
  snprintf(name, size, ".%.*s.%08x", TMP_BASE_MAX, f->base, r);
}

/* The file the new content goes to. Where the filesystem has O_TMPFILE it
 * has no name while it is written (*NAMED false): a hostalias killed then
 * leaves nothing behind. Elsewhere it is created exclusively under a
 * temporary name (*NAMED true). */
static int create_temp(const struct atomic_file *f, char *name, size_t size, bool *named) {
  int fd = openat(f->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  *named = fd < 0;
  if (fd >= 0)
    return fd;
  for (int attempt = 0; attempt < 100; attempt++) {
    temp_name(f, name, size);
    fd = openat(f->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0 || errno != EEXIST)
      return fd;
  }
  errno = EEXIST;
  return -1;
}

/* Gives the unnamed file FD a temporary name, for the instant before it is
 * renamed over FILE. */
static bool link_temp(const struct atomic_file *f, int fd, char *name, size_t size) {
  for (int attempt = 0; attempt < 100; attempt++) {
    temp_name(f, name, size);
    if (linkat(fd, "", f->dirfd, name, AT_EMPTY_PATH) == 0)
      return true;
    /* AT_EMPTY_PATH wants CAP_DAC_READ_SEARCH on kernels before the rule
     * was relaxed, and a rootless run lacks it (ENOENT): then the
     * descriptor's link in the host's /proc, as containers/storage does. */
    if (errno == ENOENT) {
      char proc[64];
      snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
      if (linkat(AT_FDCWD, proc, f->dirfd, name, AT_SYMLINK_FOLLOW) == 0)
        return true;
    }
    if (errno != EEXIST)
      return false;
  }
  errno = EEXIST;
  return false;
}

bool atomic_file_replace(struct atomic_file *f, const char *data, size_t len, bool *unchanged) {
  *unchanged = false;
  const struct invoker *w = invoker();
  /* The file now in the directory, through the descriptor opened at the
   * start: if another writer replaced it meanwhile, the new one is checked
   * as the first was, and its mode and owner are the ones kept. */
  struct stat st;
  bool exists;
  {
    bool hidden;
    _cleanup_fd_ int fd = open_current(f, &st, &hidden);
    if (fd < 0 && errno != ENOENT)
      return false;
    exists = fd >= 0;
    if (exists && !file_trusted(f, &st, w))
      return false;
    if (exists && (!(f->exists || f->hidden) || st.st_dev != f->dev || st.st_ino != f->ino))
      log_info("%s: replaced by another writer during this pass; checked again", f->path);
    /* A file the user may not read is not compared either: whether it was
     * rewritten would tell them whether it held these very lines. */
    _cleanup_free_ char *old = NULL;
    size_t oldlen = 0;
    if (exists && !hidden && !read_all(f, fd, &st, &old, &oldlen))
      return false;
    if (exists && !hidden && oldlen == len && memcmp(old, data, len) == 0) {
      *unchanged = true;
      return true;
    }
  }

  char tmp[TMP_BASE_MAX + 16];
  bool named;
  _cleanup_fd_ int fd = create_temp(f, tmp, sizeof tmp, &named);
  if (fd < 0) {
    log_error_errno("%s: cannot create a temporary file beside it", f->path);
    return false;
  }
  const char *step = NULL;
  if (!write_all(fd, data, len))
    step = "write";
  else if (fchmod(fd, exists ? (st.st_mode & 0777) : 0644) < 0)
    step = "chmod";
  else if (geteuid() == 0 && exists && fchown(fd, st.st_uid, st.st_gid) < 0)
    step = "chown";
  else if (geteuid() == 0 && !exists && w->sudo && fchown(fd, w->uid, w->gid) < 0)
    step = "chown";
  else if (fsync(fd) < 0)
    step = "fsync";
  if (!step && !named) {
    named = link_temp(f, fd, tmp, sizeof tmp);
    step = named ? NULL : "link";
  }
  if (!step && renameat(f->dirfd, tmp, f->dirfd, f->base) < 0)
    step = "rename";
  if (step) {
    log_error_errno("%s: cannot replace it, left as it was: %s", f->path, step);
    if (named)
      unlinkat(f->dirfd, tmp, 0);
    return false;
  }
  /* Make the rename itself durable; an O_PATH descriptor cannot fsync. */
  _cleanup_fd_ int dfd = openat(f->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0)
    fsync(dfd);
  return true;
}

void atomic_file_close(struct atomic_file *f) {
  if (f->dirfd >= 0)
    close(f->dirfd);
  free(f->path);
  free(f->base);
  free(f->data);
  memset(f, 0, sizeof *f);
  f->dirfd = -1;
}
