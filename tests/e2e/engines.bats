#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Which engine is asked (Docker contexts, rootless sockets), and a rootless
# container entered by its own user without sudo. The rootless "container"
# is `unshare --user --map-root-user --net --mount` with a DNS responder
# inside: on these machines /dev/net/tun is root-only, so rootless Podman
# networks (slirp4netns) cannot start, and a real rootless engine here could
# only run containers with --network none.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/fakes

RUID=4246

setup() {
  ha_need_root setpriv unshare python3 ip
  T=$(mktemp -d /tmp/hostalias-eng.XXXXXX)
  chmod 755 "$T"
  unset DOCKER_HOST DOCKER_CONTEXT DOCKER_CONFIG
  PIDS=()
}

teardown() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  engine_fake_stop
  cgroup_release_all
  rm -rf "$T"
}

# context DIR NAME HOST: a docker CLI context's metadata, as `docker context
# create` writes it.
context() {
  local d
  d="$1/contexts/meta/$(printf %s "$2" | sha256sum | cut -d' ' -f1)"
  mkdir -p "$d"
  printf '{"Name":"%s","Metadata":{},"Endpoints":{"docker":{"Host":"%s","SkipTLSVerify":false}}}' \
    "$2" "$3" >"$d/meta.json"
}

@test "Docker contexts: DOCKER_CONTEXT and currentContext pick the engine; -H and DOCKER_HOST still win" {
  engine_list "$T/one.sock" from-one
  engine_list "$T/two.sock" from-two
  engine_list "$T/host.sock" from-docker-host
  mkdir -p "$T/home/.docker"
  context "$T/home/.docker" one "unix://$T/one.sock"
  context "$T/home/.docker" two "unix://$T/two.sock"
  context "$T/home/.docker" remote "tcp://192.0.2.1:2376"
  printf '{"auths":{},"currentContext":"two"}' >"$T/home/.docker/config.json"
  HOME="$T/home" run --separate-stderr "$HOSTALIAS" --list-targets
  assert_eq "$output" "from-two"
  HOME="$T/home" DOCKER_CONTEXT=one run --separate-stderr "$HOSTALIAS" --list-targets
  assert_eq "$output" "from-one"
  DOCKER_CONFIG="$T/home/.docker" HOME=/nonexistent run --separate-stderr "$HOSTALIAS" --list-targets
  assert_eq "$output" "from-two"
  HOME="$T/home" DOCKER_HOST="unix://$T/host.sock" run --separate-stderr "$HOSTALIAS" --list-targets
  assert_eq "$output" "from-docker-host"
  HOME="$T/home" DOCKER_CONTEXT=one run --separate-stderr "$HOSTALIAS" -H "unix://$T/host.sock" --list-targets
  assert_eq "$output" "from-docker-host"
  # A context whose endpoint is not a unix socket, and one that is not there.
  HOME="$T/home" DOCKER_CONTEXT=remote run --separate-stderr "$HOSTALIAS" --list-targets
  assert_status 2
  assert_contains "$stderr" "docker context remote (from DOCKER_CONTEXT): endpoint tcp://192.0.2.1:2376: not a unix socket"
  HOME="$T/home" DOCKER_CONTEXT=nosuch run --separate-stderr "$HOSTALIAS" --list-targets
  assert_status 2
  assert_contains "$stderr" "docker context nosuch (from DOCKER_CONTEXT): not found"
  # "default" is no context: the usual sockets.
  HOME="$T/home" DOCKER_CONTEXT=default XDG_RUNTIME_DIR="$T/none" \
    run --separate-stderr setpriv --reuid="$RUID" --regid="$RUID" --clear-groups "$HOSTALIAS" --list-targets
  assert_status 3
}

