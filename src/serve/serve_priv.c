/* SPDX-License-Identifier: MIT */
/* The privileged half of --serve: for each request of the front, finds the
 * project's or container's process through the Engine API, checks it is the
 * container's (target_open_pid: the cgroup check on a pidfd), and hands
 * back a UDP socket made inside its network namespace (by a short child,
 * so that this process never leaves its own), connected to the first
 * nameserver of the container's resolv.conf; and tells the front when the
 * engine's event stream says an answer may have changed. Nothing else. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include "child.h"
#include "event_stream.h"
#include "privileges.h"
#include "resolvconf.h"
#include "swarm.h"
#include "serve_internal.h"
#include "serve_resolved.h"
#include "target.h"

#define PROJECT_CONTAINERS_MAX 256
#define SOCKET_CHILD_MS 2000

#define PROJECT_INSPECT_MAX 64

struct project_list {
  const char *project;
  struct container_summary *c;
  size_t n;
};

static void collect_replica(const struct container_summary *c, void *ctx) {
  struct project_list *l = ctx;
  if (!c->running || c->compose.oneoff || strcmp(c->compose.project, l->project) ||
      !c->compose.service[0] || l->n == PROJECT_CONTAINERS_MAX)
    return;
  l->c[l->n++] = *c;
}

static void collect_task(const struct container_summary *c, void *ctx) {
  struct project_list *l = ctx;
  if (!c->running || strcmp(c->swarm.stack, l->project) || !c->swarm.service[0] ||
      l->n == PROJECT_CONTAINERS_MAX)
    return;
  l->c[l->n++] = *c;
}

/* Service names in order, then the lower number, then the ID. */
static int service_number_id(const char *s1, long n1, const char *id1, const char *s2, long n2,
                             const char *id2) {
  int s = strcmp(s1, s2);
  if (s)
    return s;
  if (n1 != n2)
    return n1 < n2 ? -1 : 1;
  return strcmp(id1, id2);
}

/* A stack's tasks in order: by service, then slot, then ID. */
static int task_order(const void *a, const void *b) {
  const struct container_summary *x = a, *y = b;
  return service_number_id(x->swarm.service, x->swarm.slot, x->id, y->swarm.service, y->swarm.slot,
                           y->id);
}

/* The order of preference: the alphabetically first service, its
 * lowest-numbered replica, then by ID. */
static int replica_order(const void *a, const void *b) {
  const struct container_summary *x = a, *y = b;
  return service_number_id(x->compose.service, x->compose.number, x->id, y->compose.service,
                           y->compose.number, y->id);
}

static bool send_fds(int sock, const void *msg, size_t len, const int *fds, size_t nfds) {
  struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
  union {
    char buf[CMSG_SPACE(sizeof(int) * PRIV_SOCKETS_MAX)];
    struct cmsghdr align;
  } u;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  if (nfds > PRIV_SOCKETS_MAX)
    return false;
  if (nfds) {
    memset(&u, 0, sizeof u);
    mh.msg_control = u.buf;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
  }
  ssize_t r;
  do
    r = sendmsg(sock, &mh, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  return r == (ssize_t)len;
}

/* In the short child: the socket, made in T's namespace. */
static void __attribute__((noreturn))
socket_child(const struct target *t, const struct nameserver *ns, int sock) {
  (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
  serve_resolved_close_in_child();
  bool joined = false;
  if (!target_enter_netns(t, &joined))
    _exit(1);
  struct sockaddr_storage ss;
  socklen_t sl = address_to_sockaddr(&ns->addr, ns->port ? ns->port : 53, &ss);
  int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) < 0)
    _exit(2);
  uint8_t one = 1;
  _exit(send_fds(sock, &one, 1, &fd, 1) ? 0 : 3);
}

/* A socket in T's network namespace connected to NS, or -1. */
static int socket_in_netns(const struct target *t, const struct nameserver *ns) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0) {
    log_warn_errno("--serve: socketpair");
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    log_warn_errno("--serve: fork");
    close(sv[0]);
    close(sv[1]);
    return -1;
  }
  if (pid == 0) {
    close(sv[0]);
    socket_child(t, ns, sv[1]);
  }
  close(sv[1]);
  int fd = -1;
  struct pollfd p = {.fd = sv[0], .events = POLLIN};
  if (poll(&p, 1, SOCKET_CHILD_MS) == 1) {
    uint8_t b;
    struct iovec iov = {.iov_base = &b, .iov_len = 1};
    union {
      char buf[CMSG_SPACE(sizeof(int))];
      struct cmsghdr align;
    } u;
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    if (recvmsg(sv[0], &mh, MSG_CMSG_CLOEXEC) == 1) {
      struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
      if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
          c->cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(&fd, CMSG_DATA(c), sizeof fd);
    }
  }
  close(sv[0]);
  int ws;
  child_reap(pid, now_ms() + SOCKET_CHILD_MS, &ws);
  if (fd < 0)
    log_warn("%s: no socket could be made in its network namespace", t->label);
  return fd;
}

