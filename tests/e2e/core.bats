#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# hostalias against a real dockerd, with the article's topology:
#   web on backend and es; postgres on backend; elasticsearch on es with the
#   extra alias "search"; api, a service scaled to three containers; an
#   IPv6-enabled network with web6 and v6svc.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/dockerd

setup_file() {
  ha_engine_ready || return 0
  docker network create backend >/dev/null
  docker network create es >/dev/null
  docker network create --ipv6 --subnet fd00:beef::/64 v6net >/dev/null
  ha_run postgres --network backend
  ha_run web --network backend --add-host special:10.9.8.7
  docker network connect es web
  ha_run elasticsearch --network es --network-alias search
  for i in 1 2 3; do ha_run "api$i" --network backend --network-alias api; done
  ha_run web6 --network v6net
  ha_run v6svc --network v6net
  ha_run stopped --network backend
  docker stop -t 0 stopped >/dev/null
}

setup() {
  ha_skip_if_unready
}

teardown_file() {
  ha_engine_stop
}

@test "article topology: one line per name, each the container's address" {
  # Run where the engine's bridges are, as on a Docker host: every address
  # has its route, and nothing is said.
  run --separate-stderr nsenter --net="/run/netns/$HA_NETNS" "$HOSTALIAS" web <<<$'postgres\nelasticsearch\nsearch'
  assert_status 0
  local want
  want="postgres $(ha_ip postgres backend).traefik.me
elasticsearch $(ha_ip elasticsearch es).traefik.me
search $(ha_ip elasticsearch es).traefik.me"
  assert_eq "$output" "$want"
  assert_eq "$stderr" ""
}

@test "from a namespace with no route to the bridges: the same lines, and said once, with the way that works" {
  # The test's own namespace has no route to the private engine's bridges
  # (as a rootless engine's or a Swarm overlay's addresses are, seen from
  # the host): the file is unchanged, the notice says so once.
  run --separate-stderr "$HOSTALIAS" web <<<$'postgres\nelasticsearch\nsearch'
  assert_status 0
  assert_eq "$(wc -l <<<"$output")" 3
  assert_eq "$(wc -l <<<"$stderr")" 1
  assert_contains "$stderr" "warning: 3 of 3 names point at addresses this host cannot reach"
  assert_contains "$stderr" "run them with hostalias web -- COMMAND"
  run --separate-stderr "$HOSTALIAS" -f json web postgres
  assert_contains "$output" '"reachable":false'
  run --separate-stderr nsenter --net="/run/netns/$HA_NETNS" "$HOSTALIAS" -f json web postgres
  assert_contains "$output" '"reachable":true'
  # -q silences it; the exit status never depended on it.
  run --separate-stderr "$HOSTALIAS" -q web postgres
  assert_status 0
  assert_eq "$stderr" ""
}

@test "same output as the reference script (PROVIDER=traefik.me) for one-address names" {
  # ../shared/ lies beside the project in CI, not in a clone or the dist
  # tarball: there is nothing to compare with then.
  [ -f "$REFERENCE_SCRIPT" ] || skip "reference script not found at $REFERENCE_SCRIPT (../shared is not beside this tree)"
  local ref="$BATS_TEST_TMPDIR/ref.sh" bin="$BATS_TEST_TMPDIR/bin"
  sed 's/^PROVIDER="xip.io"/PROVIDER="traefik.me"/' "$REFERENCE_SCRIPT" >"$ref"
  mkdir -p "$bin"
  printf '#!/bin/sh\nexec "$@"\n' >"$bin/sudo"
  chmod +x "$bin/sudo"
  local names=$'postgres\nelasticsearch\nsearch\nweb'
  want=$(PATH="$bin:$PATH" bash "$ref" web <<<"$names")
  run --separate-stderr "$HOSTALIAS" web <<<"$names"
  assert_status 0
  assert_eq "$output" "$want"
}

@test "names as arguments give the same output as names on stdin" {
  run --separate-stderr "$HOSTALIAS" web postgres elasticsearch
  assert_status 0
  args_out=$output
  run --separate-stderr "$HOSTALIAS" web <<<$'postgres\nelasticsearch'
  assert_eq "$args_out" "$output"
}

@test "input: CRLF, blanks, comments and case-insensitive duplicates" {
  run --separate-stderr "$HOSTALIAS" web < <(printf '  postgres \r\n\n# comment\nPOSTGRES\nsearch\r\npostgres\n')
  assert_status 0
  assert_eq "$output" "postgres $(ha_ip postgres backend).traefik.me
search $(ha_ip elasticsearch es).traefik.me"
}

