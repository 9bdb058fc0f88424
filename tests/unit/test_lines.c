/* SPDX-License-Identifier: MIT */
/* lines.c: every keep/drop rule for the previous FILE's lines (the
 * README's "-o FILE"), driven through lines_build with made-up answers,
 * and the one-line report of a change. */
#include <stdio.h>
#include <unistd.h>

#include "lines.h"
#include "tap.h"

static struct format_config fmt;
static struct name_list names;
static struct name_result *res; /* 16 of them; name_results_free frees the array */
static char err[4096];

static void reset(void) {
  if (res)
    name_results_free(res, names.count);
  res = xcalloc(16, sizeof *res);
  name_list_free(&names);
  name_list_init(&names);
}

/* Name NAME, answered STATUS (and ADDR when resolved). */
static void answer(const char *name, enum name_status status, const char *addr) {
  name_list_add(&names, name, strlen(name), "test", 0);
  struct name_result *r = &res[names.count - 1];
  r->status = (uint8_t)status;
  struct address a;
  if (addr && address_parse(addr, &a))
    name_result_add(r, &a, true);
}

static struct lines_counts c;
static struct strbuf out;

/* lines_build over the answers so far, with PREVIOUS as the old FILE. */
static const char *build(const char *previous) {
  strbuf_free(&out);
  struct lines_in in = {.fmt = &fmt,
                        .names = &names,
                        .results = res,
                        .previous = previous,
                        .previous_len = previous ? strlen(previous) : 0,
                        .file = "web.alias"};
  struct stderr_capture cap;
  stderr_capture_begin(&cap);
  lines_build(&in, &out, &c);
  stderr_capture_end(&cap, err, sizeof err);
  return out.data ? out.data : "";
}

