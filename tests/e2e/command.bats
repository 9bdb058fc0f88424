#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# hostalias CONTAINER -- COMMAND against the private engine, as root with
# SUDO_UID set to a user this test makes: the command resolves every name as
# inside the container, runs as that user without capabilities, and nothing
# of the host changes.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/dockerd
load lib/fakes

TUSER=hostalias-cmd-test
TUID=4244

setup_file() {
  ha_engine_ready getent useradd userdel pkill || return 0
  # (A run that was cut short may have left the user behind.)
  pkill -9 -u "$TUID" 2>/dev/null || true
  userdel "$TUSER" 2>/dev/null || true
  useradd -M -N -u "$TUID" -g 100 -s /usr/sbin/nologin "$TUSER"
  # The private engine stands for the system's, whose socket the user's
  # group may use (as the docker group's members may): under sudo, a socket
  # named in DOCKER_HOST must be one the user could reach.
  chmod 711 "$HA_STATE"
  chgrp 100 "$HA_STATE/docker.sock"
  chmod 660 "$HA_STATE/docker.sock"
  docker network create backend >/dev/null
  docker network create es >/dev/null
  ha_run postgres --network backend
  ha_run web --network backend
  docker network connect es web
  ha_run elasticsearch --network es --network-alias search
}

setup() {
  ha_skip_if_unready
}

teardown_file() {
  pkill -9 -u "$TUID" 2>/dev/null || true
  userdel "$TUSER" 2>/dev/null || true
  ha_engine_stop
}

# As sudo starts hostalias (SUDO_COMMAND naming it): a root shell with
# SUDO_UID alone (sudo -s) runs the command apart, as pty.bats checks.
SUDO_AS_STARTED="${HOSTALIAS_REAL:-$HOSTALIAS} (as sudo started it)"
as_user() { SUDO_UID=$TUID SUDO_GID=100 SUDO_COMMAND=$SUDO_AS_STARTED "$HOSTALIAS" "$@"; }

@test "runs as the invoking user (SUDO_UID), without capabilities, the user known to getent" {
  run --separate-stderr as_user web -- sh -c 'id -u; id -g; getent passwd "$(id -un)" | cut -d: -f1,3; grep -E "^Cap(Eff|Prm):" /proc/self/status'
  assert_status 0
  assert_eq "$output" "$TUID
100
$TUSER:$TUID
CapPrm:	0000000000000000
CapEff:	0000000000000000"
}

@test "every name resolves as in the container: plain, aliased, dotted, and the host's own name" {
  run --separate-stderr as_user web -- getent hosts postgres search postgres.backend "$(hostname)"
  assert_status 0
  local lines
  lines=$(awk '{print $1, $2}' <<<"$output")
  assert_contains "$lines" "$(ha_ip postgres backend) postgres"
  assert_contains "$lines" "$(ha_ip elasticsearch es) search"
  assert_contains "$lines" "$(ha_ip postgres backend) postgres.backend"
  assert_eq "$(wc -l <<<"$output")" 4
}

@test "Python's getaddrinfo and busybox's own resolver" {
  run --separate-stderr as_user web -- /usr/bin/python3 -c \
    'import socket; print(socket.getaddrinfo("postgres", 5432)[0][4][0])'
  assert_status 0
  assert_eq "$output" "$(ha_ip postgres backend)"
  run --separate-stderr as_user web -- busybox nslookup search
  assert_status 0
  assert_contains "$output" "Address: $(ha_ip elasticsearch es)"
}

@test "container started after the command began: resolved by the command" {
  as_user web -- sh -c 'sleep 2; getent hosts latecomer' >"$BATS_TEST_TMPDIR/out" &
  local h=$!
  sleep 0.3
  ha_run latecomer --network backend
  wait "$h"
  assert_eq "$(awk '{print $1}' "$BATS_TEST_TMPDIR/out")" "$(ha_ip latecomer backend)"
  docker rm -f latecomer >/dev/null
}

