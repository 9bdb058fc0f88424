#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# --check: each alias target resolved as the program will, through "this
# host's" resolver. The host here is a network namespace of the test's own,
# with a private mount namespace whose /etc/resolv.conf names test resolvers
# on its loopback: a wildcard-IP service answering the targets, one that
# answers NXDOMAIN for everything (offline), dnsmasq's --stop-dns-rebind in
# front of the wildcard service, one answering a wrong address. The target
# ("container") is another namespace whose DNS server answers a with
# 10.0.0.98 and b with 10.0.0.99.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/fakes

setup() {
  ha_need_root ip nsenter unshare python3 dnsmasq
  NS="ha-k$$-${BATS_TEST_NUMBER}"    # the target
  HNS="ha-kh$$-${BATS_TEST_NUMBER}"  # the "host"
  ns_start "$NS"
  ns_start "$HNS"
  # The target's addresses are routed in both, as a Docker host routes its
  # bridges and a container its own network.
  ip -n "$NS" route add 10.0.0.0/24 dev lo
  ip -n "$HNS" route add 10.0.0.0/24 dev lo
  dns_start "$NS" normal
  printf '127.0.0.1 localhost\n' >"$BATS_TEST_TMPDIR/hosts"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$BATS_TEST_TMPDIR/nsswitch.conf"
}

teardown() {
  dns_stop
  [ -f "$BATS_TEST_TMPDIR/dnsmasq.pid" ] && kill "$(cat "$BATS_TEST_TMPDIR/dnsmasq.pid")" 2>/dev/null
  ns_stop "$NS"
  ns_stop "$HNS"
}

# on_host RESOLV_CONF_TEXT ARGS...: hostalias --netns TARGET --server ...
# --check ARGS, run in the "host" namespace with that resolv.conf.
on_host() {
  printf '%s\n' "$1" >"$BATS_TEST_TMPDIR/resolv.conf"
  shift
  run --separate-stderr nsenter --net="/run/netns/$HNS" unshare --mount sh -c "
    mount --bind '$BATS_TEST_TMPDIR/resolv.conf' /etc/resolv.conf &&
    mount --bind '$BATS_TEST_TMPDIR/hosts' /etc/hosts &&
    mount --bind '$BATS_TEST_TMPDIR/nsswitch.conf' /etc/nsswitch.conf &&
    exec \"\$0\" \"\$@\"" "$HOSTALIAS" --netns "/run/netns/$NS" --server 127.0.0.1 "$@"
}

@test "a resolver that answers the targets: ok, exit 0" {
  dns_start "$HNS" wildip
  on_host 'nameserver 127.0.0.1' --check a b
  assert_status 0
  assert_eq "$output" "a 10.0.0.98.traefik.me
b 10.0.0.99.traefik.me"
  assert_contains "$stderr" "check: a -> 10.0.0.98.traefik.me: ok"
  assert_contains "$stderr" "check: b -> 10.0.0.99.traefik.me: ok"
  # JSON carries the verdict.
  on_host 'nameserver 127.0.0.1' --check -f json a
  assert_status 0
  assert_contains "$output" '"check":"ok"'
}

@test "offline (NXDOMAIN for everything): exit 6, the file still written, the reason given" {
  dns_start "$HNS" nxall
  on_host 'nameserver 127.0.0.1' --check -o "$BATS_TEST_TMPDIR/out.alias" a
  assert_status 6
  assert_contains "$stderr" "check: a -> 10.0.0.98.traefik.me: no answer for 10.0.0.98.traefik.me: offline, or the wildcard DNS service is down; ways that need no public DNS: hostalias --netns /run/netns/$NS -- COMMAND, --suffix with a wildcard domain of your own, or --format hosts with nss_wrapper"
  assert_eq "$(cat "$BATS_TEST_TMPDIR/out.alias")" "a 10.0.0.98.traefik.me"
}

@test "dnsmasq --stop-dns-rebind in front: named as DNS-rebinding protection" {
  dns_start "$HNS" wildip 127.0.0.2
  nsenter --net="/run/netns/$HNS" dnsmasq --no-resolv --no-hosts --server=127.0.0.2 \
    --stop-dns-rebind --listen-address=127.0.0.1 --bind-interfaces \
    --pid-file="$BATS_TEST_TMPDIR/dnsmasq.pid" --user=root
  on_host 'nameserver 127.0.0.1' --check a
  assert_status 6
  assert_contains "$stderr" "no answer for 10.0.0.98.traefik.me while the public 1.1.1.1.traefik.me resolves"
  assert_contains "$stderr" "DNS-rebinding protection"
}

