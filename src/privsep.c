#include "privsep.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "privdrop.h"
#include "util.h"

#define RECORD_END 0xffffffffu
#define RECORD_HEAD 7 /* u32 index, u8 status, u8 from_hosts, u8 naddrs */
#define ADDR_WIRE 17  /* u8 family, 16 bytes */

void resolve_request_finish(struct resolve_request *req, const struct target_file *f) {
  struct resolv_conf file;
  resolv_conf_init(&file);
  if (f->present)
    resolv_conf_parse(&file, f->data, f->len, f->source);
  struct resolver_config *cfg = &req->cfg;
  if (!req->server_override) {
    memcpy(cfg->rc.servers, file.servers, sizeof file.servers);
    cfg->rc.nservers = file.nservers;
    if (cfg->rc.nservers == 0) {
      warn("%s: no usable nameserver; using %s (Docker's embedded DNS)", f->source,
           FALLBACK_NAMESERVER);
      nameserver_parse(FALLBACK_NAMESERVER, &cfg->rc.servers[0]);
      cfg->rc.nservers = 1;
    }
  }
  memcpy(cfg->rc.search, file.search, sizeof file.search);
  cfg->rc.nsearch = file.nsearch;
  cfg->rc.ndots = file.ndots;
  if (cfg->timeout_ms < 0)
    cfg->timeout_ms = file.timeout > 0 ? file.timeout * 1000 : DEFAULT_TIMEOUT_MS;
  if (cfg->tries < 0)
    cfg->tries = file.attempts > 0 ? file.attempts : DEFAULT_TRIES;
}

char *results_encode(const struct name_result *results, size_t n, size_t *len) {
  size_t cap = 16, l = 0;
  for (size_t i = 0; i < n; i++)
    cap += RECORD_HEAD + (size_t)results[i].naddrs * ADDR_WIRE;
  char *buf = xmalloc(cap);
  for (size_t i = 0; i < n; i++) {
    const struct name_result *r = &results[i];
    uint32_t idx = (uint32_t)i;
    memcpy(buf + l, &idx, 4);
    buf[l + 4] = (char)r->status;
    buf[l + 5] = (char)r->from_hosts;
    uint8_t k = r->status == NAME_RESOLVED ? (uint8_t)(r->all ? r->naddrs : 1) : 0;
    buf[l + 6] = (char)k;
    l += RECORD_HEAD;
    for (uint8_t j = 0; j < k; j++) {
      const struct address *a = r->all ? &r->all[j] : &r->best;
      buf[l] = (char)a->family;
      memcpy(buf + l + 1, a->bytes, 16);
      l += ADDR_WIRE;
    }
  }
  uint32_t end = RECORD_END, count = (uint32_t)n;
  memcpy(buf + l, &end, 4);
  memcpy(buf + l + 4, &count, 4);
  *len = l + 8;
  return buf;
}

bool results_decode(const char *buf, size_t len, size_t n, unsigned families, bool keep_all,
                    struct name_result *results) {
  size_t p = 0, seen = 0;
  for (;;) {
    if (len - p < 4)
      return false;
    uint32_t idx;
    memcpy(&idx, buf + p, 4);
    if (idx == RECORD_END) {
      uint32_t count;
      if (len - p != 8)
        return false;
      memcpy(&count, buf + p + 4, 4);
      return count == n && seen == n;
    }
    if (len - p < RECORD_HEAD || idx >= n || results[idx].status != NAME_PENDING)
      return false;
    uint8_t status = (uint8_t)buf[p + 4], from_hosts = (uint8_t)buf[p + 5],
            k = (uint8_t)buf[p + 6];
    p += RECORD_HEAD;
    if (status == NAME_PENDING || status > NAME_STATUS_MAX || from_hosts > 1 ||
        k > RESULT_ADDRS_MAX || (status == NAME_RESOLVED) != (k > 0) ||
        len - p < (size_t)k * ADDR_WIRE)
      return false;
    struct name_result *r = &results[idx];
    for (uint8_t j = 0; j < k; j++, p += ADDR_WIRE) {
      struct address a = {.family = (uint8_t)buf[p]};
      if (!(a.family == 4 && (families & FAMILY_V4)) && !(a.family == 6 && (families & FAMILY_V6)))
        return false;
      memcpy(a.bytes, buf + p + 1, a.family == 4 ? 4 : 16);
      name_result_add(r, &a, keep_all);
    }
    r->status = status;
    r->from_hosts = from_hosts;
    seen++;
  }
}