@test "scaled service: exactly one line, the lowest address, stable across runs" {
  local lowest
  lowest=$(for i in 1 2 3; do ha_ip "api$i" backend; done | sort -t . -k1,1n -k2,2n -k3,3n -k4,4n | head -n1)
  for _ in 1 2 3 4 5; do
    run --separate-stderr "$HOSTALIAS" web api
    assert_status 0
    assert_eq "$output" "api $lowest.traefik.me"
  done
}

@test "json lists every address of a scaled service" {
  run --separate-stderr "$HOSTALIAS" -f json web api
  assert_status 0
  n=$(python3 -c 'import json,sys; o=json.loads(sys.stdin.read()); print(len(o["addresses"]), o["source"])' <<<"$output")
  assert_eq "$n" "3 dns"
}

@test "a name that does not exist: reported, the rest written, exit 1, fast" {
  local t0
  t0=$(ms)
  run --separate-stderr "$HOSTALIAS" web postgres no-such-service elasticsearch
  local took=$(( $(ms) - t0 ))
  assert_status 1
  assert_eq "$output" "postgres $(ha_ip postgres backend).traefik.me
elasticsearch $(ha_ip elasticsearch es).traefik.me"
  assert_contains "$stderr" "no-such-service: no such name"
  [ "$took" -lt 3000 ] || { echo "took $took ms" >&2; return 1; }
}

@test "the container's /etc/hosts answers first" {
  run --separate-stderr "$HOSTALIAS" web special
  assert_status 0
  assert_eq "$output" "special 10.9.8.7.traefik.me"
  run --separate-stderr "$HOSTALIAS" -f json web special
  assert_contains "$output" '"source":"hosts"'
}

@test "dotted name: resolved, warned about, left out of the alias file, kept in hosts format" {
  run --separate-stderr "$HOSTALIAS" web postgres.backend postgres
  assert_status 0
  assert_eq "$output" "postgres $(ha_ip postgres backend).traefik.me"
  assert_contains "$stderr" "postgres.backend: has a dot"
  run --separate-stderr "$HOSTALIAS" -f hosts web postgres.backend
  assert_status 0
  assert_eq "$output" "$(ha_ip postgres backend) postgres.backend"
}

@test "providers and the dashed form" {
  local ip
  ip=$(ha_ip postgres backend)
  run --separate-stderr "$HOSTALIAS" -p sslip.io --dashed web postgres
  assert_eq "$output" "postgres ${ip//./-}.sslip.io"
  run --separate-stderr "$HOSTALIAS" --suffix wild.test.internal web postgres
  assert_eq "$output" "postgres $ip.wild.test.internal"
  run --separate-stderr "$HOSTALIAS" -p xip.io web postgres
  assert_status 0
  assert_contains "$stderr" "offline since 2021"
}

@test "IPv6: -6 with sslip.io gives the dashed IPv6 form; traefik.me refuses -6" {
  local ip6
  ip6=$(ha_ip v6svc v6net 6)
  [ -n "$ip6" ]
  want=$(python3 -c 'import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]).compressed.replace(":","-"))' "$ip6")
  run --separate-stderr "$HOSTALIAS" -6 -p sslip.io web6 v6svc
  assert_status 0
  assert_eq "$output" "v6svc $want.sslip.io"
  run --separate-stderr "$HOSTALIAS" -6 web6 v6svc
  assert_status 2
  assert_contains "$stderr" "traefik.me has no IPv6"
  run --separate-stderr "$HOSTALIAS" -4 -6 web6 v6svc
  assert_status 0
  assert_eq "$output" "v6svc $(ha_ip v6svc v6net).traefik.me"
}

@test "-6 for a name with no IPv6 address: no address of that family" {
  run --separate-stderr "$HOSTALIAS" -6 -p sslip.io web postgres
  assert_status 1
  assert_contains "$stderr" "postgres: no address of that family"
}

@test "--pid and --netns skip the Engine API" {
  local pid
  pid=$(ha_pid web)
  want="postgres $(ha_ip postgres backend).traefik.me"
  run --separate-stderr env -u DOCKER_HOST "$HOSTALIAS" --docker-host unix:///nonexistent --pid "$pid" postgres
  assert_status 0
  assert_eq "$output" "$want"
  local ns="ha-pin-$$"
  touch "/run/netns/$ns"
  mount --bind "/proc/$pid/ns/net" "/run/netns/$ns"
  run --separate-stderr "$HOSTALIAS" --netns "/run/netns/$ns" postgres
  umount "/run/netns/$ns"; rm -f "/run/netns/$ns"
  assert_status 0
  assert_eq "$output" "$want"
  assert_contains "$stderr" "no usable nameserver; using 127.0.0.11"
}

