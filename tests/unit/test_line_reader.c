/* SPDX-License-Identifier: MIT */
/* line_reader.c: the lines of a stream, fed in every chunking; its bound,
 * CRLF, NUL bytes, a last line without its newline, and stopping. */
#include <stdlib.h>
#include <string.h>

#include "line_reader.h"
#include "tap.h"
#include "util.h"

/* What the reader handed over: each line as "[text]" (or "<text>" when
 * overlong), NUL bytes shown as '0', CR as 'R'. */
struct seen {
  char out[4096];
  size_t lines;
  size_t stop_after; /* 0: never stop */
};

static bool record(const char *line, size_t len, bool overlong, void *ctx) {
  struct seen *s = ctx;
  size_t o = strlen(s->out);
  s->out[o++] = overlong ? '<' : '[';
  for (size_t i = 0; i < len && o + 2 < sizeof s->out; i++)
    s->out[o++] = line[i] == '\0' ? '0' : line[i] == '\r' ? 'R' : line[i];
  s->out[o++] = overlong ? '>' : ']';
  s->out[o] = '\0';
  s->lines++;
  return !s->stop_after || s->lines < s->stop_after;
}

/* Feeds LEN bytes of TEXT in chunks of CHUNK, then ends the stream, with
 * lines of at most MAX bytes. False when the reader stopped. */
static bool read_all(const char *text, size_t len, size_t chunk, size_t max, struct seen *s) {
  char *buf = xmalloc(max ? max : 1);
  struct line_reader r;
  line_reader_init(&r, buf, max);
  bool go = true;
  for (size_t i = 0; i < len && go; i += chunk)
    go = line_reader_feed(&r, text + i, len - i < chunk ? len - i : chunk, record, s);
  if (go)
    go = line_reader_finish(&r, record, s);
  free(buf);
  return go;
}

/* Whether TEXT reads as WANT in every chunking from 1 byte to all of it. */
static bool every_chunking(const char *text, size_t len, size_t max, const char *want) {
  for (size_t chunk = 1; chunk <= len + 1; chunk++) {
    struct seen s = {0};
    if (!read_all(text, len, chunk, max, &s) || strcmp(s.out, want) != 0) {
      printf("#   chunks of %zu: got %s, want %s\n", chunk, s.out, want);
      return false;
    }
  }
  return true;
}

#define TEXT(s) s, sizeof s - 1

int main(void) {
  ok(every_chunking(TEXT("one\ntwo\n\nthree\n"), 16, "[one][two][][three]"),
     "lines, an empty one among them, whatever the chunking");
  ok(every_chunking(TEXT("a\r\nb\r\n\r\n"), 16, "[aR][bR][R]"),
     "CRLF: the CR is handed over, for the caller to trim");
  ok(every_chunking(TEXT("last\nno newline"), 16, "[last][no newline]"),
     "a last line without its newline is handed over at the end");
  ok(every_chunking(TEXT("nl at end\n"), 16, "[nl at end]"), "nothing more after a final newline");
  ok(every_chunking(TEXT("a\0b\n\0\n"), 16, "[a0b][0]"), "NUL bytes are kept, with the length");
  ok(every_chunking(TEXT(""), 16, ""), "an empty stream has no lines");

  ok(every_chunking(TEXT("12345678\n123456789\nok\n"), 8, "[12345678]<12345678>[ok]"),
     "a line of MAX bytes is kept; one byte more is overlong, handed over once, "
     "its first MAX bytes, and the next line is read");
  ok(every_chunking(TEXT("short\n123456789abcdef"), 8, "[short]<12345678>"),
     "an overlong last line without its newline is handed over once");
  ok(every_chunking(TEXT("\nx\n"), 0, "[]<>"), "MAX 0: only empty lines fit");

  struct seen s = {.stop_after = 2};
  ok(!read_all(TEXT("a\nb\nc\nd\n"), 3, 16, &s) && !strcmp(s.out, "[a][b]"),
     "the callback's false stops the reader at once (%s)", s.out);
  s = (struct seen){.stop_after = 1};
  ok(!read_all(TEXT("0123456789\nnext\n"), 4, 4, &s) && !strcmp(s.out, "<0123>"),
     "an overlong line is handed over as soon as it passes the bound, before its "
     "newline (%s)",
     s.out);

  /* The bound may change between lines (the event stream's headers). */
  char buf[16];
  struct line_reader r;
  line_reader_init(&r, buf, 16);
  s = (struct seen){0};
  line_reader_feed(&r, TEXT("long line\n"), record, &s);
  r.max = 4;
  line_reader_feed(&r, TEXT("long line\nok\n"), record, &s);
  ok(!strcmp(s.out, "[long line]<long>[ok]"), "a lowered bound applies to the next line (%s)",
     s.out);

  /* A large stream in a small buffer: memory is the bound, not the input. */
  size_t big = 1024 * 1024;
  char *huge = xmalloc(big + 8);
  memset(huge, 'x', big);
  memcpy(huge + big, "\nafter\n", 7);
  s = (struct seen){0};
  ok(read_all(huge, big + 7, 65536, 8, &s) && !strcmp(s.out, "<xxxxxxxx>[after]"),
     "a 1 MiB line in an 8-byte buffer: overlong once, the next line read");
  free(huge);
  return tap_done();
}
