/* SPDX-License-Identifier: MIT */
/* Never the wrong container: which Compose replica or Swarm task is the
 * target when labels (which any image can carry) compete, whether a
 * process's cgroups name a container, and which engines run in a VM. */
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "swarm.h"
#include "tap.h"
#include "target.h"
#include "vm.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static struct container_summary rep(const char *name, const char *project, long number,
                                    const char *dir) {
  struct container_summary c;
  memset(&c, 0, sizeof c);
  strcpy(c.name, name);
  strcpy(c.id, ID_A);
  c.running = true;
  strcpy(c.compose.project, project);
  strcpy(c.compose.service, "web");
  c.compose.number = number;
  strcpy(c.compose.working_dir, dir);
  return c;
}

/* Every directory but /srv/nofile has a Compose file. */
static bool has_file(const char *dir) { return strcmp(dir, "/srv/nofile") != 0; }

static struct container_summary task(const char *name, const char *service, long slot) {
  struct container_summary c;
  memset(&c, 0, sizeof c);
  strcpy(c.name, name);
  strcpy(c.swarm.service, service);
  c.swarm.slot = slot;
  return c;
}

int main(void) {
  struct compose_choice ch;
  struct container_summary one[] = {rep("huginn_web_2", "huginn", 2, "/srv/huginn"),
                                    rep("huginn_web_1", "huginn", 1, "/srv/huginn")};
  compose_choose(one, 2, NULL, "/", has_file, &ch);
  ok(ch.result == COMPOSE_CHOSEN && !strcmp(ch.pick->name, "huginn_web_1") && ch.replicas == 2,
     "one project: its lowest-numbered replica, from anywhere");

  struct container_summary tie[] = {rep("huginn_web_1", "huginn", 1, "/srv/huginn"),
                                    rep("aaa", "huginn", 1, "/srv/huginn")};
  compose_choose(tie, 2, "huginn", NULL, has_file, &ch);
  ok(ch.result == COMPOSE_TIE && ch.pick && ch.other && !strcmp(ch.pick->name, "huginn_web_1") &&
         !strcmp(ch.other->name, "aaa"),
     "two claims to replica 1 are a tie naming both, never broken by name");

  struct container_summary nonum[] = {rep("aaa", "huginn", COMPOSE_NUMBER_NONE, ""),
                                      rep("huginn_web_3", "huginn", 3, "/srv/huginn")};
  compose_choose(nonum, 2, "huginn", NULL, has_file, &ch);
  ok(ch.result == COMPOSE_CHOSEN && !strcmp(ch.pick->name, "huginn_web_3"),
     "a replica without a valid number ranks after every numbered one");

  struct container_summary root[] = {rep("huginn_web_1", "huginn", 1, "/srv/huginn"),
                                     rep("evil_web_1", "evil", 1, "/")};
  compose_choose(root, 2, NULL, "/", has_file, &ch);
  ok(ch.result == COMPOSE_SEVERAL_PROJECTS, "a working_dir of / never makes its project the cwd's");
  compose_choose(root, 2, NULL, "/srv/huginn/app", has_file, &ch);
  ok(ch.result == COMPOSE_CHOSEN && ch.from_cwd && !strcmp(ch.project, "huginn"),
     "inside a real project's directory: that project");

  struct container_summary nofile[] = {rep("huginn_web_1", "huginn", 1, "/srv/huginn"),
                                       rep("evil_web_1", "evil", 1, "/srv/nofile")};
  compose_choose(nofile, 2, NULL, "/srv/nofile", has_file, &ch);
  ok(ch.result == COMPOSE_SEVERAL_PROJECTS,
     "a directory without a Compose file the user can read does not count");

  struct container_summary same_dir[] = {rep("huginn_web_1", "huginn", 1, "/srv/huginn"),
                                         rep("evil_web_1", "evil", 1, "/srv/huginn/")};
  compose_choose(same_dir, 2, NULL, "/srv/huginn", has_file, &ch);
  ok(ch.result == COMPOSE_DIR_AMBIGUOUS && ch.other,
     "two projects claiming one directory: ambiguous");

  struct container_summary deeper[] = {rep("outer_web_1", "outer", 1, "/srv"),
                                       rep("inner_web_1", "inner", 1, "/srv/inner")};
  compose_choose(deeper, 2, NULL, "/srv/inner/x", has_file, &ch);
  ok(ch.result == COMPOSE_CHOSEN && !strcmp(ch.project, "inner"), "the deepest directory wins");
  compose_choose(deeper, 2, "outer", "/srv/inner/x", has_file, &ch);
  ok(ch.result == COMPOSE_CHOSEN && !strcmp(ch.pick->name, "outer_web_1"),
     "an explicit project wins over the directory");
  compose_choose(deeper, 2, "nosuch", NULL, has_file, &ch);
  ok(ch.result == COMPOSE_NONE, "a project without the service: none");

  struct swarm_choice sc;
  struct container_summary tasks[] = {task("st_web.2.x", "st_web", 2),
                                      task("st_web.1.y", "st_web", 1)};
  swarm_choose(tasks, 2, &sc);
  ok(sc.result == SWARM_CHOSEN && !strcmp(sc.pick->name, "st_web.1.y"), "the lowest slot");
  struct container_summary ttie[] = {task("st_web.1.y", "st_web", 1),
                                     task("st_web.1.a", "st_web", 1)};
  swarm_choose(ttie, 2, &sc);
  ok(sc.result == SWARM_TIE && sc.other, "two claims to one slot: a tie");
  struct container_summary two[] = {task("a_web.1.y", "a_web", 1), task("b_web.1.y", "b_web", 1)};
  swarm_choose(two, 2, &sc);
  ok(sc.result == SWARM_SEVERAL, "tasks of two services: several");

  static const char v1[] = "12:pids:/docker/" ID_B "\n11:memory:/docker/" ID_B "\n0::/\n";
  ok(cgroup_names_container(v1, sizeof v1 - 1, ID_B), "Docker's cgroupfs driver: /docker/ID");
  static const char sd[] = "0::/system.slice/docker-" ID_B ".scope\n";
  static const char pod[] = "0::/machine.slice/libpod-" ID_B ".scope/container\n";
  static const char rootless[] =
      "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID_B ".scope\n";
  ok(cgroup_names_container(sd, sizeof sd - 1, ID_B) &&
         cgroup_names_container(pod, sizeof pod - 1, ID_B) &&
         cgroup_names_container(rootless, sizeof rootless - 1, ID_B),
     "systemd driver, Podman, rootless Podman: PREFIX-ID.scope");
  static const char conmon[] = "0::/machine.slice/libpod-conmon-" ID_B ".scope\n";
  static const char host[] = "12:pids:/user.slice\n0::/init.scope\n";
  static const char other[] = "0::/docker/" ID_A "\n";
  static const char embedded[] = "0::/docker/x" ID_B "\n0::/docker/" ID_B "0\n";
  ok(!cgroup_names_container(conmon, sizeof conmon - 1, ID_B) &&
         !cgroup_names_container(host, sizeof host - 1, ID_B) &&
         !cgroup_names_container(other, sizeof other - 1, ID_B) &&
         !cgroup_names_container(embedded, sizeof embedded - 1, ID_B),
     "never Podman's monitor, a host process, another container, or the ID inside a word");
  ok(!cgroup_names_container(v1, sizeof v1 - 1, "0123"), "only a full 64-digit ID is looked for");

  static const char cenv[] = "engine=\"podman-4.3.1\"\nname=\"web\"\nid=\"" ID_B "\"\nrootless=1\n";
  ok(container_files_name(cenv, sizeof cenv - 1, NULL, 0, ID_B) &&
         container_files_name(NULL, 0, "0123456789ab\n", 13, ID_B),
     "no cgroup of its own: Podman's /run/.containerenv, or Docker's default hostname");
  static const char cenv_other[] = "id=\"" ID_A "\"\n";
  ok(!container_files_name(cenv_other, sizeof cenv_other - 1, "myhost\n", 7, ID_B) &&
         !container_files_name(NULL, 0, "0123456789a\n", 12, ID_B) &&
         !container_files_name(NULL, 0, NULL, 0, ID_B),
     "another container's ID, another hostname, or nothing: no");

  char what[64];
  static const char dd[] = "{\"OperatingSystem\":\"Docker Desktop\",\"Name\":\"docker-desktop\"}";
  static const char plain[] = "{\"OperatingSystem\":\"Debian GNU/Linux 12\",\"Name\":\"host\"}";
  ok(engine_info_says_vm(dd, sizeof dd - 1, "/var/run/docker.sock", what, sizeof what) &&
         !strcmp(what, "Docker Desktop"),
     "Docker Desktop by its /info");
  ok(engine_info_says_vm(plain, sizeof plain - 1, "/home/u/.colima/default/docker.sock", what,
                         sizeof what) &&
         !strcmp(what, "Colima"),
     "Colima by its socket");
  ok(!engine_info_says_vm(plain, sizeof plain - 1, "/var/run/docker.sock", what, sizeof what) &&
         !engine_info_says_vm(NULL, 0, "/run/podman/podman.sock", what, sizeof what),
     "a local engine is no VM");
  return tap_done();
}
