/* SPDX-License-Identifier: MIT */
/* target.c: reading a container's files without leaving its root. Uses a
 * scratch directory as the "container". */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

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

  /* Files on the kernel's pseudo-filesystems are never read for a container,
   * even when they are regular files. */
  int slash = open("/", O_PATH | O_DIRECTORY);
  const char *pseudo[] = {"proc/version", "proc/self/status", "sys/kernel/uevent_seqnum"};
  for (size_t i = 0; i < N_ELEMENTS(pseudo); i++) {
    struct target_file tf = {0};
    snprintf(tf.source, sizeof tf.source, "/%s", pseudo[i]);
    struct stat pst;
    if (stat(tf.source, &pst) != 0) {
      skip("/%s does not exist here", pseudo[i]);
      continue;
    }
    read_file_in_root(slash, pseudo[i], 4096, &tf);
    ok(!tf.present, "/%s (on a pseudo-filesystem) refused", pseudo[i]);
    free(tf.data);
  }
  close(slash);

  snprintf(q, sizeof q, "rm -rf %s", dir);
  if (system(q) != 0)
    return 1;
  return tap_done();
}
