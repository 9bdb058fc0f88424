# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2034,SC2317,SC2154 # variables shared with the sourcing script; functions run through trap
# Sourced by the package tests that boot a real systemd: the Debian
# package's units under systemd-nspawn --boot on an overlay of this
# machine's own root (unit-under-systemd.sh says why).
#
#   nspawn_prepare DEB   the overlay mounted at $M, the .deb installed into it
#                        with dpkg --root, a busybox image and a Compose
#                        project "web" (services web and postgres) ready
#   (the caller may change $M here, before the boot)
#   nspawn_boot          boots it; checks systemd and docker.service; the
#                        image imported, the project up
#
# say, check (one line "ok"/"FAILED", counted in $failed), in_c (a
# command in the container), addr CONTAINER, and the cleanup on EXIT
# (poweroff, the overlay unmounted, the cgroups dockerd left) are the
# caller's too. $test_name prefixes each line.
R=$(mktemp -d /tmp/hostalias-nspawn.XXXXXX)
M=$R/merged
failed=0
say() { echo "$test_name: $*"; }
check() { # description command...
  if "${@:2}"; then say "ok: $1"; else say "FAILED: $1"; failed=$((failed + 1)); fi
}

leader=""
nspawn_pid=""
in_c() { nsenter -t "$leader" -a "$@"; }

cleanup() {
  if [ -n "$leader" ]; then
    in_c systemctl poweroff >/dev/null 2>&1 || true
    for _ in $(seq 1 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$nspawn_pid" 2>/dev/null || true
    wait "$nspawn_pid" 2>/dev/null
  fi
  umount -l "$M" 2>/dev/null || true
  # The cgroups dockerd made inside, once their processes are gone.
  local d
  for _ in 1 2 3 4 5; do
    for d in /sys/fs/cgroup/*/docker/*/ /sys/fs/cgroup/*/docker/; do rmdir "$d" 2>/dev/null; done
    compgen -G '/sys/fs/cgroup/*/docker' >/dev/null || break
    sleep 1
  done
  rm -rf "$R"
}
trap cleanup EXIT

nspawn_prepare() {
  local deb=$1 s unit img
  mkdir -p "$R/upper" "$R/work" "$M"
  mount -t overlay overlay -o "lowerdir=/,upperdir=$R/upper,workdir=$R/work" "$M" || exit 1
  rm -f "$M/etc/machine-id"
  for s in postgresql postgresql@15-main dnsmasq podman podman.socket podman-auto-update \
    systemd-networkd-wait-online console-getty ssh cron; do
    unit=$s
    case $s in *.*) ;; *) unit=$s.service ;; esac
    ln -sf /dev/null "$M/etc/systemd/system/$unit"
  done
  rm -f "$M"/etc/systemd/system/*/hostalias-watch@*.service
  mkdir -p "$M/etc/systemd/system/docker.service.d"
  cat >"$M/etc/systemd/system/docker.service.d/test-cgroups.conf" <<'EOT'
# The test's container only: writable cgroup v1 hierarchies for dockerd.
[Service]
ExecStartPre=/bin/sh -c 'for c in cpuset cpu cpuacct blkio memory devices freezer pids; do mkdir -p /run/cg/$c; mountpoint -q /run/cg/$c || mount -t cgroup -o $c cgroup /run/cg/$c; mountpoint -q /sys/fs/cgroup/$c && mount --bind /run/cg/$c /sys/fs/cgroup/$c; done; true'
EOT
  dpkg --root="$M" --force-not-root -i "$deb" >/dev/null 2>&1 ||
    dpkg --root="$M" -i "$deb" >/dev/null || exit 1
  img=$M/root/image
  mkdir -p "$img/bin" "$img/etc"
  cp /bin/busybox "$img/bin/busybox"
  ln -sf busybox "$img/bin/sh"
  ln -sf busybox "$img/bin/sleep"
  mkdir -p "$M/root/web"
  cat >"$M/root/web/docker-compose.yml" <<'EOT'
version: "2.4"
services:
  web:
    image: hostalias-test/busybox:1
    command: sleep 1000000
  postgres:
    image: hostalias-test/busybox:1
    command: sleep 1000000
EOT
}

addr() { in_c docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }

nspawn_boot() {
  local state=""
  systemd-nspawn -D "$M" --boot --register=no --keep-unit --machine="hatest$$" \
    --private-network --system-call-filter=@keyring >"$R/boot.log" 2>&1 </dev/null 3>&- &
  nspawn_pid=$!
  for _ in $(seq 1 300); do
    leader=$(pgrep -P "$nspawn_pid" | head -n 1)
    [ -n "$leader" ] && state=$(in_c systemctl is-system-running 2>/dev/null) &&
      case $state in running | degraded) break ;; esac
    sleep 0.2
  done
  check "systemd boots as PID 1 of the container (state: ${state:-none})" \
    test "$(in_c cat /proc/1/comm 2>/dev/null)" = systemd
  check "docker.service is active inside" in_c systemctl is-active --quiet docker
  in_c sh -c 'tar -C /root/image -c . | docker import - hostalias-test/busybox:1' >/dev/null
  in_c sh -c 'cd /root/web && docker-compose up -d' >/dev/null 2>&1
}
