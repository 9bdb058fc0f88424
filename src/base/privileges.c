/* SPDX-License-Identifier: MIT */
#include "privileges.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "userns_hint.h"
#include "util.h"

#define NOBODY 65534
#define ID_MAX 0x7fffffff

static struct invoker the_invoker;
static bool invoker_ready;

void invoker_fill_passwd(struct invoker *w) {
  struct passwd *pw = getpwuid(w->uid);
  w->has_passwd = pw && strlen(pw->pw_name) < sizeof w->name &&
                  strlen(pw->pw_dir ? pw->pw_dir : "") < sizeof w->home;
  if (w->has_passwd) {
    strcpy(w->name, pw->pw_name);
    strcpy(w->home, pw->pw_dir ? pw->pw_dir : "");
  } else {
    w->name[0] = w->home[0] = '\0';
  }
}

/* An id from the environment sudo set: false, with a message, when it is
 * there but not an id. */
static bool env_id(const char *var, long *out, bool *present) {
  const char *s = getenv(var);
  *present = s != NULL;
  if (!s || parse_long(s, 0, ID_MAX, out))
    return true;
  char shown[4 * 32 + 4];
  escape_for_message(shown, s, strlen(s), 32);
  log_error("%s=%s: not a numeric id; who ran sudo is unknown, so nothing is done", var, shown);
  return false;
}

bool invoker_init(void) {
  invoker_ready = false;
  struct invoker w = {.uid = getuid(), .gid = getgid()};
  long u = 0, g = 0;
  bool have_uid = false, have_gid = false;
  /* Only root can be acting for someone: a user's shell that inherited
   * SUDO_UID (sudo -u alice bash) runs hostalias as alice, no more. */
  if (geteuid() == 0 &&
      (!env_id("SUDO_UID", &u, &have_uid) || (have_uid && !env_id("SUDO_GID", &g, &have_gid))))
    return false;
  if (geteuid() == 0 && have_uid && u != 0) {
    w.uid = (uid_t)u;
    w.sudo = true;
  }
  /* The passwd entry only under sudo: nothing reads the real user's (its
   * name and home are asked for where a command is run, run_user_choose),
   * and the lookup (nsswitch.conf, /etc/passwd, or NSS modules such as
   * sss or ldap) is otherwise the dearest step of a one-name run. */
  if (w.sudo) {
    invoker_fill_passwd(&w);
    struct passwd *pw = have_gid ? NULL : getpwuid(w.uid);
    w.gid = have_gid ? (gid_t)g : pw ? pw->pw_gid : (gid_t)u;
  }
  the_invoker = w;
  invoker_ready = true;
  return true;
}

const struct invoker *invoker(void) {
  /* Worked out on first use where main() did not (the unit tests): an
   * unusable SUDO_UID then means the real user, never root's trust. */
  if (!invoker_ready && !invoker_init()) {
    struct invoker w = {.uid = getuid(), .gid = getgid()};
    the_invoker = w;
    invoker_ready = true;
  }
  return &the_invoker;
}
bool under_sudo(void) { return invoker()->sudo; }

/* The groups of user NAME with primary group GID, into a new array. */
static int user_groups(const char *name, gid_t gid, gid_t **out) {
  int n = 64;
  *out = NULL;
  if (!name || !*name) {
    *out = xmalloc(sizeof **out);
    (*out)[0] = gid;
    return 1;
  }
  for (int tries = 0; tries < 4; tries++) {
    *out = xreallocarray(*out, (size_t)n, sizeof **out);
    int want = n;
    if (getgrouplist(name, gid, *out, &want) >= 0)
      return want;
    n = want > n ? want : n * 2;
  }
  (*out)[0] = gid;
  return 1;
}

