/* SPDX-License-Identifier: MIT */
/* The pieces of hostalias CONTAINER -- COMMAND that need no namespace:
 * the nsswitch.conf rewrite, the choice of user, and for a command run
 * apart, its environment, what counts as started by sudo, and the exit
 * status through the relay. */
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "privileges.h"
#include "pty_relay.h"
#include "run_command.h"
#include "tap.h"
#include "util.h"

static const char *rewrite(const char *in) {
  static struct strbuf out;
  strbuf_free(&out);
  run_command_nsswitch(in, strlen(in), &out);
  return out.data ? out.data : "";
}

/* The environment run_command_env makes of IN, one "K=V" a line. */
static const char *env_of(char *const *in, const struct run_user *u) {
  static struct strbuf out;
  strbuf_free(&out);
  char **env = run_command_env(in, u);
  for (size_t i = 0; env[i]; i++) {
    strbuf_append(&out, env[i], strlen(env[i]));
    strbuf_append(&out, "\n", 1);
  }
  run_command_env_free(env);
  return out.data ? out.data : "";
}

static void test_env(void) {
  struct run_user alice = {.who = {.uid = 4271, .gid = 100, .has_passwd = true}};
  strcpy(alice.who.name, "alice");
  strcpy(alice.who.home, "/home/alice");
  strcpy(alice.shell, "/bin/bash");
  char *const root_env[] = {"ROOT_API_TOKEN=secret",
                            "HOME=/root",
                            "USER=root",
                            "PATH=/root/bin:/usr/bin",
                            "LD_PRELOAD=/root/evil.so",
                            "SUDO_UID=4271",
                            "DISPLAY=:0",
                            "XAUTHORITY=/root/.Xauthority",
                            "SSH_AUTH_SOCK=/tmp/ssh-x/agent.1",
                            "TERM=xterm-256color",
                            "COLORTERM=truecolor",
                            "LANG=de_DE.UTF-8",
                            "LANG=fr_FR.UTF-8",
                            "LC_TIME=C.UTF-8",
                            "LC_ALL=../../../root/locale",
                            "LC_CTYPE=%s%s",
                            "LANGUAGE=de:en",
                            "TZ=Europe/Paris",
                            "LS_COLORS=di=01;34:ln=01;36",
                            "TERMINFO=/root/.terminfo",
                            "LC_=x",
                            "TERMX=1",
                            "NOEQUALS",
                            NULL};
  is_str(env_of(root_env, &alice),
         "HOME=/home/alice\nSHELL=/bin/bash\nUSER=alice\nLOGNAME=alice\n"
         "PATH=" RUN_COMMAND_PATH "\nTERM=xterm-256color\nCOLORTERM=truecolor\n"
         "LANG=de_DE.UTF-8\nLC_TIME=C.UTF-8\nLANGUAGE=de:en\nTZ=Europe/Paris\n"
         "LS_COLORS=di=01;34:ln=01;36\n",
         "root's variables dropped; the user's identity, a safe PATH; the terminal's and the "
         "locale's kept, the first of duplicates, none naming a file");
  char *const tz_env[] = {"TZ=:/usr/share/zoneinfo/UTC", NULL};
  is_str(strstr(env_of(tz_env, &alice), "TZ="), "TZ=:/usr/share/zoneinfo/UTC\n",
         "TZ naming a zoneinfo file kept");
  char *const bad_tz[] = {"TZ=/root/tz", "TZ=/usr/share/zoneinfo/../../../root/x", NULL};
  ok(!strstr(env_of(bad_tz, &alice), "TZ="), "TZ naming another file, or with .., dropped");
  char *const ctl[] = {"TERM=xterm\033]0;x\007", NULL};
  ok(!strstr(env_of(ctl, &alice), "TERM="), "a value with a control character dropped");
  char *const hijack[] = {"HOME=/root", "PATH=/tmp", "SHELL=/tmp/sh", NULL};
  ok(strstr(env_of(hijack, &alice), "PATH=/tmp") == NULL &&
         strstr(env_of(hijack, &alice), "HOME=/root") == NULL &&
         strstr(env_of(hijack, &alice), "SHELL=/tmp/sh") == NULL,
     "HOME, PATH and SHELL are never the caller's");
  struct run_user anon = {.who = {.uid = 4272, .gid = 4272}};
  is_str(env_of(NULL, &anon), "HOME=/\nSHELL=/bin/sh\nPATH=" RUN_COMMAND_PATH "\n",
         "no passwd entry: HOME=/, SHELL=/bin/sh, no USER or LOGNAME");
}