/* The socket for container ST (inspected), or -1 after a message. */
static int socket_for(const struct engine *e, const struct container_state *st) {
  if (!engine_vouches_for(e, st->pid))
    return -1;
  char label[200];
  snprintf(label, sizeof label, "container %s", st->name);
  _cleanup_target_ struct target t;
  target_init(&t);
  if (!target_open_pid(&t, st->pid, label, st->id))
    return -1;
  struct resolv_conf rc;
  resolv_conf_init(&rc);
  if (t.resolv_conf.present)
    resolv_conf_parse(&rc, t.resolv_conf.data, t.resolv_conf.len, t.resolv_conf.source);
  if (rc.nservers == 0) {
    log_warn("%s: its resolv.conf names no nameserver", label);
    return -1;
  }
  int fd = socket_in_netns(&t, &rc.servers[0]);
  char a[ADDRESS_TEXT_MAX];
  address_format(&rc.servers[0].addr, a);
  if (fd >= 0)
    log_info("--serve: %s, nameserver %s", label, a);
  return fd;
}

static bool has_network(char (*nets)[128], size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(nets[i], name))
      return true;
  return false;
}

/* The networks a project's sockets reach so far. */
struct coverage {
  char nets[ENGINE_NETWORKS_MAX * 2][128];
  size_t n;
};

/* Container ST joins the sockets when it is on a network none before it is
 * on (or is the first). */
static void cover(const struct engine *e, const struct container_state *st, struct coverage *cv,
                  int *fds, size_t *nfds) {
  bool adds = false;
  for (size_t k = 0; k < st->nnetworks; k++)
    if (!has_network(cv->nets, cv->n, st->networks[k].name)) {
      adds = true;
      if (cv->n < N_ELEMENTS(cv->nets))
        snprintf(cv->nets[cv->n++], sizeof cv->nets[0], "%s", st->networks[k].name);
    }
  if (!adds && *nfds > 0)
    return;
  int fd = socket_for(e, st);
  if (fd >= 0)
    fds[(*nfds)++] = fd;
}

/* The running containers labelled LABEL=VALUE that COLLECT keeps, into L
 * (its list allocated here), sorted by CMP. False when the engine fails. */
static bool list_labelled(const struct engine *e, const char *label, const char *value,
                          container_fn collect, int (*cmp)(const void *, const void *),
                          struct project_list *l) {
  char filters[400];
  snprintf(filters, sizeof filters, "{\"label\":[\"%s=%s\"]}", label, value);
  l->project = value;
  l->c = xcalloc(PROJECT_CONTAINERS_MAX, sizeof *l->c);
  l->n = 0;
  if (!engine_list_containers(e, filters, collect, l))
    return false;
  qsort(l->c, l->n, sizeof *l->c, cmp);
  return true;
}

/* What asking a project's or a stack's containers came to: sockets; an
 * error when one was there but none could be asked; else not found. */
static enum priv_status covered(bool any, size_t nfds) {
  return nfds ? PRIV_OK : any ? PRIV_ERROR : PRIV_NOT_FOUND;
}

/* A Swarm stack's sockets: each service's task on this node in order, as a
 * target is chosen (swarm_find_service: a task's container bears its
 * task's name, on a manager is a task the manager lists, and two claims to
 * a slot are an error: labels are any image's to set). */
static enum priv_status open_stack(const struct engine *e, const char *stack, int *fds,
                                   size_t *nfds) {
  struct project_list l = {0};
  bool listed = list_labelled(e, "com.docker.stack.namespace", stack, collect_task, task_order, &l);
  _cleanup_free_ struct container_summary *list = l.c;
  if (!listed)
    return PRIV_ERROR;
  if (l.n == 0)
    return PRIV_NOT_FOUND;
  _cleanup_free_ struct coverage *cv = xcalloc(1, sizeof *cv);
  bool any = false;
  for (size_t i = 0; i < l.n && i < PROJECT_INSPECT_MAX && *nfds < PRIV_SOCKETS_MAX; i++) {
    if (i > 0 && !strcmp(list[i].swarm.service, list[i - 1].swarm.service))
      continue; /* one task a service: the one swarm_find_service chose */
    struct container_state st;
    enum engine_result r = swarm_find_service(e, list[i].swarm.service, stack, &st);
    if (r == ENGINE_ERROR)
      return PRIV_ERROR;
    if (r != ENGINE_FOUND || !st.running || st.pid <= 0 || strcmp(st.swarm.stack, stack))
      continue;
    any = true;
    cover(e, &st, cv, fds, nfds);
  }
  return covered(any, *nfds);
}

