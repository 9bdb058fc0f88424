#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# hostalias --serve under socket activation: systemd-socket-activate passes
# the sockets (LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES) as systemd does, and
# the bridge serves on them, not on its default address: UDP and TCP, on
# 127.0.0.1 and [::1]; only the front holds them. A socket of the wrong
# kind is refused, naming the descriptor.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/dockerd
load lib/serve

DOMAIN=test.internal

# act_start NAME OPTION...: hostalias --serve, started by
# systemd-socket-activate with OPTION... (its -l and -d), in the
# background; $BATS_FILE_TMPDIR/NAME.pid is the bridge's privileged half
# (systemd-socket-activate execs it, with only DOCKER_HOST of our
# environment, and PATH), NAME.err its stderr, NAME.rc its exit
# status once it ends.
act_start() {
  local base="$BATS_FILE_TMPDIR/$1"
  shift
  rm -f "$base.rc"
  # Under valgrind (lib/common), what its wrapper needs too.
  local keep=(-E DOCKER_HOST) v
  for v in HOSTALIAS_REAL HOSTALIAS_VG_LOGDIR; do
    [ -z "${!v:-}" ] || keep+=(-E "$v")
  done
  (
    rc=0
    sh -c 'echo $$ >"$1"; shift; exec "$@"' _ "$base.pid" \
      systemd-socket-activate "${keep[@]}" "$@" "$HOSTALIAS" --serve --domain "$DOMAIN" -v 2>"$base.err" || rc=$?
    echo "$rc" >"$base.rc"
  ) 3>&- &
}

act_stop() {
  local pid
  pid=$(cat "$BATS_FILE_TMPDIR/$1.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

# asks ADDR OPTION...: dig's short answer for postgres.huginn, retried for
# 5 s (systemd-socket-activate starts the bridge on the first packet).
asks() {
  local addr=$1 out
  shift
  for _ in $(seq 1 50); do
    out=$(dig +short +time=1 +tries=1 "@$addr" -p "$PORT" "$@" "postgres.huginn.$DOMAIN" 2>/dev/null)
    [ -n "$out" ] && { echo "$out"; return 0; }
    sleep 0.1
  done
  return 1
}

# holders PORT PROTO: the PIDs holding a socket on PORT (ss -u or -t).
holders() { ss -Hlnp "-$2" "sport = :$1" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u; }

setup_file() {
  ha_engine_ready docker-compose dig ss systemd-socket-activate || return 0
  project huginn 172.30.17.0/24 || { ha_unready "docker-compose up failed"; return 0; }
}

setup() {
  ha_skip_if_unready
  PORT=$(ha_free_port) || ha_skip "no free port"
}

teardown() {
  act_stop udp
  act_stop tcp
  act_stop unix
}

teardown_file() {
  ha_engine_stop
}

# The checks shared by the UDP and TCP tests: NAME's bridge answers through
# both sockets, says which descriptors it serves on, and only its front
# (the privileged half's one child, not root) holds them.
served() {
  local name=$1 proto=$2 want pid front
  shift 2
  want=$(ha_ip huginn_postgres_1 huginn_backend)
  run asks 127.0.0.1 "$@"
  assert_eq "$output" "$want"
  run asks ::1 "$@"
  assert_eq "$output" "$want"
  pid=$(cat "$BATS_FILE_TMPDIR/$name.pid")
  run cat "$BATS_FILE_TMPDIR/$name.err"
  assert_contains "$output" "listening on 127.0.0.1 port $PORT ($proto, descriptor 3 passed by the service manager)"
  assert_contains "$output" "listening on [::1] port $PORT ($proto, descriptor 4 passed by the service manager)"
  front=$(pgrep -P "$pid" | head -1)
  [ -n "$front" ]
  run holders "$PORT" "$(echo "$proto" | tr 'UDPTC' 'udptc' | head -c1)"
  assert_eq "$output" "$front"
  run stat -c %u "/proc/$front"
  [ "$output" != 0 ]
  # Nothing on the default address: the passed sockets replace it.
  run holders 53 u
  [[ "$output" != *"$front"* ]]
}

@test "serve_activation: UDP sockets passed (--datagram), 127.0.0.1 and [::1]: answered" {
  act_start udp --datagram -l "127.0.0.1:$PORT" -l "[::1]:$PORT" --fdname=dns-v4:dns-v6
  served udp UDP
}

@test "serve_activation: TCP sockets passed, 127.0.0.1 and [::1]: answered over TCP" {
  act_start tcp -l "127.0.0.1:$PORT" -l "[::1]:$PORT"
  served tcp TCP +tcp
}

@test "serve_activation: a unix socket passed is refused, naming descriptor 3 (exit 2)" {
  ha_need python3
  local sock="$BATS_TEST_TMPDIR/s.sock"
  act_start unix -l "$sock"
  for _ in $(seq 1 50); do [ -S "$sock" ] && break; sleep 0.1; done
  # systemd-socket-activate starts the program on the first connection.
  python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$sock"
  for _ in $(seq 1 50); do [ -s "$BATS_FILE_TMPDIR/unix.rc" ] && break; sleep 0.1; done
  run cat "$BATS_FILE_TMPDIR/unix.rc"
  assert_eq "$output" 2
  run cat "$BATS_FILE_TMPDIR/unix.err"
  assert_contains "$output" "--serve: the socket passed as descriptor 3 is not an IPv4 or IPv6 socket"
}

@test "serve_activation: a file, or a TCP socket not listening, as descriptor 3: refused (exit 2)" {
  run --separate-stderr sh -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$1" --serve 3</dev/null' _ "$HOSTALIAS"
  assert_status 2
  assert_contains "$stderr" "descriptor 3 is not a socket"
  ha_need python3
  # A TCP socket bound, not listening, kept open as descriptor 3 across exec.
  run --separate-stderr python3 -c '
import os, socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS="1", LISTEN_FDNAMES="web")
os.execv(sys.argv[1], [sys.argv[1], "--serve"])' "$HOSTALIAS"
  assert_status 2
  assert_contains "$stderr" 'descriptor 3 ("web") is a TCP socket that is not listening'
}

@test "serve_activation: LISTEN_PID not ours: no sockets passed (--listen used); with --listen, passed sockets refused" {
  run --separate-stderr sh -c 'LISTEN_PID=1 LISTEN_FDS=1 exec timeout 1 "$1" --serve --listen "127.0.0.1:$2" -v' _ "$HOSTALIAS" "$PORT"
  assert_status 124
  assert_contains "$stderr" "listening on 127.0.0.1 port $PORT (UDP and TCP)"
  run --separate-stderr python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS="1")
os.execv(sys.argv[1], [sys.argv[1], "--serve", "--listen", "127.0.0.1:" + sys.argv[2]])' "$HOSTALIAS" "$PORT"
  assert_status 2
  assert_contains "$stderr" "--listen given, and 1 socket passed by the service manager"
}
