/* SPDX-License-Identifier: MIT */
#include "run_command.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "host_files.h"
#include "hostsfile.h"
#include "privileges.h"
#include "pty_relay.h"
#include "resolve_request.h"
#include "util.h"

/* Where the copies live while they are bind-mounted: a tmpfs mounted over
 * /tmp in the private mount namespace, detached again once the copies are
 * in place (the bind mounts keep it), so the command sees its usual /tmp. */
#define STAGING "/tmp"
/* The filesystem type of a bind, remount or propagation change is ignored
 * by the kernel: NONE_FS rather than NULL, which valgrind 3.19 flags. */
#define NONE_FS "none"

bool run_user_choose(const char *spec, struct run_user *u) {
  memset(u, 0, sizeof *u);
  const struct invoker *w = invoker();
  struct invoker chosen = {.uid = w->uid, .gid = w->gid};
  if (spec) {
    long v;
    struct passwd *pw = NULL;
    if (parse_long(spec, 0, 0x7fffffff, &v)) {
      chosen.uid = (uid_t)v;
      pw = getpwuid(chosen.uid);
      chosen.gid = pw ? pw->pw_gid : (gid_t)v;
    } else if ((pw = getpwnam(spec))) {
      chosen.uid = pw->pw_uid;
      chosen.gid = pw->pw_gid;
    } else {
      log_error("--user %s: no such user", spec);
      return false;
    }
    /* sudo lets the user be themselves in the target's network, no one
     * else: root, or another user, is what they could not be alone. */
    if (w->sudo && chosen.uid != w->uid) {
      log_error("--user %s: under sudo, COMMAND runs as the user who ran sudo (uid %u); --user "
                "may name only that user",
                spec, (unsigned)w->uid);
      return false;
    }
    if (w->sudo)
      chosen.gid = w->gid;
  }
  invoker_fill_passwd(&chosen);
  u->who = chosen;
  struct passwd *pw = u->who.has_passwd ? getpwuid(u->who.uid) : NULL;
  snprintf(u->shell, sizeof u->shell, "%s",
           pw && pw->pw_shell && *pw->pw_shell && strlen(pw->pw_shell) < sizeof u->shell
               ? pw->pw_shell
               : "/bin/sh");
  /* Under sudo the invoker is never uid 0 (struct invoker), so the command
   * never keeps root there. */
  u->keep_root = u->who.uid == 0 && !w->sudo;
  return true;
}

void run_command_nsswitch(const char *in, size_t len, struct strbuf *out) {
  static const char line[] = "hosts: files dns\n";
  bool done = false;
  struct line_iter it = line_iter(in, len);
  const char *p;
  size_t l;
  while (line_next(&it, &p, &l)) {
    const char *src;
    size_t sl;
    if (nss_hosts_line(p, l, &src, &sl)) {
      if (!done)
        strbuf_append(out, line, sizeof line - 1);
      done = true;
    } else {
      strbuf_append(out, p, l);
      strbuf_append(out, "\n", 1);
    }
  }
  if (!done)
    strbuf_append(out, line, sizeof line - 1);
}

struct own_name {
  const char *hostname;
  struct strbuf *lines;
  size_t found;
};

static void on_host_entry(const char *name, size_t len, const struct address *addr, void *ctx) {
  struct own_name *o = ctx;
  if (len != strlen(o->hostname) || strncasecmp(name, o->hostname, len) != 0)
    return;
  char a[ADDRESS_TEXT_MAX], line[ADDRESS_TEXT_MAX + 300];
  address_format(addr, a);
  int n = snprintf(line, sizeof line, "%s %s\n", a, o->hostname);
  strbuf_append(o->lines, line, (size_t)n);
  o->found++;
}

/* The host's own name, mapped as the host's /etc/hosts maps it (else to
 * 127.0.1.1, Debian's convention): the command keeps the host's UTS
 * namespace, and programs resolve their own name at start. */
