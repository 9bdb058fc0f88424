/* SPDX-License-Identifier: MIT */
/* Reading a container's files without leaving its root, and replacing the
 * output file atomically. Uses a scratch directory as the "container". */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "atomic_file.h"
#include "tap.h"
#include "target.h"
#include "util.h"

static char dir[] = "/tmp/hostalias-test-XXXXXX";

static void put(const char *rel, const char *text) {
  char p[256];
  snprintf(p, sizeof p, "%s/%s", dir, rel);
  FILE *f = fopen(p, "w");
  fputs(text, f);
  fclose(f);
}

static struct target_file read_rel(const char *rel, size_t max) {
  char root[256];
  snprintf(root, sizeof root, "%s/root", dir);
  int rfd = open(root, O_PATH | O_DIRECTORY);
  struct target_file f = {0};
  snprintf(f.source, sizeof f.source, "test %s", rel);
  read_file_in_root(rfd, rel, max, &f);
  close(rfd);
  return f;
}

int main(void) {
  if (!mkdtemp(dir))
    return 1;
  char p[256], q[256];
  snprintf(p, sizeof p, "%s/root/etc", dir);
  snprintf(q, sizeof q, "mkdir -p %s", p);
  if (system(q) != 0)
    return 1;
  put("root/etc/passwd", "container's own passwd\n");
  put("outside", "HOST SECRET\n");

  snprintf(p, sizeof p, "%s/root/etc/resolv.conf", dir);
  put("root/etc/resolv.conf", "nameserver 127.0.0.11\n");
  struct target_file f = read_rel("etc/resolv.conf", 1024);
  ok(f.present && !strcmp(f.data, "nameserver 127.0.0.11\n"), "plain file read");
  free(f.data);

  unlink(p);
  if (symlink("/etc/passwd", p) != 0)
    return 1;
  f = read_rel("etc/resolv.conf", 1024);
  ok(f.present && !strcmp(f.data, "container's own passwd\n"),
     "absolute symlink resolved inside the root, never the host's file");
  free(f.data);

  unlink(p);
  char up[256];
  snprintf(up, sizeof up, "../../../../../../../../..%s/outside", dir);
  if (symlink(up, p) != 0)
    return 1;
  f = read_rel("etc/resolv.conf", 1024);
  ok(!f.present, "relative symlink climbing out of the root finds nothing");
  free(f.data);

  unlink(p);
  if (symlink("/proc/self/root/etc/hostname", p) != 0)
    return 1;
  f = read_rel("etc/resolv.conf", 1024);
  ok(!f.present, "symlink through /proc finds nothing");

  unlink(p);
  mkfifo(p, 0600);
  time_t t0 = time(NULL);
  f = read_rel("etc/resolv.conf", 1024);
  ok(!f.present && time(NULL) - t0 < 2, "FIFO refused without blocking");

  unlink(p);
  mkdir(p, 0755);
  f = read_rel("etc/resolv.conf", 1024);
  ok(!f.present, "directory refused");
  rmdir(p);

  if (geteuid() == 0 && mknod(p, S_IFCHR | 0600, makedev(1, 5)) == 0) {
    f = read_rel("etc/resolv.conf", 1024);
    ok(!f.present, "device (/dev/zero's numbers) refused");
    unlink(p);
  } else {
    printf("ok %d - # SKIP device node needs root\n", ++tap_n);
  }

  int fd = open(p, O_CREAT | O_WRONLY, 0644);
  ftruncate(fd, 100 * 1024 * 1024);
  close(fd);
  f = read_rel("etc/resolv.conf", 64 * 1024);
  ok(f.present && f.len == 64 * 1024, "100 MiB file: only the first 64 KiB read");
  free(f.data);
  unlink(p);

  f = read_rel("etc/resolv.conf", 1024);
  ok(!f.present, "missing file: not present");

  /* The fallback walk (kernels without openat2) keeps to the root too. */
  char root[256];
  snprintf(root, sizeof root, "%s/root", dir);
  int rfd = open(root, O_PATH | O_DIRECTORY);
  put("root/etc/plain", "plain\n");
  snprintf(p, sizeof p, "%s/root/etc/abs", dir);
  symlink("/etc/plain", p);
  snprintf(p, sizeof p, "%s/root/etc/up", dir);
  symlink("../../../../../../../etc/plain", p);
  snprintf(p, sizeof p, "%s/root/etc/host", dir);
  symlink(up, p); /* climbs to the host's scratch file */
  snprintf(p, sizeof p, "%s/root/etc/loop", dir);
  symlink("loop", p);
  snprintf(p, sizeof p, "%s/root/etc/magic", dir);
  symlink("/proc/self/root/etc/passwd", p);
  struct {
    const char *rel;
    bool found;
  } walks[] = {{"etc/plain", true},  {"etc/abs", true},
               {"etc/up", true},     {"/etc/../../../etc/plain", true},
               {"etc/host", false},  {"etc/loop", false},
               {"etc/magic", false}, {"etc/missing", false}};
  for (size_t i = 0; i < N_ELEMENTS(walks); i++) {
    int wfd = open_in_root_walk(rfd, walks[i].rel);
    bool inside = false;
    if (wfd >= 0) {
      struct stat a, b;
      char want[256];
      snprintf(want, sizeof want, "%s/root/etc/plain", dir);
      inside = fstat(wfd, &a) == 0 && stat(want, &b) == 0 && a.st_ino == b.st_ino;
      close(wfd);
    }
    ok(walks[i].found ? inside : wfd < 0, "walk %s: %s", walks[i].rel,
       walks[i].found ? "the container's file" : "nothing");
  }
  close(rfd);

  /* atomic_file_replace */
  char out[256];
  snprintf(out, sizeof out, "%s/web.alias", dir);
  bool unchanged;
  ok(atomic_file_replace(out, "a 1.traefik.me\n", 15, &unchanged) && !unchanged,
     "new file written");
  struct stat st1, st2;
  stat(out, &st1);
  ok((st1.st_mode & 07777) == 0644, "new file is 0644");
  chmod(out, 0600);
  ok(atomic_file_replace(out, "a 1.traefik.me\n", 15, &unchanged) && unchanged,
     "same content: unchanged");
  stat(out, &st2);
  ok(st1.st_ino == st2.st_ino, "unchanged file not replaced (same inode)");
  ok(atomic_file_replace(out, "a 2.traefik.me\n", 15, &unchanged) && !unchanged, "new content");
  stat(out, &st2);
  ok(st1.st_ino != st2.st_ino && (st2.st_mode & 07777) == 0600, "replaced by rename, mode kept");
  char *data;
  size_t len;
  bool exists;
  ok(atomic_file_read(out, &data, &len, &exists) && exists && len == 15 &&
         !memcmp(data, "a 2.traefik.me\n", 15),
     "content is the new one");
  free(data);

  char link[256];
  snprintf(link, sizeof link, "%s/link.alias", dir);
  symlink(out, link);
  ok(!atomic_file_replace(link, "x y.z\n", 6, &unchanged), "symlink output refused");
  ok(atomic_file_read(out, &data, &len, &exists) && len == 15, "its target untouched");
  free(data);
  snprintf(link, sizeof link, "%s/root", dir);
  ok(!atomic_file_replace(link, "x y.z\n", 6, &unchanged), "directory output refused");
  snprintf(link, sizeof link, "%s/nodir/x.alias", dir);
  ok(!atomic_file_replace(link, "x y.z\n", 6, &unchanged), "missing directory refused");

  snprintf(q, sizeof q, "rm -rf %s", dir);
  if (system(q) != 0)
    return 1;
  return tap_done();
}
