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
  p->buf = xmalloc(EVENT_MAX);
  p->head = xmalloc(EVENT_HEAD_MAX);
  /* A header line ends where the headers' bound would be passed. */
  line_reader_init(&p->lines, p->buf, EVENT_HEAD_MAX - 1);
}

void event_parser_free(struct event_parser *p) {
  free(p->buf);
  free(p->head);
  memset(p, 0, sizeof *p);
}

static bool fail(struct event_parser *p, const char *why) {
  p->error = why;
  return false;
}

/* The headers, a line at a time, up to the first empty line (at most
 * EVENT_HEAD_MAX bytes in all); the status must be 200. */
static bool header_line(struct event_parser *p, const char *line, size_t len, bool overlong) {
  if (overlong)
    return fail(p, "the event stream's headers are too long");
  memcpy(p->head + p->head_len, line, len);
  p->head[p->head_len + len] = '\n';
  p->head_len += len + 1;
  if (len > 0 && !(len == 1 && line[0] == '\r')) {
    if (p->head_len >= EVENT_HEAD_MAX)
      return fail(p, "the event stream's headers are too long");
    p->lines.max = EVENT_HEAD_MAX - 1 - p->head_len;
    return true;
  }
  struct http_response r;
  const char *why = http_parse_response(p->head, p->head_len, &r);
  if (why)
    return fail(p, why);
  int status = r.status;
  http_response_free(&r);
  if (status != 200)
    return fail(p, "the Engine API refused the event stream");
  p->headers_done = true;
  p->lines.max = EVENT_MAX;
  return true;
}

struct event_line {
  struct event_parser *p;
  void (*fn)(json_t *, void *);
  void *ctx;
};

static bool event_line(const char *line, size_t len, bool overlong, void *ctx) {
  struct event_line *el = ctx;
  struct event_parser *p = el->p;
  if (!p->headers_done)
    return header_line(p, line, len, overlong);
  if (overlong || len == EVENT_MAX) /* an event and its newline: EVENT_MAX bytes at most */
    return fail(p, "an event is larger than 64 KiB");
  while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
    len--;
  if (len == 0)
    return true;
  json_auto_t *ev = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_object(ev))
    return fail(p, "an event is not a JSON object (or repeats a key)");
  el->fn(ev, el->ctx);
  return true;
}

bool event_parser_feed(struct event_parser *p, const char *data, size_t len,
                       void (*fn)(json_t *event, void *ctx), void *ctx) {
  if (p->error)
    return false;
  return line_reader_feed(&p->lines, data, len, event_line, &(struct event_line){p, fn, ctx});
}

bool event_stream_read(int fd, struct event_parser *p, void (*fn)(json_t *event, void *ctx),
                       void *ctx, bool *came_up, const char **why) {
  char buf[16384];
  *came_up = false;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      return true;
    if (n <= 0) {
      *why = n == 0 ? "the engine closed it" : strerror(errno);
      return false;
    }
    bool was_up = p->headers_done;
    if (!event_parser_feed(p, buf, (size_t)n, fn, ctx)) {
      *why = p->error;
      return false;
    }
    *came_up |= !was_up && p->headers_done;
  }
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

static bool one_of(const char *s, const char *const *set) {
  for (; s && *set; set++)
    if (!strcmp(s, *set))
      return true;
  return false;
}

bool event_changes_answers(json_t *ev, const char (*network_ids)[65], size_t n) {
  static const char *const container_actions[] = {"start", "die", "destroy", "rename", NULL};
  static const char *const network_changes[] = {"create", "destroy", "remove", NULL};
  static const char *const attachments[] = {"connect", "disconnect", NULL};
  static const char *const service_changes[] = {"create", "update", "remove", NULL};
  const char *type = json_string_value(json_object_get(ev, "Type"));
  const char *action = json_string_value(json_object_get(ev, "Action"));
  if (!type || !action)
    return false;
  if (!strcmp(type, "container"))
    return one_of(action, container_actions);
  if (!strcmp(type, "service"))
    return one_of(action, service_changes);
  if (strcmp(type, "network") != 0)
    return false;
  if (one_of(action, network_changes))
    return true;
  if (!one_of(action, attachments))
    return false;
  if (n == 0)
    return true;
  const char *id = json_string_value(json_object_get(json_object_get(ev, "Actor"), "ID"));
  for (size_t i = 0; id && i < n; i++)
    if (!strcmp(id, network_ids[i]))
      return true;
  return false;
}
