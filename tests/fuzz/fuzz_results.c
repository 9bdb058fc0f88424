/* SPDX-License-Identifier: MIT */
/* What the resolver child sends, as a hostile child could send it, through
 * to the output lines: every line written must be well-formed. */
#include <stdint.h>
#include <string.h>

#include "format.h"
#include "results_wire.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  verbosity = VERBOSITY_QUIET;
  static struct name_list l;
  if (!l.count) {
    name_list_init(&l);
    const char *names[] = {"postgres", "web", "pg.internal", "api"};
    for (size_t i = 0; i < N_ELEMENTS(names); i++)
      name_list_add(&l, names[i], strlen(names[i]), "fuzz", 0);
  }
  if (size < 1)
    return 0;
  unsigned families = (data[0] & 3) ? (data[0] & 3) : FAMILY_V4;
  bool keep_all = data[0] & 4;
  struct name_result r[4] = {0};
  struct results_decoder d = {
      .n = l.count, .families = families, .keep_all = keep_all, .results = r};
  /* Feed in two pieces, as a pipe might deliver it. */
  size_t cut = size > 1 ? data[1] % size : 0;
  size_t used = results_decode_some(&d, (const char *)data + 1, cut ? cut - 1 : 0);
  char *rest = malloc(size);
  size_t restlen = (cut ? cut - 1 : 0) - used;
  memcpy(rest, data + 1 + used, restlen);
  memcpy(rest + restlen, data + (cut ? cut : 1), size - (cut ? cut : 1));
  results_decode_some(&d, rest, restlen + size - (cut ? cut : 1));
  free(rest);

  struct format_config oc = {.format = (enum format_kind)((data[0] >> 3) % 3),
                             .dashed = data[0] & 32};
  format_set_provider(&oc, (data[0] & 64) ? "sslip.io" : "traefik.me");
  struct strbuf out = {0};
  for (size_t i = 0; i < l.count; i++) {
    const char *why;
    size_t before = out.len;
    if (format_line(&oc, name_at(&l, i), &r[i], NULL, &out, &why)) {
      const char *line = out.data + before;
      size_t len = out.len - before;
      const char *key;
      size_t kl;
      /* Each line: one, newline-terminated, not starting with whitespace,
       * short, and readable back as the same name's line. */
      if (len < 2 || line[len - 1] != '\n' || memchr(line, '\n', len - 1) || line[0] == ' ' ||
          len > 1024 || !format_line_key(oc.format, line, len - 1, &key, &kl) ||
          kl != strlen(name_at(&l, i)))
        __builtin_trap();
    }
    free(r[i].all);
  }
  strbuf_free(&out);
  return 0;
}
