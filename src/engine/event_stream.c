/* SPDX-License-Identifier: MIT */
#include "event_stream.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "http.h"
#include "privileges.h"
#include "util.h"

void event_parser_init(struct event_parser *p) {
  memset(p, 0, sizeof *p);
  p->buf = xmalloc(EVENT_MAX + 1);
}

void event_parser_free(struct event_parser *p) {
  free(p->buf);
  memset(p, 0, sizeof *p);
}

static bool fail(struct event_parser *p, const char *why) {
  p->error = why;
  return false;
}

/* The headers end at the first empty line; the status must be 200. */
static bool parse_headers(struct event_parser *p, size_t *used) {
  const char *end = NULL;
  for (size_t i = 0; i + 1 < p->len && !end; i++) {
    if (p->buf[i] == '\n' && p->buf[i + 1] == '\n')
      end = p->buf + i + 2;
    else if (p->buf[i] == '\n' && p->buf[i + 1] == '\r' && i + 2 < p->len && p->buf[i + 2] == '\n')
      end = p->buf + i + 3;
  }
  if (!end) {
    *used = 0;
    return p->len < EVENT_HEAD_MAX || fail(p, "the event stream's headers are too long");
  }
  struct http_response r;
  const char *why = http_parse_response(p->buf, (size_t)(end - p->buf), &r);
  if (why)
    return fail(p, why);
  int status = r.status;
  http_response_free(&r);
  if (status != 200)
    return fail(p, "the Engine API refused the event stream");
  *used = (size_t)(end - p->buf);
  p->headers_done = true;
  return true;
}

static bool parse_event(struct event_parser *p, const char *line, size_t len,
                        void (*fn)(json_t *, void *), void *ctx) {
  while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
    len--;
  if (len == 0)
    return true;
  json_auto_t *ev = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_object(ev))
    return fail(p, "an event is not a JSON object (or repeats a key)");
  fn(ev, ctx);
  return true;
}

bool event_parser_feed(struct event_parser *p, const char *data, size_t len,
                       void (*fn)(json_t *event, void *ctx), void *ctx) {
  if (p->error)
    return false;
  while (len > 0) {
    /* Take as much as fits, up to and including the next newline. */
    size_t room = (p->headers_done ? EVENT_MAX : EVENT_HEAD_MAX) - p->len;
    const char *nl = memchr(data, '\n', len);
    size_t take = nl ? (size_t)(nl - data) + 1 : len;
    if (take > room)
      return fail(p, p->headers_done ? "an event is larger than 64 KiB"
                                     : "the event stream's headers are too long");
    memcpy(p->buf + p->len, data, take);
    p->len += take;
    data += take;
    len -= take;
    if (!p->headers_done) {
      size_t used;
      if (!parse_headers(p, &used))
        return false;
      memmove(p->buf, p->buf + used, p->len - used);
      p->len -= used;
      continue;
    }
    if (p->buf[p->len - 1] == '\n') {
      bool ok = parse_event(p, p->buf, p->len - 1, fn, ctx);
      p->len = 0;
      if (!ok)
        return false;
    }
  }
  return true;
}

int event_stream_open(const char *socket_path, bool as_invoker, const char *path, int timeout_ms,
                      char *err, size_t errlen) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(socket_path) >= sizeof sa.sun_path) {
    snprintf(err, errlen, "socket path too long: %s", socket_path);
    return -1;
  }
  strcpy(sa.sun_path, socket_path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    snprintf(err, errlen, "socket: %s", strerror(errno));
    return -1;
  }
  char req[1024];
  int rl = http_format_get(req, sizeof req, path);
  int64_t deadline = now_ms() + timeout_ms;
  if (rl < 0) {
    snprintf(err, errlen, "request path too long");
    close(fd);
    return -1;
  }
  if ((as_invoker ? invoker_connect(fd, (struct sockaddr *)&sa, sizeof sa)
                  : connect(fd, (struct sockaddr *)&sa, sizeof sa)) < 0 &&
      errno != EAGAIN && errno != EINPROGRESS) {
    snprintf(err, errlen, "cannot connect to %s: %s", socket_path, strerror(errno));
    close(fd);
    return -1;
  }
  size_t sent = 0;
  while (sent < (size_t)rl) {
    ssize_t n = send(fd, req + sent, (size_t)rl - sent, MSG_NOSIGNAL);
    if (n >= 0) {
      sent += (size_t)n;
      continue;
    }
    int64_t left = deadline - now_ms();
    if ((errno != EAGAIN && errno != ENOTCONN && errno != EINTR) || left <= 0) {
      snprintf(err, errlen, "cannot send the request to %s: %s", socket_path,
               left <= 0 ? "timed out" : strerror(errno));
      close(fd);
      return -1;
    }
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    poll(&pfd, 1, (int)left);
  }
  return fd;
}
