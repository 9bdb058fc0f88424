# SPDX-License-Identifier: MIT
# For the --serve tests (serve.bats, serve_activation.bats,
# serve_resolver.bats): a Compose project to ask about (a free port is
# lib/common.bash's ha_free_port).

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
