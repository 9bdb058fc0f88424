#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# hostalias --serve --resolved without systemd: in a network and mount
# namespace of the test's own, a fake resolvectl (where the program looks
# for it: over /usr/bin/resolvectl when there is one, else in a tmpfs over
# /usr/sbin) records each call. The calls and their arguments, the link
# (up, multicast off, the bridge's address, scope global), who holds its
# descriptor, and what is left after SIGTERM, after SIGKILL of either half,
# and when resolvectl is missing or fails. The real resolved:
# tests/package/resolved-under-systemd.sh.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common

DOMAIN=test.internal

setup() {
  ha_need_root unshare nsenter ip dig || return
  [ -c /dev/net/tun ] || ha_skip "no /dev/net/tun"
  FAKE=$BATS_TEST_TMPDIR/fake
  mkdir -p "$FAKE"
  # The environment is not passed to resolvectl: its paths are written in.
  cat >"$FAKE/resolvectl" <<EOT
#!/bin/sh
echo "\$*" >>"$FAKE/calls"
env >"$FAKE/env"
[ ! -e "$FAKE/fail-\$1" ] || { echo "fake resolvectl: \$1 refused" >&2; exit 1; }
EOT
  chmod 755 "$FAKE/resolvectl"
  unshare -m -n --propagation private sleep infinity 3>&- &
  NS=$!
  for _ in $(seq 1 50); do
    [ "$(readlink /proc/$NS/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
    sleep 0.05
  done
  in_ns ip link set lo up
  if [ -e /usr/bin/resolvectl ]; then
    in_ns mount --bind "$FAKE/resolvectl" /usr/bin/resolvectl
  else
    in_ns mount -t tmpfs -o mode=755 tmpfs /usr/sbin
    in_ns cp "$FAKE/resolvectl" /usr/sbin/resolvectl
  fi
  PORT=$(ha_free_port)
}

teardown() {
  [ -z "${PID:-}" ] || kill -9 "$PID" 2>/dev/null || true
  [ -z "${NS:-}" ] || { kill "$NS" 2>/dev/null; wait "$NS" 2>/dev/null; } || true
}

in_ns() { nsenter -t "$NS" -m -n "$@"; }

# start OPTION...: the bridge in the namespace, in the background (PID),
# its stderr in $BATS_TEST_TMPDIR/err; waits until it says it told resolved.
start() {
  # nsenter itself, not in_ns: nsenter execs the program, so $! is its PID.
  nsenter -t "$NS" -m -n "$HOSTALIAS" --serve --resolved -v -H unix:///nonexistent.sock \
    --domain "$DOMAIN" "$@" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
  PID=$!
  for _ in $(seq 1 100); do
    grep -q 'systemd-resolved sends' "$BATS_TEST_TMPDIR/err" && return 0
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$BATS_TEST_TMPDIR/err" >&2
  return 1
}

# ended: PID has exited (reaped: a zombie would pass kill -0), its status in RC.
ended() {
  RC=""
  for _ in $(seq 1 100); do
    if ! kill -0 "$PID" 2>/dev/null || [ "$(cut -d' ' -f3 "/proc/$PID/stat" 2>/dev/null)" = Z ]; then
      RC=0
      wait "$PID" || RC=$?
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# no_link: nothing named hostalias in the namespace within 2 s.
no_link() {
  for _ in $(seq 1 20); do
    in_ns ip -br link show | grep -q hostalias || return 0
    sleep 0.1
  done
  in_ns ip -br link show >&2
  return 1
}

@test "serve_resolved: the calls, the link, who holds it; SIGTERM: revert, the link gone, exit 0" {
  start --listen "127.0.0.153:$PORT"
  run cat "$FAKE/calls"
  assert_eq "$output" "dns hostalias0 127.0.0.153:$PORT
domain hostalias0 ~$DOMAIN
default-route hostalias0 no"
  # A clean environment (PWD is the shell's own).
  run sh -c "grep -v '^PWD=' '$FAKE/env' | sort"
  assert_eq "$output" "LC_ALL=C
PATH=/usr/sbin:/usr/bin:/sbin:/bin"
  run in_ns ip -br addr show hostalias0
  assert_contains "$output" "127.0.0.153/32"
  run in_ns ip addr show hostalias0
  assert_contains "$output" "<POINTOPOINT,NOARP,UP,LOWER_UP>"
  assert_contains "$output" "inet 127.0.0.153/32 scope global hostalias0"
  # The bridge answers on its address, the link's too.
  run in_ns dig +short +time=2 +tries=1 @127.0.0.153 -p "$PORT" "1.2.3.4.$DOMAIN"
  assert_eq "$output" 1.2.3.4
  # Only the privileged half holds the tun: not its front.
  local front
  front=$(pgrep -P "$PID" | head -n 1)
  [ -n "$front" ]
  run sh -c "ls -l /proc/$PID/fd | grep -c /dev/net/tun"
  assert_eq "$output" 1
  run sh -c "ls -l /proc/$front/fd | grep -c /dev/net/tun"
  assert_eq "$output" 0
  kill -TERM "$PID"
  ended
  assert_eq "$RC" 0
  run tail -n 1 "$FAKE/calls"
  assert_eq "$output" "revert hostalias0"
  no_link
}

@test "serve_resolved: port 53 is not written; SIGKILL of the privileged half: the link gone with it" {
  start --listen 127.0.0.153
  run head -n 1 "$FAKE/calls"
  assert_eq "$output" "dns hostalias0 127.0.0.153"
  local front
  front=$(pgrep -P "$PID" | head -n 1)
  kill -KILL "$PID"
  ended
  no_link
  # The front ends with it (a zombie of init's at most).
  for _ in $(seq 1 30); do
    [ "$(cut -d' ' -f3 "/proc/$front/stat" 2>/dev/null || echo Z)" = Z ] && break
    sleep 0.1
  done
  run sh -c "cut -d' ' -f3 /proc/$front/stat 2>/dev/null || echo gone"
  [[ "$output" == Z || "$output" == gone ]]
}

@test "serve_resolved: SIGKILL of the front: the privileged half reverts, the link goes (exit 5)" {
  start --listen "127.0.0.153:$PORT"
  local front
  front=$(pgrep -P "$PID" | head -n 1)
  kill -KILL "$front"
  ended
  assert_eq "$RC" 5
  run tail -n 1 "$FAKE/calls"
  assert_eq "$output" "revert hostalias0"
  no_link
}

@test "serve_resolved: resolvectl missing: said, exit 5, no link, no front left" {
  if [ -e /usr/bin/resolvectl ]; then
    in_ns mount --bind /dev/null /usr/bin/resolvectl
  else
    in_ns rm /usr/sbin/resolvectl
  fi
  run --separate-stderr in_ns "$HOSTALIAS" --serve --resolved -H unix:///nonexistent.sock \
    --listen "127.0.0.153:$PORT"
  assert_status 5
  assert_contains "$stderr" "--resolved: resolvectl not found (looked for /usr/bin/resolvectl, /bin/resolvectl, /usr/sbin/resolvectl and /sbin/resolvectl)"
  no_link
  # Nothing listens any more: the front is gone.
  run in_ns ss -Hlnu "sport = :$PORT"
  assert_eq "$output" ""
}

@test "serve_resolved: resolvectl domain fails: named, reverted, no link (exit 5)" {
  touch "$FAKE/fail-domain"
  run --separate-stderr in_ns "$HOSTALIAS" --serve --resolved -H unix:///nonexistent.sock \
    --listen "127.0.0.153:$PORT" --domain "$DOMAIN"
  assert_status 5
  assert_contains "$stderr" "fake resolvectl: domain refused"
  assert_contains "$stderr" "--resolved: /usr/"
  assert_contains "$stderr" "resolvectl domain hostalias0 ~$DOMAIN failed (exit status 1"
  run cat "$FAKE/calls"
  assert_eq "$output" "dns hostalias0 127.0.0.153:$PORT
domain hostalias0 ~$DOMAIN
revert hostalias0"
  no_link
  run in_ns ss -Hlnu "sport = :$PORT"
  assert_eq "$output" ""
}

@test "serve_resolved: ::1 and 0.0.0.0 cannot be the link's server; --resolved alone is a usage error" {
  run --separate-stderr in_ns "$HOSTALIAS" --serve --resolved -H unix:///nonexistent.sock \
    --listen "[::1]:$PORT"
  assert_status 5
  assert_contains "$stderr" "--resolved: the bridge's address ::1 is ::1, which has host scope"
  run --separate-stderr in_ns "$HOSTALIAS" --serve --resolved -H unix:///nonexistent.sock \
    --listen "0.0.0.0:$PORT"
  assert_status 5
  assert_contains "$stderr" "is the unspecified address"
  [ ! -e "$FAKE/calls" ]
  no_link
  run --separate-stderr "$HOSTALIAS" --resolved web
  assert_status 2
  assert_contains "$stderr" "--resolved goes with --serve"
}
