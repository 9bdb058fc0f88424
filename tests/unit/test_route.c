/* SPDX-License-Identifier: MIT */
/* route.c against the kernel's own routing table: loopback is local, a
 * fresh network namespace (root only) has no route at all, and a batch
 * larger than one send gets an answer for every address. */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "route.h"
#include "tap.h"
#include "util.h"

/* The table lookup and the kernel's agree on every address of a mixed set:
 * local, private, public, IPv6. */
static bool agree(const char *where) {
  static const char *texts[] = {"127.0.0.1",   "127.255.0.9", "10.0.0.1", "192.0.2.2",
                                "192.0.2.77",  "203.0.113.5", "8.8.8.8",  "::1",
                                "2001:db8::1", "fe80::1",     "224.0.0.1"};
  struct address a[N_ELEMENTS(texts)];
  enum route_reach t[N_ELEMENTS(texts)], k[N_ELEMENTS(texts)];
  for (size_t i = 0; i < N_ELEMENTS(texts); i++)
    address_parse(texts[i], &a[i]);
  bool ok = route_reach_many(a, N_ELEMENTS(a), t) && route_reach_kernel(a, N_ELEMENTS(a), k);
  for (size_t i = 0; ok && i < N_ELEMENTS(texts); i++)
    if (t[i] != k[i]) {
      printf("# %s: %s: table %d, kernel %d\n", where, texts[i], t[i], k[i]);
      ok = false;
    }
  return ok;
}

static enum route_reach one(const char *text) {
  struct address a;
  enum route_reach r = ROUTE_UNKNOWN;
  if (address_parse(text, &a))
    route_reach_many(&a, 1, &r);
  return r;
}

int main(void) {
  ok(one("127.0.0.1") == ROUTE_REACHABLE, "127.0.0.1: local, reachable");
  enum route_reach none = ROUTE_UNKNOWN;
  ok(route_reach_many(NULL, 0, &none) && none == ROUTE_UNKNOWN, "no addresses: nothing asked");
  /* 1000 addresses: 16 batches; each answered, none left unknown. */
  size_t n = 1000;
  struct address *addrs = xcalloc(n, sizeof *addrs);
  enum route_reach *out = xcalloc(n, sizeof *out);
  for (size_t i = 0; i < n; i++) {
    addrs[i].family = 4;
    addrs[i].bytes[0] = 127;
    addrs[i].bytes[2] = (uint8_t)(i >> 8);
    addrs[i].bytes[3] = (uint8_t)i;
  }
  size_t answered = 0;
  ok(route_reach_many(addrs, n, out), "a batch of 1000");
  for (size_t i = 0; i < n; i++)
    answered += out[i] == ROUTE_REACHABLE;
  ok(answered == n, "each of the 1000 loopback addresses answered reachable (%zu)", answered);
  ok(agree("this namespace"), "the table lookup and the kernel's agree here");
  if (geteuid() == 0 && unshare(CLONE_NEWNET) == 0) {
    ok(agree("a fresh namespace"), "the table lookup and the kernel's agree in a fresh namespace");
    /* A new namespace: lo is down, there is no route at all. */
    ok(one("10.0.0.1") == ROUTE_NONE, "a fresh network namespace: no route to 10.0.0.1");
    ok(one("127.0.0.1") == ROUTE_NONE, "a fresh network namespace: lo down, no route to 127.0.0.1");
    ok(route_unreachable(ROUTE_NONE) && route_unreachable(ROUTE_DEFAULT_ONLY) &&
           !route_unreachable(ROUTE_REACHABLE) && !route_unreachable(ROUTE_UNKNOWN),
       "unreachable means: no route, or only the default one");
  } else {
    skip("needs root for a network namespace of its own");
    skip("needs root for a network namespace of its own");
    skip("needs root for a network namespace of its own");
    skip("needs root for a network namespace of its own");
  }
  free(addrs);
  free(out);
  return tap_done();
}
