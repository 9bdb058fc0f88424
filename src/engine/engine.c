/* SPDX-License-Identifier: MIT */
#include "engine.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

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

static bool named_socket(struct engine *e, const char *addr, const char *what, bool show);

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
    json_t *config = read_json_file(path, &bad);
    if (bad)
      return -1;
    const char *cur = json_string_value(json_object_get(config, "currentContext"));
    snprintf(name, sizeof name, "%s", cur ? cur : "");
    snprintf(source, sizeof source, "currentContext in %.4000s", path);
    json_decref(config);
  }
  if (!name[0] || !strcmp(name, "default"))
    return 0;
  char shown[4 * 64 + 4], hash[65], path[4300];
  escape_for_message(shown, name, strlen(name), 64);
  if (under_sudo() && !(env && *env)) /* read from a file: not echoed */
    snprintf(shown, sizeof shown, "(named there)");
  sha256_hex(name, strlen(name), hash);
  snprintf(path, sizeof path, "%.4000s/contexts/meta/%s/meta.json", dir, hash);
  json_t *meta = dir[0] ? read_json_file(path, &bad) : NULL;
  if (!meta) {
    if (!bad)
      log_error("docker context %s (from %s): not found (no %s)", shown, source, path);
    return -1;
  }
  json_t *host =
      json_object_get(json_object_get(json_object_get(meta, "Endpoints"), "docker"), "Host");
  char what[600];
  snprintf(what, sizeof what, "docker context %s (from %.300s): endpoint ", shown, source);
  int r = -1;
  if (!json_is_string(host))
    log_error("%s: has no Endpoints.docker.Host", path);
  else if (named_socket(e, json_string_value(host), what, !under_sudo()))
    r = 1;
  json_decref(meta);
  return r;
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
  static const char ping[] = "GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n";
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (send(fd, ping, sizeof ping - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof ping - 1)) {
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

static bool named_socket(struct engine *e, const char *addr, const char *what, bool show) {
  if (!set_path(e, addr, what, show))
    return false;
  return !under_sudo() || pin_named_socket(e, what);
}

static bool engine_choose(struct engine *e, const char *override);

bool engine_init(struct engine *e, const char *override, int timeout_ms) {
  memset(e, 0, sizeof *e);
  e->pinned_fd = -1;
  e->timeout_ms = timeout_ms;
  return engine_choose(e, override) && check_peer(e, &e->vouch);
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

enum http_error engine_get(const struct engine *e, const char *path, struct http_response *out,
                           char *err, size_t errlen) {
  enum http_error r =
      http_unix_request(e->connect_path, e->as_invoker, path, e->timeout_ms, out, err, errlen);
  engine_name_socket(e, err, errlen);
  if ((r == HTTP_NO_SOCKET || r == HTTP_REFUSED) && e->tried[0])
    snprintf(err, errlen,
             "no Engine API socket answers (tried %s); give one with -H, "
             "DOCKER_HOST or a docker context",
             e->tried);
  return r;
}

bool engine_target_valid(const char *t) {
  size_t len = strlen(t);
  if (len == 0 || len > 255)
    return false;
  if (!((t[0] >= 'a' && t[0] <= 'z') || (t[0] >= 'A' && t[0] <= 'Z') ||
        (t[0] >= '0' && t[0] <= '9')))
    return false;
  for (size_t i = 1; i < len; i++) {
    char c = t[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.' || c == '-'))
      return false;
  }
  return true;
}

static void copy_sanitized(char *dst, size_t size, const char *src) {
  size_t j = 0;
  for (size_t i = 0; src[i] && j + 1 < size; i++) {
    unsigned char c = (unsigned char)src[i];
    dst[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
  }
  dst[j] = '\0';
}

/* Copies S into DST when it is a plain string that fits: no control bytes,
 * shorter than SIZE. Else DST is left empty: a label that does not pass is
 * no label at all, never a truncated or altered one. */
static void copy_exact(char *dst, size_t size, json_t *s) {
  dst[0] = '\0';
  const char *v = json_string_value(s);
  if (!v)
    return;
  size_t len = strlen(v);
  if (len >= size)
    return;
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
      return;
  memcpy(dst, v, len + 1);
}

/* Whether ID is LEN characters of 0-9 and a-LAST. */
static bool id_of(const char *id, size_t len, char last) {
  if (strlen(id) != len)
    return false;
  for (size_t i = 0; i < len; i++)
    if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= last)))
      return false;
  return true;
}

/* A Swarm object's ID (a swarm-scoped network's, a node's, a task's): 25
 * lowercase letters and digits. */
static bool swarm_id_valid(const char *id) { return id_of(id, 25, 'z'); }

static void parse_compose_labels(json_t *labels, struct compose_labels *out) {
  memset(out, 0, sizeof *out);
  if (!json_is_object(labels))
    return;
  copy_exact(out->project, sizeof out->project,
             json_object_get(labels, "com.docker.compose.project"));
  copy_exact(out->service, sizeof out->service,
             json_object_get(labels, "com.docker.compose.service"));
  copy_exact(out->working_dir, sizeof out->working_dir,
             json_object_get(labels, "com.docker.compose.project.working_dir"));
  char num[24];
  copy_exact(num, sizeof num, json_object_get(labels, "com.docker.compose.container-number"));
  if (!parse_long(num, 1, 1000000, &out->number))
    out->number = COMPOSE_NUMBER_NONE;
  char oneoff[8];
  copy_exact(oneoff, sizeof oneoff, json_object_get(labels, "com.docker.compose.oneoff"));
  out->oneoff = strcmp(oneoff, "True") == 0;
  if (!engine_target_valid(out->service))
    out->service[0] = '\0';
}

static void hint_socket(const struct engine *e, enum http_error he);

static void parse_swarm_labels(json_t *labels, struct swarm_labels *out) {
  memset(out, 0, sizeof *out);
  out->slot = COMPOSE_NUMBER_NONE;
  if (!json_is_object(labels))
    return;
  copy_exact(out->service, sizeof out->service,
             json_object_get(labels, "com.docker.swarm.service.name"));
  copy_exact(out->stack, sizeof out->stack, json_object_get(labels, "com.docker.stack.namespace"));
  if (!engine_target_valid(out->service))
    out->service[0] = '\0';
  if (!engine_target_valid(out->stack))
    out->stack[0] = '\0';
  /* SERVICE.SLOT.TASKID; a global service's task has the node ID there. */
  char task[256];
  copy_exact(task, sizeof task, json_object_get(labels, "com.docker.swarm.task.name"));
  size_t sl = strlen(out->service);
  copy_exact(out->task_id, sizeof out->task_id,
             json_object_get(labels, "com.docker.swarm.task.id"));
  if (!swarm_id_valid(out->task_id))
    out->task_id[0] = '\0';
  if (sl && !strncmp(task, out->service, sl) && task[sl] == '.') {
    char slot[24];
    const char *dot = strchr(task + sl + 1, '.');
    if (dot && strlen(task) < sizeof out->task_name)
      strcpy(out->task_name, task);
    size_t n = dot ? (size_t)(dot - task - sl - 1) : 0;
    if (n > 0 && n < sizeof slot) {
      memcpy(slot, task + sl + 1, n);
      slot[n] = '\0';
      if (!parse_long(slot, 1, 1000000, &out->slot))
        out->slot = COMPOSE_NUMBER_NONE;
    }
  }
}

json_t *engine_get_json(const struct engine *e, const char *path, int *status) {
  struct http_response r;
  char err[256];
  *status = 0;
  enum http_error he = engine_get(e, path, &r, err, sizeof err);
  if (he != HTTP_OK) {
    log_error("cannot ask the Engine API for %s: %s", path, err);
    hint_socket(e, he);
    return NULL;
  }
  *status = r.status;
  json_t *root =
      r.status == 200 ? json_loadb(r.body, r.body_len, JSON_REJECT_DUPLICATES, NULL) : NULL;
  if (r.status == 200 && !root)
    *status = -1; /* not JSON */
  http_response_free(&r);
  return root;
}

/* A container ID as the API gives it: 64 lowercase hex digits. */
static bool id_valid(const char *id) { return id_of(id, 64, 'f'); }

const char *engine_parse_inspect(const char *json, size_t len, struct container_state *out) {
  memset(out, 0, sizeof *out);
  json_error_t jerr;
  json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!root)
    return "reply is not valid JSON (or repeats a key)";
  const char *why = NULL;
  json_t *state = json_object_get(root, "State");
  json_t *pid = state ? json_object_get(state, "Pid") : NULL;
  json_t *running = state ? json_object_get(state, "Running") : NULL;
  json_t *status = state ? json_object_get(state, "Status") : NULL;
  json_t *name = json_object_get(root, "Name");
  json_t *config = json_object_get(root, "Config");
  json_t *settings = json_object_get(root, "NetworkSettings");
  json_t *networks = json_is_object(settings) ? json_object_get(settings, "Networks") : NULL;
  if (!json_is_object(state))
    why = "reply has no State object";
  else if (!json_is_integer(pid) || json_integer_value(pid) < 0 ||
           json_integer_value(pid) > 0x3fffffff)
    why = "reply has no valid State.Pid";
  else if (!json_is_boolean(running))
    why = "reply has no valid State.Running";
  else {
    out->pid = (pid_t)json_integer_value(pid);
    out->running = json_is_true(running);
    copy_sanitized(out->status, sizeof out->status,
                   json_is_string(status) ? json_string_value(status) : "unknown");
    const char *n = json_is_string(name) ? json_string_value(name) : "";
    copy_sanitized(out->name, sizeof out->name, n[0] == '/' ? n + 1 : n);
    copy_exact(out->id, sizeof out->id, json_object_get(root, "Id"));
    if (!id_valid(out->id))
      out->id[0] = '\0';
    parse_compose_labels(json_is_object(config) ? json_object_get(config, "Labels") : NULL,
                         &out->compose);
    parse_swarm_labels(json_is_object(config) ? json_object_get(config, "Labels") : NULL,
                       &out->swarm);
    const char *key;
    json_t *ep;
    json_object_foreach(networks, key, ep) {
      if (out->nnetworks == ENGINE_NETWORKS_MAX)
        break;
      struct engine_network *net = &out->networks[out->nnetworks];
      json_t *k = json_string(key);
      copy_exact(net->name, sizeof net->name, k);
      json_decref(k);
      copy_exact(net->id, sizeof net->id,
                 json_is_object(ep) ? json_object_get(ep, "NetworkID") : NULL);
      if (net->name[0] && (id_valid(net->id) || swarm_id_valid(net->id)))
        out->nnetworks++;
    }
    if (out->running && out->pid == 0)
      why = "reply says running but has no PID";
  }
  json_decref(root);
  return why;
}

