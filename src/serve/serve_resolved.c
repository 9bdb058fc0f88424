/* SPDX-License-Identifier: MIT */
/* --serve --resolved (serve_resolved.h): the link, and resolvectl run with
 * a clean environment, from a fixed path, each run waited for. */
#include "serve_resolved.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "route.h"
#include "util.h"

/* resolvectl answers once resolved has. Its own D-Bus timeout is 25 s, but
 * SIGTERM waits while it runs (at most four runs at start): 10 s each keeps
 * a stop within systemd's 90 s when resolved hangs. */
#define RESOLVECTL_MS 10000

const char *const serve_resolved_paths[] = {"/usr/bin/resolvectl", "/bin/resolvectl",
                                            "/usr/sbin/resolvectl", "/sbin/resolvectl", NULL};

/* The link's descriptor, for serve_resolved_close_in_child. */
static int link_fd = -1;

const char *serve_resolved_address_problem(const struct address *a) {
  static const uint8_t zero[16], loop6[16] = {[15] = 1};
  size_t alen = a->family == 4 ? 4 : 16;
  if (!memcmp(a->bytes, zero, alen))
    return "is the unspecified address, which resolved cannot send to";
  if (a->family == 6 && !memcmp(a->bytes, loop6, 16))
    return "is ::1, which has host scope on any link: resolved would not use the link (listen "
           "on an IPv4 address, 127.0.0.153 by default)";
  return NULL;
}

void serve_resolved_server_arg(const struct address *a, uint16_t port,
                               char out[SERVE_RESOLVED_ARG_MAX]) {
  char text[ADDRESS_TEXT_MAX];
  address_format(a, text);
  if (port == 53)
    snprintf(out, SERVE_RESOLVED_ARG_MAX, "%s", text);
  else if (a->family == 6)
    snprintf(out, SERVE_RESOLVED_ARG_MAX, "[%s]:%u", text, port);
  else
    snprintf(out, SERVE_RESOLVED_ARG_MAX, "%s:%u", text, port);
}

bool serve_resolved_domain_arg(const char *domain, char *out, size_t size) {
  size_t len = strlen(domain);
  if (len && domain[len - 1] == '.')
    len--;
  int n = snprintf(out, size, "~%.*s", (int)len, domain);
  return n > 0 && (size_t)n < size;
}

const char *serve_resolved_find(const char *const *paths) {
  for (; *paths; paths++) {
    struct stat st;
    if (stat(*paths, &st) == 0 && S_ISREG(st.st_mode) && access(*paths, X_OK) == 0)
      return *paths;
  }
  return NULL;
}

/* resolvectl ARGV[1]...: run and waited for; false after a message. */
static bool resolvectl(const struct serve_resolved *r, const char *const argv[]) {
  char shown[256] = "";
  for (size_t i = 1, n = 0; argv[i] && n < sizeof shown; i++)
    n += (size_t)snprintf(shown + n, sizeof shown - n, " %s", argv[i]);
  static char *const env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
  pid_t parent = getpid();
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    log_error_errno("--resolved: cannot run %s%s: fork", r->resolvectl, shown);
    return false;
  }
  if (pid == 0) {
    serve_resolved_close_in_child();
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
      _exit(127);
    /* What --serve blocked or ignored is not resolvectl's. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
      _exit(127);
    /* Nothing but its standard descriptors (ours are close-on-exec; these
     * would be what hostalias itself was given). */
    (void)syscall(SYS_close_range, 3, ~0u, 0);
    execve(r->resolvectl, (char *const *)argv, env);
    _exit(127);
  }
  int ws = 0;
  if (!child_reap(pid, now_ms() + RESOLVECTL_MS, &ws)) {
    log_error("--resolved: %s%s did not finish within %d s (is systemd-resolved running?)",
              r->resolvectl, shown, RESOLVECTL_MS / 1000);
    return false;
  }
  if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
    return true;
  if (WIFEXITED(ws))
    log_error("--resolved: %s%s failed (exit status %d%s)", r->resolvectl, shown, WEXITSTATUS(ws),
              WEXITSTATUS(ws) == 127 ? ": it could not be run" : "; is systemd-resolved running?");
  else
    log_error("--resolved: %s%s was killed by signal %d", r->resolvectl, shown, WTERMSIG(ws));
  return false;
}

/* The link made: a tun device, not persistent, its descriptor ours alone. */
static bool open_link(struct serve_resolved *r) {
  r->tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (r->tun < 0) {
    log_error_errno("--resolved: cannot open /dev/net/tun to make the bridge's link");
    return false;
  }
  link_fd = r->tun;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", SERVE_RESOLVED_LINK);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  if (ioctl(r->tun, TUNSETIFF, &ifr) < 0) {
    log_error_errno("--resolved: cannot make the link %s (TUNSETIFF; needs CAP_NET_ADMIN)",
                    SERVE_RESOLVED_LINK);
    return false;
  }
  snprintf(r->link, sizeof r->link, "%s", ifr.ifr_name);
  return true;
}

bool serve_resolved_start(struct serve_resolved *r, const char *domain, const struct address *a,
                          uint16_t port) {
  char server[SERVE_RESOLVED_ARG_MAX], routing[300], text[ADDRESS_TEXT_MAX];
  address_format(a, text);
  r->tun = -1;
  r->link[0] = '\0';
  const char *problem = serve_resolved_address_problem(a);
  if (problem) {
    log_error("--resolved: the bridge's address %s %s", text, problem);
    return false;
  }
  if (!(r->resolvectl = serve_resolved_find(serve_resolved_paths))) {
    log_error("--resolved: resolvectl not found (looked for %s, %s, %s and %s): is "
              "systemd-resolved installed?",
              serve_resolved_paths[0], serve_resolved_paths[1], serve_resolved_paths[2],
              serve_resolved_paths[3]);
    return false;
  }
  serve_resolved_server_arg(a, port, server);
  if (!serve_resolved_domain_arg(domain, routing, sizeof routing) || !open_link(r)) {
    serve_resolved_stop(r);
    return false;
  }
  const char *step;
  if (!route_link_up_with_address((int)if_nametoindex(r->link), a, &step)) {
    log_error_errno("--resolved: link %s: %s (%s)", r->link, step, text);
    serve_resolved_stop(r);
    return false;
  }
  const char *dns[] = {"resolvectl", "dns", r->link, server, NULL};
  const char *dom[] = {"resolvectl", "domain", r->link, routing, NULL};
  const char *route[] = {"resolvectl", "default-route", r->link, "no", NULL};
  if (!resolvectl(r, dns) || !resolvectl(r, dom) || !resolvectl(r, route)) {
    serve_resolved_stop(r);
    return false;
  }
  log_info("--resolved: systemd-resolved sends %s to %s through link %s (a routing-only domain, "
           "not a default route)",
           routing, server, r->link);
  return true;
}

void serve_resolved_stop(struct serve_resolved *r) {
  if (r->tun < 0)
    return;
  if (r->link[0] && r->resolvectl) {
    const char *revert[] = {"resolvectl", "revert", r->link, NULL};
    if (!resolvectl(r, revert))
      log_warn("--resolved: link %s goes now all the same, and resolved forgets it with it",
               r->link);
  }
  close(r->tun);
  r->tun = link_fd = -1;
}

void serve_resolved_close_in_child(void) {
  if (link_fd >= 0)
    close(link_fd);
  link_fd = -1;
}
