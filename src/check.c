/* SPDX-License-Identifier: MIT */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "child.h"
#include "host_files.h"
#include "privileges.h"
#include "resolvconf.h"
#include "route.h"
#include "util.h"

bool check_parse_where(const char *arg, enum check_where *out) {
  if (!arg || !strcmp(arg, "host"))
    *out = CHECK_HOST;
  else if (!strcmp(arg, "netns"))
    *out = CHECK_NETNS;
  else if (!strcmp(arg, "both"))
    *out = CHECK_BOTH;
  else
    return false;
  return true;
}

/* One answer, as the child sends it. */
enum answer { ANSWER_MATCH, ANSWER_OTHER, ANSWER_NONE, ANSWER_NONAME, ANSWER_LATE };
struct record {
  uint8_t answer; /* enum answer */
  uint8_t reach;  /* enum route_reach of the wanted address, in that place */
  struct address other;
};

/* What the child's requests live in, kept reachable to the end: glibc's
 * threads may still hold a request that did not finish in time, so nothing
 * is freed before _exit, and valgrind must not call that lost. */
static struct gaicb *child_cbs, **child_list;

/* In the child: every target (and the probe, last) through getaddrinfo_a,
 * within the deadline; one record each on FD. */
struct check_job {
  char **names;
  const struct address *want;
  size_t n;
};

__attribute__((noreturn)) static void resolve_all(void *ctx) {
  const struct check_job *job = ctx;
  char **names = job->names;
  const struct address *want = job->want;
  size_t n = job->n;
  int fd = CHILD_FD;
  struct gaicb *cbs = child_cbs = xcalloc(n, sizeof *cbs);
  struct gaicb **list = child_list = xcalloc(n, sizeof *list);
  static struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
  for (size_t i = 0; i < n; i++) {
    cbs[i].ar_name = names[i];
    cbs[i].ar_request = &hints;
    list[i] = &cbs[i];
  }
  int64_t deadline = now_ms() + CHECK_DEADLINE_MS;
  if (getaddrinfo_a(GAI_NOWAIT, list, (int)n, NULL) != 0) {
    log_error("--check: getaddrinfo_a failed");
    _exit(EXIT_OUTPUT);
  }
  for (;;) {
    size_t pending = 0;
    for (size_t i = 0; i < n; i++)
      pending += gai_error(&cbs[i]) == EAI_INPROGRESS;
    int64_t left = deadline - now_ms();
    if (pending == 0 || left <= 0)
      break;
    /* Short naps, not gai_suspend: when a request's lookup returns just as
     * gai_suspend times out, glibc (2.36) sets its __return outside the
     * lock, gai_suspend then leaves its wait list entry (on this stack)
     * linked to it, and the lookup thread's __gai_notify reads it after
     * gai_suspend returned (seen under valgrind in check.bats: a SIGSEGV
     * in __gai_notify, and the check "failed"). */
    struct timespec nap = {.tv_nsec = (left < 5 ? left : 5) * 1000000};
    nanosleep(&nap, NULL);
  }
  /* The route to each wanted address from this place: a target that
   * resolves right but leads nowhere reachable fails too. */
  enum route_reach *reach = xcalloc(n, sizeof *reach);
  route_reach_many(want, n, reach);
  for (size_t i = 0; i < n; i++) {
    struct record r = {.answer = ANSWER_NONE, .reach = (uint8_t)reach[i]};
    int e = gai_error(&cbs[i]);
    if (e == EAI_INPROGRESS) {
      gai_cancel(&cbs[i]);
      r.answer = ANSWER_LATE;
    } else if (e == 0) {
      r.answer = ANSWER_OTHER;
      for (struct addrinfo *ai = cbs[i].ar_result; ai; ai = ai->ai_next) {
        struct address a;
        if (!address_from_sockaddr(ai->ai_addr, ai->ai_addrlen, &a))
          continue;
        if (address_compare(&a, &want[i]) == 0)
          r.answer = ANSWER_MATCH;
        else if (!r.other.family)
          r.other = a;
      }
    } else if (e == EAI_NONAME) {
      r.answer = ANSWER_NONAME;
    }
    if (!write_all(fd, &r, sizeof r))
      _exit(EXIT_OUTPUT);
  }
  free(reach);
  /* Results still pending belong to glibc's threads: exit without freeing. */
  _exit(0);
}

/* Runs the check in a child in the host's network namespace, or (IN_NETNS)
 * in T's; RECS gets N records. False when the child failed. */
