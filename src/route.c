/* SPDX-License-Identifier: MIT */
#include "route.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
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

/* Reads the replies to sequence numbers [FIRST, FIRST + COUNT) into OUT
 * (indexed from FIRST); false on a socket error or when they do not come. */
static bool read_replies(int fd, uint32_t first, size_t count, enum route_reach *out) {
  size_t got = 0;
  _Alignas(struct nlmsghdr) char buf[16384];
  while (got < count) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, ROUTE_TIMEOUT_MS);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return false;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR)
      continue;
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

bool route_reach_many(const struct address *addrs, size_t n, enum route_reach *out) {
  for (size_t i = 0; i < n; i++)
    out[i] = ROUTE_UNKNOWN;
  if (n == 0)
    return true;
  _cleanup_fd_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0)
    return false;
  struct sockaddr_nl self = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&self, sizeof self) < 0)
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
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    ssize_t sent;
    do
      sent = sendto(fd, msg, len, 0, (struct sockaddr *)&kernel, sizeof kernel);
    while (sent < 0 && errno == EINTR);
    if (sent != (ssize_t)len || !read_replies(fd, (uint32_t)(start + 1), count, out + start)) {
      for (size_t i = start; i < n; i++)
        out[i] = ROUTE_UNKNOWN;
      return start > 0;
    }
  }
  return true;
}