/* The names of the networks Compose made for a project. */
struct project_nets {
  char (*names)[128];
  size_t n;
};

static void collect_net(const char *name, void *ctx) {
  struct project_nets *p = ctx;
  if (p->n < ENGINE_NETWORKS_MAX * 2)
    snprintf(p->names[p->n++], sizeof p->names[0], "%s", name);
}

/* Whether ST is on one of the networks in P. */
static bool on_project_network(const struct container_state *st, const struct project_nets *p) {
  for (size_t k = 0; k < st->nnetworks; k++)
    if (has_network(p->names, p->n, st->networks[k].name))
      return true;
  return false;
}

/* A project's sockets: walking its replicas in order of preference, a
 * container joins the list when it is on a network none before it is on.
 * A container's labels are any image's to set (docker run of an image
 * that says it is huginn's "aaa" would come first); a network's are set
 * only by whoever made it: when Compose made networks for the project,
 * only a container on one of them counts. No Compose project of that
 * name: a Swarm stack. */
static enum priv_status open_project(const struct engine *e, const char *project, int *fds,
                                     size_t *nfds) {
  struct project_list l = {0};
  bool listed =
      list_labelled(e, "com.docker.compose.project", project, collect_replica, replica_order, &l);
  _cleanup_free_ struct container_summary *list = l.c;
  if (!listed)
    return PRIV_ERROR;
  if (l.n == 0)
    return open_stack(e, project, fds, nfds);
  _cleanup_free_ char(*net_names)[128] = xcalloc(ENGINE_NETWORKS_MAX * 2, sizeof *net_names);
  struct project_nets nets = {.names = net_names};
  char filters[400];
  snprintf(filters, sizeof filters, "{\"label\":[\"com.docker.compose.project=%s\"]}", project);
  if (!engine_list_network_names(e, filters, collect_net, &nets))
    return PRIV_ERROR;
  _cleanup_free_ struct coverage *cv = xcalloc(1, sizeof *cv);
  bool any = false;
  for (size_t i = 0; i < l.n && i < PROJECT_INSPECT_MAX && *nfds < PRIV_SOCKETS_MAX; i++) {
    struct container_state st;
    enum engine_result r = engine_inspect_container(e, list[i].id, &st);
    if (r == ENGINE_ERROR)
      return PRIV_ERROR;
    if (r != ENGINE_FOUND || !st.running || st.pid <= 0 || strcmp(st.compose.project, project))
      continue; /* gone or replaced meanwhile */
    if (nets.n && !on_project_network(&st, &nets)) {
      log_warn("--serve: %s says it is of project %s, but is on none of its networks: not asked",
               st.name, project);
      continue;
    }
    any = true;
    cover(e, &st, cv, fds, nfds);
  }
  return covered(any, *nfds);
}

static enum priv_status open_for(const struct engine *e, const struct priv_request *r, int *fds,
                                 size_t *nfds) {
  *nfds = 0;
  if (r->kind == PRIV_PROJECT)
    return open_project(e, r->scope, fds, nfds);
  struct container_state st;
  switch (engine_inspect_container(e, r->scope, &st)) {
  case ENGINE_FOUND: break;
  case ENGINE_NOT_FOUND: return PRIV_NOT_FOUND;
  case ENGINE_ERROR: return PRIV_ERROR;
  }
  if (!st.running || st.pid <= 0)
    return PRIV_NOT_FOUND;
  int fd = socket_for(e, &st);
  if (fd < 0)
    return PRIV_ERROR;
  fds[(*nfds)++] = fd;
  return PRIV_OK;
}

/* One request: read and judged strictly; any malformed one ends the
 * privileged half (the front is not what it should be). */
