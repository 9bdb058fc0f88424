#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# hostalias benchmark: side by side, in one run, against the reference
# script and against the DNS server's own limit (dnsperf). Run as root:
#
#   sudo tests/bench/bench.sh [--quick]
#   sudo HOSTALIAS_134=build-cares134/src/hostalias tests/bench/bench.sh
#
# It starts the same private dockerd as the end-to-end tests (its own network
# namespace), and prints a table. Whole processes are timed from outside,
# alternating A B A B so that machine noise hits both sides alike.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
HOSTALIAS=${HOSTALIAS:-$top/build/src/hostalias}
REFERENCE=${REFERENCE:-$top/../shared/reference/original-hostalias.sh}
quick=${1:-}

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
[ -x "$HOSTALIAS" ] || { echo "build first: meson setup build && ninja -C build" >&2; exit 1; }
[ -f "$REFERENCE" ] || { echo "reference script not found: $REFERENCE" >&2; exit 1; }
for t in dnsperf dnsmasq /usr/bin/time hyperfine; do
  command -v "$t" >/dev/null || { echo "missing $t (scripts/install-deps)" >&2; exit 1; }
done

# shellcheck source=tests/e2e/lib/dockerd.bash
. "$top/tests/e2e/lib/dockerd.bash"
work=$(mktemp -d /tmp/hostalias-bench.XXXXXX)
dnsns=""
cleanup() {
  [ -f "$work/dnsmasq.pid" ] && kill "$(cat "$work/dnsmasq.pid")" 2>/dev/null
  [ -n "$dnsns" ] && ip netns del "$dnsns" 2>/dev/null
  ha_engine_stop
  rm -rf "$work"
}
trap cleanup EXIT

# The reference, with traefik.me, and a pass-through sudo when none exists.
sed 's/^PROVIDER="xip.io"/PROVIDER="traefik.me"/' "$REFERENCE" >"$work/reference.sh"
mkdir -p "$work/bin"
if ! command -v sudo >/dev/null; then
  printf '#!/bin/sh\nexec "$@"\n' >"$work/bin/sudo"
  chmod +x "$work/bin/sudo"
fi
export PATH="$work/bin:$PATH"

NALIAS=10000
echo "starting a private dockerd; one container with $NALIAS network aliases..." >&2
ha_engine_start
docker network create benchnet >/dev/null
ha_run web --network benchnet
args=()
for i in $(seq 0 $((NALIAS - 1))); do args+=(--network-alias "svc$i"); done
ha_run many --network benchnet "${args[@]}"
for i in $(seq 0 $((NALIAS - 1))); do echo "svc$i"; done >"$work/names.all"
head -n 1 "$work/names.all" >"$work/names.1"
for n in 10 100 1000 10000; do head -n "$n" "$work/names.all" >"$work/names.$n"; done

# wall-clock milliseconds of one whole command, stdin from $1
wall_ms() {
  local input=$1
  shift
  local t0=$EPOCHREALTIME
  "$@" <"$input" >/dev/null 2>&1 || true
  local t1=$EPOCHREALTIME
  echo "($t1 - $t0) * 1000" | bc -l
}
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}'; }

# Correctness first: the two agree on the names.
diff <(bash "$work/reference.sh" web <"$work/names.10") <("$HOSTALIAS" web <"$work/names.10") >&2 ||
  { echo "reference and hostalias disagree" >&2; exit 1; }

echo
echo "### 1. Against the reference script (whole process, median of alternating runs)"
echo
printf '| N | reference (ms) | hostalias (ms) | ratio |\n| ---: | ---: | ---: | ---: |\n'
for n in 1 10 100 1000; do
  case $n in 1) reps=15 ;; 10) reps=9 ;; 100) reps=5 ;; 1000) reps=3 ;; esac
  [ "$quick" = --quick ] && reps=3 && [ "$n" = 1000 ] && reps=1
  : >"$work/a"; : >"$work/b"
  for _ in $(seq "$reps"); do
    wall_ms "$work/names.$n" bash "$work/reference.sh" web >>"$work/a"
    wall_ms "$work/names.$n" "$HOSTALIAS" -q web >>"$work/b"
  done
  a=$(median <"$work/a"); b=$(median <"$work/b")
  printf '| %s | %s | %s | %.0f× |\n' "$n" "$a" "$b" "$(echo "$a / $b" | bc -l)"
