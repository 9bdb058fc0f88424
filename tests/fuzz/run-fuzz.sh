#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs one libFuzzer target for a time budget on a copy of its seed corpus,
# as a TAP test. A run that executed nothing is a failure, not a pass: a
# fuzzer that never ran proves nothing.
#   run-fuzz.sh FUZZER CORPUS_DIR SECONDS
set -u
fuzzer=$1 corpus=$2 seconds=$3
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp "$corpus"/* "$work/corpus/"
echo "1..1"
"$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/" \
  "$work/corpus" >"$work/log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$work/log" | tail -n 1)
name=$(basename "$fuzzer")
if [ "$rc" -eq 0 ] && [ "${execs:-0}" -gt 0 ]; then
  echo "ok 1 - $name: $execs executions in ${seconds}s, no crash"
else
  echo "not ok 1 - $name: exit $rc, ${execs:-0} executions"
  tail -n 40 "$work/log" | sed 's/^/# /'
  for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
    [ -e "$a" ] && echo "# artifact: $(basename "$a"): $(od -An -c "$a" | head -c 300)"
  done
fi
