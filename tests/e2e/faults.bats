#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Failing servers, failing Engine APIs, kill -9 mid-write, concurrent runs,
# bad input, and privilege rules. Real faults: iptables and tc netem inside
# a test namespace, real sockets, real signals.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/fakes

CORPUS="$BATS_TEST_DIRNAME/../corpus"

setup() {
  ha_need_root ip nsenter unshare python3 busybox iptables
  NS="ha-f$$-${BATS_TEST_NUMBER}"
  ns_start "$NS"
}

teardown() {
  fake_container_stop
  dns_stop
  engine_fake_stop
  ns_stop "$NS"
}

ha() { "$HOSTALIAS" --netns "/run/netns/$NS" --server 127.0.0.1 "$@"; }

@test "server dropping everything (iptables): exit 4 within the deadline, -o FILE untouched" {
  dns_start "$NS" normal
  ip netns exec "$NS" iptables -A INPUT -p udp --dport 53 -j DROP
  ip netns exec "$NS" iptables -A INPUT -p tcp --dport 53 -j DROP
  local f="$BATS_TEST_TMPDIR/out.alias"
  printf 'a 10.0.0.98.traefik.me\n' >"$f"
  local before t0
  before=$(stat -c %i.%Y "$f"; sha256sum <"$f")
  t0=$(ms)
  run --separate-stderr ha --timeout 0.5 --tries 2 --deadline 4 -o "$f" a b c
  local took=$(( $(ms) - t0 ))
  assert_status 4
  assert_contains "$stderr" "b: timed out"
  [ "$took" -lt 5000 ] || { echo "took $took ms" >&2; return 1; }
  assert_eq "$(stat -c %i.%Y "$f"; sha256sum <"$f")" "$before"
}

@test "30% packet loss and 200 ms delay: ends within the deadline, lines well-formed, stale kept" {
  # Loss: iptables' statistic match drops 30% of the packets to the server.
  # Delay: the server answers each query after 200 ms. (tc netem would do
  # both, but this kernel has no sch_netem and no modules to load it.)
  dns_start "$NS" delay
  ip netns exec "$NS" iptables -A INPUT -p udp --dport 53 -m statistic --mode random \
    --probability 0.3 -j DROP
  for i in $(seq 1 40); do echo "n$i"; done >"$BATS_TEST_TMPDIR/names"
  local f="$BATS_TEST_TMPDIR/out.alias" t0
  # The file first holds a line for every name, so a name lost to the
  # network keeps its line.
  sed 's/$/ 10.0.0.99.traefik.me/' "$BATS_TEST_TMPDIR/names" >"$f"
  t0=$(ms)
  run --separate-stderr ha --timeout 1 --tries 4 --deadline 8 -o "$f" <"$BATS_TEST_TMPDIR/names"
  local took=$(( $(ms) - t0 ))
  [ "$status" -eq 0 ] || [ "$status" -eq 1 ]
  [ "$took" -lt 9500 ] || { echo "took $took ms" >&2; return 1; }
  well_formed "$f" alias
  assert_eq "$(grep -c . "$f")" 40
  local fresh
  fresh=$(grep -vc '10.0.0.99' "$f" || true)
  [ "$fresh" -gt 20 ] || { echo "only $fresh names resolved" >&2; return 1; }
}

@test "server not listening: connection refused, exit 4, fast" {
  local t0
  t0=$(ms)
  run --separate-stderr ha a b
  assert_status 4
  assert_contains "$stderr" "server unreachable (connection refused)"
  # The server asked is named, not "the DNS server of" the target.
  assert_contains "$stderr" "no answer from the DNS server 127.0.0.1:53 (--server) in the network namespace of netns /run/netns/$NS"
  [ $(( $(ms) - t0 )) -lt 3000 ]
}

