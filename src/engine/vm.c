/* SPDX-License-Identifier: MIT */
#include "vm.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

static bool contains(const char *s, const char *what) { return s && strcasestr(s, what); }

bool engine_info_says_vm(const char *json, size_t len, const char *socket, char *what,
                         size_t size) {
  static const struct {
    const char *needle, *kind;
  } sockets[] = {
      {"/.docker/desktop/", "Docker Desktop"},
      {"/.rd/", "Rancher Desktop"},
      {"/.colima/", "Colima"},
      {"/.lima/", "Lima"},
      {"/podman/machine/", "Podman machine"},
      {"podman-machine", "Podman machine"},
  };
  const char *kind = NULL;
  json_auto_t *info = json ? json_loadb(json, len, 0, NULL) : NULL;
  const char *os = json_string_value(json_object_get(info, "OperatingSystem"));
  const char *name = json_string_value(json_object_get(info, "Name"));
  if (contains(os, "Docker Desktop") || contains(name, "docker-desktop"))
    kind = "Docker Desktop";
  else if (contains(name, "rancher-desktop") || contains(os, "Rancher Desktop"))
    kind = "Rancher Desktop";
  else if (contains(name, "colima"))
    kind = "Colima";
  else if (name && !strncmp(name, "lima-", 5))
    kind = "Lima";
  else if (contains(name, "podman-machine"))
    kind = "Podman machine";
  for (size_t i = 0; !kind && socket && i < sizeof sockets / sizeof *sockets; i++)
    if (strstr(socket, sockets[i].needle))
      kind = sockets[i].kind;
  if (kind)
    snprintf(what, size, "%s", kind);
  return kind != NULL;
}

bool engine_runs_in_vm(const struct engine *e, char *what, size_t size) {
  struct http_response r;
  char err[256];
  enum http_error he;
  {
    VERBOSITY_SCOPE(VERBOSITY_SILENT);
    he = engine_get(e, "/info", &r, err, sizeof err);
  }
  bool ok = he == HTTP_OK && r.status == 200;
  bool vm =
      engine_info_says_vm(ok ? r.body : NULL, ok ? r.body_len : 0, e->socket_path, what, size);
  if (he == HTTP_OK)
    http_response_free(&r);
  return vm;
}
