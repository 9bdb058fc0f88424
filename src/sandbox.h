/* SPDX-License-Identifier: MIT */
/* The resolver child's confinement, beyond what privileges.h drops: an
 * empty root of its own, and a seccomp allow-list of the system calls
 * c-ares, glibc and the child's own code make once it is set up.
 *
 * The --check child gets neither: it resolves with glibc's getaddrinfo,
 * as the user's programs will, and so needs the host's nsswitch.conf,
 * resolv.conf, hosts, HOSTALIASES file and the NSS modules glibc loads
 * (whose system calls are not ours to list). */
#pragma once

#include <stdbool.h>

/* In the parent, before the child is forked (as root): the child's empty
 * root, a read-only tmpfs attached nowhere (fsopen, fsmount: Linux 5.2)
 * holding only dev/urandom (the device, 1:9: c-ares 1.18 reads it for its
 * query IDs when a channel is made, and falls back to rand() without it)
 * and an empty regular dev/null (the resolv.conf and hosts path c-ares is
 * given); the root and dev 0755, dev/null 0444, whatever the umask. Its
 * descriptor (close-on-exec). No mount namespace is copied for it
 * (unshare(CLONE_NEWNS) copies every mount of the host's: 0.15 to 0.4 ms
 * with 210 mounts, more with more containers), and no path of the host's
 * is mounted on. The parent closes its descriptor while the child works:
 * the last close of a tree attached nowhere dissolves it, which waits for
 * an RCU grace period (about 0.09 ms). -1, with nothing said, where it
 * cannot be made: an older kernel, CAP_MKNOD not in the bounding set (the
 * units' CapabilityBoundingSet=), no capability in the initial user
 * namespace (a rootless owner running hostalias), a service manager's
 * SystemCallFilter= with SystemCallErrorNumber=EPERM (as the units have;
 * without it, systemd kills the process that makes a call not listed, and
 * this runs in the long-lived parent). */
int sandbox_make_empty_root(void);

/* In a child that holds the capabilities (root, or a user namespace it
 * joined), after entering the network namespace: chroot into ROOT_FD (from
 * sandbox_make_empty_root, closed here), else, when ROOT_FD is -1 or
 * cannot be entered, the same root made here, in a mount namespace of its
 * own (MS_SLAVE: the host's unmounts still reach it) with the tmpfs on
 * /tmp; cwd its root. The child's umask is set to 0 here.
 * PRIVILEGED false: the caller holds no capability (a user without root
 * whose target needs none): then nothing is done, and true. False, with a
 * message, on failure. */
bool sandbox_enter_empty_root(int root_fd, bool privileged);

/* The way this process's empty root was made (SANDBOX_ROOT_DETACHED, the
 * parent's; SANDBOX_ROOT_NAMESPACE, its own), or SANDBOX_ROOT_NONE. */
enum sandbox_root { SANDBOX_ROOT_NONE, SANDBOX_ROOT_DETACHED, SANDBOX_ROOT_NAMESPACE };
enum sandbox_root sandbox_empty_root_way(void);

/* After privileges are dropped, in a child that entered the empty root:
 * whether /dev/urandom can be read there as the child (checked as the
 * child, not as root, which every mode lets through). True when no empty
 * root was entered; false, with a message, when it cannot be read. */
bool sandbox_check_urandom(void);

/* Installs the resolver's seccomp allow-list (default: kill the process,
 * SIGSYS): true with nothing done when built without libseccomp, or under
 * valgrind (whose own system calls the filter would kill; detected with
 * RUNNING_ON_VALGRIND, which only valgrind's CPU answers). False, with a
 * message, when it cannot be installed. Sets no_new_privs. */
bool sandbox_seccomp_install(void);

/* The same for the front of --serve (serve_config's front_filter): the
 * sockets it is given, its poll loop and messages; no socket, open, bind,
 * connect or ioctl of its own. */
bool sandbox_seccomp_install_front(void);

/* Whether the filter is built in: "seccomp" or "no seccomp" (for -V). */
const char *sandbox_seccomp_built(void);

/* Whether sandbox_seccomp_install would install the filter here (built in,
 * not under valgrind). For the tests. */
bool sandbox_seccomp_active(void);