static int handle_request(const struct engine *e, int ctl) {
  struct priv_request r;
  ssize_t n;
  do
    n = recv(ctl, &r, sizeof r, MSG_TRUNC);
  while (n < 0 && errno == EINTR);
  if (n == 0)
    return -2; /* the front is gone */
  if (n < 0) {
    log_error_errno("--serve: reading the front's request");
    return EXIT_OUTPUT;
  }
  if (n != (ssize_t)sizeof r || (r.kind != PRIV_PROJECT && r.kind != PRIV_CONTAINER) ||
      !memchr(r.scope, 0, sizeof r.scope) || !engine_target_valid(r.scope)) {
    log_error("--serve: a malformed request from the front; stopping");
    return EXIT_OUTPUT;
  }
  int fds[PRIV_SOCKETS_MAX];
  size_t nfds = 0;
  struct priv_reply rep = {.status = (uint8_t)open_for(e, &r, fds, &nfds)};
  rep.nsockets = (uint8_t)nfds;
  bool sent = send_fds(ctl, &rep, sizeof rep, fds, rep.status == PRIV_OK ? nfds : 0);
  for (size_t i = 0; i < nfds; i++)
    close(fds[i]);
  log_info("--serve: %s %s: %s, %zu socket%s", r.kind == PRIV_PROJECT ? "project" : "container",
           r.scope,
           rep.status == PRIV_OK          ? "found"
           : rep.status == PRIV_NOT_FOUND ? "not found"
                                          : "failed",
           nfds, nfds == 1 ? "" : "s");
  if (!sent) {
    log_error_errno("--serve: answering the front");
    return EXIT_OUTPUT;
  }
  return -1;
}

