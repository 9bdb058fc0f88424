/* SPDX-License-Identifier: MIT */
/* Socket activation for --serve (serve_activation.h). The environment and
 * the descriptors are not trusted: every number is parsed strictly and
 * bounded, every descriptor asked what it is. */
#include "serve_activation.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

/* A decimal number of at most 9 digits, no sign, no space. */
static bool parse_count(const char *s, long *out) {
  size_t len = strlen(s);
  if (len == 0 || len > 9 || strspn(s, "0123456789") != len)
    return false;
  *out = strtol(s, NULL, 10);
  return true;
}

/* LISTEN_FDNAMES: N names, colon-separated, each as systemd allows them
 * (printable ASCII, no colon, at most 255 bytes). */
static bool split_names(const char *text, struct serve_socket *out, size_t n) {
  size_t i = 0;
  const char *p = text;
  for (;;) {
    size_t len = strcspn(p, ":");
    if (i == n || len > SERVE_ACTIVATION_NAME_MAX) {
      log_error("--serve: LISTEN_FDNAMES=\"%.64s\" does not name the %zu socket%s passed", text, n,
                n == 1 ? "" : "s");
      return false;
    }
    for (size_t k = 0; k < len; k++)
      if (p[k] < 0x20 || p[k] > 0x7e) {
        log_error("--serve: LISTEN_FDNAMES holds a byte 0x%02x: only printable ASCII names",
                  (unsigned)(unsigned char)p[k]);
        return false;
      }
    memcpy(out[i].name, p, len);
    out[i].name[len] = '\0';
    i++;
    if (p[len] == '\0')
      break;
    p += len + 1;
  }
  if (i != n) {
    log_error("--serve: LISTEN_FDNAMES names %zu socket%s, LISTEN_FDS says %zu", i,
              i == 1 ? "" : "s", n);
    return false;
  }
  return true;
}

static bool sockopt_int(int fd, int opt, int *v) {
  socklen_t len = sizeof *v;
  return getsockopt(fd, SOL_SOCKET, opt, v, &len) == 0 && len == sizeof *v;
}

/* What is wrong with S->fd as a socket to serve on, or NULL. */
static const char *socket_problem(struct serve_socket *s) {
  int type, proto, listening;
  if (fcntl(s->fd, F_GETFD) < 0)
    return "is not open";
  if (!sockopt_int(s->fd, SO_TYPE, &type))
    return errno == ENOTSOCK ? "is not a socket" : "cannot be asked its type";
  if (!sockopt_int(s->fd, SO_DOMAIN, &s->family) || !sockopt_int(s->fd, SO_PROTOCOL, &proto))
    return "cannot be asked its family";
  if (s->family != AF_INET && s->family != AF_INET6)
    return "is not an IPv4 or IPv6 socket (a unix socket, netlink...)";
  if (type == SOCK_DGRAM && proto == IPPROTO_UDP)
    s->type = SOCK_DGRAM;
  else if (type == SOCK_STREAM && proto == IPPROTO_TCP)
    s->type = SOCK_STREAM;
  else
    return "is neither a UDP nor a TCP socket";
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  if (getsockname(s->fd, (struct sockaddr *)&ss, &sl) < 0)
    return "cannot be asked its address";
  in_port_t port = ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                           : ((struct sockaddr_in6 *)&ss)->sin6_port;
  if (port == 0)
    return "is not bound to a port";
  if (s->type == SOCK_STREAM && (!sockopt_int(s->fd, SO_ACCEPTCONN, &listening) || !listening))
    return "is a TCP socket that is not listening";
  int fl = fcntl(s->fd, F_GETFL);
  if (fcntl(s->fd, F_SETFD, FD_CLOEXEC) < 0 || fl < 0 || fcntl(s->fd, F_SETFL, fl | O_NONBLOCK) < 0)
    return "cannot be made close-on-exec and non-blocking";
  return NULL;
}

int serve_activation_take(struct serve_socket *out, size_t max) {
  const char *pid_text = getenv("LISTEN_PID"), *fds_text = getenv("LISTEN_FDS");
  const char *names = getenv("LISTEN_FDNAMES");
  /* Copied: unsetenv frees them. */
  char pid_buf[16] = "", fds_buf[16] = "";
  _cleanup_free_ char *names_copy = names ? xstrdup(names) : NULL;
  if (pid_text)
    snprintf(pid_buf, sizeof pid_buf, "%s", pid_text);
  if (fds_text)
    snprintf(fds_buf, sizeof fds_buf, "%s", fds_text);
  bool passed = pid_text != NULL;
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_FDNAMES");
  if (!passed)
    return 0;
  long pid, n;
  if (!parse_count(pid_buf, &pid) || pid == 0) {
    log_error("--serve: LISTEN_PID=\"%s\" is not a process ID", pid_buf);
    return -1;
  }
  if (pid != getpid())
    return 0; /* meant for another process */
  if (!fds_text || !parse_count(fds_buf, &n)) {
    log_error("--serve: LISTEN_FDS=\"%s\" is not a number of sockets", fds_buf);
    return -1;
  }
  if (n == 0)
    return 0;
  size_t limit = max < SERVE_ACTIVATION_MAX ? max : SERVE_ACTIVATION_MAX;
  if ((size_t)n > limit) {
    log_error("--serve: LISTEN_FDS=%ld: at most %zu sockets", n, limit);
    return -1;
  }
  for (long i = 0; i < n; i++) {
    out[i].fd = SERVE_ACTIVATION_FIRST_FD + (int)i;
    out[i].name[0] = '\0';
  }
  bool good = !names_copy || split_names(names_copy, out, (size_t)n);
  for (long i = 0; good && i < n; i++) {
    const char *why = socket_problem(&out[i]);
    if (why) {
      log_error("--serve: the socket passed as descriptor %d%s%s%s %s: expected a bound UDP or a "
                "listening TCP socket, IPv4 or IPv6",
                out[i].fd, out[i].name[0] ? " (\"" : "", out[i].name, out[i].name[0] ? "\")" : "",
                why);
      good = false;
    }
  }
  if (!good) {
    for (long i = 0; i < n; i++)
      close(SERVE_ACTIVATION_FIRST_FD + (int)i);
    return -1;
  }
  return (int)n;
}