done

echo
echo "### 2. Against the server's limit (dnsperf in the same namespace, same names)"
echo
pid=$(ha_pid web)
# HOSTALIAS_134: a hostalias built against c-ares 1.34.5 (see .ci/run), as
# a second column, in the same alternating runs.
alt=${HOSTALIAS_134:-}
printf '| server | dnsperf (queries/s) | hostalias N=%s (names/s) | fraction | failed names | on c-ares 1.34.5 (names/s) |\n| --- | ---: | ---: | ---: | ---: | ---: |\n' "$NALIAS"
sed 's/$/ A/' "$work/names.$NALIAS" >"$work/dnsperf.in"
dnsperf_qps() { # netns-file server
  nsenter --net="$1" dnsperf -s "$2" -d "$work/dnsperf.in" -n 5 -c 4 -q 500 -t 5 2>/dev/null |
    awk '/Queries per second/ {print $4}'
}
reps=3
[ "$quick" = --quick ] && reps=1
: >"$work/a"; : >"$work/b"; : >"$work/f"; : >"$work/c"
for _ in $(seq "$reps"); do
  dnsperf_qps "/proc/$pid/ns/net" 127.0.0.11 >>"$work/a"
  t=$(wall_ms "$work/names.$NALIAS" "$HOSTALIAS" -q -o "$work/out.alias" web)
  echo "$NALIAS / ($t / 1000)" | bc -l >>"$work/b"
  rm -f "$work/out.alias"
  "$HOSTALIAS" -q web <"$work/names.$NALIAS" 2>&1 >/dev/null | wc -l >>"$work/f"
  if [ -n "$alt" ]; then
    t=$(wall_ms "$work/names.$NALIAS" "$alt" -q -o "$work/out.alias" web)
    echo "$NALIAS / ($t / 1000)" | bc -l >>"$work/c"
    rm -f "$work/out.alias"
  fi
done
a=$(median <"$work/a"); b=$(median <"$work/b"); f=$(sort -n "$work/f" | tail -n1)
c="not built (HOSTALIAS_134)"
[ -n "$alt" ] && c="$(printf '%.0f' "$(median <"$work/c")") ($("$alt" -V | sed 's/.*(c-ares \([0-9.]*\).*/\1/'))"
printf '| dockerd 127.0.0.11 | %.0f | %.0f | %.0f%% | %s | %s |\n' "$a" "$b" "$(echo "100 * $b / $a" | bc -l)" "$f" "$c"

# dnsmasq serving 100,000 names from a hosts file, in a test namespace.
BIG=100000
dnsns=ha-bench-$$
ip netns add "$dnsns"
ip -n "$dnsns" link set lo up
awk -v n=$BIG 'BEGIN {for (i = 0; i < n; i++) printf "10.%d.%d.%d h%d\n", int(i/65536), int(i/256)%256, i%256, i}' >"$work/big.hosts"
awk -v n=$BIG 'BEGIN {for (i = 0; i < n; i++) printf "h%d\n", i}' >"$work/names.big"
sed 's/$/ A/' "$work/names.big" >"$work/dnsperf.in"
nsenter --net="/run/netns/$dnsns" dnsmasq --no-resolv --no-hosts --addn-hosts="$work/big.hosts" \
  --listen-address=127.0.0.1 --bind-interfaces --cache-size=0 --dns-forward-max=10000 \
  --pid-file="$work/dnsmasq.pid" --user=root
: >"$work/a"; : >"$work/b"; : >"$work/f"
for _ in $(seq "$reps"); do
  dnsperf_qps "/run/netns/$dnsns" 127.0.0.1 >>"$work/a"
  t=$(wall_ms "$work/names.big" "$HOSTALIAS" -q --netns "/run/netns/$dnsns" --server 127.0.0.1 --deadline 60 -o "$work/big.alias")
  # Say which names failed, if any, and why (on stderr, apart from the table).
  "$HOSTALIAS" -q --netns "/run/netns/$dnsns" --server 127.0.0.1 --deadline 60 <"$work/names.big" 2>&1 >/dev/null | head -n 5 >&2
  echo "$BIG / ($t / 1000)" | bc -l >>"$work/b"
  grep -c . "$work/big.alias" | awk -v n=$BIG '{print n - $1}' >>"$work/f"
  rm -f "$work/big.alias"
