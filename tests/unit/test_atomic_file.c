/* SPDX-License-Identifier: MIT */
/* atomic_file.c: the -o FILE replaced atomically, never through a link,
 * and the directory path's symlinks followed only when root or the user
 * owns them. Uses a scratch directory. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "atomic_file.h"
#include "tap.h"
#include "util.h"

static char dir[] = "/tmp/hostalias-test-XXXXXX";

static bool write_file(const char *path, const char *data, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  bool ok_ = fd >= 0 && write(fd, data, len) == (ssize_t)len;
  if (fd >= 0)
    close(fd);
  return ok_;
}

static bool link_file(const char *from, const char *to) { return link(from, to) == 0; }

/* Opens PATH, replaces it with DATA: 1 replaced, 0 unchanged, -1 refused. */
static int replace(const char *path, const char *data) {
  struct atomic_file f;
  bool unchanged = false;
  int r = -1;
  if (atomic_file_open(&f, path) && atomic_file_replace(&f, data, strlen(data), &unchanged))
    r = unchanged ? 0 : 1;
  atomic_file_close(&f);
  return r;
}

int main(void) {
  if (!mkdtemp(dir))
    return 1;
  char q[256];
  snprintf(q, sizeof q, "mkdir -p %s/root", dir);
  if (system(q) != 0)
    return 1;

  /* atomic_file: open, replace, close */
  char out[600];
  snprintf(out, sizeof out, "%s/web.alias", dir);
  ok(write_file(out, "a 1.traefik.me\n", 15) && replace(out, "a 1.traefik.me\n") == 0,
     "same content: unchanged");
  unlink(out);
  ok(replace(out, "a 1.traefik.me\n") == 1, "new file written");
  struct stat st1, st2;
  stat(out, &st1);
  ok((st1.st_mode & 07777) == 0644, "new file is 0644");
  chmod(out, 0600);
  ok(replace(out, "a 1.traefik.me\n") == 0, "same content: unchanged");
  stat(out, &st2);
  ok(st1.st_ino == st2.st_ino, "unchanged file not replaced (same inode)");
  ok(replace(out, "a 2.traefik.me\n") == 1, "new content");
  stat(out, &st2);
  ok(st1.st_ino != st2.st_ino && (st2.st_mode & 07777) == 0600, "replaced by rename, mode kept");
  struct atomic_file af;
  ok(atomic_file_open(&af, out) && af.exists && af.len == 15 &&
         !memcmp(af.data, "a 2.traefik.me\n", 15),
     "content is the new one");
  atomic_file_close(&af);
  chmod(out, 04755);
  ok(replace(out, "a 3.traefik.me\n") == 1 && stat(out, &st2) == 0 && (st2.st_mode & 07777) == 0755,
     "setuid and setgid bits never carried over");

  char link[600];
  snprintf(link, sizeof link, "%s/link.alias", dir);
  symlink(out, link);
  ok(replace(link, "x y.z\n") < 0, "symlink output refused");
  ok(atomic_file_open(&af, out) && af.len == 15, "its target untouched");
  atomic_file_close(&af);
  snprintf(link, sizeof link, "%s/hard.alias", dir);
  ok(link_file(out, link) && replace(link, "x y.z\n") < 0, "a file with two links refused");
  unlink(link);
  snprintf(link, sizeof link, "%s/root", dir);
  ok(replace(link, "x y.z\n") < 0, "directory output refused");
  snprintf(link, sizeof link, "%s/nodir/x.alias", dir);
  ok(replace(link, "x y.z\n") < 0, "missing directory refused");
  snprintf(link, sizeof link, "%s/", dir);
  ok(replace(link, "x y.z\n") < 0, "a path ending in / refused");

  /* A FILE name of NAME_MAX (255) bytes still gets a temporary name. */
  char longname[256];
  memset(longname, 'n', 255);
  longname[255] = '\0';
  snprintf(link, sizeof link, "%s/%s", dir, longname);
  ok(replace(link, "a 1.traefik.me\n") == 1 && replace(link, "a 2.traefik.me\n") == 1,
     "a FILE name of 255 bytes is written and replaced");

  /* The directory path: root's symlinks and the user's own are followed. */
  snprintf(link, sizeof link, "%s/dirlink", dir);
  symlink(dir, link);
  int dfd = open_trusted_dir(link, getuid(), "test");
  struct stat a, b;
  ok(dfd >= 0 && fstat(dfd, &a) == 0 && stat(dir, &b) == 0 && a.st_ino == b.st_ino,
     "a symlink owned by root or the user is followed");
  if (dfd >= 0)
    close(dfd);
  if (getuid() == 0) {
    lchown(link, 4242, 4242);
    ok(open_trusted_dir(link, 0, "test") < 0, "a symlink owned by another user is refused");
    char via[700];
    snprintf(via, sizeof via, "%s/dirlink/root", dir);
    ok(open_trusted_dir(via, 0, "test") < 0, "... also in the middle of the path");
    ok(open_trusted_dir(via, 4242, "test") >= 0, "... but followed for that user");
  } else {
    for (int i = 0; i < 3; i++)
      skip("a symlink owned by another user needs root to make");
  }

  snprintf(q, sizeof q, "rm -rf %s", dir);
  if (system(q) != 0)
    return 1;
  return tap_done();
}
