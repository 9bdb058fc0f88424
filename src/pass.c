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
#include "lines.h"
#include "resolver_child.h"
#include "swarm.h"
#include "privileges.h"
#include "route.h"
#include "target.h"
#include "vm.h"

/* The target container, by the rules the README gives: with a project
 * (--project, else COMPOSE_PROJECT_NAME), the service of that project wins
 * over a container of the same name (with --project, a container named
 * exactly is taken only when it is of that project; with the environment,
 * it is the fallback); with none, an exact name or ID, else a Swarm
 * service (this node's task), else a Compose service. -v says which rule
 * chose. */
static enum engine_result find_by_rules(const struct pass_config *cfg, const struct engine *e,
                                        struct container_state *st, const char **project,
                                        enum compose_project_source *chosen_by) {
  const char *name = cfg->container;
  enum compose_project_source source = PROJECT_OPTION;
  *project = cfg->project;
  *chosen_by = PROJECT_NONE;
  if (!*project && (*project = getenv("COMPOSE_PROJECT_NAME")) && **project) {
    source = PROJECT_ENVIRONMENT;
    if (!engine_target_valid(*project)) {
      log_error("invalid COMPOSE_PROJECT_NAME \"%.80s\": expected a Compose project name",
                *project);
      return ENGINE_ERROR;
    }
  } else if (!cfg->project) {
    *project = NULL;
    source = PROJECT_NONE;
  }
  *chosen_by = source;
  if (!*project) {
    enum engine_result r = engine_inspect_container(e, name, st);
    if (r == ENGINE_FOUND)
      log_info("%s: the container of that name (no project chosen: an exact name or ID comes "
               "first)",
               name);
    if (r == ENGINE_NOT_FOUND)
      r = swarm_find_service(e, name, NULL, st);
    return r == ENGINE_NOT_FOUND ? compose_find_service(e, name, NULL, PROJECT_NONE, st) : r;
  }
  const char *from = compose_project_source_name(source);
  enum engine_result r = swarm_find_service(e, name, *project, st);
  if (r == ENGINE_NOT_FOUND)
    r = compose_find_service(e, name, *project, source, st);
  if (r != ENGINE_NOT_FOUND)
    return r;
  r = engine_inspect_container(e, name, st);
  if (r != ENGINE_FOUND)
    return r;
  if (!strcmp(st->compose.project, *project) || !strcmp(st->swarm.stack, *project)) {
    log_info("%s: the container of that name, of project %s (from %s)", name, *project, from);
    return r;
  }
  if (source == PROJECT_ENVIRONMENT) {
    log_info("%s: the container of that name: project %s (from %s) has no running service %s", name,
             *project, from, name);
    return r;
  }
  log_error("project %s (from %s) has no running service %s, and the container named %s is not "
            "of that project: with --project, the project's service is the target, never another "
            "container of the same name",
            *project, from, name, name);
  return ENGINE_ERROR;
}

static int find_container(const struct pass_config *cfg, const struct engine *e,
                          struct container_state *st) {
  const char *project;
  enum compose_project_source source;
  enum engine_result r = find_by_rules(cfg, e, st, &project, &source);
  if (r == ENGINE_NOT_FOUND && !swarm_explain_missing(e, cfg->container, project)) {
    if (project)
      log_error("no container %s, and project %s (from %s) has no running service %s",
                cfg->container, project, compose_project_source_name(source), cfg->container);
    else
      log_error("no such container, Swarm service or Compose service: %s (asked %s)",
                cfg->container, e->socket_path);
  }
  if (r != ENGINE_FOUND)
    return EXIT_TARGET;
  if (!st->running) {
    log_error("container %s is not running (%s)", cfg->container, st->status);
    return EXIT_TARGET;
  }
  if (!st->id[0]) {
    log_error("container %s: the Engine API at %s gave no valid container ID, so its process "
              "cannot be checked: not entered",
              cfg->container, e->socket_path);
    return EXIT_TARGET;
  }
  log_info("container %s: pid %d (from %s)", st->name, (int)st->pid, e->socket_path);
  return 0;
}

