# SPDX-License-Identifier: MIT
# A private Docker engine for the end-to-end tests.
#
# dockerd runs inside a network namespace of its own (nsenter --net, not
# `ip netns exec`, which remounts /sys and hides the cgroups dockerd needs),
# with its own data, exec and socket paths and --bridge=none: its bridges and
# iptables rules stay in that namespace, and a Docker the user already runs
# is never touched. The namespace also holds dnsmasq on 10.254.0.1, the
# daemon's only upstream resolver: it answers NXDOMAIN for every name, so a
# name Docker does not know fails fast and for real, with no internet.
#
# Source this file, then call ha_engine_start in setup_file and
# ha_engine_stop in teardown_file. Exports DOCKER_HOST, HA_STATE, HA_NETNS.

HA_UPSTREAM=10.254.0.1
HA_IMAGE=hostalias-test/busybox:1


ha_engine_start() {
  HA_STATE=$(mktemp -d /tmp/hostalias-e2e.XXXXXX)
  HA_NETNS=ha-$(basename "$HA_STATE" | tr -dc 'a-zA-Z0-9' | tail -c 8)
  export HA_STATE HA_NETNS
  export DOCKER_HOST="unix://$HA_STATE/docker.sock"

  ip netns add "$HA_NETNS"
  ip -n "$HA_NETNS" link set lo up
  ip -n "$HA_NETNS" addr add "$HA_UPSTREAM/32" dev lo

  nsenter --net="/run/netns/$HA_NETNS" dnsmasq --no-resolv --no-hosts \
    --listen-address="$HA_UPSTREAM" --bind-interfaces --address='/#/' \
    --pid-file="$HA_STATE/upstream.pid" --user=root

  mkdir -p "$HA_STATE/data" "$HA_STATE/exec"
  ha_dockerd || return 1
  ha_image
}

# Starts dockerd (again) on HA_STATE and waits until it answers.
ha_dockerd() {
  nsenter --net="/run/netns/$HA_NETNS" dockerd \
    --data-root "$HA_STATE/data" --exec-root "$HA_STATE/exec" \
    -H "$DOCKER_HOST" --pidfile "$HA_STATE/docker.pid" \
    --bridge=none --dns "$HA_UPSTREAM" --log-level=warn \
    >>"$HA_STATE/dockerd.log" 2>&1 &
  for _ in $(seq 1 150); do
    docker version >/dev/null 2>&1 && break
    sleep 0.2
  done
  if ! docker version >/dev/null 2>&1; then
    cat "$HA_STATE/dockerd.log" >&2
    return 1
  fi
}

# Stops dockerd (its containers stop with it), and waits until it is gone.
ha_dockerd_stop() {
  local pid
  pid=$(cat "$HA_STATE/docker.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

# ha_engine_ready [PROGRAM...]: in setup_file, starts the private engine when
# running as root with dockerd and the programs named; else records why
# (ha_unready, so each test skips saying so) and returns 1.
ha_engine_ready() {
  if [ "$(id -u)" != 0 ]; then
    ha_unready "needs root (a private dockerd in its own network namespace): run as root"
    return 1
  fi
  local p
  for p in dockerd docker dnsmasq ip nsenter busybox "$@"; do
    command -v "$p" >/dev/null 2>&1 ||
      { ha_unready "needs $p (scripts/install-deps installs it)"; return 1; }
  done
  ha_engine_start || { ha_unready "the private dockerd did not start (see its log above)"; return 1; }
}

# A busybox image from Debian's busybox-static, with no registry.
ha_image() {
  local root="$HA_STATE/image"
  mkdir -p "$root/bin" "$root/etc" "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  local a
  for a in sh sleep nc cat ls echo true mkfifo ln rm; do
    ln -sf busybox "$root/bin/$a"
  done
  tar -C "$root" -c . | docker import - "$HA_IMAGE" >/dev/null
}

HOSTILE_IMAGE=hostalias-test/hostile:1

# ha_hostile_run NAME [docker run options] -- LABEL...: a container of an
# image carrying the labels given, made with docker import --change, as any
# image from a registry can carry them.
ha_hostile_run() {
  local name=$1 changes=() runopts=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do runopts+=("$1"); shift; done
  shift
  local l
  for l in "$@"; do changes+=(--change "LABEL $l"); done
  # A fresh import from the same root, with the labels baked into the image.
  tar -C "$HA_STATE/image" -c . |
    docker import "${changes[@]}" - "$HOSTILE_IMAGE" >/dev/null
  docker run -d --name "$name" --label hostalias.test=hostile "${runopts[@]}" \
    "$HOSTILE_IMAGE" sleep 1000000 >/dev/null
}

# ha_run NAME [docker run options...]: a sleeping container.
ha_run() {
  local name=$1
  shift
  docker run -d --name "$name" "$@" "$HA_IMAGE" sleep 1000000 >/dev/null
}

# The address of container $1 on network $2 (IPv4, or IPv6 with $3 = 6).
ha_ip() {
  if [ "${3:-4}" = 6 ]; then
    docker inspect -f "{{(index .NetworkSettings.Networks \"$2\").GlobalIPv6Address}}" "$1"
  else
    docker inspect -f "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}" "$1"
  fi
}

ha_pid() { docker inspect -f '{{.State.Pid}}' "$1"; }

ha_engine_stop() {
  [ -n "${HA_STATE:-}" ] || return 0
  if [ -S "$HA_STATE/docker.sock" ]; then
    docker ps -aq | xargs -r docker rm -f >/dev/null 2>&1 || true
  fi
  local pid
  for f in docker.pid upstream.pid; do
    pid=$(cat "$HA_STATE/$f" 2>/dev/null) || continue
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  # Whatever dockerd left mounted must go before its files do.
  findmnt -rn -o TARGET | grep "^$HA_STATE" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  ip netns del "$HA_NETNS" 2>/dev/null || true
  rm -rf "$HA_STATE"
}
