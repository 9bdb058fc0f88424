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
#include "util.h"

/* The process that forked, as the child knows it: getppid() in the child
 * may already be init's pid if the parent died at once. */
static pid_t forking_parent;

int64_t child_setup_us;

bool child_keep_only_pipe(int wfd) {
  /* Nothing the caller had open (a root-only file passed as 5<secret, the
   * pidfd, the namespace descriptor) survives. */
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0) {
    log_error_errno("cannot point standard input and output at /dev/null");
    return false;
  }
  if (wfd != CHILD_FD && dup2(wfd, CHILD_FD) < 0) {
    log_error_errno("dup2");
    return false;
  }
  if (syscall(SYS_close_range, CHILD_FD + 1, ~0u, 0) == 0)
    return true;
  /* Linux < 5.9, or valgrind: close them one by one, up to the limit. */
  long max = sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 1 << 20)
    max = 1 << 20;
  for (int fd = CHILD_FD + 1; fd < max; fd++)
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

/* In the child: becomes the unprivileged child, first into the namespace
 * (sockets made later live there), then sheds descriptors, then everything
 * else; then the body. */
__attribute__((noreturn)) static void become_child(const struct target *t, int wfd,
                                                   void (*body)(void *), void *ctx) {
  int64_t t0 = now_us();
  bool in_user_ns = false;
  if (t && !target_enter_netns(t, &in_user_ns))
    _exit(EXIT_TARGET);
  if (!child_keep_only_pipe(wfd) || !drop_privileges(in_user_ns) || !child_die_with_parent())
    _exit(EXIT_OUTPUT);
  child_setup_us = now_us() - t0;
  body(ctx);
  _exit(EXIT_OUTPUT); /* not reached: a body _exits (gcc does not see that through a pointer) */
}

bool child_start(struct child *c, const char *what, const struct target *t, child_body_fn body,
                 void *ctx, int64_t deadline_ms) {
  *c = (struct child){.pid = -1, .rfd = -1, .deadline_ms = deadline_ms};
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) {
    log_error_errno("cannot start %s: pipe", what);
    return false;
  }
  fflush(NULL);
  forking_parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    log_error_errno("cannot start %s: fork", what);
    close(fds[0]);
    close(fds[1]);
    return false;
  }
  if (pid == 0) {
    close(fds[0]);
    become_child(t, fds[1], body, ctx);
  }
  close(fds[1]);
  c->pid = pid;
  c->rfd = fds[0];
  return true;
}

ssize_t child_read(struct child *c, void *buf, size_t len) {
  for (;;) {
    int64_t left = c->deadline_ms - now_ms();
    if (left <= 0) {
      errno = ETIMEDOUT;
      return -1;
    }
    struct pollfd pfd = {.fd = c->rfd, .events = POLLIN};
    int n = poll(&pfd, 1, left > 3600000 ? 3600000 : (int)left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0)
      continue; /* the deadline is checked above */
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
  if (c->pid <= 0)
    return false;
  if (kill_it)
    kill(c->pid, SIGKILL);
  bool exited = child_reap(c->pid, now_ms() + grace_ms, wstatus);
  c->pid = -1;
  return exited;
}
