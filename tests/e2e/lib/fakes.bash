# SPDX-License-Identifier: MIT
# Real servers and namespaces for the hostility and fault tests, with no
# Docker needed: a network namespace with a DNS server of a chosen
# behaviour, a "container" (a process with its own root directory and
# network namespace, as a runtime makes one), and fake Engine API sockets.

HA_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# ns_start NAME: a fresh network namespace with loopback up.
ns_start() {
  ip netns add "$1"
  ip -n "$1" link set lo up
}

ns_stop() { ip netns del "$1" 2>/dev/null || true; }

# dns_start NETNS MODE [ADDR]: evil_dns.py in NETNS; pids gather in
# $BATS_TEST_TMPDIR/dns.pid, and dns_stop ends them all.
dns_start() {
  local ready="$BATS_TEST_TMPDIR/dns.ready"
  rm -f "$ready"
  nsenter --net="/run/netns/$1" python3 "$HA_LIB/evil_dns.py" --mode "$2" \
    --addr "${3:-127.0.0.1}" --ready "$ready" 3>&- &
  echo $! >>"$BATS_TEST_TMPDIR/dns.pid"
  for _ in $(seq 1 100); do [ -e "$ready" ] && return 0; sleep 0.05; done
  echo "DNS server did not start" >&2
  return 1
}

dns_stop() {
  local p
  if [ -f "$BATS_TEST_TMPDIR/dns.pid" ]; then
    while read -r p; do kill "$p" 2>/dev/null; done <"$BATS_TEST_TMPDIR/dns.pid"
  fi
  rm -f "$BATS_TEST_TMPDIR/dns.pid"
}

# fake_root DIR: a minimal root filesystem (busybox) with an empty etc/.
fake_root() {
  mkdir -p "$1/bin" "$1/etc"
  cp /bin/busybox "$1/bin/busybox"
  ln -sf busybox "$1/bin/sleep"
}

# fake_container ROOT: a process chrooted into ROOT with its own mount and
# network namespaces. Sets FAKE_PID (the process inside) and FAKE_OUTER.
fake_container() {
  unshare --net --mount --fork --root="$1" /bin/sleep 100000 3>&- &
  FAKE_OUTER=$!
  FAKE_PID=""
  for _ in $(seq 1 100); do
    FAKE_PID=$(pgrep -P "$FAKE_OUTER" || true)
    [ -n "$FAKE_PID" ] && break
    sleep 0.02
  done
  [ -n "$FAKE_PID" ] || { echo "fake container did not start" >&2; return 1; }
  nsenter --net="/proc/$FAKE_PID/ns/net" ip link set lo up
}

fake_container_stop() {
  [ -n "${FAKE_OUTER:-}" ] && kill -9 "$FAKE_OUTER" ${FAKE_PID:+"$FAKE_PID"} 2>/dev/null
  FAKE_OUTER="" FAKE_PID=""
  return 0
}

# engine_fake SOCKET MODE: a fake Engine API on a unix socket
# (lib/fake_engine.py, the tests' one fake engine).
#   error: HTTP 500 with a JSON message; garbage: random bytes; hang: accept,
#   never answer; refuse: a socket file nobody listens on.
engine_fake() {
  python3 "$HA_LIB/fake_engine.py" "$1" --mode "$2" 3>&- &
  echo $! >>"$BATS_TEST_TMPDIR/engine.pid"
  for _ in $(seq 1 100); do [ -S "$1" ] && return 0; sleep 0.05; done
  return 1
}

engine_fake_stop() {
  local p
  if [ -f "$BATS_TEST_TMPDIR/engine.pid" ]; then
    while read -r p; do kill "$p" 2>/dev/null; done <"$BATS_TEST_TMPDIR/engine.pid"
  fi
  rm -f "$BATS_TEST_TMPDIR/engine.pid"
  return 0
}

# well_formed FILE FORMAT: every line is one hostalias could have written.
well_formed() {
  local re
  case $2 in
    alias) re='^[A-Za-z0-9_][A-Za-z0-9_-]{0,62} [0-9a-f.-]+\.[a-z.]+$' ;;
    hosts) re='^[0-9a-f.:]+ [A-Za-z0-9_][A-Za-z0-9_.-]*$' ;;
  esac
  if grep -Evq "$re" "$1"; then
    echo "malformed lines in $1:" >&2
    grep -Ev "$re" "$1" >&2
    return 1
  fi
}

# engine_serve SOCKET [--peers FILE] [--log FILE] PATH BODY [PATH BODY]...:
# a fake Engine API (lib/fake_engine.py) on a unix socket anyone may use,
# answering GET PATH with 200 and BODY (JSON), any other request with 404.
# Several may run at once; engine_fake_stop ends them all.
engine_serve() {
  local sock=$1
  shift
  python3 "$HA_LIB/fake_engine.py" "$sock" "$@" 3>&- &
  echo $! >>"$BATS_TEST_TMPDIR/engine.pid"
  for _ in $(seq 1 100); do [ -S "$sock" ] && return 0; sleep 0.05; done
  return 1
}

# engine_list SOCKET NAME...: a fake Engine API whose /containers/json lists
# the given running containers.
engine_list() {
  local sock=$1 body
  shift
  body=$(python3 -c 'import json, sys
print(json.dumps([{"Id": "%064d" % i, "Names": ["/" + n], "State": "running"}
                  for i, n in enumerate(sys.argv[1:])]))' "$@")
  engine_serve "$sock" /containers/json "$body"
}

# engine_list_labeled SOCKET NAME LABELS [NAME LABELS]...: as engine_list,
# each container with LABELS (a JSON object) as its labels.
engine_list_labeled() {
  local sock=$1 body
  shift
  body=$(python3 -c 'import json, sys
a = sys.argv[1:]
print(json.dumps([{"Id": "%064d" % i, "Names": ["/" + a[2 * i]], "State": "running",
                   "Labels": json.loads(a[2 * i + 1])} for i in range(len(a) // 2)]))' "$@")
  engine_serve "$sock" /containers/json "$body"
}

# cgroup_claim PID ID: puts process PID in a cgroup named after container
# ID (64 hex digits), as a runtime does (/docker/ID with Docker's cgroupfs
# driver), so that a fake engine may vouch for it: hostalias enters only a
# process whose cgroups name the container. cgroup v2 where it is mounted
# alone, else v1's pids hierarchy. cgroup_release_all undoes it.
cgroup_claim() {
  # A parent of this test's own: another run's fakes may claim the same ID.
  local base=/sys/fs/cgroup
  [ -e /sys/fs/cgroup/cgroup.procs ] || base=/sys/fs/cgroup/pids
  base=$base/hostalias-e2e-$$-${BATS_TEST_NUMBER:-0}
  mkdir -p "$base/$2" && echo "$1" >"$base/$2/cgroup.procs" &&
    echo "$base/$2" >>"$BATS_TEST_TMPDIR/cgroups"
}

cgroup_release_all() {
  local d root p
  [ -f "$BATS_TEST_TMPDIR/cgroups" ] || return 0
  while read -r d; do
    root=${d%/hostalias-e2e-*}
    if [ -f "$d/cgroup.procs" ]; then
      while read -r p; do echo "$p" >"$root/cgroup.procs" 2>/dev/null || true; done <"$d/cgroup.procs"
    fi
    rmdir "$d" "${d%/*}" 2>/dev/null || true
  done <"$BATS_TEST_TMPDIR/cgroups"
  rm -f "$BATS_TEST_TMPDIR/cgroups"
}