static void api_message(const struct http_response *r, char *out, size_t size) {
  json_t *root = json_loadb(r->body, r->body_len, 0, NULL);
  json_t *msg = root ? json_object_get(root, "message") : NULL;
  if (json_is_string(msg))
    copy_sanitized(out, size, json_string_value(msg));
  else
    snprintf(out, size, "HTTP status %d", r->status);
  json_decref(root);
}

/* Whether PROGRAM is an executable on $PATH. */
static bool on_path(const char *program) {
  const char *path = getenv("PATH");
  if (!path || !*path)
    path = "/usr/local/bin:/usr/bin:/bin";
  char buf[4096];
  for (const char *p = path; *p;) {
    const char *colon = strchr(p, ':');
    size_t len = colon ? (size_t)(colon - p) : strlen(p);
    if (len && len + strlen(program) + 2 < sizeof buf) {
      snprintf(buf, sizeof buf, "%.*s/%s", (int)len, p, program);
      if (access(buf, X_OK) == 0)
        return true;
    }
    p += len + (colon ? 1 : 0);
  }
  return false;
}

/* What to do about a socket that would not answer, after its error. */
static void hint_socket(const struct engine *e, enum http_error he) {
  if (he == HTTP_DENIED)
    log_error("hint: run as root or as a member of the docker group");
  /* Rootless Podman serves its API only when asked to: without the user's
   * podman.socket (or a podman system service), nothing listens. */
  if ((he == HTTP_NO_SOCKET || he == HTTP_REFUSED) && e->tried[0] && geteuid() != 0 &&
      on_path("podman"))
    log_error("hint: rootless Podman serves its API only when started: systemctl --user enable "
              "--now podman.socket, or (without systemd) podman system service --time=0 &");
}

