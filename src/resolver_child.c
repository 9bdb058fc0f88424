/* SPDX-License-Identifier: MIT */
#include "resolver_child.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "child.h"
#include "results_wire.h"
#include "util.h"

/* Past the child's own deadline (the request's), before it is killed as hung:
 * generous, for a child under valgrind. */
#define RESOLVER_OVERRUN_MS 5000

struct resolver {
  const struct target *t;
  struct resolve_request req;
  const struct name_list *names;
  struct name_result *results;
};

/* The resolver, unprivileged in the target's network namespace. */
__attribute__((noreturn)) static void resolver_body(void *ctx) {
  struct resolver *r = ctx;
  int64_t t1 = now_us();
  resolve_request_finish(&r->req, &r->t->resolv_conf);
  if (r->t->hosts.present)
    resolve_from_hosts(r->t->hosts.data, r->t->hosts.len, r->t->hosts.source, r->names,
                       r->req.cfg.families, r->req.cfg.keep_all, r->results);
  int64_t t2 = now_us();
  if (!resolve_names(&r->req.cfg, r->names, r->results))
    _exit(EXIT_DNS);
  int64_t t3 = now_us();
  if (!results_send(CHILD_FD, r->results, r->names->count))
    _exit(EXIT_OUTPUT);
  log_info("timing (resolver child): enter netns and drop privileges %.3f ms, parse container "
           "files %.3f ms, c-ares pass %.3f ms, send results %.3f ms",
           (double)child_setup_us / 1000, (double)(t2 - t1) / 1000, (double)(t3 - t2) / 1000,
           (double)(now_us() - t3) / 1000);
  _exit(0);
}

int resolve_in_target(const struct target *t, const struct resolve_request *req,
                      const struct name_list *names, struct name_result *results,
                      void (*meanwhile)(void *), void *arg) {
  /* The child has its own deadline; this one only guards against a child
   * that hangs anyway. */
  struct resolver r = {.t = t, .req = *req, .names = names, .results = results};
  struct child c;
  if (!child_start(&c, "the resolver process", t, CHILD_SANDBOX, resolver_body, &r,
                   now_ms() + req->cfg.deadline_ms + RESOLVER_OVERRUN_MS))
    return EXIT_OUTPUT;

  /* Records are decoded as they arrive, through a fixed buffer: memory does
   * not grow with the number of names, and a lying child is stopped at its
   * first bad record. The largest record fits the buffer many times. */
  char buf[65536];
  size_t len = 0;
  struct results_decoder d = {.n = names->count,
                              .families = req->cfg.families,
                              .keep_all = req->cfg.keep_all,
                              .results = results};
  bool trailing = false, timed_out = false;
  for (;;) {
    ssize_t n = child_read(&c, buf + len, sizeof buf - len);
    if (n < 0 && errno == ETIMEDOUT)
      timed_out = true;
    if (n <= 0)
      break;
    len += (size_t)n;
    size_t used = results_decode_some(&d, buf, len);
    memmove(buf, buf + used, len - used);
    len -= used;
    if (d.bad)
      break;
    if (d.done) {
      trailing = len > 0;
      break; /* the child exits next: no need to wait for its EOF */
    }
  }
  if (d.done && !d.bad && !trailing && !timed_out && meanwhile)
    meanwhile(arg);
  int wstatus = 0;
  bool exited = child_finish(&c, timed_out || d.bad || trailing, CHILD_GRACE_MS, &wstatus);
  int rc = EXIT_OUTPUT;
  if (timed_out) {
    log_error("the resolver process did not finish in time; killed it");
  } else if (d.bad || trailing) {
    log_error("the resolver process sent malformed results");
  } else if (!exited) {
    /* Its records were complete and each was checked: they are used. */
    log_warn("the resolver process did not exit after sending its results; killed it");
    rc = d.done ? 0 : EXIT_OUTPUT;
  } else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0) {
    rc = WEXITSTATUS(wstatus);
    if (rc != EXIT_TARGET && rc != EXIT_DNS)
      rc = EXIT_OUTPUT;
  } else if (!WIFEXITED(wstatus) && WTERMSIG(wstatus) == SIGSYS) {
    log_error("the resolver process was killed by its seccomp filter (SIGSYS): it made a system "
              "call not on its allow-list (src/sandbox_filter.c); the kernel's log names the call "
              "(audit type 1326, syscall=N)");
  } else if (!WIFEXITED(wstatus)) {
    log_error("the resolver process died (signal %d)", WTERMSIG(wstatus));
  } else if (!d.done) {
    log_error("the resolver process sent incomplete results");
  } else {
    rc = 0;
  }
  return rc;
}
