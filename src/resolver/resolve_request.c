/* SPDX-License-Identifier: MIT */
#include "resolve_request.h"

#include <string.h>

#include "util.h"

void resolve_request_init(struct resolve_request *req) {
  memset(req, 0, sizeof *req);
  req->cfg.timeout_ms = -1;
  req->cfg.tries = -1;
  req->cfg.deadline_ms = DEFAULT_DEADLINE_MS;
  req->cfg.concurrency = DEFAULT_CONCURRENCY;
  req->cfg.families = FAMILY_V4;
  resolv_conf_init(&req->cfg.rc);
}

void resolve_request_finish(struct resolve_request *req, const struct target_file *f) {
  struct resolv_conf file;
  resolv_conf_init(&file);
  if (f->present)
    resolv_conf_parse(&file, f->data, f->len, f->source);
  struct resolver_config *cfg = &req->cfg;
  if (!req->server_override) {
    memcpy(cfg->rc.servers, file.servers, sizeof file.servers);
    cfg->rc.nservers = file.nservers;
    if (cfg->rc.nservers == 0) {
      log_warn("%s: no usable nameserver; using %s (Docker's embedded DNS)", f->source,
               FALLBACK_NAMESERVER);
      nameserver_parse(FALLBACK_NAMESERVER, &cfg->rc.servers[0]);
      cfg->rc.nservers = 1;
    }
  }
  memcpy(cfg->rc.search, file.search, sizeof file.search);
  cfg->rc.nsearch = file.nsearch;
  cfg->rc.ndots = file.ndots;
  if (cfg->timeout_ms < 0)
    cfg->timeout_ms = file.timeout > 0 ? file.timeout * 1000 : DEFAULT_TIMEOUT_MS;
  if (cfg->tries < 0)
    cfg->tries = file.attempts > 0 ? file.attempts : DEFAULT_TRIES;
}
