/* SPDX-License-Identifier: MIT */
/* The name list reader: any bytes, in any chunking. */
#include <stdint.h>
#include <string.h>

#include "names.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool quiet;
  if (!quiet) {
    verbosity = VERBOSITY_QUIET;
    quiet = true;
  }
  struct name_list l;
  name_list_init(&l);
  struct name_line_reader r;
  name_line_reader_init(&r);
  size_t chunk = size ? (size_t)data[0] % 17 + 1 : 1;
  for (size_t i = 0; i < size; i += chunk)
    name_line_reader_feed(&r, &l, (const char *)data + i, size - i < chunk ? size - i : chunk,
                          "fuzz");
  name_line_reader_finish(&r, &l, "fuzz");
  for (size_t i = 0; i < l.count; i++) {
    const char *n = name_at(&l, i);
    if (name_invalid_reason(n, strlen(n)) || name_list_find(&l, n, strlen(n)) != (long)i)
      __builtin_trap(); /* only valid, unique names are ever kept */
  }
  name_list_free(&l);
  return 0;
}
