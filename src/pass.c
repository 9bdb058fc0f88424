/* SPDX-License-Identifier: MIT */
#include "pass.h"

#include <stdio.h>
#include <string.h>

#include "atomic_file.h"
#include "engine.h"
#include "resolver_child.h"
#include "target.h"

#define ENGINE_TIMEOUT_MS 5000

static inline void target_closep(struct target *t) { target_close(t); }
static inline void atomic_file_closep(struct atomic_file *f) { atomic_file_close(f); }
#define _cleanup_atomic_file_ __attribute__((cleanup(atomic_file_closep)))
#define _cleanup_target_ __attribute__((cleanup(target_closep)))

struct results {
  struct name_result *r;
  size_t n;
};
static inline void results_freep(struct results *r) { name_results_free(r->r, r->n); }
#define _cleanup_results_ __attribute__((cleanup(results_freep)))

/* Finds the target and opens it (its network namespace and files). */
static int open_target(const struct pass_config *cfg, struct target *t) {
  if (cfg->netns)
    return target_open_netns(t, cfg->netns) ? 0 : EXIT_TARGET;
  if (cfg->pid)
    return target_open_pid(t, cfg->pid, "process") ? 0 : EXIT_TARGET;
  if (!cfg->container || !engine_target_valid(cfg->container)) {
    log_error("invalid container name or ID \"%s\"", cfg->container ? cfg->container : "");
    return EXIT_USAGE;
  }
  struct engine e;
  if (!engine_init(&e, cfg->docker_host, ENGINE_TIMEOUT_MS))
    return EXIT_USAGE;
  struct container_state st;
  if (engine_inspect_container(&e, cfg->container, &st) != ENGINE_FOUND)
    return EXIT_TARGET;
  if (!st.running) {
    log_error("container %s is not running (%s)", cfg->container, st.status);
    return EXIT_TARGET;
  }
  log_info("container %s: pid %d (from %s)", cfg->container, (int)st.pid, e.socket_path);
  char label[160];
  snprintf(label, sizeof label, "container %s", cfg->container);
  return target_open_pid(t, st.pid, label) ? 0 : EXIT_TARGET;
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

int pass_run(const struct pass_config *cfg, const struct name_list *names, struct strbuf *out,
             struct pass_summary *summary) {
  struct pass_summary sum = {0};
  int64_t t_start = now_us();

  /* The output file is checked before any work: a run that cannot write it
   * should fail fast, and its previous lines are needed for failed names. */
  _cleanup_atomic_file_ struct atomic_file file = {.dirfd = -1};
  if (cfg->output && !atomic_file_open(&file, cfg->output))
    return EXIT_OUTPUT;

  _cleanup_target_ struct target t;
  target_init(&t);
  int rc = open_target(cfg, &t);
  if (rc != 0)
    return rc;
  int64_t t_target = now_us();

  _cleanup_results_ struct results res = {xcalloc(names->count, sizeof *res.r), names->count};
  rc = resolve_in_target(&t, &cfg->req, names, res.r);
  int64_t t_resolved = now_us();
  if (rc != 0)
    return rc;

  _cleanup_free_ const char **prev_lines = NULL;
  _cleanup_free_ size_t *prev_lens = NULL;
  if (file.exists) {
    prev_lines = xcalloc(names->count, sizeof *prev_lines);
    prev_lens = xcalloc(names->count, sizeof *prev_lens);
    index_previous(file.data, file.len, cfg->fmt.format, names, prev_lines, prev_lens);
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
    if (format_line(&cfg->fmt, name, r, &lines, &why)) {
      sum.resolved++;
      continue;
    }
    if (dotted_skip && r->status == NAME_RESOLVED)
      continue; /* warned about when the names were read */
    sum.failed++;
    if (r->status == NAME_TIMEOUT || r->status == NAME_UNREACHABLE)
      dns_unreachable++;
    if (prev_lines && prev_lines[i]) {
      log_error("%s: %s; keeping its previous line in %s (stale)", name, why, cfg->output);
      strbuf_append(&lines, prev_lines[i], prev_lens[i]);
      strbuf_append(&lines, "\n", 1);
      sum.stale++;
    } else {
      log_error("%s: %s", name, why);
    }
  }

  int status = sum.failed == 0 ? EXIT_ALL_RESOLVED : EXIT_SOME_UNRESOLVED;
  if (sum.failed && dns_answered == 0 && dns_unreachable == sum.failed) {
    log_error("no answer from the DNS server of %s", t.label);
    status = EXIT_DNS;
  }

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
    }
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
