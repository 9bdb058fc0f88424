/* SPDX-License-Identifier: MIT */
/* watch.c: which engine events start a pass, and which do not. */
#include <jansson.h>
#include <stdbool.h>

#include "tap.h"
#include "util.h"
#include "watch.h"

int main(void) {
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
    ok(watch_event_matters(ev, ids, 2) == evs[i].matters, "%s %s", evs[i].json,
       evs[i].matters ? "starts a pass" : "does not");
    json_decref(ev);
  }
  json_t *ev = json_loads("{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":\"cc\"}}",
                          0, NULL);
  ok(watch_event_matters(ev, ids, 0), "with the target's networks unknown, any connect counts");
  json_decref(ev);
  return tap_done();
}