bool invoker_rights_begin(struct invoker_rights *r) {
  memset(r, 0, sizeof *r);
  if (!under_sudo())
    return true;
  const struct invoker *w = invoker();
  int n = getgroups(0, NULL);
  r->groups = xmalloc(sizeof *r->groups * (size_t)(n > 0 ? n : 1));
  r->ngroups = n > 0 ? getgroups(n, r->groups) : 0;
  if (r->ngroups < 0)
    r->ngroups = 0;
  _cleanup_free_ gid_t *groups = NULL;
  int ng = user_groups(w->has_passwd ? w->name : NULL, w->gid, &groups);
  if (setgroups((size_t)ng, groups) < 0 || setegid(w->gid) < 0 || seteuid(w->uid) < 0) {
    int e = errno;
    r->active = true;
    invoker_rights_end(r);
    errno = e;
    log_error_errno("cannot take on the rights of uid %u", (unsigned)w->uid);
    return false;
  }
  r->active = true;
  return true;
}

void invoker_rights_end(struct invoker_rights *r) {
  if (r->active) {
    /* The saved uid is 0: this cannot fail; if it did, hostalias would go
     * on with less privilege, never more. */
    if (seteuid(0) < 0 || setegid(0) < 0 || setgroups((size_t)r->ngroups, r->groups) < 0)
      log_error_errno("cannot take root's rights back");
  }
  free(r->groups);
  memset(r, 0, sizeof *r);
}

int invoker_open(const char *path, int flags) {
  int fd, e;
  {
    _cleanup_invoker_rights_ struct invoker_rights r;
    if (!invoker_rights_begin(&r)) {
      errno = EPERM;
      return -1;
    }
    fd = open(path, flags);
    e = errno;
  }
  errno = e; /* as open left it, not as the rights' restoring did */
  return fd;
}

int invoker_connect(int fd, const struct sockaddr *sa, socklen_t len) {
  int r, e;
  {
    _cleanup_invoker_rights_ struct invoker_rights rights;
    if (!invoker_rights_begin(&rights)) {
      errno = EPERM;
      return -1;
    }
    r = connect(fd, sa, len);
    e = errno;
  }
  errno = e;
  return r;
}

bool netns_owned_by(int netns_fd, uid_t uid) {
  _cleanup_fd_ int userns = ioctl(netns_fd, NS_GET_USERNS);
  if (userns < 0)
    return false;
  /* Set first: valgrind 3.19 does not know that NS_GET_OWNER_UID writes it. */
  uid_t owner = (uid_t)-1;
  return ioctl(userns, NS_GET_OWNER_UID, &owner) == 0 && owner == uid;
}

#define POLICY_MAX 65536

/* Whether the file or directory ST is root's alone: owned by root, not
 * writable by its group or others. */