enum engine_result engine_inspect_container(const struct engine *e, const char *target,
                                            struct container_state *out) {
  char path[300];
  snprintf(path, sizeof path, "/containers/%s/json", target);
  struct http_response r;
  char err[256];
  enum http_error he = engine_get(e, path, &r, err, sizeof err);
  if (he != HTTP_OK) {
    log_error("cannot ask the Engine API about container %s: %s", target, err);
    hint_socket(e, he);
    return ENGINE_ERROR;
  }
  enum engine_result result = ENGINE_ERROR;
  if (r.status == 404) {
    result = ENGINE_NOT_FOUND;
  } else if (r.status != 200) {
    char msg[256];
    api_message(&r, msg, sizeof msg);
    log_error("the Engine API at %s refused to inspect %s: %s", e->socket_path, target, msg);
  } else {
    const char *why = engine_parse_inspect(r.body, r.body_len, out);
    if (why)
      log_error("the Engine API at %s gave a bad answer about %s: %s", e->socket_path, target, why);
    else if (!out->running || !out->pid || engine_vouches_for(e, out->pid))
      result = ENGINE_FOUND;
  }
  http_response_free(&r);
  return result;
}

const char *engine_parse_containers(const char *json, size_t len, container_fn fn, void *ctx) {
  json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
  if (!root)
    return "reply is not valid JSON (or repeats a key)";
  if (!json_is_array(root)) {
    json_decref(root);
    return "reply is not a JSON array";
  }
  size_t i;
  json_t *c;
  json_array_foreach(root, i, c) {
    struct container_summary sum;
    memset(&sum, 0, sizeof sum);
    size_t j;
    json_t *n;
    json_array_foreach(json_object_get(c, "Names"), j, n) {
      const char *s = json_string_value(n);
      if (s && s[0] == '/')
        s++;
      if (s && engine_target_valid(s) && strlen(s) < sizeof sum.name) {
        strcpy(sum.name, s);
        break;
      }
    }
    if (!sum.name[0])
      continue;
    copy_exact(sum.id, sizeof sum.id, json_object_get(c, "Id"));
    if (!id_valid(sum.id))
      sum.id[0] = '\0';
    json_t *state = json_object_get(c, "State");
    sum.running = json_is_string(state) && !strcmp(json_string_value(state), "running");
    parse_compose_labels(json_object_get(c, "Labels"), &sum.compose);
    parse_swarm_labels(json_object_get(c, "Labels"), &sum.swarm);
    fn(&sum, ctx);
  }
  json_decref(root);
  return NULL;
}

