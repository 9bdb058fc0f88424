/* SPDX-License-Identifier: MIT */
/* Which Swarm task a target name means: the service's full name, or a stack
 * service's short one, within --project's stack when given. */
#include <string.h>

#include "swarm.h"
#include "tap.h"

static bool m(const char *service, const char *stack, const char *name, const char *project) {
  struct swarm_labels l = {0};
  strcpy(l.service, service);
  strcpy(l.stack, stack);
  return swarm_name_matches(&l, name, project);
}

int main(void) {
  ok(m("st_web", "st", "web", NULL), "a stack service by its short name");
  ok(m("st_web", "st", "st_web", NULL), "a stack service by its full name");
  ok(m("web", "", "web", NULL), "a plain service by its name");
  ok(!m("web", "", "we", NULL) && !m("st_web", "st", "eb", NULL), "no prefix or suffix matches");
  ok(!m("other_web", "st", "web", NULL),
     "a service named STACK_ only when its stack label is that stack");
  ok(m("st_web", "st", "web", "st") && !m("st_web", "st", "web", "prod"),
     "--project chooses the stack");
  ok(!m("web", "", "web", "st"), "--project: a service of no stack is not in it");
  ok(!m("", "st", "web", NULL), "no service label: not a task");
  return tap_done();
}
