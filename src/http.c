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

static enum http_error fail(enum http_error e, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static enum http_error fail(enum http_error e, char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return e;
}

static bool wait_fd(int fd, short events, int64_t deadline) {
  for (;;) {
    int64_t left = deadline - now_ms();
    if (left <= 0)
      return false;
    struct pollfd pfd = {.fd = fd, .events = events};
    int n = poll(&pfd, 1, (int)left);
    if (n > 0)
      return true;
    if (n < 0 && errno != EINTR)
      return false;
  }
}

enum http_error http_unix_request(const char *socket_path, const char *method, const char *path,
                                  int timeout_ms, struct http_response *out, char *err,
                                  size_t errlen) {
  memset(out, 0, sizeof *out);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(socket_path) >= sizeof sa.sun_path)
    return fail(HTTP_IO, err, errlen, "socket path too long: %s", socket_path);
  strcpy(sa.sun_path, socket_path);

  int64_t deadline = now_ms() + timeout_ms;
  _cleanup_fd_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return fail(HTTP_IO, err, errlen, "socket: %s", strerror(errno));
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    int e = errno;
    if (e == ENOENT || e == ENOTDIR)
      return fail(HTTP_NO_SOCKET, err, errlen, "%s does not exist", socket_path);
    if (e == EACCES || e == EPERM)
      return fail(HTTP_DENIED, err, errlen, "permission denied on %s", socket_path);
    if (e == ECONNREFUSED)
      return fail(HTTP_REFUSED, err, errlen, "nothing listens on %s (connection refused)",
                  socket_path);
    if (e != EAGAIN && e != EINPROGRESS)
      return fail(HTTP_IO, err, errlen, "cannot connect: %s", strerror(e));
    if (!wait_fd(fd, POLLOUT, deadline))
      return fail(HTTP_TIMEOUT, err, errlen, "%s did not accept the connection in time",
                  socket_path);
  }

  char req[1024];
  int rl = snprintf(req, sizeof req,
                    "%s %s HTTP/1.0\r\nHost: docker\r\nUser-Agent: hostalias/" HOSTALIAS_VERSION
                    "\r\n\r\n",
                    method, path);
  if (rl < 0 || (size_t)rl >= sizeof req)
    return fail(HTTP_IO, err, errlen, "request path too long: %s", path);
  size_t sent = 0;
  while (sent < (size_t)rl) {
    ssize_t n = send(fd, req + sent, (size_t)rl - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN && wait_fd(fd, POLLOUT, deadline))
        continue;
      return fail(errno == EAGAIN ? HTTP_TIMEOUT : HTTP_IO, err, errlen,
                  "cannot send the request to %s", socket_path);
    }
    sent += (size_t)n;
  }

  size_t cap = 16384, len = 0;
  _cleanup_free_ char *buf = xmalloc(cap);
  for (;;) {
    if (len == cap) {
      if (cap >= HTTP_REPLY_MAX)
        return fail(HTTP_TOO_LARGE, err, errlen, "reply from %s is larger than 4 MiB", socket_path);
      cap *= 2;
      buf = xreallocarray(buf, cap, 1);
    }
    ssize_t n = recv(fd, buf + len, cap - len, 0);
    if (n > 0) {
      len += (size_t)n;
      continue;
    }
    if (n == 0)
      break;
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN) {
      if (!wait_fd(fd, POLLIN, deadline))
        return fail(HTTP_TIMEOUT, err, errlen, "no complete reply from %s in time", socket_path);
      continue;
    }
    return fail(HTTP_IO, err, errlen, "cannot read the reply: %s", strerror(errno));
  }
  const char *why = http_parse_response(buf, len, out);
  if (why)
    return fail(HTTP_MALFORMED, err, errlen, "malformed reply: %s", why);
  return HTTP_OK;
}
