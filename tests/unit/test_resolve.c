/* SPDX-License-Identifier: MIT */
/* What the c-ares channel is really given, read back with
 * ares_save_options, on whichever c-ares this build links (1.18.1 and
 * 1.34.5 in CI): the pins that keep the host's configuration out, and the
 * query cache off where c-ares has one (1.31+). */
#include <ares.h>
#include <stdlib.h>
#include <string.h>

#include "resolve.h"
#include "tap.h"
#include "util.h"

int main(void) {
  ares_library_init(ARES_LIB_INIT_ALL);
  /* Whatever the environment says must not matter. */
  setenv("HOSTALIASES", "/etc/passwd", 1);
  setenv("LOCALDOMAIN", "evil.example", 1);
  setenv("RES_OPTIONS", "ndots:9 attempts:5", 1);
  struct resolver_config cfg;
  memset(&cfg, 0, sizeof cfg);
  resolv_conf_init(&cfg.rc);
  nameserver_parse("127.0.0.11", &cfg.rc.servers[0]);
  nameserver_parse("[fd00::1]:5353", &cfg.rc.servers[1]);
  cfg.rc.nservers = 2;
  strcpy(cfg.rc.search[0], "backend.example");
  cfg.rc.nsearch = 1;
  cfg.rc.ndots = 0;
  cfg.timeout_ms = 1500;
  cfg.tries = 3;
  ares_channel ch;
  if (!resolve_channel_new(&cfg, &ch, NULL, NULL))
    return 1;
  struct ares_options o;
  int mask = 0;
  ok(ares_save_options(ch, &o, &mask) == ARES_SUCCESS, "options read back (c-ares %s)",
     ares_version(NULL));
  ok((mask & ARES_OPT_FLAGS) && (o.flags & ARES_FLAG_NOALIASES),
     "NOALIASES: c-ares does not read HOSTALIASES itself");
  is_str((mask & ARES_OPT_LOOKUPS) ? o.lookups : NULL, "b",
         "lookups \"b\": never the host's hosts file");
  ok((mask & ARES_OPT_DOMAINS) && o.ndomains == 1 && !strcmp(o.domains[0], "backend.example"),
     "the container's search list, not LOCALDOMAIN");
  ok((mask & ARES_OPT_NDOTS) && o.ndots == 0, "the container's ndots, not RES_OPTIONS");
  ok(o.nsort == 0, "no sortlist");
  ok((mask & ARES_OPT_TRIES) && o.tries == 3, "tries as given, not RES_OPTIONS' attempts");
  ok((mask & ARES_OPT_TIMEOUTMS) && o.timeout == 1500, "first try's timeout as given");
#ifdef ARES_OPT_QUERY_CACHE
  ok((mask & ARES_OPT_QUERY_CACHE) && o.qcache_max_ttl == 0, "query cache off (c-ares 1.31+)");
#else
  skip("c-ares %s has no query cache (1.31+)", ares_version(NULL));
#endif
#if ARES_VERSION >= 0x011800 /* ares_get_servers_csv from 1.24; the other is deprecated */
  char *csv = ares_get_servers_csv(ch);
  is_str(csv, "127.0.0.11:53,[fd00::1]:5353", "exactly the given servers, in order, with ports");
  ares_free_string(csv);
#else
  struct ares_addr_port_node *servers = NULL;
  ok(ares_get_servers_ports(ch, &servers) == ARES_SUCCESS && servers &&
         servers->family == AF_INET && servers->udp_port == 53 && servers->next &&
         servers->next->family == AF_INET6 && servers->next->udp_port == 5353 &&
         !servers->next->next,
     "exactly the given servers, in order, with their ports");
  ares_free_data(servers);
#endif
  ares_destroy_options(&o);
  ares_destroy(ch);
  ares_library_cleanup();
  return tap_done();
}