@test "a non-root caller's default sockets: rootless Docker, then rootless Podman, then the system's; the error lists them" {
  mkdir -p "$T/xdg/podman"
  chown -R "$RUID" "$T/xdg"
  engine_list "$T/xdg/podman/podman.sock" rootless-podman
  local as_user=(setpriv --reuid="$RUID" --regid="$RUID" --clear-groups env XDG_RUNTIME_DIR="$T/xdg" HOME="$T")
  run --separate-stderr "${as_user[@]}" "$HOSTALIAS" --list-targets
  assert_status 0
  assert_eq "$output" "rootless-podman"
  engine_list "$T/xdg/docker.sock" rootless-docker
  run --separate-stderr "${as_user[@]}" "$HOSTALIAS" --list-targets
  assert_eq "$output" "rootless-docker"
  rm -rf "$T/xdg"
  if [ -e /var/run/docker.sock ] || [ -e /run/podman/podman.sock ]; then
    skip "a system engine socket exists on this machine"
  fi
  run --separate-stderr setpriv --reuid="$RUID" --regid="$RUID" --clear-groups env XDG_RUNTIME_DIR="$T/xdg" \
    HOME="$T" "$HOSTALIAS" web a
  assert_status 3
  assert_contains "$stderr" "no Engine API socket answers (tried $T/xdg/docker.sock, $T/xdg/podman/podman.sock, /var/run/docker.sock, /run/podman/podman.sock)"
  # With podman installed, how to start the user's own API socket, both ways.
  if command -v podman >/dev/null; then
    assert_contains "$stderr" "systemctl --user enable --now podman.socket, or (without systemd) podman system service --time=0 &"
  fi
  # Without podman on PATH, no such hint. (The PATH keeps what the valgrind
  # wrapper runs.)
  mkdir -p "$T/nopodman"
  local p
  for p in mkdir chmod id date valgrind valgrind.bin; do
    command -v "$p" >/dev/null && ln -sf "$(command -v "$p")" "$T/nopodman/$p"
  done
  run --separate-stderr setpriv --reuid="$RUID" --regid="$RUID" --clear-groups env PATH="$T/nopodman" \
    XDG_RUNTIME_DIR="$T/xdg" HOME="$T" "$HOSTALIAS" web a
  assert_status 3
  [[ "$stderr" != *podman.socket* ]]
}

# A rootless "container" of uid RUID: its own user, network and mount
# namespaces, resolv.conf naming 127.0.0.1, and evil_dns.py answering there.
# Sets CPID.
rootless_container() {
  cp "$BATS_TEST_DIRNAME/lib/evil_dns.py" "$T/"
  printf 'nameserver 127.0.0.1\n' >"$T/resolv.conf"
  chown -R "$RUID" "$T"
  setpriv --reuid="$RUID" --regid="$RUID" --clear-groups \
    unshare --user --map-root-user --net --mount sh -c "
      mount --bind '$T/resolv.conf' /etc/resolv.conf && ip link set lo up &&
      exec /usr/bin/python3 '$T/evil_dns.py' --mode normal --addr 127.0.0.1 --ready '$T/ready'" \
    3>&- &
  CPID=$!
  PIDS+=("$CPID")
  for _ in $(seq 1 100); do [ -e "$T/ready" ] && return 0; sleep 0.05; done
  echo "the rootless container did not start" >&2
  return 1
}

@test "a rootless container, by --pid, without sudo: its own user joins its user namespace" {
  rootless_container
  run --separate-stderr setpriv --reuid="$RUID" --regid="$RUID" --clear-groups \
    "$HOSTALIAS" -v --pid "$CPID" a b
  assert_status 0
  assert_eq "$(grep -v '^hostalias' <<<"$output")" "a 10.0.0.98.traefik.me
b 10.0.0.99.traefik.me"
  assert_contains "$stderr" "joined its user namespace (owned by uid $RUID)"
  # Another user may not: no namespace of theirs.
  run --separate-stderr setpriv --reuid=$((RUID + 1)) --regid=$((RUID + 1)) --clear-groups \
    "$HOSTALIAS" --pid "$CPID" a
  assert_status 3
}

@test "a rootless container through the user's rootless API socket, without sudo" {
  rootless_container
  mkdir -p "$T/xdg"
  chown "$RUID" "$T/xdg"
  local id
  id=$(printf 'a%.0s' $(seq 64))
  engine_serve "$T/xdg/docker.sock" /containers/rl/json \
    "{\"Id\":\"$id\",\"Name\":\"/rl\",\"State\":{\"Running\":true,\"Pid\":$CPID,\"Status\":\"running\"},\"Config\":{\"Labels\":{}},\"NetworkSettings\":{\"Networks\":{}}}"
  # Not in the container's cgroup yet: not that container, never entered.
  run --separate-stderr setpriv --reuid="$RUID" --regid="$RUID" --clear-groups \
    env XDG_RUNTIME_DIR="$T/xdg" HOME="$T" "$HOSTALIAS" rl a
  assert_status 3
  assert_contains "$stderr" "process $CPID is not that container"
  cgroup_claim "$CPID" "$id"
  run --separate-stderr setpriv --reuid="$RUID" --regid="$RUID" --clear-groups \
    env XDG_RUNTIME_DIR="$T/xdg" HOME="$T" "$HOSTALIAS" rl a
  assert_status 0
  assert_eq "$output" "a 10.0.0.98.traefik.me"
}

