#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# A real rootless network: Debian's Podman 4.3 run by a user this test makes,
# with slirp4netns, netavark and aardvark-dns, a user-defined network and
# two containers (web, and postgres with a TCP server on 5432), its API from
# `podman system service` on the user's own socket (there is no systemd user
# instance here). Then, as that user and without sudo: the alias line and
# the notice that the host cannot reach it; -- COMMAND resolving postgres
# and connecting to its port through the container network.
#
# On these machines /dev/net/tun is mode 0600 (distributions ship 0666), so
# a user cannot start slirp4netns: the user's Podman runs in a private mount
# namespace, made by root, with a tmpfs over /dev/net and a tun node of its
# own (mode 0666). Nothing else of the host changes; the user, their subuid
# ranges (useradd adds them, userdel removes them) and their files go at
# the end.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common

RU=hostalias-rlp
RUID=4248
IMAGE=hostalias-test/busybox:1

# podman as the user, in the mount namespace with the usable tun node.
up() {
  nsenter --mount="/proc/$(cat "$RL/holder.pid")/ns/mnt" \
    setpriv --reuid="$RUID" --regid="$RUID" --init-groups \
    env -i PATH=/usr/bin:/bin HOME="$RL/home" XDG_RUNTIME_DIR="$RL/xdg" USER="$RU" \
    podman "$@" 3>&-
}
# The user's own shell, on the host (no special mount namespace); what the
# valgrind wrapper needs is passed on.
as_user() {
  setpriv --reuid="$RUID" --regid="$RUID" --init-groups \
    env -i PATH=/usr/bin:/bin HOME="$RL/home" XDG_RUNTIME_DIR="$RL/xdg" \
    ${HOSTALIAS_REAL:+HOSTALIAS_REAL="$HOSTALIAS_REAL"} \
    ${HOSTALIAS_VG_LOGDIR:+HOSTALIAS_VG_LOGDIR="$HOSTALIAS_VG_LOGDIR"} "$@"
}

rootless_cleanup() {
  pkill -9 -u "$RUID" 2>/dev/null || true
  [ -f "$RL/holder.pid" ] && kill "$(cat "$RL/holder.pid")" 2>/dev/null
  sleep 0.3
  userdel "$RU" 2>/dev/null || true
  rm -rf "$RL"
}

setup_file() {
  export RL
  RL=$(mktemp -d /tmp/hostalias-rlp.XXXXXX)
  local p
  for p in podman slirp4netns newuidmap useradd setpriv nsenter unshare busybox python3; do
    command -v "$p" >/dev/null || { ha_unready "needs $p (scripts/install-deps installs it)"; return 0; }
  done
  [ "$(id -u)" = 0 ] || { ha_unready "needs root (to make the user and its tun node)"; return 0; }
  pkill -9 -u "$RUID" 2>/dev/null || true
  userdel "$RU" 2>/dev/null || true
  chmod 755 "$RL"
  useradd -d "$RL/home" -m -u "$RUID" -U -s /bin/sh "$RU"
  grep -q "^$RU:" /etc/subuid || echo "$RU:400000:65536" >>/etc/subuid
  grep -q "^$RU:" /etc/subgid || echo "$RU:400000:65536" >>/etc/subgid
  mkdir -p "$RL/xdg/podman" "$RL/home/.config/containers"
  chmod 700 "$RL/xdg"
  cat >"$RL/home/.config/containers/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  chown -R "$RU:" "$RL/xdg" "$RL/home"
  unshare --mount --propagation private sh -c \
    'mount -t tmpfs -o mode=755 tmpfs /dev/net && mknod -m 666 /dev/net/tun c 10 200 &&
     exec sleep 100000' 3>&- &
  echo $! >"$RL/holder.pid"
  sleep 0.3
  local img="$RL/image" a
  mkdir -p "$img/bin" "$img/etc" "$img/tmp"
  cp /bin/busybox "$img/bin/busybox"
  for a in sh sleep nslookup cat httpd; do ln -sf busybox "$img/bin/$a"; done
  tar -C "$img" -c . >"$RL/image.tar"
  chmod 644 "$RL/image.tar"
  if ! { up import "$RL/image.tar" "$IMAGE" &&
    up network create backend &&
    up run -d --name postgres --network backend "$IMAGE" httpd -f -p 5432 -h /tmp &&
    up run -d --name web --network backend "$IMAGE" sleep 1000000; } >"$RL/podman.log" 2>&1; then
    cat "$RL/podman.log" >&2
    ha_unready "rootless Podman did not start its containers here (its output is above)"
    return 0
  fi
  up system service --time=0 "unix://$RL/xdg/podman/podman.sock" >"$RL/service.log" 2>&1 &
  for _ in $(seq 1 100); do [ -S "$RL/xdg/podman/podman.sock" ] && break; sleep 0.1; done
  [ -S "$RL/xdg/podman/podman.sock" ] || ha_unready "the user's Podman API service did not start"
}

