# SPDX-License-Identifier: MIT
# A private rootful Podman 4.3 (netavark, aardvark-dns) for the end-to-end
# tests: a network namespace of its own (nsenter --net), its own storage,
# runroot, tmpdir and network configuration under HA_PSTATE, runc as the
# runtime (crun refuses the hybrid cgroups on these machines) and explicit
# ulimits (raising RLIMIT_NPROC is not permitted here). Podman still writes
# under /run/containers and /var/lib/containers: what it made there is
# removed afterwards. Exports HA_PSTATE, HA_PNETNS, HA_PSOCK.

HA_IMAGE=hostalias-test/busybox:1

# podman on the private state. fd 3 (bats' own) is closed: conmon and
# aardvark-dns outlive the command, and bats waits for whoever holds it.
hp() {
  CONTAINERS_CONF="$HA_PSTATE/containers.conf" nsenter --net="/run/netns/$HA_PNETNS" \
    podman --root "$HA_PSTATE/root" --runroot "$HA_PSTATE/runroot" --tmpdir "$HA_PSTATE/tmp" \
    --network-config-dir "$HA_PSTATE/net" "$@" 3>&-
}

ha_podman_start() {
  HA_PSTATE=$(mktemp -d /tmp/hostalias-podman.XXXXXX)
  HA_PNETNS=hap-$(basename "$HA_PSTATE" | tr -dc 'a-zA-Z0-9' | tail -c 8)
  HA_PSOCK="$HA_PSTATE/podman.sock"
  export HA_PSTATE HA_PNETNS HA_PSOCK
  # Whether these existed before: only what the test made is removed.
  [ -e /run/containers ] || touch "$HA_PSTATE/made-run-containers"
  [ -e /var/lib/containers ] || touch "$HA_PSTATE/made-var-lib-containers"
  ip netns add "$HA_PNETNS"
  ip -n "$HA_PNETNS" link set lo up
  cat >"$HA_PSTATE/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
[network]
network_backend = "netavark"
CONF
  local img="$HA_PSTATE/image" a
  mkdir -p "$img/bin" "$img/etc" "$img/tmp"
  cp /bin/busybox "$img/bin/busybox"
  for a in sh sleep nslookup cat; do ln -sf busybox "$img/bin/$a"; done
  tar -C "$img" -c . | hp import - "$HA_IMAGE" >/dev/null 2>&1 || return 1
  # Not through hp: $! must be podman itself (nsenter execs it).
  CONTAINERS_CONF="$HA_PSTATE/containers.conf" nsenter --net="/run/netns/$HA_PNETNS" \
    podman --root "$HA_PSTATE/root" --runroot "$HA_PSTATE/runroot" --tmpdir "$HA_PSTATE/tmp" \
    --network-config-dir "$HA_PSTATE/net" system service --time=0 "unix://$HA_PSOCK" \
    >"$HA_PSTATE/service.log" 2>&1 3>&- &
  echo $! >"$HA_PSTATE/service.pid"
  for _ in $(seq 1 100); do [ -S "$HA_PSOCK" ] && return 0; sleep 0.1; done
  echo "the Podman API service did not start" >&2
  return 1
}

# hp_run NAME [podman run options...]: a sleeping container.
hp_run() {
  local name=$1
  shift
  hp run -d --name "$name" "$@" "$HA_IMAGE" sleep 1000000 >/dev/null
}

ha_podman_stop() {
  [ -n "${HA_PSTATE:-}" ] || return 0
  hp rm -fa -t 0 >/dev/null 2>&1 || true
  kill "$(cat "$HA_PSTATE/service.pid" 2>/dev/null)" 2>/dev/null || true
  local a
  a=$(cat /run/containers/networks/aardvark-dns/aardvark.pid 2>/dev/null) && kill "$a" 2>/dev/null
  sleep 0.5
  findmnt -rn -o TARGET | grep "^$HA_PSTATE" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  [ -e "$HA_PSTATE/made-run-containers" ] && rm -rf /run/containers
  [ -e "$HA_PSTATE/made-var-lib-containers" ] && rm -rf /var/lib/containers
  ip netns del "$HA_PNETNS" 2>/dev/null || true
  rm -rf "$HA_PSTATE"
}