# The host's mount table, without what other tests' engines mount meanwhile.
host_mounts() { grep -vE '/tmp/hostalias-|/run/netns/|/run/docker|/var/lib/docker|/run/containers' /proc/self/mountinfo; }

@test "hostalias CONTAINER -- COMMAND by a rootless container's owner, without sudo: as their own ids, every name" {
  rootless_container
  # (A PATH the user may search: a dir of root's on it makes execvp say
  # EACCES, 126, where 127 is meant.)
  local as_owner=(setpriv --reuid="$RUID" --regid="$RUID" --clear-groups env PATH=/usr/local/bin:/usr/bin:/bin) before after
  before=$(sha256sum /etc/resolv.conf /etc/hosts /etc/nsswitch.conf; host_mounts)
  run --separate-stderr "${as_owner[@]}" env HOSTALIASES=/x KEEP_ME=1 "$HOSTALIAS" --pid "$CPID" -- sh -c '
    id -u; id -g; grep -E "^(CapPrm|CapEff|CapBnd|NoNewPrivs):" /proc/self/status
    getent hosts a b.dotted "$(hostname)" | awk "{print \$2}" | uniq
    busybox nslookup a 2>/dev/null | grep -c 10.0.0.98
    touch "$0/written"; env | grep -cE "^(HOSTALIASES|KEEP_ME)="' "$T"
  assert_status 0
  assert_eq "$output" "$RUID
$RUID
CapPrm:	0000000000000000
CapEff:	0000000000000000
CapBnd:	0000000000000000
NoNewPrivs:	1
a
b.dotted
$(hostname)
1
1"
  # What it writes is the owner's, on the host.
  assert_eq "$(stat -c %u:%g "$T/written")" "$RUID:$RUID"
  after=$(sha256sum /etc/resolv.conf /etc/hosts /etc/nsswitch.conf; host_mounts)
  assert_eq "$after" "$before"
  # The exit status is the command's; 127 for one not found.
  run --separate-stderr "${as_owner[@]}" "$HOSTALIAS" --pid "$CPID" -- sh -c 'exit 42'
  assert_status 42
  run -127 --separate-stderr "${as_owner[@]}" "$HOSTALIAS" --pid "$CPID" -- no-such-command-here
  assert_status 127
  # Another user: not theirs, refused before anything runs; and a user
  # cannot choose another with --user.
  run --separate-stderr setpriv --reuid=$((RUID + 1)) --regid=$((RUID + 1)) --clear-groups \
    "$HOSTALIAS" --pid "$CPID" -- touch "$T/other-ran"
  assert_status 3
  [ ! -e "$T/other-ran" ]
  run --separate-stderr "${as_owner[@]}" "$HOSTALIAS" --user root --pid "$CPID" -- id -u
  assert_status 2
  assert_contains "$stderr" "only root chooses another user"
}

@test "-- COMMAND where no user namespace may be made: the hint names the setting and what to do" {
  rootless_container
  # user.max_user_namespaces is the user namespace's own: 0 in the
  # container's, where hostalias makes the command's, leaves the host's be.
  nsenter --user --target "$CPID" sh -c 'echo 0 >/proc/sys/user/max_user_namespaces'
  local as_owner=(setpriv --reuid="$RUID" --regid="$RUID" --clear-groups)
  run --separate-stderr "${as_owner[@]}" "$HOSTALIAS" --pid "$CPID" -- touch "$T/ran"
  assert_status 5
  [ ! -e "$T/ran" ]
  assert_contains "$stderr" "cannot make a user namespace: No space left on device"
  assert_contains "$stderr" "hint: user.max_user_namespaces is 0: no user may make a user namespace. As root: sysctl -w user.max_user_namespaces=15000"
  # Joining one is not making one: the alias lines still come.
  run --separate-stderr "${as_owner[@]}" "$HOSTALIAS" --pid "$CPID" a
  assert_status 0
  assert_eq "$output" "a 10.0.0.98.traefik.me"
  [[ $stderr != *hint:* ]]
}

@test "a socket the caller may not open: the hint says what works (sudo), not the docker group" {
  engine_serve "$T/denied.sock" /containers/web/json '{}'
  chmod 600 "$T/denied.sock"
  run --separate-stderr setpriv --reuid="$RUID" --regid="$RUID" --clear-groups \
    "$HOSTALIAS" -H "unix://$T/denied.sock" web a
  assert_status 3
  assert_contains "$stderr" "hint: run it through sudo (sudo hostalias ...)"
  [[ "$stderr" != *"member of the docker group"* ]]
}
