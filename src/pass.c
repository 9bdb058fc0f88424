/* SPDX-License-Identifier: MIT */
#include "pass.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "check.h"
#include "compose.h"
#include "discover.h"
#include "engine.h"
#include "resolver_child.h"
#include "swarm.h"
#include "route.h"
#include "target.h"

#define ENGINE_TIMEOUT_MS 5000
#define LINE_ADDRS_MAX RESULT_ADDRS_MAX

static inline void target_closep(struct target *t) { target_close(t); }
#define _cleanup_target_ __attribute__((cleanup(target_closep)))
static inline void atomic_file_closep(struct atomic_file *f) { atomic_file_close(f); }
#define _cleanup_atomic_file_ __attribute__((cleanup(atomic_file_closep)))
static inline void name_list_freep(struct name_list *l) { name_list_free(l); }
#define _cleanup_name_list_ __attribute__((cleanup(name_list_freep)))

struct results {
  struct name_result *r;
  size_t n;
};
static inline void results_freep(struct results *r) { name_results_free(r->r, r->n); }
#define _cleanup_results_ __attribute__((cleanup(results_freep)))

/* Finds a container by exact name or ID, else as a Swarm service (this
 * node's task), else as a Compose service. */
static int find_container(const struct pass_config *cfg, const struct engine *e,
                          struct container_state *st) {
  enum engine_result r = engine_inspect_container(e, cfg->container, st);
  if (r == ENGINE_NOT_FOUND)
    r = swarm_find_service(e, cfg->container, cfg->project, st);
  if (r == ENGINE_NOT_FOUND)
    r = compose_find_service(e, cfg->container, cfg->project, st);
  if (r == ENGINE_NOT_FOUND && !swarm_explain_missing(e, cfg->container, cfg->project))
    log_error("no such container, Swarm service or Compose service: %s (asked %s)", cfg->container,
              e->socket_path);
  if (r != ENGINE_FOUND)
    return EXIT_TARGET;
  if (!st->running) {
    log_error("container %s is not running (%s)", cfg->container, st->status);
    return EXIT_TARGET;
  }
  log_info("container %s: pid %d (from %s)", st->name, (int)st->pid, e->socket_path);
  return 0;
}

int pass_find_target(const struct pass_config *cfg, struct target *t, struct name_list *names,
                     struct pass_summary *sum) {
  if (cfg->netns)
    return target_open_netns(t, cfg->netns) ? 0 : EXIT_TARGET;
  if (cfg->pid)
    return target_open_pid(t, cfg->pid, "process") ? 0 : EXIT_TARGET;
  if (!cfg->container || !engine_target_valid(cfg->container)) {
    log_error("invalid container name or ID \"%s\"", cfg->container ? cfg->container : "");
    return EXIT_USAGE;
  }
  _cleanup_engine_ struct engine e = ENGINE_INIT;
  if (!engine_init(&e, cfg->docker_host, ENGINE_TIMEOUT_MS))
    return EXIT_USAGE;
  _cleanup_free_ struct container_state *st = xmalloc(sizeof *st);
  int rc = find_container(cfg, &e, st);
  if (rc != 0)
    return rc;
  for (size_t i = 0; sum && i < st->nnetworks; i++)
    memcpy(sum->network_ids[i], st->networks[i].id, sizeof sum->network_ids[i]);
  if (sum)
    sum->nnetworks = st->nnetworks;
  if (cfg->all && !discover_names(&e, st, cfg->fmt.format == FORMAT_ALIAS, names))
    return EXIT_TARGET;
  char label[160];
  snprintf(label, sizeof label, "container %s", st->name);
  return target_open_pid(t, st->pid, label) ? 0 : EXIT_TARGET;
}

/* For each name of LIST, the line the previous FILE had for it, if any. */
static void index_previous(const char *data, size_t len, enum format_kind f,
                           const struct name_list *list, const char **lines, size_t *lens) {
  const char *p = data, *end = data + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
    const char *key;
    size_t kl;
    if (format_line_key(f, p, l, &key, &kl)) {
      long i = name_list_find(list, key, kl);
      if (i >= 0 && !lines[i]) {
        lines[i] = p;
        lens[i] = l;
      }
    }
    p += l + 1;
  }
}

/* Failures that say nothing about the name itself: its previous line may
 * still be right. NXDOMAIN and "no address of that family" are answers. */
