/* SPDX-License-Identifier: MIT */
#include "resolve.h"

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "hostsfile.h"
#include "util.h"

struct hosts_ctx {
  const struct name_list *names;
  unsigned families;
  bool keep_all;
  struct name_result *results;
};

static void on_hosts_entry(const char *name, size_t len, const struct address *addr, void *p) {
  struct hosts_ctx *c = p;
  long i = name_list_find(c->names, name, len);
  if (i < 0)
    return;
  if (!(c->families & (addr->family == 4 ? FAMILY_V4 : FAMILY_V6)))
    return;
  struct name_result *r = &c->results[i];
  r->status = NAME_RESOLVED;
  r->from_hosts = true;
  name_result_add(r, addr, c->keep_all);
}

void resolve_from_hosts(const char *hosts, size_t len, const char *source,
                        const struct name_list *names, unsigned families, bool keep_all,
                        struct name_result *results) {
  struct hosts_ctx c = {names, families, keep_all, results};
  hosts_parse(hosts, len, source, on_hosts_entry, &c);
}

/* The state of one c-ares run over the names (not a whole pass: pass.c
 * owns that). Query contexts live in a pool sized by the concurrency
 * cap, so memory does not grow with the number of names. */
struct lookups;
struct slot {
  struct lookups *run;
  size_t index;
  struct slot *next_free;
};

struct lookups {
  ares_channel channel;
  const struct resolver_config *cfg;
  const struct name_list *names;
  struct name_result *results;
  int epfd;
  bool epoll_failed;
  struct slot *slots;
  struct slot *free_slots;
  size_t in_flight;
};

static enum name_status map_status(int status) {
  switch (status) {
  case ARES_ENOTFOUND: return NAME_NXDOMAIN;
  case ARES_ENODATA: return NAME_NODATA;
  case ARES_ETIMEOUT:
  case ARES_ECANCELLED:
  case ARES_EDESTRUCTION: return NAME_TIMEOUT;
  case ARES_EREFUSED: return NAME_REFUSED;
  case ARES_ESERVFAIL: return NAME_SERVFAIL;
  case ARES_ECONNREFUSED: return NAME_UNREACHABLE;
  case ARES_EBADRESP:
  case ARES_EFORMERR: return NAME_BADRESP;
  default: return NAME_FAILED;
  }
}

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res) {
  (void)timeouts;
  struct slot *s = arg;
  struct lookups *p = s->run;
  struct name_result *r = &p->results[s->index];
  if (status == ARES_SUCCESS && res) {
    for (struct ares_addrinfo_node *n = res->nodes; n; n = n->ai_next) {
      struct address a;
      if (!address_from_sockaddr(n->ai_addr, (size_t)n->ai_addrlen, &a) ||
          !(p->cfg->families & (a.family == 4 ? FAMILY_V4 : FAMILY_V6)))
        continue;
      name_result_add(r, &a, p->cfg->keep_all);
    }
    /* A success with no usable node (c-ares' own "localhost" answer of the
     * other family, or an empty list) is "no address of that family". */
    r->status = r->naddrs ? NAME_RESOLVED : NAME_NODATA;
  } else {
    r->status = (uint8_t)map_status(status);
  }
  if (res)
    ares_freeaddrinfo(res);
  s->next_free = p->free_slots;
  p->free_slots = s;
  p->in_flight--;
}

static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable) {
  struct lookups *p = data;
  struct epoll_event ev = {.events = (readable ? EPOLLIN : 0u) | (writable ? EPOLLOUT : 0u),
                           .data.fd = fd};
  if (!readable && !writable) {
    epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL);
    return;
  }
  if (epoll_ctl(p->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 &&
      (errno != ENOENT || epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev) < 0))
    p->epoll_failed = true;
}

