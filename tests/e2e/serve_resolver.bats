#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# hostalias --serve behind a real dnsmasq, configured with the lines of the
# drop-in the packages ship (packaging/dnsmasq/hostalias.conf), the bridge's
# address replaced by the test's. All of it in a network namespace the test
# makes, so dnsmasq can have port 53 of its own 127.0.0.1: the bridge on
# 127.0.0.1:$BPORT, dnsmasq on 127.0.0.1:53 (with stop-dns-rebind, as
# OpenWrt), and for every other name an upstream dnsmasq on 127.0.0.2:53
# that answers 93.184.215.14 to all (and 10.9.8.7 for private.example.org,
# which stop-dns-rebind drops: only DOMAIN's private answers pass). Shows: DOMAIN's names answered through
# dnsmasq, other names never sent to the bridge, and getent (glibc, through
# a resolv.conf naming dnsmasq) resolving a project's name. And the plain
# resolv.conf recipe: the bridge (also on 127.0.0.3:53) first, then the
# usual server, which glibc asks when the bridge refuses a name.

load lib/common
load lib/dockerd
load lib/serve

DOMAIN=hostalias.internal
DROPIN="$BATS_TEST_DIRNAME/../../packaging/dnsmasq/hostalias.conf"

in_ns() { nsenter --net="/run/netns/$RNS" "$@"; }

setup_file() {
  ha_engine_ready docker-compose dig ss getent unshare || return 0
  project huginn 172.30.17.0/24 || { ha_unready "docker-compose up failed"; return 0; }
  RNS=ha-res-$$
  BPORT=$(ha_free_port) || { ha_unready "no free port"; return 0; }
  export RNS BPORT
  local d=$BATS_FILE_TMPDIR
  { ip netns add "$RNS" && ip -n "$RNS" link set lo up; } || { ha_unready "cannot make a network namespace"; return 0; }
  # Its PID is the bridge's (nsenter execs it); without bats' descriptor 3,
  # which would keep bats waiting for it.
  sh -c 'echo $$ >"$1"; shift; exec "$@"' _ "$d/serve.pid" nsenter --net="/run/netns/$RNS" \
    "$HOSTALIAS" --serve --listen "127.0.0.1:$BPORT" --listen 127.0.0.3 -v 2>"$d/serve.err" 3>&- &
  # The drop-in's own lines (comments dropped), its address the bridge's.
  grep -v '^#' "$DROPIN" | grep . | sed "s|=/$DOMAIN/127.0.0.153\$|=/$DOMAIN/127.0.0.1#$BPORT|" >"$d/dnsmasq.conf"
  in_ns dnsmasq --no-resolv --no-hosts --listen-address=127.0.0.2 --bind-interfaces \
    --address='/#/93.184.215.14' --address=/private.example.org/10.9.8.7 --pid-file="$d/upstream.pid" --user=root ||
    { ha_unready "the upstream dnsmasq did not start"; return 0; }
  in_ns dnsmasq --no-resolv --no-hosts --conf-file="$d/dnsmasq.conf" --server=127.0.0.2 \
    --listen-address=127.0.0.1 --bind-interfaces --stop-dns-rebind --log-queries=extra \
    --log-facility="$d/dnsmasq.log" --pid-file="$d/dnsmasq.pid" --user=root ||
    { ha_unready "dnsmasq did not start with the drop-in's lines"; return 0; }
  for _ in $(seq 1 100); do
    in_ns dig +short +time=1 +tries=1 @127.0.0.1 -p "$BPORT" 1.2.3.4.$DOMAIN 2>/dev/null | grep -q 1.2.3.4 && return 0
    sleep 0.1
  done
  cat "$d/serve.err" >&2
  ha_unready "hostalias --serve did not answer"
}

setup() {
  ha_skip_if_unready
}

teardown_file() {
  local f pid
  for f in serve dnsmasq upstream; do
    pid=$(cat "$BATS_FILE_TMPDIR/$f.pid" 2>/dev/null) || continue
    kill "$pid" 2>/dev/null || true
  done
  [ -z "${RNS:-}" ] || ip netns del "$RNS" 2>/dev/null || true
  ha_engine_stop
}

# Through dnsmasq, as a program on that host would ask.
q() { in_ns dig +time=3 +tries=1 @127.0.0.1 "$@"; }

