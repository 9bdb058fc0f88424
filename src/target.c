/* SPDX-License-Identifier: MIT */
#include "target.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include "hostsfile.h"
#include "path_walk.h"
#include "pidfd.h"
#include "privileges.h"
#include "resolvconf.h"
#include "util.h"

static int sys_openat2(int dirfd, const char *path, struct open_how *how) {
  return (int)syscall(SYS_openat2, dirfd, path, how, sizeof *how);
}

static const char *file_kind(mode_t m) {
  if (S_ISDIR(m))
    return "a directory";
  if (S_ISFIFO(m))
    return "a FIFO";
  if (S_ISCHR(m) || S_ISBLK(m))
    return "a device";
  if (S_ISSOCK(m))
    return "a socket";
  return "not a regular file";
}

/* Where openat2 is missing: the same walk done one component at a time
 * (path_walk.h), confined to DIRFD. */
int open_in_root_walk(int dirfd, const char *rel) {
  struct path_walk_policy pol = {.confined = true, .root = dirfd, .any_link = true};
  return path_walk_open(&pol, rel, NULL);
}

/* Filesystems whose files are the kernel's, not the container's data: a
 * container's /etc/hosts that leads into its own /proc (/proc/kallsyms)
 * must not make root read a pseudo-file for it. */
static const char *pseudo_fs_name(long type) {
  switch (type) {
  case PROC_SUPER_MAGIC: return "procfs";
  case SYSFS_MAGIC: return "sysfs";
  case DEBUGFS_MAGIC: return "debugfs";
  case TRACEFS_MAGIC: return "tracefs";
  case SECURITYFS_MAGIC: return "securityfs";
  case CGROUP_SUPER_MAGIC:
  case CGROUP2_SUPER_MAGIC: return "cgroupfs";
  case BPF_FS_MAGIC: return "bpffs";
  case NSFS_MAGIC: return "nsfs";
  case EFIVARFS_MAGIC: return "efivarfs";
  case PSTOREFS_MAGIC: return "pstore";
  case SELINUX_MAGIC: return "selinuxfs";
  case SMACK_MAGIC: return "smackfs";
  case 0x62656570: return "configfs";
  case DEVPTS_SUPER_MAGIC: return "devpts";
  default: return NULL;
  }
}

/* Whether FD is a regular file; warns, naming OUT's source, when not. */
static bool is_regular(int fd, const struct target_file *out) {
  struct stat st;
  if (fstat(fd, &st) < 0) {
    log_warn_errno("%s: ignored: fstat", out->source);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    log_warn("%s: is %s; ignored", out->source, file_kind(st.st_mode));
    return false;
  }
  return true;
}

void read_file_in_root(int dirfd, const char *rel, size_t max, struct target_file *out) {
  out->present = false;
  /* RESOLVE_IN_ROOT follows symlinks, absolute ones included, as if DIRFD
   * were "/": a container's /etc/resolv.conf -> /etc/shadow reads the
   * container's own file. Magic links (/proc/self/...) are refused. */
  struct open_how how = {
      .flags = O_PATH | O_CLOEXEC,
      .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  _cleanup_fd_ int pfd = sys_openat2(dirfd, rel, &how);
  if (pfd < 0 && errno == ENOSYS)
    pfd = open_in_root_walk(dirfd, rel); /* Linux < 5.6, or valgrind */
  if (pfd < 0) {
    if (errno == ELOOP || errno == EXDEV)
      log_warn("%s: symlink leads outside the container or loops; ignored", out->source);
    else if (errno != ENOENT)
      log_warn_errno("%s: ignored: cannot open", out->source);
    return;
  }
  if (!is_regular(pfd, out))
    return;
  struct statfs sfs;
  if (fstatfs(pfd, &sfs) < 0) {
    log_warn_errno("%s: ignored: fstatfs", out->source);
    return;
  }
  const char *pseudo = pseudo_fs_name((long)sfs.f_type);
  if (pseudo) {
    log_warn("%s: is a file on %s, not an ordinary file; ignored", out->source, pseudo);
    return;
  }
  /* Reopen the O_PATH descriptor for reading: the object is checked, and no
   * path is walked again. O_NONBLOCK guards against it changing kind. */
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", pfd);
  _cleanup_fd_ int fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    log_warn_errno("%s: ignored: cannot open", out->source);
    return;
  }
  if (!is_regular(fd, out))
    return;
  char *buf = xmalloc(max + 1);
  size_t len = 0;
  bool truncated = false;
  for (;;) {
    ssize_t n = read(fd, buf + len, max + 1 - len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      log_warn_errno("%s: ignored: read error", out->source);
      free(buf);
      return;
    }
    if (n == 0)
      break;
    len += (size_t)n;
    if (len > max) {
      truncated = true;
      len = max;
      break;
    }
  }
  if (truncated)
    log_warn("%s: longer than %zu bytes; only the first %zu are read", out->source, max, max);
  buf[len] = '\0';
  out->data = buf;
  out->len = len;
  out->present = true;
}

