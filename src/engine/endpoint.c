/* SPDX-License-Identifier: MIT */
/* Which socket, and whose: see endpoint.h. */
#include "endpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "http.h"
#include "privileges.h"
#include "sha256.h"
#include "util.h"

#define DEFAULT_DOCKER_SOCKET "/var/run/docker.sock"
#define DEFAULT_PODMAN_SOCKET "/run/podman/podman.sock"

/* WHAT names where ADDR came from, for messages: "DOCKER_HOST=". ADDR is
 * shown in them only when SHOW: under sudo, what a file said is not echoed
 * (the user typed its path, not its content). */
static bool set_path(struct engine *e, const char *addr, const char *what, bool show) {
  const char *path = addr, *shown = show ? addr : "(its value not shown under sudo)";
  if (strncmp(addr, "unix://", 7) == 0)
    path = addr + 7;
  else if (strstr(addr, "://")) {
    /* Not a fallback to the local socket: that would be another engine than
     * the one named, and a remote engine's containers cannot be entered. */
    log_error("%s%s: not a unix socket; hostalias enters a container's network namespace, "
              "so the engine must run on this host (unix:///path)",
              what, shown);
    return false;
  }
  if (path[0] != '/' || strlen(path) >= sizeof e->socket_path) {
    log_error("%s%s: expected unix:///absolute/path (under %zu bytes)", what, shown,
              sizeof e->socket_path);
    return false;
  }
  strcpy(e->socket_path, path);
  strcpy(e->connect_path, path);
  return true;
}

static bool is_socket(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

static bool same_inode(const struct stat *a, const struct stat *b) {
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Under sudo, a socket the user named (-H, DOCKER_HOST, a context) must be
 * one they could connect to on their own: root would otherwise connect, for
 * them, to any socket of the host. The system engine's sockets are the
 * exception: asking them for the user is what sudo hostalias is for. The
 * socket is looked up and checked with the user's rights, held by an O_PATH
 * descriptor, and every connection goes through that descriptor, so the
 * path cannot be swapped for another afterwards. */
static bool pin_named_socket(struct engine *e, const char *what) {
  int fd, e_open, can = -1;
  struct stat at_path;
  bool same = false;
  {
    _cleanup_invoker_rights_ struct invoker_rights r;
    if (!invoker_rights_begin(&r))
      return false;
    fd = open(e->socket_path, O_PATH | O_CLOEXEC);
    e_open = errno;
    if (fd >= 0) {
      struct stat held;
      can = faccessat(AT_FDCWD, e->socket_path, W_OK, AT_EACCESS);
      same = fstat(fd, &held) == 0 && stat(e->socket_path, &at_path) == 0 &&
             same_inode(&held, &at_path);
    }
  }
  if (fd < 0) {
    errno = e_open;
    log_error_errno("%s%s: cannot open it as uid %u", what, e->socket_path,
                    (unsigned)invoker()->uid);
    return false;
  }
  e->pinned_fd = fd;
  struct stat sys;
  bool system_engine = (stat(DEFAULT_DOCKER_SOCKET, &sys) == 0 && same_inode(&sys, &at_path)) ||
                       (stat(DEFAULT_PODMAN_SOCKET, &sys) == 0 && same_inode(&sys, &at_path));
  if (!same || !S_ISSOCK(at_path.st_mode) || (can != 0 && !system_engine)) {
    log_error("%s%s: uid %u, who runs hostalias through sudo, could not connect to it; refused "
              "(sudo must not let a user reach a socket they could not)",
              what, e->socket_path, (unsigned)invoker()->uid);
    return false;
  }
  snprintf(e->connect_path, sizeof e->connect_path, "/proc/self/fd/%d", fd);
  /* The system engine's socket is root's to ask (the user may not be in the
   * docker group); any other is connected to as the user would. */
  e->as_invoker = !system_engine;
  return true;
}

static bool named_socket(struct engine *e, const char *addr, const char *what, bool show) {
  if (!set_path(e, addr, what, show))
    return false;
  return !under_sudo() || pin_named_socket(e, what);
}

#define CONFIG_FILE_MAX (1024 * 1024)

/* A small JSON file of the user's (config.json, a context's meta.json):
 * bounded, a regular file, no repeated keys. NULL when it does not exist;
 * NULL and *BAD after a message when it cannot be used. Its path comes from
 * the user's environment: under sudo it is opened with the user's rights
 * (privileges.h), so root reads nothing for them that they could not. */
static json_t *read_json_file(const char *path, bool *bad) {
  *bad = false;
  _cleanup_fd_ int fd = invoker_open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT)
      return NULL;
    log_error_errno("%s: cannot open", path);
    *bad = true;
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > CONFIG_FILE_MAX) {
    log_error("%s: not a regular file of at most 1 MiB", path);
    *bad = true;
    return NULL;
  }
  json_t *root = json_loadfd(fd, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_object(root)) {
    log_error("%s: not a JSON object (or repeats a key)", path);
    json_decref(root);
    *bad = true;
    return NULL;
  }
  return root;
}

