/* Privilege separation. The privileged parent has already found the target
 * and read its files; it forks a child that enters the target's network
 * namespace, drops every privilege (uid nobody, no capabilities, empty
 * bounding set, no_new_privs), parses the container's files, asks its DNS
 * server, and sends back fixed-form results over a pipe. The parent checks
 * every record before it believes it, and alone writes the output. So the
 * code that handles container-controlled DNS answers runs with nothing to
 * lose, and cannot touch the output file. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "names.h"
#include "resolve.h"
#include "target.h"

struct resolve_request {
  struct resolver_config cfg; /* timeout_ms, tries < 0: use the container's or defaults */
  bool server_override;       /* cfg.rc.servers came from --server */
};

#define DEFAULT_TIMEOUT_MS 1000
#define DEFAULT_TRIES 2
#define FALLBACK_NAMESERVER "127.0.0.11"

/* Completes REQ from the container's resolv.conf text (servers, search,
 * ndots, timeout, attempts), as the child does. Exposed for the tests. */
void resolve_request_finish(struct resolve_request *req, const struct target_file *resolv_conf);

/* Serializes RESULTS (N of them) into a freshly allocated buffer, and parses
 * it back with every check the parent applies. Exposed for the fuzzers. */
char *results_encode(const struct name_result *results, size_t n, size_t *len);

/* The parent's side, incremental: feed what the pipe gave; complete records
 * are checked and applied, the unused tail is left for the next call. */
struct results_decoder {
  size_t n; /* names expected */
  unsigned families;
  bool keep_all;
  struct name_result *results;
  size_t seen;
  bool done, bad;
};
/* Returns the bytes consumed from BUF. */
size_t results_decode_some(struct results_decoder *d, const char *buf, size_t len);
/* Whole-buffer form: true when BUF is exactly a valid, complete message. */
bool results_decode(const char *buf, size_t len, size_t n, unsigned families, bool keep_all,
                    struct name_result *results);

/* Runs the resolving pass in an unprivileged child inside T's network
 * namespace. Returns 0 with RESULTS complete, else an exit status. */
int resolve_in_target(const struct target *t, struct resolve_request *req,
                      const struct name_list *names, struct name_result *results);