@test "stale lines: kept for a timed-out name, dropped for an NXDOMAIN one and where the address now answers for another name" {
  dns_start "$NS" normal
  local f="$BATS_TEST_TMPDIR/stale.alias"
  # evil_dns.py answers b with 10.0.0.99; drop* time out, nx* do not exist.
  printf '%s\n' 'dropa 10.0.0.7.traefik.me' 'nxb 10.0.0.8.traefik.me' \
    'dropc 10.0.0.99.traefik.me' 'b 10.0.0.1.traefik.me' >"$f"
  run --separate-stderr ha --timeout 0.3 --tries 1 -o "$f" dropa nxb dropc b
  assert_status 1
  assert_eq "$(cat "$f")" "dropa 10.0.0.7.traefik.me
b 10.0.0.99.traefik.me"
  assert_contains "$stderr" "dropa: timed out; keeping its previous line in $f (stale)"
  assert_contains "$stderr" "nxb: no such name; its previous line in $f is dropped"
  assert_contains "$stderr" "dropc: timed out; its previous line in $f points at 10.0.0.99, which now answers for b, so it is dropped"

  # -q: a standing timeout with its line kept says nothing (cron mails
  # nothing); a dropped line is still said.
  run --separate-stderr ha -q --timeout 0.3 --tries 1 -o "$f" dropa b
  assert_status 1
  assert_eq "$stderr" ""
  assert_eq "$(head -n 1 "$f")" "dropa 10.0.0.7.traefik.me"
  printf 'nxb 10.0.0.8.traefik.me\n' >>"$f"
  run --separate-stderr ha -q --timeout 0.3 --tries 1 -o "$f" dropa nxb b
  assert_contains "$stderr" "nxb: no such name; its previous line in $f is dropped"

  # Written with another provider: which address it means is not this
  # provider's to say, so a timed-out name's line goes, and the error says why.
  run --separate-stderr ha -p sslip.io --timeout 0.3 --tries 1 -o "$f" dropa b
  assert_status 1
  assert_eq "$(cat "$f")" "b 10.0.0.99.sslip.io"
  assert_contains "$stderr" "dropa: timed out; its previous line in $f points outside sslip.io (it was written with another -p or --suffix), so it is dropped"
}

@test "--netns with no resolver configuration (a Podman namespace): exit 4, and the error says why and what to do" {
  run --separate-stderr "$HOSTALIAS" --timeout 0.3 --tries 1 --netns "/run/netns/$NS" a
  assert_status 4
  assert_contains "$stderr" "netns /run/netns/$NS has no resolver configuration of its own"
  assert_contains "$stderr" "give the server with -s ADDR, or target the container by name or --pid"
}

@test "DOCKER_HOST=tcp://: an error naming it (exit 2), never a fall back to the local socket" {
  DOCKER_HOST=tcp://127.0.0.1:2375 run --separate-stderr "$HOSTALIAS" web a
  assert_status 2
  assert_contains "$stderr" "DOCKER_HOST=tcp://127.0.0.1:2375: not a unix socket"
  run --separate-stderr "$HOSTALIAS" -H tcp://127.0.0.1:2375 web a
  assert_status 2
  assert_contains "$stderr" "--docker-host=tcp://127.0.0.1:2375: not a unix socket"
}

@test "the container stops mid-run: the pass ends within its deadline, -o FILE keeps its lines" {
  local root="$BATS_TEST_TMPDIR/root"
  fake_root "$root"
  printf 'nameserver 127.0.0.1\n' >"$root/etc/resolv.conf"
  fake_container "$root"
  local fns="ha-fc$$"
  touch "/run/netns/$fns" && mount --bind "/proc/$FAKE_PID/ns/net" "/run/netns/$fns"
  dns_start "$fns" slow
  local f="$BATS_TEST_TMPDIR/out.alias"
  printf 'a 10.0.0.97.traefik.me\nb 10.0.0.96.traefik.me\n' >"$f"
  local before
  before=$(sha256sum <"$f")
  "$HOSTALIAS" --timeout 1 --tries 2 --deadline 5 --pid "$FAKE_PID" -o "$f" a b \
    2>"$BATS_TEST_TMPDIR/err" &
  local h=$!
  # Stop the container once the resolver child is in its namespace, waiting
  # on the slow server (not after a fixed delay: valgrind runs start slowly).
  for _ in $(seq 1 200); do
    [ -n "$(pgrep -P "$h" || true)" ] && break
    sleep 0.05
  done
  sleep 0.3
  dns_stop
  fake_container_stop
  umount "/run/netns/$fns"; rm -f "/run/netns/$fns"
  local t0 rc=0
  t0=$(ms)
  wait "$h" || rc=$?
  [ "$rc" -eq 4 ] || { echo "exit $rc: $(cat "$BATS_TEST_TMPDIR/err")" >&2; return 1; }
  [ $(( $(ms) - t0 )) -lt 6000 ]
  assert_eq "$(sha256sum <"$f")" "$before"
}