done
a=$(median <"$work/a"); b=$(median <"$work/b"); f=$(sort -n "$work/f" | tail -n1)
printf '| dnsmasq, %s names | %.0f | %.0f (N=%s) | %.0f%% | %s | |\n' "$BIG" "$a" "$b" "$BIG" "$(echo "100 * $b / $a" | bc -l)" "$f"

echo
echo "### 3. Cost of one pass, one name (median of 21 runs of hostalias -v)"
echo
# shellcheck disable=SC2069 # stderr (the timings) kept, stdout dropped
for _ in $(seq 21); do "$HOSTALIAS" -v web svc0 2>&1 >/dev/null; done >"$work/v.log"
ph() { grep -o "$1 [0-9.]* ms" "$work/v.log" | awk '{print $(NF-1)}' | median; }
printf '| part | ms |\n| --- | ---: |\n'
printf '| Engine API lookup, pidfd, namespace and file handles, reading the files | %s |\n' "$(ph 'read its files')"
printf '| fork, enter the namespace, drop privileges | %s |\n' "$(ph 'enter netns and drop privileges')"
printf '| parse the container'"'"'s files | %s |\n' "$(ph 'parse container files')"
printf '| c-ares channel set-up | %s |\n' "$(ph 'channel set-up')"
printf '| the query | %s |\n' "$(ph 'queries')"
printf '| output | %s |\n' "$(ph 'output')"
: >"$work/a"
for _ in $(seq 21); do wall_ms "$work/names.1" "$HOSTALIAS" -q web >>"$work/a"; done
printf '| **whole process, Engine API included** | **%s** |\n' "$(median <"$work/a")"
# What a process costs here before it does anything: the floor under the line above.
: >"$work/a"; : >"$work/b"
for _ in $(seq 21); do
  wall_ms /dev/null /bin/true >>"$work/a"
  wall_ms /dev/null "$HOSTALIAS" -V >>"$work/b"
done
printf '| floor: fork+exec of /bin/true | %s |\n' "$(median <"$work/a")"
printf '| floor: hostalias -V (exec, dynamic linking, exit) | %s |\n' "$(median <"$work/b")"

echo
echo "### 4. Peak RSS (whole process tree, /usr/bin/time)"
echo
printf '| N | peak RSS (KiB) | exit status |\n| ---: | ---: | ---: |\n'
for n in 100 10000; do
  rc=0
  /usr/bin/time -f %M -o "$work/rss" "$HOSTALIAS" -q web <"$work/names.$n" >/dev/null 2>&1 || rc=$?
  printf '| %s | %s | %s |\n' "$n" "$(tail -n1 "$work/rss")" "$rc"
done
rc=0
/usr/bin/time -f %M -o "$work/rss" "$HOSTALIAS" -q --netns "/run/netns/$dnsns" --server 127.0.0.1 \
  --deadline 60 <"$work/names.big" >/dev/null 2>&1 || rc=$?
printf '| %s (dnsmasq) | %s | %s |\n' "$BIG" "$(tail -n1 "$work/rss")" "$rc"

echo
echo "### 5. Queries in flight (--concurrency) against dnsmasq, $BIG names, one try each"
echo
printf '| in flight | seconds | names lost (no retry) |\n| ---: | ---: | ---: |\n'
for c in 50 100 150 200 400; do
  t0=$EPOCHREALTIME
  lost=$("$HOSTALIAS" -c "$c" --tries 1 --netns "/run/netns/$dnsns" --server 127.0.0.1 \
    --deadline 60 <"$work/names.big" 2>&1 >/dev/null | grep -c 'timed out' || true)
  t1=$EPOCHREALTIME
  printf '| %s | %.2f | %s |\n' "$c" "$(echo "$t1 - $t0" | bc -l)" "$lost"
done