static void child(const struct target *t, struct resolve_request *req,
                  const struct name_list *names, struct name_result *results, int wfd) {
  /* Become the unprivileged resolver: first into the namespace (sockets
   * made later live there), then shed everything. */
  int64_t t0 = now_us();
  if (!target_enter_netns(t))
    _exit(EXIT_TARGET);
  if (!drop_privileges())
    _exit(EXIT_OUTPUT);
  int64_t t1 = now_us();
  resolve_request_finish(req, &t->resolv_conf);
  if (t->hosts.present)
    resolve_from_hosts(t->hosts.data, t->hosts.len, t->hosts.source, names, req->cfg.families,
                       req->cfg.keep_all, results);
  int64_t t2 = now_us();
  if (!resolve_names(&req->cfg, names, results))
    _exit(EXIT_DNS);
  int64_t t3 = now_us();
  size_t len;
  char *buf = results_encode(results, names->count, &len);
  if (!write_all(wfd, buf, len))
    _exit(EXIT_OUTPUT);
  info("timing (resolver child): enter netns and drop privileges %.3f ms, parse container "
       "files %.3f ms, c-ares pass %.3f ms, send results %.3f ms",
       (double)(t1 - t0) / 1000, (double)(t2 - t1) / 1000, (double)(t3 - t2) / 1000,
       (double)(now_us() - t3) / 1000);
  _exit(0);
}

int resolve_in_target(const struct target *t, struct resolve_request *req,
                      const struct name_list *names, struct name_result *results) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0)
    die_errno(EXIT_OUTPUT, "pipe");
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    die_errno(EXIT_OUTPUT, "fork");
  if (pid == 0) {
    close(fds[0]);
    child(t, req, names, results, fds[1]);
  }
  close(fds[1]);

  /* The child has its own deadline; this one only guards against a child
   * that hangs anyway. */
  int64_t deadline = now_ms() + req->cfg.deadline_ms + 5000;
  size_t cap = 16 + names->count * (RECORD_HEAD + (req->cfg.keep_all ? RESULT_ADDRS_MAX : 1) *
                                                      ADDR_WIRE);
  char *buf = xmalloc(cap);
  size_t len = 0;
  bool overflow = false, timed_out = false;
  for (;;) {
    int64_t left = deadline - now_ms();
    struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
    if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
      timed_out = true;
      break;
    }
    ssize_t n = read(fds[0], buf + len, cap - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    len += (size_t)n;
    if (len == cap) {
      char extra;
      if (read(fds[0], &extra, 1) > 0)
        overflow = true;
      break;
    }
  }
  close(fds[0]);
  if (timed_out || overflow)
    kill(pid, SIGKILL);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
    ;
  int rc = EXIT_OUTPUT;
  if (timed_out) {
    error("the resolver process did not finish in time; killed it");
  } else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0) {
    rc = WEXITSTATUS(wstatus);
    if (rc != EXIT_TARGET && rc != EXIT_DNS)
      rc = EXIT_OUTPUT;
  } else if (!WIFEXITED(wstatus)) {
    error("the resolver process died (signal %d)", WTERMSIG(wstatus));
  } else if (overflow ||
             !results_decode(buf, len, names->count, req->cfg.families, req->cfg.keep_all,
                             results)) {
    error("the resolver process sent malformed results");
  } else {
    rc = 0;
  }
  free(buf);
  return rc;
}
