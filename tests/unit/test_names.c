/* SPDX-License-Identifier: MIT */
/* Name validation and the line reader: what is refused, what is accepted,
 * and what a hostile stream does to it. */
#include <stdlib.h>

#include "names.h"
#include "tap.h"
#include "util.h"

static void feed(struct name_list *l, const char *text, size_t len) {
  struct name_line_reader r;
  name_line_reader_init(&r);
  /* Feed in awkward chunks, to cross line boundaries. */
  for (size_t i = 0; i < len; i += 3)
    name_line_reader_feed(&r, l, text + i, len - i < 3 ? len - i : 3, "test");
  name_line_reader_finish(&r, l, "test");
}

int main(void) {
  static const char *valid[] = {"postgres", "my_db", "my-db",         "MyDB", "a",
                                "es.local", "x1",    "web-1.backend", "_srv"};
  for (size_t i = 0; i < N_ELEMENTS(valid); i++)
    ok(name_invalid_reason(valid[i], strlen(valid[i])) == NULL, "valid: %s", valid[i]);

  char label64[65], label63[64], long254[255];
  memset(label64, 'a', 64), label64[64] = 0;
  memset(label63, 'a', 63), label63[63] = 0;
  for (int i = 0; i < 254; i++)
    long254[i] = (i % 50 == 49) ? '.' : 'b';
  long254[254] = 0;
  ok(name_invalid_reason(label63, 63) == NULL, "63-character label accepted");
  ok(name_invalid_reason(label64, 64) != NULL, "64-character label refused");
  ok(name_invalid_reason(long254, 254) != NULL, "254-character name refused");
  ok(name_invalid_reason(long254, 253) == NULL || long254[252] == '.',
     "253-character name accepted unless it ends in a dot");

  static const struct {
    const char *text;
    size_t len;
  } invalid[] = {
      {"", 0},         {"two words", 9},   {"tab\tname", 8}, {"nul\0byte", 8},
      {"ctrl\x01", 5}, {"caf\xc3\xa9", 5}, {"a..b", 4},      {".lead", 5},
      {"trail.", 6},   {"-dash", 5},       {"a/b", 3},       {"a;b", 3},
      {"+short", 6},   {"a b\r", 4},       {"x.-y", 4},      {"\x7f", 1},
  };
  for (size_t i = 0; i < N_ELEMENTS(invalid); i++) {
    char shown[200];
    escape_for_message(shown, invalid[i].text, invalid[i].len, 40);
    ok(name_invalid_reason(invalid[i].text, invalid[i].len) != NULL, "invalid: \"%s\"", shown);
  }

  ok(name_is_dotted("a.b") && !name_is_dotted("ab"), "dotted names are recognized");

  struct name_list l;
  name_list_init(&l);
  const char in[] = "  postgres  \r\n\n# a comment\nelasticsearch\r\nPostgres\npostgres\n"
                    "   # indented comment\n\t\nlast-without-newline";
  feed(&l, in, sizeof in - 1);
  ok(l.count == 3, "three distinct names (got %zu)", l.count);
  ok(l.errors == 0, "no errors");
  is_str(l.count > 0 ? name_at(&l, 0) : NULL, "postgres", "whitespace and CR trimmed, order kept");
  is_str(l.count > 1 ? name_at(&l, 1) : NULL, "elasticsearch", "second name");
  is_str(l.count > 2 ? name_at(&l, 2) : NULL, "last-without-newline", "final line without newline");
  ok(name_list_find(&l, "POSTGRES", 8) == 0, "case-insensitive lookup");
  ok(name_list_find(&l, "nosuch", 6) == -1, "missing name not found");
  name_list_free(&l);

  /* Invalid lines are counted, valid ones still collected. */
  name_list_init(&l);
  const char bad[] = "good\nbad name\nalso\0bad\nfine\n";
  feed(&l, bad, sizeof bad - 1);
  ok(l.errors == 2, "two invalid lines counted (got %zu)", l.errors);
  ok(l.count == 2, "two valid names kept (got %zu)", l.count);
  name_list_free(&l);

  /* A very long line is bounded: one error, the next line still read. */
  name_list_init(&l);
  size_t big = 5 * 1024 * 1024;
  char *huge = malloc(big + 16);
  memset(huge, 'x', big);
  memcpy(huge + big, "\nafter\n", 7);
  struct name_line_reader r;
  name_line_reader_init(&r);
  name_line_reader_feed(&r, &l, huge, big + 7, "test");
  name_line_reader_finish(&r, &l, "test");
  ok(l.errors == 1 && l.count == 1, "5 MiB line: one error, following line kept");
  ok(r.lineno == 2, "line numbers still counted after an overlong line");
  free(huge);
  name_list_free(&l);

  /* Many names: the dedup set grows and stays correct. */
  name_list_init(&l);
  char nm[32];
  for (int i = 0; i < 20000; i++) {
    int n = snprintf(nm, sizeof nm, "name%d", i % 15000);
    name_list_add(&l, nm, (size_t)n, "test", (size_t)i + 1);
  }
  ok(l.count == 15000, "15000 distinct names out of 20000 (got %zu)", l.count);
  ok(name_list_find(&l, "NAME14999", 9) == 14999, "found the last one by index");
  name_list_free(&l);
  return tap_done();
}
