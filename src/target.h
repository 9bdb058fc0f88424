/* SPDX-License-Identifier: MIT */
/* The privileged half of finding a target: a handle on its network
 * namespace and the bytes of its resolv.conf and hosts file, read without
 * ever leaving its root. Nothing here parses what it reads. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "target_file.h"
#include "util.h"

struct target {
  char label[160]; /* "container web (pid 1234)", "netns /run/netns/x" */
  pid_t pid;       /* 0 when given as --netns */
  int pidfd;       /* -1 when the kernel has no pidfd_open or for --netns */
  int netns_fd;    /* /proc/PID/ns/net or the --netns file */
  struct target_file resolv_conf;
  struct target_file hosts;
  bool not_the_container; /* a failed open: the PID is not the container's */
};

/* An empty target, safe to target_close(). */
void target_init(struct target *t);

/* Open by process ID. Reports its own errors; false means "not enterable".
 * With CONTAINER_ID (the full 64-hex ID the engine gave for the PID), the
 * process must be that container: its /proc/PID/cgroup must name the ID
 * (checked while the pidfd shows the PID was not recycled); else false,
 * with T->not_the_container set. */
bool target_open_pid(struct target *t, pid_t pid, const char *label, const char *container_id);

/* Whether the /proc/PID/cgroup text DATA (LEN bytes) places the process in
 * the cgroup of container ID (64 hex digits): a path component that is the
 * ID (Docker's cgroupfs driver: /docker/ID), or ends in -ID or -ID.scope
 * (docker-ID.scope, libpod-ID.scope, cri-containerd-ID.scope; never
 * libpod-conmon-ID.scope, Podman's monitor, which is outside the
 * container). Exposed for the tests. */
bool cgroup_names_container(const char *data, size_t len, const char *id);

/* Where an engine makes a container no cgroup of its own (a rootless engine
 * on cgroup v1): whether the container's /run/.containerenv (Podman:
 * id="ID") or /etc/hostname (Docker's default: the 12-digit short ID)
 * names container ID. Either may be NULL. Exposed for the tests. */
bool container_files_name(const char *containerenv, size_t clen, const char *hostname, size_t hlen,
                          const char *id);
/* Open a network namespace file such as /run/netns/NAME. */
bool target_open_netns(struct target *t, const char *path);
/* Frees what T holds and leaves it empty; safe after a failed open. */
void target_close(struct target *t);
DEFINE_CLEANUP_FUNC(struct target, target_close)
#define _cleanup_target_ __attribute__((cleanup(target_closep)))

/* Enters the target's network namespace in the calling thread, through the
 * namespace descriptor that was opened and checked (never the pidfd: the
 * process may have moved to another namespace since). A caller who is
 * not root and owns the user namespace the network namespace belongs to (a
 * rootless container) joins that first: *JOINED_USERNS says so. The
 * process must be single-threaded. */
bool target_enter_netns(const struct target *t, bool *joined_userns);

/* Joins the user namespace T's network namespace belongs to, when the
 * caller owns it and is not in it already (a rootless container of the
 * caller's): false, without a message, when not; with one when the join
 * itself fails. The process must be single-threaded. */
bool target_join_owned_userns(const struct target *t);

/* Reads at most MAX bytes of the regular file REL under DIRFD, resolving
 * every symlink as if DIRFD were "/" (openat2 RESOLVE_IN_ROOT). Anything that
 * is not a regular file is refused with a warning, never opened for reading.
 * Exposed for the tests. */
void read_file_in_root(int dirfd, const char *rel, size_t max, struct target_file *out);

/* The fallback walk read_file_in_root uses where openat2 is missing: an
 * O_PATH descriptor for REL resolved inside DIRFD, or -1 with errno. */
int open_in_root_walk(int dirfd, const char *rel);