static void append_own_name(struct strbuf *hosts) {
  char hostname[256];
  if (gethostname(hostname, sizeof hostname) < 0)
    return;
  hostname[sizeof hostname - 1] = '\0';
  if (name_invalid_reason(hostname, strlen(hostname)))
    return;
  struct strbuf host = {0};
  struct own_name o = {.hostname = hostname, .lines = hosts};
  if (hosts->len && hosts->data[hosts->len - 1] != '\n')
    strbuf_append(hosts, "\n", 1);
  strbuf_append(hosts, "# the host's own name (hostalias)\n", 34);
  {
    VERBOSITY_SCOPE(VERBOSITY_SILENT); /* the host's file, not ours to judge */
    if (host_file_read("/etc/hosts", HOST_FILE_MAX, &host))
      hosts_parse(host.data ? host.data : "", host.len, "/etc/hosts", on_host_entry, &o);
  }
  if (!o.found) {
    char line[300];
    int n = snprintf(line, sizeof line, "127.0.1.1 %s\n", hostname);
    strbuf_append(hosts, line, (size_t)n);
  }
  strbuf_free(&host);
}

static bool write_staged(const char *name, const struct strbuf *b) {
  char path[64];
  snprintf(path, sizeof path, STAGING "/%s", name);
  _cleanup_fd_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0 || !write_all(fd, b->data ? b->data : "", b->len) || fchmod(fd, 0644) < 0) {
    log_error_errno("cannot write the copy of %s", name);
    return false;
  }
  return true;
}

/* Binds the staged NAME over DEST, read-only. A DEST that is a symlink
 * (systemd's stub resolv.conf) is followed, as mount does: the file it
 * names is covered, in this mount namespace only. */
static bool bind_over(const char *name, const char *dest) {
  char src[64];
  snprintf(src, sizeof src, STAGING "/%s", name);
  if (mount(src, dest, NONE_FS, MS_BIND, NULL) < 0) {
    if (errno == ENOENT) {
      char target[4096];
      ssize_t n = readlink(dest, target, sizeof target - 1);
      if (n > 0) {
        target[n] = '\0';
        log_error("cannot replace %s: it is a symlink to %s, which does not exist", dest, target);
        return false;
      }
    }
    log_error_errno("cannot replace %s in the command's mount namespace", dest);
    return false;
  }
  if (mount(NONE_FS, dest, NONE_FS, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) <
      0) {
    log_error_errno("cannot make %s read-only", dest);
    return false;
  }
  return true;
}

/* The private mount namespace and the three files. Nothing of it is seen
 * outside: / is made a slave before anything is mounted, so that nothing
 * mounted here propagates out, while what the host unmounts (a volume the
 * administrator takes away) is unmounted here too, not kept busy and
 * readable through /proc/PID/root. */
static int set_up_files(const struct target *t, bool rootless) {
  _cleanup_strbuf_ struct strbuf resolv = {0}, hosts = {0}, nss = {0}, host_nss = {0};
  int rc = EXIT_OUTPUT;
  if (t->resolv_conf.present) {
    strbuf_append(&resolv, t->resolv_conf.data, t->resolv_conf.len);
  } else {
    log_warn("%s: no resolv.conf; the command asks %s (Docker's embedded DNS)", t->label,
             FALLBACK_NAMESERVER);
    strbuf_append(&resolv, "nameserver " FALLBACK_NAMESERVER "\n",
                  sizeof "nameserver " FALLBACK_NAMESERVER "\n" - 1);
  }
  if (t->hosts.present)
    strbuf_append(&hosts, t->hosts.data, t->hosts.len);
  append_own_name(&hosts);
  bool have_nss = host_file_read("/etc/nsswitch.conf", HOST_FILE_MAX, &host_nss);
  if (have_nss)
    run_command_nsswitch(host_nss.data ? host_nss.data : "", host_nss.len, &nss);
  else
    log_warn("/etc/nsswitch.conf: cannot read it; glibc's defaults stay");

  /* Rootless: the container's user namespace first, so that the mount
   * namespace made next is owned by it, where the caller holds the
   * capabilities to mount (as podman unshare does). */
  if (rootless && !target_join_owned_userns(t)) {
    log_error("%s: not a rootless container of uid %u (its user namespace is not theirs): "
              "-- COMMAND needs root for it (sudo)",
              t->label, (unsigned)getuid());
    rc = EXIT_TARGET;
  } else if (unshare(CLONE_NEWNS) < 0) {
    log_error_errno("cannot make a private mount namespace");
  } else if (mount(NONE_FS, "/", NONE_FS, MS_REC | MS_SLAVE, NULL) < 0) {
    log_error_errno("cannot make the mount namespace a slave of the host's");
  } else if (mount("hostalias", STAGING, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                   "mode=0700,size=8m") < 0) {
    log_error_errno("cannot mount a tmpfs on " STAGING " in the private mount namespace");
  } else {
    bool ok = write_staged("resolv.conf", &resolv) && write_staged("hosts", &hosts) &&
              (!have_nss || write_staged("nsswitch.conf", &nss)) &&
              bind_over("resolv.conf", "/etc/resolv.conf") && bind_over("hosts", "/etc/hosts") &&
              (!have_nss || bind_over("nsswitch.conf", "/etc/nsswitch.conf"));
    if (umount2(STAGING, MNT_DETACH) < 0) {
      log_error_errno("cannot detach the staging tmpfs");
      ok = false;
    }
    if (ok)
      rc = 0;
  }
  return rc;
}

