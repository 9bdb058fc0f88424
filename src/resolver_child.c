/* SPDX-License-Identifier: MIT */
#include "resolver_child.h"

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

#include "privileges.h"
#include "results_wire.h"
#include "util.h"

/* The process that forked, as the child knows it: getppid() in the child
 * may already be init's pid if the parent died at once. */
static pid_t forking_parent;

/* How long a child that sent everything may take to exit. */
#define CHILD_EXIT_GRACE_MS 2000

/* Leaves the child with standard error (the caller's, for messages), its
 * pipe as descriptor 3, and /dev/null as standard input and output: nothing
 * the caller had open (a root-only file passed as 5<secret, the pidfd, the
 * namespace descriptor) survives. */
bool child_keep_only_pipe(int wfd) {
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0) {
    log_error_errno("resolver: cannot point standard input and output at /dev/null");
    return false;
  }
  if (wfd != CHILD_FD && dup2(wfd, CHILD_FD) < 0) {
    log_error_errno("resolver: dup2");
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
    log_error_errno("resolver: cannot ask to die with the parent process");
    return false;
  }
  /* A parent that died before the call above: the signal will not come. */
  return getppid() == forking_parent;
}

static void child(const struct target *t, struct resolve_request req, const struct name_list *names,
                  struct name_result *results, int wfd) {
  /* Become the unprivileged resolver: first into the namespace (sockets
   * made later live there), then shed descriptors, then everything else. */
  int64_t t0 = now_us();
  bool in_user_ns;
  if (!target_enter_netns(t, &in_user_ns))
    _exit(EXIT_TARGET);
  if (!child_keep_only_pipe(wfd) || !drop_privileges(in_user_ns) || !child_die_with_parent())
    _exit(EXIT_OUTPUT);
  int64_t t1 = now_us();
  resolve_request_finish(&req, &t->resolv_conf);
  if (t->hosts.present)
    resolve_from_hosts(t->hosts.data, t->hosts.len, t->hosts.source, names, req.cfg.families,
                       req.cfg.keep_all, results);
  int64_t t2 = now_us();
  if (!resolve_names(&req.cfg, names, results))
    _exit(EXIT_DNS);
  int64_t t3 = now_us();
  if (!results_send(CHILD_FD, results, names->count))
    _exit(EXIT_OUTPUT);
  log_info("timing (resolver child): enter netns and drop privileges %.3f ms, parse container "
           "files %.3f ms, c-ares pass %.3f ms, send results %.3f ms",
           (double)(t1 - t0) / 1000, (double)(t2 - t1) / 1000, (double)(t3 - t2) / 1000,
           (double)(now_us() - t3) / 1000);
  _exit(0);
}

/* Waits for PID until DEADLINE_MS (CLOCK_MONOTONIC), then kills it: a child
 * that hangs must not hang a cron job. A killed child is waited for a
 * moment more, never without a bound: a tracer can hold back its exit
 * status, and then it is left for a later waitpid (or init) to reap.
 * Returns false when it had to kill. */
#define KILLED_REAP_MS 1000
bool child_reap(pid_t pid, int64_t deadline_ms, int *wstatus) {
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
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

pid_t child_fork(const char *what, int *rfd, int *wfd) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) {
    log_error_errno("cannot start %s: pipe", what);
    return -1;
  }
  fflush(NULL);
  forking_parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    log_error_errno("cannot start %s: fork", what);
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    close(fds[0]);
    *wfd = fds[1];
  } else {
    close(fds[1]);
    *rfd = fds[0];
  }
  return pid;
}

int resolve_in_target(const struct target *t, const struct resolve_request *req,
                      const struct name_list *names, struct name_result *results) {
  int rfd = -1, wfd = -1;
  pid_t pid = child_fork("the resolver process", &rfd, &wfd);
  if (pid < 0)
    return EXIT_OUTPUT;
  if (pid == 0)
    child(t, *req, names, results, wfd);

  /* The child has its own deadline; this one only guards against a child
   * that hangs anyway. */
  int64_t deadline = now_ms() + req->cfg.deadline_ms + 5000;
  /* Records are decoded as they arrive, through a fixed buffer: memory does
   * not grow with the number of names, and a lying child is stopped at its
   * first bad record. The largest record fits the buffer many times. */
  char buf[65536];
  size_t len = 0;
  struct results_decoder d = {.n = names->count,
                              .families = req->cfg.families,
                              .keep_all = req->cfg.keep_all,
                              .results = results};
  bool trailing = false, timed_out = false;
  for (;;) {
    int64_t left = deadline - now_ms();
    struct pollfd pfd = {.fd = rfd, .events = POLLIN};
    if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
      timed_out = true;
      break;
    }
    ssize_t n = read(rfd, buf + len, sizeof buf - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    len += (size_t)n;
    size_t used = results_decode_some(&d, buf, len);
    memmove(buf, buf + used, len - used);
    len -= used;
    if (d.bad)
      break;
    if (d.done) {
      trailing = len > 0;
      break; /* the child exits next: no need to wait for its EOF */
    }
  }
  close(rfd);
  if (timed_out || d.bad || trailing)
    kill(pid, SIGKILL);
  int wstatus = 0;
  bool exited = child_reap(pid, now_ms() + CHILD_EXIT_GRACE_MS, &wstatus);
  int rc = EXIT_OUTPUT;
  if (timed_out) {
    log_error("the resolver process did not finish in time; killed it");
  } else if (d.bad || trailing) {
    log_error("the resolver process sent malformed results");
  } else if (!exited) {
    /* Its records were complete and each was checked: they are used. */
    log_warn("the resolver process did not exit after sending its results; killed it");
    rc = d.done ? 0 : EXIT_OUTPUT;
  } else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0) {
    rc = WEXITSTATUS(wstatus);
    if (rc != EXIT_TARGET && rc != EXIT_DNS)
      rc = EXIT_OUTPUT;
  } else if (!WIFEXITED(wstatus)) {
    log_error("the resolver process died (signal %d)", WTERMSIG(wstatus));
  } else if (!d.done) {
    log_error("the resolver process sent incomplete results");
  } else {
    rc = 0;
  }
  return rc;
}
