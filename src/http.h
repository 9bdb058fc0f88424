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

/* Sends "METHOD PATH HTTP/1.0" to the unix socket SOCKET_PATH and reads the
 * reply within TIMEOUT_MS. On failure ERR holds a description. */
enum http_error http_unix_request(const char *socket_path, const char *method, const char *path,
                                  int timeout_ms, struct http_response *out, char *err,
                                  size_t errlen);