/* The front ended: how, in words. */
static int front_ended(pid_t front, int ws) {
  if (WIFSIGNALED(ws))
    log_error("--serve: the front (pid %d) was killed by signal %d (%s); stopping", (int)front,
              WTERMSIG(ws), strsignal(WTERMSIG(ws)));
  else
    log_error("--serve: the front (pid %d) exited with status %d; stopping", (int)front,
              WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
  return EXIT_OUTPUT;
}

/* A signal: SIGCHLD (the front ended), SIGHUP (PRIV_SIGHUP: start over),
 * or one that stops --serve. -1 to go on, else the exit status. */
#define PRIV_SIGHUP (-3)
static int priv_signal(int sigfd, pid_t front) {
  struct signalfd_siginfo si;
  if (read(sigfd, &si, sizeof si) != (ssize_t)sizeof si)
    return -1;
  int ws;
  if (si.ssi_signo == SIGCHLD)
    return waitpid(front, &ws, WNOHANG) == front ? front_ended(front, ws) : -1;
  if (si.ssi_signo == SIGHUP)
    return PRIV_SIGHUP;
  log_notice("--serve: %s: stopping", strsignal((int)si.ssi_signo));
  kill(front, SIGTERM);
  child_reap(front, now_ms() + CHILD_GRACE_MS, &ws);
  return EXIT_ALL_RESOLVED;
}

/* The front's request. -1 to go on, else the exit status (the front is
 * stopped first). */
static int priv_request(const struct engine *e, int ctl, pid_t front) {
  int rc = handle_request(e, ctl);
  int ws;
  if (rc == -2) {
    /* Its end closed: it died, or is dying. */
    if (child_reap(front, now_ms() + CHILD_GRACE_MS, &ws))
      return front_ended(front, ws);
    log_error("--serve: the front (pid %d) closed its end of the socket; stopping", (int)front);
    return EXIT_OUTPUT;
  }
  if (rc >= 0) {
    kill(front, SIGKILL);
    child_reap(front, now_ms() + CHILD_GRACE_MS, &ws);
  }
  return rc;
}

/* --- Following the engine ------------------------------------------------------ */

/* While the event stream is lost, the front is told "changed" this often:
 * nothing it keeps is older than that. */
#define UNFOLLOWED_FLUSH_MS 1000
#define EVENTS_RETRY_MIN_MS 100
#define EVENTS_RETRY_MAX_MS 5000

struct follow {
  const struct engine *e;
  int ctl;
  int fd; /* the event stream; -1 while lost */
  struct event_parser parser;
  bool changed;     /* an event since the last notice */
  bool lost_said;   /* the loss said, once until it is back */
  int64_t flush_ms; /* while lost: the next "changed" */
  int64_t retry_ms; /* while lost: the next try to connect */
  int backoff_ms;
};

static bool tell_changed(int ctl) {
  struct priv_reply rep = {.status = PRIV_CHANGED};
  ssize_t r;
  do
    r = send(ctl, &rep, sizeof rep, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  return r == (ssize_t)sizeof rep;
}

static void on_event(json_t *ev, void *ctx) {
  struct follow *f = ctx;
  if (event_changes_answers(ev, NULL, 0))
    f->changed = true;
}

static void follow_lost(struct follow *f, const char *why) {
  if (f->fd >= 0) {
    close(f->fd);
    event_parser_free(&f->parser);
  }
  f->fd = -1;
  if (!f->lost_said)
    log_notice("--serve: the engine's event stream at %s is lost (%s); until it is back, "
               "nothing is kept longer than %d ms",
               f->e->socket_path, why, UNFOLLOWED_FLUSH_MS);
  f->lost_said = true;
  int64_t now = now_ms();
  if (f->flush_ms <= now)
    f->flush_ms = now + UNFOLLOWED_FLUSH_MS;
  f->retry_ms = now + f->backoff_ms;
  f->backoff_ms = f->backoff_ms * 2 > EVENTS_RETRY_MAX_MS ? EVENTS_RETRY_MAX_MS : f->backoff_ms * 2;
}

static void follow_connect(struct follow *f) {
  char err[256];
  f->fd = event_stream_open(f->e->connect_path, f->e->as_invoker, EVENTS_PATH, f->e->timeout_ms,
                            err, sizeof err);
  if (f->fd < 0) {
    follow_lost(f, err);
    return;
  }
  event_parser_init(&f->parser);
}

/* Reads what the stream has; false when the front cannot be told. */
static bool follow_read(struct follow *f) {
  bool came_up;
  const char *why;
  if (!event_stream_read(f->fd, &f->parser, on_event, f, &came_up, &why)) {
    follow_lost(f, why);
    return tell_changed(f->ctl);
  }
  if (came_up) {
    f->backoff_ms = EVENTS_RETRY_MIN_MS;
    if (f->lost_said)
      log_notice("--serve: the engine's event stream at %s is back", f->e->socket_path);
    f->lost_said = false;
    f->changed = true; /* anything may have changed meanwhile */
  }
  if (!f->changed)
    return true;
  f->changed = false;
  log_info("--serve: the engine says something changed; the front forgets what it keeps");
  return tell_changed(f->ctl);
}

/* While lost: the periodic notice, and another try. */
static bool follow_tick(struct follow *f) {
  int64_t now = now_ms();
  if (f->fd < 0 && now >= f->flush_ms) {
    f->flush_ms = now + UNFOLLOWED_FLUSH_MS;
    if (!tell_changed(f->ctl))
      return false;
  }
  if (f->fd < 0 && now >= f->retry_ms)
    follow_connect(f);
  return true;
}

int serve_priv_loop(const struct engine *e, int ctl, int sigfd, pid_t front) {
  struct follow f = {.e = e, .ctl = ctl, .fd = -1, .backoff_ms = EVENTS_RETRY_MIN_MS};
  follow_connect(&f);
  int rc = -1;
  bool stopped = true; /* the front: false where this loop must stop it */
  while (rc < 0) {
    if (!follow_tick(&f)) {
      log_error_errno("--serve: telling the front");
      rc = EXIT_OUTPUT, stopped = false;
      break;
    }
    struct pollfd p[3] = {{.fd = ctl, .events = POLLIN},
                          {.fd = sigfd, .events = POLLIN},
                          {.fd = f.fd, .events = POLLIN}};
    int timeout = -1;
    if (f.fd < 0) {
      int64_t left = (f.flush_ms < f.retry_ms ? f.flush_ms : f.retry_ms) - now_ms();
      timeout = left < 0 ? 0 : (int)left;
    }
    if (poll(p, 3, timeout) < 0) {
      if (errno == EINTR)
        continue;
      log_error_errno("--serve: poll");
      rc = EXIT_OUTPUT, stopped = false;
      break;
    }
    if (p[1].revents && (rc = priv_signal(sigfd, front)) == PRIV_SIGHUP) {
      /* Everything learnt forgotten, the stream asked for again. */
      log_notice("--serve: SIGHUP: the front forgets what it keeps; the engine's event stream "
                 "is asked for again");
      rc = -1;
      if (f.fd >= 0) {
        close(f.fd);
        event_parser_free(&f.parser);
        f.fd = -1;
      }
      follow_connect(&f);
      if (!tell_changed(ctl)) {
        log_error_errno("--serve: telling the front");
        rc = EXIT_OUTPUT, stopped = false;
      }
    } else if (p[1].revents)
      ;
    else if (p[0].revents)
      rc = priv_request(e, ctl, front);
    else if (f.fd >= 0 && p[2].revents && !follow_read(&f)) {
      log_error_errno("--serve: telling the front");
      rc = EXIT_OUTPUT, stopped = false;
    }
  }
  if (f.fd >= 0) {
    close(f.fd);
    event_parser_free(&f.parser);
  }
  if (!stopped) {
    int ws;
    kill(front, SIGKILL);
    child_reap(front, now_ms() + CHILD_GRACE_MS, &ws);
  }
  return rc;
}