/* Percent-encodes S for a URL query value. */
static void url_encode(const char *s, char *out, size_t size) {
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (; *s && o + 4 < size; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        strchr("-._~", c)) {
      out[o++] = (char)c;
    } else {
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  out[o] = '\0';
}

bool engine_list_containers(const struct engine *e, const char *filters, container_fn fn,
                            void *ctx) {
  char path[900] = "/containers/json";
  if (filters) {
    char q[800];
    url_encode(filters, q, sizeof q);
    snprintf(path, sizeof path, "/containers/json?filters=%s", q);
  }
  struct http_response r;
  char err[256];
  enum http_error he = engine_get(e, path, &r, err, sizeof err);
  if (he != HTTP_OK) {
    log_error("cannot list containers: %s", err);
    hint_socket(e, he);
    return false;
  }
  bool ok = false;
  if (r.status != 200) {
    char msg[256];
    api_message(&r, msg, sizeof msg);
    log_error("the Engine API at %s refused to list containers: %s", e->socket_path, msg);
  } else {
    const char *why = engine_parse_containers(r.body, r.body_len, fn, ctx);
    if (why)
      log_error("the Engine API at %s gave a bad container list: %s", e->socket_path, why);
    ok = !why;
  }
  http_response_free(&r);
  return ok;
}

/* True when NAME is the container's ID or a prefix of it that Docker
 * uses as an alias (its short ID): such names are not service names. */
static bool is_id_alias(const char *name, const char *id) {
  size_t len = strlen(name);
  return id[0] && len >= 12 && len <= 64 && strncmp(name, id, len) == 0;
}

static void names_from(json_t *list, const char *id, void (*fn)(const char *, void *), void *ctx) {
  size_t i;
  json_t *v;
  json_array_foreach(list, i, v) {
    char name[256];
    copy_exact(name, sizeof name, v);
    if (name[0] && !is_id_alias(name, id))
      fn(name, ctx);
  }
}

const char *engine_parse_endpoint_names(const char *json, size_t len, const char *const *networks,
                                        size_t n, void (*fn)(const char *name, void *ctx),
                                        void *ctx) {
  json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_object(root)) {
    json_decref(root);
    return "reply is not a JSON object (or repeats a key)";
  }
  char id[65];
  copy_exact(id, sizeof id, json_object_get(root, "Id"));
  if (!id_valid(id)) {
    json_decref(root);
    return "reply has no valid Id";
  }
  json_t *settings = json_object_get(root, "NetworkSettings");
  json_t *nets = json_is_object(settings) ? json_object_get(settings, "Networks") : NULL;
  for (size_t i = 0; i < n; i++) {
    json_t *ep = json_object_get(nets, networks[i]);
    if (!json_is_object(ep))
      continue;
    names_from(json_object_get(ep, "Aliases"), id, fn, ctx);
    names_from(json_object_get(ep, "DNSNames"), id, fn, ctx);
  }
  json_decref(root);
  return NULL;
}

