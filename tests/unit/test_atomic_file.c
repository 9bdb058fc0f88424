/* SPDX-License-Identifier: MIT */
/* atomic_file.c: the -o FILE replaced atomically, never through a link,
 * and the directory path's symlinks followed only when root or the user
 * owns them. Uses a scratch directory. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "atomic_file.h"
#include "privileges.h"
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

/* The messages of a refused replace(PATH), into MSG (PATH itself replaced
 * by "P"), so that two refusals can be compared. */
static int replace_msg(const char *path, char *msg, size_t size) {
  struct stderr_capture cap;
  stderr_capture_begin(&cap);
  int r = replace(path, "x y.z\n");
  char raw[1024];
  stderr_capture_end(&cap, raw, sizeof raw);
  char *at = strstr(raw, path);
  if (at)
    snprintf(msg, size, "%.*sP%s", (int)(at - raw), raw, at + strlen(path));
  else
    snprintf(msg, size, "%s", raw);
  return r;
}

static bool owned(const char *path, uid_t uid, mode_t mode) {
  struct stat st;
  return stat(path, &st) == 0 && st.st_uid == uid && (st.st_mode & 07777) == mode;
}

/* Under sudo, for uid 4289 (SUDO_UID, as root): -o with the user's rights. */
static void test_under_sudo(void) {
  char q[1024], p[700], p2[700], m1[1100], m2[1100];
  /* Another user's 0700 home, with a 0777 directory in it; a file there. */
  snprintf(q, sizeof q,
           "cd %s && mkdir -m 700 home && mkdir -m 777 home/pub && echo s >home/file && "
           "chown 4288:4288 home && mkdir -m 755 mine && chown 4289:4289 mine",
           dir);
  if (system(q) != 0) {
    for (int i = 0; i < 13; i++)
      skip("could not make the directories");
    return;
  }
  snprintf(p, sizeof p, "%s/home/pub/x.alias", dir);
  ok(replace(p, "a 1.traefik.me\n") == 1, "root, not under sudo: a 0777 directory in a 0700 home");
  unlink(p);
  setenv("SUDO_UID", "4289", 1);
  setenv("SUDO_GID", "4289", 1);
  if (!invoker_init() || !under_sudo()) {
    for (int i = 0; i < 12; i++)
      skip("SUDO_UID was not taken");
    return;
  }
  ok(replace(p, "a 1.traefik.me\n") < 0 && access(p, F_OK) < 0,
     "under sudo: a 0777 directory in another user's 0700 home refused, nothing created");
  snprintf(p, sizeof p, "%s/home/file/x", dir);
  snprintf(p2, sizeof p2, "%s/home/nope/x", dir);
  ok(replace_msg(p, m1, sizeof m1) < 0 && replace_msg(p2, m2, sizeof m2) < 0 && !strcmp(m1, m2) &&
         strstr(m1, "cannot write there") && !strstr(m1, "not a directory"),
     "past a directory the user cannot search: one message, whatever is there");
  if (strcmp(m1, m2))
    printf("# %s# %s", m1, m2);

  snprintf(p, sizeof p, "%s/mine/web.alias", dir);
  ok(replace(p, "a 1.traefik.me\n") == 1 && owned(p, 4289, 0644),
     "the user's own directory: written, the new file theirs");
  unlink(p);
  /* A root-only file in the user's directory: replaced, never read. */
  ok(write_file(p, "secret 10.1.2.3.traefik.me\n", 27) && chmod(p, 0600) == 0,
     "a root-only 0600 file in the user's directory");
  struct atomic_file af;
  ok(atomic_file_open(&af, p) && !af.exists && af.hidden && !af.data && af.len == 0,
     "opened, but hidden: its content not read");
  atomic_file_close(&af);
  ok(replace(p, "a 1.traefik.me\n") == 1 && owned(p, 0, 0600),
     "replaced whole, its owner and mode kept");
  ok(replace(p, "a 1.traefik.me\n") == 1, "a hidden file is never compared: replaced again");
  chown(p, 4289, 4289);
  chmod(p, 0644);
  ok(replace(p, "a 1.traefik.me\n") == 0, "once the user may read it: unchanged");

  /* An ACL that denies the user a directory its mode bits open to all. */
  snprintf(q, sizeof q,
           "command -v setfacl >/dev/null && cd %s && mkdir -m 777 acl && "
           "setfacl -m u:4289:r-x acl",
           dir);
  if (system(q) == 0) {
    snprintf(p, sizeof p, "%s/acl/x.alias", dir);
    ok(replace(p, "a 1.traefik.me\n") < 0 && access(p, F_OK) < 0,
       "a 0777 directory whose ACL denies the user: refused");
    unsetenv("SUDO_UID");
    unsetenv("SUDO_GID");
    invoker_init();
    ok(replace(p, "a 1.traefik.me\n") == 1, "... root, not under sudo: written");
  } else {
    skip("setfacl is missing, or the filesystem has no ACLs");
    skip("setfacl is missing, or the filesystem has no ACLs");
  }
  unsetenv("SUDO_UID");
  unsetenv("SUDO_GID");
  invoker_init();
  snprintf(p, sizeof p, "%s/mine/web.alias", dir);
  chown(p, 0, 0);
  chmod(p, 0600);
  struct atomic_file root_af;
  ok(atomic_file_open(&root_af, p) && root_af.exists && !root_af.hidden && root_af.len == 15,
     "root, not under sudo: reads its 0600 file");
  atomic_file_close(&root_af);
}

int main(void) {
  if (!mkdtemp(dir) || chmod(dir, 0755) < 0)
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

  if (getuid() == 0)
    test_under_sudo();
  else
    for (int i = 0; i < 13; i++)
      skip("-o under sudo needs root to fake it");

  snprintf(q, sizeof q, "rm -rf %s", dir);
  if (system(q) != 0)
    return 1;
  return tap_done();
}
