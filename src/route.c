/* SPDX-License-Identifier: MIT */
#include "route.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

#ifndef RTM_F_FIB_MATCH
#define RTM_F_FIB_MATCH 0x2000 /* Linux 4.13 */
#endif

/* Requests sent before their replies are read: one send and a few reads
 * for many lookups. 64 replies (about 100 bytes each) fit any receive
 * buffer. */
#define BATCH 64
#define ROUTE_TIMEOUT_MS 1000

struct route_req {
  struct nlmsghdr nh;
  struct rtmsg rt;
  struct rtattr dst_attr;
  uint8_t dst[16];
};

static size_t build(struct route_req *q, const struct address *a, uint32_t seq) {
  size_t alen = a->family == 4 ? 4 : 16;
  memset(q, 0, sizeof *q);
  q->dst_attr.rta_type = RTA_DST;
  q->dst_attr.rta_len = (unsigned short)RTA_LENGTH(alen);
  memcpy(q->dst, a->bytes, alen);
  q->nh.nlmsg_len =
      (uint32_t)NLMSG_ALIGN(NLMSG_LENGTH(sizeof q->rt)) + RTA_ALIGN(q->dst_attr.rta_len);
  q->nh.nlmsg_type = RTM_GETROUTE;
  q->nh.nlmsg_flags = NLM_F_REQUEST;
  q->nh.nlmsg_seq = seq;
  q->rt.rtm_family = a->family == 4 ? AF_INET : AF_INET6;
  q->rt.rtm_dst_len = (unsigned char)(alen * 8);
  q->rt.rtm_flags = RTM_F_FIB_MATCH;
  return NLMSG_ALIGN(q->nh.nlmsg_len);
}

static enum route_reach classify(const struct rtmsg *rt) {
  switch (rt->rtm_type) {
  case RTN_UNREACHABLE:
  case RTN_BLACKHOLE:
  case RTN_PROHIBIT:
  case RTN_THROW: return ROUTE_NONE;
  case RTN_LOCAL: return ROUTE_REACHABLE;
  default: return rt->rtm_dst_len == 0 ? ROUTE_DEFAULT_ONLY : ROUTE_REACHABLE;
  }
}

static int nl_open(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  struct sockaddr_nl self = {.nl_family = AF_NETLINK};
  if (fd >= 0 && bind(fd, (struct sockaddr *)&self, sizeof self) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static bool nl_send(int fd, const void *msg, size_t len) {
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  ssize_t sent;
  do
    sent = sendto(fd, msg, len, 0, (struct sockaddr *)&kernel, sizeof kernel);
  while (sent < 0 && errno == EINTR);
  return sent == (ssize_t)len;
}

/* One datagram of the kernel's into BUF, waiting at most ROUTE_TIMEOUT_MS
 * for it: its length, or 0 or -1 when none came. */
static ssize_t nl_recv(int fd, char *buf, size_t size) {
  for (;;) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, ROUTE_TIMEOUT_MS);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return -1;
    ssize_t n = recv(fd, buf, size, 0);
    if (n < 0 && errno == EINTR)
      continue;
    return n;
  }
}

/* Reads the replies to sequence numbers [FIRST, FIRST + COUNT) into OUT
 * (indexed from FIRST); false on a socket error or when they do not come. */
static bool read_replies(int fd, uint32_t first, size_t count, enum route_reach *out) {
  size_t got = 0;
  _Alignas(struct nlmsghdr) char buf[16384];
  while (got < count) {
    ssize_t n = nl_recv(fd, buf, sizeof buf);
    if (n <= 0)
      return false;
    size_t len = (size_t)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      uint32_t i = h->nlmsg_seq - first;
      if (h->nlmsg_seq < first || i >= count)
        continue; /* not ours (or a late reply of a batch given up on) */
      if (h->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = NLMSG_DATA(h);
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof *e))
          continue;
        /* ENETUNREACH and friends: no route at all. */
        out[i] = e->error == 0 ? out[i] : ROUTE_NONE;
        got++;
      } else if (h->nlmsg_type == RTM_NEWROUTE &&
                 h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct rtmsg))) {
        out[i] = classify(NLMSG_DATA(h));
        got++;
      }
    }
  }
  return true;
}

/* The per-address way: the kernel looks each one up, policy rules and all.
 * About 4 us an address here (37 ms for 10,000: each reply is an skb of its
 * own), so it serves where the table alone cannot say (below). */
bool route_reach_kernel(const struct address *addrs, size_t n, enum route_reach *out) {
  for (size_t i = 0; i < n; i++)
    out[i] = ROUTE_UNKNOWN;
  if (n == 0)
    return true;
  _cleanup_fd_ int fd = nl_open();
  if (fd < 0)
    return false;
  static struct route_req reqs[BATCH];
  for (size_t start = 0; start < n; start += BATCH) {
    size_t count = n - start < BATCH ? n - start : BATCH;
    _Alignas(struct nlmsghdr) char msg[BATCH * sizeof(struct route_req)];
    size_t len = 0;
    for (size_t k = 0; k < count; k++) {
      size_t l = build(&reqs[k], &addrs[start + k], (uint32_t)(start + k + 1));
      memcpy(msg + len, &reqs[k], l);
      len += l;
    }
    if (!nl_send(fd, msg, len) || !read_replies(fd, (uint32_t)(start + 1), count, out + start)) {
      for (size_t i = start; i < n; i++)
        out[i] = ROUTE_UNKNOWN;
      return start > 0;
    }
  }
  return true;
}

