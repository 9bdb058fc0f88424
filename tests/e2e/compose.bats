#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# hostalias with real Compose projects: Debian's docker-compose (1.29)
# against the private test engine. huginn has the article's shape (web on
# two networks, postgres, elasticsearch with the extra alias "search", a
# worker scaled to two); "other" has services of the same names.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/dockerd

compose_file() { # the huginn project, its backend subnet from BACKEND_SUBNET
  cat <<'YAML'
version: "2.4"
services:
  web:
    image: hostalias-test/busybox:1
    command: sleep 1000000
    networks: [backend, es]
  postgres:
    image: hostalias-test/busybox:1
    command: sleep 1000000
    networks: [backend]
  elasticsearch:
    image: hostalias-test/busybox:1
    command: sleep 1000000
    networks:
      es:
        aliases: [search]
  worker:
    image: hostalias-test/busybox:1
    command: sleep 1000000
    scale: 2
    networks: [backend]
networks:
  backend:
    ipam:
      config:
        - subnet: ${BACKEND_SUBNET:-172.30.1.0/24}
  es:
YAML
}

setup_file() {
  ha_engine_ready docker-compose script || return 0
  export PROJECTS="$HA_STATE/projects"
  mkdir -p "$PROJECTS/huginn" "$PROJECTS/other"
  compose_file >"$PROJECTS/huginn/docker-compose.yml"
  cat >"$PROJECTS/other/docker-compose.yml" <<'YAML'
version: "2.4"
services:
  web:
    image: hostalias-test/busybox:1
    command: sleep 1000000
  postgres:
    image: hostalias-test/busybox:1
    command: sleep 1000000
YAML
  (cd "$PROJECTS/huginn" && docker-compose up -d) >/dev/null 2>&1
  (cd "$PROJECTS/other" && docker-compose up -d) >/dev/null 2>&1
}

setup() {
  ha_skip_if_unready
  unset COMPOSE_PROJECT_NAME
}

teardown_file() {
  ha_engine_stop
}

# The lowest address NAME has, asked inside container $2 (default
# huginn_web_1) with busybox's own resolver.
inside() {
  docker exec "${2:-huginn_web_1}" /bin/busybox nslookup "$1" 2>/dev/null |
    awk '/^Name:/ {n = 1; next} n && /^Address:/ {print $2}' |
    sort -t . -k1,1n -k2,2n -k3,3n -k4,4n | head -n 1
}

@test "a Compose service as the target, from the project's directory; -v says which and why" {
  cd "$PROJECTS/huginn"
  run --separate-stderr "$HOSTALIAS" -v web postgres search
  assert_status 0
  assert_eq "$(grep -v '^hostalias:' <<<"$output")" "postgres $(ha_ip huginn_postgres_1 huginn_backend).traefik.me
search $(ha_ip huginn_elasticsearch_1 huginn_es).traefik.me"
  assert_contains "$stderr" "web: Compose service of project huginn (the working directory $PROJECTS/huginn); container huginn_web_1"
  # A subdirectory of the project is in the project too.
  mkdir -p "$PROJECTS/huginn/app/src"
  cd "$PROJECTS/huginn/app/src"
  run --separate-stderr "$HOSTALIAS" web postgres
  assert_status 0
  assert_eq "$output" "postgres $(ha_ip huginn_postgres_1 huginn_backend).traefik.me"
}

