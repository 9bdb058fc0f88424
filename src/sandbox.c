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
#include <unistd.h>

#include "config.h"
#include "util.h"

#if HAVE_SECCOMP
#include <linux/sockios.h>
#include <seccomp.h>
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

/* An empty regular file PATH, mode 0444. */
static bool make_file(const char *path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
  if (fd < 0)
    return false;
  close(fd);
  return true;
}

/* Whether this process made and entered the empty root. */
static bool in_empty_root;

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

bool sandbox_enter_empty_root(bool privileged) {
  if (!privileged)
    return true;
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
  /* The modes below are the modes made, whatever umask the caller had: under
   * umask 077, dev was 0700 and dev/null 0400, root's, and the child (uid
   * 65534) could open neither dev/null nor dev/urandom (c-ares then falls
   * back to rand() for its query IDs). umask(0) once here rather than a
   * chmod after each: it covers every file made here, now or later, leaves
   * no moment with another mode, and this child makes nothing afterwards
   * (the root is read-only, the filter refuses opens for writing). */
  umask(0);
  /* Nothing done below propagates to the host; its unmounts reach us. */
  in_empty_root =
      jail_step(mount("none", "/", "none", MS_REC | MS_SLAVE, NULL) == 0, "make / a slave") &&
      jail_step(mount("tmpfs", JAIL, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                      "mode=0755,size=16k,nr_inodes=8") == 0,
                "mount a tmpfs on " JAIL) &&
      jail_step(mkdir(JAIL "/dev", 0755) == 0, "mkdir dev") &&
      jail_step(make_file(JAIL "/dev/null"), "create dev/null") &&
      jail_step(make_file(JAIL "/dev/urandom"), "create dev/urandom") &&
      jail_step(mount("/dev/urandom", JAIL "/dev/urandom", "none", MS_BIND, NULL) == 0,
                "bind /dev/urandom") &&
      jail_step(mount("none", JAIL "/dev/urandom", "none",
                      MS_REMOUNT | MS_BIND | (ro & ~(unsigned long)MS_NODEV), NULL) == 0,
                "make dev/urandom read-only") &&
      jail_step(mount("none", JAIL, "none", MS_REMOUNT | MS_BIND | ro, NULL) == 0,
                "make the tmpfs read-only") &&
      jail_step(chdir(JAIL) == 0, "chdir") && jail_step(chroot(".") == 0, "chroot") &&
      jail_step(chdir("/") == 0, "chdir /");
  return in_empty_root;
}

const char *sandbox_seccomp_built(void) { return HAVE_SECCOMP ? "seccomp" : "no seccomp"; }

bool sandbox_seccomp_active(void) { return HAVE_SECCOMP && !RUNNING_ON_VALGRIND; }

#if HAVE_SECCOMP
/* The system calls the resolver child makes once set up (c-ares 1.18 and
 * 1.34, glibc 2.36, the sanitizers' runtime), each a name: a name this
 * architecture lacks is skipped. Those with arguments to check are added
 * below. */
static const char *const allowed[] = {
    /* descriptors it has or makes: its pipe, stderr, sockets, epoll */
    "read", "readv", "write", "writev", "close", "fstat", "newfstatat", "lseek", "fcntl",
    /* memory (never executable: see mmap and mprotect below) */
    "brk", "munmap", "mremap", "madvise",
    /* c-ares' sockets (socket itself below) */
    "connect", "bind", "getsockname", "getpeername", "setsockopt", "getsockopt", "sendto",
    "sendmsg", "sendmmsg", "recvfrom", "recvmsg", "recvmmsg", "shutdown",
    /* waiting */
    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
    "poll", "ppoll", "select", "pselect6", "nanosleep", "clock_nanosleep",
    /* time, randomness, identity, signals, threads' locks, the end */
    "clock_gettime", "clock_getres", "gettimeofday", "time", "getrandom", "getpid", "gettid",
    "getuid", "geteuid", "getgid", "getegid", "uname", "sysinfo", "rt_sigreturn", "rt_sigprocmask",
    "rt_sigaction", "sigaltstack", "futex", "sched_yield", "restart_syscall", "exit", "exit_group"};

static int rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n,
                const struct scmp_arg_cmp *cmp) {
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR)
    return 0; /* not on this architecture */
  return seccomp_rule_add_array(ctx, action, nr, n, cmp);
}

/* The calls the front of --serve makes once set up: the sockets it was
 * given (never one of its own: no socket, bind, connect or open), its
 * poll loop, memory, its messages on stderr, the end. */
static const char *const front_allowed[] = {
    "read",        "write",           "writev",         "close",
    "fstat",       "newfstatat",      "fcntl",          "brk",
    "munmap",      "mremap",          "madvise",        "recvfrom",
    "recvmsg",     "recvmmsg",        "sendto",         "sendmsg",
    "sendmmsg",    "accept",          "accept4",        "getsockname",
    "getpeername", "getsockopt",      "shutdown",       "poll",
    "ppoll",       "clock_gettime",   "clock_getres",   "gettimeofday",
    "time",        "getrandom",       "getpid",         "gettid",
    "getppid",     "getuid",          "geteuid",        "getgid",
    "getegid",     "rt_sigreturn",    "rt_sigprocmask", "rt_sigaction",
    "sigaltstack", "futex",           "sched_yield",    "restart_syscall",
    "nanosleep",   "clock_nanosleep", "exit",           "exit_group"};