/* One route of the dump, as the lookup below needs it. */
struct route_entry {
  uint8_t family; /* 4 or 6 */
  uint8_t dst_len;
  uint8_t type;
  uint32_t table;
  uint8_t dst[16];
};

struct table_dump {
  struct route_entry *r;
  size_t n, cap;
  bool plain_rules; /* only the default policy rules: local, main, default */
};

static uint32_t attr_u32(const struct rtattr *a) {
  uint32_t v;
  memcpy(&v, RTA_DATA(a), sizeof v);
  return v;
}

static void take_route(struct table_dump *d, const struct nlmsghdr *h) {
  const struct rtmsg *rt = NLMSG_DATA(h);
  if (rt->rtm_family != AF_INET && rt->rtm_family != AF_INET6)
    return;
  struct route_entry e = {.family = rt->rtm_family == AF_INET ? 4 : 6,
                          .dst_len = rt->rtm_dst_len,
                          .type = rt->rtm_type,
                          .table = rt->rtm_table};
  size_t alen = e.family == 4 ? 4 : 16;
  if (e.dst_len > alen * 8)
    return;
  int len = (int)RTM_PAYLOAD(h);
  for (const struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type == RTA_DST && RTA_PAYLOAD(a) == alen)
      memcpy(e.dst, RTA_DATA(a), alen);
    else if (a->rta_type == RTA_TABLE && RTA_PAYLOAD(a) == 4)
      e.table = attr_u32(a);
  }
  if (d->n == d->cap) {
    d->cap = d->cap ? d->cap * 2 : 64;
    d->r = xreallocarray(d->r, d->cap, sizeof *d->r);
  }
  d->r[d->n++] = e;
}

/* A rule of the default policy: "lookup local/main/default", nothing
 * selected. Anything else (fwmark rules of a VPN, VRFs, source routing)
 * makes the table alone unable to say: the kernel is asked per address. */
static bool plain_rule(const struct nlmsghdr *h) {
  const struct fib_rule_hdr *r = NLMSG_DATA(h);
  if (r->family != AF_INET && r->family != AF_INET6)
    return true; /* multicast routing's rules (RTNL_FAMILY_IPMR) */
  uint32_t table = r->table;
  if (r->action != FR_ACT_TO_TBL || r->src_len || r->dst_len || r->tos || r->flags)
    return false;
  uint32_t suppress = UINT32_MAX;
  int len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *r));
  for (const struct rtattr *a = (const struct rtattr *)((const char *)r + NLMSG_ALIGN(sizeof *r));
       RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type == FRA_TABLE && RTA_PAYLOAD(a) == 4)
      table = attr_u32(a);
    else if (a->rta_type == FRA_SUPPRESS_PREFIXLEN && RTA_PAYLOAD(a) == 4)
      suppress = attr_u32(a); /* -1: none (wg-quick sets 0 on main) */
    else if (a->rta_type != FRA_PRIORITY && a->rta_type != FRA_PROTOCOL)
      return false;
  }
  return suppress == UINT32_MAX &&
         (table == RT_TABLE_LOCAL || table == RT_TABLE_MAIN || table == RT_TABLE_DEFAULT);
}

/* A dump request (RTM_GETROUTE or RTM_GETRULE, every family), read to its
 * end into D. */
static bool dump(int fd, uint16_t type, struct table_dump *d) {
  struct {
    struct nlmsghdr nh;
    struct rtmsg rt;
  } q = {.nh = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
                .nlmsg_type = type,
                .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
                .nlmsg_seq = type}};
  if (!nl_send(fd, &q, q.nh.nlmsg_len))
    return false;
  _Alignas(struct nlmsghdr) char buf[32768];
  for (int rounds = 0; rounds < 100000; rounds++) {
    ssize_t n = nl_recv(fd, buf, sizeof buf);
    if (n <= 0)
      return false;
    size_t len = (size_t)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != type)
        continue;
      if (h->nlmsg_type == NLMSG_DONE)
        return true;
      if (h->nlmsg_type == NLMSG_ERROR)
        return false;
      if (h->nlmsg_type == RTM_NEWROUTE && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct rtmsg)))
        take_route(d, h);
      else if (h->nlmsg_type == RTM_NEWRULE &&
               (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct fib_rule_hdr)) || !plain_rule(h)))
        d->plain_rules = false;
    }
  }
  return false;
}

static bool prefix_matches(const struct route_entry *e, const struct address *a) {
  size_t full = e->dst_len / 8, bits = e->dst_len % 8;
  if (memcmp(e->dst, a->bytes, full) != 0)
    return false;
  return !bits || ((e->dst[full] ^ a->bytes[full]) & (0xff00 >> bits) & 0xff) == 0;
}

