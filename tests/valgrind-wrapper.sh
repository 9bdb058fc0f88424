#!/bin/sh
# SPDX-License-Identifier: MIT
# The exe_wrapper of `meson test --setup valgrind`. Unit tests (ELF
# programs) run under memcheck; the end-to-end tests are bats scripts, which
# run as they are and put hostalias itself under valgrind
# (HOSTALIAS_VALGRIND=1, tests/e2e/lib/valgrind-hostalias).
case $(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ') in
  177ELF) exec valgrind -q --vgdb=no --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect "$@" ;;
  *) HOSTALIAS_VALGRIND=1 exec "$@" ;;
esac
