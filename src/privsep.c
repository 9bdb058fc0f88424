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

/* Encodes one record into OUT (room for RECORD_MAX bytes); returns its size. */
#define RECORD_MAX (RECORD_HEAD + RESULT_ADDRS_MAX * ADDR_WIRE)
static size_t encode_record(const struct name_result *r, uint32_t idx, char *out) {
  memcpy(out, &idx, 4);
  out[4] = (char)r->status;
  out[5] = (char)r->from_hosts;
  uint8_t k = r->status == NAME_RESOLVED ? (uint8_t)(r->all ? r->naddrs : 1) : 0;
  out[6] = (char)k;
  size_t l = RECORD_HEAD;
  for (uint8_t j = 0; j < k; j++, l += ADDR_WIRE) {
    const struct address *a = r->all ? &r->all[j] : &r->best;
    out[l] = (char)a->family;
    memcpy(out + l + 1, a->bytes, 16);
  }
  return l;
}

static size_t encode_end(size_t n, char *out) {
  uint32_t end = RECORD_END, count = (uint32_t)n;
  memcpy(out, &end, 4);
  memcpy(out + 4, &count, 4);
  return 8;
}

char *results_encode(const struct name_result *results, size_t n, size_t *len) {
  char *buf = xmalloc(n * RECORD_MAX + 8);
  size_t l = 0;
  for (size_t i = 0; i < n; i++)
    l += encode_record(&results[i], (uint32_t)i, buf + l);
  *len = l + encode_end(n, buf + l);
  return buf;
}

/* The child's side: records go out through a small buffer, so sending
 * 100,000 results costs no memory in proportion. */
static bool results_send(int fd, const struct name_result *results, size_t n) {
  char buf[65536];
  size_t l = 0;
  for (size_t i = 0; i < n; i++) {
    if (sizeof buf - l < RECORD_MAX) {
      if (!write_all(fd, buf, l))
        return false;
      l = 0;
    }
    l += encode_record(&results[i], (uint32_t)i, buf + l);
  }
  if (sizeof buf - l < 8) {
    if (!write_all(fd, buf, l))
      return false;
    l = 0;
  }
  l += encode_end(n, buf + l);
  return write_all(fd, buf, l);
}

size_t results_decode_some(struct results_decoder *d, const char *buf, size_t len) {
  size_t p = 0;
  while (!d->done && !d->bad) {
    if (len - p < 4)
      break;
    uint32_t idx;
    memcpy(&idx, buf + p, 4);
    if (idx == RECORD_END) {
      if (len - p < 8)
        break;
      uint32_t count;
      memcpy(&count, buf + p + 4, 4);
      p += 8;
      d->done = true;
      d->bad = count != d->n || d->seen != d->n;
      break;
    }
    if (len - p < RECORD_HEAD)
      break;
    uint8_t status = (uint8_t)buf[p + 4], from_hosts = (uint8_t)buf[p + 5], k = (uint8_t)buf[p + 6];
    if (idx >= d->n || d->results[idx].status != NAME_PENDING || status == NAME_PENDING ||
        status > NAME_STATUS_MAX || from_hosts > 1 || k > RESULT_ADDRS_MAX ||
        (status == NAME_RESOLVED) != (k > 0)) {
      d->bad = true;
      break;
    }
    if (len - p < RECORD_HEAD + (size_t)k * ADDR_WIRE)
      break;
    p += RECORD_HEAD;
    struct name_result *r = &d->results[idx];
    for (uint8_t j = 0; j < k; j++, p += ADDR_WIRE) {
      struct address a = {.family = (uint8_t)buf[p]};
      if (!(a.family == 4 && (d->families & FAMILY_V4)) &&
          !(a.family == 6 && (d->families & FAMILY_V6))) {
        d->bad = true;
        return p;
      }
      memcpy(a.bytes, buf + p + 1, a.family == 4 ? 4 : 16);
      name_result_add(r, &a, d->keep_all);
    }
    r->status = status;
    r->from_hosts = from_hosts;
    d->seen++;
  }
  return p;
}

bool results_decode(const char *buf, size_t len, size_t n, unsigned families, bool keep_all,
                    struct name_result *results) {
  struct results_decoder d = {
      .n = n, .families = families, .keep_all = keep_all, .results = results};
  size_t used = results_decode_some(&d, buf, len);
  return d.done && !d.bad && used == len;
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
  if (!results_send(wfd, results, names->count))
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
    int64_t left = deadline - now_ms();
    struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
    if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
      timed_out = true;
      break;
    }
    ssize_t n = read(fds[0], buf + len, sizeof buf - len);
    if (n < 0 && errno == EINTR)
      continue;
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
  close(fds[0]);
  if (timed_out || d.bad || trailing)
    kill(pid, SIGKILL);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
    ;
  int rc = EXIT_OUTPUT;
  if (timed_out) {
    error("the resolver process did not finish in time; killed it");
  } else if (d.bad || trailing) {
    error("the resolver process sent malformed results");
  } else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0) {
    rc = WEXITSTATUS(wstatus);
    if (rc != EXIT_TARGET && rc != EXIT_DNS)
      rc = EXIT_OUTPUT;
  } else if (!WIFEXITED(wstatus)) {
    error("the resolver process died (signal %d)", WTERMSIG(wstatus));
  } else if (!d.done) {
    error("the resolver process sent incomplete results");
  } else {
    rc = 0;
  }
  return rc;
}