static bool failure_keeps_line(enum name_status s) {
  return s != NAME_NXDOMAIN && s != NAME_NODATA;
}

/* Every address this pass's answers gave, with the name it belongs to, in
 * address order, to find who owns an address a stale line points at. */
struct owned {
  struct address addr;
  size_t name;
};

static int owned_cmp(const void *a, const void *b) {
  return address_compare(&((const struct owned *)a)->addr, &((const struct owned *)b)->addr);
}

static struct owned *owned_addresses(const struct name_result *r, size_t n, size_t *count) {
  size_t total = 0;
  for (size_t i = 0; i < n; i++)
    if (r[i].status == NAME_RESOLVED)
      total += r[i].all ? r[i].naddrs : 1;
  struct owned *o = xcalloc(total, sizeof *o);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (r[i].status != NAME_RESOLVED)
      continue;
    size_t m = r[i].all ? r[i].naddrs : 1;
    for (size_t j = 0; j < m; j++)
      o[k++] = (struct owned){r[i].all ? r[i].all[j] : r[i].best, i};
  }
  qsort(o, total, sizeof *o, owned_cmp);
  *count = total;
  return o;
}

/* Whether the previous line of name I can be kept: it must say which
 * address it points at, and no other name of this pass may answer at that
 * address now (Docker reuses a stopped container's address). Says why not. */
static bool stale_line_safe(const struct format_config *fmt, const char *line, size_t len,
                            const struct owned *owned, size_t nowned, const struct name_list *names,
                            size_t i, const char *why, const char *file) {
  struct address addrs[LINE_ADDRS_MAX];
  size_t n = format_line_addresses(fmt, line, len, addrs, LINE_ADDRS_MAX);
  const char *name = name_at(names, i);
  if (n == 0 && format_line_other_domain(fmt, line, len)) {
    /* Another domain's line may well be right, but which address it means
     * is that domain's business: unchecked, it is not kept. */
    log_error("%s: %s; its previous line in %s points outside %s (it was written with another "
              "-p or --suffix), so it is dropped",
              name, why, file, fmt->suffix);
    return false;
  }
  if (n == 0) {
    log_error("%s: %s; its previous line in %s does not say which address it points at, so it is "
              "dropped",
              name, why, file);
    return false;
  }
  for (size_t k = 0; k < n; k++) {
    struct owned key = {addrs[k], 0};
    const struct owned *hit = bsearch(&key, owned, nowned, sizeof *owned, owned_cmp);
    if (hit) {
      char a[ADDRESS_TEXT_MAX];
      address_format(&addrs[k], a);
      log_error("%s: %s; its previous line in %s points at %s, which now answers for %s, so it is "
                "dropped",
                name, why, file, a, name_at(names, hit->name));
      return false;
    }
  }
  return true;
}

/* One line for a change of FILE, from its old and new content: which names
 * came, went or moved, with their addresses, as a journal reads well:
 *   FILE: postgres 172.18.0.3 -> 172.18.0.5; search added (172.19.0.2) */
