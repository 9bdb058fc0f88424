/* SPDX-License-Identifier: MIT */
/* A byte stream cut into lines, whatever the chunks it arrives in: names on
 * standard input (names.c) and the Engine API's event stream
 * (event_stream.c). Bounded: a line is never a buffer larger than its
 * caller's limit. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Called with each line, without its '\n' (a '\r' before it, NUL bytes and
 * the rest are kept: what a line may hold is the caller's to say). A line of
 * more than MAX bytes is handed over once, as soon as it passes MAX, as its
 * first MAX bytes with OVERLONG set; the rest of it, up to its newline, is
 * skipped. False stops the reader (the caller then gives up the stream). */
typedef bool line_fn(const char *line, size_t len, bool overlong, void *ctx);

struct line_reader {
  char *buf;  /* the caller's: MAX bytes */
  size_t max; /* the longest line kept; the caller may change it between lines */
  size_t len;
  bool skipping; /* inside a line already handed over as overlong */
};

/* BUF, of at least MAX bytes, holds the line being read. */
void line_reader_init(struct line_reader *r, char *buf, size_t max);

/* Reads the next LEN bytes of the stream: FN is called for each line they
 * complete, and for a line that passes the bound. False as soon as FN
 * returns false. */
bool line_reader_feed(struct line_reader *r, const char *data, size_t len, line_fn *fn, void *ctx);

/* The end of the stream: a last line without its newline goes to FN. FN's
 * answer, or true when there was none. */
bool line_reader_finish(struct line_reader *r, line_fn *fn, void *ctx);