/* Memory that is never executable. */
static int noexec_rules(scmp_filter_ctx ctx) {
  struct scmp_arg_cmp noexec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
  int r = rule(ctx, SCMP_ACT_ALLOW, "mmap", 1, &noexec);
  if (r == 0)
    r = rule(ctx, SCMP_ACT_ALLOW, "mprotect", 1, &noexec);
  return r;
}

static bool load(scmp_filter_ctx ctx, int r, const char *who) {
  if (r == 0)
    r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
  if (r == 0)
    r = seccomp_load(ctx);
  if (r != 0) {
    errno = -r;
    log_error_errno("cannot install %s's seccomp filter", who);
  }
  return r == 0;
}

static bool build_and_load(scmp_filter_ctx ctx) {
  int r = 0;
  for (size_t i = 0; i < N_ELEMENTS(allowed) && r == 0; i++)
    r = rule(ctx, SCMP_ACT_ALLOW, allowed[i], 0, NULL);
  /* Files: read-only opens, which find nothing but dev/null and dev/urandom
   * in the empty root. */
  const scmp_datum_t wflags = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | O_TMPFILE;
  struct scmp_arg_cmp ro_open = SCMP_A2(SCMP_CMP_MASKED_EQ, wflags, 0);
  if (r == 0)
    r = rule(ctx, SCMP_ACT_ALLOW, "openat", 1, &ro_open);
  struct scmp_arg_cmp ro_open_legacy = SCMP_A1(SCMP_CMP_MASKED_EQ, wflags, 0);
  if (r == 0)
    r = rule(ctx, SCMP_ACT_ALLOW, "open", 1, &ro_open_legacy);
  if (r == 0)
    r = noexec_rules(ctx);
  /* Sockets: UDP and TCP over IPv4 and IPv6. Local and netlink sockets are
   * refused with an error (glibc's if_nametoindex, for a link-local
   * nameserver's zone, tries them before AF_INET); any other kind kills. */
  static const int families[] = {AF_INET, AF_INET6};
  static const int types[] = {SOCK_DGRAM, SOCK_STREAM};
  for (size_t f = 0; f < N_ELEMENTS(families); f++)
    for (size_t t = 0; t < N_ELEMENTS(types) && r == 0; t++) {
      struct scmp_arg_cmp c[2] = {SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[f], 0),
                                  SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, (scmp_datum_t)types[t])};
      r = rule(ctx, SCMP_ACT_ALLOW, "socket", 2, c);
    }
  static const int refused[] = {AF_UNIX, AF_NETLINK};
  for (size_t f = 0; f < N_ELEMENTS(refused) && r == 0; f++) {
    struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)refused[f], 0);
    r = rule(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &c);
  }
  /* ioctl: the bytes waiting on a socket, non-blocking mode, an
   * interface's index (if_nametoindex), and stdio's isatty (TCGETS, which
   * only reads: where the root is the service's own, c-ares opens the real
   * /dev/null, a character device); any other (TIOCSTI among them) kills. */
  static const unsigned long ioctls[] = {FIONREAD, FIONBIO, SIOCGIFINDEX, TCGETS};
  for (size_t i = 0; i < N_ELEMENTS(ioctls) && r == 0; i++) {
    struct scmp_arg_cmp c = SCMP_A1(SCMP_CMP_EQ, ioctls[i], 0);
    r = rule(ctx, SCMP_ACT_ALLOW, "ioctl", 1, &c);
  }
  return load(ctx, r, "the resolver process");
}

static bool build_and_load_front(scmp_filter_ctx ctx) {
  int r = 0;
  for (size_t i = 0; i < N_ELEMENTS(front_allowed) && r == 0; i++)
    r = rule(ctx, SCMP_ACT_ALLOW, front_allowed[i], 0, NULL);
  if (r == 0)
    r = noexec_rules(ctx);
  return load(ctx, r, "the --serve front");
}

static bool install(bool (*build)(scmp_filter_ctx), const char *who) {
  if (!sandbox_seccomp_active())
    return true;
  /* Killing the whole process (Linux 4.14+), else its one thread. */
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
  if (!ctx)
    ctx = seccomp_init(SCMP_ACT_KILL);
  if (!ctx) {
    log_error("cannot install %s's seccomp filter: seccomp_init failed", who);
    return false;
  }
  bool ok = build(ctx);
  seccomp_release(ctx);
  return ok;
}

bool sandbox_seccomp_install(void) { return install(build_and_load, "the resolver process"); }
bool sandbox_seccomp_install_front(void) {
  return install(build_and_load_front, "the --serve front");
}
#else
bool sandbox_seccomp_install(void) { return true; }
bool sandbox_seccomp_install_front(void) { return true; }
#endif
