/* SPDX-License-Identifier: MIT */
/* event_stream.c: the event stream parser, fed in every chunking, and which
 * events can change an answer. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "event_stream.h"
#include "tap.h"
#include "util.h"

static int seen;
static char actions[256];
static void on_event(json_t *ev, void *ctx) {
  (void)ctx;
  seen++;
  const char *a = json_string_value(json_object_get(ev, "Action"));
  strcat(actions, a ? a : "?");
  strcat(actions, ",");
}

/* Feeds S in chunks of CHUNK bytes; returns the parser's error or NULL. */
static const char *feed(const char *s, size_t len, size_t chunk) {
  struct event_parser p;
  event_parser_init(&p);
  seen = 0;
  actions[0] = 0;
  const char *err = NULL;
  for (size_t i = 0; i < len && !err; i += chunk) {
    size_t n = len - i < chunk ? len - i : chunk;
    if (!event_parser_feed(&p, s + i, n, on_event, NULL))
      err = p.error;
  }
  event_parser_free(&p);
  return err;
}

#define HEAD "HTTP/1.0 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n\r\n"

int main(void) {
  const char good[] = HEAD "{\"Type\":\"container\",\"Action\":\"start\"}\n"
                           "\r\n"
                           "{\"Type\":\"network\",\"Action\":\"connect\"}\r\n";
  bool all_ok = true;
  for (size_t chunk = 1; chunk <= sizeof good; chunk++)
    all_ok &=
        !feed(good, sizeof good - 1, chunk) && seen == 2 && !strcmp(actions, "start,connect,");
  ok(all_ok, "two events, whatever the chunking (1 to %zu bytes), blank lines skipped",
     sizeof good);
  ok(!feed(HEAD "{\"Action\":\"start\"}", sizeof HEAD + 17, 7) && seen == 0,
     "an event without its newline is not yet an event");

  const char *bad[][2] = {
      {"HTTP/1.0 404 Not Found\r\n\r\n", "refused"},
      {"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "Transfer-Encoding"},
      {"HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\n", "Content-Length"},
      {"SSH-2.0-OpenSSH\r\n\r\n", "status line"},
      {HEAD "[1,2]\n", "not a JSON object"},
      {HEAD "{\"a\":1,\"a\":2}\n", "repeats a key"},
      {HEAD "{\"a\":\n", "not a JSON object"},
  };
  for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
    const char *err = feed(bad[i][0], strlen(bad[i][0]), 3);
    ok(err && strstr(err, bad[i][1]), "refused: %s (%s)", bad[i][1], err ? err : "accepted");
  }
  size_t big = EVENT_MAX + 100;
  char *huge = xmalloc(sizeof HEAD + big + 2);
  memcpy(huge, HEAD, sizeof HEAD - 1);
  memset(huge + sizeof HEAD - 1, ' ', big);
  huge[sizeof HEAD - 1 + big] = '\n';
  const char *err = feed(huge, sizeof HEAD + big, 4096);
  ok(err && strstr(err, "larger than 64 KiB"), "an event past 64 KiB refused");
  memset(huge, 'x', 20000);
  err = feed(huge, 20000, 4096);
  ok(err && strstr(err, "headers are too long"), "headers past 16 KiB refused");
  free(huge);

  /* Which events can change an answer. */
  char ids[2][65] = {"aaaa", "bbbb"};
  struct {
    const char *json;
    bool matters;
  } evs[] = {
      {"{\"Type\":\"container\",\"Action\":\"start\"}", true},
      {"{\"Type\":\"container\",\"Action\":\"die\"}", true},
      {"{\"Type\":\"container\",\"Action\":\"destroy\"}", true},
      {"{\"Type\":\"container\",\"Action\":\"rename\"}", true},
      {"{\"Type\":\"container\",\"Action\":\"create\"}", false},
      {"{\"Type\":\"container\",\"Action\":\"exec_start: sh\"}", false},
      {"{\"Type\":\"network\",\"Action\":\"create\"}", true},
      {"{\"Type\":\"network\",\"Action\":\"destroy\"}", true},
      {"{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":\"bbbb\"}}", true},
      {"{\"Type\":\"network\",\"Action\":\"disconnect\",\"Actor\":{\"ID\":\"aaaa\"}}", true},
      {"{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":\"cccc\"}}", false},
      {"{\"Type\":\"service\",\"Action\":\"create\"}", true},
      {"{\"Type\":\"service\",\"Action\":\"update\"}", true},
      {"{\"Type\":\"service\",\"Action\":\"remove\"}", true},
      {"{\"Type\":\"node\",\"Action\":\"update\"}", false},
      {"{\"Type\":\"image\",\"Action\":\"pull\"}", false},
      {"{\"Type\":\"container\"}", false},
  };
  for (size_t i = 0; i < N_ELEMENTS(evs); i++) {
    json_t *ev = json_loads(evs[i].json, 0, NULL);
    ok(event_changes_answers(ev, ids, 2) == evs[i].matters, "%s %s", evs[i].json,
       evs[i].matters ? "starts a pass" : "does not");
    json_decref(ev);
  }
  json_t *ev = json_loads("{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":\"cc\"}}",
                          0, NULL);
  ok(event_changes_answers(ev, ids, 0), "with the target's networks unknown, any connect counts");
  json_decref(ev);
  return tap_done();
}
