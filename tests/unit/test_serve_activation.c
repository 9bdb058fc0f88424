/* SPDX-License-Identifier: MIT */
/* Socket activation for --serve: LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES
 * parsed strictly, and each descriptor from 3 on checked (a bound UDP or a
 * listening TCP socket, IPv4 or IPv6), as sd_listen_fds(3) passes them. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve_activation.h"
#include "tap.h"

static struct serve_socket got[SERVE_ACTIVATION_MAX];
static char err[2048];

/* A socket of FAMILY and TYPE on loopback, port chosen by the kernel,
 * listening when LISTEN; moved to descriptor AT. */
static void place_proto(int at, int family, int type, int proto, bool bind_it, bool listen_it) {
  int fd = socket(family, type, proto);
  if (fd < 0)
    return;
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t sl;
  if (family == AF_INET) {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sl = sizeof *a;
  } else {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    sl = sizeof *a;
  }
  if (family != AF_UNIX && bind_it)
    bind(fd, (struct sockaddr *)&ss, sl);
  if (listen_it)
    listen(fd, 1);
  if (fd != at) {
    dup2(fd, at);
    close(fd);
  }
}

static void place(int at, int family, int type, bool bind_it, bool listen_it) {
  place_proto(at, family, type, 0, bind_it, listen_it);
}

static void env(const char *pid, const char *fds, const char *names) {
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_FDNAMES");
  if (pid)
    setenv("LISTEN_PID", pid, 1);
  if (fds)
    setenv("LISTEN_FDS", fds, 1);
  if (names)
    setenv("LISTEN_FDNAMES", names, 1);
}

static const char *our_pid(void) {
  static char buf[32];
  snprintf(buf, sizeof buf, "%ld", (long)getpid());
  return buf;
}

/* serve_activation_take, its message in ERR. Standard error is captured
 * on descriptors from 100 up (tap.h's capture would take the lowest free
 * one, 3 or 4, the very descriptors under test). */
static int take(size_t max) {
  fflush(stderr);
  int m = memfd_create("stderr", 0);
  int tmp = fcntl(m, F_DUPFD_CLOEXEC, 100), saved = fcntl(2, F_DUPFD_CLOEXEC, 100);
  close(m);
  dup2(tmp, 2);
  int r = serve_activation_take(got, max);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  ssize_t n = pread(tmp, err, sizeof err - 1, 0);
  err[n > 0 ? n : 0] = '\0';
  err[strcspn(err, "\n")] = '\0';
  close(tmp);
  return r;
}

static bool env_gone(void) {
  return !getenv("LISTEN_PID") && !getenv("LISTEN_FDS") && !getenv("LISTEN_FDNAMES");
}

static bool is_open(int fd) { return fcntl(fd, F_GETFD) >= 0; }

static void test_none(void) {
  env(NULL, NULL, NULL);
  ok(take(16) == 0, "nothing passed: no socket");
  env(NULL, "1", NULL);
  ok(take(16) == 0 && env_gone(), "LISTEN_FDS without LISTEN_PID: none, and unset");
  place(3, AF_INET, SOCK_DGRAM, true, false);
  char other[32];
  snprintf(other, sizeof other, "%ld", (long)getpid() + 1);
  env(other, "1", "dns");
  ok(take(16) == 0 && env_gone(), "another process's LISTEN_PID: none passed, the variables unset");
  ok(is_open(3), "... and that process's descriptor left alone");
  close(3);
  env(our_pid(), "0", NULL);
  ok(take(16) == 0 && env_gone(), "LISTEN_FDS=0: none");
}

static void test_malformed(void) {
  const char *bad[] = {"", "abc", "-1", "+1", " 1", "1 ", "1x", "0x1", "99999999999999999999"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    env(our_pid(), bad[i], NULL);
    int r = take(16);
    ok(r == -1 && strstr(err, "LISTEN_FDS=") && env_gone(), "LISTEN_FDS=\"%s\" refused", bad[i]);
  }
  env(our_pid(), NULL, NULL);
  ok(take(16) == -1 && strstr(err, "LISTEN_FDS"), "LISTEN_PID ours, no LISTEN_FDS: refused");
  const char *badpid[] = {"", "12a", "-5", "0", "１"};
  for (size_t i = 0; i < sizeof badpid / sizeof *badpid; i++) {
    env(badpid[i], "1", NULL);
    ok(take(16) == -1 && strstr(err, "LISTEN_PID=") && env_gone(), "LISTEN_PID=\"%s\" refused",
       badpid[i]);
  }
}

static void test_too_many(void) {
  env(our_pid(), "17", NULL);
  ok(take(16) == -1 && strstr(err, "at most 16 sockets"), "17 sockets: refused (%s)", err);
  env(our_pid(), "3", NULL);
  ok(take(2) == -1 && strstr(err, "at most 2 sockets"), "more than the caller takes: refused");
  env(our_pid(), "100000000", NULL);
  ok(take(16) == -1 && strstr(err, "at most 16"), "a huge count: refused");
}

