/* SPDX-License-Identifier: MIT */
#include "pty_relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

/* What hostalias passes on to the command, and what tells it to act. */
static const int relayed_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static void relay_mask(sigset_t *set) {
  sigemptyset(set);
  for (size_t i = 0; i < N_ELEMENTS(relayed_signals); i++)
    sigaddset(set, relayed_signals[i]);
  sigaddset(set, SIGCHLD);
  sigaddset(set, SIGWINCH);
}

bool pty_relay_any_tty(void) { return isatty(0) || isatty(1) || isatty(2); }

int pty_relay_exit_status(int wstatus) {
  if (WIFEXITED(wstatus))
    return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus))
    return 128 + WTERMSIG(wstatus);
  return EXIT_OUTPUT;
}

static void relay_init(struct pty_relay *r) {
  memset(r, 0, sizeof *r);
  r->master = r->slave = r->sfd = r->term = r->in = r->out = -1;
}

bool pty_relay_open(struct pty_relay *r, uid_t owner) {
  relay_init(r);
  sigset_t set;
  relay_mask(&set);
  if (sigprocmask(SIG_BLOCK, &set, &r->old_mask) < 0) {
    log_error_errno("cannot block signals");
    return false;
  }
  r->mask_saved = true;
  r->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (r->sfd < 0) {
    log_error_errno("cannot make a signalfd");
    return false;
  }
  for (int fd = 0; fd < 3; fd++)
    r->std_tty[fd] = isatty(fd);
  if (!r->std_tty[0] && !r->std_tty[1] && !r->std_tty[2])
    return true;
  /* The caller's terminal: standard input's when it is one (what is typed
   * is relayed only then), else an output's. Output goes to standard
   * output when it is a terminal, else to standard error, else (input
   * alone is a terminal) back to the terminal it came from. */
  r->term = r->std_tty[0] ? 0 : r->std_tty[1] ? 1 : 2;
  r->out = r->std_tty[1] ? 1 : r->std_tty[2] ? 2 : 0;
  /* Read from the terminal only as its foreground process group: in the
   * background, reading or changing its modes would stop hostalias
   * (SIGTTIN, SIGTTOU). */
  if (r->std_tty[0] && tcgetpgrp(0) == getpgrp())
    r->in = 0;

  r->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  char name[128];
  if (r->master < 0 || grantpt(r->master) < 0 || unlockpt(r->master) < 0 ||
      ptsname_r(r->master, name, sizeof name) != 0) {
    log_error_errno("cannot make a pseudo-terminal for the command");
    return false;
  }
  r->slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (r->slave < 0) {
    log_error_errno("cannot open %s", name);
    return false;
  }
  /* The user's own terminal, as login gives it: they may open it by name
   * (tty, gpg's pinentry); the group (tty) and mode stay devpts'. */
  if (fchown(r->slave, owner, (gid_t)-1) < 0) {
    log_error_errno("cannot give %s to uid %u", name, (unsigned)owner);
    return false;
  }
  struct termios tio;
  struct winsize ws;
  if (tcgetattr(r->term, &tio) == 0)
    (void)tcsetattr(r->slave, TCSANOW, &tio);
  if (ioctl(r->term, TIOCGWINSZ, &ws) == 0)
    (void)ioctl(r->slave, TIOCSWINSZ, &ws);
  return true;
}

bool pty_relay_child(struct pty_relay *r) {
  if (r->master >= 0)
    close(steal_fd(&r->master));
  if (r->sfd >= 0)
    close(steal_fd(&r->sfd));
  if (r->mask_saved) {
    (void)sigprocmask(SIG_SETMASK, &r->old_mask, NULL);
    r->mask_saved = false;
  }
  if (setsid() < 0) {
    log_error_errno("cannot make a session for the command");
    return false;
  }
  if (r->slave < 0)
    return true;
  if (ioctl(r->slave, TIOCSCTTY, 0) < 0) {
    log_error_errno("cannot make the pseudo-terminal the command's terminal");
    return false;
  }
  for (int fd = 0; fd < 3; fd++)
    if (r->std_tty[fd] && dup2(r->slave, fd) < 0) {
      log_error_errno("cannot give the command its terminal");
      return false;
    }
  close(steal_fd(&r->slave));
  return true;
}

