/* SPDX-License-Identifier: MIT */
/* Privilege, in one place: who hostalias acts for (the invoking user),
 * borrowing that user's rights for a moment, becoming a user for good, and
 * giving up everything in the process that talks to the container's DNS
 * server.
 *
 * The security model: run by root through sudo (SUDO_UID set and not 0),
 * hostalias lets the invoking user do what they could do on their own, plus
 * enter the target's network namespace and see its resolver configuration.
 * Nothing more. */
#pragma once

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

/* The user hostalias acts for. Under sudo: SUDO_UID, with SUDO_GID (else
 * that user's primary group); otherwise the real user. */
struct invoker {
  uid_t uid;
  gid_t gid;
  bool sudo;       /* root, run through sudo by a user who is not root */
  bool has_passwd; /* name and home below are from the passwd entry (looked
                      up under sudo only: false otherwise) */
  char name[256];
  char home[1024];
};

/* Works the invoking user out from the ids and the environment (main()
 * calls it once, first; the tests again after changing SUDO_*). False,
 * with a message, when SUDO_UID or SUDO_GID is set but not an id: then who
 * asked is unknown, and nothing is done for them. */
bool invoker_init(void);
/* The invoking user (worked out on first use when invoker_init() was not
 * called). Its passwd entry (has_passwd, name, home) is looked up under
 * sudo only; for the real user, call invoker_fill_passwd where it is
 * needed. */
const struct invoker *invoker(void);
/* True under sudo (see struct invoker). */
bool under_sudo(void);

/* The passwd entry of UID: name and home into W (has_passwd false, name and
 * home empty, when there is none). Exposed for the tests. */
void invoker_fill_passwd(struct invoker *w);

/* Borrowing the invoking user's rights: under sudo, the effective uid, gid
 * and groups become the user's until invoker_rights_end, so that what the
 * user names (a config file, a socket, a namespace file) is opened as they
 * would open it; the saved uid stays 0, so the change can be undone, and no
 * process of the user's may signal or trace us meanwhile (real and saved
 * ids are root's). Elsewhere nothing changes. */
struct invoker_rights {
  bool active;
  int ngroups;
  gid_t *groups; /* root's supplementary groups, to restore */
};
bool invoker_rights_begin(struct invoker_rights *r);
void invoker_rights_end(struct invoker_rights *r);
static inline void invoker_rights_endp(struct invoker_rights *r) { invoker_rights_end(r); }
#define _cleanup_invoker_rights_ __attribute__((cleanup(invoker_rights_endp)))

/* open(PATH, FLAGS) with the invoking user's rights (invoker_rights_*):
 * the descriptor, or -1 with open's errno (EPERM, after a message, when
 * the rights could not be taken on). */
int invoker_open(const char *path, int flags);

/* Becomes UID/GID for good: the supplementary groups of NAME (just GID when
 * NAME is NULL or empty), gid, uid, then checks that no capability is left.
 * False, with a message, on any failure. */
bool become_user(uid_t uid, gid_t gid, const char *name);

/* In a rootless container's user namespace (joined by its owner, who holds
 * every capability there): a nested user namespace that maps HOST_UID and
 * HOST_GID back onto the ids the caller has in this one, so that the
 * command runs as the user's own ids as the host sees them (id prints them;
 * files it writes are the user's), then every capability and the bounding
 * set dropped, and checked. Supplementary groups cannot be mapped there:
 * they show as the overflow gid. False, with a message, on failure. */
bool become_host_ids(uid_t host_uid, gid_t host_gid);

/* The first half of become_host_ids: the nested user namespace and its
 * maps, every capability kept there (to make a mount namespace, say); the
 * caller drops them. */
bool enter_user_ns_as(uid_t host_uid, gid_t host_gid);

/* False, with a message, when running setuid/setgid or with file
 * capabilities (AT_SECURE): refused, as bubblewrap does; hostalias is meant
 * to be run by root, via sudo. */
bool privileges_safe_to_run(void);

/* Drops everything: supplementary groups, uid/gid to nobody (65534) when
 * root, the capability bounding set, ambient and permitted capabilities,
 * then sets no_new_privs. IN_USER_NS: the process joined a rootless
 * container's user namespace, where the uid change may be impossible (the
 * capabilities still go). Returns false, with a message, if any step that
 * should succeed fails. */
bool drop_privileges(bool in_user_ns);

/* Whether W's primary or supplementary groups include GID. */
bool user_in_group(const struct invoker *w, gid_t gid);

/* connect(FD, SA, LEN) with the invoking user's rights (invoker_rights_*):
 * the socket file is looked up and its write permission checked as the
 * user's, and the server's SO_PEERCRED sees the user's uid and gid, not
 * root's (the kernel records the connecting process's effective ids). 0,
 * or -1 with connect's errno (EPERM when the rights could not be taken). */
int invoker_connect(int fd, const struct sockaddr *sa, socklen_t len);

/* Whether the network namespace NETNS_FD belongs to a user namespace that
 * UID owns (NS_GET_USERNS, then NS_GET_OWNER_UID): a rootless engine's
 * container, made by that user. False when the kernel cannot say. */
bool netns_owned_by(int netns_fd, uid_t uid);

/* The administrator's restrictions on sudo hostalias, in a root-owned file
 * (SUDO_POLICY_FILE: "allow-pid = no", "allow-netns = no", "allow-serve =
 * no", "allow-resolved = yes", one a line, '#' comments). WHAT is "pid",
 * "netns", "serve" or "resolved". True when not under sudo; else what the
 * file says, and where it does not say (or does not exist), allowed but for
 * "resolved" (it changes how every user's names resolve). False, with a message,
 * when it says no, and also (failing closed) when it cannot be trusted (not
 * a regular file owned by root, writable by group or others, in a directory
 * that is) or cannot be read or parsed: an administrator who wrote it meant
 * to restrict. */
#define SUDO_POLICY_FILE "/etc/hostalias/sudo.conf"
bool sudo_policy_allows(const char *what);
/* The same, reading PATH, whatever the invoker: for the tests. */
bool sudo_policy_allows_at(const char *path, const char *what);