static bool set_servers(ares_channel ch, const struct resolv_conf *rc) {
  char csv[RESOLV_MAX_NAMESERVERS * (ADDRESS_TEXT_MAX + IF_NAMESIZE + 12)];
  size_t len = 0;
  csv[0] = '\0';
  for (size_t i = 0; i < rc->nservers; i++) {
    const struct nameserver *ns = &rc->servers[i];
    char a[ADDRESS_TEXT_MAX];
    address_format(&ns->addr, a);
    if (ns->scope[0]) {
#if ARES_VERSION >= 0x011600 /* link-local zones are understood from 1.22 */
      len += (size_t)snprintf(csv + len, sizeof csv - len, "%s[%s]:%u%%%s", len ? "," : "", a,
                              ns->port, ns->scope);
#else
      log_warn("nameserver %s%%%s: this c-ares (%s) cannot use link-local zones; skipped", a,
               ns->scope, ares_version(NULL));
#endif
      continue;
    }
    if (ns->addr.family == 6)
      len +=
          (size_t)snprintf(csv + len, sizeof csv - len, "%s[%s]:%u", len ? "," : "", a, ns->port);
    else
      len += (size_t)snprintf(csv + len, sizeof csv - len, "%s%s:%u", len ? "," : "", a, ns->port);
  }
  if (len == 0) {
    log_error("no usable nameserver");
    return false;
  }
  log_info("asking nameservers %s", csv);
  int st = ares_set_servers_ports_csv(ch, csv);
  if (st != ARES_SUCCESS) {
    log_error("cannot use nameservers %s: %s", csv, ares_strerror(st));
    return false;
  }
  /* c-ares may accept a server and silently leave it out (1.34.5 does so
   * with a link-local one given with its interface): read the list back
   * and say so, rather than let every name fail without a reason. */
  size_t given = 1, taken = 0;
  for (const char *c = csv; *c; c++)
    given += *c == ',';
#if ARES_VERSION >= 0x011800 /* ares_get_servers_csv from 1.24; the other is deprecated */
  char *got = ares_get_servers_csv(ch);
  if (got && *got) {
    taken = 1;
    for (const char *c = got; *c; c++)
      taken += *c == ',';
  }
  if (taken < given)
    log_warn("this c-ares (%s) kept %zu of the nameservers given (%s): it has %s",
             ares_version(NULL), taken, csv, got && *got ? got : "none");
  ares_free_string(got);
#else
  struct ares_addr_port_node *got = NULL;
  if (ares_get_servers_ports(ch, &got) == ARES_SUCCESS)
    for (struct ares_addr_port_node *n = got; n; n = n->next)
      taken++;
  ares_free_data(got);
  if (taken < given)
    log_warn("this c-ares (%s) kept %zu of the nameservers given (%s)", ares_version(NULL), taken,
             csv);
#endif
  return true;
}

bool resolve_channel_new(const struct resolver_config *cfg, ares_channel *channel,
                         void (*sock_cb)(void *, ares_socket_t, int, int), void *sock_data) {
  struct ares_options o;
  memset(&o, 0, sizeof o);
  /* Every option is given so that nothing of the host's configuration is
   * used: NOALIASES keeps c-ares from reading HOSTALIASES itself, lookups
   * "b" keeps it from the host's /etc/hosts, the container's search list is
   * passed (possibly empty), and the resolv.conf path points at nothing. */
  int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_NDOTS |
             ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS | ARES_OPT_SOCK_STATE_CB | ARES_OPT_SORTLIST |
             ARES_OPT_RESOLVCONF;
  o.flags = ARES_FLAG_NOALIASES;
  /* With one server there is nothing to fail over to, so let SERVFAIL and
   * REFUSED through as what they are, rather than as the "connection
   * refused" c-ares reports once it has given up on every server. */
  if (cfg->rc.nservers == 1)
    o.flags |= ARES_FLAG_NOCHECKRESP;
  o.timeout = cfg->timeout_ms;
  o.tries = cfg->tries;
  o.ndots = cfg->rc.ndots >= 0 ? cfg->rc.ndots : 1;
  char *domains[RESOLV_MAX_SEARCH];
  for (size_t i = 0; i < cfg->rc.nsearch; i++)
    domains[i] = (char *)cfg->rc.search[i];
  o.domains = domains;
  o.ndomains = (int)cfg->rc.nsearch;
  o.lookups = (char *)"b";
  o.sock_state_cb = sock_cb;
  o.sock_state_cb_data = sock_data;
  o.sortlist = NULL;
  o.nsort = 0;
  o.resolvconf_path = (char *)"/dev/null";
#ifdef ARES_OPT_QUERY_CACHE
  /* 1.31+ caches answers; one pass never asks twice, and the cache cost
   * about 45% of batch throughput. */
  mask |= ARES_OPT_QUERY_CACHE;
  o.qcache_max_ttl = 0;
#endif
#ifdef ARES_OPT_HOSTS_FILE
  mask |= ARES_OPT_HOSTS_FILE;
  o.hosts_path = (char *)"/dev/null";
#endif
  if (!sock_cb)
    mask &= ~ARES_OPT_SOCK_STATE_CB;
  int st = ares_init_options(channel, &o, mask);
  if (st != ARES_SUCCESS) {
    log_error("cannot set up the resolver: %s", ares_strerror(st));
    return false;
  }
  if (!set_servers(*channel, &cfg->rc)) {
    ares_destroy(*channel);
    return false;
  }
  return true;
}

