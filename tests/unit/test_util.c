/* SPDX-License-Identifier: MIT */
/* util.c and util.h: the line iterator, number parsing, message escaping,
 * buffers, and the steal helpers the cleanup attributes rely on. */
#include <fcntl.h>

#include "tap.h"
#include "util.h"

/* The lines of TEXT (LEN bytes), joined with '|'. */
static const char *lines_of(const char *text, size_t len) {
  static char out[256];
  size_t o = 0;
  struct line_iter it = line_iter(text, len);
  const char *l;
  size_t ll;
  out[0] = '\0';
  while (line_next(&it, &l, &ll) && o + ll + 2 < sizeof out) {
    memcpy(out + o, l, ll);
    o += ll;
    out[o++] = '|';
    out[o] = '\0';
  }
  return out;
}

int main(void) {
  is_str(lines_of("a\nbb\nccc\n", 9), "a|bb|ccc|", "lines, each without its newline");
  is_str(lines_of("a\nbb", 4), "a|bb|", "the last line needs no newline");
  is_str(lines_of("\n\nx\n", 4), "||x|", "empty lines are lines");
  is_str(lines_of("", 0), "", "no bytes, no lines");
  is_str(lines_of(NULL, 0), "", "a NULL buffer has no lines");
  struct line_iter it = line_iter("a\0b\nc", 5);
  const char *l;
  size_t ll;
  ok(line_next(&it, &l, &ll) && ll == 3 && line_next(&it, &l, &ll) && ll == 1 && *l == 'c' &&
         !line_next(&it, &l, &ll),
     "a NUL inside a line is part of it");

  long v;
  ok(parse_long("42", 0, 100, &v) && v == 42, "42");
  ok(parse_long("-5", -10, 10, &v) && v == -5, "negative in range");
  ok(!parse_long("101", 0, 100, &v), "past the maximum refused");
  ok(!parse_long("", 0, 100, &v), "empty refused");
  ok(!parse_long("4x", 0, 100, &v), "trailing junk refused");
  ok(!parse_long("99999999999999999999999", 0, 100, &v), "overflow refused");
  ok(!parse_long(" 4", 0, 100, &v), "a leading blank refused");
  ok(!parse_long("\t4", 0, 100, &v), "a leading tab refused (strtol would skip it)");
  ok(!parse_long("\n4", 0, 100, &v), "a leading newline refused");
  ok(!parse_long("+4", 0, 100, &v), "a plus sign refused");
  ok(!parse_long("-", -10, 10, &v), "a lone minus refused");

  char esc[4 * 8 + 4];
  escape_for_message(esc, "a\nb\x7f\xff", 5, 8);
  is_str(esc, "a\\x0ab\\x7f\\xff", "control and non-ASCII bytes escaped");
  escape_for_message(esc, "abcdefghijkl", 12, 8);
  is_str(esc, "abcdefgh...", "cut at MAX bytes, then ...");

  struct strbuf b = {0};
  strbuf_append(&b, "ab", 2);
  strbuf_append(&b, "cd", 2);
  ok(b.len == 4 && !strcmp(b.data, "abcd"), "strbuf appends, NUL-terminated");
  strbuf_free(&b);
  ok(b.data == NULL && b.len == 0, "strbuf_free empties it");

  char *p = xstrdup("x");
  char *q = steal_pointer(&p);
  ok(p == NULL && q && !strcmp(q, "x"), "steal_pointer takes the pointer and leaves NULL");
  free(q);
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int g = steal_fd(&fd);
  ok(fd == -1 && g >= 0, "steal_fd leaves -1");
  close(g);
  {
    _cleanup_free_ char *s = xstrndup("abcdef", 3);
    ok(!strcmp(s, "abc"), "xstrndup cuts");
  }
  return tap_done();
}