static bool run_place(const struct target *t, bool in_netns, char **names,
                      const struct address *want, size_t n, struct record *recs) {
  struct check_job job = {.names = names, .want = want, .n = n};
  struct child c;
  if (!child_start(&c, "the --check process", in_netns ? t : NULL, 0, resolve_all, &job,
                   now_ms() + CHECK_DEADLINE_MS + CHILD_GRACE_MS))
    return false;
  size_t want_len = n * sizeof *recs, got = 0;
  while (got < want_len) {
    ssize_t r = child_read(&c, (char *)recs + got, want_len - got);
    if (r <= 0)
      break;
    got += (size_t)r;
  }
  int wstatus = 0;
  child_finish(&c, got < want_len, CHILD_GRACE_MS, &wstatus);
  for (size_t i = 0; got == want_len && i < n; i++)
    if (recs[i].answer > ANSWER_LATE || recs[i].reach > ROUTE_NONE ||
        (recs[i].other.family != 0 && recs[i].other.family != 4 && recs[i].other.family != 6))
      got = 0; /* a record no child of ours would send */
  if (got < want_len)
    log_error("--check: the checking process failed%s",
              in_netns ? " in the target's network namespace" : "");
  return got == want_len;
}

const char *check_nss_obstacle(const char *nss, size_t len, bool nscd_caches_hosts) {
  if (nscd_caches_hosts)
    return "nscd caches hosts, and answers programs without their HOSTALIASES";
  const char *hosts = NULL, *p;
  size_t hl = 0, l;
  struct line_iter it = line_iter(nss, len);
  while (line_next(&it, &p, &l)) {
    const char *src;
    size_t sl;
    if (nss_hosts_line(p, l, &src, &sl))
      hosts = src, hl = sl; /* the last one counts */
  }
  if (!hosts)
    return NULL; /* glibc's default has dns */
  /* The sources in order: a "resolve" followed by [!UNAVAIL=return] before
   * "dns" answers every name itself, and never reads HOSTALIASES. */
  char line[1024];
  size_t cl = hl < sizeof line - 1 ? hl : sizeof line - 1;
  memcpy(line, hosts, cl);
  line[cl] = '\0';
  char *hash = strchr(line, '#');
  if (hash)
    *hash = '\0';
  bool resolve_returns = false;
  char *save = NULL;
  const char *prev = NULL;
  for (char *tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
    if (!strcmp(tok, "dns"))
      return resolve_returns ? "nsswitch.conf sends host names to systemd-resolved before dns "
                               "(resolve [!UNAVAIL=return]), and it never reads HOSTALIASES"
                             : NULL;
    if (prev && !strcmp(prev, "resolve") && tok[0] == '[' && strstr(tok, "!UNAVAIL=return"))
      resolve_returns = true;
    prev = tok;
  }
  return "nsswitch.conf's hosts line has no dns, the only glibc module that reads HOSTALIASES";
}

static bool nscd_caches_hosts(void) {
  struct stat st;
  if (stat("/run/nscd/socket", &st) != 0 && stat("/var/run/nscd/socket", &st) != 0)
    return false;
  /* Running; hosts are cached unless nscd.conf says otherwise. */
  FILE *f = fopen("/etc/nscd.conf", "re");
  bool cached = true;
  char line[512];
  while (f && fgets(line, sizeof line, f)) {
    char key[64], db[64], val[64];
    if (sscanf(line, " %63s %63s %63s", key, db, val) == 3 && !strcmp(key, "enable-cache") &&
        !strcmp(db, "hosts"))
      cached = strcmp(val, "no") != 0;
  }
  if (f)
    fclose(f);
  return cached;
}

/* The host's nameservers that only exist in its own network namespace
 * (loopback: systemd-resolved's 127.0.0.53, a local dnsmasq), for the
 * netns verdict. */
static void loopback_servers(char *out, size_t size) {
  out[0] = '\0';
  _cleanup_strbuf_ struct strbuf buf = {0};
  if (!host_file_read("/etc/resolv.conf", RESOLV_FILE_MAX, &buf) || !buf.len)
    return;
  struct resolv_conf rc;
  resolv_conf_init(&rc);
  {
    VERBOSITY_SCOPE(VERBOSITY_SILENT); /* the host's file, not ours to judge */
    resolv_conf_parse(&rc, buf.data, buf.len, "/etc/resolv.conf");
  }
  size_t o = 0;
  for (size_t i = 0; i < rc.nservers; i++) {
    const struct address *a = &rc.servers[i].addr;
    bool loop = (a->family == 4 && a->bytes[0] == 127) ||
                (a->family == 6 && !memcmp(a->bytes, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16));
    if (loop && o < size) {
      char t[ADDRESS_TEXT_MAX];
      address_format(a, t);
      o += (size_t)snprintf(out + o, size - o, "%s%s", o ? ", " : "", t);
    }
  }
}

