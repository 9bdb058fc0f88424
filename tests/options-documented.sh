#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every option hostalias --help lists appears in the man page and in each
# completion script (bash, zsh, fish), so they cannot drift apart. The README
# does not list options: it links to --help, the man page and the completions.
# Speaks TAP.
set -u
hostalias=$1
top=$(cd "$(dirname "$0")/.." && pwd)
opts=$("$hostalias" --help | grep -oE '(^|[ ,])--?[A-Za-z0-9][A-Za-z0-9-]*' | tr -d ' ,' | sort -u)
n=0 failed=0
check() { # description command...
  n=$((n + 1))
  if "${@:2}" >/dev/null 2>&1; then echo "ok $n - $1"; else echo "not ok $n - $1"; failed=1; fi
}
n=1
if [ "$(wc -w <<<"$opts")" -ge 20 ]; then
  echo "ok 1 - --help lists $(wc -w <<<"$opts") options"
else
  echo "not ok 1 - too few options found in --help"
  failed=1
fi
for o in $opts; do
  bare=${o#-}; bare=${bare#-}
  # scdoc writes options as *-x* / *--long*, with \_ for underscores.
  check "$o in the man page" grep -qF -- "*$o*" "$top/doc/hostalias.1.scd"
  check "$o in the bash completion" grep -qE -- "(^|[ '|(])$o([ '|)]|$)" "$top/completions/bash/hostalias"
  # (zsh writes an option with an optional argument as --opt=-[...])
  check "$o in the zsh completion" grep -qE -- "(^|[{,'()])$o([,}\[]|=-|$)" "$top/completions/zsh/_hostalias"
  if [[ $o == --* ]]; then
    check "$o in the fish completion" grep -qE -- "-l $bare( |$)" "$top/completions/fish/hostalias.fish"
  else
    check "$o in the fish completion" grep -qE -- "-s $bare( |$)" "$top/completions/fish/hostalias.fish"
  fi
done
echo "1..$n"
exit $failed
