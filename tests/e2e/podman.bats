#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# hostalias against a real rootful Podman 4.3 (netavark, aardvark-dns) with
# the article's topology, through the Podman API socket: answers compared
# with what the container's own resolver says (podman exec nslookup).

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/podman

setup_file() {
  if [ "$(id -u)" != 0 ]; then
    ha_unready "needs root (a private rootful Podman in its own network namespace)"
    return 0
  fi
  local p
  for p in podman runc /usr/lib/podman/netavark /usr/lib/podman/aardvark-dns busybox ip nsenter; do
    command -v "$p" >/dev/null 2>&1 || [ -x "$p" ] ||
      { ha_unready "needs $p (scripts/install-deps installs podman, netavark, aardvark-dns, runc)"; return 0; }
  done
  ha_podman_start || { ha_unready "the private Podman did not start"; return 0; }
  hp network create backend >/dev/null
  hp network create es >/dev/null
  hp network create n3 >/dev/null
  hp network create n4 >/dev/null
  hp_run postgres --network backend
  hp_run web --network backend,es
  hp_run elasticsearch --network es --network-alias search
  hp_run wide --network backend,es,n3,n4
}

setup() {
  ha_skip_if_unready
}

teardown_file() {
  ha_podman_stop
}

# The lowest address the container's DNS server (aardvark-dns) gives NAME $1
# asked from inside container $2. The bare name ("$1."): busybox's nslookup
# stops at "search dns.podman" at the first server, where glibc (and
# hostalias) go on to the bare name, which aardvark answers from any network
# the asker is on.
inside() {
  hp exec "${2:-web}" nslookup -type=a "$1." 2>/dev/null |
    awk '/^Name:/ {n = 1; next} n && /^Address:/ {print $2}' |
    sort -t . -k1,1n -k2,2n -k3,3n -k4,4n | head -n 1
}

@test "through the Podman API socket: every name as aardvark-dns answers it inside the container" {
  run --separate-stderr "$HOSTALIAS" -H "unix://$HA_PSOCK" web postgres search elasticsearch web
  assert_status 0
  local name addr n=0
  while read -r name addr; do
    assert_eq "$addr" "$(inside "$name").traefik.me"
    n=$((n + 1))
  done <<<"$output"
  assert_eq "$n" 4
}

@test "DOCKER_HOST at the Podman socket, and --pid, give the same lines" {
  local want
  want=$("$HOSTALIAS" -H "unix://$HA_PSOCK" web postgres search)
  DOCKER_HOST="unix://$HA_PSOCK" run --separate-stderr "$HOSTALIAS" web postgres search
  assert_eq "$output" "$want"
  run --separate-stderr "$HOSTALIAS" --pid "$(hp inspect -f '{{.State.Pid}}' web)" postgres search
  assert_status 0
  assert_eq "$output" "$want"
}

@test "a container on four networks: more than three nameservers; the extras said only under -v" {
  [ "$(hp exec wide cat /etc/resolv.conf | grep -c '^nameserver')" -gt 3 ]
  # (From Podman's namespace, where its bridges are routed.)
  run --separate-stderr nsenter --net="/run/netns/$HA_PNETNS" "$HOSTALIAS" -H "unix://$HA_PSOCK" wide postgres search
  assert_status 0
  assert_eq "$stderr" ""
  run --separate-stderr "$HOSTALIAS" -v -H "unix://$HA_PSOCK" wide postgres search
  assert_contains "$stderr" "nameserver lines beyond the first 3 ignored"
}

@test "--netns on a Podman network namespace: no resolver configuration, and the error says so" {
  local ns
  ns=$(hp inspect -f '{{.NetworkSettings.SandboxKey}}' web)
  [ -e "$ns" ]
  run --separate-stderr "$HOSTALIAS" --timeout 0.3 --tries 1 --netns "$ns" postgres
  assert_status 4
  assert_contains "$stderr" "has no resolver configuration of its own"
  # With the server given, it answers.
  run --separate-stderr "$HOSTALIAS" --netns "$ns" -s "$(hp exec web cat /etc/resolv.conf | awk '/^nameserver/ {print $2; exit}')" postgres
  assert_status 0
  assert_eq "$output" "postgres $(inside postgres).traefik.me"
}

@test "--serve through the Podman socket: a project's service and a container, as aardvark-dns answers them" {
  ha_need dig ss
  hp_run pod-db-1 --network backend --label com.docker.compose.project=pod \
    --label com.docker.compose.service=db --label com.docker.compose.container-number=1 \
    --label com.docker.compose.oneoff=False
  ha_serve -H "unix://$HA_PSOCK"
  local want got own ownwant refused
  first() { sort -t . -k1,1n -k2,2n -k3,3n -k4,4n | head -n 1; }
  # NAME.PROJECT: postgres as the project's container asks aardvark-dns.
  want=$(inside postgres pod-db-1)
  got=$(ha_serve_q +short "postgres.pod.test.internal" | first)
  # CONTAINER.DOMAIN: the container's own address.
  own=$(ha_serve_q +short "postgres.test.internal" | first)
  ownwant=$(hp inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' postgres | tr ' ' '\n' | sed '/^$/d' | head -n 1)
  refused=$(ha_serve_q example.com | sed -n 's/.*status: \([A-Z]*\).*/\1/p')
  ha_serve_stop
  [ -n "$want" ] || { echo "aardvark-dns gave pod-db-1 no postgres" >&2; false; }
  assert_eq "$got" "$want"
  assert_eq "$own" "$ownwant"
  assert_eq "$refused" REFUSED
}
