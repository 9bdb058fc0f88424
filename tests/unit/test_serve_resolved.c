/* SPDX-License-Identifier: MIT */
/* --serve --resolved, what needs no resolved: which addresses the link may
 * have, resolvectl's arguments, and where resolvectl is looked for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve_resolved.h"
#include "tap.h"

static const char *problem(const char *text) {
  struct address a;
  if (!address_parse(text, &a))
    return "(unparsed)";
  return serve_resolved_address_problem(&a);
}

static const char *server(const char *text, uint16_t port) {
  static char out[SERVE_RESOLVED_ARG_MAX];
  struct address a;
  if (!address_parse(text, &a))
    return "(unparsed)";
  serve_resolved_server_arg(&a, port, out);
  return out;
}

static void test_addresses(void) {
  ok(problem("127.0.0.153") == NULL, "127.0.0.153, the default: usable");
  ok(problem("192.0.2.1") == NULL && problem("fd00::53") == NULL, "other addresses: usable");
  const char *p = problem("0.0.0.0");
  ok(p && strstr(p, "unspecified"), "0.0.0.0: refused (%s)", p ? p : "");
  p = problem("::");
  ok(p && strstr(p, "unspecified"), ":: refused (%s)", p ? p : "");
  p = problem("::1");
  ok(p && strstr(p, "host scope"), "::1 refused (%s)", p ? p : "");
}

static void test_arguments(void) {
  is_str(server("127.0.0.153", 53), "127.0.0.153", "port 53: the address alone");
  is_str(server("127.0.0.153", 5353), "127.0.0.153:5353", "another port: ADDR:PORT");
  is_str(server("fd00::53", 53), "fd00::53", "IPv6 on port 53: the address alone");
  is_str(server("fd00::53", 5353), "[fd00::53]:5353", "IPv6 on another port: [ADDR]:PORT");
  char d[300];
  ok(serve_resolved_domain_arg("hostalias.internal", d, sizeof d), "the domain fits");
  is_str(d, "~hostalias.internal", "a routing-only domain: ~DOMAIN");
  ok(serve_resolved_domain_arg("Dev.Example.", d, sizeof d), "a domain with its final dot");
  is_str(d, "~Dev.Example", "... written without it");
  ok(!serve_resolved_domain_arg("hostalias.internal", d, 10), "too long for the buffer: false");
}

static void test_find(void) {
  char dir[] = "/tmp/test_serve_resolved.XXXXXX";
  if (!mkdtemp(dir)) {
    skip("no temporary directory");
    return;
  }
  char exe[64], plain[64], sub[64];
  snprintf(exe, sizeof exe, "%s/exe", dir);
  snprintf(plain, sizeof plain, "%s/plain", dir);
  snprintf(sub, sizeof sub, "%s/dir", dir);
  FILE *f = fopen(exe, "w");
  if (f)
    fclose(f);
  chmod(exe, 0755);
  f = fopen(plain, "w");
  if (f)
    fclose(f);
  chmod(plain, 0644);
  mkdir(sub, 0755);
  const char *none[] = {"/nonexistent/resolvectl", NULL};
  ok(serve_resolved_find(none) == NULL, "nothing there: NULL");
  const char *skip_some[] = {"/nonexistent/resolvectl", sub, exe, NULL};
  is_str(serve_resolved_find(skip_some), exe, "a directory is skipped: the executable file found");
  /* Root may execute a file with no x bit only when some x bit is set. */
  const char *not_exec[] = {plain, NULL};
  ok(serve_resolved_find(not_exec) == NULL, "a file no one may execute: not taken");
  const char *order[] = {exe, "/bin/sh", NULL};
  is_str(serve_resolved_find(order), exe, "the first of the list wins");
  ok(!strcmp(serve_resolved_paths[0], "/usr/bin/resolvectl") && serve_resolved_paths[4] == NULL,
     "the fixed list: /usr/bin/resolvectl first, four places");
  for (size_t i = 0; serve_resolved_paths[i]; i++)
    ok(serve_resolved_paths[i][0] == '/', "%s: an absolute path", serve_resolved_paths[i]);
  unlink(exe);
  unlink(plain);
  rmdir(sub);
  rmdir(dir);
}

int main(void) {
  test_addresses();
  test_arguments();
  test_find();
  return tap_done();
}
