/* SPDX-License-Identifier: MIT */
/* The resolver policy: the container's resolv.conf completes what the
 * options left open, and --server, --timeout and --tries win over it. */
#include <string.h>

#include "resolve_request.h"
#include "tap.h"
#include "util.h"

static struct target_file file(const char *text) {
  struct target_file f;
  memset(&f, 0, sizeof f);
  f.present = text != NULL;
  f.data = (char *)text;
  f.len = text ? strlen(text) : 0;
  strcpy(f.source, "test resolv.conf");
  return f;
}

int main(void) {
  struct resolve_request req;
  resolve_request_init(&req);
  struct target_file f = file("nameserver 10.0.0.1\nsearch a.example b.example\n"
                              "options ndots:2 timeout:3 attempts:4\n");
  resolve_request_finish(&req, &f);
  char a[ADDRESS_TEXT_MAX];
  address_format(&req.cfg.rc.servers[0].addr, a);
  ok(req.cfg.rc.nservers == 1 && !strcmp(a, "10.0.0.1") && req.cfg.rc.servers[0].port == 53,
     "the container's nameserver");
  ok(req.cfg.rc.nsearch == 2 && !strcmp(req.cfg.rc.search[1], "b.example") && req.cfg.rc.ndots == 2,
     "its search list and ndots");
  ok(req.cfg.timeout_ms == 3000 && req.cfg.tries == 4, "its timeout and attempts, when not given");

  resolve_request_init(&req);
  req.cfg.timeout_ms = 500;
  req.cfg.tries = 1;
  ok(nameserver_parse("192.0.2.9:5300", &req.cfg.rc.servers[0]), "a --server");
  req.cfg.rc.nservers = 1;
  req.server_override = true;
  resolve_request_finish(&req, &f);
  address_format(&req.cfg.rc.servers[0].addr, a);
  ok(req.cfg.rc.nservers == 1 && !strcmp(a, "192.0.2.9") && req.cfg.rc.servers[0].port == 5300,
     "--server wins over the file's nameservers");
  ok(req.cfg.timeout_ms == 500 && req.cfg.tries == 1, "--timeout and --tries win over options");

  resolve_request_init(&req);
  struct target_file none = file(NULL);
  VERBOSITY_SCOPE(VERBOSITY_SILENT);
  resolve_request_finish(&req, &none);
  address_format(&req.cfg.rc.servers[0].addr, a);
  ok(req.cfg.rc.nservers == 1 && !strcmp(a, FALLBACK_NAMESERVER) &&
         req.cfg.timeout_ms == DEFAULT_TIMEOUT_MS && req.cfg.tries == DEFAULT_TRIES,
     "no file: Docker's embedded DNS and the defaults");
  return tap_done();
}