static void start_query(struct lookups *p, size_t i) {
  struct slot *s = p->free_slots;
  p->free_slots = s->next_free;
  s->index = i;
  p->in_flight++;
  struct ares_addrinfo_hints hints = {
      .ai_flags = ARES_AI_NOSORT,
      .ai_family = p->cfg->families == FAMILY_V4   ? AF_INET
                   : p->cfg->families == FAMILY_V6 ? AF_INET6
                                                   : AF_UNSPEC,
  };
  /* The callback may run right here (bad name, c-ares' own localhost). */
  ares_getaddrinfo(p->channel, name_at(p->names, i), NULL, &hints, on_addrinfo, s);
}

bool resolve_names(const struct resolver_config *cfg, const struct name_list *names,
                   struct name_result *results) {
  struct lookups p = {.cfg = cfg, .names = names, .results = results, .epfd = -1};
  size_t next = 0;
  while (next < names->count && results[next].status != NAME_PENDING)
    next++;
  if (next == names->count)
    return true;

  /* Closed and freed on the way out, after ares_destroy (whose socket
   * callbacks still use the epoll descriptor). */
  _cleanup_fd_ int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    log_error_errno("epoll_create1");
    return false;
  }
  p.epfd = epfd;
  int64_t t0 = now_us();
  if (!resolve_channel_new(cfg, &p.channel, on_sock_state, &p))
    return false;
  int64_t t1 = now_us();
  unsigned cap = cfg->concurrency ? cfg->concurrency : 1;
  _cleanup_free_ struct slot *slots = xcalloc(cap, sizeof *slots);
  p.slots = slots;
  for (unsigned i = 0; i < cap; i++) {
    p.slots[i].run = &p;
    p.slots[i].next_free = p.free_slots;
    p.free_slots = &p.slots[i];
  }

  int64_t deadline = now_ms() + cfg->deadline_ms;
  struct epoll_event events[64];
  for (;;) {
    /* Refill from the loop, never from a callback. */
    while (p.free_slots && next < names->count) {
      if (results[next].status == NAME_PENDING)
        start_query(&p, next);
      next++;
    }
    if (p.in_flight == 0 && next >= names->count)
      break;
    int64_t left = deadline - now_ms();
    if (left <= 0 || p.epoll_failed)
      break;
    struct timeval tv_max = {.tv_sec = left / 1000, .tv_usec = (left % 1000) * 1000}, tv;
    struct timeval *t = ares_timeout(p.channel, &tv_max, &tv);
    int wait = (int)(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
    int n = epoll_wait(p.epfd, events, (int)N_ELEMENTS(events), wait);
    if (n < 0 && errno != EINTR) {
      log_error_errno("epoll_wait");
      break;
    }
    if (n <= 0) {
      /* Timeouts never arrive through the socket callback. */
      ares_process_fd(p.channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      continue;
    }
    for (int i = 0; i < n; i++) {
      ares_socket_t fd = events[i].data.fd;
      bool r = events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP);
      bool w = events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP);
      ares_process_fd(p.channel, r ? fd : ARES_SOCKET_BAD, w ? fd : ARES_SOCKET_BAD);
    }
  }
  /* Past the deadline: what is in flight ends as "timed out" (ECANCELLED),
   * and what never went out is left timed out too. */
  if (p.in_flight)
    ares_cancel(p.channel);
  for (size_t i = 0; i < names->count; i++)
    if (results[i].status == NAME_PENDING)
      results[i].status = NAME_TIMEOUT;
  int64_t t2 = now_us();
  ares_destroy(p.channel);
  log_info("timing (c-ares): channel set-up %.3f ms, queries %.3f ms", (double)(t1 - t0) / 1000,
           (double)(t2 - t1) / 1000);
  return true;
}
