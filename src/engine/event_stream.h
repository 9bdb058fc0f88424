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

/* Connects to the unix socket SOCKET_PATH (with the invoking user's rights
 * when AS_INVOKER: see invoker_connect) and sends "GET PATH HTTP/1.0",
 * within TIMEOUT_MS. The descriptor (non-blocking), or -1 with ERR set. */
int event_stream_open(const char *socket_path, bool as_invoker, const char *path, int timeout_ms,
                      char *err, size_t errlen);