/* Opens the target: a network namespace file, a process, or a container
 * the engine E finds (into ST), whose process must be that container. */
static int open_target(const struct pass_config *cfg, const struct engine *e, struct target *t,
                       struct container_state *st) {
  if (cfg->netns)
    return target_open_netns(t, cfg->netns) ? 0 : EXIT_TARGET;
  if (cfg->pid)
    return target_open_pid(t, cfg->pid, "process", NULL) ? 0 : EXIT_TARGET;
  int rc = find_container(cfg, e, st);
  if (rc != 0)
    return rc;
  char label[160];
  snprintf(label, sizeof label, "container %s", st->name);
  int64_t t0 = now_us();
  bool ok = target_open_pid(t, st->pid, label, st->id);
  log_info("timing: open the target and check its process %.3f ms", (double)(now_us() - t0) / 1000);
  /* The user's own engine vouches only for namespaces the user owns:
   * checked on the descriptor held, so a PID recycled since the engine's
   * inspect cannot lead root elsewhere. */
  if (ok && e->vouch == ENGINE_PEER_INVOKER && !netns_owned_by(t->netns_fd, invoker()->uid)) {
    log_error("%s: its network namespace is not one uid %u owns, and the engine that named it "
              "is that user's own: not entered",
              t->label, (unsigned)invoker()->uid);
    return EXIT_TARGET;
  }
  char vm[64];
  if (!ok && t->not_the_container && engine_runs_in_vm(e, vm, sizeof vm))
    log_error("hint: the engine at %s runs in a virtual machine (%s): the PIDs it reports are "
              "the VM's, and its containers cannot be entered from this host; run hostalias "
              "inside the VM, or reach the services through published ports",
              e->socket_path, vm);
  return ok ? 0 : EXIT_TARGET;
}

/* The Engine API client, for a container target (else none is needed). */
static int open_engine(const struct pass_config *cfg, struct engine *e) {
  if (cfg->netns || cfg->pid)
    return 0;
  if (!cfg->container || !engine_target_valid(cfg->container)) {
    log_error("invalid container name or ID \"%s\"", cfg->container ? cfg->container : "");
    return EXIT_USAGE;
  }
  return engine_init(e, cfg->docker_host, ENGINE_TIMEOUT_MS) ? 0 : EXIT_USAGE;
}

int pass_find_target(const struct pass_config *cfg, struct target *t) {
  _cleanup_engine_ struct engine e = ENGINE_INIT;
  _cleanup_free_ struct container_state *st = xcalloc(1, sizeof *st);
  int rc = open_engine(cfg, &e);
  return rc ? rc : open_target(cfg, &e, t, st);
}

/* The names a pass asks: the given ones, and with --all those the engine
 * knows on the target's networks this time (a fresh list on every pass),
 * into MERGED. */
static int pass_names(const struct pass_config *cfg, const struct engine *e,
                      const struct container_state *st, const struct name_list *given,
                      struct name_list *merged, const struct name_list **names) {
  *names = given;
  if (!cfg->all)
    return 0;
  for (size_t i = 0; i < given->count; i++)
    name_list_add(merged, name_at(given, i), strlen(name_at(given, i)), "arguments", 0);
  *names = merged;
  if (st->pid && !discover_names(e, st, cfg->fmt.format == FORMAT_ALIAS, merged))
    return EXIT_TARGET;
  return 0;
}

void pass_run_hint(const struct pass_config *cfg, char *how, size_t size) {
  if (cfg->container && cfg->project)
    snprintf(how, size, "hostalias -P %s %s -- COMMAND", cfg->project, cfg->container);
  else if (cfg->container)
    snprintf(how, size, "hostalias %s -- COMMAND", cfg->container);
  else if (cfg->pid)
    snprintf(how, size, "hostalias --pid %d -- COMMAND", (int)cfg->pid);
  else
    snprintf(how, size, "hostalias --netns %s -- COMMAND", cfg->netns ? cfg->netns : "PATH");
}

