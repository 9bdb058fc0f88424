/* SPDX-License-Identifier: MIT */
/* The resolver child's confinement (sandbox.c): its seccomp allow-list,
 * tried for real in forked children (what it must let through, and that
 * what it must not kills with SIGSYS or fails), its empty root (as root),
 * and the relay of a child's standard error (child.c). */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "child.h"
#include "config.h"
#include "privileges.h"
#include "sandbox.h"
#include "tap.h"

/* Runs FN in a child under the filter: its wait status. FN returns the
 * child's exit status. */
static int filtered(int (*fn)(void)) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    if (!sandbox_seccomp_install())
      _exit(100);
    _exit(fn());
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return st;
}

static bool exited_ok(int st) { return WIFEXITED(st) && WEXITSTATUS(st) == 0; }
static bool sigsys(int st) { return WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS; }

/* A pipe made before the filter (pipe is not on its list), as the
 * child's own is. */
static int gp[2];

/* What the resolver does once set up: all of it must pass. */
static int allowed_calls(void) {
  char buf[64];
  if (getrandom(buf, sizeof buf, 0) != (ssize_t)sizeof buf)
    return 2;
  int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int t = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (u < 0 || t < 0)
    return 3;
  struct sockaddr_in a = {
      .sin_family = AF_INET, .sin_port = htons(9), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (connect(u, (struct sockaddr *)&a, sizeof a) < 0 || send(u, "x", 1, MSG_NOSIGNAL) != 1)
    return 4;
  int n = 0;
  if (ioctl(u, FIONREAD, &n) < 0 || fcntl(u, F_SETFL, O_NONBLOCK) < 0)
    return 5;
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = u};
  if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, u, &ev) < 0 || epoll_wait(ep, &ev, 1, 10) < 0)
    return 6;
  void *big = malloc(1 << 22); /* mmap, not executable */
  if (!big)
    return 7;
  memset(big, 1, 1 << 22);
  free(big);
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC); /* read-only opens */
  if (fd < 0)
    return 8;
  close(fd);
  if (write(gp[1], "ok", 2) != 2)
    return 9;
  /* Local and netlink sockets fail (glibc's if_nametoindex goes on to
   * AF_INET); an interface's index is found. */
  errno = 0;
  if (socket(AF_UNIX, SOCK_DGRAM, 0) >= 0 || errno != EAFNOSUPPORT)
    return 10;
  if (socket(AF_NETLINK, SOCK_DGRAM, 0) >= 0 || errno != EAFNOSUPPORT)
    return 11;
  if (if_nametoindex("lo") == 0)
    return 12;
  close(u);
  close(t);
  return 0;
}

static int open_for_writing(void) {
  return open("/tmp/hostalias-test-sandbox-w", O_WRONLY | O_CREAT | O_CLOEXEC, 0600) < 0 ? 0 : 50;
}
static int open_read_write(void) { return open("/dev/null", O_RDWR) < 0 ? 0 : 50; }
static int exec_true(void) {
  char *argv[] = {(char *)"true", NULL};
  execv("/bin/true", argv);
  return 50;
}
static int trace_me(void) { return ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0 ? 0 : 50; }
static int signal_parent(void) { return kill(getppid(), 0) < 0 ? 0 : 50; }
static int raw_socket(void) { return socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) < 0 ? 0 : 50; }
static int packet_socket(void) { return socket(AF_PACKET, SOCK_DGRAM, 0) < 0 ? 0 : 50; }
static int push_into_terminal(void) {
  char c = 'x';
  return ioctl(STDERR_FILENO, TIOCSTI, &c) < 0 ? 0 : 50;
}
static int exec_memory(void) {
  return mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED
             ? 0
             : 50;
}
static int make_executable(void) {
  void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED || mprotect(p, 4096, PROT_READ | PROT_EXEC) < 0 ? 0 : 50;
}
static int fork_again(void) {
  pid_t p = fork();
  if (p == 0)
    _exit(0);
  return p < 0 ? 0 : 50;
}
static int new_namespace(void) { return unshare(CLONE_NEWNS) < 0 ? 0 : 50; }
static int make_fifo(void) { return mkfifo("/tmp/hostalias-test-sandbox-f", 0600) < 0 ? 0 : 50; }