static bool pid_alive(const struct target *t) {
  if (t->pidfd >= 0)
    return pidfd_signal(t->pidfd, 0) == 0;
  return kill(t->pid, 0) == 0 || errno == EPERM;
}

static void hint_privilege(int e) {
  if (e == EPERM || e == EACCES)
    log_error("hint: entering another user's process's namespaces needs root or CAP_SYS_ADMIN "
              "(and CAP_SYS_PTRACE to read its files); try sudo. A rootless container of "
              "your own needs neither");
}

/* The owner of the first user namespace, from USERNS up to the initial one,
 * that a user other than root owns; 0 when root owns every one, -1 (errno
 * set) when the kernel cannot say. Takes USERNS over. */
static long foreign_userns_owner(int userns) {
  for (int depth = 0; userns >= 0 && depth < 40; depth++) {
    /* Set first: valgrind 3.19 does not know that NS_GET_OWNER_UID writes it. */
    uid_t owner = (uid_t)-1;
    if (ioctl(userns, NS_GET_OWNER_UID, &owner) < 0)
      break;
    if (owner != 0) {
      close(userns);
      return (long)owner;
    }
    int parent = ioctl(userns, NS_GET_PARENT);
    int e = errno;
    close(userns);
    if (parent < 0 && e == EPERM)
      return 0; /* the initial user namespace (or the top of ours) */
    userns = parent;
    errno = e;
  }
  int e = errno;
  if (userns >= 0)
    close(userns);
  errno = e ? e : ELOOP;
  return -1;
}

/* Under sudo, a target whose namespaces another user made is refused: in a
 * mount namespace of the user's own, /etc/hosts can be a bind mount of
 * /etc/shadow, and root would read it for them. A user namespace root owns
 * (userns-remap, podman --userns=auto) is no such risk. Each FDS[i] is a
 * namespace file of the target; USERNS[i] says it is a user namespace
 * itself. */
static bool owned_by_root(const struct target *t, const int *fds, const bool *userns, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int u = userns[i] ? fcntl(fds[i], F_DUPFD_CLOEXEC, 3) : ioctl(fds[i], NS_GET_USERNS);
    long owner = u < 0 ? -1 : foreign_userns_owner(u);
    if (owner < 0) {
      log_error_errno("%s: cannot tell who owns its user namespace; refused under sudo", t->label);
      return false;
    }
    if (owner > 0) {
      log_error("%s: belongs to a user namespace owned by uid %ld (a rootless container, or "
                "a namespace a user made); refused under sudo, since root would read its "
                "files through that user's mounts. Its owner runs hostalias without sudo",
                t->label, owner);
      return false;
    }
  }
  return true;
}

void target_init(struct target *t) {
  memset(t, 0, sizeof *t);
  t->pidfd = t->netns_fd = -1;
}