echo
NDISC=${NDISC:-200}
echo "### 6. --all: names discovered through the Engine API, against the same names given"
echo
echo "($NDISC containers with 10 network aliases each on one network, beside the target;"
echo "hyperfine -N, both commands in one run)"
echo
docker network create --subnet 10.60.0.0/16 discnet >/dev/null
ha_run disc --network discnet
seq 1 "$NDISC" | xargs -P 4 -I{} sh -c 'a=""; for j in $(seq 1 10); do a="$a --network-alias s{}a$j"; done
  docker run -d --name d{} --network discnet $a '"$HA_IMAGE"' sleep 1000000 >/dev/null'
mapfile -t disc_names < <("$HOSTALIAS" --all disc </dev/null | cut -d' ' -f1)
hyperfine -N -w 3 -r 30 --export-json "$work/disc.json" \
  "$HOSTALIAS -q disc ${disc_names[*]}" "$HOSTALIAS -q --all disc" >/dev/null 2>&1
python3 - "$work/disc.json" "${#disc_names[@]}" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
given, found = (x["median"] * 1000 for x in r)
print("| names | given (ms) | --all (ms) | ratio |\n| ---: | ---: | ---: | ---: |")
print("| %s | %.2f | %.2f | %.2f |" % (sys.argv[2], given, found, found / given))
PY

echo
echo "### 7. --watch: from a change to FILE replaced, idle cost, memory over 1,000 events"
echo
docker network create --subnet 10.61.0.0/24 watchnet >/dev/null
ha_run wt --network watchnet
"$HOSTALIAS" --watch --all -q -o "$work/watch.alias" wt </dev/null 2>"$work/watch.err" &
watch_pid=$!
for _ in $(seq 1 100); do [ -s "$work/watch.alias" ] && break; sleep 0.1; done
# Each change, timed from just before its docker command to the moment FILE
# shows it (polled every 5 ms): a new container with a new alias, its
# removal, a container recreated at a new address; 8 rounds of the 3.
python3 - "$work/watch.alias" "$HA_IMAGE" <<'PY' >"$work/latency"
import os, subprocess, sys, time
f, image = sys.argv[1], sys.argv[2]
def content():
    try:
        return open(f).read()
    except OSError:
        return ""
def timed(cmd, until):
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    while not until(content()):
        if time.monotonic() - t0 > 30:
            sys.exit("FILE never showed the change of: %s" % " ".join(cmd))
        time.sleep(0.005)
    print("%.1f" % ((time.monotonic() - t0) * 1000))
run = lambda name, ip, alias: ["docker", "run", "-d", "--name", name, "--network", "watchnet",
                               "--ip", ip, "--network-alias", alias, image, "sleep", "1000000"]
for i in range(8):
    alias, ip = "new%d" % i, "10.61.0.%d" % (100 + i)
    timed(run("n%d" % i, ip, alias), lambda c: "%s %s.traefik.me" % (alias, ip) in c)
    timed(["docker", "rm", "-f", "n%d" % i], lambda c: alias + " " not in c)
    subprocess.run(run("r%d" % i, "10.61.0.%d" % (150 + i), "moved%d" % i), check=True,
                   stdout=subprocess.DEVNULL)
    while "moved%d " % i not in content():
        time.sleep(0.005)
    ip2 = "10.61.0.%d" % (200 + i)
    timed(["sh", "-c", "docker rm -f r%d >/dev/null && exec docker run -d --name r%d "
           "--network watchnet --ip %s --network-alias moved%d %s sleep 1000000"
           % (i, i, ip2, i, image)], lambda c: "moved%d %s.traefik.me" % (i, ip2) in c)
PY
printf '| changes | median (ms) | worst (ms) | the cron line it replaces |\n| ---: | ---: | ---: | ---: |\n'
printf '| %s | %s | %s | up to 300000 |\n' "$(wc -l <"$work/latency")" "$(median <"$work/latency")" \
  "$(sort -g "$work/latency" | tail -n 1)"
