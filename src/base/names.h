/* SPDX-License-Identifier: MIT */
/* The list of names to resolve: read from arguments or a stream, validated,
 * de-duplicated case-insensitively, kept in input order. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <stdint.h>

#include "line_reader.h"
#include "util.h"

#define NAME_MAX_LEN 253
#define LABEL_MAX_LEN 63
/* Longest input line we look at; anything longer is an error, not a buffer. */
#define NAME_LINE_MAX 1024
/* A bound on the work one run does and the memory it takes. */
#define NAMES_MAX 1000000

/* Names live NUL-terminated in one arena, found by offset: one allocation
 * for all of them, not one a name (100,000 names take about 1 MiB). */
struct name_list {
  char *arena;
  size_t arena_len, arena_cap;
  uint32_t *offsets;
  size_t count, cap;
  /* Open-addressing set of indices, for case-insensitive dedup. */
  uint32_t *slots;
  size_t nslots;
  size_t errors; /* invalid lines seen */
};

static inline const char *name_at(const struct name_list *l, size_t i) {
  return l->arena + l->offsets[i];
}

/* Returns NULL when S (LEN bytes) is a valid name, else why it is not. */
const char *name_invalid_reason(const char *s, size_t len);

/* True when NAME (LEN bytes) contains a dot (glibc never aliases such a
 * name). */
bool name_is_dotted_n(const char *name, size_t len);
static inline bool name_is_dotted(const char *name) { return name_is_dotted_n(name, strlen(name)); }

void name_list_init(struct name_list *l);
void name_list_free(struct name_list *l);
DEFINE_CLEANUP_FUNC(struct name_list, name_list_free)
#define _cleanup_name_list_ __attribute__((cleanup(name_list_freep)))

/* Validates and appends one name; a duplicate is silently folded into the
 * first occurrence. On invalid text, reports "SOURCE LINE: reason: TEXT" on
 * stderr, counts the error and returns false. LINE 0 means no line number. */
bool name_list_add(struct name_list *l, const char *text, size_t len, const char *source,
                   size_t line);

/* Index of NAME in the list (case-insensitive), or -1. */
long name_list_find(const struct name_list *l, const char *name, size_t len);

/* Splits a stream into lines (line_reader.h) and adds each as name_list_add
 * does, skipping blank lines and '#' comments and trimming whitespace and
 * CR; a line longer than NAME_LINE_MAX is an error, counted and reported.
 * Used for streams (through names_read_fd) and directly by tests and
 * fuzzers; name_line_reader_finish ends the input. */
struct name_line_reader {
  char line[NAME_LINE_MAX];
  struct line_reader lines; /* over LINE */
  size_t lineno;
};
void name_line_reader_init(struct name_line_reader *r);
void name_line_reader_feed(struct name_line_reader *r, struct name_list *l, const char *buf,
                           size_t len, const char *source);
void name_line_reader_finish(struct name_line_reader *r, struct name_list *l, const char *source);

/* Reads names from FD until end of file. Returns false (after reporting) on a
 * read error; invalid lines are counted in l->errors instead. */
bool names_read_fd(struct name_list *l, int fd, const char *source);
