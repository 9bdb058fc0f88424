/* SPDX-License-Identifier: MIT */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

#if HAVE_SECCOMP
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>

#include "sandbox_filters.h" /* made by the build: seccomp_filter_gen.c */
#endif
#if HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

/* Where the empty root is mounted, in the child's own mount namespace. */
#define JAIL "/tmp"

/* mount(2) ignores the source and type of a propagation change, a bind and
 * a remount; "none" rather than NULL for them, which valgrind 3.19 reads
 * as strings. */
static bool jail_step(bool ok, const char *what) {
  if (!ok)
    log_error_errno("cannot give the resolver process an empty root: %s", what);
  return ok;
}

/* An empty regular file PATH (under DIR), mode 0444. */
static bool make_file(int dir, const char *path) {
  int fd = openat(dir, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
  if (fd < 0)
    return false;
  close(fd);
  return true;
}

/* Whether this process made and entered the empty root, and how. */
static bool in_empty_root;
static enum sandbox_root root_way;

enum sandbox_root sandbox_empty_root_way(void) { return root_way; }

bool sandbox_check_urandom(void) {
  if (!in_empty_root)
    return true;
  char byte;
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  bool ok = fd >= 0 && read(fd, &byte, 1) == 1;
  if (fd >= 0)
    close(fd);
  return jail_step(ok, "/dev/urandom cannot be read there (c-ares would fall back to rand() for "
                       "its query IDs)");
}

#if defined(SYS_fsopen) && defined(SYS_fsconfig) && defined(SYS_fsmount)
/* The new mount API's constants (linux/mount.h: the kernel's ABI), named
 * here: glibc 2.36's <sys/mount.h> and <linux/mount.h> do not go
 * together, and an older glibc has neither. */
enum { FS_SET_FLAG = 0, FS_SET_STRING = 1, FS_CMD_CREATE = 6, FS_CMD_RECONFIGURE = 7 };
enum { FS_CLOEXEC = 1, FS_ATTR_NOSUID = 0x2, FS_ATTR_NOEXEC = 0x8 };

static bool fs_set(int fs, unsigned cmd, const char *key, const char *value) {
  return syscall(SYS_fsconfig, fs, cmd, key, value, 0) == 0;
}

int sandbox_make_empty_root(void) {
  int fs = (int)syscall(SYS_fsopen, "tmpfs", FS_CLOEXEC);
  if (fs < 0)
    return -1;
  /* The modes are the modes made, whatever the caller's umask (see
   * sandbox_enter_empty_root); the caller's is given back. */
  mode_t mask = umask(0);
  int m = -1;
  bool ok = fs_set(fs, FS_SET_STRING, "mode", "0755") && fs_set(fs, FS_SET_STRING, "size", "16k") &&
            fs_set(fs, FS_SET_STRING, "nr_inodes", "8") && fs_set(fs, FS_CMD_CREATE, NULL, NULL) &&
            (m = (int)syscall(SYS_fsmount, fs, FS_CLOEXEC, FS_ATTR_NOSUID | FS_ATTR_NOEXEC)) >= 0 &&
            mkdirat(m, "dev", 0755) == 0 &&
            mknodat(m, "dev/urandom", S_IFCHR | 0444, makedev(1, 9)) == 0 &&
            make_file(m, "dev/null") && fs_set(fs, FS_SET_FLAG, "ro", NULL) &&
            fs_set(fs, FS_CMD_RECONFIGURE, NULL, NULL);
  umask(mask);
  close(fs);
  if (!ok && m >= 0) {
    close(m);
    m = -1;
  }
  return m;
}
#else
int sandbox_make_empty_root(void) { return -1; }
#endif

/* In the child: the root the parent made. False when it cannot be
 * entered (chroot refused in a user namespace of the target's, say): the
 * child then makes its own. */
static bool enter_made_root(int root_fd) {
  if (fchdir(root_fd) < 0 || chroot(".") < 0) {
    if (chdir("/") < 0)
      log_error_errno("chdir /");
    return false;
  }
  close(root_fd);
  return jail_step(chdir("/") == 0, "chdir /");
}

bool sandbox_enter_empty_root(int root_fd, bool privileged) {
  if (!privileged) {
    if (root_fd >= 0)
      close(root_fd);
    return true;
  }
  /* The modes below are the modes made, whatever umask the caller had: under
   * umask 077, dev was 0700 and dev/null 0400, root's, and the child (uid
   * 65534) could open neither dev/null nor dev/urandom (c-ares then falls
   * back to rand() for its query IDs). umask(0) once here rather than a
   * chmod after each: it covers every file made here, now or later, leaves
   * no moment with another mode, and this child makes nothing afterwards
   * (the root is read-only, the filter refuses opens for writing). */
  umask(0);
  if (root_fd >= 0 && enter_made_root(root_fd)) {
    root_way = SANDBOX_ROOT_DETACHED;
    return in_empty_root = true;
  }
  /* Not entered: the child holds nothing of it either way. */
  if (root_fd >= 0)
    close(root_fd);
  /* Else a mount namespace of its own, with the tmpfs mounted on JAIL. */
  const unsigned long ro = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  /* A service manager may forbid mount namespaces (systemd's
   * RestrictNamespaces=, as the watch unit has): the root is then the
   * service's own sandbox, and the seccomp filter still applies. */
  if (unshare(CLONE_NEWNS) < 0) {
    if (errno != EPERM)
      return jail_step(false, "unshare(CLONE_NEWNS)");
    log_info("the resolver process keeps the service's root: mount namespaces are not permitted "
             "here (RestrictNamespaces=); its seccomp filter still applies");
    return true;
  }
  /* Nothing done below propagates to the host; its unmounts reach us. */
  in_empty_root =
      jail_step(mount("none", "/", "none", MS_REC | MS_SLAVE, NULL) == 0, "make / a slave") &&
      jail_step(mount("tmpfs", JAIL, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                      "mode=0755,size=16k,nr_inodes=8") == 0,
                "mount a tmpfs on " JAIL) &&
      jail_step(mkdir(JAIL "/dev", 0755) == 0, "mkdir dev") &&
      jail_step(make_file(AT_FDCWD, JAIL "/dev/null"), "create dev/null") &&
      jail_step(make_file(AT_FDCWD, JAIL "/dev/urandom"), "create dev/urandom") &&
      jail_step(mount("/dev/urandom", JAIL "/dev/urandom", "none", MS_BIND, NULL) == 0,
                "bind /dev/urandom") &&
      jail_step(mount("none", JAIL "/dev/urandom", "none",
                      MS_REMOUNT | MS_BIND | (ro & ~(unsigned long)MS_NODEV), NULL) == 0,
                "make dev/urandom read-only") &&
      jail_step(mount("none", JAIL, "none", MS_REMOUNT | MS_BIND | ro, NULL) == 0,
                "make the tmpfs read-only") &&
      jail_step(chdir(JAIL) == 0, "chdir") && jail_step(chroot(".") == 0, "chroot") &&
      jail_step(chdir("/") == 0, "chdir /");
  if (in_empty_root)
    root_way = SANDBOX_ROOT_NAMESPACE;
  return in_empty_root;
}

const char *sandbox_seccomp_built(void) { return HAVE_SECCOMP ? "seccomp" : "no seccomp"; }

bool sandbox_seccomp_active(void) { return HAVE_SECCOMP && !RUNNING_ON_VALGRIND; }

#if HAVE_SECCOMP
/* The filters were built and exported as BPF at build time (the rules are
 * sandbox_filter.c's): loading one is a prctl. */
/* Made for this program's machine: the generator ran on the build machine
 * (meson refuses another CPU family; these catch the rest: x32 on x86_64,
 * the other byte order). */
_Static_assert(SANDBOX_FILTERS_POINTER_SIZE == sizeof(void *),
               "the seccomp filters were made for another ABI: -Dseccomp=disabled");
_Static_assert(SANDBOX_FILTERS_BIG_ENDIAN == (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__),
               "the seccomp filters were made for another byte order: -Dseccomp=disabled");
_Static_assert(N_ELEMENTS(resolver_filter) <= BPF_MAXINSNS &&
                   N_ELEMENTS(front_filter) <= BPF_MAXINSNS,
               "a seccomp filter longer than the kernel takes");

static bool load(const struct sock_filter *insns, size_t n, const char *who) {
  if (!sandbox_seccomp_active())
    return true;
  struct sock_fprog prog = {.len = (unsigned short)n, .filter = (struct sock_filter *)insns};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) {
    log_error_errno("cannot install %s's seccomp filter", who);
    return false;
  }
  return true;
}

bool sandbox_seccomp_install(void) {
  return load(resolver_filter, N_ELEMENTS(resolver_filter), "the resolver process");
}
bool sandbox_seccomp_install_front(void) {
  return load(front_filter, N_ELEMENTS(front_filter), "the --serve front");
}
#else
bool sandbox_seccomp_install(void) { return true; }
bool sandbox_seccomp_install_front(void) { return true; }
#endif