@test "Engine API answering an error, garbage, nothing (refusing), or hanging: exit 3, bounded" {
  local sock="$BATS_TEST_TMPDIR/engine.sock" t0
  engine_fake "$sock" error
  run --separate-stderr "$HOSTALIAS" -H "unix://$sock" web a
  assert_status 3
  assert_contains "$stderr" "boom: engine on fire"
  engine_fake_stop; rm -f "$sock"

  engine_fake "$sock" garbage
  run --separate-stderr "$HOSTALIAS" -H "unix://$sock" web a
  assert_status 3
  assert_contains "$stderr" "malformed reply"
  engine_fake_stop; rm -f "$sock"

  engine_fake "$sock" refuse
  run --separate-stderr "$HOSTALIAS" -H "unix://$sock" web a
  assert_status 3
  assert_contains "$stderr" "connection refused"
  engine_fake_stop; rm -f "$sock"

  engine_fake "$sock" hang
  t0=$(ms)
  run --separate-stderr "$HOSTALIAS" -H "unix://$sock" web a
  assert_status 3
  assert_contains "$stderr" "in time"
  local took=$(( $(ms) - t0 ))
  [ "$took" -lt 7000 ] || { echo "took $took ms" >&2; return 1; }
}

@test "kill -9 at random points while writing -o FILE, 100 times: a reader never sees a partial file" {
  dns_start "$NS" normal
  for i in $(seq 1 300); do echo "name$i"; done >"$BATS_TEST_TMPDIR/names"
  tac "$BATS_TEST_TMPDIR/names" >"$BATS_TEST_TMPDIR/names.reversed"
  local f="$BATS_TEST_TMPDIR/atomic.alias"
  # Two versions of the file that differ (the lines follow the input's
  # order), both complete.
  ha -o "$BATS_TEST_TMPDIR/A" <"$BATS_TEST_TMPDIR/names"
  ha -o "$BATS_TEST_TMPDIR/B" <"$BATS_TEST_TMPDIR/names.reversed"
  cmp -s "$BATS_TEST_TMPDIR/A" "$BATS_TEST_TMPDIR/B" && return 1
  cp "$BATS_TEST_TMPDIR/A" "$f"
  # A reader checks every version of the file it can see: always 300
  # complete, well-formed lines (a name that timed out under this load
  # keeps its previous line).
  ( bad=0 seen=0
    while [ ! -e "$BATS_TEST_TMPDIR/stop" ]; do
      c=$(cat "$f"; echo x)
      seen=$((seen + 1))
      [ "$(grep -cE '^name[0-9]+ 10\.0\.0\.[0-9]+\.traefik\.me$' <<<"$c")" = 300 ] &&
        [ "${c: -2}" = $'\nx' ] || bad=$((bad + 1))
    done
    echo "$bad $seen" >"$BATS_TEST_TMPDIR/bad" ) &
  local reader=$!
  local input h
  for i in $(seq 1 100); do
    if [ $((i % 2)) = 0 ]; then input=names; else input=names.reversed; fi
    # hostalias itself, not a shell function around it: the kill must hit
    # the process that writes.
    "$HOSTALIAS" --netns "/run/netns/$NS" --server 127.0.0.1 -o "$f" \
      <"$BATS_TEST_TMPDIR/$input" 2>/dev/null &
    h=$!
    sleep "0.00$((RANDOM % 10))$((RANDOM % 10))"
    kill -9 "$h" 2>/dev/null || true
    wait "$h" 2>/dev/null || true
  done
  touch "$BATS_TEST_TMPDIR/stop"
  wait "$reader"
  read -r bad seen <"$BATS_TEST_TMPDIR/bad"
  [ "$seen" -gt 20 ] || { echo "reader saw only $seen versions" >&2; return 1; }
  assert_eq "$bad" 0
  [ "$(grep -c . "$f")" = 300 ]
  well_formed "$f" alias
  # No resolver process outlived the run that forked it (each dies with its
  # parent), so none is left asking the server.
  assert_eq "$(pgrep -f -- "--netns /run/netns/$NS " | xargs -r ps -o stat= -p | grep -vc Z)" 0
}