@test "from elsewhere: several projects have web, exit 3 listing them; --project and COMPOSE_PROJECT_NAME choose" {
  cd /
  run --separate-stderr "$HOSTALIAS" web postgres
  assert_status 3
  assert_contains "$stderr" "web is a Compose service in several projects"
  assert_contains "$stderr" "huginn/web (huginn_web_1)"
  assert_contains "$stderr" "other/web (other_web_1)"
  assert_contains "$stderr" "--project"
  assert_eq "$output" ""

  run --separate-stderr "$HOSTALIAS" --project huginn web postgres
  assert_status 0
  assert_eq "$output" "postgres $(ha_ip huginn_postgres_1 huginn_backend).traefik.me"
  COMPOSE_PROJECT_NAME=other run --separate-stderr "$HOSTALIAS" web postgres
  assert_status 0
  assert_eq "$output" "postgres $(ha_ip other_postgres_1 other_default).traefik.me"
  # --project wins over the environment, as docker-compose's -p does.
  COMPOSE_PROJECT_NAME=other run --separate-stderr "$HOSTALIAS" -P huginn web postgres
  assert_eq "$output" "postgres $(ha_ip huginn_postgres_1 huginn_backend).traefik.me"
  # A project without that service, and an exact container name as before.
  run --separate-stderr "$HOSTALIAS" -P nosuch web postgres
  assert_status 3
  assert_contains "$stderr" "project nosuch (from --project) has no running service web"
  run --separate-stderr "$HOSTALIAS" huginn_web_1 postgres
  assert_status 0
  run --separate-stderr "$HOSTALIAS" nosuchthing postgres
  assert_status 3
  assert_contains "$stderr" "no such container, Swarm service or Compose service: nosuchthing"
}

@test "--list-targets lists Compose services beside container names" {
  run --separate-stderr "$HOSTALIAS" --list-targets
  assert_status 0
  local t
  for t in huginn_web_1 other_web_1 huginn_worker_2 web postgres elasticsearch worker; do
    grep -qx "$t" <<<"$output" || { echo "missing $t in: $output" >&2; return 1; }
  done
  [ "$(grep -cx web <<<"$output")" = 1 ]
}

@test "--list-projects lists the running projects, sorted, each once; a hostile label is not printed" {
  # An image's labels are its author's: a project name that is a command,
  # one that is an option, a stack name with a newline.
  docker run -d --name hostile-project --label 'com.docker.compose.project=x;$(touch /tmp/pwned)' \
    --label com.docker.stack.namespace=$'evil\nhuginn' "$HA_IMAGE" sleep 1000000 >/dev/null
  docker run -d --name hostile-option --label com.docker.compose.project=--all \
    "$HA_IMAGE" sleep 1000000 >/dev/null
  run --separate-stderr "$HOSTALIAS" --list-projects
  docker rm -f hostile-project hostile-option >/dev/null
  assert_status 0
  assert_eq "$output" "huginn
other"
  assert_eq "$stderr" ""
  # What -P then takes.
  run --separate-stderr "$HOSTALIAS" -P "$(tail -n 1 <<<"$output")" web postgres
  assert_status 0
  assert_eq "$output" "postgres $(ha_ip other_postgres_1 other_default).traefik.me"
}

@test "--all: every name on the target's networks, each answered as inside the container" {
  cd "$PROJECTS/huginn"
  run --separate-stderr "$HOSTALIAS" --all web </dev/null
  assert_status 0
  local names
  names=$(cut -d' ' -f1 <<<"$output" | sort | tr '\n' ' ')
  assert_eq "$names" "elasticsearch huginn_elasticsearch_1 huginn_postgres_1 huginn_web_1 huginn_worker_1 huginn_worker_2 postgres search web worker "
  # No container ID or short ID (Docker's own aliases), no other project.
  if grep -Eq '^[0-9a-f]{12,64} ' <<<"$output" || grep -q '^other_' <<<"$output"; then
    echo "unexpected names: $output" >&2
    return 1
  fi
  local name addr
  while read -r name addr; do
    assert_eq "$addr" "$(inside "$name").traefik.me"
  done <<<"$output"
  # Names given are merged with the discovered ones.
  run --separate-stderr "$HOSTALIAS" --all web extra-name </dev/null
  assert_status 1
  assert_contains "$stderr" "extra-name: no such name"
}

@test "no names and a terminal on stdin: --all, said on stderr; /dev/null stays an empty list" {
  cd "$PROJECTS/huginn"
  run script -qec "$HOSTALIAS web" /dev/null
  assert_contains "$output" "(as --all does)"
  assert_contains "$output" "postgres $(ha_ip huginn_postgres_1 huginn_backend).traefik.me"
  run --separate-stderr "$HOSTALIAS" web </dev/null
  assert_status 2
  assert_contains "$stderr" "no names to resolve"
}