/* The verdict for one record at one place. */
static void verdict(const struct check_item *it, const struct record *r, const struct record *probe,
                    const char *probe_name, bool in_netns, const char *loopback, const char *how,
                    char *out, size_t size) {
  char a[ADDRESS_TEXT_MAX], o[ADDRESS_TEXT_MAX];
  address_format(&it->addr, a);
  const char *where = in_netns ? "in the target's network namespace: " : "";
  if (r->answer == ANSWER_MATCH && route_unreachable(r->reach)) {
    snprintf(
        out, size, "%s%s resolves to %s, but %s: programs here cannot reach it; run them with %s",
        where, it->target, a,
        r->reach == ROUTE_NONE ? "there is no route to it" : "only the default route leads there",
        how);
  } else if (r->answer == ANSWER_MATCH) {
    snprintf(out, size, "ok");
  } else if (r->answer == ANSWER_OTHER) {
    address_format(&r->other, o);
    snprintf(out, size, "%s%s resolves to %s, not %s", where, it->target, o, a);
  } else if (probe && probe->answer == ANSWER_MATCH) {
    snprintf(out, size,
             "%sno answer for %s while the public %s resolves: the resolver drops private "
             "addresses in public answers (DNS-rebinding protection: dnsmasq stop-dns-rebind, "
             "Unbound private-address, Pi-hole, many home routers)",
             where, it->target, probe_name);
  } else if (in_netns && loopback[0]) {
    snprintf(out, size,
             "in the target's network namespace: no answer for %s: the host's nameserver %s "
             "does not exist there; run the program with %s instead",
             it->target, loopback, how);
  } else {
    snprintf(out, size,
             "%s%s for %s: offline, or the wildcard DNS service is down; ways that need no "
             "public DNS: %s, --suffix with a wildcard domain of your own, or --format hosts "
             "with nss_wrapper",
             where, r->answer == ANSWER_LATE ? "no answer in time" : "no answer", it->target, how);
  }
}

size_t check_targets(const struct target *t, enum check_where where,
                     const struct format_config *fmt, const char *how, struct check_item *items,
                     size_t n) {
  if (n == 0)
    return 0;
  /* The targets, and a public address under the same service (1.1.1.1 in
   * the same form) to tell rebinding protection from an outage. */
  _cleanup_free_ char **names = xcalloc(n + 1, sizeof *names);
  _cleanup_free_ struct address *want = xcalloc(n + 1, sizeof *want);
  for (size_t i = 0; i < n; i++) {
    names[i] = items[i].target;
    want[i] = items[i].addr;
  }
  char probe_name[NAME_MAX_LEN + 1];
  address_parse("1.1.1.1", &want[n]);
  bool have_probe = format_target_name(fmt, NULL, &want[n], probe_name);
  names[n] = probe_name;
  size_t total = have_probe ? n + 1 : n;

  _cleanup_strbuf_ struct strbuf nss = {0};
  if (!host_file_read("/etc/nsswitch.conf", HOST_FILE_MAX, &nss))
    nss.len = 0; /* glibc's defaults */
  const char *obstacle = check_nss_obstacle(nss.data, nss.len, nscd_caches_hosts());
  char loopback[200];
  loopback_servers(loopback, sizeof loopback);

  _cleanup_free_ struct record *recs = xcalloc(total, sizeof *recs);
  for (size_t i = 0; i < n; i++) {
    items[i].verdict[0] = '\0';
    items[i].ok = true;
  }
  for (int place = CHECK_HOST; place <= CHECK_NETNS; place <<= 1) {
    if (!(where & place))
      continue;
    bool in_netns = place == CHECK_NETNS;
    bool ran = run_place(t, in_netns, names, want, total, recs);
    for (size_t i = 0; i < n; i++) {
      char v[1024];
      if (!ran)
        snprintf(v, sizeof v, "could not be checked%s",
                 in_netns ? " in the target's namespace" : "");
      else
        verdict(&items[i], &recs[i], have_probe ? &recs[n] : NULL, probe_name, in_netns, loopback,
                how, v, sizeof v);
      bool ok = ran && recs[i].answer == ANSWER_MATCH && !route_unreachable(recs[i].reach);
      if (!ok || !items[i].verdict[0]) {
        if (items[i].ok && !ok)
          items[i].verdict[0] = '\0';
        size_t used = strlen(items[i].verdict);
        snprintf(items[i].verdict + used, sizeof items[i].verdict - used, "%s%s", used ? "; " : "",
                 v);
      }
      items[i].ok &= ok;
    }
  }
  size_t failed = 0;
  for (size_t i = 0; i < n; i++) {
    if (obstacle && items[i].ok) {
      snprintf(items[i].verdict, sizeof items[i].verdict, "%s", obstacle);
      items[i].ok = false;
    }
    failed += !items[i].ok;
  }
  return failed;
}