@test "killed while writing -o FILE (SIGKILL at its fsync): FILE as it was, no temporary file left" {
  [ -z "${HOSTALIAS_VALGRIND:-}" ] || skip "strace cannot attach to a process valgrind runs"
  ha_need strace
  dns_start "$NS" normal
  local d="$BATS_TEST_TMPDIR/out"
  mkdir "$d"
  printf 'a 10.0.0.1.traefik.me\n' >"$d/k.alias"
  # The new content is written and about to be made durable when the kill
  # comes: the one moment a named temporary file would be lying there.
  run strace -f -qq -o /dev/null -e trace=fsync -e inject=fsync:signal=SIGKILL \
    "$HOSTALIAS" --netns "/run/netns/$NS" --server 127.0.0.1 -o "$d/k.alias" a b
  assert_status 137
  assert_eq "$(ls -A "$d")" "k.alias"
  assert_eq "$(cat "$d/k.alias")" "a 10.0.0.1.traefik.me"
}

@test "-o FILE where linkat(AT_EMPTY_PATH) is refused (no CAP_DAC_READ_SEARCH, older kernels): linked through /proc/self/fd" {
  [ -z "${HOSTALIAS_VALGRIND:-}" ] || skip "strace cannot attach to a process valgrind runs"
  ha_need strace
  dns_start "$NS" normal
  local d="$BATS_TEST_TMPDIR/out" log="$BATS_TEST_TMPDIR/strace"
  mkdir "$d"
  # (LeakSanitizer cannot run under ptrace: off for this one run.)
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    run strace -f -qq -o "$log" -e trace=linkat -e inject=linkat:error=ENOENT:when=1 \
    "$HOSTALIAS" --netns "/run/netns/$NS" --server 127.0.0.1 -o "$d/l.alias" a
  assert_status 0
  grep -q 'AT_EMPTY_PATH) = -1 ENOENT' "$log"
  grep -q 'linkat(AT_FDCWD, "/proc/self/fd/[0-9]*", [0-9]*, "\.l\.alias\.[0-9a-f]*", AT_SYMLINK_FOLLOW) = 0' "$log"
  assert_eq "$(ls -A "$d")" "l.alias"
  assert_eq "$(cat "$d/l.alias")" "a 10.0.0.98.traefik.me"
}

@test "kill -9 of hostalias mid-pass takes its resolver process with it" {
  dns_start "$NS" normal
  # drop* names are never answered: the pass waits for them.
  "$HOSTALIAS" --netns "/run/netns/$NS" --server 127.0.0.1 --deadline 30 drop1 drop2 \
    >/dev/null 2>&1 &
  local h=$! child="" t0
  # Once the resolver runs as nobody it is past every change of uid (which
  # would clear a parent-death signal set earlier).
  for _ in $(seq 1 200); do
    child=$(pgrep -P "$h" | head -1)
    [ -n "$child" ] && [ "$(ps -o uid= -p "$child" | tr -d ' ')" = 65534 ] && break
    sleep 0.02
  done
  [ -n "$child" ] || { echo "no resolver process seen" >&2; return 1; }
  sleep 0.2
  kill -9 "$h"
  wait "$h" 2>/dev/null || true
  t0=$(ms)
  # Gone, or a zombie waiting for init to reap it: either way not running.
  while ps -o stat= -p "$child" | grep -qv Z; do
    [ $(( $(ms) - t0 )) -lt 2000 ] || { echo "resolver $child still runs 2 s after its parent died" >&2; return 1; }
    sleep 0.02
  done
}

@test "two runs on the same FILE at once end with one complete file" {
  dns_start "$NS" normal
  for i in $(seq 1 300); do echo "name$i"; done >"$BATS_TEST_TMPDIR/names"
  local f="$BATS_TEST_TMPDIR/both.alias"
  for _ in 1 2 3 4 5; do
    rm -f "$f"
    ha -p traefik.me -o "$f" <"$BATS_TEST_TMPDIR/names" &
    local a=$!
    ha -p sslip.io -o "$f" <"$BATS_TEST_TMPDIR/names" &
    local b=$!
    wait "$a"; wait "$b"
    assert_eq "$(grep -c . "$f")" 300
    well_formed "$f" alias
    [ "$(grep -c traefik.me "$f")" = 300 ] || [ "$(grep -c sslip.io "$f")" = 300 ]
  done
}