@test "stop postgres: its -o line is dropped, the reason given; back after a start" {
  cd "$PROJECTS/huginn"
  local f="$BATS_TEST_TMPDIR/web.alias"
  run --separate-stderr "$HOSTALIAS" -o "$f" web postgres search
  assert_status 0
  grep -q '^postgres ' "$f"
  docker-compose stop postgres >/dev/null 2>&1
  run --separate-stderr "$HOSTALIAS" -o "$f" web postgres search
  assert_status 1
  assert_contains "$stderr" "postgres: no such name; its previous line in $f is dropped"
  assert_eq "$(cat "$f")" "search $(ha_ip huginn_elasticsearch_1 huginn_es).traefik.me"
  docker-compose start postgres >/dev/null 2>&1
  run --separate-stderr "$HOSTALIAS" -o "$f" web postgres search
  assert_status 0
  assert_eq "$(head -n 1 "$f")" "postgres $(ha_ip huginn_postgres_1 huginn_backend).traefik.me"
}

@test "a scaled service scaled down: --all -o loses the gone replica's line" {
  cd "$PROJECTS/huginn"
  local f="$BATS_TEST_TMPDIR/all.alias"
  run --separate-stderr "$HOSTALIAS" --all -o "$f" web </dev/null
  assert_status 0
  grep -q '^huginn_worker_2 ' "$f"
  docker-compose up -d --scale worker=1 >/dev/null 2>&1
  run --separate-stderr "$HOSTALIAS" --all -o "$f" web </dev/null
  assert_status 0
  if grep -q '^huginn_worker_2 ' "$f"; then
    echo "huginn_worker_2 still in: $(cat "$f")" >&2
    return 1
  fi
  assert_contains "$(cat "$f")" "worker $(ha_ip huginn_worker_1 huginn_backend).traefik.me"
}

@test "down, then up with another subnet: -o follows the new addresses" {
  cd "$PROJECTS/huginn"
  local f="$BATS_TEST_TMPDIR/move.alias"
  run --separate-stderr "$HOSTALIAS" -o "$f" web postgres
  assert_status 0
  assert_contains "$(cat "$f")" "postgres 172.30.1."
  docker-compose down >/dev/null 2>&1
  BACKEND_SUBNET=172.30.2.0/24 docker-compose up -d >/dev/null 2>&1
  run --separate-stderr "$HOSTALIAS" -o "$f" web postgres
  assert_status 0
  assert_eq "$(cat "$f")" "postgres $(ha_ip huginn_postgres_1 huginn_backend).traefik.me"
  assert_contains "$(cat "$f")" "postgres 172.30.2."
}

@test "a container with the service's labels but no valid replica number ranks after replica 1" {
  # Any image (or docker run --label) can carry a project's labels. One
  # without com.docker.compose.container-number, and one with junk there,
  # named to sort first, must not win over the real replica 1.
  local l=(--label com.docker.compose.project=huginn --label com.docker.compose.service=worker)
  ha_run aaa_fake_worker --network huginn_backend "${l[@]}"
  ha_run aab_fake_worker --network huginn_backend "${l[@]}" \
    --label com.docker.compose.container-number=x1
  run --separate-stderr "$HOSTALIAS" -v -P huginn worker postgres
  docker rm -f aaa_fake_worker aab_fake_worker >/dev/null
  assert_status 0
  assert_contains "$stderr" "container huginn_worker_1, replica 1 of 4"
  # Alone, it is still found, and -v says it has no number.
  ha_run aaa_fake_lone --network huginn_backend --label com.docker.compose.project=huginn \
    --label com.docker.compose.service=lone
  run --separate-stderr "$HOSTALIAS" -v -P huginn lone postgres
  docker rm -f aaa_fake_lone >/dev/null
  assert_status 0
  assert_contains "$stderr" "container aaa_fake_lone, replica without a number of 1"
}
