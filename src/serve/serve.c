/* SPDX-License-Identifier: MIT */
/* hostalias --serve: binds the listening sockets, forks the front (see
 * serve_front.c) and then serves its requests (serve_priv.c). */
#include "serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "child.h"
#include "engine.h"
#include "names.h"
#include "serve_activation.h"
#include "serve_internal.h"
#include "serve_resolved.h"

bool serve_parse_listen(const char *text, struct nameserver *out) {
  if (!nameserver_parse(text, out) || out->scope[0])
    return false;
  if (!out->port)
    out->port = SERVE_DEFAULT_PORT;
  return true;
}

/* A socket of TYPE bound to NS, or -1 after a message. */
static int listen_on(const struct nameserver *ns, int type) {
  struct sockaddr_storage ss;
  socklen_t sl = address_to_sockaddr(&ns->addr, ns->port, &ss);
  int family = ss.ss_family;
  char text[ADDRESS_TEXT_MAX];
  address_format(&ns->addr, text);
  int fd = socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int one = 1;
  if (fd < 0 ||
      (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) ||
      (type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) ||
      bind(fd, (struct sockaddr *)&ss, sl) < 0 || (type == SOCK_STREAM && listen(fd, 64) < 0)) {
    log_error_errno("--serve: cannot listen on %s%s%s port %u (%s)", family == AF_INET6 ? "[" : "",
                    text, family == AF_INET6 ? "]" : "", ns->port,
                    type == SOCK_STREAM ? "TCP" : "UDP");
    if (fd >= 0)
      close(fd);
    return -1;
  }
  return fd;
}

/* --resolved: the address resolved is to send to, the first UDP socket's
 * (passed, or of the first --listen); false after a message. */
static bool resolved_address(const struct serve_socket *act, size_t nact,
                             const struct nameserver *ls, struct address *a, uint16_t *port) {
  if (nact == 0) {
    *a = ls[0].addr;
    *port = ls[0].port;
    return true;
  }
  for (size_t i = 0; i < nact; i++) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (act[i].type != SOCK_DGRAM || getsockname(act[i].fd, (struct sockaddr *)&ss, &sl) < 0 ||
        !address_from_sockaddr((struct sockaddr *)&ss, sl, a))
      continue;
    *port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                          : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return true;
  }
  log_error("--resolved: no UDP socket among those passed by the service manager");
  return false;
}

static void close_activated(const struct serve_socket *act, size_t n) {
  for (size_t i = 0; i < n; i++)
    close(act[i].fd);
}