/* Concurrent connections for engine_inspect_many. Measured on dockerd 20.10
 * with 2 cores, 201 inspects: 4 and 8 in flight took 31-34 ms, 16 took
 * 28-32 ms, 32 no better; dockerd's CPU is the limit. */
#define INSPECT_IN_FLIGHT 16

struct inspect_batch {
  const struct engine *e;
  struct http_request *reqs;
  void (*fn)(size_t i, const char *json, size_t len, void *ctx);
  void *ctx;
  bool ok;
};

/* Each reply as soon as it is in: its parsing overlaps the engine's work
 * on the others. */
static void on_inspected(struct http_request *r, void *ctx) {
  struct inspect_batch *b = ctx;
  if (r->result != HTTP_OK) {
    engine_name_socket(b->e, r->err, sizeof r->err);
    if (b->ok)
      log_error("cannot inspect the containers on the target's networks: %s", r->err);
    b->ok = false;
  } else if (r->response.status == 200) {
    b->fn((size_t)(r - b->reqs), r->response.body, r->response.body_len, b->ctx);
  } else if (r->response.status != 404) {
    if (b->ok)
      log_error("the Engine API at %s refused to inspect a container: HTTP status %d",
                b->e->socket_path, r->response.status);
    b->ok = false;
  }
  http_response_free(&r->response);
}

bool engine_inspect_many(const struct engine *e, const char *const *ids, size_t n,
                         void (*fn)(size_t i, const char *json, size_t len, void *ctx), void *ctx) {
  if (n == 0)
    return true;
  struct http_request *reqs = xcalloc(n, sizeof *reqs);
  char(*paths)[96] = xcalloc(n, sizeof *paths);
  for (size_t i = 0; i < n; i++) {
    snprintf(paths[i], sizeof paths[i], "/containers/%.64s/json", ids[i]);
    reqs[i].path = paths[i];
  }
  struct inspect_batch b = {.e = e, .reqs = reqs, .fn = fn, .ctx = ctx, .ok = true};
  http_unix_get_many(e->connect_path, e->as_invoker, reqs, n, INSPECT_IN_FLIGHT, e->timeout_ms,
                     on_inspected, &b);
  free(paths);
  free(reqs);
  return b.ok;
}

const char *engine_parse_network_containers(const char *json, size_t len,
                                            void (*fn)(const char *id, const char *name, void *ctx),
                                            void *ctx, bool *swarm) {
  json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_object(root)) {
    json_decref(root);
    return "reply is not a JSON object (or repeats a key)";
  }
  if (swarm) {
    const char *scope = json_string_value(json_object_get(root, "Scope"));
    *swarm = scope && !strcmp(scope, "swarm");
  }
  json_t *containers = json_object_get(root, "Containers");
  const char *why = NULL;
  if (containers && !json_is_object(containers) && !json_is_null(containers))
    why = "reply has a Containers that is not an object";
  const char *key;
  json_t *c;
  json_object_foreach(containers, key, c) {
    char name[128];
    copy_exact(name, sizeof name, json_is_object(c) ? json_object_get(c, "Name") : NULL);
    if (id_valid(key) && engine_target_valid(name))
      fn(key, name, ctx);
  }
  json_decref(root);
  return why;
}

