/* SPDX-License-Identifier: MIT */
/* The front of --serve: no privilege, an empty root, and every packet.
 *
 * One thread, one poll loop over the listening sockets, the TCP
 * connections, the sockets the privileged half handed over (one per
 * project or container, cached) and the socket to that half. Everything is
 * bounded: queries in flight, connections, cached sockets, the time a
 * query may take (then SERVFAIL), a TCP connection's idle time.
 *
 * Answers are kept too, ANSWER_MS at most (less than the TTL the clients
 * get), and all forgotten whenever the privileged half says the engine
 * changed or a socket is forgotten: within that second a name asked again
 * is answered from memory, as the client's own cache would. */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "privileges.h"
#include "serve_internal.h"
#include "serve_names.h"

#define CACHE_MAX 64
#define INFLIGHT_MAX 256
#define CONN_MAX 64
#define CONN_QUERY_MAX 4096 /* a longer query over TCP closes the connection */
#define QUERY_TIMEOUT_MS 2000
#define TCP_IDLE_MS 10000
#define NEGATIVE_MS 1000 /* a project or container not found, remembered */
#define ERROR_MS 1000    /* an engine failure, remembered */
#define LISTEN_MAX 16
#define ANSWERS_MAX 256 /* kept answers: a power of two, one a hash bucket */
#define ANSWER_MS 1000  /* an answer kept, at most (DNS_TTL is 2 s) */

enum up_state { UP_FREE, UP_ASKING, UP_READY, UP_NOT_FOUND, UP_FAILED };

struct upstream {
  enum up_state state;
  uint8_t kind; /* enum priv_kind */
  char scope[128];
  int fds[PRIV_SOCKETS_MAX]; /* in order of preference */
  size_t nfds;
  int64_t until_ms; /* UP_NOT_FOUND, UP_FAILED: remembered until */
  int64_t used_ms;  /* for eviction, the least recently used first */
  bool stale;       /* the engine changed since it was asked: asked again when idle */
};

struct pending {
  bool used;
  bool sent;
  bool retried; /* once, on a new socket, after the first one failed */
  int up;
  uint16_t up_id;
  struct dns_query q;
  struct dns_name fname;
  uint16_t fqtype;
  int64_t deadline_ms;
  /* The replies, one a socket: the first socket in order with records wins;
   * NODATA when any said NOERROR, NXDOMAIN when all said NXDOMAIN. */
  uint8_t waiting; /* bit J: socket J not answered yet */
  int best;        /* the socket whose records are in ans, or -1 */
  bool noerror, failed;
  size_t nans;
  struct dns_addr_rr ans[DNS_ANSWERS_MAX];
  /* Where the answer goes: a UDP socket and peer, or a TCP connection. */
  int udp_fd;
  struct sockaddr_storage peer;
  socklen_t peerlen;
  int conn;
  uint32_t conn_gen;
  uint32_t epoch; /* F.epoch when it was sent: a later one keeps no answer */
};

/* An answer kept: the name FNAME asked as FQTYPE through upstream UP. */
struct kept {
  uint32_t epoch; /* valid while F.epoch is this (0: never) */
  int up;
  uint16_t fqtype;
  uint8_t rcode; /* NOERROR (with records, or NODATA) or NXDOMAIN */
  int64_t until_ms;
  struct dns_name fname;
  size_t nans;
  struct dns_addr_rr ans[DNS_ANSWERS_MAX];
};

struct conn {
  int fd; /* -1: free */
  uint32_t gen;
  int64_t idle_until_ms;
  size_t len;
  uint8_t buf[2 + CONN_QUERY_MAX];
};

struct front {
  const struct dns_name *domain;
  int ctl;
  const int *udp, *tcp;
  size_t nlisten;
  struct upstream ups[CACHE_MAX];
  struct pending pend[INFLIGHT_MAX];
  struct conn conns[CONN_MAX];
  int asking[CACHE_MAX]; /* the upstreams asked for, in order: replies come in order */
  size_t nasking;
  uint32_t epoch; /* changes whenever a kept answer may be wrong */
  struct kept kept[ANSWERS_MAX];
  uint8_t out[DNS_TCP_MAX + 2];
};

static struct front F; /* large: not on the stack */

/* --- Becoming the front --------------------------------------------------- */

