/* SPDX-License-Identifier: MIT */
#include "http.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "config.h"
#include "privileges.h"
#include "util.h"

void http_response_free(struct http_response *r) {
  free(r->body);
  r->body = NULL;
  r->body_len = 0;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

const char *http_parse_response(const char *buf, size_t len, struct http_response *out) {
  memset(out, 0, sizeof *out);
  /* Status line: HTTP/1.x SP 3DIGIT [SP reason] CRLF */
  if (len < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || (buf[7] != '0' && buf[7] != '1') ||
      buf[8] != ' ' || !is_digit(buf[9]) || !is_digit(buf[10]) || !is_digit(buf[11]))
    return "not an HTTP/1.x status line";
  int status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
  if (status < 100)
    return "bad HTTP status code";
  const char *p = memchr(buf, '\n', len);
  if (!p)
    return "reply ends inside the status line";
  p++;
  const char *end = buf + len;
  long content_length = -1;
  bool headers_done = false;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl)
      return "reply ends inside the headers";
    const char *eol = nl;
    if (eol > p && eol[-1] == '\r')
      eol--;
    if (eol == p) {
      p = nl + 1;
      headers_done = true;
      break;
    }
    for (const char *c = p; c < eol; c++)
      if ((unsigned char)*c < 0x20 && *c != '\t')
        return "control character in a header";
    const char *colon = memchr(p, ':', (size_t)(eol - p));
    if (!colon || colon == p)
      return "malformed header line";
    size_t nlen = (size_t)(colon - p);
    const char *v = colon + 1;
    while (v < eol && (*v == ' ' || *v == '\t'))
      v++;
    if (nlen == 14 && strncasecmp(p, "Content-Length", 14) == 0) {
      long n = 0;
      if (v == eol)
        return "empty Content-Length";
      for (const char *c = v; c < eol; c++) {
        if (!is_digit(*c) || n > HTTP_REPLY_MAX)
          return "bad Content-Length";
        n = n * 10 + (*c - '0');
      }
      if (content_length >= 0 && content_length != n)
        return "conflicting Content-Length headers";
      content_length = n;
    } else if (nlen == 17 && strncasecmp(p, "Transfer-Encoding", 17) == 0) {
      return "unexpected Transfer-Encoding in an HTTP/1.0 reply";
    }
    p = nl + 1;
  }
  if (!headers_done)
    return "reply ends inside the headers";
  size_t body_len = (size_t)(end - p);
  if (content_length >= 0) {
    if ((size_t)content_length > body_len)
      return "reply shorter than its Content-Length";
    body_len = (size_t)content_length;
  }
  out->status = status;
  out->body = xmalloc(body_len + 1);
  memcpy(out->body, p, body_len);
  out->body[body_len] = '\0';
  out->body_len = body_len;
  return NULL;
}

int http_format_get(char *buf, size_t size, const char *path) {
  int n = snprintf(buf, size,
                   "GET %s HTTP/1.0\r\nHost: docker\r\nUser-Agent: hostalias/" HOSTALIAS_VERSION
                   "\r\n\r\n",
                   path);
  return n < 0 || (size_t)n >= size ? -1 : n;
}

/* One request on its own connection, driven by poll: connect, send, read to
 * EOF, parse. Several run side by side in http_unix_get_many. */
struct exchange {
  struct http_request *req;
  int fd;
  char out[1024];
  size_t out_len, sent;
  char *buf;
  size_t len, cap;
  bool done;
};

static void finish(struct exchange *x, enum http_error e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void finish(struct exchange *x, enum http_error e, const char *fmt, ...) {
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->req->err, sizeof x->req->err, fmt, ap);
    va_end(ap);
  }
  x->req->result = e;
  if (x->fd >= 0)
    close(x->fd);
  x->fd = -1;
  free(x->buf);
  x->buf = NULL;
  x->done = true;
}

static void start(struct exchange *x, const struct sockaddr_un *sa, const char *socket_path,
                  bool as_invoker) {
  struct http_request *r = x->req;
  memset(&r->response, 0, sizeof r->response);
  x->fd = -1;
  int rl = http_format_get(x->out, sizeof x->out, r->path);
  if (rl < 0)
    return finish(x, HTTP_IO, "request path too long: %s", r->path);
  x->out_len = (size_t)rl;
  x->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (x->fd < 0)
    return finish(x, HTTP_IO, "socket: %s", strerror(errno));
  if ((as_invoker ? invoker_connect(x->fd, (const struct sockaddr *)sa, sizeof *sa)
                  : connect(x->fd, (const struct sockaddr *)sa, sizeof *sa)) < 0) {
    int e = errno;
    if (e == ENOENT || e == ENOTDIR)
      return finish(x, HTTP_NO_SOCKET, "%s does not exist", socket_path);
    if (e == EACCES || e == EPERM)
      return finish(x, HTTP_DENIED, "permission denied on %s", socket_path);
    if (e == ECONNREFUSED)
      return finish(x, HTTP_REFUSED, "nothing listens on %s (connection refused)", socket_path);
    if (e != EAGAIN && e != EINPROGRESS)
      return finish(x, HTTP_IO, "cannot connect: %s", strerror(e));
  }
  x->cap = 16384;
  x->buf = xmalloc(x->cap);
}