/* The default rules' lookup: the local table, then main, then default;
 * in each, the longest prefix that matches. */
static enum route_reach lookup(const struct table_dump *d, const struct address *a) {
  static const uint32_t order[] = {RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_DEFAULT};
  for (size_t t = 0; t < N_ELEMENTS(order); t++) {
    const struct route_entry *best = NULL;
    for (size_t i = 0; i < d->n; i++) {
      const struct route_entry *e = &d->r[i];
      if (e->table == order[t] && e->family == a->family && (!best || e->dst_len > best->dst_len) &&
          prefix_matches(e, a))
        best = e;
    }
    if (best && best->type != RTN_THROW) {
      struct rtmsg rt = {.rtm_type = best->type, .rtm_dst_len = best->dst_len};
      return classify(&rt);
    }
  }
  return ROUTE_NONE;
}

bool route_reach_many(const struct address *addrs, size_t n, enum route_reach *out) {
  for (size_t i = 0; i < n; i++)
    out[i] = ROUTE_UNKNOWN;
  if (n == 0)
    return true;
  /* Two dumps, then every address in memory: a host's tables are a few
   * dozen routes, and 10,000 lookups cost less than one millisecond. */
  struct table_dump d = {.plain_rules = true};
  bool ok = false;
  {
    _cleanup_fd_ int fd = nl_open();
    ok = fd >= 0 && dump(fd, RTM_GETRULE, &d) && d.plain_rules && dump(fd, RTM_GETROUTE, &d);
  }
  if (ok)
    for (size_t i = 0; i < n; i++)
      out[i] = lookup(&d, &addrs[i]);
  free(d.r);
  return ok ? true : route_reach_kernel(addrs, n, out);
}

/* --- A link of one's own ------------------------------------------------------ */

/* One request, acknowledged: true when the kernel said 0, else false with
 * errno the kernel's error (or the socket's). */
static bool nl_ask(int fd, struct nlmsghdr *req) {
  req->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | req->nlmsg_flags;
  req->nlmsg_seq = 1;
  if (!nl_send(fd, req, req->nlmsg_len))
    return false;
  _Alignas(struct nlmsghdr) char buf[4096];
  for (;;) {
    errno = 0;
    ssize_t n = nl_recv(fd, buf, sizeof buf);
    if (n <= 0) {
      if (n == 0 || errno == 0)
        errno = ETIMEDOUT;
      return false;
    }
    size_t len = (size_t)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      const struct nlmsgerr *e = NLMSG_DATA(h);
      if (h->nlmsg_seq != 1 || h->nlmsg_type != NLMSG_ERROR ||
          h->nlmsg_len < NLMSG_LENGTH(sizeof *e))
        continue;
      errno = -e->error;
      return e->error == 0;
    }
  }
}

bool route_link_up_with_address(int ifindex, const struct address *a, const char **step) {
  _cleanup_fd_ int fd = nl_open();
  *step = "netlink";
  if (fd < 0)
    return false;
  struct {
    struct nlmsghdr nh;
    struct ifinfomsg ifi;
  } link = {.nh = {.nlmsg_len = sizeof link, .nlmsg_type = RTM_NEWLINK},
            .ifi = {.ifi_family = AF_UNSPEC,
                    .ifi_index = ifindex,
                    .ifi_flags = IFF_UP,
                    .ifi_change = IFF_UP | IFF_MULTICAST}};
  *step = "setting the link up";
  if (!nl_ask(fd, &link.nh))
    return false;
  size_t alen = a->family == 4 ? 4 : 16;
  _Alignas(struct nlmsghdr) char req[NLMSG_SPACE(sizeof(struct ifaddrmsg)) + 2 * RTA_SPACE(16)];
  memset(req, 0, sizeof req);
  struct nlmsghdr *nh = (struct nlmsghdr *)req;
  nh->nlmsg_type = RTM_NEWADDR;
  nh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
  nh->nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
  *(struct ifaddrmsg *)NLMSG_DATA(nh) =
      (struct ifaddrmsg){.ifa_family = a->family == 4 ? AF_INET : AF_INET6,
                         .ifa_prefixlen = (uint8_t)(alen * 8),
                         .ifa_flags = IFA_F_NODAD,
                         .ifa_scope = RT_SCOPE_UNIVERSE,
                         .ifa_index = (uint32_t)ifindex};
  const unsigned short types[2] = {IFA_LOCAL, IFA_ADDRESS};
  for (int i = 0; i < 2; i++) {
    struct rtattr *at = (struct rtattr *)(req + NLMSG_ALIGN(nh->nlmsg_len));
    at->rta_type = types[i];
    at->rta_len = (unsigned short)RTA_LENGTH(alen);
    memcpy(RTA_DATA(at), a->bytes, alen);
    nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(at->rta_len);
  }
  *step = "giving the link its address";
  return nl_ask(fd, nh);
}
