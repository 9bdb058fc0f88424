/* SPDX-License-Identifier: MIT */
/* The one path walk, under each policy: what it opens, and what it says
 * failed and where (the messages of -o are made from that). The confined
 * walk's escapes are in test_target.c, the symlink owners in
 * test_atomic_file.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path_walk.h"
#include "tap.h"

static char dir[64] = "/tmp/hostalias-walk-XXXXXX";

static bool same(int fd, const char *rel) {
  char p[256];
  struct stat a, b;
  snprintf(p, sizeof p, "%s/%s", dir, rel);
  bool r = fd >= 0 && fstat(fd, &a) == 0 && stat(p, &b) == 0 && a.st_ino == b.st_ino;
  if (fd >= 0)
    close(fd);
  return r;
}

int main(void) {
  if (!mkdtemp(dir))
    return 1;
  char p[256], q[256];
  snprintf(q, sizeof q, "%s/a", dir);
  snprintf(p, sizeof p, "%s/a/b", dir);
  if (mkdir(q, 0755) < 0 || mkdir(p, 0755) < 0)
    return 1;
  snprintf(p, sizeof p, "%s/a/file", dir);
  close(open(p, O_CREAT | O_WRONLY, 0644));
  snprintf(p, sizeof p, "%s/rel", dir);
  symlink("a/b", p);
  snprintf(p, sizeof p, "%s/loop", dir);
  symlink("loop", p);

  struct path_walk_policy host = {.want_dir = true, .link_owner = getuid()};
  struct path_walk_error err;
  snprintf(p, sizeof p, "%s/a/b", dir);
  ok(same(path_walk_open(&host, p, &err), "a/b"), "a directory by its absolute path");
  snprintf(p, sizeof p, "%s/rel/../b/", dir);
  ok(same(path_walk_open(&host, p, &err), "a/b"),
     "through a symlink, then .., as the kernel resolves it");
  snprintf(p, sizeof p, "%s/a/file", dir);
  ok(path_walk_open(&host, p, &err) < 0 && err.failure == PATH_WALK_NOT_DIR && errno == ENOTDIR &&
         !strcmp(err.at, p),
     "want_dir: a file is not a directory, and the error says where (%s)", err.at);
  struct path_walk_policy any = {.any_link = true};
  ok(same(path_walk_open(&any, p, &err), "a/file"), "without want_dir, the file itself");
  snprintf(p, sizeof p, "%s/a/nope/x", dir);
  snprintf(q, sizeof q, "%s/a/nope", dir);
  ok(path_walk_open(&host, p, &err) < 0 && err.failure == PATH_WALK_ERRNO && err.err == ENOENT &&
         !strcmp(err.at, q),
     "a missing component: its errno, and the path up to it");
  snprintf(p, sizeof p, "%s/loop/x", dir);
  ok(path_walk_open(&host, p, &err) < 0 && err.failure == PATH_WALK_LOOP && errno == ELOOP,
     "a symlink loop ends");
  if (chdir(dir) == 0)
    ok(same(path_walk_open(&host, "a/b/../b", &err), "a/b"), "a relative path, from the cwd");
  else
    ok(false, "chdir %s", dir);

  int root = open(dir, O_PATH | O_DIRECTORY);
  struct path_walk_policy in = {.confined = true, .root = root, .any_link = true};
  ok(same(path_walk_open(&in, "/../../a/./b", &err), "a/b"), "confined: .. stops at the root");
  ok(root >= 0 && fcntl(root, F_GETFD) >= 0, "confined: the caller's root stays open");
  close(root);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0)
    return 1;
  return tap_done();
}