static void set_raw(struct pty_relay *r) {
  if (r->in < 0 || tcgetattr(r->in, &r->saved) < 0)
    return;
  struct termios raw = r->saved;
  cfmakeraw(&raw);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  if (tcsetattr(r->in, TCSANOW, &raw) == 0)
    r->raw = true;
}

static void restore_term(struct pty_relay *r) {
  if (!r->raw)
    return;
  (void)tcsetattr(r->in, TCSANOW, &r->saved);
  r->raw = false;
}

static void copy_winsize(struct pty_relay *r) {
  struct winsize ws;
  if (r->master >= 0 && r->term >= 0 && ioctl(r->term, TIOCGWINSZ, &ws) == 0)
    (void)ioctl(r->master, TIOCSWINSZ, &ws);
}

/* Reads what the command wrote and passes it on; false at its end (EIO:
 * no one holds the slave any more) or when none is waiting (EAGAIN). */
static bool from_master(struct pty_relay *r) {
  char buf[8192];
  ssize_t n = read(r->master, buf, sizeof buf);
  if (n < 0 && errno == EINTR)
    return true;
  if (n <= 0)
    return false;
  /* A terminal that went away: what the command writes is dropped. */
  (void)write_all(r->out, buf, (size_t)n);
  return true;
}

int pty_relay_run(struct pty_relay *r, pid_t pid) {
  if (r->slave >= 0)
    close(steal_fd(&r->slave));
  if (r->master >= 0) {
    int fl = fcntl(r->master, F_GETFL);
    (void)fcntl(r->master, F_SETFL, fl | O_NONBLOCK);
    set_raw(r);
  }
  /* Typed input on its way to the master, which may not take it all at
   * once: stdin is read again only when this is empty. */
  char pending[4096];
  size_t npending = 0, off = 0;
  bool master_open = r->master >= 0, in_open = r->in >= 0 && master_open;
  int wstatus = 0;
  bool done = false;
  while (!done) {
    struct pollfd p[3] = {
        {.fd = r->sfd, .events = POLLIN},
        {.fd = master_open ? r->master : -1, .events = (short)(POLLIN | (npending ? POLLOUT : 0))},
        {.fd = in_open && !npending ? r->in : -1, .events = POLLIN}};
    if (poll(p, N_ELEMENTS(p), -1) < 0) {
      if (errno == EINTR)
        continue;
      log_error_errno("cannot relay the command's terminal");
      (void)kill(pid, SIGKILL);
      while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
        ;
      break;
    }
    if (p[1].revents & POLLOUT && npending) {
      ssize_t n = write(r->master, pending + off, npending);
      if (n > 0) {
        off += (size_t)n;
        npending -= (size_t)n;
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        npending = 0;
      }
      if (!npending)
        off = 0;
    }
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      /* POLLHUP without data: every slave descriptor is closed; wait for
       * the child's end, without polling the master again. */
      if (!from_master(r) && (p[1].revents & (POLLHUP | POLLERR)))
        master_open = false;
    }
    if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(r->in, pending, sizeof pending);
      if (n > 0) {
        npending = (size_t)n;
        off = 0;
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        in_open = false; /* the terminal is gone: its hangup comes as SIGHUP */
      }
    }
    if (p[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(r->sfd, &si, sizeof si) == (ssize_t)sizeof si) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGWINCH) {
          copy_winsize(r);
        } else if (sig == SIGCHLD) {
          pid_t w = waitpid(pid, &wstatus, WNOHANG);
          if (w == pid || (w < 0 && errno == ECHILD))
            done = true;
        } else {
          (void)kill(pid, sig);
        }
      }
    }
  }
  /* What the command wrote last, still in the pseudo-terminal: the read
   * flushes the kernel's buffers first. A process the command left behind
   * may hold the slave open: then what is there now, and no more. */
  while (master_open && from_master(r))
    ;
  restore_term(r);
  return pty_relay_exit_status(wstatus);
}

void pty_relay_close(struct pty_relay *r) {
  restore_term(r);
  if (r->mask_saved) {
    (void)sigprocmask(SIG_SETMASK, &r->old_mask, NULL);
    r->mask_saved = false;
  }
  close_fdp(&r->master);
  close_fdp(&r->slave);
  close_fdp(&r->sfd);
  r->master = r->slave = r->sfd = -1;
}