@test "exit status: the command's; 127 not found; 126 cannot run; 128+N for a signal" {
  run --separate-stderr as_user web -- sh -c 'exit 42'
  assert_status 42
  run -127 --separate-stderr as_user web -- /nonexistent/cmd
  assert_status 127
  assert_contains "$stderr" "/nonexistent/cmd: cannot run it: No such file or directory"
  # (A PATH the user can search all of: a directory they may not enter makes
  # execvp report "permission denied", 126, as env does.)
  PATH=/usr/sbin:/usr/bin:/sbin:/bin run -127 --separate-stderr as_user web -- no-such-command-anywhere
  assert_status 127
  run --separate-stderr as_user web -- /etc/hosts
  assert_status 126
  # hostalias is replaced by the command: a signal reaches it directly.
  SUDO_UID=$TUID SUDO_GID=100 SUDO_COMMAND=$SUDO_AS_STARTED "$HOSTALIAS" web -- sleep 30 &
  local h=$! rc=0
  for _ in $(seq 1 100); do [ "$(cat "/proc/$h/comm" 2>/dev/null)" = sleep ] && break; sleep 0.05; done
  assert_eq "$(cat "/proc/$h/comm")" sleep
  kill -TERM "$h"
  wait "$h" || rc=$?
  assert_eq "$rc" 143
}

# The host's mount table, without what test engines (this one or another
# run's) mount and unmount on their own meanwhile.
host_mounts() { grep -vE '/tmp/hostalias-|/run/netns/|/run/docker|/var/lib/docker' /proc/self/mountinfo; }

@test "the host is unchanged: resolv.conf, hosts, nsswitch.conf and the mount table" {
  local before after
  before=$(sha256sum /etc/resolv.conf /etc/hosts /etc/nsswitch.conf; host_mounts)
  run --separate-stderr as_user web -- sh -c 'cat /etc/resolv.conf; grep "^hosts:" /etc/nsswitch.conf'
  assert_status 0
  assert_contains "$output" "nameserver 127.0.0.11"
  assert_contains "$output" "hosts: files dns"
  after=$(sha256sum /etc/resolv.conf /etc/hosts /etc/nsswitch.conf; host_mounts)
  assert_eq "$after" "$before"
  # Every other line of nsswitch.conf is the host's.
  run --separate-stderr as_user web -- grep -v '^hosts:' /etc/nsswitch.conf
  assert_eq "$output" "$(grep -v '^hosts:' /etc/nsswitch.conf)"
  # /tmp is the host's, not the staging tmpfs.
  run --separate-stderr as_user web -- sh -c 'stat -f -c %T /tmp; ls -a /tmp | grep -c "^resolv.conf$" || true'
  assert_eq "$(tail -n 1 <<<"$output")" 0
}

@test "HOSTALIASES, LOCALDOMAIN and RES_OPTIONS are not passed on; the rest of the environment is" {
  HOSTALIASES=/tmp/x LOCALDOMAIN=example.com RES_OPTIONS=use-vc KEEP_ME=1 \
    run --separate-stderr as_user web -- env
  assert_status 0
  if grep -qE '^(HOSTALIASES|LOCALDOMAIN|RES_OPTIONS)=' <<<"$output"; then
    echo "$output" >&2
    return 1
  fi
  assert_contains "$output" "KEEP_ME=1"
}

@test "--user; root without sudo stays root; target errors before anything starts" {
  run --separate-stderr "$HOSTALIAS" --user "$TUSER" web -- id -u
  assert_eq "$output" "$TUID"
  run --separate-stderr "$HOSTALIAS" --user nosuchuser web -- id -u
  assert_status 2
  run --separate-stderr env -u SUDO_UID -u SUDO_GID "$HOSTALIAS" web -- id -u
  assert_eq "$output" 0
  run --separate-stderr as_user nosuchcontainer -- touch "$BATS_TEST_TMPDIR/ran"
  assert_status 3
  [ ! -e "$BATS_TEST_TMPDIR/ran" ]
  run --separate-stderr as_user stopped-or-not -- true
  assert_status 3
  # Names before -- are checked first; the command still runs.
  run --separate-stderr as_user web postgres nosuchname -- true
  assert_status 0
  assert_contains "$stderr" "nosuchname: no such name"
  run --separate-stderr "$HOSTALIAS" web --
  assert_status 2
  assert_contains "$stderr" "missing COMMAND after --"
}

@test "a container whose resolv.conf is a symlink to a host path: still refused, the host's file never shown" {
  local root="$BATS_TEST_TMPDIR/root"
  fake_root "$root"
  ln -s /etc/shadow "$root/etc/resolv.conf"
  fake_container "$root"
  run --separate-stderr as_user --pid "$FAKE_PID" -- cat /etc/resolv.conf
  fake_container_stop
  assert_status 0
  assert_eq "$output" "nameserver 127.0.0.11"
  assert_contains "$stderr" "no resolv.conf"
}
