# SPDX-License-Identifier: MIT
# A real two-node Docker Swarm for the end-to-end tests: two dockerd, each
# in a network namespace of its own (nsenter --net) with its own data, exec
# and socket paths and a dnsmasq upstream answering NXDOMAIN, joined by a
# veth (10.77.0.1 and 10.77.0.2). Node A inits the swarm and is the
# manager; node B joins as a worker; node labels ha=a and ha=b place the
# services (both nodes share this machine's hostname). The busybox image is
# imported on both. This kernel has vxlan (overlay networks work) but no
# IPVS: a service VIP answers DNS and carries no traffic, so what needs
# traffic uses endpoint_mode: dnsrr.
#
# swarm_start in setup_file, swarm_stop in teardown_file. Exports SW_STATE,
# SW_A and SW_B (the nodes' sockets, unix:// form).

SW_IMAGE=hostalias-test/busybox:1

swa() { docker -H "$SW_A" "$@"; }
swb() { docker -H "$SW_B" "$@"; }

swarm_start() {
  SW_STATE=$(mktemp -d /tmp/hostalias-swarm.XXXXXX)
  local suf n img a
  suf=$(basename "$SW_STATE" | tr -dc 'a-zA-Z0-9' | tail -c 6)
  export SW_STATE SW_SUF=$suf SW_A="unix://$SW_STATE/a.sock" SW_B="unix://$SW_STATE/b.sock"
  for n in a b; do
    ip netns add "hasw-$n-$suf"
    ip -n "hasw-$n-$suf" link set lo up
    ip -n "hasw-$n-$suf" addr add 10.254.0.1/32 dev lo
  done
  ip link add "hsa$suf" netns "hasw-a-$suf" type veth peer "hsb$suf" netns "hasw-b-$suf"
  ip -n "hasw-a-$suf" addr add 10.77.0.1/24 dev "hsa$suf"
  ip -n "hasw-b-$suf" addr add 10.77.0.2/24 dev "hsb$suf"
  ip -n "hasw-a-$suf" link set "hsa$suf" up
  ip -n "hasw-b-$suf" link set "hsb$suf" up
  for n in a b; do
    mkdir -p "$SW_STATE/$n/data" "$SW_STATE/$n/exec"
    nsenter --net="/run/netns/hasw-$n-$suf" dnsmasq --no-resolv --no-hosts \
      --listen-address=10.254.0.1 --bind-interfaces --address='/#/' \
      --pid-file="$SW_STATE/$n/dnsmasq.pid" --user=root
    nsenter --net="/run/netns/hasw-$n-$suf" dockerd --data-root "$SW_STATE/$n/data" \
      --exec-root "$SW_STATE/$n/exec" -H "unix://$SW_STATE/$n.sock" \
      --pidfile "$SW_STATE/$n/docker.pid" --bridge=none --dns 10.254.0.1 --log-level=warn \
      >>"$SW_STATE/$n/dockerd.log" 2>&1 3>&- &
  done
  for _ in $(seq 1 150); do
    swa version >/dev/null 2>&1 && swb version >/dev/null 2>&1 && break
    sleep 0.2
  done
  swa version >/dev/null 2>&1 && swb version >/dev/null 2>&1 || return 1
  swa swarm init --advertise-addr 10.77.0.1 >/dev/null || return 1
  swb swarm join --token "$(swa swarm join-token -q worker)" 10.77.0.1:2377 >/dev/null || return 1
  local id addr
  for id in $(swa node ls -q); do
    addr=$(swa node inspect -f '{{.Status.Addr}}' "$id")
    swa node update --label-add "ha=$([ "$addr" = 10.77.0.2 ] && echo b || echo a)" "$id" >/dev/null
  done
  img="$SW_STATE/image"
  mkdir -p "$img/bin" "$img/etc" "$img/tmp"
  cp /bin/busybox "$img/bin/busybox"
  for a in sh sleep nslookup cat httpd; do ln -sf busybox "$img/bin/$a"; done
  tar -C "$img" -c . | swa import - "$SW_IMAGE" >/dev/null || return 1
  tar -C "$img" -c . | swb import - "$SW_IMAGE" >/dev/null || return 1
}

# swarm_task NODE SERVICE: the name of SERVICE's running task on NODE (a|b).
swarm_task() {
  docker -H "unix://$SW_STATE/$1.sock" ps --filter "label=com.docker.swarm.service.name=$2" \
    --format '{{.Names}}' | head -n 1
}

# swarm_wait_running SERVICE...: each has a running task, within 60 s.
swarm_wait_running() {
  local s ok
  for _ in $(seq 1 300); do
    ok=1
    for s in "$@"; do
      [ -n "$(swarm_task a "$s")$(swarm_task b "$s")" ] || ok=""
    done
    [ -n "$ok" ] && return 0
    sleep 0.2
  done
  return 1
}

swarm_stop() {
  [ -n "${SW_STATE:-}" ] || return 0
  local n pid f
  swb swarm leave --force >/dev/null 2>&1 || true
  swa swarm leave --force >/dev/null 2>&1 || true
  for n in a b; do
    for f in "$SW_STATE/$n/docker.pid" "$SW_STATE/$n/dnsmasq.pid"; do
      [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
  done
  for n in a b; do
    pid=$(cat "$SW_STATE/$n/docker.pid" 2>/dev/null) || continue
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  findmnt -rn -o TARGET | grep "^$SW_STATE" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  ip netns del "hasw-a-$SW_SUF" 2>/dev/null || true
  ip netns del "hasw-b-$SW_SUF" 2>/dev/null || true
  rm -rf "$SW_STATE"
}
