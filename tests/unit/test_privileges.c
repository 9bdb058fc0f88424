/* SPDX-License-Identifier: MIT */
/* privileges.c's pieces for sudo: who the invoking user is (invoker_init,
 * invoker_fill_passwd), the administrator's policy file
 * (sudo_policy_allows), whose network namespace a user owns
 * (netns_owned_by), and connecting with the invoking user's rights
 * (invoker_connect: the server's SO_PEERCRED sees the user). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privileges.h"
#include "tap.h"

static char dir[] = "/tmp/hostalias-test-priv.XXXXXX";
static char file[128];

static void policy(const char *text, mode_t mode) {
  FILE *f = fopen(file, "w");
  fputs(text, f);
  fclose(f);
  chmod(file, mode);
}

static void test_policy(void) {
  if (!mkdtemp(dir)) {
    skip("no temporary directory");
    return;
  }
  chmod(dir, 0755);
  snprintf(file, sizeof file, "%s/sudo.conf", dir);
  ok(sudo_policy_allows_at(file, "pid"), "no file: allowed (today's default)");
  ok(sudo_policy_allows_at(file, "serve"), "no file: --serve allowed");
  ok(!sudo_policy_allows_at(file, "resolved"),
     "no file: --resolved refused (it changes every user's resolution)");
  policy("# a comment\n\nallow-pid = no\n", 0644);
  bool root = geteuid() == 0;
  if (!root) {
    ok(!sudo_policy_allows_at(file, "pid"), "a file not owned by root: refused (fails closed)");
  } else {
    ok(!sudo_policy_allows_at(file, "pid"), "allow-pid = no: --pid refused");
    ok(sudo_policy_allows_at(file, "netns"), "allow-pid = no: --netns still allowed");
    policy("allow-pid=yes\nallow-netns\t=  no  # trailing comment\r\n", 0600);
    ok(sudo_policy_allows_at(file, "pid"), "allow-pid=yes: allowed");
    ok(!sudo_policy_allows_at(file, "netns"), "allow-netns = no (tab, comment, CR): refused");
    policy("allow-pid = no\nallow-pid = true\n", 0644);
    ok(sudo_policy_allows_at(file, "pid"), "the last of a repeated setting counts");
    policy("allow-pid = yes\n", 0644);
    ok(!sudo_policy_allows_at(file, "resolved"), "a file silent on it: --resolved refused");
    ok(sudo_policy_allows_at(file, "serve"), "a file silent on it: --serve allowed");
    policy("allow-resolved = yes\nallow-serve = no\n", 0644);
    ok(sudo_policy_allows_at(file, "resolved"), "allow-resolved = yes: --resolved allowed");
    ok(!sudo_policy_allows_at(file, "serve"), "allow-serve = no: --serve refused");
    policy("colour = blue\n", 0644);
    ok(sudo_policy_allows_at(file, "pid"), "an unknown setting is ignored (with a warning)");
    policy("allow-pid = maybe\n", 0644);
    ok(!sudo_policy_allows_at(file, "pid"), "a value that is not yes/no: refused (fails closed)");
    policy("allow-pid no\n", 0644);
    ok(!sudo_policy_allows_at(file, "pid"), "a line without '=': refused");
    policy("allow-pid = yes extra\n", 0644);
    ok(!sudo_policy_allows_at(file, "pid"), "trailing words: refused");
    policy("allow-pid = yes\n", 0664);
    ok(!sudo_policy_allows_at(file, "pid"), "group-writable: not trusted, refused");
    policy("allow-pid = yes\n", 0644);
    ok(chown(file, 1, 1) == 0 && !sudo_policy_allows_at(file, "pid"),
       "owned by another user: not trusted, refused");
    ok(chown(file, 0, 0) == 0 && chmod(dir, 0777) == 0 && !sudo_policy_allows_at(file, "pid"),
       "in a directory others may write: not trusted, refused");
    chmod(dir, 0755);
    char link[160];
    snprintf(link, sizeof link, "%s/link.conf", dir);
    ok(symlink(file, link) == 0 && !sudo_policy_allows_at(link, "pid"),
       "a symbolic link: not trusted, refused");
    unlink(link);
    unlink(file);
    ok(mkdir(file, 0755) == 0 && !sudo_policy_allows_at(file, "pid"), "a directory: refused");
    rmdir(file);
  }
  unsetenv("SUDO_UID");
  ok(invoker_init() && sudo_policy_allows("pid"), "not under sudo: always allowed");
  unlink(file);
  rmdir(dir);
}

/* In a child as uid 4260: a user namespace and a network namespace of its
 * own; netns_owned_by says 4260 owns it, root does not. */
