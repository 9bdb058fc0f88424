#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Never the wrong container: the target the user names, and only a process
# that is that container. Against the private test engine: a real Compose
# project (huginn: web and postgres), a plain container named web on a
# network of its own where "postgres" is another address, hostile images
# made with docker import --change 'LABEL ...', and an engine socket (a
# proxy to the real one) that reports a foreign PID or says it runs in
# Docker Desktop. Every case here printed a wrong answer with exit 0
# before (issue 26).

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/dockerd


setup_file() {
  ha_engine_ready docker-compose python3 || return 0
  export PROJECT_DIR="$HA_STATE/projects/huginn"
  mkdir -p "$PROJECT_DIR"
  cat >"$PROJECT_DIR/docker-compose.yml" <<'YAML'
version: "2.4"
services:
  web:
    image: hostalias-test/busybox:1
    command: sleep 1000000
    networks: [backend]
  postgres:
    image: hostalias-test/busybox:1
    command: sleep 1000000
    networks: [backend]
networks:
  backend:
    ipam:
      config:
        - subnet: 172.30.7.0/24
YAML
  (cd "$PROJECT_DIR" && docker-compose up -d) >/dev/null 2>&1 ||
    { ha_unready "docker-compose up failed"; return 0; }
  # The plain container web, on a network where postgres is another one.
  docker network create --subnet 172.30.8.0/24 plainnet >/dev/null
  ha_run web --network plainnet
  ha_run plainpg --network plainnet --network-alias postgres
}

setup() {
  ha_skip_if_unready
  unset COMPOSE_PROJECT_NAME
  cd /
}

teardown() {
  docker ps -aq --filter label=hostalias.test=hostile | xargs -r docker rm -f >/dev/null 2>&1
  local f
  for f in proxy.pid foreign.pid; do
    [ -f "$BATS_TEST_TMPDIR/$f" ] && kill "$(cat "$BATS_TEST_TMPDIR/$f")" 2>/dev/null
  done
  return 0
}

teardown_file() {
  ha_engine_stop
}

huginn_pg() { ha_ip huginn_postgres_1 huginn_backend; }
plain_pg() { ha_ip plainpg plainnet; }

@test "an explicit project wins: -P huginn web is the service, not the plain container web" {
  # Without a project, an exact container name comes first, as before.
  run --separate-stderr "$HOSTALIAS" -v web postgres
  assert_status 0
  assert_eq "$output" "postgres $(plain_pg).traefik.me"
  assert_contains "$stderr" "web: the container of that name (no project chosen"

  run --separate-stderr "$HOSTALIAS" -v -P huginn web postgres
  assert_status 0
  assert_eq "$output" "postgres $(huginn_pg).traefik.me"
  assert_contains "$stderr" "web: Compose service of project huginn (--project); container huginn_web_1"
}

@test "COMPOSE_PROJECT_NAME: the project's service wins; a plain container is the fallback" {
  COMPOSE_PROJECT_NAME=huginn run --separate-stderr "$HOSTALIAS" -v web postgres
  assert_status 0
  assert_eq "$output" "postgres $(huginn_pg).traefik.me"
  assert_contains "$stderr" "web: Compose service of project huginn (COMPOSE_PROJECT_NAME)"

  # A project without a service web: the container web, and -v says why.
  COMPOSE_PROJECT_NAME=elsewhere run --separate-stderr "$HOSTALIAS" -v web postgres
  assert_status 0
  assert_eq "$output" "postgres $(plain_pg).traefik.me"
  assert_contains "$stderr" "the container of that name: project elsewhere (from COMPOSE_PROJECT_NAME) has no running service web"
}

@test "--project with no such service: exit 3, never the container of that name" {
  run --separate-stderr "$HOSTALIAS" -P elsewhere web postgres
  assert_status 3
  assert_eq "$output" ""
  assert_contains "$stderr" "project elsewhere (from --project) has no running service web, and the container named web is not of that project"
  # A container named exactly that is of the project is taken.
  run --separate-stderr "$HOSTALIAS" -P huginn huginn_postgres_1 postgres
  assert_status 0
  assert_eq "$output" "postgres $(huginn_pg).traefik.me"
}

