# SPDX-License-Identifier: MIT
# For the --serve tests (serve.bats, serve_activation.bats,
# serve_resolver.bats): a free port, and a Compose project to ask about.

# A port nobody listens on, UDP or TCP.
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 30000))
    ss -Hlnu "sport = :$p" | grep -q . || ss -Hlnt "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
  return 1
}

# project NAME SUBNET: a Compose project with a web and a postgres (alias
# pg.db.example) on one network, backend, of SUBNET.
project() {
  local name=$1 subnet=$2
  local dir="$HA_STATE/projects/$name"
  mkdir -p "$dir"
  cat >"$dir/docker-compose.yml" <<YAML
version: "2.4"
services:
  web:
    image: hostalias-test/busybox:1
    command: sleep 1000000
    networks: [backend]
  postgres:
    image: hostalias-test/busybox:1
    command: sleep 1000000
    networks:
      backend:
        aliases: [pg.db.example]
networks:
  backend:
    ipam:
      config:
        - subnet: $subnet
YAML
  (cd "$dir" && docker-compose up -d) >/dev/null 2>&1
}