static void test_netns_owned(void) {
  int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  ok(fd >= 0 && !netns_owned_by(fd, 4260), "the host's network namespace: not uid 4260's");
  close(fd);
  if (geteuid() != 0) {
    skip("needs root to become uid 4260");
    return;
  }
  int p[2];
  if (pipe(p) < 0)
    return;
  pid_t pid = fork();
  if (pid == 0) {
    char r = 'n';
    if (setgroups(0, NULL) == 0 && setresgid(4260, 4260, 4260) == 0 &&
        setresuid(4260, 4260, 4260) == 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0)
      r = 'y';
    if (write(p[1], &r, 1) != 1)
      _exit(1);
    pause();
    _exit(0);
  }
  close(p[1]);
  char r = 0;
  if (read(p[0], &r, 1) != 1 || r != 'y') {
    skip("could not make a user namespace as uid 4260 here");
  } else {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    ok(fd >= 0 && netns_owned_by(fd, 4260), "a namespace uid 4260 made: owned by uid 4260");
    ok(fd >= 0 && !netns_owned_by(fd, 0), "a namespace uid 4260 made: not root's");
    close(fd);
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  close(p[0]);
  ok(!netns_owned_by(-1, 0), "no descriptor: false");
}

/* The server sees the user's uid when connected to with invoker_connect
 * under sudo, root's otherwise. */
static void test_connect(void) {
  if (geteuid() != 0) {
    skip("needs root to act for uid 4261");
    return;
  }
  char sock[] = "/tmp/hostalias-test-sock.XXXXXX";
  int tmp = mkstemp(sock);
  close(tmp);
  unlink(sock);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
  int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ok(srv >= 0 && bind(srv, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(srv, 4) == 0 &&
         chmod(sock, 0777) == 0,
     "a server socket anyone may use");
  setenv("SUDO_UID", "4261", 1);
  setenv("SUDO_GID", "4261", 1);
  ok(invoker_init() && under_sudo(), "SUDO_UID=4261: under sudo");
  for (int as_user = 0; as_user < 2; as_user++) {
    int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int r = as_user ? invoker_connect(c, (struct sockaddr *)&sa, sizeof sa)
                    : connect(c, (struct sockaddr *)&sa, sizeof sa);
    int a = r == 0 ? accept(srv, NULL, NULL) : -1;
    struct ucred cred = {0};
    socklen_t len = sizeof cred;
    bool got = a >= 0 && getsockopt(a, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0;
    if (as_user)
      ok(got && cred.uid == 4261 && cred.gid == 4261 && geteuid() == 0,
         "invoker_connect: the server sees uid 4261 (got %u), and root's rights are back",
         (unsigned)cred.uid);
    else
      ok(got && cred.uid == 0, "connect: the server sees root");
    close(a);
    close(c);
  }
  chmod(sock, 0700);
  int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ok(invoker_connect(c, (struct sockaddr *)&sa, sizeof sa) < 0 && errno == EACCES,
     "a socket the user may not write: EACCES, as the user would get");
  close(c);
  close(srv);
  unlink(sock);
  unsetenv("SUDO_UID");
  unsetenv("SUDO_GID");
  invoker_init();
}

/* Who asked: SUDO_UID and SUDO_GID, checked, and the passwd entry. */
static void test_invoker(void) {
  struct invoker w = {.uid = 0};
  invoker_fill_passwd(&w);
  ok(w.has_passwd && !strcmp(w.name, "root") && !strcmp(w.home, "/root"),
     "invoker_fill_passwd: root's name and home");
  struct invoker none = {.uid = 4297, .gid = 4297};
  invoker_fill_passwd(&none);
  ok(!none.has_passwd && !none.name[0] && !none.home[0], "a uid without an entry: empty, said");
  unsetenv("SUDO_UID");
  ok(invoker_init() && !under_sudo() && !invoker()->has_passwd && !invoker()->name[0],
     "not under sudo: no passwd entry looked up (the real user's is asked for where needed)");
  if (geteuid() != 0) {
    setenv("SUDO_UID", "4298", 1);
    ok(invoker_init() && !under_sudo() && invoker()->uid == getuid(),
       "SUDO_UID only counts for root");
    unsetenv("SUDO_UID");
    return;
  }
  setenv("SUDO_UID", "4298", 1);
  setenv("SUDO_GID", "100", 1);
  setenv("SUDO_UID", "12x", 1);
  ok(!invoker_init(), "SUDO_UID that is not an id: refused");
  setenv("SUDO_UID", "4298", 1);
  setenv("SUDO_GID", "-1", 1);
  ok(!invoker_init(), "SUDO_GID that is not an id: refused");
  unsetenv("SUDO_GID");
  ok(invoker_init() && invoker()->uid == 4298 && invoker()->gid == 4298,
     "SUDO_UID alone, no passwd entry: the gid is the uid");
  struct passwd *pw = getpwnam("nobody");
  char nobody[32];
  snprintf(nobody, sizeof nobody, "%u", pw ? (unsigned)pw->pw_uid : 65534u);
  setenv("SUDO_UID", nobody, 1);
  ok(invoker_init() && invoker()->has_passwd && !strcmp(invoker()->name, "nobody") &&
         invoker()->gid == (pw ? pw->pw_gid : 65534u),
     "SUDO_UID alone: the gid and name from the passwd entry");
  unsetenv("SUDO_UID");
  unsetenv("SUDO_GID");
  ok(invoker_init() && !under_sudo(), "no SUDO_UID: not under sudo");
}

int main(void) {
  test_invoker();
  test_policy();
  test_netns_owned();
  test_connect();
  return tap_done();
}