/* The Docker context in force: 1 when it named the socket, 0 when there is
 * none (or it is "default"), -1 after a message. */
static int use_context(struct engine *e) {
  char dir[4096];
  const char *cfg = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
  /* Under sudo, HOME is root's (sudo's env_reset) or whatever the user
   * kept: the configuration is the user's, in their passwd home, read with
   * their rights; a DOCKER_CONFIG sudo kept (env_keep) is theirs too. */
  if (under_sudo())
    home = invoker()->has_passwd ? invoker()->home : NULL;
  if (cfg && *cfg)
    snprintf(dir, sizeof dir, "%s", cfg);
  else if (home && *home)
    snprintf(dir, sizeof dir, "%s/.docker", home);
  else
    dir[0] = '\0';
  char name[256], source[4200];
  const char *env = getenv("DOCKER_CONTEXT");
  bool bad;
  if (env && *env) {
    snprintf(name, sizeof name, "%s", env);
    snprintf(source, sizeof source, "DOCKER_CONTEXT");
  } else {
    if (!dir[0])
      return 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/config.json", dir);
    json_auto_t *config = read_json_file(path, &bad);
    if (bad)
      return -1;
    const char *cur = json_string_value(json_object_get(config, "currentContext"));
    snprintf(name, sizeof name, "%s", cur ? cur : "");
    snprintf(source, sizeof source, "currentContext in %.4000s", path);
  }
  if (!name[0] || !strcmp(name, "default"))
    return 0;
  char shown[4 * 64 + 4], hash[65], path[4300];
  escape_for_message(shown, name, strlen(name), 64);
  if (under_sudo() && !(env && *env)) /* read from a file: not echoed */
    snprintf(shown, sizeof shown, "(named there)");
  sha256_hex(name, strlen(name), hash);
  snprintf(path, sizeof path, "%.4000s/contexts/meta/%s/meta.json", dir, hash);
  json_auto_t *meta = dir[0] ? read_json_file(path, &bad) : NULL;
  if (!meta) {
    if (!bad)
      log_error("docker context %s (from %s): not found (no %s)", shown, source, path);
    return -1;
  }
  json_t *host =
      json_object_get(json_object_get(json_object_get(meta, "Endpoints"), "docker"), "Host");
  char what[600];
  snprintf(what, sizeof what, "docker context %s (from %.300s): endpoint ", shown, source);
  if (!json_is_string(host)) {
    log_error("%s: has no Endpoints.docker.Host", path);
    return -1;
  }
  return named_socket(e, json_string_value(host), what, !under_sudo()) ? 1 : -1;
}

static bool engine_choose(struct engine *e, const char *override) {
  if (override)
    return named_socket(e, override, "--docker-host=", true);
  const char *env = getenv("DOCKER_HOST");
  if (env && *env)
    return named_socket(e, env, "DOCKER_HOST=", true);
  int ctx = use_context(e);
  if (ctx != 0)
    return ctx > 0;
  char cands[4][108];
  size_t n = 0;
  /* Root's defaults are the system's sockets: under sudo too (euid 0), so
   * a rootless engine of the user's is used only when named, and sudo's
   * env_reset drops XDG_RUNTIME_DIR anyway. */
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  if (geteuid() != 0 && xdg && xdg[0] == '/' && strlen(xdg) < 80) {
    snprintf(cands[n++], sizeof cands[0], "%s/docker.sock", xdg);
    snprintf(cands[n++], sizeof cands[0], "%s/podman/podman.sock", xdg);
  }
  snprintf(cands[n++], sizeof cands[0], "%s", DEFAULT_DOCKER_SOCKET);
  snprintf(cands[n++], sizeof cands[0], "%s", DEFAULT_PODMAN_SOCKET);
  for (size_t i = 0; i < n; i++) {
    if (is_socket(cands[i])) {
      strcpy(e->socket_path, cands[i]);
      strcpy(e->connect_path, cands[i]);
      return true;
    }
  }
  /* None is there: the first is asked, and its failure lists them all. */
  strcpy(e->socket_path, cands[0]);
  strcpy(e->connect_path, cands[0]);
  size_t len = 0;
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(e->tried + len, sizeof e->tried - len, "%s%s", i ? ", " : "", cands[i]);
  return true;
}

