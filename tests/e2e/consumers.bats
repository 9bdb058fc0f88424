#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Which programs read a HOSTALIASES file, so the README's table stays true.
# The "host" is a network namespace of the test's own with a private mount
# namespace: its resolv.conf names a wildcard-IP service on its loopback
# (A.B.C.D.traefik.me answers A.B.C.D, anything else NXDOMAIN), its
# nsswitch.conf says "hosts: files dns". The alias file maps pg to
# 127.0.0.2.traefik.me. Each program is run without the file (pg must not
# resolve, so the file is what made it work) and with it. Then the programs
# that ignore the file are run through hostalias --pid P -- COMMAND, which
# serves them.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/fakes

RUID=4247

setup() {
  ha_need_root ip nsenter unshare python3 getent curl perl busybox musl-gcc setpriv
  NS="ha-c$$-${BATS_TEST_NUMBER}"
  ns_start "$NS"
  dns_start "$NS" wildip
  # (A directory the test's user may enter: bats' own are root's alone.)
  C=$(mktemp -d /tmp/hostalias-consumers.XXXXXX)
  chmod 755 "$C"
  printf 'nameserver 127.0.0.1\n' >"$C/resolv.conf"
  printf '127.0.0.1 localhost\n' >"$C/hosts"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$C/nsswitch.conf"
  printf 'pg 127.0.0.2.traefik.me\n' >"$C/pg.alias"
  chmod 644 "$C"/*
  # A static musl program that resolves its argument with getaddrinfo.
  cat >"$C/resolve.c" <<'EOF'
#include <netdb.h>
#include <stdio.h>
#include <arpa/inet.h>
int main(int argc, char **argv) {
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *r;
  if (argc < 2 || getaddrinfo(argv[1], NULL, &hints, &r) != 0) return 2;
  char a[64];
  inet_ntop(AF_INET, &((struct sockaddr_in *)r->ai_addr)->sin_addr, a, sizeof a);
  puts(a);
  return 0;
}
EOF
  musl-gcc -static -o "$C/resolve-musl" "$C/resolve.c"
  # A setuid copy of getent: the loader drops HOSTALIASES for it.
  cp "$(command -v getent)" "$C/getent-setuid"
  chmod 4755 "$C/getent-setuid"
}

teardown() {
  fake_container_stop
  dns_stop
  ns_stop "$NS"
  [ -z "${C:-}" ] || rm -rf "$C"
}

# on_host [VAR=VALUE]... COMMAND...: COMMAND in the "host" namespace with its
# resolver files, as uid RUID (a setuid program elevates only then).
on_host() {
  run --separate-stderr nsenter --net="/run/netns/$NS" unshare --mount sh -c "
    mount --bind '$C/resolv.conf' /etc/resolv.conf &&
    mount --bind '$C/hosts' /etc/hosts &&
    mount --bind '$C/nsswitch.conf' /etc/nsswitch.conf &&
    exec setpriv --reuid=$RUID --regid=$RUID --clear-groups env \"\$@\"" _ "$@"
}

# resolves_with_file WANT COMMAND...: COMMAND fails without the file and
# prints WANT with it.
reads_file() {
  local want=$1
  shift
  on_host "$@"
  if [ "$status" -eq 0 ] && [[ "$output" == *"$want"* ]]; then
    echo "resolved pg without HOSTALIASES: $*" >&2
    return 1
  fi
  on_host HOSTALIASES="$C/pg.alias" "$@"
  assert_contains "$output" "$want"
}

# ignores_file COMMAND...: COMMAND does not resolve pg, file or not.
ignores_file() {
  on_host HOSTALIASES="$C/pg.alias" "$@"
  if [[ "$output" == *127.0.0.2* ]]; then
    echo "resolved pg through HOSTALIASES, which the README says it ignores: $*" >&2
    return 1
  fi
}

@test "read the file: getent, python3, perl, curl" {
  # The wildcard service itself works here: the names it answers resolve.
  on_host getent hosts 127.0.0.2.traefik.me
  assert_contains "$output" "127.0.0.2"
  reads_file 127.0.0.2 getent hosts pg
  reads_file 127.0.0.2 python3 -c 'import socket; print(socket.gethostbyname("pg"))'
  reads_file 127.0.0.2 perl -MSocket -e 'my $a = inet_aton("pg") or exit 2; print inet_ntoa($a), "\n"'
  # curl: 6 is "could not resolve", 7 "could not connect" (nothing listens
  # on 127.0.0.2:9, so reaching it at all means pg resolved).
  on_host curl -s -o /dev/null --connect-timeout 2 http://pg:9/
  assert_status 6
  on_host HOSTALIASES="$C/pg.alias" curl -s -o /dev/null --connect-timeout 2 http://pg:9/
  assert_status 7
}

@test "ignore the file: a static musl program, a setuid program, busybox nslookup, Go's own resolver" {
  ignores_file "$C/resolve-musl" pg
  ignores_file "$C/getent-setuid" hosts pg
  # (The setuid copy itself works: it resolves what DNS answers.)
  on_host "$C/getent-setuid" hosts 127.0.0.2.traefik.me
  assert_contains "$output" "127.0.0.2"
  ignores_file busybox nslookup pg 127.0.0.1
  if command -v go >/dev/null; then
    printf 'package main\nimport ("fmt";"net";"os")\nfunc main() { a, err := net.LookupHost(os.Args[1]); if err != nil { os.Exit(2) }; fmt.Println(a[0]) }\n' >"$C/r.go"
    (cd "$C" && GOCACHE="$C/gocache" go build -o r-go r.go)
    ignores_file GODEBUG=netdns=go "$C/r-go" pg
  else
    ha_log "Go is not installed: its pure resolver is not run here (the README's row stands on field notes §8)"
  fi
}

@test "-- COMMAND serves the programs that ignore the file" {
  # A container whose DNS server answers pg (10.0.0.216 in evil_dns's
  # normal mode).
  fake_root "$C/root"
  printf 'nameserver 127.0.0.1\n' >"$C/root/etc/resolv.conf"
  fake_container "$C/root"
  nsenter --net="/proc/$FAKE_PID/ns/net" python3 "$BATS_TEST_DIRNAME/lib/evil_dns.py" \
    --mode normal --addr 127.0.0.1 --ready "$C/dns.ready" 3>&- &
  echo $! >>"$BATS_TEST_TMPDIR/dns.pid"
  for _ in $(seq 1 100); do [ -e "$C/dns.ready" ] && break; sleep 0.05; done
  local ha=("$HOSTALIAS" --pid "$FAKE_PID" --)
  run --separate-stderr "${ha[@]}" "$C/resolve-musl" pg
  assert_eq "$output" "10.0.0.216"
  run --separate-stderr "${ha[@]}" "$C/getent-setuid" hosts pg
  assert_contains "$output" "10.0.0.216"
  run --separate-stderr "${ha[@]}" busybox nslookup pg
  assert_contains "$output" "10.0.0.216"
}
