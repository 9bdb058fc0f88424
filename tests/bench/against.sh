#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Whole runs of hostalias against other builds of it, side by side in one
# run (doc/benchmarks.md, part 13): one name, and 10,000 names, through the
# Engine API of a private dockerd (as the end-to-end tests start it). Run as
# root, with the builds to compare, the first the baseline of the ratios:
#
#   sudo tests/bench/against.sh [-n RUNS] [-N RUNS] OLD_BINARY... 
#
# Each run is `hostalias -q web svc0` (or the 10,000 names on standard
# input), web and a container with the aliases svc0 to svc9999 on one
# network; the builds alternate A B C C B A, so that machine noise hits
# each alike; the medians and their ratios are printed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
HOSTALIAS=${HOSTALIAS:-$top/build/src/hostalias}
n1=1000 n10k=15
while getopts n:N: o; do
  case $o in n) n1=$OPTARG ;; N) n10k=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
[ $# -ge 1 ] || { echo "usage: $0 [-n RUNS] [-N RUNS] OLD_BINARY..." >&2; exit 2; }
for b in "$@" "$HOSTALIAS"; do [ -x "$b" ] || { echo "not an executable: $b" >&2; exit 1; }; done
command -v python3 >/dev/null || { echo "missing python3 (scripts/install-deps)" >&2; exit 1; }

# shellcheck source=tests/e2e/lib/dockerd.bash
. "$top/tests/e2e/lib/dockerd.bash"
work=$(mktemp -d /tmp/hostalias-against.XXXXXX)
trap 'ha_engine_stop; rm -rf "$work"' EXIT
echo "starting a private dockerd; a container with 10,000 aliases..." >&2
ha_engine_start
docker network create benchnet >/dev/null
args=()
for i in $(seq 0 9999); do args+=(--network-alias "svc$i"); done
ha_run many --network benchnet "${args[@]}"
ha_run web --network benchnet
seq 0 9999 | sed 's/^/svc/' >"$work/names"
# Correctness first: each build answers every name, and the same lines.
for b in "$@" "$HOSTALIAS"; do
  "$b" -q web <"$work/names" >"$work/out.$(cksum <<<"$b" | cut -d' ' -f1)"
  [ "$(wc -l <"$work/out.$(cksum <<<"$b" | cut -d' ' -f1)")" = 10000 ] ||
    { echo "$b did not answer the 10,000 names" >&2; exit 1; }
done
[ "$(cat "$work"/out.* | sort | uniq -c | awk '$1 != n' n=$(($# + 1)) | wc -l)" = 0 ] ||
  { echo "the builds disagree" >&2; exit 1; }

python3 - "$n1" "$n10k" "$work/names" "$@" "$HOSTALIAS" <<'PY'
import statistics, subprocess, sys, time
n1, n10k, names, bins = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]
def run(b, many):
    with open(names if many else "/dev/null") as stdin:
        t = time.perf_counter()
        subprocess.run([b, "-q", "web"] + ([] if many else ["svc0"]), stdin=stdin,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        return time.perf_counter() - t
print("| | " + " | ".join(bins) + " |")
print("| --- |" + " ---: |" * len(bins))
for label, reps, many in (("one name", n1, False), ("10,000 names", n10k, True)):
    t = {b: [] for b in bins}
    for i in range(reps + 3):  # the first 3 rounds warm up
        for b in (bins if i % 2 else bins[::-1]):
            d = run(b, many)
            if i >= 3:
                t[b].append(d)
    m = {b: statistics.median(v) for b, v in t.items()}
    print(f"| {label}, median of {reps} | " +
          " | ".join(f"{m[b] * 1e3:.3f} ms ({m[b] / m[bins[0]]:.3f})" for b in bins) + " |")
PY