static bool keep_fd(int fd, const int *keep, size_t n) {
  if (fd <= 2)
    return true;
  for (size_t i = 0; i < n; i++)
    if (keep[i] == fd)
      return true;
  return false;
}

/* Closes every descriptor but standard ones and KEEP. */
static bool close_others(const int *keep, size_t n) {
  DIR *d = opendir("/proc/self/fd");
  if (!d)
    return false;
  int dfd = dirfd(d);
  int fds[1024];
  size_t nf = 0;
  struct dirent *de;
  while ((de = readdir(d)) && nf < N_ELEMENTS(fds)) {
    long v;
    if (parse_long(de->d_name, 0, 1 << 30, &v) && v != dfd && !keep_fd((int)v, keep, n))
      fds[nf++] = (int)v;
  }
  closedir(d);
  for (size_t i = 0; i < nf; i++)
    close(fds[i]);
  return true;
}

/* An empty, read-only root of its own: a new mount namespace, a tmpfs
 * mounted there (seen by no other process) and chrooted into. Not root (a
 * rootless engine's owner): first a user namespace of its own, mapping the
 * user's ids onto themselves, whose capabilities make the mount namespace
 * and are dropped after. (The propagation change ignores source and type;
 * they are named all the same, for valgrind, which checks them as
 * strings.) */
static bool empty_root(void) {
  if (geteuid() != 0 && !enter_user_ns_as(geteuid(), getegid())) {
    log_error("--serve: the front cannot make its empty root");
    return false;
  }
  if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
      mount("hostalias-serve", "/tmp", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
            "size=4k,mode=0555") < 0 ||
      chdir("/tmp") < 0 || chroot(".") < 0 || chdir("/") < 0) {
    log_error_errno("--serve: the front cannot make its empty root");
    return false;
  }
  return true;
}

static void become_front(pid_t parent, const int *keep, size_t nkeep, bool (*filter)(void)) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
    _exit(EXIT_OUTPUT);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_IGN);
  bool in_user_ns = geteuid() != 0;
  if (setsid() < 0 || !close_others(keep, nkeep) || !empty_root() || !drop_privileges(in_user_ns))
    _exit(EXIT_OUTPUT);
  /* drop_privileges cleared PDEATHSIG with the uid change: set again. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
    _exit(EXIT_OUTPUT);
  if (filter && !filter())
    _exit(EXIT_OUTPUT);
}

/* --- Answers ---------------------------------------------------------------- */

static void conn_close(struct conn *c) {
  if (c->fd >= 0)
    close(c->fd);
  c->fd = -1;
  c->gen++;
  c->len = 0;
}