static void report_change(const struct format_config *fmt, const char *file, const char *old,
                          size_t oldlen, const char *new, size_t newlen) {
  struct name_list keys;
  name_list_init(&keys);
  const char *sides[2] = {old, new};
  size_t lens[2] = {oldlen, newlen};
  /* Index both sides by key: 2 entries a name, old then new. */
  struct side {
    const char *line;
    size_t len;
  } *lines = NULL;
  size_t cap = 0;
  enum verbosity saved = verbosity;
  verbosity = VERBOSITY_SILENT; /* keys were checked when read */
  for (int s = 0; s < 2; s++) {
    const char *p = sides[s], *end = sides[s] ? sides[s] + lens[s] : NULL;
    while (p && p < end) {
      const char *nl = memchr(p, '\n', (size_t)(end - p));
      size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
      const char *key;
      size_t kl;
      if (format_line_key(fmt->format, p, l, &key, &kl)) {
        name_list_add(&keys, key, kl, "FILE", 0);
        long i = name_list_find(&keys, key, kl);
        if (i >= 0 && (size_t)i * 2 + 2 > cap) {
          size_t ncap = cap ? cap * 2 : 64;
          while (ncap < (size_t)i * 2 + 2)
            ncap *= 2;
          lines = xreallocarray(lines, ncap, sizeof *lines);
          memset(lines + cap, 0, (ncap - cap) * sizeof *lines);
          cap = ncap;
        }
        if (i >= 0)
          lines[i * 2 + s] = (struct side){p, l};
      }
      p += l + 1;
    }
  }
  verbosity = saved;
  struct strbuf msg = {0};
  for (size_t i = 0; i < keys.count; i++) {
    struct side *o = &lines[i * 2], *n = &lines[i * 2 + 1];
    if (o->line && n->line && o->len == n->len && !memcmp(o->line, n->line, o->len))
      continue;
    char a[2][ADDRESS_TEXT_MAX] = {"?", "?"};
    struct address addr[RESULT_ADDRS_MAX];
    for (int s = 0; s < 2; s++) {
      struct side *x = s ? n : o;
      if (x->line && format_line_addresses(fmt, x->line, x->len, addr, RESULT_ADDRS_MAX))
        address_format(&addr[0], a[s]);
    }
    char part[600];
    if (o->line && n->line)
      snprintf(part, sizeof part, "%s %s -> %s", name_at(&keys, i), a[0], a[1]);
    else
      snprintf(part, sizeof part, "%s %s (%s)", name_at(&keys, i), n->line ? "added" : "removed",
               a[n->line ? 1 : 0]);
    if (msg.len)
      strbuf_append(&msg, "; ", 2);
    strbuf_append(&msg, part, strlen(part));
  }
  if (msg.len)
    log_notice("%s: %s", file, msg.data);
  strbuf_free(&msg);
  free(lines);
  name_list_free(&keys);
}

/* Said once a process: a --watch that repeated it every pass would bury
 * what changes. */
static bool reach_told;

/* An alias line is only useful where its consumer can reach the address:
 * each written address is looked up in the routing table of the caller's
 * network namespace (the parent never leaves it). Addresses only the
 * default route leads to (a rootless network namespace, a Swarm overlay, a
 * remote engine's) are counted, and said once, with the way that works. The
 * file is unchanged: its lines are right for programs run inside. */
static void mark_reachability(const struct pass_config *cfg, const struct name_list *names,
                              struct name_result *r, const struct target *t) {
  size_t n = names->count, m = 0;
  _cleanup_free_ struct address *addrs = xcalloc(n ? n : 1, sizeof *addrs);
  _cleanup_free_ size_t *of = xcalloc(n ? n : 1, sizeof *of);
  for (size_t i = 0; i < n; i++) {
    if (r[i].status != NAME_RESOLVED ||
        (cfg->fmt.format == FORMAT_ALIAS && name_is_dotted(name_at(names, i))))
      continue;
    addrs[m] = r[i].best;
    of[m++] = i;
  }
  _cleanup_free_ enum route_reach *reach = xcalloc(m ? m : 1, sizeof *reach);
  int64_t t0 = now_us();
  route_reach_many(addrs, m, reach);
  size_t unreachable = 0, example = 0;
  for (size_t k = 0; k < m; k++) {
    r[of[k]].reach = (uint8_t)reach[k];
    if (route_unreachable(reach[k]) && !unreachable++)
      example = k;
  }
  log_info("timing: routes to %zu addresses %.3f ms", m, (double)(now_us() - t0) / 1000);
  if (!unreachable || reach_told)
    return;
  reach_told = true;
  char a[ADDRESS_TEXT_MAX], how[300];
  address_format(&addrs[example], a);
  if (cfg->container)
    snprintf(how, sizeof how, "hostalias %s -- COMMAND", cfg->container);
  else if (cfg->pid)
    snprintf(how, sizeof how, "hostalias --pid %d -- COMMAND", (int)cfg->pid);
  else
    snprintf(how, sizeof how, "hostalias --netns %s -- COMMAND", cfg->netns);
  log_warn("%zu of %zu names point at addresses this host cannot reach (%s %s, the address of "
           "%s): the lines are right only for programs run inside the network namespace of %s; "
           "run them with %s",
           unreachable, m,
           reach[example] == ROUTE_NONE ? "there is no route to"
                                        : "only the default route leads to",
           a, name_at(names, of[example]), t->label, how);
}

