/* SPDX-License-Identifier: MIT */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "pidfd.h"
#include "privileges.h"
#include "sandbox.h"
#include "util.h"

/* The process that forked, as the child knows it: getppid() in the child
 * may already be init's pid if the parent died at once. */
static pid_t forking_parent;

int64_t child_setup_us;

bool child_keep_only_pipe(int wfd, int *also) {
  /* Nothing the caller had open (a root-only file passed as 5<secret, the
   * pidfd, the namespace descriptor) survives. */
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0) {
    log_error_errno("cannot point standard input and output at /dev/null");
    return false;
  }
  /* ALSO out of the way first (wfd may be where it goes, and it where wfd goes). */
  int keep = also && *also >= 0 ? fcntl(*also, F_DUPFD_CLOEXEC, CHILD_FD + 2) : -1;
  if ((also && *also >= 0 && keep < 0) || (wfd != CHILD_FD && dup2(wfd, CHILD_FD) < 0) ||
      (keep >= 0 && dup2(keep, CHILD_FD + 1) < 0)) {
    log_error_errno("dup2");
    return false;
  }
  if (keep >= 0)
    *also = CHILD_FD + 1;
  int first = keep >= 0 ? CHILD_FD + 2 : CHILD_FD + 1;
  if (syscall(SYS_close_range, first, ~0u, 0) == 0)
    return true;
  /* Linux < 5.9, or valgrind: close them one by one, up to the limit. */
  long max = sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 1 << 20)
    max = 1 << 20;
  for (int fd = first; fd < max; fd++)
    close(fd);
  return true;
}

bool child_die_with_parent(void) {
  /* A parent killed with SIGKILL cannot kill its child; without this, the
   * resolver would go on asking the container's DNS server until its own
   * deadline, and a loop that kills runs would pile them up. Set only now:
   * any change of uid (setresuid, joining a user namespace) clears it. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
    log_error_errno("cannot ask to die with the parent process");
    return false;
  }
  /* A parent that died before the call above: the signal will not come. */
  return getppid() == forking_parent;
}

/* A killed child is waited for a moment more, never without a bound: a
 * tracer can hold back its exit status, and then it is left for a later
 * waitpid (or init) to reap. */
#define KILLED_REAP_MS 1000

bool child_reap(pid_t pid, int64_t deadline_ms, int *wstatus) {
  int pidfd = pidfd_open_pid(pid);
  bool killed = false;
  for (;;) {
    pid_t r = waitpid(pid, wstatus, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR))
      break;
    int64_t left = deadline_ms - now_ms();
    if (left <= 0) {
      if (killed)
        break;
      kill(pid, SIGKILL);
      killed = true;
      deadline_ms = now_ms() + KILLED_REAP_MS;
      continue;
    }
    if (pidfd >= 0) {
      struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
      poll(&pfd, 1, (int)left);
    } else {
      /* No pidfd (Linux < 5.3, or valgrind): short naps, bounded above. */
      struct timespec nap = {.tv_nsec = 5 * 1000 * 1000};
      nanosleep(&nap, NULL);
    }
  }
  if (pidfd >= 0)
    close(pidfd);
  return !killed;
}

void child_relay_stderr(struct child *c, const char *buf, size_t len, bool flush) {
  for (size_t i = 0; i <= len; i++) {
    bool end = i == len;
    if (end && !(flush && c->elen))
      break;
    if (!end && buf[i] != '\n') {
      if (c->elen < sizeof c->ebuf)
        c->ebuf[c->elen++] = buf[i];
      continue; /* (the rest of a line too long is dropped) */
    }
    size_t n = c->elen;
    c->elen = 0;
    if (c->relayed >= CHILD_STDERR_MAX)
      continue;
    /* Printable ASCII passes as it is (the child's messages are that,
     * hostile bytes in them already escaped); anything else becomes \xHH. */
    char out[4 * CHILD_LINE_MAX + 8];
    size_t ol = 0;
    for (size_t k = 0; k < n; k++) {
      unsigned char b = (unsigned char)c->ebuf[k];
      if (b >= 0x20 && b < 0x7f) {
        out[ol++] = (char)b;
      } else {
        static const char hex[] = "0123456789abcdef";
        out[ol++] = '\\';
        out[ol++] = 'x';
        out[ol++] = hex[b >> 4];
        out[ol++] = hex[b & 15];
      }
    }
    out[ol++] = '\n';
    (void)write_all(STDERR_FILENO, out, ol);
    c->relayed += n + 1;
    if (c->relayed >= CHILD_STDERR_MAX) {
      static const char more[] = "hostalias: (the child process's further messages dropped)\n";
      (void)write_all(STDERR_FILENO, more, sizeof more - 1);
    }
  }
}

/* Reads what is waiting on the child's standard error and relays it;
 * closes it at its end. */
static void read_stderr(struct child *c) {
  char buf[4096];
  ssize_t n = read(c->efd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n <= 0) {
    child_relay_stderr(c, "", 0, true);
    close(c->efd);
    c->efd = -1;
    return;
  }
  child_relay_stderr(c, buf, (size_t)n, false);
}

/* In the child: becomes the unprivileged child, first out of the caller's
 * session and terminal, then into the namespace (sockets made later live
 * there), then sheds descriptors, then the file system, then everything
 * else; then the body. */