static void test_seccomp(void) {
  is_str(sandbox_seccomp_built(), HAVE_SECCOMP ? "seccomp" : "no seccomp", "-V says: %s",
         sandbox_seccomp_built());
  if (!sandbox_seccomp_active()) {
    skip("the filter is not installed here (%s)",
         HAVE_SECCOMP ? "under valgrind" : "built without libseccomp");
    return;
  }
  if (pipe(gp) < 0)
    return;
  int st = filtered(allowed_calls);
  ok(exited_ok(st), "what the resolver does passes the filter (status %d, signal %d)",
     WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  static const struct {
    int (*fn)(void);
    const char *what;
  } killed[] = {
      {open_for_writing, "open for writing"},
      {open_read_write, "open read-write"},
      {exec_true, "execve"},
      {trace_me, "ptrace"},
      {signal_parent, "kill (another process of uid 65534)"},
      {raw_socket, "a raw socket"},
      {packet_socket, "a packet socket"},
      {push_into_terminal, "ioctl TIOCSTI"},
      {exec_memory, "executable mmap"},
      {make_executable, "mprotect PROT_EXEC"},
      {fork_again, "fork"},
      {new_namespace, "unshare"},
      {make_fifo, "mknod (mkfifo)"},
  };
  for (size_t i = 0; i < sizeof killed / sizeof killed[0]; i++) {
    st = filtered(killed[i].fn);
    ok(sigsys(st), "%s: killed with SIGSYS (status %d, signal %d)", killed[i].what,
       WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  }
  unlink("/tmp/hostalias-test-sandbox-w");
  unlink("/tmp/hostalias-test-sandbox-f");
}

/* In the empty root ROOT_FD (the parent's, or -1: the child's own), which
 * must be made the way WAY: what is there, and what can be done. */
static enum sandbox_root way;
static int root_fd;
static int inside_empty_root(void) {
  umask(077); /* the caller's umask takes nothing from the root's modes */
  if (!sandbox_enter_empty_root(root_fd, true))
    return 1;
  if (sandbox_empty_root_way() != way)
    return 14;
  if (root_fd >= 0 && fcntl(root_fd, F_GETFD) >= 0)
    return 15; /* the parent's descriptor is not kept */
  DIR *d = opendir("/");
  if (!d)
    return 2;
  int entries = 0;
  for (struct dirent *e; (e = readdir(d));)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      entries += strcmp(e->d_name, "dev") == 0 ? 1 : 100;
  closedir(d);
  if (entries != 1)
    return 3;
  if (open("/etc/passwd", O_RDONLY) >= 0 || errno != ENOENT)
    return 4;
  if (open("/proc/self/status", O_RDONLY) >= 0)
    return 5;
  if (mkdir("/x", 0700) == 0 || errno != EROFS)
    return 6;
  char c;
  int fd = open("/dev/urandom", O_RDONLY);
  if (fd < 0 || read(fd, &c, 1) != 1)
    return 7;
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 9))
    return 7;
  fd = open("/dev/null", O_RDONLY);
  if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != 0)
    return 8;
  char cwd[64];
  if (!getcwd(cwd, sizeof cwd) || strcmp(cwd, "/"))
    return 9;
  struct stat root, dev, null;
  if (stat("/", &root) < 0 || (root.st_mode & 07777) != 0755 || stat("/dev", &dev) < 0 ||
      (dev.st_mode & 07777) != 0755 || stat("/dev/null", &null) < 0 ||
      (null.st_mode & 07777) != 0444)
    return 10;
  /* As the child will be (uid 65534, not the owner of any of it), its
   * bounding set emptied without /proc/sys/kernel/cap_last_cap. */
  if (!drop_privileges(false) || getuid() != 65534)
    return 11;
  for (int cap = 0; cap <= 63; cap++)
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) > 0)
      return 13;
  if (!sandbox_check_urandom() || open("/dev/null", O_RDONLY) < 0)
    return 12;
  return 0;
}

