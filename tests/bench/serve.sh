#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# hostalias --serve against the container's own DNS server, side by side in
# one run (doc/benchmarks.md, part 11). Run as root:
#
#   sudo tests/bench/serve.sh [--quick]
#   sudo HOSTALIAS_OTHER=/path/to/another/hostalias tests/bench/serve.sh
#
# A private dockerd (as the end-to-end tests start it) runs a Compose
# project, huginn (postgres, web, and the alias pg.db.example). dnsperf asks
# the same three names, alternating: straight of Docker's 127.0.0.11 from
# inside the container's network namespace, and through the bridge
# (NAME.huginn.DOMAIN) on loopback; with HOSTALIAS_OTHER, through a second
# bridge of another build too. Then: RSS of both halves with 100 projects
# asked, and CPU used while idle.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
HOSTALIAS=${HOSTALIAS:-$top/build/src/hostalias}
OTHER=${HOSTALIAS_OTHER:-}
quick=${1:-}
DOMAIN=bench.internal

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
[ -x "$HOSTALIAS" ] || { echo "build first: meson setup build && ninja -C build" >&2; exit 1; }
for t in dnsperf dig docker-compose ss; do
  command -v "$t" >/dev/null || { echo "missing $t (scripts/install-deps)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/hostalias-bench-serve.XXXXXX)
# lib/common.bash (ha_free_port) and lib/serve.bash (project) are the
# end-to-end tests'; outside bats, their directories are given here.
BATS_TEST_DIRNAME=$top/tests/e2e BATS_TEST_TMPDIR=$work
# shellcheck source=tests/e2e/lib/common.bash
. "$top/tests/e2e/lib/common.bash"
# shellcheck source=tests/e2e/lib/dockerd.bash
. "$top/tests/e2e/lib/dockerd.bash"
# shellcheck source=tests/e2e/lib/serve.bash
. "$top/tests/e2e/lib/serve.bash"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  ha_engine_stop
  rm -rf "$work"
}
trap cleanup EXIT

median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}'; }
# bridge BINARY VAR: a --serve on a free port of 127.0.0.1, its port into
# VAR. (Not in a command substitution: the bridge would hold its pipe.)
bridge() {
  local p
  p=$(ha_free_port)
  "$1" --serve --listen "127.0.0.1:$p" --domain "$DOMAIN" </dev/null >/dev/null 2>>"$work/serve.err" &
  pids+=($!)
  printf -v "$2" %s "$p"
  for _ in $(seq 1 100); do
    dig +short +time=1 +tries=1 @127.0.0.1 -p "$p" 1.2.3.4.$DOMAIN 2>/dev/null | grep -q 1.2.3.4 && return 0
    sleep 0.1
  done
  echo "--serve ($1) did not answer" >&2
  return 1
}

echo "starting a private dockerd and a Compose project..." >&2
ha_engine_start
project huginn 172.31.250.0/24
pid=$(ha_pid huginn_web_1)

port="" oport=""
bridge "$HOSTALIAS" port
[ -z "$OTHER" ] || bridge "$OTHER" oport
# Correctness first: the bridge answers what the container's server does.
for n in postgres web pg.db.example; do
  want=$(nsenter --net="/proc/$pid/ns/net" dig +short @127.0.0.11 "$n")
  got=$(dig +short @127.0.0.1 -p "$port" "$n.huginn.$DOMAIN")
  { [ -n "$want" ] && [ "$got" = "$want" ]; } || { echo "$n: bridge '$got', container '$want'" >&2; exit 1; }
done
printf '%s A\n' postgres web pg.db.example >"$work/direct.in"
printf '%s.huginn.'"$DOMAIN"' A\n' postgres web pg.db.example >"$work/bridge.in"

secs=10 reps=3
[ "$quick" = --quick ] && secs=5 reps=1
# dnsperf NETNS SERVER PORT INPUT: "qps avg_latency_ms lost"
perf() {
  local out
  out=$(nsenter --net="$1" dnsperf -s "$2" -p "$3" -d "$4" -l "$secs" -c 4 -Q 200000 2>/dev/null)
  awk '/Queries per second/ {q=$4} /Average Latency/ {l=$4 * 1000} /Queries lost/ {x=$3}
       END {printf "%s %.3f %s\n", q, l, x}' <<<"$out"
}
: >"$work/d"; : >"$work/b"; : >"$work/o"
for _ in $(seq "$reps"); do
  perf "/proc/$pid/ns/net" 127.0.0.11 53 "$work/direct.in" >>"$work/d"
  perf /proc/self/ns/net 127.0.0.1 "$port" "$work/bridge.in" >>"$work/b"
  [ -z "$oport" ] || perf /proc/self/ns/net 127.0.0.1 "$oport" "$work/bridge.in" >>"$work/o"
done
col() { awk -v c="$1" '{print $c}' "$2" | median; }
lost() { awk '{s += $3} END {print s + 0}' "$1"; }
dq=$(col 1 "$work/d") bq=$(col 1 "$work/b")
echo
echo "### 11. --serve against the container's own DNS server (dnsperf, $secs s a run, -c 4, median of $reps alternating runs)"
echo
printf '| path | queries/s | of direct | average latency (ms) | lost |\n| --- | ---: | ---: | ---: | ---: |\n'
printf '| direct: 127.0.0.11 in the container'"'"'s namespace | %.0f | 1.00 | %s | %s |\n' "$dq" "$(col 2 "$work/d")" "$(lost "$work/d")"
printf '| through the bridge | %.0f | %.2f | %s | %s |\n' "$bq" "$(echo "$bq / $dq" | bc -l)" "$(col 2 "$work/b")" "$(lost "$work/b")"
if [ -n "$oport" ]; then
  oq=$(col 1 "$work/o")
  printf '| through the bridge of %s | %.0f | %.2f | %s | %s |\n' "$OTHER" "$oq" "$(echo "$oq / $dq" | bc -l)" "$(col 2 "$work/o")" "$(lost "$work/o")"
fi

# 100 projects of one container each (labelled as Compose labels them),
# each asked once through the bridge; then the RSS of both halves, and the
# CPU they use in 10 idle seconds.
NPROJ=100
[ "$quick" = --quick ] && NPROJ=20
echo >&2
echo "starting $NPROJ more projects..." >&2
for i in $(seq 1 "$NPROJ"); do
  docker run -d --name "p$i-db-1" --network huginn_backend \
    --label com.docker.compose.project="p$i" --label com.docker.compose.service=db \
    --label com.docker.compose.container-number=1 --label com.docker.compose.oneoff=False \
    "$HA_IMAGE" sleep 1000000 >/dev/null
done
answered=0
for i in $(seq 1 "$NPROJ"); do
  a=$(dig +short +time=3 +tries=1 @127.0.0.1 -p "$port" "p$i-db-1.p$i.$DOMAIN")
  [ -n "$a" ] && answered=$((answered + 1))
done
root_pid=${pids[0]}
front_pid=$(pgrep -P "$root_pid" | head -n 1)
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
c0=$(($(cpu "$root_pid") + $(cpu "$front_pid")))
sleep 10
c1=$(($(cpu "$root_pid") + $(cpu "$front_pid")))
echo
printf '| %s projects asked | answered | RSS, root half (KiB) | RSS, front (KiB) | CPU ticks in 10 s idle |\n| ---: | ---: | ---: | ---: | ---: |\n' "$NPROJ"
printf '| %s | %s | %s | %s | %s |\n' "$NPROJ" "$answered" "$(rss "$root_pid")" "$(rss "$front_pid")" "$((c1 - c0))"