__attribute__((noreturn)) static void become_child(const struct target *t, int wfd, int efd,
                                                   int root_fd, unsigned flags,
                                                   void (*body)(void *), void *ctx) {
  int64_t t0 = now_us();
  /* Messages go through the parent from here on. */
  if (dup2(efd, STDERR_FILENO) < 0)
    _exit(EXIT_OUTPUT);
  if (setsid() < 0) {
    log_error_errno("cannot start a session of its own");
    _exit(EXIT_OUTPUT);
  }
  bool in_user_ns = false;
  if (t && !target_enter_netns(t, &in_user_ns))
    _exit(EXIT_TARGET);
  /* The root the parent made (sandbox.h) is the one descriptor kept with
   * the pipe, until it is entered. */
  if (!child_keep_only_pipe(wfd, &root_fd))
    _exit(EXIT_OUTPUT);
  if (chdir("/") < 0) {
    log_error_errno("chdir /");
    _exit(EXIT_OUTPUT);
  }
  if ((flags & CHILD_SANDBOX) && !sandbox_enter_empty_root(root_fd, geteuid() == 0 || in_user_ns))
    _exit(EXIT_OUTPUT);
  if (!drop_privileges(in_user_ns))
    _exit(EXIT_OUTPUT);
  if ((flags & CHILD_SANDBOX) && !sandbox_check_urandom())
    _exit(EXIT_OUTPUT);
  /* Not dumpable: no other process of uid 65534 may trace it or read its
   * memory (the uid change may have left it so already; said anyway). */
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
    log_error_errno("cannot make the process not dumpable");
    _exit(EXIT_OUTPUT);
  }
  if (!child_die_with_parent())
    _exit(EXIT_OUTPUT);
  if ((flags & CHILD_SANDBOX) && !sandbox_seccomp_install())
    _exit(EXIT_OUTPUT);
  child_setup_us = now_us() - t0;
  body(ctx);
  _exit(EXIT_OUTPUT); /* not reached: a body _exits (gcc does not see that through a pointer) */
}

bool child_start(struct child *c, const char *what, const struct target *t, unsigned flags,
                 child_body_fn body, void *ctx, int64_t deadline_ms) {
  c->pid = -1;
  c->rfd = c->efd = c->root_fd = -1;
  c->deadline_ms = deadline_ms;
  c->elen = c->relayed = 0;
  int fds[2], efds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) {
    log_error_errno("cannot start %s: pipe", what);
    return false;
  }
  if (pipe2(efds, O_CLOEXEC) < 0) {
    log_error_errno("cannot start %s: pipe", what);
    close(fds[0]);
    close(fds[1]);
    return false;
  }
  int root_fd = (flags & CHILD_SANDBOX) ? sandbox_make_empty_root() : -1;
  fflush(NULL);
  forking_parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    log_error_errno("cannot start %s: fork", what);
    close(fds[0]);
    close(fds[1]);
    close(efds[0]);
    close(efds[1]);
    if (root_fd >= 0)
      close(root_fd);
    return false;
  }
  if (pid == 0) {
    close(fds[0]);
    close(efds[0]);
    become_child(t, fds[1], efds[1], root_fd, flags, body, ctx);
  }
  c->root_fd = root_fd;
  close(fds[1]);
  close(efds[1]);
  c->pid = pid;
  c->rfd = fds[0];
  c->efd = efds[0];
  return true;
}

ssize_t child_read(struct child *c, void *buf, size_t len) {
  for (;;) {
    int64_t left = c->deadline_ms - now_ms();
    if (left <= 0) {
      errno = ETIMEDOUT;
      return -1;
    }
    struct pollfd pfd[2] = {{.fd = c->rfd, .events = POLLIN}, {.fd = c->efd, .events = POLLIN}};
    int n = poll(pfd, 2, left > 3600000 ? 3600000 : (int)left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0)
      continue; /* the deadline is checked above */
    if (pfd[1].revents)
      read_stderr(c);
    if (!pfd[0].revents)
      continue;
    ssize_t r = read(c->rfd, buf, len);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    return r;
  }
}

bool child_finish(struct child *c, bool kill_it, int grace_ms, int *wstatus) {
  if (c->rfd >= 0)
    close(c->rfd);
  c->rfd = -1;
  /* The child is in its root or gone: the last close of the root, which
   * dissolves it (sandbox.h), while the child exits. */
  if (c->root_fd >= 0)
    close(c->root_fd);
  c->root_fd = -1;
  if (c->pid <= 0)
    return false;
  if (kill_it)
    kill(c->pid, SIGKILL);
  /* Its last messages: standard error ends when it exits. */
  int64_t deadline = now_ms() + grace_ms;
  while (c->efd >= 0) {
    int64_t left = deadline - now_ms();
    if (left <= 0)
      break;
    struct pollfd pfd = {.fd = c->efd, .events = POLLIN};
    int n = poll(&pfd, 1, (int)left);
    if (n < 0 && errno != EINTR)
      break;
    if (n > 0)
      read_stderr(c);
  }
  bool exited = child_reap(c->pid, deadline, wstatus);
  c->pid = -1;
  /* After a kill: what it had written, then its end. */
  while (c->efd >= 0) {
    struct pollfd pfd = {.fd = c->efd, .events = POLLIN};
    if (poll(&pfd, 1, 0) <= 0) {
      child_relay_stderr(c, "", 0, true);
      close(c->efd);
      c->efd = -1;
    } else {
      read_stderr(c);
    }
  }
  return exited;
}