static void test_empty_root(void) {
  if (geteuid() != 0) {
    skip("the empty root needs root (mount namespace, tmpfs, chroot)");
    return;
  }
  static const struct {
    enum sandbox_root way;
    const char *what;
  } ways[] = {{SANDBOX_ROOT_DETACHED, "made by the parent, a tmpfs attached nowhere (its "
                                      "descriptor closed by the parent at once)"},
              {SANDBOX_ROOT_NAMESPACE, "made by the child in a mount namespace of its own (a "
                                       "rootless owner's way)"}};
  for (size_t i = 0; i < sizeof ways / sizeof ways[0]; i++) {
    way = ways[i].way;
    errno = 0;
    root_fd = way == SANDBOX_ROOT_DETACHED ? sandbox_make_empty_root() : -1;
    if (way == SANDBOX_ROOT_DETACHED && root_fd < 0 && errno == ENOSYS) {
      /* valgrind 3.19 does not know fsopen: the program takes the other way there. */
      skip("fsopen is not known here (ENOSYS: a kernel older than 5.2, or valgrind)");
      skip("the parent's empty root: not made here");
      continue;
    }
    if (way == SANDBOX_ROOT_DETACHED)
      ok(root_fd >= 0, "as root, the parent makes the empty root (fsopen, fsmount)");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
      _exit(inside_empty_root());
    if (root_fd >= 0)
      close(root_fd);
    int st = 0;
    waitpid(pid, &st, 0);
    ok(exited_ok(st),
       "the empty root, %s: only dev/null (empty) and dev/urandom (1:9), read-only, "
       "nothing of the host's; its modes 0755, 0755, 0444 under umask 077, "
       "both files opened by uid 65534, its bounding set empty (status %d)",
       ways[i].what, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  }
  /* And the host's /tmp saw nothing of it. */
  struct stat s;
  ok(stat("/tmp/dev/urandom", &s) < 0, "nothing of it appears in the host's /tmp");
  ok(sandbox_enter_empty_root(-1, false), "without capabilities: nothing done, no failure");
  /* A root the parent made and the child does not enter is not kept. */
  int fd = sandbox_make_empty_root();
  if (fd < 0) {
    skip("the parent's empty root: not made here (%s)", strerror(errno));
  } else {
    bool entered = sandbox_enter_empty_root(fd, false);
    ok(entered && fcntl(fd, F_GETFD) < 0,
       "without capabilities: nothing entered, the root the parent made closed");
  }
}

/* child_relay_stderr: what reaches our standard error. */
static void test_relay(void) {
  char path[] = "/tmp/hostalias-test-relay.XXXXXX";
  int fd = mkstemp(path);
  int saved = dup(STDERR_FILENO);
  dup2(fd, STDERR_FILENO);
  struct child c = {.pid = -1, .rfd = -1, .efd = -1, .root_fd = -1};
  const char in1[] = "hostalias: warning: a\\x1b name\nhostalias: \x1b]0;owned\x07 title\nhalf";
  child_relay_stderr(&c, in1, sizeof in1 - 1, false);
  const char in2[] = " a line\ntail without newline";
  child_relay_stderr(&c, in2, sizeof in2 - 1, false);
  child_relay_stderr(&c, "", 0, true);
  /* A flood: cut at CHILD_STDERR_MAX, said once. */
  struct child d = {.pid = -1, .rfd = -1, .efd = -1, .root_fd = -1};
  char line[1001];
  memset(line, 'y', 1000);
  line[1000] = '\n';
  for (int i = 0; i < 2000; i++)
    child_relay_stderr(&d, line, sizeof line, false);
  /* A line longer than CHILD_LINE_MAX: cut. */
  struct child e = {.pid = -1, .rfd = -1, .efd = -1, .root_fd = -1};
  static char longline[5000];
  memset(longline, 'z', sizeof longline - 1);
  longline[sizeof longline - 1] = '\n';
  child_relay_stderr(&e, longline, sizeof longline, false);
  dup2(saved, STDERR_FILENO);
  close(saved);
  static char out[4 << 20];
  ssize_t n = pread(fd, out, sizeof out - 1, 0);
  close(fd);
  unlink(path);
  out[n > 0 ? n : 0] = '\0';
  const char want[] = "hostalias: warning: a\\x1b name\n"
                      "hostalias: \\x1b]0;owned\\x07 title\n"
                      "half a line\n"
                      "tail without newline\n";
  ok(!strncmp(out, want, sizeof want - 1),
     "lines relayed whole, escapes kept, control bytes escaped, the last unfinished one too");
  const char *flood = out + sizeof want - 1;
  const char *note = strstr(flood, "further messages dropped");
  size_t ys = 0;
  for (const char *p = flood; note && p < note; p++)
    ys += *p == 'y';
  ok(note && ys >= CHILD_STDERR_MAX - 2000 && ys <= CHILD_STDERR_MAX,
     "a flood is cut at %d bytes and said once (%zu relayed)", CHILD_STDERR_MAX, ys);
  ok(note && !strstr(note + 1, "further messages dropped"), "said once");
  const char *z = note ? strchr(note, 'z') : NULL;
  size_t zs = z ? strspn(z, "z") : 0;
  ok(zs == CHILD_LINE_MAX, "a long line is cut at %d bytes (%zu)", CHILD_LINE_MAX, zs);
}

int main(void) {
  test_seccomp();
  test_empty_root();
  test_relay();
  return tap_done();
}