@test "the caller's HOSTALIASES, LOCALDOMAIN and RES_OPTIONS do not leak in" {
  printf 'postgres elasticsearch\n' >"$BATS_TEST_TMPDIR/evil.alias"
  run --separate-stderr env HOSTALIASES="$BATS_TEST_TMPDIR/evil.alias" LOCALDOMAIN=evil.example \
    RES_OPTIONS="ndots:15 attempts:5 timeout:30" "$HOSTALIAS" web postgres
  assert_status 0
  assert_eq "$output" "postgres $(ha_ip postgres backend).traefik.me"
}

@test "target errors: no such container, not running, bad socket; exit 3" {
  run --separate-stderr "$HOSTALIAS" nosuchcontainer postgres
  assert_status 3
  assert_contains "$stderr" "no such container, Swarm service or Compose service: nosuchcontainer"
  run --separate-stderr "$HOSTALIAS" stopped postgres
  assert_status 3
  assert_contains "$stderr" "container stopped is not running (exited)"
  run --separate-stderr "$HOSTALIAS" -H "unix://$BATS_TEST_TMPDIR/missing.sock" web postgres
  assert_status 3
  assert_contains "$stderr" "does not exist"
  run --separate-stderr "$HOSTALIAS" --pid 0 postgres
  assert_status 2
  run --separate-stderr "$HOSTALIAS" --pid 4000000 postgres
  assert_status 3
}

@test "input errors: line numbers, escaped text, exit 2, nothing resolved" {
  run --separate-stderr "$HOSTALIAS" web < <(printf 'postgres\nbad name\n\nok\x01x\n')
  assert_status 2
  assert_eq "$output" ""
  assert_contains "$stderr" 'standard input line 2: invalid name (contains whitespace): "bad name"'
  assert_contains "$stderr" 'standard input line 4: invalid name (contains a control character): "ok\x01x"'
  run --separate-stderr "$HOSTALIAS" web </dev/null
  assert_status 2
  assert_contains "$stderr" "no names to resolve"
  run --separate-stderr "$HOSTALIAS" web <<<$'# only comments\n\n'
  assert_status 2
  # Arguments are counted as the user counts them, CONTAINER first.
  run --separate-stderr "$HOSTALIAS" web postgres "my db"
  assert_status 2
  assert_contains "$stderr" 'argument 3: invalid name (contains whitespace): "my db"'
}

@test "usage errors: exit 2 with a message naming the option" {
  run --separate-stderr "$HOSTALIAS" --concurrency 0 web postgres
  assert_status 2
  assert_contains "$stderr" "--concurrency"
  run --separate-stderr "$HOSTALIAS" --format yaml web postgres
  assert_status 2
  assert_contains "$stderr" 'invalid --format "yaml"'
  run --separate-stderr "$HOSTALIAS" -p example.com web postgres
  assert_status 2
  run --separate-stderr "$HOSTALIAS"
  assert_status 2
  assert_contains "$stderr" "missing CONTAINER"
}

@test "-o: written atomically, not touched when unchanged, stale lines kept for failures" {
  local f="$BATS_TEST_TMPDIR/web.alias" ip
  ip=$(ha_ip postgres backend)
  run --separate-stderr "$HOSTALIAS" -o "$f" web postgres search
  assert_status 0
  assert_eq "$output" ""
  assert_eq "$(cat "$f")" "postgres $ip.traefik.me
search $(ha_ip elasticsearch es).traefik.me"
  chmod 0600 "$f"
  local ino
  ino=$(stat -c %i "$f")
  sleep 1
  run --separate-stderr "$HOSTALIAS" -o "$f" web postgres search
  assert_status 0
  assert_eq "$(stat -c %i "$f")" "$ino"

  # A previous line for a name the server says does not exist goes, and
  # that is said (tests/e2e/faults.bats: lines kept for timeouts).
  printf 'postgres %s.traefik.me\ngone 10.1.1.1.traefik.me\n' "$ip" >"$f"
  chmod 0640 "$f"
  run --separate-stderr "$HOSTALIAS" -o "$f" web postgres gone search
  assert_status 1
  assert_contains "$stderr" "gone: no such name; its previous line in $f is dropped"
  assert_eq "$(cat "$f")" "postgres $ip.traefik.me
search $(ha_ip elasticsearch es).traefik.me"
  assert_eq "$(stat -c %a "$f")" "640"
  [ -z "$(find "$BATS_TEST_TMPDIR" -name '.web.alias.*')" ]
}

@test "-o: target unreachable or nothing resolved leaves FILE exactly as it was" {
  local f="$BATS_TEST_TMPDIR/keep.alias"
  printf 'postgres 1.2.3.4.traefik.me\n' >"$f"
  local sum
  sum=$(stat -c %i.%Y "$f"; sha256sum "$f")
  run --separate-stderr "$HOSTALIAS" -o "$f" stopped postgres
  assert_status 3
  run --separate-stderr "$HOSTALIAS" -o "$f" nosuchcontainer postgres
  assert_status 3
  run --separate-stderr "$HOSTALIAS" -o "$f" web < <(printf 'bad name\n')
  assert_status 2
  run --separate-stderr "$HOSTALIAS" -o "$f" web ghost1 ghost2
  assert_status 1
  assert_eq "$(stat -c %i.%Y "$f"; sha256sum "$f")" "$sum"
}