@test "bad input corpus: every invalid line refused with its line number; every valid one accepted" {
  dns_start "$NS" normal
  local n=0 line
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    run --separate-stderr ha < <(printf 'valid-before\n%s\n' "$line")
    assert_status 2
    assert_contains "$stderr" "standard input line 2: invalid name"
    assert_eq "$output" ""
  done <"$CORPUS/names-invalid.txt"
  [ "$n" -ge 20 ]
  run --separate-stderr ha -f hosts <"$CORPUS/names-valid.txt"
  assert_status 0
  assert_eq "$(grep -c . <<<"$output")" "$(grep -cvE '^\s*(#|$)' "$CORPUS/names-valid.txt")"
}

@test "bad input: 100 MiB line without newline, NUL bytes, a directory, stdin closed" {
  run --separate-stderr /usr/bin/time -f 'rss=%M' "$HOSTALIAS" --netns "/run/netns/$NS" < <(head -c 104857600 /dev/zero | tr '\0' 'x')
  assert_status 2
  assert_contains "$stderr" "line 1: line longer than 1024 characters"
  local rss=${stderr##*rss=}
  rss_bounded "$rss" 20000

  run --separate-stderr "$HOSTALIAS" --netns "/run/netns/$NS" < <(printf 'ok\nnul\0byte\n')
  assert_status 2
  assert_contains "$stderr" 'line 2: invalid name (contains a NUL byte): "nul\x00byte"'

  run --separate-stderr "$HOSTALIAS" --netns "/run/netns/$NS" </
  assert_status 2
  assert_contains "$stderr" "cannot read names from standard input: Is a directory"

  # (Closed inside the child: bash's own "<&-" on a function call can leave
  # the command substitution's pipe on fd 0.)
  # (The binary itself, even in valgrind runs: valgrind's own log would take fd 0.)
  run --separate-stderr bash -c 'exec <&-; exec "$0" --netns "$1"' "${HOSTALIAS_REAL:-$HOSTALIAS}" "/run/netns/$NS"
  assert_status 2
  assert_contains "$stderr" "standard input is closed"
}

@test "refuses to run setuid" {
  local copy="$BATS_TEST_TMPDIR/hostalias-suid"
  cp "${HOSTALIAS_REAL:-$HOSTALIAS}" "$copy"
  chmod 4755 "$copy"
  chmod 755 "$BATS_TEST_TMPDIR"
  run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups "$copy" -V
  assert_status 2
  assert_contains "$stderr" "refusing to run setuid"
}

@test "under sudo a new -o FILE belongs to the invoking user; an existing one keeps its owner" {
  dns_start "$NS" normal
  # A directory the invoking user (65534) may write, as sudo now requires.
  local d="$BATS_TEST_TMPDIR/user"
  mkdir -m 755 "$d"
  chown 65534:65533 "$d"
  chmod 755 "$BATS_TEST_TMPDIR"
  # The path is walked with that user's rights: every directory on it
  # searchable (bats makes its own 0700).
  local p=$BATS_TEST_TMPDIR
  while [ "$p" != /tmp ] && [ "$p" != / ]; do
    chmod o+x "$p"
    p=$(dirname "$p")
  done
  local f="$d/sudo.alias"
  SUDO_UID=65534 SUDO_GID=65533 ha -o "$f" a
  assert_eq "$(stat -c %u:%g "$f")" "65534:65533"
  chgrp 456 "$f"
  SUDO_UID=65534 SUDO_GID=65533 ha -o "$f" a b
  assert_eq "$(stat -c %u:%g "$f")" "65534:456"
  # Root's own file keeps root as its owner.
  chown 0:0 "$f"
  SUDO_UID=65534 SUDO_GID=65533 ha -o "$f" b
  assert_eq "$(stat -c %u:%g "$f")" "0:0"
  # A third user's file is not updated under sudo (tests/e2e/security.bats).
  chown 123:456 "$f"
  SUDO_UID=65534 SUDO_GID=65533 run --separate-stderr ha -o "$f" a
  assert_status 5
  assert_eq "$(stat -c %u:%g "$f")" "123:456"
}