static void test_started_by_sudo(void) {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  self[n > 0 ? n : 0] = '\0';
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "%s web -- psql", self);
  ok(run_command_started_by_sudo(cmd), "SUDO_COMMAND naming this program, with arguments");
  ok(run_command_started_by_sudo(self), "SUDO_COMMAND naming this program alone");
  ok(!run_command_started_by_sudo("/bin/sh"), "SUDO_COMMAND naming a shell (sudo -s)");
  ok(!run_command_started_by_sudo("/bin/bash -c hostalias web -- id"),
     "SUDO_COMMAND naming a shell that ran it");
  ok(!run_command_started_by_sudo(NULL) && !run_command_started_by_sudo("") &&
         !run_command_started_by_sudo("test_run_command web"),
     "no SUDO_COMMAND, an empty one, a relative one: not started by sudo");
  struct run_user u = {.who = {.uid = 4273, .gid = 100}};
  if (geteuid() == 0) {
    setenv("SUDO_UID", "4273", 1);
    setenv("SUDO_GID", "100", 1);
    invoker_init();
    setenv("SUDO_COMMAND", cmd, 1);
    ok(!run_command_apart(&u), "started by sudo, as the invoking user: not apart");
    setenv("SUDO_COMMAND", "/bin/bash", 1);
    ok(run_command_apart(&u), "a root shell with SUDO_UID (sudo -s): apart");
    unsetenv("SUDO_COMMAND");
    ok(run_command_apart(&u), "SUDO_UID without SUDO_COMMAND: apart");
    unsetenv("SUDO_UID");
    unsetenv("SUDO_GID");
    invoker_init();
    ok(run_command_apart(&u), "root with --user: apart");
    u.keep_root = true;
    u.who.uid = 0;
    ok(!run_command_apart(&u), "root staying root: not apart");
  } else {
    u.who.uid = getuid();
    ok(!run_command_apart(&u), "the caller's own uid: not apart");
  }
}

static void test_exit_status(void) {
  ok(pty_relay_exit_status(7 << 8) == 7, "an exit status passes");
  ok(pty_relay_exit_status(SIGTERM) == 128 + SIGTERM, "killed by SIGTERM: 143");
  ok(pty_relay_exit_status(SIGKILL | 0x80) == 128 + SIGKILL, "killed, with a core: 137");
}

int main(void) {
  is_str(rewrite("passwd: files systemd\nhosts: files mdns4_minimal [NOTFOUND=return] dns "
                 "myhostname\nnetworks: files\n"),
         "passwd: files systemd\nhosts: files dns\nnetworks: files\n",
         "the hosts line replaced, every other line kept");
  is_str(rewrite("hosts: resolve [!UNAVAIL=return] files dns\n  hosts:\tdns\n"),
         "hosts: files dns\n", "every hosts line (even indented) becomes one");
  is_str(rewrite("passwd: files\n# hosts: dns\nhostsfoo: x"),
         "passwd: files\n# hosts: dns\nhostsfoo: x\nhosts: files dns\n",
         "comments and look-alike keys kept; a file without hosts gets one");
  is_str(rewrite(""), "hosts: files dns\n", "an empty file gets the hosts line");

  struct run_user u;
  unsetenv("SUDO_UID");
  unsetenv("SUDO_GID");
  ok(invoker_init() && !under_sudo(), "no SUDO_UID: not under sudo");
  ok(run_user_choose("root", &u) && u.who.uid == 0 && u.keep_root && !strcmp(u.who.name, "root") &&
         !strcmp(u.who.home, "/root") && u.who.has_passwd,
     "--user root without sudo: root, with root's passwd entry");
  ok(run_user_choose("4299", &u) && u.who.uid == 4299 && u.who.gid == 4299 && !u.keep_root &&
         !u.who.has_passwd,
     "--user with a uid that has no entry: that uid, gid the same");
  ok(!run_user_choose("no-such-user-here", &u), "--user with an unknown name refused");
  if (geteuid() == 0) {
    setenv("SUDO_UID", "4298", 1);
    setenv("SUDO_GID", "100", 1);
    ok(invoker_init() && under_sudo() && invoker()->uid == 4298 && invoker()->gid == 100,
       "SUDO_UID and SUDO_GID: under sudo, for uid 4298 gid 100");
    ok(run_user_choose(NULL, &u) && u.who.uid == 4298 && u.who.gid == 100 && !u.keep_root,
       "under sudo: SUDO_UID and SUDO_GID");
    ok(!run_user_choose("root", &u), "under sudo: --user root refused");
    ok(!run_user_choose("0", &u), "under sudo: --user 0 refused");
    ok(!run_user_choose("4299", &u), "under sudo: --user naming another user refused");
    ok(run_user_choose("4298", &u) && u.who.uid == 4298 && u.who.gid == 100 && !u.keep_root,
       "under sudo: --user naming the invoking user is allowed");
    setenv("SUDO_UID", "0", 1);
    ok(invoker_init() && !under_sudo() && run_user_choose(NULL, &u) && u.who.uid == 0 &&
           u.keep_root,
       "SUDO_UID=0 (root ran sudo): root, not under sudo");
    unsetenv("SUDO_UID");
    ok(invoker_init() && run_user_choose(NULL, &u) && u.who.uid == 0 && u.keep_root,
       "root without sudo stays root");
  } else {
    ok(run_user_choose(NULL, &u) && u.who.uid == getuid() && !u.keep_root, "the caller");
  }
  test_env();
  test_started_by_sudo();
  test_exit_status();
  return tap_done();
}
