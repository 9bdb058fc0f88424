/* SPDX-License-Identifier: MIT */
/* The child-to-parent result records: a round trip, and every way a
 * compromised child could lie. */
#include "results_wire.h"
#include "tap.h"
#include "util.h"

int main(void) {
  enum { N = 4 };
  struct name_result in[N] = {0};
  struct address a, b;
  address_parse("10.0.0.2", &a);
  address_parse("10.0.0.1", &b);
  in[0].status = NAME_RESOLVED;
  name_result_add(&in[0], &a, true);
  name_result_add(&in[0], &b, true);
  in[1].status = NAME_NXDOMAIN;
  in[2].status = NAME_TIMEOUT;
  in[3].status = NAME_RESOLVED;
  in[3].from_hosts = true;
  name_result_add(&in[3], &a, true);

  size_t len;
  char *buf = results_encode(in, N, &len);
  struct name_result out[N] = {0};
  ok(results_decode(buf, len, N, FAMILY_V4, true, out), "round trip decodes");
  ok(out[0].status == NAME_RESOLVED && out[0].naddrs == 2 && out[0].best.bytes[3] == 1,
     "addresses and choice survive");
  ok(out[1].status == NAME_NXDOMAIN && out[2].status == NAME_TIMEOUT, "statuses survive");
  ok(out[3].from_hosts, "hosts flag survives");
  for (int i = 0; i < N; i++)
    free(out[i].all), free(in[i].all);

  /* Every truncation is refused. */
  size_t refused = 0;
  for (size_t cut = 0; cut < len; cut++) {
    struct name_result o[N] = {0};
    if (!results_decode(buf, cut, N, FAMILY_V4, true, o))
      refused++;
    for (int i = 0; i < N; i++)
      free(o[i].all);
  }
  ok(refused == len, "all %zu truncations refused (%zu)", len, refused);

  /* Every single-byte corruption is either refused or decodes to
   * well-formed results (checked by the invariants). */
  size_t bad_accepted = 0;
  for (size_t pos = 0; pos < len; pos++) {
    for (int v = 0; v < 256; v += 7) {
      char *c = xmalloc(len);
      memcpy(c, buf, len);
      c[pos] = (char)v;
      struct name_result o[N] = {0};
      if (results_decode(c, len, N, FAMILY_V4, true, o)) {
        for (int i = 0; i < N; i++) {
          if (o[i].status == NAME_PENDING || o[i].status > NAME_STATUS_MAX ||
              (o[i].status == NAME_RESOLVED && (o[i].naddrs == 0 || o[i].best.family != 4)))
            bad_accepted++;
        }
      }
      for (int i = 0; i < N; i++)
        free(o[i].all);
      free(c);
    }
  }
  ok(bad_accepted == 0, "no corruption yields a malformed result");

  struct name_result o[N] = {0};
  ok(!results_decode(buf, len, N + 1, FAMILY_V4, true, o), "wrong count refused");
  for (int i = 0; i < N; i++)
    free(o[i].all), o[i] = (struct name_result){0};
  ok(!results_decode(buf, len, N, FAMILY_V6, true, o), "IPv4 answer when IPv6 was asked refused");
  for (int i = 0; i < N; i++)
    free(o[i].all);
  free(buf);
  return tap_done();
}