@test "serve_resolver: the drop-in's lines are what dnsmasq runs with" {
  run cat "$BATS_FILE_TMPDIR/dnsmasq.conf"
  assert_eq "$output" "server=/$DOMAIN/127.0.0.1#$BPORT
rebind-domain-ok=/$DOMAIN/"
}

@test "serve_resolver: dig through dnsmasq: postgres.huginn.DOMAIN is the container's address (past stop-dns-rebind)" {
  run q +short "postgres.huginn.$DOMAIN"
  assert_eq "$output" "$(ha_ip huginn_postgres_1 huginn_backend)"
  run q +short "web.huginn.$DOMAIN"
  assert_eq "$output" "$(ha_ip huginn_web_1 huginn_backend)"
  run q +short +tcp "postgres.huginn.$DOMAIN"
  assert_eq "$output" "$(ha_ip huginn_postgres_1 huginn_backend)"
  # dnsmasq says where it sent it: the bridge.
  run grep "forwarded postgres.huginn.$DOMAIN to" "$BATS_FILE_TMPDIR/dnsmasq.log"
  assert_contains "$output" "to 127.0.0.1#$BPORT"
}

@test "serve_resolver: a name outside DOMAIN goes upstream, never to the bridge" {
  run q +short www.example.org
  assert_eq "$output" 93.184.215.14
  run q +short "postgres.huginn.$DOMAIN.example.org"
  assert_eq "$output" 93.184.215.14
  run grep -F "forwarded www.example.org to" "$BATS_FILE_TMPDIR/dnsmasq.log"
  assert_contains "$output" "to 127.0.0.2"
  run grep -c "example.org to 127.0.0.1#$BPORT" "$BATS_FILE_TMPDIR/dnsmasq.log"
  assert_eq "$output" 0
  # A private address from upstream is dropped (stop-dns-rebind): the
  # bridge's pass only through the drop-in's rebind-domain-ok.
  run q +short private.example.org
  assert_eq "$output" ""
  run grep -c "possible DNS-rebind attack detected: private.example.org" "$BATS_FILE_TMPDIR/dnsmasq.log"
  [ "$output" -ge 1 ]
}

# getent_with NAMESERVER... -- NAME: getent hosts NAME in the namespace,
# with a resolv.conf naming those servers, and hosts and nsswitch.conf of
# the test's own (bind-mounted in a private mount namespace).
getent_with() {
  local w=$BATS_TEST_TMPDIR
  : >"$w/resolv.conf"
  while [ "$1" != -- ]; do
    printf 'nameserver %s\n' "$1" >>"$w/resolv.conf"
    shift
  done
  printf '127.0.0.1 localhost\n' >"$w/hosts"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$w/nsswitch.conf"
  in_ns unshare --mount sh -c "
    mount --bind '$w/resolv.conf' /etc/resolv.conf && mount --bind '$w/hosts' /etc/hosts &&
    mount --bind '$w/nsswitch.conf' /etc/nsswitch.conf && exec getent hosts \"\$0\"" "$2"
}

@test "serve_resolver: getent hosts through a resolv.conf naming dnsmasq" {
  run getent_with 127.0.0.1 -- "postgres.huginn.$DOMAIN"
  assert_status 0
  assert_eq "$output" "$(printf '%-15s %s' "$(ha_ip huginn_postgres_1 huginn_backend)" "postgres.huginn.$DOMAIN")"
  run getent_with 127.0.0.1 -- "nosuch.huginn.$DOMAIN"
  assert_status 2
  run getent_with 127.0.0.1 -- www.example.org
  assert_eq "$output" "$(printf '%-15s %s' 93.184.215.14 www.example.org)"
}

@test "serve_resolver: a plain resolv.conf, the bridge first: its names from it, the others from the next server" {
  run getent_with 127.0.0.3 127.0.0.2 -- "postgres.huginn.$DOMAIN"
  assert_status 0
  assert_eq "$output" "$(printf '%-15s %s' "$(ha_ip huginn_postgres_1 huginn_backend)" "postgres.huginn.$DOMAIN")"
  # REFUSED by the bridge: glibc asks the next nameserver.
  run in_ns dig +time=2 +tries=1 @127.0.0.3 www.example.org
  assert_contains "$output" "status: REFUSED"
  run getent_with 127.0.0.3 127.0.0.2 -- www.example.org
  assert_status 0
  assert_eq "$output" "$(printf '%-15s %s' 93.184.215.14 www.example.org)"
}
