/* SPDX-License-Identifier: MIT */
/* Run by the build: writes sandbox_filters.h, the two seccomp allow-lists
 * of sandbox_filter.c as BPF programs (libseccomp's export: the
 * architecture check, the x32 ABI and the system call numbers of the
 * machine it runs on, which is the machine the program is built for: the
 * build refuses a cross build to another CPU family). The program loads
 * them with one prctl, and links no libseccomp.
 *
 *   seccomp-filter-gen OUTPUT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/filter.h>

#include "sandbox_filter.h"

static int fail(const char *what, int err) {
  fprintf(stderr, "seccomp-filter-gen: %s: %s\n", what, strerror(err));
  return 1;
}

/* Writes FILTER as "static const struct sock_filter NAME[]" on OUT. */
static int emit(FILE *out, enum sandbox_filter filter, const char *name) {
  /* Killing the whole process (Linux 4.14+; an older kernel reads this
   * action as killing the thread), else the thread where libseccomp or
   * the build machine's kernel does not know it. */
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
  if (!ctx) {
    fprintf(stderr,
            "seccomp-filter-gen: warning: %s kills the thread, not the process: "
            "libseccomp or this kernel does not know SCMP_ACT_KILL_PROCESS\n",
            name);
    ctx = seccomp_init(SCMP_ACT_KILL);
  }
  if (!ctx)
    return fail("seccomp_init", EINVAL);
  int r = 0;
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 5)
  /* A binary tree of the system call numbers rather than a list (libseccomp
   * 2.5): fewer instructions run per call, and when the filter is loaded,
   * for the kernel's cache of always-allowed calls (Linux 5.11), which
   * runs the filter once for every system call number. */
  r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
#endif
  if (r == 0)
    r = sandbox_filter_rules(ctx, filter);
  FILE *bpf = r == 0 ? tmpfile() : NULL;
  if (r == 0 && !bpf)
    r = -errno;
  if (r == 0)
    r = seccomp_export_bpf(ctx, fileno(bpf));
  seccomp_release(ctx);
  if (r != 0)
    return fail(name, -r);
  long size = lseek(fileno(bpf), 0, SEEK_END);
  if (size <= 0 || size % (long)sizeof(struct sock_filter) != 0 || lseek(fileno(bpf), 0, SEEK_SET))
    return fail(name, EIO);
  fprintf(out, "static const struct sock_filter %s[] = {\n", name);
  struct sock_filter insn;
  for (long i = 0; i < size / (long)sizeof insn; i++) {
    if (read(fileno(bpf), &insn, sizeof insn) != (ssize_t)sizeof insn)
      return fail(name, EIO);
    fprintf(out, "    {0x%04x, %u, %u, 0x%08x},\n", insn.code, insn.jt, insn.jf, insn.k);
  }
  fprintf(out, "};\n");
  fclose(bpf);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: seccomp-filter-gen OUTPUT\n");
    return 2;
  }
  FILE *out = fopen(argv[1], "w");
  if (!out)
    return fail(argv[1], errno);
  fprintf(out, "/* Made by seccomp-filter-gen from sandbox_filter.c: do not edit. */\n"
               "#pragma once\n#include <linux/filter.h>\n\n");
  /* What it was made for, checked where it is compiled (sandbox.c). */
  const unsigned one = 1;
  fprintf(out,
          "#define SANDBOX_FILTERS_POINTER_SIZE %zu\n#define SANDBOX_FILTERS_BIG_ENDIAN %d\n\n",
          sizeof(void *), *(const unsigned char *)&one == 0);
  int r = emit(out, SANDBOX_FILTER_RESOLVER, "resolver_filter");
  if (r == 0)
    r = emit(out, SANDBOX_FILTER_FRONT, "front_filter");
  if (fclose(out) != 0 && r == 0)
    r = fail(argv[1], errno);
  if (r != 0)
    unlink(argv[1]);
  return r;
}