static void send_to(const struct pending *p, const uint8_t *msg, size_t len) {
  if (len == 0)
    return;
  if (p->udp_fd >= 0) {
    (void)sendto(p->udp_fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL,
                 (const struct sockaddr *)&p->peer, p->peerlen);
    return;
  }
  struct conn *c = &F.conns[p->conn];
  if (c->fd < 0 || c->gen != p->conn_gen)
    return; /* closed meanwhile */
  uint8_t hdr[2] = {(uint8_t)(len >> 8), (uint8_t)len};
  struct iovec iov[2] = {{hdr, 2}, {(void *)msg, len}};
  struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
  ssize_t r = sendmsg(c->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (r != (ssize_t)len + 2)
    conn_close(c); /* a client that does not read: no buffering for it */
}

static void answer(struct pending *p, int rcode, const struct dns_addr_rr *ans, size_t n) {
  size_t len = dns_build_response(&p->q, rcode, ans, n, serve_response_limit(&p->q, p->udp_fd >= 0),
                                  F.out, sizeof F.out);
  send_to(p, F.out, len);
  p->used = false;
}

/* --- The cached sockets ------------------------------------------------------ */

/* Every kept answer is forgotten: an upstream was, or the engine changed. */
static void forget_answers(void) {
  if (++F.epoch == 0)
    F.epoch = 1; /* 0 marks a bucket never used */
}

static void up_close(struct upstream *u) {
  for (size_t j = 0; j < u->nfds; j++)
    close(u->fds[j]);
  u->nfds = 0;
  forget_answers();
}

static void up_drop(int i) {
  up_close(&F.ups[i]);
  F.ups[i].state = UP_FREE;
}

static bool up_ask(int i);

/* Forgets upstream I's socket. With RETRY (the socket failed: its
 * namespace is gone, or nobody listens there now), its pending queries
 * that were not retried yet wait for a new socket, asked for at once;
 * the others get SERVFAIL. */
static void up_invalidate(int i, bool retry) {
  bool again = false;
  for (size_t k = 0; k < INFLIGHT_MAX; k++) {
    struct pending *p = &F.pend[k];
    if (!p->used || p->up != i)
      continue;
    if (retry && !p->retried) {
      p->retried = true;
      p->sent = false;
      again = true;
    } else {
      answer(p, DNS_RCODE_SERVFAIL, NULL, 0);
    }
  }
  if (F.ups[i].state == UP_ASKING)
    return; /* the reply is on its way */
  up_close(&F.ups[i]);
  F.ups[i].state = UP_FREE;
  if (again && !up_ask(i))
    for (size_t k = 0; k < INFLIGHT_MAX; k++)
      if (F.pend[k].used && F.pend[k].up == i)
        answer(&F.pend[k], DNS_RCODE_SERVFAIL, NULL, 0);
}

static bool up_busy(int i) {
  if (F.ups[i].state == UP_ASKING)
    return true;
  for (size_t k = 0; k < INFLIGHT_MAX; k++)
    if (F.pend[k].used && F.pend[k].up == i)
      return true;
  return false;
}

static int up_find(uint8_t kind, const char *scope) {
  for (int i = 0; i < CACHE_MAX; i++)
    if (F.ups[i].state != UP_FREE && F.ups[i].kind == kind && !strcmp(F.ups[i].scope, scope))
      return i;
  return -1;
}

/* A free slot, evicting the least recently used idle one; -1 when all are
 * busy. */
static int up_alloc(void) {
  int best = -1;
  for (int i = 0; i < CACHE_MAX; i++) {
    if (F.ups[i].state == UP_FREE)
      return i;
    if (!up_busy(i) && (best < 0 || F.ups[i].used_ms < F.ups[best].used_ms))
      best = i;
  }
  if (best >= 0)
    up_drop(best);
  return best;
}

static bool up_ask(int i) {
  struct priv_request r;
  memset(&r, 0, sizeof r);
  r.kind = F.ups[i].kind;
  snprintf(r.scope, sizeof r.scope, "%s", F.ups[i].scope);
  if (F.nasking == CACHE_MAX || send(F.ctl, &r, sizeof r, MSG_NOSIGNAL) != (ssize_t)sizeof r)
    return false;
  F.ups[i].state = UP_ASKING;
  F.ups[i].stale = false; /* asked after any change told so far */
  F.asking[F.nasking++] = i;
  return true;
}

static void forward(struct pending *p) {
  struct upstream *u = &F.ups[p->up];
  uint8_t pkt[DNS_HEADER_LEN + DNS_NAME_WIRE_MAX + 4 + 11];
  /* An ID no other query on this socket is waiting with. */
  for (int tries = 0; tries < 8; tries++) {
    uint16_t id;
    if (getrandom(&id, sizeof id, 0) != (ssize_t)sizeof id)
      break;
    bool clash = false;
    for (size_t k = 0; k < INFLIGHT_MAX && !clash; k++)
      clash = F.pend[k].used && F.pend[k].sent && F.pend[k].up == p->up && F.pend[k].up_id == id;
    if (!clash) {
      p->up_id = id;
      size_t len = dns_build_forward(id, &p->fname, p->fqtype, pkt, sizeof pkt);
      bool all = len > 0;
      for (size_t j = 0; j < u->nfds && all; j++)
        all = send(u->fds[j], pkt, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len;
      if (all) {
        p->sent = true;
        p->epoch = F.epoch;
        p->waiting = (uint8_t)((1u << u->nfds) - 1);
        p->best = -1;
        p->noerror = p->failed = false;
        p->nans = 0;
        return;
      }
      break;
    }
  }
  up_invalidate(p->up, true);
}

/* --- Kept answers ---------------------------------------------------------------- */

static struct kept *kept_bucket(int up, const struct dns_name *n, uint16_t fqtype) {
  uint32_t h = 2166136261u ^ (uint32_t)up ^ ((uint32_t)fqtype << 16);
  for (size_t k = 0; k < n->len; k++) {
    uint8_t c = n->wire[k];
    h = (h ^ (c >= 'A' && c <= 'Z' ? c | 0x20 : c)) * 16777619u;
  }
  return &F.kept[h & (ANSWERS_MAX - 1)];
}

/* The answer kept for NAME as FQTYPE through upstream UP, or NULL. */
static const struct kept *kept_find(int up, const struct dns_name *n, uint16_t fqtype,
                                    int64_t now) {
  const struct kept *k = kept_bucket(up, n, fqtype);
  if (k->epoch != F.epoch || now >= k->until_ms || k->up != up || k->fqtype != fqtype ||
      !dns_name_equal(&k->fname, n))
    return NULL;
  return k;
}

/* Keeps P's answer, RCODE (with P's records when NOERROR), if nothing
 * changed since P was sent. */
static void keep_answer(const struct pending *p, int rcode) {
  if (p->epoch != F.epoch || (rcode != DNS_RCODE_NOERROR && rcode != DNS_RCODE_NXDOMAIN))
    return;
  struct kept *k = kept_bucket(p->up, &p->fname, p->fqtype);
  k->epoch = F.epoch;
  k->up = p->up;
  k->fqtype = p->fqtype;
  k->rcode = (uint8_t)rcode;
  k->until_ms = now_ms() + ANSWER_MS;
  k->fname = p->fname;
  k->nans = rcode == DNS_RCODE_NOERROR && p->best >= 0 ? p->nans : 0;
  memcpy(k->ans, p->ans, k->nans * sizeof k->ans[0]);
}

/* --- Queries ------------------------------------------------------------------ */

static void handle_query(const uint8_t *pkt, size_t len, int udp_fd,
                         const struct sockaddr_storage *peer, socklen_t peerlen, int conn) {
  struct pending tmp = {.udp_fd = udp_fd, .conn = conn};
  if (peer) {
    tmp.peer = *peer;
    tmp.peerlen = peerlen;
  }
  if (conn >= 0)
    tmp.conn_gen = F.conns[conn].gen;
  struct serve_name m;
  long n = serve_local_answer(F.domain, pkt, len, udp_fd >= 0, F.out, sizeof F.out, &tmp.q, &m);
  if (n >= 0) {
    send_to(&tmp, F.out, (size_t)n);
    return;
  }
  uint8_t kind = m.kind == SERVE_PROJECT ? PRIV_PROJECT : PRIV_CONTAINER;
  int64_t now = now_ms();
  int i = up_find(kind, m.scope);
  if (i >= 0 && ((F.ups[i].stale && !up_busy(i)) ||
                 ((F.ups[i].state == UP_NOT_FOUND || F.ups[i].state == UP_FAILED) &&
                  now >= F.ups[i].until_ms))) {
    up_drop(i);
    i = -1;
  }
  if (i >= 0 && F.ups[i].state == UP_NOT_FOUND) {
    answer(&tmp, DNS_RCODE_NXDOMAIN, NULL, 0);
    return;
  }
  if (i >= 0 && F.ups[i].state == UP_FAILED) {
    answer(&tmp, DNS_RCODE_SERVFAIL, NULL, 0);
    return;
  }
  struct pending *p = NULL;
  for (size_t k = 0; k < INFLIGHT_MAX && !p; k++)
    if (!F.pend[k].used)
      p = &F.pend[k];
  if (!p) {
    answer(&tmp, DNS_RCODE_SERVFAIL, NULL, 0); /* too many in flight */
    return;
  }
  if (i < 0) {
    i = up_alloc();
    if (i < 0) {
      answer(&tmp, DNS_RCODE_SERVFAIL, NULL, 0);
      return;
    }
    F.ups[i].kind = kind;
    F.ups[i].nfds = 0;
    F.ups[i].stale = false;
    snprintf(F.ups[i].scope, sizeof F.ups[i].scope, "%s", m.scope);
    if (!up_ask(i)) {
      F.ups[i].state = UP_FREE;
      answer(&tmp, DNS_RCODE_SERVFAIL, NULL, 0);
      return;
    }
  }
  F.ups[i].used_ms = now;
  /* Other types: whether the name exists, asked as A; answered NODATA. */
  uint16_t fqtype = tmp.q.qtype == DNS_TYPE_AAAA ? DNS_TYPE_AAAA : DNS_TYPE_A;
  const struct kept *k =
      F.ups[i].state == UP_READY && !F.ups[i].stale ? kept_find(i, &m.name, fqtype, now) : NULL;
  if (k) {
    bool records = k->rcode == DNS_RCODE_NOERROR && tmp.q.qtype == fqtype;
    answer(&tmp, k->rcode, records ? k->ans : NULL, records ? k->nans : 0);
    return;
  }
  *p = tmp;
  p->used = true;
  p->up = i;
  p->fname = m.name;
  p->fqtype = fqtype;
  p->deadline_ms = now + QUERY_TIMEOUT_MS;
  if (F.ups[i].state == UP_READY)
    forward(p);
}

/* The engine changed: every socket and not-found kept is forgotten, now
 * when nothing waits on it, else once its queries are done (they go on: a
 * socket whose container is gone fails, and is asked for again). */
static void forget_all(void) {
  forget_answers();
  for (int i = 0; i < CACHE_MAX; i++) {
    if (F.ups[i].state == UP_FREE)
      continue;
    if (up_busy(i))
      F.ups[i].stale = true;
    else
      up_drop(i);
  }
}

/* The privileged half's reply to the oldest request, or its unasked
 * "changed". */
static void ctl_reply(void) {
  struct priv_reply rep;
  uint8_t b[sizeof rep + 1];
  struct iovec iov = {.iov_base = b, .iov_len = sizeof b};
  union {
    char buf[CMSG_SPACE(sizeof(int) * 4)];
    struct cmsghdr align;
  } cm;
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof cm.buf};
  ssize_t n = recvmsg(F.ctl, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0)
    _exit(EXIT_OUTPUT); /* the privileged half is gone */
  int fds[PRIV_SOCKETS_MAX];
  size_t nfds = 0;
  bool extra = false;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t k = 0; k < nfd; k++) {
        int x;
        memcpy(&x, CMSG_DATA(c) + k * sizeof(int), sizeof x);
        if (nfds < PRIV_SOCKETS_MAX)
          fds[nfds++] = x;
        else {
          close(x);
          extra = true;
        }
      }
    }
  memcpy(&rep, b, sizeof rep);
  if (n == (ssize_t)sizeof rep && rep.status == PRIV_CHANGED && !nfds && !extra &&
      !(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
    forget_all();
    return;
  }
  if (n != (ssize_t)sizeof rep || F.nasking == 0 || extra ||
      (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || rep.nsockets != nfds ||
      (rep.status == PRIV_OK) != (nfds > 0))
    _exit(EXIT_OUTPUT); /* not what was asked for */
  int i = F.asking[0];
  memmove(F.asking, F.asking + 1, --F.nasking * sizeof F.asking[0]);
  struct upstream *u = &F.ups[i];
  int64_t now = now_ms();
  memcpy(u->fds, fds, nfds * sizeof fds[0]);
  u->nfds = nfds;
  u->state = rep.status == PRIV_OK          ? UP_READY
             : rep.status == PRIV_NOT_FOUND ? UP_NOT_FOUND
                                            : UP_FAILED;
  u->until_ms = now + (u->state == UP_NOT_FOUND ? NEGATIVE_MS : ERROR_MS);
  enum up_state st = u->state;
  for (size_t k = 0; k < INFLIGHT_MAX; k++) {
    struct pending *p = &F.pend[k];
    if (!p->used || p->up != i || p->sent)
      continue;
    if (st != UP_READY)
      answer(p, st == UP_NOT_FOUND ? DNS_RCODE_NXDOMAIN : DNS_RCODE_SERVFAIL, NULL, 0);
    else if (u->state == UP_READY)
      forward(p); /* (a failed send asks again: the others wait for that) */
  }
}

/* Answers P when its replies so far decide it (ALL: no more will come). */
static void settle(struct pending *p, bool all) {
  uint8_t before = p->best < 0 ? 0xff : (uint8_t)((1u << p->best) - 1);
  int rcode;
  if (p->best >= 0 && (all || !(p->waiting & before)))
    rcode = DNS_RCODE_NOERROR;
  else if (!all && p->waiting)
    return;
  else if (p->noerror)
    rcode = DNS_RCODE_NOERROR; /* NODATA */
  else if (!p->failed && !p->waiting)
    rcode = DNS_RCODE_NXDOMAIN;
  else
    rcode = DNS_RCODE_SERVFAIL;
  /* An answer every socket that could change it gave is kept; one decided
   * by the deadline (ALL) is not. */
  if (!all)
    keep_answer(p, rcode);
  bool records = rcode == DNS_RCODE_NOERROR && p->best >= 0 && p->q.qtype == p->fqtype;
  answer(p, rcode, records ? p->ans : NULL, records ? p->nans : 0);
}

/* Replies on socket J of upstream I. */
static void upstream_readable(int i, size_t j) {
  uint8_t pkt[DNS_UDP_MAX];
  for (int budget = 0; budget < 64 && F.ups[i].state == UP_READY && j < F.ups[i].nfds; budget++) {
    ssize_t n = recv(F.ups[i].fds[j], pkt, sizeof pkt, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
      return;
    if (n < 0) {
      up_invalidate(i, true); /* ECONNREFUSED: nobody listens there now */
      return;
    }
    uint16_t id;
    if (!dns_response_id(pkt, (size_t)n, &id))
      continue;
    for (size_t k = 0; k < INFLIGHT_MAX; k++) {
      struct pending *p = &F.pend[k];
      if (!p->used || !p->sent || p->up != i || p->up_id != id || !(p->waiting & (1u << j)))
        continue;
      struct dns_addr_rr ans[DNS_ANSWERS_MAX];
      size_t na;
      int rcode;
      if (!dns_parse_reply(pkt, (size_t)n, id, &p->fname, p->fqtype, &rcode, ans, DNS_ANSWERS_MAX,
                           &na))
        break; /* not the reply: keep waiting */
      p->waiting &= (uint8_t) ~(1u << j);
      if (rcode == DNS_RCODE_NOERROR) {
        p->noerror = true;
        if (na && (p->best < 0 || (int)j < p->best)) {
          p->best = (int)j;
          p->nans = na;
          memcpy(p->ans, ans, na * sizeof ans[0]);
        }
      } else if (rcode != DNS_RCODE_NXDOMAIN) {
        p->failed = true;
      }
      settle(p, false);
      break;
    }
  }
}

static void udp_readable(int fd) {
  uint8_t pkt[DNS_UDP_MAX];
  for (int budget = 0; budget < 64; budget++) {
    struct sockaddr_storage peer;
    socklen_t pl = sizeof peer;
    ssize_t n = recvfrom(fd, pkt, sizeof pkt, MSG_DONTWAIT, (struct sockaddr *)&peer, &pl);
    if (n < 0)
      return;
    handle_query(pkt, (size_t)n, fd, &peer, pl, -1);
  }
}

static void tcp_accept(int lfd) {
  int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0)
    return;
  for (int i = 0; i < CONN_MAX; i++)
    if (F.conns[i].fd < 0) {
      F.conns[i].fd = fd;
      F.conns[i].len = 0;
      F.conns[i].idle_until_ms = now_ms() + TCP_IDLE_MS;
      return;
    }
  close(fd); /* too many connections */
}

static void conn_readable(int ci) {
  struct conn *c = &F.conns[ci];
  ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0) {
    conn_close(c);
    return;
  }
  c->len += (size_t)n;
  c->idle_until_ms = now_ms() + TCP_IDLE_MS;
  /* Every whole message in the buffer, in order. */
  size_t off = 0;
  while (c->fd >= 0 && c->len - off >= 2) {
    size_t mlen = (size_t)c->buf[off] << 8 | c->buf[off + 1];
    if (mlen == 0 || mlen > CONN_QUERY_MAX) {
      conn_close(c);
      return;
    }
    if (c->len - off < 2 + mlen)
      break;
    handle_query(c->buf + off + 2, mlen, -1, NULL, 0, ci);
    off += 2 + mlen;
  }
  if (c->fd >= 0) {
    memmove(c->buf, c->buf + off, c->len - off);
    c->len -= off;
  }
}

