#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# What hostalias pins or works around in c-ares, where versions differ
# (1.18.1 in Debian 12, 1.34.5 in Debian 13; CI runs this file against
# both): the host's resolv.conf, hosts file and HOSTALIASES never count
# (1.34 reads the host's resolv.conf and lets given options win), server
# failover (1.34 selects servers by health), link-local nameservers (from
# 1.22). The query cache (on by default from 1.31) is checked off in
# tests/unit/test_resolve.c, from the channel's own options.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/fakes

setup() {
  ha_need_root ip nsenter unshare python3 iptables
  NS="ha-c$$-${BATS_TEST_NUMBER}"
  ns_start "$NS"
}

teardown() {
  dns_stop
  ns_stop "$NS"
}

cares_version() { "$HOSTALIAS" -V | sed -n 's/.*c-ares \([0-9.]*\).*/\1/p'; }
# version_ge A B: dotted version A >= B
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]; }

@test "the host's resolv.conf, hosts file and HOSTALIASES never count, whatever c-ares reads" {
  dns_start "$NS" normal
  local d="$BATS_TEST_TMPDIR"
  # evil_dns.py answers a with 10.0.0.98 and a.evil.example with another
  # address; nx* do not exist there.
  printf 'nameserver 192.0.2.1\nsearch evil.example\noptions ndots:9 attempts:5 timeout:9 rotate use-vc\n' >"$d/resolv.conf"
  printf '10.9.9.9 nxhostonly a\n' >"$d/hosts"
  printf 'a nxmapped\n' >"$d/aliases"
  run --separate-stderr unshare --mount sh -c "
    mount --bind '$d/resolv.conf' /etc/resolv.conf && mount --bind '$d/hosts' /etc/hosts &&
    HOSTALIASES='$d/aliases' LOCALDOMAIN=evil.example RES_OPTIONS='ndots:9 use-vc' exec \"\$0\" \"\$@\"" \
    "$HOSTALIAS" -v --timeout 0.5 --tries 1 --netns "/run/netns/$NS" --server 127.0.0.1 a nxhostonly
  assert_status 1
  assert_eq "$output" "a 10.0.0.98.traefik.me"
  assert_contains "$stderr" "nxhostonly: no such name"
  assert_contains "$stderr" "asking nameservers 127.0.0.1:53"
}

@test "failover: the first server refuses or drops everything, the second answers: every name resolves, bounded" {
  dns_start "$NS" normal
  nsenter --net="/run/netns/$NS" iptables -A INPUT -d 127.0.0.3 -p udp --dport 53 -j DROP
  local names=() i t0 first
  for i in $(seq 1 100); do names+=("n$i"); done
  # 127.0.0.2: nothing listens (refused); 127.0.0.3: everything dropped.
  for first in 127.0.0.2 127.0.0.3; do
    t0=$(ms)
    run --separate-stderr "$HOSTALIAS" --timeout 0.2 --tries 2 --netns "/run/netns/$NS" \
      --server "$first" --server 127.0.0.1 "${names[@]}"
    assert_status 0
    assert_eq "$(wc -l <<<"$output")" 100
    t0=$(( $(ms) - t0 ))
    [ "$t0" -lt 5000 ] || { echo "first server $first: $t0 ms" >&2; return 1; }
  done
}

@test "a link-local nameserver (fe80::%IFACE): used where c-ares takes it, never a silent failure" {
  ip -n "$NS" link add va type veth peer name vb
  ip -n "$NS" link set va up
  ip -n "$NS" link set vb up
  ip -n "$NS" addr add fe80::53/64 dev va nodad
  dns_start "$NS" normal "fe80::53%va"
  mkdir -p "/etc/netns/$NS"
  printf 'nameserver fe80::53%%va\n' >"/etc/netns/$NS/resolv.conf"
  run --separate-stderr "$HOSTALIAS" --timeout 0.5 --tries 1 --netns "/run/netns/$NS" a
  rm -rf "/etc/netns/$NS"
  # Before 1.22 c-ares has no zones: hostalias skips the server and says
  # so. 1.34.5 accepts the CSV entry and silently leaves it out (its own
  # source: "Silently ignore this entry"): hostalias reads the list back and
  # says so. Where c-ares takes it, the name resolves.
  if ! version_ge "$(cares_version)" 1.22; then
    assert_contains "$stderr" "cannot use link-local zones; skipped"
    [ "$status" -ne 0 ]
  elif [ "$status" -eq 0 ]; then
    assert_eq "$output" "a 10.0.0.98.traefik.me"
  else
    assert_contains "$stderr" "kept 0 of the nameservers given ([fe80::53]:53%va)"
  fi
  ha_log "c-ares $(cares_version): exit $status; $stderr"
}