bool cgroup_names_container(const char *data, size_t len, const char *id) {
  size_t il = strlen(id);
  if (il != 64)
    return false;
  struct line_iter it = line_iter(data, len);
  const char *line;
  size_t ll;
  while (line_next(&it, &line, &ll)) {
    /* hierarchy-ID:controllers:path */
    const char *path = memchr(line, ':', ll);
    path = path ? memchr(path + 1, ':', (size_t)(line + ll - path - 1)) : NULL;
    if (!path)
      continue;
    const char *end = line + ll;
    for (const char *c = path + 1; c < end;) {
      const char *slash = memchr(c, '/', (size_t)(end - c));
      const char *ce = slash ? slash : end;
      size_t cl = (size_t)(ce - c);
      /* The component: ID, or PREFIX-ID, or PREFIX-ID.scope. */
      size_t tail = cl >= 6 && !memcmp(ce - 6, ".scope", 6) ? 6 : 0;
      if (cl >= il + tail && !memcmp(ce - tail - il, id, il) &&
          (cl == il + tail ? tail == 0 : ce[-(ptrdiff_t)(tail + il) - 1] == '-') &&
          !(cl >= 14 && !memcmp(c, "libpod-conmon-", 14)))
        return true;
      c = ce + 1;
    }
  }
  return false;
}

bool container_files_name(const char *containerenv, size_t clen, const char *hostname, size_t hlen,
                          const char *id) {
  char want[96];
  snprintf(want, sizeof want, "id=\"%s\"", id);
  size_t wl = strlen(want);
  struct line_iter it = line_iter(containerenv ? containerenv : "", containerenv ? clen : 0);
  const char *line;
  size_t ll;
  while (line_next(&it, &line, &ll))
    if (ll == wl && !memcmp(line, want, wl))
      return true;
  while (hlen && (hostname[hlen - 1] == '\n' || hostname[hlen - 1] == ' '))
    hlen--;
  return hostname && hlen == 12 && strlen(id) == 64 && !memcmp(hostname, id, 12);
}

/* Whether the process T names is the container CONTAINER_ID: its cgroups
 * say so (cgroup_names_container), or, where the engine made it no cgroup
 * of its own (rootless engines on cgroup v1), its files in ROOT do
 * (container_files_name). Said when it is not. */
static bool check_container_pid(struct target *t, int root, const char *container_id) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/cgroup", (int)t->pid);
  enum { CGROUP_FILE_MAX = 64 * 1024 };
  _cleanup_fd_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  _cleanup_free_ char *data = xmalloc(CGROUP_FILE_MAX);
  size_t len = 0;
  ssize_t n = 1;
  while (fd >= 0 && len < CGROUP_FILE_MAX &&
         ((n = read(fd, data + len, CGROUP_FILE_MAX - len)) > 0 || (n < 0 && errno == EINTR)))
    len += n > 0 ? (size_t)n : 0;
  if (fd < 0 || n < 0) {
    log_error_errno("%s: cannot read %s", t->label, path);
    return false;
  }
  if (cgroup_names_container(data, len, container_id))
    return true;
  struct target_file env = {0}, host = {0};
  snprintf(env.source, sizeof env.source, "%s /run/.containerenv", t->label);
  snprintf(host.source, sizeof host.source, "%s /etc/hostname", t->label);
  {
    VERBOSITY_SCOPE(VERBOSITY_SILENT); /* absent or odd: it just does not vouch */
    read_file_in_root(root, "run/.containerenv", 16 * 1024, &env);
    read_file_in_root(root, "etc/hostname", 256, &host);
  }
  bool named = container_files_name(env.present ? env.data : NULL, env.present ? env.len : 0,
                                    host.present ? host.data : NULL, host.present ? host.len : 0,
                                    container_id);
  free(env.data);
  free(host.data);
  if (named) {
    log_info("%s: no cgroup of the container's own; its /run/.containerenv or /etc/hostname "
             "names it",
             t->label);
    return true;
  }
  t->not_the_container = true;
  log_error("%s: process %d is not that container: its cgroups (%s) do not name the container's "
            "ID %.12s, nor do its /run/.containerenv or /etc/hostname; the engine gave a PID this "
            "host does not share, so its network is not entered",
            t->label, (int)t->pid, path, container_id);
  return false;
}

