/* SPDX-License-Identifier: MIT */
/* --serve --resolved: DOMAIN routed to the bridge by systemd-resolved, as a
 * routing-only domain on a link of the bridge's own (as Tailscale does for
 * its link), for as long as the bridge runs.
 *
 * The link is a tun device that is not persistent: the privileged half
 * holds its only descriptor, so when that process ends, however it ends
 * (SIGKILL too), the kernel deletes the link and resolved forgets
 * everything it was told about it. resolved uses a link only when it is
 * up, has a carrier (a tun has one while its descriptor is open) and an
 * address of global scope: the link gets the bridge's own address, /32 or
 * /128, which collides with nothing (a loopback server resolved asks
 * through lo, whichever link has it; another address, the link's own, has
 * its local route on the link, where resolved binds its queries; checked
 * with 127.0.0.153 only). resolved is told through resolvectl (its D-Bus
 * API): the link's DNS server, its domain ~DOMAIN, default-route no; at a
 * clean stop, resolvectl revert. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"

/* The kernel names the link: the first hostalias0, hostalias1... free. */
#define SERVE_RESOLVED_LINK "hostalias%d"
#define SERVE_RESOLVED_ARG_MAX 64 /* "[ADDR6]:PORT" */

/* Where resolvectl is looked for, in order: nowhere else (never PATH). */
extern const char *const serve_resolved_paths[];

struct serve_resolved {
  int tun;       /* -1: nothing set up */
  char link[16]; /* IFNAMSIZ */
  const char *resolvectl;
};

/* Why A cannot be the link's DNS server (and address), or NULL: the
 * unspecified address, and IPv6 loopback (::1 has host scope on any link,
 * and resolved ignores a link with no address of wider scope). */
const char *serve_resolved_address_problem(const struct address *a);

/* resolvectl dns's argument: ADDR on port 53, else ADDR:PORT or
 * [ADDR6]:PORT. */
void serve_resolved_server_arg(const struct address *a, uint16_t port,
                               char out[SERVE_RESOLVED_ARG_MAX]);

/* resolvectl domain's argument: ~DOMAIN, without DOMAIN's final dot.
 * False when it does not fit SIZE. */
bool serve_resolved_domain_arg(const char *domain, char *out, size_t size);

/* The first of PATHS (NULL-terminated) that is an executable regular
 * file, or NULL. */
const char *serve_resolved_find(const char *const *paths);

/* Makes the link, gives it A, and tells resolved: A (on PORT) the link's
 * DNS server, ~DOMAIN its domain, default-route no. False after a message
 * naming what failed, with nothing left behind. In the privileged half,
 * after the front is started (it never gets the link's descriptor). */
bool serve_resolved_start(struct serve_resolved *r, const char *domain, const struct address *a,
                          uint16_t port);

/* resolvectl revert, then the link closed (the kernel deletes it). Does
 * nothing when nothing was set up. */
void serve_resolved_stop(struct serve_resolved *r);

/* In a child forked by the privileged half: closes the link's descriptor,
 * which the child has no use for. */
void serve_resolved_close_in_child(void);
