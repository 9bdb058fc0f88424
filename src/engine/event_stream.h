/* SPDX-License-Identifier: MIT */
/* The Engine API's event stream (GET /events): a long-lived HTTP/1.0
 * response whose body is one JSON object a line, for as long as the
 * connection lives. Parsed as strictly as the other replies, with a bound
 * on the headers and on each event. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "line_reader.h"

#define EVENT_HEAD_MAX (16 * 1024)
#define EVENT_MAX (64 * 1024)

struct event_parser {
  bool headers_done;
  struct line_reader lines; /* over BUF: a header line, then an event */
  char *buf;
  char *head; /* the headers so far: HEAD_LEN bytes, at most EVENT_HEAD_MAX */
  size_t head_len;
  const char *error; /* what was wrong, once feeding failed */
};

void event_parser_init(struct event_parser *p);
void event_parser_free(struct event_parser *p);

/* Feeds the next LEN bytes of the stream; calls FN for each complete event
 * (a JSON object, borrowed for the call). False, with P->error set, at the
 * first thing that is wrong: a status other than 200, a header or event past
 * its bound, a line that is not a JSON object. The stream must then be
 * closed. */
bool event_parser_feed(struct event_parser *p, const char *data, size_t len,
                       void (*fn)(json_t *event, void *ctx), void *ctx);

/* Reads what the non-blocking stream FD has now, feeding P (FN for each
 * event). False when the stream is lost, with *WHY set (closed by the
 * engine, a read error, or P's error): close it then. *CAME_UP is set when
 * the response's headers ended in this read: the stream is up. */
bool event_stream_read(int fd, struct event_parser *p, void (*fn)(json_t *event, void *ctx),
                       void *ctx, bool *came_up, const char **why);

/* Connects to the unix socket SOCKET_PATH (with the invoking user's rights
 * when AS_INVOKER: see invoker_connect) and sends "GET PATH HTTP/1.0",
 * within TIMEOUT_MS. The descriptor (non-blocking), or -1 with ERR set. */
int event_stream_open(const char *socket_path, bool as_invoker, const char *path, int timeout_ms,
                      char *err, size_t errlen);

/* The events that can change a name's answer: containers and networks (and,
 * on a Swarm manager, services), as the query string of GET /events. */
#define EVENTS_PATH "/events?filters=%7B%22type%22%3A%5B%22container%22%2C%22network%22%5D%7D"
#define EVENTS_PATH_MANAGER                                                                        \
  "/events?filters=%7B%22type%22%3A%5B%22container%22%2C%22network%22%2C%22service%22%5D%7D"

/* Whether event EV can change an answer for a target attached to the
 * networks NETWORK_IDS (N of them; N == 0: not known, any network counts):
 * a container started, died, destroyed or renamed, a network made or
 * removed, a container attached to or detached from one of those networks,
 * a service made, changed or removed. */
bool event_changes_answers(json_t *ev, const char (*network_ids)[65], size_t n);