@test "DNS server unreachable: exit 4 within the deadline, connection refused or silence" {
  local t0
  t0=$(ms)
  run --separate-stderr "$HOSTALIAS" --server 127.0.0.1:1 --timeout 0.3 --tries 1 web postgres search
  assert_status 4
  assert_contains "$stderr" "server unreachable (connection refused)"
  assert_contains "$stderr" "no answer from the DNS server 127.0.0.1:1 (--server) in the network namespace of container web"
  t0=$(ms)
  run --separate-stderr "$HOSTALIAS" --server 10.254.0.77 --timeout 0.3 --tries 2 --deadline 2 web postgres search
  local took=$(( $(ms) - t0 ))
  assert_status 4
  assert_contains "$stderr" "postgres: timed out"
  [ "$took" -lt 4000 ] || { echo "took $took ms" >&2; return 1; }
}

@test "-v prints a summary; -q silences warnings; -V names c-ares" {
  run --separate-stderr "$HOSTALIAS" -v web postgres
  assert_contains "$stderr" "1 names: 1 resolved, 0 failed"
  run --separate-stderr "$HOSTALIAS" -q -p xip.io web postgres
  assert_eq "$stderr" ""
  run --separate-stderr "$HOSTALIAS" -V
  assert_contains "$output" "c-ares"
}

@test "the resolver child runs as nobody without capabilities" {
  # Observed from outside: while hostalias waits on a silent server, its
  # child is in the container's network namespace with no capabilities.
  "$HOSTALIAS" --server 10.254.0.77 --timeout 2 --tries 1 web postgres 2>/dev/null &
  local parent=$! child="" i
  for i in $(seq 1 50); do
    child=$(pgrep -P "$parent" || true)
    [ -n "$child" ] && [ "$(stat -c %u "/proc/$child")" = 65534 ] && break
    sleep 0.05
  done
  [ -n "$child" ]
  local uid capeff capbnd nnp
  uid=$(awk '/^Uid:/{print $2}' "/proc/$child/status")
  capeff=$(awk '/^CapEff:/{print $2}' "/proc/$child/status")
  capbnd=$(awk '/^CapBnd:/{print $2}' "/proc/$child/status")
  nnp=$(awk '/^NoNewPrivs:/{print $2}' "/proc/$child/status")
  local netns_child netns_web
  netns_child=$(readlink "/proc/$child/ns/net")
  netns_web=$(readlink "/proc/$(ha_pid web)/ns/net")
  wait "$parent" || true
  assert_eq "$uid" 65534
  assert_eq "$capeff" 0000000000000000
  assert_eq "$capbnd" 0000000000000000
  assert_eq "$nnp" 1
  assert_eq "$netns_child" "$netns_web"
}

@test "the file works for its consumer: getent and Python resolve postgres via HOSTALIASES" {
  local f="$BATS_TEST_TMPDIR/web.alias" ip
  ip=$(ha_ip postgres backend)
  "$HOSTALIAS" -o "$f" web postgres elasticsearch
  # The test resolver answers exactly the generated targets, nothing else.
  awk '{t=$2; sub(/\.traefik\.me$/, "", t); print t, $2}' "$f" >"$BATS_TEST_TMPDIR/targets.hosts"
  printf 'nameserver 127.0.0.1\n' >"$BATS_TEST_TMPDIR/resolv.conf"
  printf 'hosts: dns\n' >"$BATS_TEST_TMPDIR/nsswitch.conf"
  run --separate-stderr unshare --mount --net bash -c '
    set -e
    cd "$1"
    ip link set lo up
    dnsmasq --no-resolv --no-hosts --addn-hosts="$PWD/targets.hosts" --listen-address=127.0.0.1 \
      --bind-interfaces --pid-file="$PWD/dnsmasq.pid" --user=root
    trap "kill \$(cat dnsmasq.pid)" EXIT
    mount --bind resolv.conf /etc/resolv.conf
    mount --bind nsswitch.conf /etc/nsswitch.conf
    if getent hosts postgres >/dev/null; then echo "resolved without HOSTALIASES"; exit 1; fi
    HOSTALIASES=web.alias getent hosts postgres | awk "{print \$1}"
    HOSTALIASES=web.alias python3 -c "import socket; print(socket.getaddrinfo(\"postgres\", 5432, socket.AF_INET, socket.SOCK_STREAM)[0][4][0])"
  ' _ "$BATS_TEST_TMPDIR"
  assert_status 0
  assert_eq "$output" "$ip
$ip"
}
