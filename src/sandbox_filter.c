/* SPDX-License-Identifier: MIT */
#include "sandbox_filter.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

/* Built for the build machine too (the generator): nothing of base/. */
#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

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

/* The N calls NAMES, whatever their arguments, and memory that is never
 * executable. */
static int common_rules(scmp_filter_ctx ctx, const char *const *names, size_t n) {
  int r = 0;
  for (size_t i = 0; i < n && r == 0; i++)
    r = rule(ctx, SCMP_ACT_ALLOW, names[i], 0, NULL);
  struct scmp_arg_cmp noexec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
  if (r == 0)
    r = rule(ctx, SCMP_ACT_ALLOW, "mmap", 1, &noexec);
  if (r == 0)
    r = rule(ctx, SCMP_ACT_ALLOW, "mprotect", 1, &noexec);
  return r;
}

static int resolver_rules(scmp_filter_ctx ctx) {
  int r = common_rules(ctx, allowed, N_ELEMENTS(allowed));
  /* Files: read-only opens, which find nothing but dev/null and dev/urandom
   * in the empty root. */
  const scmp_datum_t wflags = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | O_TMPFILE;
  struct scmp_arg_cmp ro_open = SCMP_A2(SCMP_CMP_MASKED_EQ, wflags, 0);
  if (r == 0)
    r = rule(ctx, SCMP_ACT_ALLOW, "openat", 1, &ro_open);
  struct scmp_arg_cmp ro_open_legacy = SCMP_A1(SCMP_CMP_MASKED_EQ, wflags, 0);
  if (r == 0)
    r = rule(ctx, SCMP_ACT_ALLOW, "open", 1, &ro_open_legacy);
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
  return r;
}

static int front_rules(scmp_filter_ctx ctx) {
  return common_rules(ctx, front_allowed, N_ELEMENTS(front_allowed));
}

int sandbox_filter_rules(scmp_filter_ctx ctx, enum sandbox_filter filter) {
  return filter == SANDBOX_FILTER_FRONT ? front_rules(ctx) : resolver_rules(ctx);
}
