/* SPDX-License-Identifier: MIT */
/* A small, strict HTTP/1.0 client for a unix socket: one request per
 * connection, a bounded reply, a deadline. Enough for the Engine API. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define HTTP_REPLY_MAX (4 * 1024 * 1024)

struct http_response {
  int status;
  char *body; /* NUL-terminated for convenience; body_len excludes the NUL */
  size_t body_len;
};

void http_response_free(struct http_response *r);

/* Parses a complete reply (everything read up to EOF). Returns NULL on
 * success, else a static description of what is wrong. */
const char *http_parse_response(const char *buf, size_t len, struct http_response *out);

enum http_error {
  HTTP_OK = 0,
  HTTP_NO_SOCKET, /* socket file missing */
  HTTP_DENIED,    /* permission denied */
  HTTP_REFUSED,   /* nobody listening */
  HTTP_TIMEOUT,
  HTTP_IO, /* other socket error */
  HTTP_TOO_LARGE,
  HTTP_MALFORMED,
};

/* The request every connection sends, "GET PATH HTTP/1.0" and its
 * headers, into BUF: its length, or -1 when it does not fit. */
int http_format_get(char *buf, size_t size, const char *path);

/* One GET request of a batch: PATH in; the result, and the response or a
 * description of the failure, out. */
struct http_request {
  const char *path;
  enum http_error result;
  struct http_response response; /* when result is HTTP_OK; the caller frees it */
  char err[256];
};

#define HTTP_MAX_IN_FLIGHT 32

/* Sends "GET PATH HTTP/1.0" for each of the N requests to the unix socket
 * SOCKET_PATH (connected to with the invoking user's rights when
 * AS_INVOKER: see invoker_connect), each on its own connection, at most MAX_IN_FLIGHT at once,
 * and reads the replies; all of it within TIMEOUT_MS. DONE, when not NULL,
 * is called for each request as soon as it ends (so its reply is handled
 * while the others are still coming), and may free its response. */
void http_unix_get_many(const char *socket_path, bool as_invoker, struct http_request *reqs,
                        size_t n, unsigned max_in_flight, int timeout_ms,
                        void (*done)(struct http_request *r, void *ctx), void *ctx);

/* One GET request; on failure ERR holds a description. */
enum http_error http_unix_request(const char *socket_path, bool as_invoker, const char *path,
                                  int timeout_ms, struct http_response *out, char *err,
                                  size_t errlen);