/* For --watch: which networks' events matter. */
static void note_networks(const struct container_state *st, struct pass_summary *sum) {
  for (size_t i = 0; i < st->nnetworks; i++)
    memcpy(sum->network_ids[i], st->networks[i].id, sizeof sum->network_ids[i]);
  sum->nnetworks = st->nnetworks;
}

/* An alias line is only useful where its consumer can reach the address:
 * each written address is looked up in the routing table of the caller's
 * network namespace (the parent never leaves it), into its result's reach.
 * Run while the resolver child exits (resolve_in_target's MEANWHILE): it
 * says nothing, since the pass may still fail. */
static void mark_reachability(const struct pass_config *cfg, const struct name_list *names,
                              struct name_result *r) {
  size_t n = names->count, m = 0;
  _cleanup_free_ struct address *addrs = xcalloc(n ? n : 1, sizeof *addrs);
  _cleanup_free_ size_t *of = xcalloc(n ? n : 1, sizeof *of);
  for (size_t i = 0; i < n; i++) {
    if (!format_gets_line(&cfg->fmt, name_at(names, i), &r[i]))
      continue;
    addrs[m] = r[i].best;
    of[m++] = i;
  }
  _cleanup_free_ enum route_reach *reach = xcalloc(m ? m : 1, sizeof *reach);
  int64_t t0 = now_us();
  route_reach_many(addrs, m, reach);
  for (size_t k = 0; k < m; k++)
    r[of[k]].reach = (uint8_t)reach[k];
  log_info("timing: routes to %zu addresses %.3f ms", m, (double)(now_us() - t0) / 1000);
}

struct reach_args {
  const struct pass_config *cfg;
  const struct name_list *names;
  struct name_result *r;
};
static void reach_meanwhile(void *arg) {
  struct reach_args *a = arg;
  mark_reachability(a->cfg, a->names, a->r);
}

/* Once the pass has its answers: addresses only the default route leads to
 * (a rootless network namespace, a Swarm overlay, a remote engine's), or
 * none, are counted and said once, with the way that works. The file is
 * unchanged: its lines are right for programs run inside. Said once a
 * process: a --watch that repeated it every pass would bury what changes. */