bool target_open_pid(struct target *t, pid_t pid, const char *label, const char *container_id) {
  target_init(t);
  t->pid = pid;
  snprintf(t->label, sizeof t->label, "%s (pid %d)", label, (int)pid);
  t->pidfd = pidfd_open_pid(pid);
  if (t->pidfd < 0 && errno != ENOSYS) {
    if (errno == ESRCH)
      log_error("%s: no such process", t->label);
    else
      log_error_errno("%s: pidfd_open", t->label);
    return false;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
  t->netns_fd = open(path, O_RDONLY | O_CLOEXEC);
  if (t->netns_fd < 0) {
    log_error_errno("%s: cannot open %s", t->label, path);
    hint_privilege(errno);
    return false;
  }
  snprintf(path, sizeof path, "/proc/%d/root", (int)pid);
  _cleanup_fd_ int root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) {
    log_error_errno("%s: cannot open %s", t->label, path);
    hint_privilege(errno);
    return false;
  }
  /* Checked after the root is open: a process can move only into user
   * namespaces below its own, never back, so what is seen now held when the
   * root was opened. */
  if (under_sudo()) {
    int fds[3] = {t->netns_fd, -1, -1};
    for (int i = 1; i < 3; i++) {
      snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, i == 1 ? "user" : "mnt");
      fds[i] = open(path, O_RDONLY | O_CLOEXEC);
    }
    bool ok =
        fds[1] >= 0 && fds[2] >= 0 && owned_by_root(t, fds, (const bool[]){false, true, false}, 3);
    if (fds[1] < 0 || fds[2] < 0)
      log_error_errno("%s: cannot open its user or mount namespace", t->label);
    for (int i = 1; i < 3; i++)
      if (fds[i] >= 0)
        close(fds[i]);
    if (!ok)
      return false;
  }
  if (container_id && !check_container_pid(t, root, container_id))
    return false;
  /* The PID must still be the process the pidfd names: otherwise the
   * handles above, and the cgroups read, could belong to a newer process
   * that reused the PID. */
  if (!pid_alive(t)) {
    log_error("%s: the process exited while hostalias was opening it", t->label);
    return false;
  }
  snprintf(t->resolv_conf.source, sizeof t->resolv_conf.source, "%s /etc/resolv.conf", label);
  snprintf(t->hosts.source, sizeof t->hosts.source, "%s /etc/hosts", label);
  read_file_in_root(root, "etc/resolv.conf", RESOLV_FILE_MAX, &t->resolv_conf);
  read_file_in_root(root, "etc/hosts", HOSTS_FILE_MAX, &t->hosts);
  return true;
}

