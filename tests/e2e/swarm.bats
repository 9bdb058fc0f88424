#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Docker Swarm on a real two-node swarm (lib/swarm.bash): a stack deployed
# from a compose v3 file with docker stack deploy: web on node A (the
# manager), db (endpoint_mode dnsrr, so it carries traffic here: no IPVS)
# with the extra alias "database", and api, on node B (a worker), all on an
# attachable overlay network.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/swarm

setup_file() {
  local p
  [ "$(id -u)" = 0 ] || { ha_unready "needs root (two dockerd in network namespaces)"; return 0; }
  for p in dockerd docker dnsmasq ip nsenter busybox python3; do
    command -v "$p" >/dev/null || { ha_unready "needs $p (scripts/install-deps installs it)"; return 0; }
  done
  swarm_start || { ha_unready "the two-node swarm did not start"; return 0; }
  cat >"$SW_STATE/stack.yml" <<'YAML'
version: "3.8"
services:
  web:
    image: hostalias-test/busybox:1
    command: sleep 1000000
    networks: [backend]
    deploy:
      placement: {constraints: ["node.labels.ha == a"]}
  db:
    image: hostalias-test/busybox:1
    command: httpd -f -p 5432 -h /tmp
    networks:
      backend:
        aliases: [database]
    deploy:
      endpoint_mode: dnsrr
      placement: {constraints: ["node.labels.ha == b"]}
  api:
    image: hostalias-test/busybox:1
    command: sleep 1000000
    networks: [backend]
    deploy:
      placement: {constraints: ["node.labels.ha == b"]}
networks:
  backend:
    driver: overlay
    attachable: true
YAML
  if ! swa stack deploy -c "$SW_STATE/stack.yml" st >/dev/null 2>&1 ||
    ! swarm_wait_running st_web st_db st_api; then
    ha_unready "docker stack deploy did not bring the stack up"
    return 0
  fi
  # A service's name reaches the embedded DNS a moment after its task runs
  # (seen under ASan: "api: no such name" in the first test): wait for it.
  local t
  t=$(swarm_task a st_web)
  for _ in $(seq 1 150); do
    swa exec "$t" nslookup api >/dev/null 2>&1 && swa exec "$t" nslookup db >/dev/null 2>&1 && break
    sleep 0.2
  done
}

teardown_file() {
  swarm_stop
}

setup() {
  ha_skip_if_unready
}

# The address of task container $2 on node $1, on the stack's network.
task_ip() {
  docker -H "unix://$SW_STATE/$1.sock" inspect \
    -f '{{(index .NetworkSettings.Networks "st_backend").IPAddress}}' "$2"
}
vip() { swa service inspect -f '{{range .Endpoint.VirtualIPs}}{{.Addr}}{{end}}' "$1" | cut -d/ -f1; }

@test "a Swarm service as the target, by service, by stack service and with --project; -v says which task" {
  local db api
  db=$(task_ip b "$(swarm_task b st_db)")
  api=$(vip st_api)
  [ -n "$db" ] && [ -n "$api" ]
  local want="db $db.traefik.me
api $api.traefik.me"
  run --separate-stderr "$HOSTALIAS" -v -H "$SW_A" web db api
  assert_status 0
  assert_eq "$(grep -v '^hostalias' <<<"$output")" "$want"
  assert_contains "$stderr" "web: Swarm service st_web of stack st; task $(swarm_task a st_web) on this node, slot 1"
  run --separate-stderr "$HOSTALIAS" -H "$SW_A" st_web db api
  assert_eq "$output" "$want"
  run --separate-stderr "$HOSTALIAS" -H "$SW_A" -P st web db api
  assert_eq "$output" "$want"
  # The overlay's addresses: the host cannot reach them, and it is said.
  assert_contains "$stderr" "names point at addresses this host cannot reach"
  # Completion offers the services.
  run --separate-stderr "$HOSTALIAS" -H "$SW_A" --list-targets
  assert_contains "$output" "st_web"
  grep -qx web <<<"$output"
}