@test "hostile labels: a working_dir of / never makes a project the working directory's" {
  ha_hostile_run evilweb --add-host postgres:10.66.66.66 -- \
    com.docker.compose.project=evil com.docker.compose.service=postgres \
    com.docker.compose.container-number=1 com.docker.compose.oneoff=False \
    com.docker.compose.project.working_dir=/
  # From / (cron, the watch unit): two projects have postgres; neither is
  # the directory's, so the user must choose.
  run --separate-stderr "$HOSTALIAS" -v postgres postgres
  assert_status 3
  [[ "$output" != *10.66.66.66* ]] || { echo "$output" >&2; return 1; }
  assert_contains "$stderr" "postgres is a Compose service in several projects"
  # From the real project's directory, the real project.
  cd "$PROJECT_DIR"
  run --separate-stderr "$HOSTALIAS" -v postgres postgres
  assert_status 0
  assert_eq "$output" "postgres $(huginn_pg).traefik.me"
  assert_contains "$stderr" "Compose service of project huginn (the working directory $PROJECT_DIR)"
}

@test "hostile labels: a directory without a Compose file the user can read does not count" {
  mkdir -p "$HA_STATE/nofile"
  ha_hostile_run evilweb2 --add-host postgres:10.66.66.66 -- \
    com.docker.compose.project=evil com.docker.compose.service=web \
    com.docker.compose.container-number=1 com.docker.compose.oneoff=False \
    "com.docker.compose.project.working_dir=$HA_STATE/nofile"
  cd "$HA_STATE/nofile"
  run --separate-stderr "$HOSTALIAS" -v -P huginn web postgres
  assert_status 0
  assert_eq "$output" "postgres $(huginn_pg).traefik.me"
  # Without -P, from that directory: two projects have a service web (and
  # the plain container web is no service): the user must choose.
  docker rename web plainweb
  run --separate-stderr "$HOSTALIAS" web postgres
  docker rename plainweb web
  assert_status 3
  [[ "$output" != *10.66.66.66* ]] || { echo "$output" >&2; return 1; }
  assert_contains "$stderr" "web is a Compose service in several projects"
}

@test "hostile labels: a second claim to replica 1 of huginn/web is an error naming both" {
  ha_hostile_run aaa-first --add-host postgres:10.66.66.66 -- \
    com.docker.compose.project=huginn com.docker.compose.service=web \
    com.docker.compose.container-number=1 com.docker.compose.oneoff=False \
    "com.docker.compose.project.working_dir=$PROJECT_DIR"
  run --separate-stderr "$HOSTALIAS" -P huginn web postgres
  assert_status 3
  assert_eq "$output" ""
  assert_contains "$stderr" "two containers claim replica number 1 of service web of project huginn"
  assert_contains "$stderr" "aaa-first"
  assert_contains "$stderr" "huginn_web_1"
  # A hostile replica without a valid number ranks after the real one.
  docker rm -f aaa-first >/dev/null
  ha_hostile_run aaa-second --add-host postgres:10.66.66.66 -- \
    com.docker.compose.project=huginn com.docker.compose.service=web \
    com.docker.compose.container-number=0 com.docker.compose.oneoff=False
  run --separate-stderr "$HOSTALIAS" -P huginn web postgres
  assert_status 0
  assert_eq "$output" "postgres $(huginn_pg).traefik.me"
}

@test "hostile labels: a container claiming a Swarm task is no task on an engine in no swarm" {
  ha_hostile_run aaa-task --add-host postgres:10.66.66.66 -- \
    com.docker.swarm.service.name=st_db com.docker.stack.namespace=st \
    com.docker.swarm.task.name=st_db.1.abcdefghijklmnopqrstuvwxy \
    com.docker.swarm.task.id=abcdefghijklmnopqrstuvwxy
  # Its name is not its task's: ignored, with a warning.
  run --separate-stderr "$HOSTALIAS" -P st db postgres
  assert_status 3
  [[ "$output" != *10.66.66.66* ]] || { echo "$output" >&2; return 1; }
  assert_contains "$stderr" "container aaa-task carries the labels of a task of Swarm service st_db, but its name is not the task's"
  # Named as its task, on an engine that is in no swarm: still no task.
  docker rename aaa-task st_db.1.abcdefghijklmnopqrstuvwxy
  run --separate-stderr "$HOSTALIAS" -P st db postgres
  assert_status 3
  [[ "$output" != *10.66.66.66* ]] || { echo "$output" >&2; return 1; }
  assert_contains "$stderr" "this engine is in no swarm"
}

