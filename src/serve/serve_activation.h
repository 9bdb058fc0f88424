/* SPDX-License-Identifier: MIT */
/* Socket activation for --serve: the sockets a service manager passed
 * (systemd's LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES, sd_listen_fds(3)),
 * each checked before it is used. No privilege needed: it only reads the
 * environment and asks the descriptors what they are. */
#pragma once

#include <stddef.h>

#define SERVE_ACTIVATION_FIRST_FD 3 /* SD_LISTEN_FDS_START */
#define SERVE_ACTIVATION_MAX 16
#define SERVE_ACTIVATION_NAME_MAX 255 /* systemd's FileDescriptorName= bound */

struct serve_socket {
  int fd;
  int type;                                 /* SOCK_DGRAM, or SOCK_STREAM listening */
  int family;                               /* AF_INET or AF_INET6 */
  char name[SERVE_ACTIVATION_NAME_MAX + 1]; /* from LISTEN_FDNAMES, or "" */
};

/* Takes the sockets passed to this process: LISTEN_PID must be ours (else
 * none were passed), LISTEN_FDS at most MAX (and SERVE_ACTIVATION_MAX),
 * the descriptors from 3 on, each a bound UDP socket or a listening TCP
 * socket, IPv4 or IPv6; LISTEN_FDNAMES, when set, one valid name for each.
 * Whatever it finds, the three variables are unset; the sockets taken are
 * made close-on-exec and non-blocking. Returns how many (0: none passed),
 * or -1 after saying which descriptor or variable is wrong and why (the
 * descriptors passed are then closed). */
int serve_activation_take(struct serve_socket *out, size_t max);