@test "--serve on the manager: NAME.STACK as the stack's task asks the embedded DNS (a dnsrr task on node B, a VIP)" {
  ha_need dig ss
  local db api
  db=$(task_ip b "$(swarm_task b st_db)")
  api=$(vip st_api)
  [ -n "$db" ] && [ -n "$api" ]
  ha_serve -H "$SW_A"
  local got_db got_alias got_api unknown
  got_db=$(ha_serve_q +short "db.st.test.internal")
  got_alias=$(ha_serve_q +short "database.st.test.internal")
  got_api=$(ha_serve_q +short "api.st.test.internal")
  unknown=$(ha_serve_q "db.nostack.test.internal" | sed -n 's/.*status: \([A-Z]*\).*/\1/p')
  ha_serve_stop
  assert_eq "$got_db" "$db"
  assert_eq "$got_alias" "$db"
  assert_eq "$got_api" "$api"
  assert_eq "$unknown" NXDOMAIN
}

@test "a service with no task on this node: exit 3, the manager names the node; a worker says only a manager knows" {
  run --separate-stderr "$HOSTALIAS" -H "$SW_A" db a
  assert_status 3
  assert_contains "$stderr" "st_db: a Swarm service with no task on this node; its tasks run on node"
  assert_contains "$stderr" "(10.77.0.2)"
  run --separate-stderr "$HOSTALIAS" -H "$SW_B" web a
  assert_status 3
  assert_contains "$stderr" "this engine is a Swarm worker"
  # The worker's own task is found there.
  run --separate-stderr "$HOSTALIAS" -H "$SW_B" db web
  assert_status 0
  assert_eq "$output" "web $(vip st_web).traefik.me"
}

@test "--all across the cluster: every service on the overlay with its aliases, on the manager and on a worker" {
  local db api web
  db=$(task_ip b "$(swarm_task b st_db)")
  api=$(vip st_api)
  web=$(vip st_web)
  run --separate-stderr "$HOSTALIAS" -q -H "$SW_A" --all web
  assert_status 0
  assert_eq "$output" "api $api.traefik.me
database $db.traefik.me
db $db.traefik.me
st_api $api.traefik.me
st_db $db.traefik.me
st_web $web.traefik.me
web $web.traefik.me"
  # Never task names or IDs.
  [[ "$output" != *st_web.1* ]]
  # A worker knows the services from the network, not their extra aliases.
  run --separate-stderr "$HOSTALIAS" -q -H "$SW_B" --all db
  assert_status 0
  assert_contains "$output" "web $web.traefik.me"
  assert_contains "$output" "st_api $api.traefik.me"
  assert_contains "$output" "db $db.traefik.me"
}

@test "web -- COMMAND on node A: db on node B resolves, and a TCP connection reaches it" {
  local db
  db=$(task_ip b "$(swarm_task b st_db)")
  run --separate-stderr "$HOSTALIAS" -H "$SW_A" web -- getent hosts db database
  assert_status 0
  assert_eq "$(awk '{print $1}' <<<"$output" | sort -u)" "$db"
  run --separate-stderr "$HOSTALIAS" -H "$SW_A" web -- python3 -c '
import socket
socket.create_connection(("db", 5432), 3).close()
print("connected")'
  assert_status 0
  assert_eq "$output" "connected"
}

