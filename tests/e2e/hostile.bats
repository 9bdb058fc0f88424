#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Hostile containers and hostile DNS servers: no host file is ever read,
# nothing blocks, memory stays bounded, and only well-formed lines are
# written. The "containers" here are processes with their own root and
# network namespace (what a runtime makes), so their files can be anything.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/fakes

setup() {
  ha_need_root ip nsenter unshare python3 busybox
  ROOT="$BATS_TEST_TMPDIR/root"
  fake_root "$ROOT"
  NS="ha-h$$-${BATS_TEST_NUMBER}"
}

teardown() {
  fake_container_stop
  dns_stop
  ns_stop "$NS"
}

# run hostalias -v against the fake container, with its own DNS server
# answering normally on 127.0.0.1 when $1 = dns.
run_fake() {
  fake_container "$ROOT"
  run --separate-stderr timeout 20 "$HOSTALIAS" -v --timeout 0.3 --tries 1 --pid "$FAKE_PID" "$@"
}

@test "resolv.conf: a symlink to an absolute host path reads the container's path, never the host's" {
  printf 'nameserver 10.66.66.66\n' >"$BATS_TEST_TMPDIR/host-resolv.conf"
  ln -s "$BATS_TEST_TMPDIR/host-resolv.conf" "$ROOT/etc/resolv.conf"
  run_fake postgres
  [[ "$stderr" != *10.66.66.66* ]] || { echo "$stderr" >&2; return 1; }
  assert_contains "$stderr" "no usable nameserver; using 127.0.0.11"
  assert_contains "$stderr" "asking nameservers 127.0.0.11:53"
}

@test "resolv.conf: an absolute symlink to the container's own file is followed inside its root" {
  mkdir -p "$ROOT/run/cfg"
  printf 'nameserver 10.77.77.77\n' >"$ROOT/run/cfg/resolv.conf"
  ln -s /run/cfg/resolv.conf "$ROOT/etc/resolv.conf"
  run_fake postgres
  assert_contains "$stderr" "asking nameservers 10.77.77.77:53"
}

@test "resolv.conf: ../ climbing out of the root finds nothing" {
  printf 'nameserver 10.66.66.66\n' >"$BATS_TEST_TMPDIR/host-resolv.conf"
  ln -s "../../../../../../../../..$BATS_TEST_TMPDIR/host-resolv.conf" "$ROOT/etc/resolv.conf"
  run_fake postgres
  [[ "$stderr" != *10.66.66.66* ]]
}

@test "hosts: a symlink to a host file never answers a name" {
  printf '10.66.66.66 leaked\n' >"$BATS_TEST_TMPDIR/host-hosts"
  ln -s "$BATS_TEST_TMPDIR/host-hosts" "$ROOT/etc/hosts"
  printf 'nameserver 127.0.0.1\n' >"$ROOT/etc/resolv.conf"
  run_fake leaked
  [[ "$output" != *10.66.66.66* ]]
  assert_contains "$stderr" "leaked:"
}

@test "resolv.conf and hosts as a FIFO: refused at once, nothing blocks" {
  mkfifo "$ROOT/etc/resolv.conf" "$ROOT/etc/hosts"
  local t0
  t0=$(ms)
  run_fake postgres
  [ $(( $(ms) - t0 )) -lt 5000 ]
  assert_contains "$stderr" "/etc/resolv.conf: is a FIFO; ignored"
  assert_contains "$stderr" "/etc/hosts: is a FIFO; ignored"
}

@test "resolv.conf as a directory, hosts as a device: refused with a warning" {
  mkdir "$ROOT/etc/resolv.conf"
  mknod "$ROOT/etc/hosts" c 1 5
  run_fake postgres
  assert_contains "$stderr" "/etc/resolv.conf: is a directory; ignored"
  assert_contains "$stderr" "/etc/hosts: is a device; ignored"
}