static bool reach_told;
static void tell_unreachable(const struct pass_config *cfg, const struct name_list *names,
                             const struct name_result *r, const struct target *t) {
  size_t m = 0, unreachable = 0, example = 0;
  for (size_t i = 0; i < names->count; i++) {
    if (!format_gets_line(&cfg->fmt, name_at(names, i), &r[i]))
      continue;
    m++;
    if (route_unreachable((enum route_reach)r[i].reach) && !unreachable++)
      example = i;
  }
  /* With -- COMMAND, the command is what runs inside: no advice to. */
  if (!unreachable || reach_told || cfg->command)
    return;
  reach_told = true;
  char a[ADDRESS_TEXT_MAX], how[PASS_HOW_MAX];
  address_format(&r[example].best, a);
  pass_run_hint(cfg, how, sizeof how);
  log_warn("%zu of %zu names point at addresses this host cannot reach (%s %s, the address of "
           "%s): the lines are right only for programs run inside the network namespace of %s; "
           "run them with %s",
           unreachable, m,
           r[example].reach == ROUTE_NONE ? "there is no route to"
                                          : "only the default route leads to",
           a, name_at(names, example), t->label, how);
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

/* --check: every written target as the program will resolve it, before
 * the lines are made (JSON lines carry the verdict). CHECKS has room for
 * one a name; VERDICTS gets one for each name (NULL: not checked), in
 * CHECKS. Returns how many failed. */
static size_t check_names(const struct pass_config *cfg, const struct format_config *fmt,
                          const struct target *t, const struct name_list *names,
                          const struct name_result *r, struct check_item *checks,
                          const char **verdicts) {
  _cleanup_free_ size_t *of = xcalloc(names->count, sizeof *of);
  size_t n = 0;
  for (size_t i = 0; i < names->count; i++) {
    struct check_item *c = &checks[n];
    if (!format_gets_line(fmt, name_at(names, i), &r[i]) ||
        !format_target_name(fmt, name_at(names, i), &r[i].best, c->target))
      continue;
    c->name = name_at(names, i);
    c->addr = r[i].best;
    of[n++] = i;
  }
  char how[PASS_HOW_MAX];
  pass_run_hint(cfg, how, sizeof how);
  size_t failed = check_targets(t, cfg->check, fmt, how, checks, n);
  for (size_t k = 0; k < n; k++) {
    if (checks[k].ok)
      log_notice("check: %s -> %s: ok", checks[k].name, checks[k].target);
    else
      log_error("check: %s -> %s: %s", checks[k].name, checks[k].target, checks[k].verdict);
    verdicts[of[k]] = checks[k].verdict;
  }
  return failed;
}

/* The pass's exit status, from what its lines counted. */
static int pass_status(const struct pass_config *cfg, const struct target *t,
                       const struct lines_counts *c, size_t check_failed) {
  int status = c->failed == 0 ? EXIT_ALL_RESOLVED : EXIT_SOME_UNRESOLVED;
  if (c->failed && c->dns_answered == 0 && c->dns_unreachable == c->failed) {
    char server[600];
    describe_server(cfg, t, server, sizeof server);
    log_error("no answer from %s", server);
    if (cfg->netns && !t->resolv_conf.present && !cfg->req.server_override)
      log_error("hint: %s has no resolver configuration of its own (no /etc/netns/NAME/"
                "resolv.conf), so %s, Docker's embedded DNS, was asked, and it does not exist "
                "there (a Podman namespace, say): give the server with -s ADDR, or target the "
                "container by name or --pid so its own resolv.conf is read",
                t->label, FALLBACK_NAMESERVER);
    status = EXIT_DNS;
  }
  /* The file itself is right: it is still written; the status says the
   * program will not get there. */
  if (check_failed && status <= EXIT_SOME_UNRESOLVED)
    status = EXIT_CHECK;
  return status;
}

/* The lines go to FILE (replaced only when something resolved and the
 * content changed), or to OUT. Returns STATUS, or EXIT_OUTPUT. */
static int deliver(const struct pass_config *cfg, struct atomic_file *file, struct strbuf *lines,
                   const struct lines_counts *c, struct strbuf *out, struct pass_summary *sum,
                   int status) {
  if (!cfg->output) {
    if (lines->len && !out->data) {
      /* Handed over, not copied: with 100,000 names a copy of the lines
       * was 3 MB more at the peak (bench.sh part 4). */
      *out = *lines;
      memset(lines, 0, sizeof *lines);
    } else if (lines->len) {
      strbuf_append(out, lines->data, lines->len);
    }
    return status;
  }
  if (c->resolved == 0) {
    log_error("%s: nothing resolved; left as it was", cfg->output);
    return status;
  }
  bool unchanged;
  if (!atomic_file_replace(file, lines->data ? lines->data : "", lines->len, &unchanged))
    return EXIT_OUTPUT;
  log_info("%s: %s", cfg->output, unchanged ? "unchanged, not rewritten" : "replaced");
  sum->file_replaced = !unchanged;
  if (sum->file_replaced && cfg->report_changes)
    lines_report_change(&cfg->fmt, cfg->output, file->exists ? file->data : NULL,
                        file->exists ? file->len : 0, lines->data, lines->len);
  return status;
}

int pass_run(const struct pass_config *cfg, const struct name_list *given, struct strbuf *out,
             struct pass_summary *summary, struct target *keep) {
  struct pass_summary sum = {0};
  int64_t t_start = now_us();
  /* Written on every return: a caller (--watch) reads it after a failed
   * pass too. */
  if (summary)
    *summary = sum;

  /* The output file is checked before any work: a run that cannot write it
   * should fail fast, and its previous lines are needed for failed names. */
  _cleanup_atomic_file_ struct atomic_file file = {.dirfd = -1};
  if (cfg->output && !atomic_file_open(&file, cfg->output))
    return EXIT_OUTPUT;

  /* The target, and the names to ask. */
  /* The engine: the caller's (--watch holds one), else one of the pass's
   * own, closed once the target and names are known (its socket is not
   * held through the pass). */
  _cleanup_engine_ struct engine own_engine = ENGINE_INIT;
  const struct engine *e = cfg->engine ? cfg->engine : &own_engine;
  _cleanup_free_ struct container_state *st = xcalloc(1, sizeof *st);
  _cleanup_target_ struct target own;
  target_init(&own);
  struct target *tp = keep ? keep : &own;
  _cleanup_name_list_ struct name_list merged;
  name_list_init(&merged);
  const struct name_list *names = given;
  int rc = cfg->engine ? 0 : open_engine(cfg, &own_engine);
  if (rc == 0)
    rc = open_target(cfg, e, tp, st);
  if (rc == 0)
    rc = pass_names(cfg, e, st, given, &merged, &names);
  if (rc != 0)
    return rc;
  note_networks(st, &sum);
  if (summary)
    *summary = sum; /* the target's networks, known even if the pass fails later */
  engine_close(&own_engine);
  if (names->count == 0) {
    log_error("no names to resolve: none given, and none found on the networks of %s", tp->label);
    return EXIT_USAGE;
  }
  sum.names = names->count;
  /* --bridge-names: the target's project is the middle of every target. */
  struct format_config fmt = cfg->fmt;
  if (fmt.bridge) {
    const char *p = st->compose.project[0] ? st->compose.project : st->swarm.stack;
    if (!p[0] || name_invalid_reason(p, strlen(p))) {
      log_error("--bridge-names: %s is of no Compose project or Swarm stack, and the bridge "
                "names only theirs (NAME.PROJECT.%s)",
                tp->label, fmt.suffix);
      return EXIT_USAGE;
    }
    snprintf(fmt.project, sizeof fmt.project, "%s", p);
  }
  int64_t t_target = now_us();

  /* The answers, from the unprivileged child in the target. With -o, every
   * address of every name is kept, so that a stale line can be checked
   * against all of this pass's answers. */
  struct resolve_request req = cfg->req;
  if (cfg->output)
    req.cfg.keep_all = true;
  _cleanup_name_results_ struct name_results res = {xcalloc(names->count, sizeof *res.r),
                                                    names->count};
  struct reach_args ra = {cfg, names, res.r};
  rc = resolve_in_target(tp, &req, names, res.r, reach_meanwhile, &ra);
  int64_t t_resolved = now_us();
  if (rc != 0)
    return rc;
  tell_unreachable(cfg, names, res.r, tp);

  _cleanup_free_ struct check_item *checks = NULL;
  _cleanup_free_ const char **verdicts = NULL;
  size_t check_failed = 0;
  if (cfg->check) {
    checks = xcalloc(names->count, sizeof *checks);
    verdicts = xcalloc(names->count, sizeof *verdicts);
    check_failed = check_names(cfg, &fmt, tp, names, res.r, checks, verdicts);
  }

  /* The lines: this pass's answers, and the previous FILE's lines that its
   * failures may keep (lines.h). */
  struct lines_in in = {.fmt = &fmt,
                        .names = names,
                        .results = res.r,
                        .verdicts = verdicts,
                        .previous = file.exists ? file.data : NULL,
                        .previous_len = file.exists ? file.len : 0,
                        .file = cfg->output};
  struct lines_counts counts;
  _cleanup_strbuf_ struct strbuf lines = {0};
  lines_build(&in, &lines, &counts);
  sum.resolved = counts.resolved;
  sum.failed = counts.failed;
  sum.stale = counts.stale;
  sum.dropped = counts.dropped;

  int status = pass_status(cfg, tp, &counts, check_failed);
  status = deliver(cfg, &file, &lines, &counts, out, &sum, status);
  log_info("timing: find target and read its files %.3f ms, resolver child %.3f ms, output "
           "%.3f ms",
           (double)(t_target - t_start) / 1000, (double)(t_resolved - t_target) / 1000,
           (double)(now_us() - t_resolved) / 1000);
  if (summary)
    *summary = sum;
  return status;
}
