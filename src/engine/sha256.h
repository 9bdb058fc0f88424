/* SPDX-License-Identifier: MIT */
/* SHA-256 (FIPS 180-4), for one job: the docker CLI names a context's
 * directory by the SHA-256 of the context's name. Not for secrets. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Writes the digest of DATA as 64 lowercase hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char out[65]);
