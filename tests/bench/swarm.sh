#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# hostalias benchmark, part 10: --all on a Docker Swarm stack of 200
# services on one overlay network, against the same names given, on the
# real two-node swarm of the end-to-end tests (tests/e2e/lib/swarm.bash).
# Run as root, alone or as the last part of bench.sh:
#
#   sudo tests/bench/swarm.sh
#
# hyperfine -N, both commands in one run, on the manager and on the worker.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
HOSTALIAS=${HOSTALIAS:-$top/build/src/hostalias}
NSVC=${NSVC:-200}

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
[ -x "$HOSTALIAS" ] || { echo "build first: meson setup build && ninja -C build" >&2; exit 1; }
for t in dockerd docker dnsmasq hyperfine busybox python3; do
  command -v "$t" >/dev/null || { echo "missing $t (scripts/install-deps)" >&2; exit 1; }
done

# shellcheck source=tests/e2e/lib/swarm.bash
. "$top/tests/e2e/lib/swarm.bash"
trap swarm_stop EXIT
trap "exit 130" INT TERM # so that EXIT runs: the engines and namespaces go
echo "starting a two-node swarm; a stack of $NSVC services, half on each node..." >&2
swarm_start || { echo "the two-node swarm did not start" >&2; exit 1; }
{
  echo 'version: "3.8"'
  echo 'services:'
  for ((i = 0; i < NSVC; i++)); do
    cat <<YAML
  s$i:
    image: $SW_IMAGE
    command: sleep 1000000
    networks: [backend]
    deploy:
      placement: {constraints: ["node.labels.ha == $([ $((i % 2)) = 0 ] && echo a || echo b)"]}
YAML
  done
  cat <<'YAML'
networks:
  backend:
    driver: overlay
    attachable: true
    ipam:
      config: [{subnet: 10.200.0.0/16}] # a VIP and a task address a service: a /24 runs out
YAML
} >"$SW_STATE/big.yml"
swa stack deploy -c "$SW_STATE/big.yml" big >/dev/null
running() { echo $(($(swa ps -q | wc -l) + $(swb ps -q | wc -l))); }
for _ in $(seq 1 900); do
  [ "$(running)" -ge "$NSVC" ] && break
  sleep 1
done
[ "$(running)" -ge "$NSVC" ] || { echo "only $(running) of $NSVC tasks run" >&2; exit 1; }
echo "$NSVC tasks run; waiting for every service to answer in DNS..." >&2
for _ in $(seq 1 120); do
  n=$("$HOSTALIAS" -q -H "$SW_A" --all s0 </dev/null | wc -l)
  [ "$n" -ge $((NSVC * 2)) ] && break
  sleep 1
done

echo
echo "### 10. Swarm: --all on a stack of $NSVC services, against the same names given"
echo
echo "(two nodes, $((NSVC / 2)) tasks on each, one overlay network; hyperfine -N, both"
echo "commands in one run; the target is a task on the node asked)"
echo
echo "| node | names | given (ms) | --all (ms) | ratio |"
echo "| --- | ---: | ---: | ---: | ---: |"
for node in manager worker; do
  if [ "$node" = manager ]; then host=$SW_A target=s0; else host=$SW_B target=s1; fi
  mapfile -t names < <("$HOSTALIAS" -q -H "$host" --all "$target" </dev/null | cut -d' ' -f1)
  hyperfine -N -w 3 -r 20 --export-json "$SW_STATE/$node.json" \
    "$HOSTALIAS -q -H $host $target ${names[*]}" "$HOSTALIAS -q -H $host --all $target" \
    >/dev/null 2>&1
  python3 - "$SW_STATE/$node.json" "$node" "${#names[@]}" <<'PY'
import json, sys
given, found = (x["median"] * 1000 for x in json.load(open(sys.argv[1]))["results"])
print("| %s | %s | %.2f | %.2f | %.2f |" % (sys.argv[2], sys.argv[3], given, found, found / given))
PY
done