int main(void) {
  name_list_init(&names);
  format_set_provider(&fmt, "traefik.me");

  /* Answers become lines; no previous FILE. */
  reset();
  answer("db", NAME_RESOLVED, "10.0.0.2");
  answer("api", NAME_RESOLVED, "10.0.0.3");
  is_str(build(NULL), "db 10.0.0.2.traefik.me\napi 10.0.0.3.traefik.me\n", "one line a name");
  ok(c.resolved == 2 && c.failed == 0 && c.dns_answered == 2, "2 resolved, 2 answered");

  const char *prev = "db 10.0.0.2.traefik.me\napi 10.0.0.3.traefik.me\n";

  /* NXDOMAIN and NODATA are answers: the previous line goes. */
  reset();
  answer("db", NAME_NXDOMAIN, NULL);
  answer("api", NAME_NODATA, NULL);
  is_str(build(prev), "", "NXDOMAIN and NODATA drop their previous lines");
  ok(c.dropped == 2 && c.stale == 0 && c.failed == 2, "2 dropped");
  ok(strstr(err, "db: ") && strstr(err, "its previous line in web.alias is dropped"),
     "said: the previous line is dropped");

  /* Other failures keep a line that can still be right, stale. */
  static const enum name_status keeping[] = {NAME_TIMEOUT,     NAME_SERVFAIL, NAME_REFUSED,
                                             NAME_UNREACHABLE, NAME_BADRESP,  NAME_FAILED};
  for (size_t i = 0; i < N_ELEMENTS(keeping); i++) {
    reset();
    answer("db", keeping[i], NULL);
    answer("api", NAME_RESOLVED, "10.0.0.3");
    is_str(build(prev), prev, "%s keeps the previous line, in the names' order",
           name_status_text(keeping[i]));
    ok(c.stale == 1 && c.failed == 1 && c.resolved == 1 && strstr(err, "(stale)"),
       "... counted stale, and said");
  }

  /* ... unless another name answers at its address now. */
  reset();
  answer("db", NAME_TIMEOUT, NULL);
  answer("api", NAME_RESOLVED, "10.0.0.2");
  is_str(build(prev), "api 10.0.0.2.traefik.me\n",
         "a stale line pointing at an address another name now has is dropped");
  ok(c.dropped == 1 && strstr(err, "points at 10.0.0.2, which now answers for api"),
     "... and the message names who has it");

  /* ... or it does not say which address it points at. */
  reset();
  answer("db", NAME_TIMEOUT, NULL);
  is_str(build("db web.traefik.me\n"), "", "a line with no address in it is dropped");
  ok(c.dropped == 1 && strstr(err, "does not say which address it points at"), "... said why");

  /* ... or it points into another domain (written with another -p). */
  reset();
  answer("db", NAME_TIMEOUT, NULL);
  is_str(build("db 10.0.0.2.sslip.io\n"), "", "another provider's line is dropped");
  ok(c.dropped == 1 && strstr(err, "points outside traefik.me"), "... said why");

  /* A failure with no previous line is only reported. */
  reset();
  answer("cache", NAME_TIMEOUT, NULL);
  answer("db", NAME_RESOLVED, "10.0.0.2");
  is_str(build(prev), "db 10.0.0.2.traefik.me\n", "no previous line: nothing kept");
  ok(c.failed == 1 && c.stale == 0 && c.dropped == 0 && strstr(err, "cache: "),
     "counted failed, neither stale nor dropped");
  ok(c.dns_unreachable == 1 && c.dns_answered == 1, "a timeout is not an answer");

  /* Names of the previous FILE this pass does not ask are not carried. */
  reset();
  answer("api", NAME_RESOLVED, "10.0.0.3");
  is_str(build("old 10.0.0.9.traefik.me\napi 10.0.0.3.traefik.me\n"), "api 10.0.0.3.traefik.me\n",
         "a name no longer asked leaves the file");

  /* The first of two lines for a name counts; a last line without '\n'. */
  reset();
  answer("db", NAME_TIMEOUT, NULL);
  is_str(build("db 10.0.0.7.traefik.me\ndb 10.0.0.8.traefik.me"), "db 10.0.0.7.traefik.me\n",
         "the first line of a name is kept, with its newline");

  /* Dotted names are never alias lines, and are not failures. */
  reset();
  answer("db.internal", NAME_RESOLVED, "10.0.0.5");
  is_str(build(NULL), "", "a dotted name gets no alias line");
  ok(c.failed == 0 && c.resolved == 0, "... and is not counted failed");

  /* Answers from the container's /etc/hosts are not the DNS server's. */
  reset();
  answer("db", NAME_RESOLVED, "10.0.0.2");
  res[0].from_hosts = true;
  build(NULL);
  ok(c.dns_answered == 0 && c.resolved == 1, "an /etc/hosts answer does not count as DNS");

  /* A hosts-format file: the same rules. */
  fmt.format = FORMAT_HOSTS;
  reset();
  answer("db", NAME_TIMEOUT, NULL);
  answer("api", NAME_RESOLVED, "10.0.0.3");
  is_str(build("10.0.0.2 db\n10.0.0.3 api\n"), "10.0.0.2 db\n10.0.0.3 api\n",
         "hosts format: a timeout keeps the line");
  reset();
  answer("db", NAME_NXDOMAIN, NULL);
  is_str(build("10.0.0.2 db\n"), "", "hosts format: NXDOMAIN drops it");

  /* JSON lines carry --check's verdict. */
  fmt.format = FORMAT_JSON;
  reset();
  answer("db", NAME_RESOLVED, "10.0.0.2");
  const char *verdicts[] = {"no answer"};
  struct lines_in in = {.fmt = &fmt, .names = &names, .results = res, .verdicts = verdicts};
  strbuf_free(&out);
  lines_build(&in, &out, &c);
  ok(out.data && strstr(out.data, "\"check\":\"no answer\""), "a JSON line carries the verdict");
  fmt.format = FORMAT_ALIAS;

  /* The change report: one line, every name that came, went or moved. */
  const char *old = "db 10.0.0.2.traefik.me\napi 10.0.0.3.traefik.me\nold 10.0.0.9.traefik.me\n";
  const char *new = "db 10.0.0.5.traefik.me\napi 10.0.0.3.traefik.me\nnew 10.0.0.6.traefik.me\n";
  struct stderr_capture cap;
  stderr_capture_begin(&cap);
  lines_report_change(&fmt, "web.alias", old, strlen(old), new, strlen(new));
  stderr_capture_end(&cap, err, sizeof err);
  is_str(err,
         "hostalias: web.alias: db 10.0.0.2 -> 10.0.0.5; old removed (10.0.0.9); new added "
         "(10.0.0.6)\n",
         "the change in one line");
  stderr_capture_begin(&cap);
  lines_report_change(&fmt, "web.alias", NULL, 0, new, strlen(new));
  stderr_capture_end(&cap, err, sizeof err);
  ok(strstr(err, "db added (10.0.0.5); api added (10.0.0.3); new added (10.0.0.6)"),
     "a new file: every name added");

  name_results_free(res, names.count);
  name_list_free(&names);
  strbuf_free(&out);
  return tap_done();
}