bool engine_network_containers(const struct engine *e, const struct engine_network *nets, size_t n,
                               void (*fn)(const char *id, const char *name, void *ctx), void *ctx,
                               bool *swarm) {
  if (n == 0)
    return true;
  struct http_request *reqs = xcalloc(n, sizeof *reqs);
  char(*paths)[96] = xcalloc(n, sizeof *paths);
  for (size_t i = 0; i < n; i++) {
    snprintf(paths[i], sizeof paths[i], "/networks/%.64s", nets[i].id);
    reqs[i].path = paths[i];
  }
  http_unix_get_many(e->connect_path, e->as_invoker, reqs, n, INSPECT_IN_FLIGHT, e->timeout_ms,
                     NULL, NULL);
  bool ok = true;
  for (size_t i = 0; i < n; i++) {
    struct http_request *r = &reqs[i];
    const char *why = NULL;
    if (r->result != HTTP_OK) {
      if (ok)
        log_error("cannot ask the Engine API about network %s: %s", nets[i].name, r->err);
      ok = false;
    } else if (r->response.status == 200) {
      why = engine_parse_network_containers(r->response.body, r->response.body_len, fn, ctx,
                                            swarm ? &swarm[i] : NULL);
    } else if (r->response.status != 404) {
      why = "it refused";
    }
    if (why && ok) {
      log_error("the Engine API at %s gave a bad answer about network %s: %s", e->socket_path,
                nets[i].name, why);
      ok = false;
    }
    http_response_free(&r->response);
  }
  free(paths);
  free(reqs);
  return ok;
}

/* The aliases on network NET (ID or name) of service SVC, an entry of
 * GET /services. */
static void service_aliases(json_t *svc, const struct engine_network *net,
                            void (*fn)(const char *name, void *ctx), void *ctx) {
  json_t *nets =
      json_object_get(json_object_get(json_object_get(svc, "Spec"), "TaskTemplate"), "Networks");
  size_t i, k;
  json_t *n, *alias;
  json_array_foreach(nets, i, n) {
    const char *target = json_string_value(json_object_get(n, "Target"));
    if (!target || (strcmp(target, net->id) && strcmp(target, net->name)))
      continue;
    json_array_foreach(json_object_get(n, "Aliases"), k, alias) {
      char a[128];
      copy_exact(a, sizeof a, alias);
      if (engine_target_valid(a))
        fn(a, ctx);
    }
  }
}

bool engine_network_services(const struct engine *e, const struct engine_network *net,
                             void (*fn)(const char *name, void *ctx), void *ctx,
                             struct name_list *detailed) {
  char path[128];
  int status;
  snprintf(path, sizeof path, "/networks/%.64s?verbose=true", net->id);
  json_t *root = engine_get_json(e, path, &status);
  if (!root)
    return status != 0; /* gone (404) meanwhile: none; a failure said why */
  json_t *services = json_object_get(root, "Services");
  _cleanup_name_list_ struct name_list on_net;
  name_list_init(&on_net);
  const char *key;
  json_t *v;
  {
    VERBOSITY_SCOPE(VERBOSITY_SILENT); /* engine_target_valid is the check */
    json_object_foreach(services, key, v) {
      if (strlen(key) < 128 && engine_target_valid(key) &&
          name_list_add(&on_net, key, strlen(key), "the Engine API", 0))
        fn(key, ctx);
    }
  }
  json_decref(root);
  /* Their aliases, from a manager, in one GET /services (one request for
   * each service cost 200 of them on a stack of 200); a worker answers
   * 503, and its own tasks' aliases come from their inspect replies. */
  json_t *list = on_net.count ? engine_get_json(e, "/services", &status) : NULL;
  size_t i;
  json_t *svc;
  json_array_foreach(list, i, svc) {
    const char *name = json_string_value(json_object_get(json_object_get(svc, "Spec"), "Name"));
    if (!name || name_list_find(&on_net, name, strlen(name)) < 0)
      continue;
    service_aliases(svc, net, fn, ctx);
    if (detailed) {
      VERBOSITY_SCOPE(VERBOSITY_SILENT);
      name_list_add(detailed, name, strlen(name), "the Engine API", 0);
    }
  }
  json_decref(list);
  return true;
}
