/* SPDX-License-Identifier: MIT */
/* host_files.c: the host's own files read whole and bounded, and
 * nsswitch.conf's hosts line as glibc finds it. */
#include "host_files.h"

#include <stdio.h>
#include <stdlib.h>

#include "tap.h"

static const char *hosts_of(const char *line) {
  static char out[256];
  const char *src;
  size_t sl;
  if (!nss_hosts_line(line, strlen(line), &src, &sl))
    return "(not the hosts line)";
  snprintf(out, sizeof out, "%.*s", (int)sl, src);
  return out;
}

int main(void) {
  is_str(hosts_of("hosts: files dns"), " files dns", "hosts:");
  is_str(hosts_of("  hosts  :\tfiles"), "\tfiles", "blanks before and after the keyword");
  is_str(hosts_of("hosts:"), "", "an empty list");
  is_str(hosts_of("hostsx: files"), "(not the hosts line)", "another keyword");
  is_str(hosts_of("hosts files dns"), "(not the hosts line)", "no colon");
  is_str(hosts_of("#hosts: files"), "(not the hosts line)", "a comment");
  is_str(hosts_of("host: files"), "(not the hosts line)", "too short");
  is_str(hosts_of(""), "(not the hosts line)", "an empty line");

  char dir[] = "/tmp/test-host-files.XXXXXX";
  if (!mkdtemp(dir))
    return 1;
  char path[64];
  snprintf(path, sizeof path, "%s/f", dir);
  FILE *f = fopen(path, "w");
  for (int i = 0; f && i < 3000; i++)
    fputs("0123456789", f); /* 30,000 bytes: two reads */
  if (f)
    fclose(f);
  struct strbuf b = {0};
  ok(host_file_read(path, 30000, &b) && b.len == 30000 && !memcmp(b.data + 29990, "0123456789", 10),
     "a file of exactly MAX bytes: read whole");
  strbuf_free(&b);
  ok(!host_file_read(path, 29999, &b), "one byte more than MAX: refused");
  strbuf_free(&b);
  snprintf(path, sizeof path, "%s/absent", dir);
  ok(!host_file_read(path, 100, &b) && b.len == 0, "a missing file: false, nothing read");
  snprintf(path, sizeof path, "%s/f", dir);
  unlink(path);
  rmdir(dir);
  return tap_done();
}