/* Who the DNS server was, for the message when it never answered. */
static void describe_server(const struct pass_config *cfg, const struct target *t, char *out,
                            size_t size) {
  if (!cfg->req.server_override) {
    snprintf(out, size, "the DNS server of %s", t->label);
    return;
  }
  size_t len =
      (size_t)snprintf(out, size, "the DNS server%s ", cfg->req.cfg.rc.nservers > 1 ? "s" : "");
  for (size_t i = 0; i < cfg->req.cfg.rc.nservers && len < size; i++) {
    char a[ADDRESS_TEXT_MAX];
    address_format(&cfg->req.cfg.rc.servers[i].addr, a);
    len += (size_t)snprintf(out + len, size - len, "%s%s%s%s:%u", i ? ", " : "",
                            strchr(a, ':') ? "[" : "", a, strchr(a, ':') ? "]" : "",
                            cfg->req.cfg.rc.servers[i].port);
  }
  if (len < size)
    snprintf(out + len, size - len, " (--server) in the network namespace of %s", t->label);
}

int pass_run(const struct pass_config *cfg, const struct name_list *given, struct strbuf *out,
             struct pass_summary *summary) {
  struct pass_summary sum = {0};
  int64_t t_start = now_us();

  /* The output file is checked before any work: a run that cannot write it
   * should fail fast, and its previous lines are needed for failed names. */
  _cleanup_atomic_file_ struct atomic_file file = {.dirfd = -1};
  if (cfg->output && !atomic_file_open(&file, cfg->output))
    return EXIT_OUTPUT;

  /* With --all, the names asked are the given ones and those the engine
   * knows this time: a fresh list on every pass. */
  _cleanup_name_list_ struct name_list merged;
  name_list_init(&merged);
  const struct name_list *names = given;
  if (cfg->all) {
    for (size_t i = 0; i < given->count; i++)
      name_list_add(&merged, name_at(given, i), strlen(name_at(given, i)), "arguments", 0);
    names = &merged;
  }

  _cleanup_target_ struct target t;
  target_init(&t);
  int rc = pass_find_target(cfg, &t, &merged, &sum);
  if (rc != 0)
    return rc;
  if (names->count == 0) {
    log_error("no names to resolve: none given, and none found on the networks of %s", t.label);
    return EXIT_USAGE;
  }
  sum.names = names->count;
  int64_t t_target = now_us();

  /* With -o, every address of every name is kept, so that a stale line
   * can be checked against all of this pass's answers. */
  struct resolve_request req = cfg->req;
  if (cfg->output)
    req.cfg.keep_all = true;
  _cleanup_results_ struct results res = {xcalloc(names->count, sizeof *res.r), names->count};
  rc = resolve_in_target(&t, &req, names, res.r);
  int64_t t_resolved = now_us();
  if (rc != 0)
    return rc;
  mark_reachability(cfg, names, res.r, &t);

  _cleanup_free_ const char **prev_lines = NULL;
  _cleanup_free_ size_t *prev_lens = NULL;
  _cleanup_free_ struct owned *owned = NULL;
  size_t nowned = 0;
  if (file.exists) {
    prev_lines = xcalloc(names->count, sizeof *prev_lines);
    prev_lens = xcalloc(names->count, sizeof *prev_lens);
    index_previous(file.data, file.len, cfg->fmt.format, names, prev_lines, prev_lens);
    owned = owned_addresses(res.r, names->count, &nowned);
  }

  /* --check: every target as the program will resolve it, before the
   * lines are made (JSON lines carry the verdict). */
  _cleanup_free_ struct check_item *checks = NULL;
  _cleanup_free_ long *check_of = NULL;
  size_t nchecks = 0, check_failed = 0;
  if (cfg->check) {
    checks = xcalloc(names->count, sizeof *checks);
    check_of = xcalloc(names->count, sizeof *check_of);
    for (size_t i = 0; i < names->count; i++) {
      struct check_item *c = &checks[nchecks];
      check_of[i] = -1;
      if (res.r[i].status != NAME_RESOLVED ||
          (cfg->fmt.format == FORMAT_ALIAS && name_is_dotted(name_at(names, i))) ||
          !format_target_name(&cfg->fmt, &res.r[i].best, c->target))
        continue;
      c->name = name_at(names, i);
      c->addr = res.r[i].best;
      check_of[i] = (long)nchecks++;
    }
    check_failed = check_targets(&t, (enum check_where)cfg->check, &cfg->fmt, checks, nchecks);
    for (size_t k = 0; k < nchecks; k++) {
      if (checks[k].ok)
        log_notice("check: %s -> %s: ok", checks[k].name, checks[k].target);
      else
        log_error("check: %s -> %s: %s", checks[k].name, checks[k].target, checks[k].verdict);
    }
  }

  _cleanup_strbuf_ struct strbuf lines = {0};
  size_t dns_answered = 0, dns_unreachable = 0;
  for (size_t i = 0; i < names->count; i++) {
    struct name_result *r = &res.r[i];
    const char *name = name_at(names, i);
    bool dotted_skip = cfg->fmt.format == FORMAT_ALIAS && name_is_dotted(name);
    if (r->status != NAME_TIMEOUT && r->status != NAME_UNREACHABLE && !r->from_hosts)
      dns_answered++;
    const char *why;
    const char *verdict = check_of && check_of[i] >= 0 ? checks[check_of[i]].verdict : NULL;
    if (format_line(&cfg->fmt, name, r, verdict, &lines, &why)) {
      sum.resolved++;
      continue;
    }
    if (dotted_skip && r->status == NAME_RESOLVED)
      continue; /* warned about when the names were read */
    sum.failed++;
    if (r->status == NAME_TIMEOUT || r->status == NAME_UNREACHABLE)
      dns_unreachable++;
    const char *prev = prev_lines ? prev_lines[i] : NULL;
    if (!prev) {
      log_error("%s: %s", name, why);
    } else if (!failure_keeps_line(r->status)) {
      log_error("%s: %s; its previous line in %s is dropped", name, why, cfg->output);
      sum.dropped++;
    } else if (stale_line_safe(&cfg->fmt, prev, prev_lens[i], owned, nowned, names, i, why,
                               cfg->output)) {
      /* A standing failure must not mail a cron job's owner every run: -q
       * silences this, not the failures that lose a line. */
      log_warn("%s: %s; keeping its previous line in %s (stale)", name, why, cfg->output);
      strbuf_append(&lines, prev, prev_lens[i]);
      strbuf_append(&lines, "\n", 1);
      sum.stale++;
    } else {
      sum.dropped++;
    }
  }

  int status = sum.failed == 0 ? EXIT_ALL_RESOLVED : EXIT_SOME_UNRESOLVED;
  if (sum.failed && dns_answered == 0 && dns_unreachable == sum.failed) {
    char server[600];
    describe_server(cfg, &t, server, sizeof server);
    log_error("no answer from %s", server);
    if (cfg->netns && !t.resolv_conf.present && !cfg->req.server_override)
      log_error("hint: %s has no resolver configuration of its own (no /etc/netns/NAME/"
                "resolv.conf), so %s, Docker's embedded DNS, was asked, and it does not exist "
                "there (a Podman namespace, say): give the server with -s ADDR, or target the "
                "container by name or --pid so its own resolv.conf is read",
                t.label, FALLBACK_NAMESERVER);
    status = EXIT_DNS;
  }
  /* The file itself is right: it is still written; the status says the
   * program will not get there. */
  if (check_failed && status <= EXIT_SOME_UNRESOLVED)
    status = EXIT_CHECK;

  if (cfg->output) {
    if (sum.resolved == 0) {
      log_error("%s: nothing resolved; left as it was", cfg->output);
    } else {
      bool unchanged;
      if (!atomic_file_replace(&file, lines.data ? lines.data : "", lines.len, &unchanged))
        status = EXIT_OUTPUT;
      else
        log_info("%s: %s", cfg->output, unchanged ? "unchanged, not rewritten" : "replaced");
      sum.file_replaced = status != EXIT_OUTPUT && !unchanged;
      if (sum.file_replaced && cfg->report_changes)
        report_change(&cfg->fmt, cfg->output, file.exists ? file.data : NULL,
                      file.exists ? file.len : 0, lines.data, lines.len);
    }
  } else if (lines.len && !out->data) {
    /* Handed over, not copied: with 100,000 names a copy of the lines was
     * 3 MB more at the peak (bench.sh part 4). */
    *out = lines;
    memset(&lines, 0, sizeof lines);
  } else if (lines.len) {
    strbuf_append(out, lines.data, lines.len);
  }
  log_info("timing: find target and read its files %.3f ms, resolver child %.3f ms, output "
           "%.3f ms",
           (double)(t_target - t_start) / 1000, (double)(t_resolved - t_target) / 1000,
           (double)(now_us() - t_resolved) / 1000);
  if (summary)
    *summary = sum;
  return status;
}