static bool roots_alone(const struct stat *st) {
  return st->st_uid == 0 && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* A yes/no value of the policy file: 1, 0, or -1 when it is neither. */
static int policy_bool(const char *v) {
  if (!strcmp(v, "yes") || !strcmp(v, "true"))
    return 1;
  if (!strcmp(v, "no") || !strcmp(v, "false"))
    return 0;
  return -1;
}

/* The settings, and what each is where the file does not say: --pid,
 * --netns and --serve allowed; --resolved not, since it changes how every
 * user's names resolve, which a user could not do alone. */
static const struct {
  const char *key;
  bool allowed;
} policy_keys[] = {
    {"allow-pid", true}, {"allow-netns", true}, {"allow-serve", true}, {"allow-resolved", false}};

static int policy_key(const char *key) {
  for (size_t i = 0; i < N_ELEMENTS(policy_keys); i++)
    if (!strcmp(key, policy_keys[i].key))
      return (int)i;
  return -1;
}

/* A refusal because the file does not allow it. */
static bool not_allowed(const char *path, const char *what, const char *key) {
  log_error("--%s is not allowed under sudo on this host unless the administrator allows it "
            "(%s = yes in %s): it changes how every user's names resolve; or run it as root "
            "(the service)",
            what, key, path);
  return false;
}

bool sudo_policy_allows_at(const char *path, const char *what) {
  char key[32];
  snprintf(key, sizeof key, "allow-%s", what);
  int idx = policy_key(key);
  bool by_default = idx < 0 || policy_keys[idx].allowed;
  _cleanup_fd_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
    return by_default || not_allowed(path, what, key);
  if (fd < 0) {
    log_error_errno("%s: cannot read the administrator's sudo policy; --%s refused under sudo",
                    path, what);
    return false;
  }
  struct stat st, dir;
  char dirpath[4096];
  snprintf(dirpath, sizeof dirpath, "%s", path);
  char *slash = strrchr(dirpath, '/');
  if (slash)
    *(slash == dirpath ? slash + 1 : slash) = '\0';
  else
    snprintf(dirpath, sizeof dirpath, ".");
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !roots_alone(&st) || st.st_size > POLICY_MAX ||
      stat(dirpath, &dir) < 0 || !roots_alone(&dir)) {
    log_error("%s: not a regular file owned by root and writable by root alone, in a directory "
              "that is; not trusted, so --%s is refused under sudo (fix its owner and mode)",
              path, what);
    return false;
  }
  _cleanup_free_ char *buf = xmalloc(POLICY_MAX + 1);
  size_t len = 0;
  for (;;) {
    ssize_t n = read(fd, buf + len, POLICY_MAX - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      log_error_errno("%s: cannot read; --%s refused under sudo", path, what);
      return false;
    }
    if (n == 0 || (len += (size_t)n) == POLICY_MAX)
      break;
  }
  buf[len] = '\0';
  int allowed = by_default, lineno = 0;
  bool said = false;
  for (char *line = buf, *next; line; line = next) {
    lineno++;
    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    char *hash = strchr(line, '#');
    if (hash)
      *hash = '\0';
    char k[64], v[64], rest[2];
    int got = sscanf(line, " %63[^= \t] = %63s %1s", k, v, rest);
    if (got <= 0 && strspn(line, " \t\r") == strlen(line))
      continue; /* blank, or a comment */
    bool known = got >= 2 && policy_key(k) >= 0;
    if (got == 2 && !known) {
      log_warn("%s:%d: unknown setting %s, ignored", path, lineno, k);
      continue;
    }
    int b = got == 2 ? policy_bool(v) : -1;
    if (b < 0) {
      log_error("%s:%d: expected \"KEY = yes\" or \"KEY = no\"; --%s refused under sudo", path,
                lineno, what);
      return false;
    }
    if (!strcmp(k, key)) {
      allowed = b;
      said = true;
    }
  }
  if (!allowed && !said)
    return not_allowed(path, what, key);
  if (!allowed)
    log_error("--%s is not allowed under sudo on this host (%s = no in %s)", what, key, path);
  return allowed;
}

bool sudo_policy_allows(const char *what) {
  return !under_sudo() || sudo_policy_allows_at(SUDO_POLICY_FILE, what);
}

/* Check, rather than trust, that nothing is held. */
static bool no_capabilities_left(void) {
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0xff, sizeof data); /* unwritten (valgrind 3.19) reads as "still held" */
  return syscall(SYS_capget, &hdr, data) == 0 && !data[0].effective && !data[1].effective &&
         !data[0].permitted && !data[1].permitted;
}

bool become_user(uid_t uid, gid_t gid, const char *name) {
  if ((name && *name ? initgroups(name, gid) : setgroups(1, &gid)) < 0 ||
      setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
    log_error_errno("cannot become uid %u gid %u", (unsigned)uid, (unsigned)gid);
    return false;
  }
  (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (!no_capabilities_left()) {
    log_error("capabilities are still held after becoming uid %u", (unsigned)uid);
    return false;
  }
  return true;
}

/* Writes TEXT to /proc/self/FILE (uid_map, gid_map, setgroups). */
static bool write_proc_self(const char *file, const char *text) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/%s", file);
  _cleanup_fd_ int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || !write_all(fd, text, strlen(text))) {
    log_error_errno("cannot write %s", path);
    userns_explain(USERNS_MAP, errno);
    return false;
  }
  return true;
}

/* Empties the capability bounding set. STRICT: every failure but "no such
 * capability" (EINVAL) is one; else only while root, who holds
 * CAP_SETPCAP. Capabilities are numbered from 0 without a gap, and the
 * kernel answers EINVAL for a number past its last one only: the first
 * EINVAL ends the set (no need for /proc/sys/kernel/cap_last_cap, which
 * the resolver child's empty root lacks: it tried all 64 numbers there). */