/* Who serves E's socket: the listening socket's credentials (SO_PEERCRED
 * on a connected socket gives those of the process that called listen()),
 * connected to as every request is. False, with errno, when it cannot be
 * told (nothing listens). */
static bool engine_peer_uid(const struct engine *e, uid_t *uid) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(e->connect_path) >= sizeof sa.sun_path) {
    errno = ENAMETOOLONG;
    return false;
  }
  strcpy(sa.sun_path, e->connect_path);
  _cleanup_fd_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  /* A listener with a full backlog makes connect() wait this long at most. */
  struct timeval tv = {.tv_sec = e->timeout_ms / 1000, .tv_usec = (e->timeout_ms % 1000) * 1000};
  (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int r = e->as_invoker ? invoker_connect(fd, (struct sockaddr *)&sa, sizeof sa)
                        : connect(fd, (struct sockaddr *)&sa, sizeof sa);
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
    return false;
  *uid = cred.uid;
  /* A whole exchange, not a bare connection: a server that expects a
   * request (a small one may serve one connection at a time) gets one,
   * GET /_ping, which every engine answers; the reply is read and dropped. */
  char ping[256];
  int pl = http_format_get(ping, sizeof ping, "/_ping");
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (pl > 0 && send(fd, ping, (size_t)pl, MSG_NOSIGNAL) == pl) {
    char buf[512];
    for (int i = 0; i < 64 && read(fd, buf, sizeof buf) > 0; i++)
      ;
  }
  return true;
}

/* Under sudo: E's server is root (a system engine), the invoking user
 * (their own engine, ENGINE_PEER_INVOKER), or refused: *VOUCH is set, or
 * left ENGINE_PEER_UNCHECKED when nothing answers. False, with a message,
 * when it is refused. */
static bool check_peer(const struct engine *e, enum engine_peer *vouch) {
  *vouch = ENGINE_PEER_UNCHECKED;
  uid_t uid;
  if (!under_sudo() || !engine_peer_uid(e, &uid))
    return true;
  if (uid == 0) {
    *vouch = ENGINE_PEER_ROOT;
  } else if (uid == invoker()->uid) {
    *vouch = ENGINE_PEER_INVOKER;
    log_info("%s: served by uid %u, who runs hostalias through sudo (their own engine): it leads "
             "only into namespaces that user owns",
             e->socket_path, (unsigned)uid);
  } else {
    log_error("%s: served by uid %u, neither root (a system engine) nor uid %u, who runs "
              "hostalias through sudo; refused (an engine another user runs vouches for nothing "
              "under sudo)",
              e->socket_path, (unsigned)uid, (unsigned)invoker()->uid);
    return false;
  }
  return true;
}

bool engine_init(struct engine *e, const char *override, int timeout_ms) {
  memset(e, 0, sizeof *e);
  e->pinned_fd = -1;
  e->timeout_ms = timeout_ms;
  return engine_choose(e, override) && check_peer(e, &e->vouch);
}

bool engine_vouches_for(const struct engine *e, pid_t pid) {
  enum engine_peer vouch = e->vouch;
  if (!under_sudo())
    return true;
  if (vouch == ENGINE_PEER_UNCHECKED && !check_peer(e, &vouch))
    return false;
  if (vouch == ENGINE_PEER_ROOT)
    return true;
  if (vouch == ENGINE_PEER_INVOKER) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
    _cleanup_fd_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && netns_owned_by(fd, invoker()->uid))
      return true;
  }
  log_error("%s: served by uid %u (who runs hostalias through sudo), names pid %d, whose network "
            "namespace that user does not own; refused (a user's own engine vouches only for "
            "namespaces the user owns)",
            e->socket_path, (unsigned)invoker()->uid, (int)pid);
  return false;
}

void engine_name_socket(const struct engine *e, char *msg, size_t size) {
  if (!strcmp(e->connect_path, e->socket_path))
    return;
  char *at = strstr(msg, e->connect_path);
  size_t cl = strlen(e->connect_path), sl = strlen(e->socket_path);
  if (!at || strlen(msg) - cl + sl >= size)
    return;
  memmove(at + sl, at + cl, strlen(at + cl) + 1);
  memcpy(at, e->socket_path, sl);
}

void engine_close(struct engine *e) {
  if (e->pinned_fd >= 0)
    close(e->pinned_fd);
  e->pinned_fd = -1;
}