static void expire(int64_t now) {
  for (size_t k = 0; k < INFLIGHT_MAX; k++) {
    struct pending *p = &F.pend[k];
    if (p->used && now >= p->deadline_ms) {
      int up = p->up;
      bool timed_out = p->sent && (p->best < 0 && !p->noerror);
      if (p->sent)
        settle(p, true); /* what the sockets that answered said */
      else
        answer(p, DNS_RCODE_SERVFAIL, NULL, 0);
      if (timed_out)
        up_invalidate(up, false); /* no answer in time: ask for a socket next time */
    }
  }
  for (int i = 0; i < CONN_MAX; i++)
    if (F.conns[i].fd >= 0 && now >= F.conns[i].idle_until_ms)
      conn_close(&F.conns[i]);
}

static int next_timeout(int64_t now) {
  int64_t next = now + 1000;
  for (size_t k = 0; k < INFLIGHT_MAX; k++)
    if (F.pend[k].used && F.pend[k].deadline_ms < next)
      next = F.pend[k].deadline_ms;
  return next <= now ? 0 : (int)(next - now);
}

void serve_front_main(const struct dns_name *domain, const int *listen_udp, const int *listen_tcp,
                      size_t n, int ctl, pid_t parent, bool (*filter)(void)) {
  int keep[2 * LISTEN_MAX + 1];
  size_t nkeep = 0;
  if (n > LISTEN_MAX)
    _exit(EXIT_OUTPUT);
  for (size_t i = 0; i < n; i++) {
    keep[nkeep++] = listen_udp[i];
    keep[nkeep++] = listen_tcp[i];
  }
  keep[nkeep++] = ctl;
  become_front(parent, keep, nkeep, filter);
  F.domain = domain;
  F.ctl = ctl;
  F.udp = listen_udp;
  F.tcp = listen_tcp;
  F.nlisten = n;
  for (int i = 0; i < CONN_MAX; i++)
    F.conns[i].fd = -1;
  struct pollfd pfd[2 * LISTEN_MAX + 1 + CACHE_MAX * PRIV_SOCKETS_MAX + CONN_MAX];
  int what[N_ELEMENTS(pfd)]; /* 0 ctl; 1 udp; 2 tcp listen; 3 upstream; 4 conn */
  int which[N_ELEMENTS(pfd)], sub[N_ELEMENTS(pfd)];
  for (;;) {
    size_t np = 0;
#define ADD(fd_, w_, i_)                                                                           \
  do {                                                                                             \
    pfd[np] = (struct pollfd){.fd = (fd_), .events = POLLIN};                                      \
    what[np] = (w_);                                                                               \
    sub[np] = 0;                                                                                   \
    which[np++] = (int)(i_);                                                                       \
  } while (0)
    ADD(ctl, 0, 0);
    for (size_t i = 0; i < n; i++) {
      ADD(listen_udp[i], 1, i);
      ADD(listen_tcp[i], 2, i);
    }
    for (int i = 0; i < CACHE_MAX; i++)
      for (size_t j = 0; F.ups[i].state == UP_READY && j < F.ups[i].nfds; j++) {
        ADD(F.ups[i].fds[j], 3, i);
        sub[np - 1] = (int)j;
      }
    for (int i = 0; i < CONN_MAX; i++)
      if (F.conns[i].fd >= 0)
        ADD(F.conns[i].fd, 4, i);
#undef ADD
    int r = poll(pfd, np, next_timeout(now_ms()));
    if (r < 0 && errno != EINTR)
      _exit(EXIT_OUTPUT);
    for (size_t k = 0; r > 0 && k < np; k++) {
      if (!pfd[k].revents)
        continue;
      switch (what[k]) {
      case 0: ctl_reply(); break;
      case 1: udp_readable(pfd[k].fd); break;
      case 2: tcp_accept(pfd[k].fd); break;
      case 3:
        if (F.ups[which[k]].state == UP_READY && (size_t)sub[k] < F.ups[which[k]].nfds &&
            F.ups[which[k]].fds[sub[k]] == pfd[k].fd)
          upstream_readable(which[k], (size_t)sub[k]);
        break;
      case 4:
        if (F.conns[which[k]].fd == pfd[k].fd)
          conn_readable(which[k]);
        break;
      }
    }
    expire(now_ms());
  }
}