/* Makes what progress the socket allows, without blocking. */
static void step(struct exchange *x, const char *socket_path) {
  while (x->sent < x->out_len) {
    ssize_t n = send(x->fd, x->out + x->sent, x->out_len - x->sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN)
        return;
      if (errno == ENOTCONN)
        return; /* still connecting */
      return finish(x, HTTP_IO, "cannot send the request to %s", socket_path);
    }
    x->sent += (size_t)n;
  }
  for (;;) {
    if (x->len == x->cap) {
      if (x->cap >= HTTP_REPLY_MAX)
        return finish(x, HTTP_TOO_LARGE, "reply from %s is larger than 4 MiB", socket_path);
      x->cap *= 2;
      x->buf = xreallocarray(x->buf, x->cap, 1);
    }
    ssize_t n = recv(x->fd, x->buf + x->len, x->cap - x->len, 0);
    if (n > 0) {
      x->len += (size_t)n;
      continue;
    }
    if (n == 0)
      break;
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN)
      return;
    return finish(x, HTTP_IO, "cannot read the reply: %s", strerror(errno));
  }
  const char *why = http_parse_response(x->buf, x->len, &x->req->response);
  if (why)
    return finish(x, HTTP_MALFORMED, "malformed reply: %s", why);
  finish(x, HTTP_OK, NULL);
}

void http_unix_get_many(const char *socket_path, bool as_invoker, struct http_request *reqs,
                        size_t n, unsigned max_in_flight, int timeout_ms,
                        void (*done)(struct http_request *r, void *ctx), void *ctx) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  bool path_ok = strlen(socket_path) < sizeof sa.sun_path;
  if (path_ok)
    strcpy(sa.sun_path, socket_path);
  if (max_in_flight == 0)
    max_in_flight = 1;
  if (max_in_flight > HTTP_MAX_IN_FLIGHT)
    max_in_flight = HTTP_MAX_IN_FLIGHT;
  struct exchange live[HTTP_MAX_IN_FLIGHT];
  struct pollfd pfds[HTTP_MAX_IN_FLIGHT];
  size_t nlive = 0, next = 0;
  int64_t deadline = now_ms() + timeout_ms;
  for (;;) {
    /* Start requests while there is room; a request that fails at once
     * (no socket) frees its place again. */
    while (nlive < max_in_flight && next < n) {
      struct exchange *x = &live[nlive];
      memset(x, 0, sizeof *x);
      x->req = &reqs[next++];
      if (!path_ok) {
        x->fd = -1;
        finish(x, HTTP_IO, "socket path too long: %s", socket_path);
        if (done)
          done(x->req, ctx);
        continue;
      }
      start(x, &sa, socket_path, as_invoker);
      if (!x->done)
        nlive++;
      else if (done)
        done(x->req, ctx);
    }
    if (nlive == 0)
      return;
    int64_t left = deadline - now_ms();
    if (left <= 0) {
      for (size_t i = 0; i < nlive; i++) {
        finish(&live[i], HTTP_TIMEOUT, "no complete reply from %s in time", socket_path);
        if (done)
          done(live[i].req, ctx);
      }
      for (; next < n; next++) {
        snprintf(reqs[next].err, sizeof reqs[next].err, "no reply from %s in time", socket_path);
        reqs[next].result = HTTP_TIMEOUT;
        if (done)
          done(&reqs[next], ctx);
      }
      return;
    }
    for (size_t i = 0; i < nlive; i++)
      pfds[i] = (struct pollfd){.fd = live[i].fd,
                                .events = live[i].sent < live[i].out_len ? POLLOUT : POLLIN};
    int r = poll(pfds, nlive, (int)left);
    if (r < 0 && errno != EINTR) {
      int e = errno;
      for (size_t i = 0; i < nlive; i++) {
        finish(&live[i], HTTP_IO, "poll: %s", strerror(e));
        if (done)
          done(live[i].req, ctx);
      }
      nlive = 0;
      continue;
    }
    for (size_t i = 0; i < nlive; i++)
      if (r > 0 && pfds[i].revents)
        step(&live[i], socket_path);
    /* Compact: finished exchanges leave, and are handed over. */
    size_t k = 0;
    for (size_t i = 0; i < nlive; i++) {
      if (!live[i].done)
        live[k++] = live[i];
      else if (done)
        done(live[i].req, ctx);
    }
    nlive = k;
  }
}

enum http_error http_unix_request(const char *socket_path, bool as_invoker, const char *path,
                                  int timeout_ms, struct http_response *out, char *err,
                                  size_t errlen) {
  struct http_request r = {.path = path};
  http_unix_get_many(socket_path, as_invoker, &r, 1, 1, timeout_ms, NULL, NULL);
  *out = r.response;
  snprintf(err, errlen, "%s", r.err);
  return r.result;
}
