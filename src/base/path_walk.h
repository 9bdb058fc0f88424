/* SPDX-License-Identifier: MIT */
/* One walk of a path, a component at a time, for the two places hostalias
 * follows a path it does not trust: a file inside a container's root (the
 * walk must never leave that root, whatever the container does meanwhile),
 * and the -o directory on the host (symlinks are followed only when their
 * owner is trusted). Every step is an O_PATH|O_NOFOLLOW openat relative to
 * a descriptor held; symlinks are read and spliced here as text, so magic
 * links are never followed; the policy is an argument. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct path_walk_policy {
  /* CONFINED: ROOT is the walk's "/" (absolute paths and symlinks restart
   * there), and ".." pops the walk's own stack of descriptors, so nothing
   * leads out of it. Else the host's "/" and the working directory, and
   * ".." is the kernel's. */
  bool confined;
  int root;      /* CONFINED: the directory that is "/" (the caller's) */
  bool want_dir; /* the last component must be a directory */
  bool any_link; /* follow every symlink; else only root's and LINK_OWNER's */
  uid_t link_owner;
};

enum path_walk_failure {
  PATH_WALK_ERRNO,      /* an open or fstat failed: ERRNO says why */
  PATH_WALK_TOO_LONG,   /* the path, a component, or a splice is too long */
  PATH_WALK_LOOP,       /* too many symlinks, or too deep */
  PATH_WALK_LINK_OWNER, /* a symlink owned by OWNER, whom the policy does not trust */
  PATH_WALK_NOT_DIR,    /* a component that must be a directory is not */
};

struct path_walk_error {
  enum path_walk_failure failure;
  int err;       /* errno, for PATH_WALK_ERRNO */
  uid_t owner;   /* PATH_WALK_LINK_OWNER */
  char at[4096]; /* the path up to the failing component, as walked (after splices) */
};

/* Opens PATH under POLICY: an O_PATH descriptor, or -1 with errno set and,
 * when ERR is not NULL, what failed and where. */
int path_walk_open(const struct path_walk_policy *policy, const char *path,
                   struct path_walk_error *err);