@test "100 MiB resolv.conf and hosts: only a bounded prefix is read, memory stays small" {
  printf 'nameserver 10.55.55.55\n' >"$ROOT/etc/resolv.conf"
  truncate -s 100M "$ROOT/etc/resolv.conf"
  printf '10.9.9.9 bighost\n' >"$ROOT/etc/hosts"
  truncate -s 100M "$ROOT/etc/hosts"
  fake_container "$ROOT"
  run --separate-stderr /usr/bin/time -f 'rss=%M' "$HOSTALIAS" -v --timeout 0.3 --tries 1 --pid "$FAKE_PID" bighost other
  assert_status 4
  assert_eq "$output" "bighost 10.9.9.9.traefik.me"
  assert_contains "$stderr" "longer than 65536 bytes"
  assert_contains "$stderr" "longer than 1048576 bytes"
  assert_contains "$stderr" "asking nameservers 10.55.55.55:53"
  local rss=${stderr##*rss=}
  rss_bounded "$rss" 20000
}

@test "resolv.conf full of NUL bytes, and with 10,000 nameserver lines" {
  head -c 1048576 /dev/zero >"$ROOT/etc/resolv.conf"
  run_fake postgres
  assert_contains "$stderr" "lines with NUL bytes ignored"
  assert_contains "$stderr" "using 127.0.0.11"
  fake_container_stop
  for i in $(seq 1 10000); do echo "nameserver 10.$((i / 250)).$((i % 250)).1"; done >"$ROOT/etc/resolv.conf"
  run_fake postgres
  assert_contains "$stderr" "nameserver lines beyond the first 3 ignored"
  assert_contains "$stderr" "asking nameservers 10.0.1.1:53,10.0.2.1:53,10.0.3.1:53"
}

# --- hostile DNS servers ----------------------------------------------------

# run hostalias against evil_dns.py in mode $1 in a test namespace; names follow
run_evil() {
  local mode=$1
  shift
  ns_start "$NS"
  dns_start "$NS" "$mode"
  T0=$(ms)
  run --separate-stderr timeout 30 "$HOSTALIAS" --netns "/run/netns/$NS" --server 127.0.0.1 "$@"
  TOOK=$(( $(ms) - T0 ))
  printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out"
}

@test "server answering garbage: ends within its deadline, writes nothing malformed" {
  run_evil garbage --timeout 0.3 --tries 2 --deadline 3 a b c d e
  [ "$status" -eq 4 ] || [ "$status" -eq 1 ]
  [ "$TOOK" -lt 5000 ]
  assert_eq "$output" ""
}

@test "server answering with wrong IDs: timed out, exit 4, within the deadline" {
  run_evil wrongid --timeout 0.3 --tries 2 a b c
  assert_status 4
  assert_contains "$stderr" "a: timed out"
  [ "$TOOK" -lt 3000 ]
}

@test "truncated UDP answers: TCP fallback resolves" {
  run_evil truncate web postgres
  assert_status 0
  [ "$(grep -c . "$BATS_TEST_TMPDIR/out")" = 2 ]
  well_formed "$BATS_TEST_TMPDIR/out" alias
}

@test "CNAME loop: no line, no hang" {
  run_evil cnameloop --deadline 5 looped
  [ "$status" -ne 0 ]
  assert_eq "$output" ""
  [ "$TOOK" -lt 6000 ]
}

@test "500 addresses for one name: one line, the lowest address" {
  run_evil many crowd
  assert_status 0
  assert_eq "$output" "crowd 10.1.0.1.traefik.me"
  run --separate-stderr "$HOSTALIAS" -f json --netns "/run/netns/$NS" --server 127.0.0.1 crowd
  n=$(python3 -c 'import json,sys; print(len(json.loads(sys.stdin.read())["addresses"]))' <<<"$output")
  assert_eq "$n" 32
}

@test "very slow server: ends within --deadline" {
  run_evil slow --timeout 0.5 --tries 3 --deadline 2 a b c
  assert_status 4
  [ "$TOOK" -lt 3500 ] || { echo "took $TOOK ms" >&2; return 1; }
}

@test "SERVFAIL for some names: those reported, the rest written, exit 1" {
  run_evil servfail ok1 failme ok2 nxgone
  assert_status 1
  assert_contains "$stderr" "failme: server failure"
  assert_contains "$stderr" "nxgone: no such name"
  [ "$(grep -c . "$BATS_TEST_TMPDIR/out")" = 2 ]
  well_formed "$BATS_TEST_TMPDIR/out" alias
}

@test "--netns /run/netns/NAME reads /etc/netns/NAME/resolv.conf and hosts, as ip netns exec does" {
  ns_start "$NS"
  dns_start "$NS" normal
  mkdir -p "/etc/netns/$NS"
  printf 'nameserver 127.0.0.1\n' >"/etc/netns/$NS/resolv.conf"
  printf '10.20.30.40 pinned\n' >"/etc/netns/$NS/hosts"
  run --separate-stderr "$HOSTALIAS" -v --netns "/run/netns/$NS" pinned other
  rm -rf "/etc/netns/$NS"
  assert_status 0
  assert_contains "$stderr" "asking nameservers 127.0.0.1:53"
  assert_contains "$output" "pinned 10.20.30.40.traefik.me"
  assert_contains "$output" "other 10.0.0."
}