/* The command's HOME, USER and LOGNAME are those of the user it runs as,
 * as login and su set them: under sudo they would be root's, and programs
 * would write root's home or read root's dotfiles. */
static bool set_identity_env(const struct run_user *u) {
  if (u->who.has_passwd)
    return setenv("HOME", u->who.home[0] ? u->who.home : "/", 1) == 0 &&
           setenv("USER", u->who.name, 1) == 0 && setenv("LOGNAME", u->who.name, 1) == 0;
  return setenv("HOME", "/", 1) == 0 && unsetenv("USER") == 0 && unsetenv("LOGNAME") == 0;
}

bool run_command_started_by_sudo(const char *sudo_command) {
  if (!sudo_command || sudo_command[0] != '/')
    return false;
  const char *sp = strchr(sudo_command, ' ');
  _cleanup_free_ char *path =
      sp ? xstrndup(sudo_command, (size_t)(sp - sudo_command)) : xstrdup(sudo_command);
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0)
    return false;
  self[n] = '\0';
  struct stat a, b;
  return stat(path, &a) == 0 && stat(self, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

bool run_command_apart(const struct run_user *u) {
  if (u->keep_root || u->who.uid == getuid())
    return false;
  const struct invoker *w = invoker();
  return !(w->sudo && u->who.uid == w->uid && run_command_started_by_sudo(getenv("SUDO_COMMAND")));
}

/* A value that names no file and holds no control character. */
static bool env_value_plain(const char *v, bool tz) {
  for (const char *p = v; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f || (!tz && (*p == '/' || *p == '%')))
      return false;
  if (!tz)
    return true;
  if (*v == ':')
    v++;
  return !strstr(v, "..") &&
         (*v != '/' || !strncmp(v, "/usr/share/zoneinfo/", sizeof "/usr/share/zoneinfo/" - 1));
}

static bool env_passes(const char *kv) {
  static const char *const names[] = {"TERM",     "COLORTERM", "COLORS", "LS_COLORS",
                                      "LANGUAGE", "LANG",      "TZ"};
  const char *eq = strchr(kv, '=');
  if (!eq)
    return false;
  size_t len = (size_t)(eq - kv);
  bool known = len > 3 && !strncmp(kv, "LC_", 3);
  for (size_t i = 0; !known && i < N_ELEMENTS(names); i++)
    known = len == strlen(names[i]) && !strncmp(kv, names[i], len);
  if (!known)
    return false;
  if (!strncmp(kv, "LS_COLORS=", 10) || !strncmp(kv, "COLORS=", 7))
    return env_value_plain(eq + 1, true); /* paths are no concern: no file is opened */
  return env_value_plain(eq + 1, len == 2 && !strncmp(kv, "TZ", 2));
}

static void env_add(char ***env, size_t *n, char *kv) {
  *env = xreallocarray(*env, *n + 2, sizeof **env);
  (*env)[(*n)++] = kv;
  (*env)[*n] = NULL;
}

static char *env_pair(const char *name, const char *value) {
  size_t a = strlen(name), b = strlen(value);
  char *s = xmalloc(a + b + 2);
  memcpy(s, name, a);
  s[a] = '=';
  memcpy(s + a + 1, value, b + 1);
  return s;
}

char **run_command_env(char *const *env, const struct run_user *u) {
  char **out = NULL;
  size_t n = 0;
  env_add(&out, &n, env_pair("HOME", u->who.has_passwd && u->who.home[0] ? u->who.home : "/"));
  env_add(&out, &n, env_pair("SHELL", u->who.has_passwd && u->shell[0] ? u->shell : "/bin/sh"));
  if (u->who.has_passwd) {
    env_add(&out, &n, env_pair("USER", u->who.name));
    env_add(&out, &n, env_pair("LOGNAME", u->who.name));
  }
  env_add(&out, &n, env_pair("PATH", RUN_COMMAND_PATH));
  for (size_t i = 0; env && env[i]; i++) {
    if (!env_passes(env[i]))
      continue;
    size_t len = (size_t)(strchr(env[i], '=') - env[i]) + 1;
    bool dup = false;
    for (size_t j = 0; j < n && !dup; j++)
      dup = !strncmp(out[j], env[i], len);
    if (!dup)
      env_add(&out, &n, xstrdup(env[i]));
  }
  return out;
}

void run_command_env_free(char **env) {
  for (size_t i = 0; env && env[i]; i++)
    free(env[i]);
  free(env);
}

/* Descriptors above 2, root's, are not the command's: closed. */
static void close_above_std(void) {
  if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
    return;
  long max = sysconf(_SC_OPEN_MAX);
  for (long fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
    (void)close((int)fd);
}

/* The last steps, in the command's process: no_new_privs, then the
 * command. Returns the status on failure. */
static int exec_command(char *const *argv) {
  /* The command's /etc/hosts and resolv.conf are a container's, which the
   * invoking user chose: a setuid program (sudo with host-based rules, for
   * one) must not trust them with privileges the user does not have. So no
   * program the command starts can gain any. */
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    log_error_errno("cannot set no_new_privs");
    return EXIT_OUTPUT;
  }
  execvp(argv[0], argv);
  int e = errno;
  log_error_errno("%s: cannot run it", argv[0]);
  return e == ENOENT ? 127 : 126;
}

/* Becomes U, with ENV as the environment and no descriptor above 2, and
 * executes ARGV. Returns the status on failure. */
static int exec_apart(const struct run_user *u, char **env, char *const *argv) {
  if (!become_user(u->who.uid, u->who.gid, u->who.has_passwd ? u->who.name : NULL))
    return EXIT_OUTPUT;
  close_above_std();
  environ = env; /* PATH, for execvp's search too, is the safe one */
  return exec_command(argv);
}

/* The command apart: a session of its own, and with a terminal among the
 * standard descriptors, a pseudo-terminal behind root's relay. */
static int run_apart(const struct run_user *u, char *const *argv) {
  char **env = run_command_env(environ, u);
  /* No terminal to keep away from it: a session of its own is enough, and
   * hostalias is replaced, as elsewhere (setsid fails only in a process
   * group leader: then a child makes the session). */
  if (!pty_relay_any_tty() && setsid() >= 0) {
    int rc = exec_apart(u, env, argv);
    run_command_env_free(env);
    return rc;
  }
  _cleanup_pty_relay_ struct pty_relay r;
  if (!pty_relay_open(&r, u->who.uid)) {
    run_command_env_free(env);
    return EXIT_OUTPUT;
  }
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    log_error_errno("cannot start the command");
    run_command_env_free(env);
    return EXIT_OUTPUT;
  }
  if (pid == 0) {
    if (!pty_relay_child(&r))
      _exit(EXIT_OUTPUT);
    _exit(exec_apart(u, env, argv));
  }
  run_command_env_free(env);
  return pty_relay_run(&r, pid);
}

int run_command(const struct target *t, const struct run_user *u, char *const *argv) {
  /* A caller who is not root runs the command in a rootless container of
   * their own: there is no one else to become. */
  bool rootless = geteuid() != 0;
  if (rootless && u->who.uid != getuid()) {
    log_error("--user: only root chooses another user");
    return EXIT_USAGE;
  }
  uid_t host_uid = getuid();
  gid_t host_gid = getgid();
  int rc = set_up_files(t, rootless);
  if (rc != 0)
    return rc;
  bool in_user_ns;
  if (!target_enter_netns(t, &in_user_ns))
    return EXIT_TARGET;
  if (rootless) {
    if (!become_host_ids(host_uid, host_gid))
      return EXIT_OUTPUT;
  } else if (run_command_apart(u)) {
    return run_apart(u, argv);
  } else if (!u->keep_root &&
             (!become_user(u->who.uid, u->who.gid, u->who.has_passwd ? u->who.name : NULL) ||
              !set_identity_env(u))) {
    return EXIT_OUTPUT;
  }
  /* Our own descriptors are close-on-exec; the caller's pass on, as with
   * env and nsenter. */
  return exec_command(argv);
}