@test "a resolver that answers a wrong address: said, with both addresses" {
  dns_start "$HNS" normal
  on_host 'nameserver 127.0.0.1' --check --dashed a
  assert_status 6
  assert_contains "$stderr" "check: a -> 10-0-0-98.traefik.me: 10-0-0-98.traefik.me resolves to 10.0.0."
  assert_contains "$stderr" ", not 10.0.0.98"
}

@test "--check=netns: the host's loopback resolver does not exist in the target's namespace" {
  dns_start "$HNS" wildip 127.0.0.53
  on_host 'nameserver 127.0.0.53' --check=both --timeout 0.5 a
  assert_status 6
  assert_contains "$stderr" "in the target's network namespace: no answer for 10.0.0.98.traefik.me: the host's nameserver 127.0.0.53 does not exist there; run the program with hostalias --netns /run/netns/$NS -- COMMAND instead"
  # In the host's own namespace it works: only the netns half fails.
  if grep -q 'check: a .*: ok' <<<"$stderr"; then
    echo "both halves should be said in one verdict: $stderr" >&2
    return 1
  fi
  on_host 'nameserver 127.0.0.53' --check=host a
  assert_status 0
}

@test "nsswitch.conf that sends names to systemd-resolved first: every check fails, saying why" {
  dns_start "$HNS" wildip
  printf 'hosts: files resolve [!UNAVAIL=return] dns\n' >"$BATS_TEST_TMPDIR/nsswitch.conf"
  on_host 'nameserver 127.0.0.1' --check a
  assert_status 6
  assert_contains "$stderr" "sends host names to systemd-resolved before dns"
}

@test "bounded: a resolver that never answers costs seconds, not minutes" {
  ha_need iptables
  nsenter --net="/run/netns/$HNS" iptables -A INPUT -d 127.0.0.9 -j DROP
  local t0
  t0=$(ms)
  on_host $'nameserver 127.0.0.9\noptions timeout:30 attempts:5' --check a
  assert_status 6
  [ $(( $(ms) - t0 )) -lt 15000 ] || { echo "took $(( $(ms) - t0 )) ms" >&2; return 1; }
}

@test "a target that resolves right but that this host cannot reach: exit 6, saying why and what works" {
  dns_start "$HNS" wildip
  # Only the default route leads to a's address, and b's is unreachable.
  ip -n "$HNS" route del 10.0.0.0/24 dev lo
  ip -n "$HNS" route add default dev lo
  ip -n "$HNS" route add unreachable 10.0.0.99/32
  on_host 'nameserver 127.0.0.1' --check a b
  assert_status 6
  assert_eq "$output" "a 10.0.0.98.traefik.me
b 10.0.0.99.traefik.me"
  assert_contains "$stderr" "check: a -> 10.0.0.98.traefik.me: 10.0.0.98.traefik.me resolves to 10.0.0.98, but only the default route leads there: programs here cannot reach it; run them with hostalias --netns /run/netns/$NS -- COMMAND"
  assert_contains "$stderr" "check: b -> 10.0.0.99.traefik.me: 10.0.0.99.traefik.me resolves to 10.0.0.99, but there is no route to it"
  # The pass's own notice, once, and JSON's reachable.
  assert_eq "$(grep -c 'names point at addresses this host cannot reach' <<<"$stderr")" 1
  assert_contains "$stderr" "2 of 2 names"
  on_host 'nameserver 127.0.0.1' -f json a
  assert_contains "$output" '"reachable":false'
  # A policy rule of a VPN's kind (fwmark) makes the table alone unable to
  # say: the kernel is asked per address, with the same verdicts.
  ip -n "$HNS" rule add fwmark 7 lookup 100
  on_host 'nameserver 127.0.0.1' --check a b
  assert_status 6
  assert_contains "$stderr" "10.0.0.98, but only the default route leads there"
  assert_contains "$stderr" "10.0.0.99, but there is no route to it"
  # In the target's namespace (with the host's resolver), the address is
  # its own: reachable there.
  on_host 'nameserver 127.0.0.1' --check=netns a
  assert_contains "$stderr" "check: a -> 10.0.0.98.traefik.me"
  [[ "$stderr" != *"cannot reach it"* ]]
}