bool target_open_netns(struct target *t, const char *path) {
  target_init(t);
  snprintf(t->label, sizeof t->label, "netns %s", path);
  /* O_PATH first: opening a FIFO for reading would block, and nothing is
   * opened for real before it is known to be a namespace file. The path is
   * the user's: under sudo it is looked up with their rights, so that
   * nothing says what lies where they could not look. */
  _cleanup_fd_ int pfd = invoker_open(path, O_PATH | O_CLOEXEC);
  if (pfd < 0) {
    log_error_errno("%s: cannot open", t->label);
    hint_privilege(errno);
    return false;
  }
  struct statfs sfs;
  if (fstatfs(pfd, &sfs) < 0 || sfs.f_type != NSFS_MAGIC) {
    log_error("%s: not a network namespace", t->label);
    return false;
  }
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", pfd);
  t->netns_fd = open(proc, O_RDONLY | O_CLOEXEC);
  if (t->netns_fd < 0) {
    log_error_errno("%s: cannot open", t->label);
    hint_privilege(errno);
    return false;
  }
  if (ioctl(t->netns_fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
    log_error("%s: not a network namespace", t->label);
    return false;
  }
  if (under_sudo() && !owned_by_root(t, &t->netns_fd, (const bool[]){false}, 1))
    return false;
  /* As `ip netns exec` does: /etc/netns/NAME/ holds the namespace's own
   * resolv.conf and hosts. Without them nothing is read: the host's own
   * files must not leak in. */
  const char *slash = strrchr(path, '/');
  const char *name = slash ? slash + 1 : path;
  size_t dirlen = slash ? (size_t)(slash - path) : 0;
  bool under_run = (dirlen == 10 && strncmp(path, "/run/netns", 10) == 0) ||
                   (dirlen == 14 && strncmp(path, "/var/run/netns", 14) == 0);
  if (under_run && *name && strcmp(name, ".") && strcmp(name, "..")) {
    char dir[300];
    snprintf(dir, sizeof dir, "/etc/netns/%s", name);
    _cleanup_fd_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      snprintf(t->resolv_conf.source, sizeof t->resolv_conf.source, "%s/resolv.conf", dir);
      snprintf(t->hosts.source, sizeof t->hosts.source, "%s/hosts", dir);
      read_file_in_root(dfd, "resolv.conf", RESOLV_FILE_MAX, &t->resolv_conf);
      read_file_in_root(dfd, "hosts", HOSTS_FILE_MAX, &t->hosts);
    }
  }
  if (!t->resolv_conf.source[0])
    snprintf(t->resolv_conf.source, sizeof t->resolv_conf.source, "%s", t->label);
  return true;
}

void target_close(struct target *t) {
  if (t->pidfd >= 0)
    close(t->pidfd);
  if (t->netns_fd >= 0)
    close(t->netns_fd);
  free(t->resolv_conf.data);
  free(t->hosts.data);
  target_init(t);
}

/* A rootless container's network namespace belongs to a user namespace
 * that its user owns (Podman, rootless Docker): that user may join the user
 * namespace, and then, with the capabilities it holds there, the network
 * namespace. Only when the caller owns it: nothing here gains what the
 * caller could not already do with `podman unshare`. */
bool target_join_owned_userns(const struct target *t) {
  _cleanup_fd_ int userns = ioctl(t->netns_fd, NS_GET_USERNS);
  if (userns < 0)
    return false;
  /* Set first: valgrind 3.19 does not know that NS_GET_OWNER_UID writes it. */
  uid_t owner = (uid_t)-1;
  struct stat mine, theirs;
  if (ioctl(userns, NS_GET_OWNER_UID, &owner) < 0 || owner != geteuid() ||
      stat("/proc/self/ns/user", &mine) < 0 || fstat(userns, &theirs) < 0 ||
      mine.st_ino == theirs.st_ino)
    return false;
  if (setns(userns, CLONE_NEWUSER) < 0) {
    log_error_errno("%s: cannot join the user namespace it belongs to", t->label);
    return false;
  }
  log_info("%s: joined its user namespace (owned by uid %u)", t->label, (unsigned)owner);
  return true;
}

bool target_enter_netns(const struct target *t, bool *joined_userns) {
  *joined_userns = false;
  /* The namespace descriptor, not the pidfd: it is the namespace that was
   * opened and checked (its owner under sudo, the container's cgroups),
   * while the pidfd names a process that may have moved to another
   * network namespace since. */
  if (setns(t->netns_fd, CLONE_NEWNET) == 0)
    return true;
  int e = errno;
  if (e == EPERM && geteuid() != 0 && target_join_owned_userns(t)) {
    *joined_userns = true;
    if (setns(t->netns_fd, CLONE_NEWNET) == 0)
      return true;
    e = errno;
  }
  errno = e;
  log_error_errno("%s: cannot enter its network namespace", t->label);
  hint_privilege(errno);
  return false;
}
