/* SPDX-License-Identifier: MIT */
/* An IPv4 or IPv6 address as hostalias carries it between its parts. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct address {
  uint8_t family; /* 4 or 6 */
  uint8_t bytes[16];
};

/* Room for the longest text form, IPv6 included. */
#define ADDRESS_TEXT_MAX 46

/* Total order: IPv4 before IPv6, then by bytes. Used to pick the one address
 * of a name with several, so output is stable across runs. */
int address_compare(const struct address *a, const struct address *b);
bool address_parse(const char *text, struct address *out);
void address_format(const struct address *a, char out[ADDRESS_TEXT_MAX]);

/* From a socket address of LEN bytes (AF_INET or AF_INET6, whole); false for
 * any other family or a short one. */
bool address_from_sockaddr(const struct sockaddr *sa, size_t len, struct address *out);
/* A's socket address with PORT into SS; returns its length. */
socklen_t address_to_sockaddr(const struct address *a, uint16_t port, struct sockaddr_storage *ss);
