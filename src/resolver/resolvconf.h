/* SPDX-License-Identifier: MIT */
/* A bounded parser for the container's resolv.conf. The container controls
 * this file, so it is never handed to c-ares (whose own parser had CVEs):
 * only the keywords glibc honours and hostalias needs are read, within the
 * limits glibc applies. */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "names.h"

#define RESOLV_MAX_NAMESERVERS 3 /* glibc's MAXNS */
#define RESOLV_MAX_SEARCH 6
#define RESOLV_FILE_MAX (64 * 1024)
#define RESOLV_NDOTS_MAX 15
#define RESOLV_TIMEOUT_MAX 30
#define RESOLV_ATTEMPTS_MAX 5

struct nameserver {
  struct address addr;
  uint16_t port;
  char scope[IF_NAMESIZE]; /* IPv6 link-local zone, "" when none */
};

struct resolv_conf {
  struct nameserver servers[RESOLV_MAX_NAMESERVERS];
  size_t nservers;
  char search[RESOLV_MAX_SEARCH][NAME_MAX_LEN + 1];
  size_t nsearch;
  int ndots;    /* -1 when the file does not say */
  int timeout;  /* seconds, -1 when unset */
  int attempts; /* -1 when unset */
};

void resolv_conf_init(struct resolv_conf *rc);

/* Parses BUF (LEN bytes, any content). Lines it ignores are summed up in
 * warnings that name SOURCE. */
void resolv_conf_parse(struct resolv_conf *rc, const char *buf, size_t len, const char *source);

/* Parses a --server argument: ADDR, ADDR:PORT, [ADDR6]:PORT or ADDR6%SCOPE. */
bool nameserver_parse(const char *text, struct nameserver *out);