static void test_good(void) {
  place(3, AF_INET, SOCK_DGRAM, true, false);
  place(4, AF_INET6, SOCK_STREAM, true, true);
  env(our_pid(), "2", "dns-udp:dns-tcp");
  int r = take(16);
  ok(r == 2, "a UDP and a listening TCP socket: taken (%s)", err);
  ok(got[0].fd == 3 && got[0].type == SOCK_DGRAM && got[0].family == AF_INET, "3: UDP, IPv4");
  ok(got[1].fd == 4 && got[1].type == SOCK_STREAM && got[1].family == AF_INET6, "4: TCP, IPv6");
  is_str(got[0].name, "dns-udp", "3's name");
  is_str(got[1].name, "dns-tcp", "4's name");
  ok((fcntl(3, F_GETFD) & FD_CLOEXEC) && (fcntl(4, F_GETFD) & FD_CLOEXEC), "close-on-exec");
  ok((fcntl(3, F_GETFL) & O_NONBLOCK) && (fcntl(4, F_GETFL) & O_NONBLOCK), "non-blocking");
  ok(env_gone(), "the variables unset");
  ok(take(16) == 0, "asked again: none (the environment is gone)");
  close(3);
  close(4);
  place(3, AF_INET, SOCK_DGRAM, true, false);
  env(our_pid(), "1", NULL);
  ok(take(16) == 1 && got[0].name[0] == '\0', "no LISTEN_FDNAMES: no name");
  close(3);
}

/* LISTEN_FDS=N with descriptor 3 prepared by the caller: refused, the
 * message naming descriptor 3 and containing WHY, and 3 closed. */
static void refused(const char *what, const char *why, const char *names) {
  env(our_pid(), "1", names);
  int r = take(16);
  ok(r == -1 && strstr(err, "descriptor 3") && strstr(err, why), "%s: refused (%s)", what, err);
  ok(!is_open(3) && env_gone(), "%s: closed, the variables unset", what);
}

static void test_wrong(void) {
  place(3, AF_INET, SOCK_STREAM, true, false);
  refused("a TCP socket not listening", "not listening", NULL);
  place(3, AF_INET6, SOCK_STREAM, true, false);
  refused("an IPv6 TCP socket not listening", "not listening", "web");
  ok(strstr(err, "(\"web\")") != NULL, "... the message names it as LISTEN_FDNAMES does");
  place(3, AF_UNIX, SOCK_STREAM, false, false);
  refused("a unix socket", "not an IPv4 or IPv6 socket", NULL);
  place_proto(3, AF_INET, SOCK_RAW, IPPROTO_ICMP, false, false);
  if (is_open(3))
    refused("a raw socket", "neither a UDP nor a TCP", NULL);
  else
    skip("no raw socket here (needs CAP_NET_RAW)");
  place_proto(3, AF_INET, SOCK_DGRAM, IPPROTO_ICMP, true, false);
  if (is_open(3))
    refused("an ICMP datagram socket", "neither a UDP nor a TCP", NULL);
  else
    skip("no ICMP datagram socket here (net.ipv4.ping_group_range)");
  place(3, AF_INET, SOCK_DGRAM, false, false);
  refused("a UDP socket bound to nothing", "not bound", NULL);
  int p[2];
  if (pipe(p) == 0) {
    if (p[0] != 3) {
      dup2(p[0], 3);
      close(p[0]);
    }
    close(p[1]);
  }
  refused("a pipe", "not a socket", NULL);
  refused("a descriptor not open", "not open", NULL);
  /* The second bad, the first good: both closed. */
  place(3, AF_INET, SOCK_DGRAM, true, false);
  place(4, AF_INET, SOCK_STREAM, true, false);
  env(our_pid(), "2", NULL);
  ok(take(16) == -1 && strstr(err, "descriptor 4") && !is_open(3) && !is_open(4),
     "the second refused: both closed (%s)", err);
  place(3, AF_INET, SOCK_DGRAM, true, false);
  place(4, AF_INET, SOCK_DGRAM, true, false);
  env(our_pid(), "2", "only-one");
  ok(take(16) == -1 && strstr(err, "LISTEN_FDNAMES") && !is_open(3), "one name for two: refused");
  place(3, AF_INET, SOCK_DGRAM, true, false);
  env(our_pid(), "1", "a:b");
  ok(take(16) == -1 && strstr(err, "LISTEN_FDNAMES"), "two names for one: refused");
  place(3, AF_INET, SOCK_DGRAM, true, false);
  env(our_pid(), "1", "bad\x1b[0mname");
  ok(take(16) == -1 && strstr(err, "0x1b") && !strchr(err, '\x1b'),
     "a name with an escape: refused, the byte not printed");
}

int main(void) {
  /* Descriptors 3 and 4 are the test's: whatever the harness left there
   * goes. */
  close(3);
  close(4);
  test_none();
  test_malformed();
  test_too_many();
  test_good();
  test_wrong();
  return tap_done();
}