# engine_proxy MODE [PID]: a proxy to the test engine on its own socket
# (lib/fake_engine.py --proxy), into $PROXY (a DOCKER_HOST). Inspect replies
# carry the PID $FOREIGN: PID, else a process that is no container (a sleep
# of this test's); MODE desktop: /info says Docker Desktop too. Each request
# line is logged to proxy.log.
engine_proxy() {
  if [ -n "${2:-}" ]; then
    FOREIGN=$2
  else
    sleep 1000 3>&- &
    FOREIGN=$!
    echo "$FOREIGN" >"$BATS_TEST_TMPDIR/foreign.pid"
  fi
  local sock="$BATS_TEST_TMPDIR/proxy.sock" desktop=()
  [ "$1" = desktop ] && desktop=(--desktop)
  python3 "$BATS_TEST_DIRNAME/lib/fake_engine.py" "$sock" --proxy "${DOCKER_HOST#unix://}" \
    --pid "$FOREIGN" "${desktop[@]}" --log "$BATS_TEST_TMPDIR/proxy.log" 3>&- &
  echo $! >"$BATS_TEST_TMPDIR/proxy.pid"
  for _ in $(seq 1 100); do [ -S "$sock" ] && break; sleep 0.05; done
  PROXY="unix://$sock"
}

@test "a PID the engine reports must be the container's: a foreign one is refused, exit 3" {
  engine_proxy foreign
  run --separate-stderr "$HOSTALIAS" -H "$PROXY" -v web postgres
  assert_status 3
  assert_eq "$output" ""
  assert_contains "$stderr" "process $FOREIGN is not that container"
  # -- COMMAND never runs there either, nor --check, nor a Compose service.
  run --separate-stderr "$HOSTALIAS" -H "$PROXY" web -- sh -c 'echo RAN'
  assert_status 3
  [[ "$output" != *RAN* ]] || { echo "$output" >&2; return 1; }
  run --separate-stderr "$HOSTALIAS" -H "$PROXY" -P huginn --check web postgres
  assert_status 3
  assert_contains "$stderr" "process $FOREIGN is not that container"
  # No VM hint for an engine that is not in one.
  [[ "$stderr" != *"virtual machine"* ]] || { echo "$stderr" >&2; return 1; }
}

@test "an engine whose /info says Docker Desktop: the hint says its containers run in a VM" {
  engine_proxy desktop
  run --separate-stderr "$HOSTALIAS" -H "$PROXY" web postgres
  assert_status 3
  assert_contains "$stderr" "runs in a virtual machine (Docker Desktop)"
}

@test "-- COMMAND: the target is looked up once, and the command runs where the pass resolved" {
  # The proxy passes the real PID through: only the requests are counted.
  engine_proxy log "$(ha_pid web)"
  run --separate-stderr "$HOSTALIAS" -H "$PROXY" web postgres -- getent hosts postgres
  assert_status 0
  assert_contains "$output" "$(plain_pg)"
  assert_eq "$(grep -c '/containers/web/json' "$BATS_TEST_TMPDIR/proxy.log")" 1
}

@test "advice that fits: no 'run them with' notice under -- COMMAND; --check names the real target" {
  run --separate-stderr "$HOSTALIAS" -P huginn web postgres
  assert_status 0
  assert_contains "$stderr" "run them with hostalias -P huginn web -- COMMAND"
  run --separate-stderr "$HOSTALIAS" -P huginn web postgres -- true
  assert_status 0
  [[ "$stderr" != *"run them with"* ]] || { echo "$stderr" >&2; return 1; }
  run --separate-stderr "$HOSTALIAS" -P huginn --check web postgres
  assert_contains "$stderr" "hostalias -P huginn web -- COMMAND"
  [[ "$stderr" != *"CONTAINER -- COMMAND"* ]] || { echo "$stderr" >&2; return 1; }
}