# wait_file FILE PATTERN [SECONDS]: FILE has a line matching PATTERN.
wait_file() {
  local i
  for ((i = 0; i < ${3:-20} * 20; i++)); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

@test "--watch -o on the manager follows docker service update --force db (a new task on node B) within 2 s of DNS" {
  local f=$BATS_TEST_TMPDIR/web.alias old new="" t_dns="" t_file="" a i wpid
  old=$(task_ip b "$(swarm_task b st_db)")
  "$HOSTALIAS" -v -H "$SW_A" --watch -o "$f" web db 2>"$BATS_TEST_TMPDIR/watch.err" 3>&- &
  wpid=$!
  wait_file "$f" "^db $old\.traefik\.me$" || {
    kill "$wpid"
    false
  }
  swa service update --force --detach st_db >/dev/null
  # The new task answers in DNS once it runs (after the old one's stop
  # timeout: httpd as PID 1 ignores SIGTERM); FILE must follow within 2 s.
  for ((i = 0; i < 600; i++)); do
    [ -n "$t_dns" ] && [ -n "$t_file" ] && break
    if [ -z "$t_dns" ]; then
      a=$("$HOSTALIAS" -q -H "$SW_A" web db 2>/dev/null) || true
      if [[ $a =~ ^db\ ([0-9.]+)\.traefik\.me$ && ${BASH_REMATCH[1]} != "$old" ]]; then
        new=${BASH_REMATCH[1]} t_dns=$(ms)
      fi
    fi
    if [ -n "$new" ] && [ -z "$t_file" ] && grep -qx "db $new.traefik.me" "$f"; then
      t_file=$(ms)
    fi
    sleep 0.1
  done
  kill "$wpid"
  wait "$wpid" || true
  ha_log "the new task $new answered in DNS; FILE had it $((t_file - t_dns)) ms later"
  [ -n "$new" ] && [ -n "$t_file" ]
  [ "$new" = "$(task_ip b "$(swarm_task b st_db)")" ]
  ((t_file - t_dns <= 2000))
  # Node A saw no container event of it: the service's events did it.
  grep -q "a Swarm service is changing" "$BATS_TEST_TMPDIR/watch.err"
  assert_eq "$(grep -c "Swarm worker" "$BATS_TEST_TMPDIR/watch.err")" 0
}

@test "--watch on a worker says once that it is told nothing of other nodes; --interval brings a service made on node A" {
  local f=$BATS_TEST_TMPDIR/db.alias wpid
  "$HOSTALIAS" -H "$SW_B" --watch --interval 1 -o "$f" db web late 2>"$BATS_TEST_TMPDIR/watch.err" 3>&- &
  wpid=$!
  wait_file "$f" "^web " || {
    kill "$wpid"
    false
  }
  swa service create --detach --name st_late --network name=st_backend,alias=late \
    --constraint node.labels.ha==a "$SW_IMAGE" sleep 1000000 >/dev/null
  wait_file "$f" "^late " 30 || {
    kill "$wpid"
    cat "$BATS_TEST_TMPDIR/watch.err" >&2
    false
  }
  kill "$wpid"
  wait "$wpid" || true
  swa service rm st_late >/dev/null
  grep -q "^late [0-9.]*\.traefik\.me$" "$f"
  assert_eq "$(grep -c "this engine is a Swarm worker, told nothing of other nodes" "$BATS_TEST_TMPDIR/watch.err")" 1
  assert_contains "$(cat "$BATS_TEST_TMPDIR/watch.err")" "at the next --interval pass (every 1 s)"
}

@test "forged tasks: on the manager, a task ID the manager does not list is refused; a second claim to a slot is an error" {
  # A container that carries a task's labels under its task's own name (the
  # name check passes), on node A, the manager, with a task ID no service
  # has: the manager's GET /tasks says it is no task of st_web.
  local fake=st_web.1.abcdefghijklmnopqrstuvwxy
  swa run -d --name "$fake" --add-host db:10.66.66.66 \
    --label com.docker.swarm.service.name=st_web --label com.docker.stack.namespace=st \
    --label "com.docker.swarm.task.name=$fake" \
    --label com.docker.swarm.task.id=abcdefghijklmnopqrstuvwxy "$SW_IMAGE" sleep 1000000 >/dev/null
  run --separate-stderr "$HOSTALIAS" -H "$SW_A" -P st web db
  swa rm -f "$fake" >/dev/null
  assert_status 3
  [[ "$output" != *10.66.66.66* ]] || { echo "$output" >&2; return 1; }
  # Two claims to slot 1 (the real task and the forgery): named, never
  # broken by name.
  assert_contains "$stderr" "two containers claim the same slot of Swarm service st_web"
  assert_contains "$stderr" "$(swarm_task a st_web)"
  # A forgery alone for a service with no task on this node (st_api runs
  # on node B): not listed by the manager, refused.
  fake=st_api.1.abcdefghijklmnopqrstuvwxy
  swa run -d --name "$fake" --add-host db:10.66.66.66 \
    --label com.docker.swarm.service.name=st_api --label com.docker.stack.namespace=st \
    --label "com.docker.swarm.task.name=$fake" \
    --label com.docker.swarm.task.id=abcdefghijklmnopqrstuvwxy "$SW_IMAGE" sleep 1000000 >/dev/null
  run --separate-stderr "$HOSTALIAS" -H "$SW_A" -P st api db
  swa rm -f "$fake" >/dev/null
  assert_status 3
  [[ "$output" != *10.66.66.66* ]] || { echo "$output" >&2; return 1; }
  assert_contains "$stderr" "claims to be task abcdefghijklmnopqrstuvwxy of Swarm service st_api, but the manager lists no such task"
}
