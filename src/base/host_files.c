/* SPDX-License-Identifier: MIT */
#include "host_files.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

bool host_file_read(const char *path, size_t max, struct strbuf *out) {
  _cleanup_fd_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return false;
  char buf[16384];
  for (size_t total = 0;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return n == 0;
    total += (size_t)n;
    if (total > max)
      return false;
    strbuf_append(out, buf, (size_t)n);
  }
}

bool nss_hosts_line(const char *p, size_t l, const char **sources, size_t *slen) {
  const char *e = p + l, *w = p;
  while (w < e && (*w == ' ' || *w == '\t'))
    w++;
  if ((size_t)(e - w) < 5 || strncmp(w, "hosts", 5) != 0)
    return false;
  for (w += 5; w < e && (*w == ' ' || *w == '\t');)
    w++;
  if (w == e || *w != ':')
    return false;
  *sources = w + 1;
  *slen = (size_t)(e - *sources);
  return true;
}
