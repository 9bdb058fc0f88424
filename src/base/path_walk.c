/* SPDX-License-Identifier: MIT */
#include "path_walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WALK_DEPTH_MAX 64
#define WALK_LINKS_MAX 40

struct walk {
  const struct path_walk_policy *pol;
  int stack[WALK_DEPTH_MAX + 1]; /* stack[0] is the caller's root when confined */
  int depth;
  char buf[4096];
};

static int fail(struct walk *w, struct path_walk_error *err, enum path_walk_failure f, int e,
                const char *rest) {
  if (err) {
    err->failure = f;
    err->err = e;
    snprintf(err->at, sizeof err->at, "%.*s", (int)(rest - w->buf), w->buf);
  }
  return e;
}

/* Back to the walk's "/". */
static bool to_root(struct walk *w) {
  while (w->depth > 0)
    close(w->stack[w->depth--]);
  if (w->pol->confined)
    return true;
  int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return false;
  close(w->stack[0]);
  w->stack[0] = fd;
  return true;
}

/* One directory further down: pushed when confined, else it replaces the
 * one held (the kernel's ".." needs no stack). */
static bool descend(struct walk *w, int fd) {
  if (!w->pol->confined) {
    close(w->stack[0]);
    w->stack[0] = fd;
    return true;
  }
  if (w->depth == WALK_DEPTH_MAX)
    return false;
  w->stack[++w->depth] = fd;
  return true;
}

static bool link_trusted(const struct path_walk_policy *pol, uid_t owner) {
  return pol->any_link || owner == 0 || owner == pol->link_owner;
}

int path_walk_open(const struct path_walk_policy *pol, const char *path,
                   struct path_walk_error *err) {
  struct walk w = {.pol = pol};
  int result = -1, e = 0, links = 0;
  if (strlen(path) >= sizeof w.buf) {
    snprintf(w.buf, sizeof w.buf, "%s", "");
    errno = fail(&w, err, PATH_WALK_TOO_LONG, ENAMETOOLONG, w.buf);
    return -1;
  }
  strcpy(w.buf, path);
  w.stack[0] = pol->confined ? pol->root
                             : open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (w.stack[0] < 0)
    return fail(&w, err, PATH_WALK_ERRNO, errno, w.buf), -1;
  char *p = w.buf;
  for (;;) {
    while (*p == '/')
      p++;
    if (!*p) { /* the path named a directory: reopen where we are */
      result = openat(w.stack[w.depth], ".", O_PATH | O_CLOEXEC);
      if (result < 0)
        e = fail(&w, err, PATH_WALK_ERRNO, errno, p);
      break;
    }
    char *slash = strchr(p, '/');
    size_t len = slash ? (size_t)(slash - p) : strlen(p);
    char *rest = p + len;
    char comp[256];
    if (len >= sizeof comp) {
      e = fail(&w, err, PATH_WALK_TOO_LONG, ENAMETOOLONG, rest);
      break;
    }
    memcpy(comp, p, len);
    comp[len] = '\0';
    if (!strcmp(comp, ".") || (!strcmp(comp, "..") && pol->confined)) {
      if (comp[1] == '.' && w.depth > 0)
        close(w.stack[w.depth--]);
      p = rest;
      continue;
    }
    int fd = openat(w.stack[w.depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
      e = fail(&w, err, PATH_WALK_ERRNO, errno, rest);
      if (fd >= 0)
        close(fd);
      break;
    }
    if (S_ISLNK(st.st_mode)) {
      if (!link_trusted(pol, st.st_uid)) {
        e = fail(&w, err, PATH_WALK_LINK_OWNER, EPERM, rest);
        if (err)
          err->owner = st.st_uid;
        close(fd);
        break;
      }
      char target[4096];
      ssize_t tl = readlinkat(fd, "", target, sizeof target - 1);
      close(fd);
      size_t rl = strlen(rest);
      if (tl <= 0 || ++links > WALK_LINKS_MAX || (size_t)tl + rl + 1 > sizeof w.buf) {
        e = fail(&w, err, tl > 0 && links <= WALK_LINKS_MAX ? PATH_WALK_TOO_LONG : PATH_WALK_LOOP,
                 tl <= 0 ? EINVAL : ELOOP, rest);
        break;
      }
      /* buf = target + rest; the rest is moved first, it may overlap. */
      memmove(w.buf + tl, rest, rl + 1);
      memcpy(w.buf, target, (size_t)tl);
      p = w.buf;
      if (w.buf[0] == '/' && !to_root(&w)) {
        e = fail(&w, err, PATH_WALK_ERRNO, errno, p);
        break;
      }
      continue;
    }
    if (!*rest && (!pol->want_dir || S_ISDIR(st.st_mode))) {
      result = fd;
      break;
    }
    if (!S_ISDIR(st.st_mode)) {
      e = fail(&w, err, PATH_WALK_NOT_DIR, ENOTDIR, rest);
      close(fd);
      break;
    }
    if (!descend(&w, fd)) {
      e = fail(&w, err, PATH_WALK_LOOP, ELOOP, rest);
      close(fd);
      break;
    }
    p = rest;
  }
  while (w.depth > 0)
    close(w.stack[w.depth--]);
  if (!pol->confined)
    close(w.stack[0]);
  if (result < 0)
    errno = e;
  return result;
}