static bool drop_bounding_set(bool strict) {
  for (int cap = 0; cap <= 63; cap++)
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      if (errno == EINVAL)
        break;
      if (strict) {
        log_error_errno("cannot drop capability %d from the bounding set", cap);
        return false;
      }
    }
  return true;
}

/* Clears the effective, permitted and inheritable sets. */
static bool clear_capabilities(void) {
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  if (syscall(SYS_capset, &hdr, data) < 0) {
    log_error_errno("cannot clear capabilities");
    return false;
  }
  return true;
}

static bool drop_all_capabilities(void) {
  if (!drop_bounding_set(true))
    return false;
  (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (!clear_capabilities())
    return false;
  if (!no_capabilities_left()) {
    log_error("capabilities are still held after dropping them");
    return false;
  }
  return true;
}

bool enter_user_ns_as(uid_t host_uid, gid_t host_gid) {
  /* The ids the caller has here, which the host sees as HOST_UID/GID. */
  uid_t here_uid = geteuid();
  gid_t here_gid = getegid();
  if (unshare(CLONE_NEWUSER) < 0) {
    log_error_errno("cannot make a user namespace");
    userns_explain(USERNS_CREATE, errno);
    return false;
  }
  char map[64];
  snprintf(map, sizeof map, "%u %u 1\n", (unsigned)host_uid, (unsigned)here_uid);
  if (!write_proc_self("setgroups", "deny") || !write_proc_self("uid_map", map))
    return false;
  snprintf(map, sizeof map, "%u %u 1\n", (unsigned)host_gid, (unsigned)here_gid);
  if (!write_proc_self("gid_map", map))
    return false;
  if (geteuid() != host_uid || getegid() != host_gid) {
    log_error("the new user namespace does not map uid %u gid %u", (unsigned)host_uid,
              (unsigned)host_gid);
    return false;
  }
  return true;
}

bool become_host_ids(uid_t host_uid, gid_t host_gid) {
  return enter_user_ns_as(host_uid, host_gid) && drop_all_capabilities();
}

bool privileges_safe_to_run(void) {
  if (getauxval(AT_SECURE) || getuid() != geteuid() || getgid() != getegid()) {
    log_error("refusing to run setuid, setgid or with file capabilities; "
              "run hostalias as root (for example with sudo) instead");
    return false;
  }
  return true;
}

bool drop_privileges(bool in_user_ns) {
  bool root = geteuid() == 0;
  /* The bounding set needs CAP_SETPCAP, which goes with the uid change. */
  if (!drop_bounding_set(root))
    return false;
  (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (root) {
    /* In a rootless container's user namespace, only mapped ids exist (65534
     * may not) and setgroups may be denied: the caller is unprivileged on
     * the host anyway, and the capabilities go below. */
    bool ok = (setgroups(0, NULL) == 0 || in_user_ns) && setresgid(NOBODY, NOBODY, NOBODY) == 0 &&
              setresuid(NOBODY, NOBODY, NOBODY) == 0;
    if (!ok && !in_user_ns) {
      log_error_errno("cannot switch to uid/gid %d", NOBODY);
      return false;
    }
  }
  if (!clear_capabilities())
    return false;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    log_error_errno("cannot set no_new_privs");
    return false;
  }
  if (!no_capabilities_left()) {
    log_error("capabilities are still held after dropping them");
    return false;
  }
  return true;
}

bool user_in_group(const struct invoker *w, gid_t gid) {
  if (gid == w->gid)
    return true;
  /* The real user's entry is not looked up up front (invoker_init). */
  struct invoker named = *w;
  if (!named.has_passwd)
    invoker_fill_passwd(&named);
  _cleanup_free_ gid_t *groups = NULL;
  int n = user_groups(named.has_passwd ? named.name : NULL, w->gid, &groups);
  for (int i = 0; i < n; i++)
    if (groups[i] == gid)
      return true;
  return false;
}