echo
# Idle: CPU time (utime+stime, clock ticks) of the watch over a minute in
# which nothing happens.
ticks() { awk '{print $14 + $15}' "/proc/$watch_pid/stat"; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$watch_pid/status"; }
idle=${IDLE_SECONDS:-60}
[ -n "$quick" ] && idle=10
t0=$(ticks)
sleep "$idle"
printf '| idle for %s s: CPU time | %s ms |\n| --- | ---: |\n' "$idle" \
  "$(( ($(ticks) - t0) * 1000 / $(getconf CLK_TCK) ))"
# 1,000 events: a container attached to and detached from the target's
# network 500 times (2 events each); RSS before and after, after a pass.
docker run -d --name flap "$HA_IMAGE" sleep 1000000 >/dev/null
kill -HUP "$watch_pid"; sleep 1
rss0=$(rss)
for _ in $(seq 1 500); do
  docker network connect watchnet flap && docker network disconnect watchnet flap
done
sleep 4
kill -HUP "$watch_pid"; sleep 1
printf '| RSS before 1,000 events | %s KiB |\n| RSS after them | %s KiB |\n' "$rss0" "$(rss)"
kill "$watch_pid"; wait "$watch_pid" || true

echo
echo "### 8. hostalias web -- true, against the article's nsenter line (hyperfine -N)"
echo
pid=$(ha_pid web)
hyperfine -N -w 3 -r 30 --export-json "$work/exec.json" \
  "$HOSTALIAS web -- true" \
  "sh -c 'nsenter --net -t \"\$(docker inspect -f {{.State.Pid}} web)\" true'" \
  "nsenter --net -t $pid true" >/dev/null 2>&1
python3 - "$work/exec.json" <<'PY'
import json, sys
r = [x["median"] * 1000 for x in json.load(open(sys.argv[1]))["results"]]
names = ["hostalias web -- true", "nsenter --net -t \"$(docker inspect ... web)\" true (the article)",
         "nsenter --net -t PID true (the floor)"]
print("| command | median (ms) | against hostalias |\n| --- | ---: | ---: |")
for n, t in zip(names, r):
    print("| `%s` | %.2f | %.2f |" % (n, t, t / r[0]))
PY

echo
echo "### 9. Rootless: the owner's -- true, against root's path and nsenter -U (hyperfine -N)"
echo
# A rootless "container" of uid 4249: its own user (root mapped to 4249),
# network and mount namespaces. The owner's hostalias joins its user
# namespace, makes the mount namespace inside it and runs the command in a
# nested user namespace; root's path makes the mount namespace directly.
# nsenter -U -n --preserve-credentials is what podman unshare nsenter
# --net does after podman has started (podman's own start is not counted).
rl_uid=4249
setpriv --reuid=$rl_uid --regid=$rl_uid --clear-groups \
  unshare --user --map-root-user --net --mount sleep 100000 &
rl_pid=$!
sleep 0.3
# Every row through setpriv, root's too, so its exec is on both sides.
as_rl="setpriv --reuid=$rl_uid --regid=$rl_uid --clear-groups"
as_root="setpriv --reuid=0 --regid=0 --clear-groups"
hyperfine -N -w 5 -r 60 --export-json "$work/rootless.json" \
  "$as_rl $HOSTALIAS --pid $rl_pid -- true" \
  "$as_root $HOSTALIAS --pid $rl_pid -- true" \
  "$as_rl nsenter -t $rl_pid -U -n --preserve-credentials true" \
  "$as_rl unshare -U -r -m true" \
  "$as_root unshare -m true" >/dev/null 2>&1
kill "$rl_pid"
python3 - "$work/rootless.json" <<'PY'
import json, sys
r = [x["median"] * 1000 for x in json.load(open(sys.argv[1]))["results"]]
names = ["rootless: hostalias --pid P -- true, as the owner", "root: hostalias --pid P -- true",
         "nsenter -t P -U -n --preserve-credentials true, as the owner (no mount namespace)",
         "unshare -U -r -m true, as a user (the kernel's floor for the rootless path)",
         "unshare -m true, as root (the floor for root's path)"]
print("| command | median (ms) | against the rootless hostalias |\n| --- | ---: | ---: |")
for n, t in zip(names, r):
    print("| `%s` | %.2f | %.2f |" % (n, t, t / r[0]))
print("\nrootless minus root: %.2f ms; kernel floors' difference: %.2f ms" % (r[0] - r[1], r[3] - r[4]))
PY

echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r), c-ares $("$HOSTALIAS" -V | sed 's/.*c-ares \([0-9.]*\).*/\1/'), dockerd $(docker version -f '{{.Server.Version}}')"