static void log_activated(const struct serve_socket *act, size_t n, const char *domain) {
  for (size_t i = 0; i < n; i++) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    struct address a;
    char text[ADDRESS_TEXT_MAX] = "?";
    uint16_t port = 0;
    if (getsockname(act[i].fd, (struct sockaddr *)&ss, &sl) == 0 &&
        address_from_sockaddr((struct sockaddr *)&ss, sl, &a)) {
      address_format(&a, text);
      port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                           : ((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    log_info("--serve: listening on %s%s%s port %u (%s, descriptor %d passed by the service "
             "manager) for %s",
             act[i].family == AF_INET6 ? "[" : "", text, act[i].family == AF_INET6 ? "]" : "", port,
             act[i].type == SOCK_STREAM ? "TCP" : "UDP", act[i].fd, domain);
  }
}

int serve_run(const struct serve_config *cfg) {
  const char *domain_text = cfg->domain ? cfg->domain : SERVE_DEFAULT_DOMAIN;
  static struct dns_name domain;
  size_t dl = strlen(domain_text);
  if (dl && domain_text[dl - 1] == '.')
    dl--;
  if (name_invalid_reason(domain_text, dl) || !dns_name_from_text(domain_text, &domain)) {
    log_error("invalid --domain \"%s\": expected a DNS name", domain_text);
    return EXIT_USAGE;
  }
  /* Taken first, before anything else opens a descriptor: with --listen
   * too, refused (which sockets would be meant?). */
  struct serve_socket act[SERVE_ACTIVATION_MAX];
  int nact = serve_activation_take(act, SERVE_ACTIVATION_MAX);
  if (nact < 0)
    return EXIT_USAGE;
  if (nact > 0 && cfg->nlisten) {
    log_error("--serve: --listen given, and %d socket%s passed by the service manager: one or the "
              "other",
              nact, nact == 1 ? "" : "s");
    close_activated(act, (size_t)nact);
    return EXIT_USAGE;
  }
  struct nameserver defaults = {.port = SERVE_DEFAULT_PORT};
  address_parse(SERVE_DEFAULT_LISTEN, &defaults.addr);
  const struct nameserver *ls = cfg->nlisten ? cfg->listen : &defaults;
  size_t nl = cfg->nlisten ? cfg->nlisten : 1;

  struct address res_addr = {0};
  uint16_t res_port = 0;
  _cleanup_engine_ struct engine e = ENGINE_INIT;
  if ((cfg->resolved && !resolved_address(act, (size_t)nact, ls, &res_addr, &res_port)) ||
      !engine_init(&e, cfg->docker_host, ENGINE_TIMEOUT_MS)) {
    close_activated(act, (size_t)nact);
    return EXIT_USAGE;
  }

  /* One slot a socket passed (the other of the pair -1, which poll
   * ignores), or a UDP and a TCP socket for each address. */
  int udp[SERVE_ACTIVATION_MAX], tcp[SERVE_ACTIVATION_MAX];
  size_t nopen = 0;
  for (; nact > 0 && nopen < (size_t)nact; nopen++) {
    udp[nopen] = act[nopen].type == SOCK_DGRAM ? act[nopen].fd : -1;
    tcp[nopen] = act[nopen].type == SOCK_STREAM ? act[nopen].fd : -1;
  }
  if (nact > 0)
    nl = (size_t)nact;
  for (; nact == 0 && nopen < nl; nopen++) {
    udp[nopen] = listen_on(&ls[nopen], SOCK_DGRAM);
    tcp[nopen] = udp[nopen] >= 0 ? listen_on(&ls[nopen], SOCK_STREAM) : -1;
    if (tcp[nopen] < 0) {
      if (udp[nopen] >= 0)
        close(udp[nopen]);
      for (size_t i = 0; i < nopen; i++) {
        close(udp[i]);
        close(tcp[i]);
      }
      return EXIT_OUTPUT;
    }
  }

  sigset_t mask, old;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  sigaddset(&mask, SIGCHLD);
  sigprocmask(SIG_BLOCK, &mask, &old);
  signal(SIGPIPE, SIG_IGN);
  /* Inherited as ignored (a shell's job, a service manager), SIGCHLD would
   * make children reap themselves, and the front's death go unseen. */
  signal(SIGCHLD, SIG_DFL);
  _cleanup_fd_ int sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
  int sv[2];
  if (sigfd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    log_error_errno("--serve: cannot set up");
    return EXIT_OUTPUT;
  }
  pid_t parent = getpid();
  fflush(NULL);
  pid_t front = fork();
  if (front < 0) {
    log_error_errno("--serve: fork");
    return EXIT_OUTPUT;
  }
  if (front == 0) {
    close(sv[0]);
    serve_front_main(&domain, udp, tcp, nl, sv[1], parent, cfg->front_filter);
  }
  close(sv[1]);
  if (nact > 0)
    log_activated(act, (size_t)nact, domain_text);
  /* The privileged half keeps no listening socket: only the front has them. */
  for (size_t i = 0; i < nl; i++) {
    if (udp[i] >= 0)
      close(udp[i]);
    if (tcp[i] >= 0)
      close(tcp[i]);
  }
  for (size_t i = 0; nact == 0 && i < nl; i++) {
    char text[ADDRESS_TEXT_MAX];
    address_format(&ls[i].addr, text);
    log_info("--serve: listening on %s%s%s port %u (UDP and TCP) for %s",
             ls[i].addr.family == 6 ? "[" : "", text, ls[i].addr.family == 6 ? "]" : "", ls[i].port,
             domain_text);
  }
  /* Only now, the front started: it never holds the link. */
  struct serve_resolved res = {.tun = -1};
  if (cfg->resolved && !serve_resolved_start(&res, domain_text, &res_addr, res_port)) {
    int ws;
    kill(front, SIGTERM);
    child_reap(front, now_ms() + CHILD_GRACE_MS, &ws);
    close(sv[0]);
    return EXIT_OUTPUT;
  }
  int status = serve_priv_loop(&e, sv[0], sigfd, front);
  serve_resolved_stop(&res);
  close(sv[0]);
  return status;
}