teardown_file() {
  [ -n "${RL:-}" ] && rootless_cleanup
  return 0
}

setup() {
  ha_skip_if_unready
}

pg_addr() { up inspect -f '{{.NetworkSettings.Networks.backend.IPAddress}}' postgres 2>/dev/null; }

@test "rootless Podman, no sudo: the alias line, and the notice that the host cannot reach it" {
  local addr
  addr=$(pg_addr)
  [ -n "$addr" ]
  run --separate-stderr as_user "$HOSTALIAS" web postgres
  assert_status 0
  assert_eq "$output" "postgres $addr.traefik.me"
  assert_contains "$stderr" "1 of 1 names point at addresses this host cannot reach (only the default route leads to $addr, the address of postgres)"
  assert_contains "$stderr" "run them with hostalias web -- COMMAND"
}

@test "rootless Podman, no sudo: -- COMMAND resolves postgres and reaches its port, as the user" {
  local addr
  addr=$(pg_addr)
  run --separate-stderr as_user "$HOSTALIAS" web -- sh -c 'id -u; getent hosts postgres'
  assert_status 0
  assert_eq "$(head -n 1 <<<"$output")" "$RUID"
  assert_contains "$(tail -n 1 <<<"$output")" "$addr"
  # A TCP connection to a port only the container network has.
  run --separate-stderr as_user "$HOSTALIAS" web -- python3 -c '
import socket
socket.create_connection(("postgres", 5432), 2).close()
print("connected")'
  assert_status 0
  assert_eq "$output" "connected"
}

@test "rootless Podman, no sudo: --serve as the owner answers CONTAINER.DOMAIN as aardvark-dns does; its front confined" {
  ha_need dig ss
  local addr port got p front
  addr=$(pg_addr)
  [ -n "$addr" ]
  port=$(ha_free_port)
  as_user "$HOSTALIAS" --serve --listen "127.0.0.1:$port" --domain test.internal \
    2>"$BATS_TEST_TMPDIR/serve.err" 3>&- &
  for _ in $(seq 1 100); do
    dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" 1.2.3.4.test.internal 2>/dev/null | grep -q 1.2.3.4 && break
    sleep 0.1
  done
  got=$(dig +short +time=3 +tries=1 @127.0.0.1 -p "$port" postgres.test.internal) || true
  # The user's bridge: its privileged half and its front, both the user's.
  p=$(pgrep -o -u "$RUID" -f -- "--serve --listen 127.0.0.1:$port") || true
  front=$(pgrep -P "${p:-0}" | head -n 1) || true
  local front_root front_seccomp front_caps
  front_root=$(readlink "/proc/$front/root" 2>/dev/null) || true
  front_seccomp=$(awk '/^Seccomp:/ {print $2}' "/proc/$front/status" 2>/dev/null) || true
  front_caps=$(awk '/^CapEff:/ {print $2}' "/proc/$front/status" 2>/dev/null) || true
  [ -z "$p" ] || kill "$p"
  sleep 0.2
  cat "$BATS_TEST_TMPDIR/serve.err" >&2
  [ -n "$p" ] && [ -n "$front" ] || { echo "no bridge of uid $RUID with a front" >&2; false; }
  assert_eq "$got" "$addr"
  [ "$front_root" != / ] || { echo "the front's root is the host's" >&2; false; }
  assert_eq "$front_caps" 0000000000000000
  if ! "$HOSTALIAS" -V | grep -q "no seccomp" && [ -z "${HOSTALIAS_VALGRIND:-}" ]; then
    assert_eq "$front_seccomp" 2
  fi
}
