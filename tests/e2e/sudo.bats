#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The privilege boundary, through a real sudo (Debian's package): a user
# this test makes, whose sudoers rule allows the built hostalias and
# nothing else, with DOCKER_CONFIG kept (env_keep), tries each of issue
# 18's seven ways to get more than the target's network. A second user is
# the bystander whose files must stay theirs. Every case here gained the
# user something on hostalias before issue 18; normal use is checked the
# same way beside it.
#
# The rule names the plain binary: under the valgrind setup it is the real
# binary (sudo would strip what the valgrind wrapper needs), so these cases
# are memchecked by the other suites' runs of the same code paths.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/fakes

SU=hostalias-sudo-u
SUID=4250
OU=hostalias-sudo-o
OUID=4251
SUDOERS=/etc/sudoers.d/hostalias-e2e-test
HA_BIN=${HOSTALIAS_REAL:-$HOSTALIAS}

remove_users() { test_users_remove "$SUDOERS" "$SU" "$OU"; }

setup_file() {
  [ "$(id -u)" = 0 ] || return 0
  command -v sudo >/dev/null && command -v useradd >/dev/null || return 0
  export HOMES
  HOMES=$(mktemp -d /tmp/hostalias-sudo.XXXXXX)
  chmod 755 "$HOMES"
  remove_users # (a run that was cut short may have left them behind)
  test_user_add "$HOMES" "$SU" "$SUID"
  test_user_add "$HOMES" "$OU" "$OUID"
  sudoers_install "$SUDOERS" <<EOF
Defaults:$SU env_keep += "DOCKER_CONFIG"
Defaults:$SU !lecture
$SU ALL=(root) NOPASSWD: $HA_BIN
EOF
}

teardown_file() {
  [ "$(id -u)" = 0 ] || return 0
  remove_users
  [ -n "${HOMES:-}" ] && rm -rf "$HOMES"
  return 0
}

setup() {
  ha_need_root sudo visudo useradd userdel runuser unshare nsenter python3 ip busybox pkill
  [ -e "$SUDOERS" ] || ha_skip "the test's sudoers rule could not be installed"
  SUHOME="$HOMES/$SU"
  W=$(mktemp -d /tmp/hostalias-sudo-w.XXXXXX)
  chmod 755 "$W"
  NS="ha-sudo$$-${BATS_TEST_NUMBER}"
  ns_start "$NS"
  PIDS=()
}

teardown() {
  local p
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  fake_container_stop
  engine_fake_stop
  cgroup_release_all
  dns_stop
  ns_stop "$NS"
  pkill -9 -u "$SUID" 2>/dev/null || true
  rm -rf "$W"
}

# The user's own shell: runuser keeps the environment but for HOME, SHELL,
# USER and LOGNAME, which are the user's.
as_su() { runuser -u "$SU" -- "$@"; }
# sudo hostalias, as the user.
sudo_ha() { as_su sudo -n "$HA_BIN" "$@"; }

# A container made by root (its namespaces owned by root, as Docker's),
# with its resolv.conf naming the DNS server that answers inside it, and a
# fake Engine API on a socket anyone may use that calls it "web".
web_container() {
  fake_root "$W/root"
  printf 'nameserver 127.0.0.1\n' >"$W/root/etc/resolv.conf"
  printf '127.0.0.1 localhost\n' >"$W/root/etc/hosts"
  fake_container "$W/root"
  nsenter --net="/proc/$FAKE_PID/ns/net" python3 "$BATS_TEST_DIRNAME/lib/evil_dns.py" \
    --mode normal --addr 127.0.0.1 --ready "$W/dns.ready" 3>&- &
  PIDS+=($!)
  for _ in $(seq 1 100); do [ -e "$W/dns.ready" ] && break; sleep 0.05; done
  engine_serve "$W/engine.sock" /containers/web/json "$(inspect_json web "$FAKE_PID")"
  cgroup_claim "$FAKE_PID" "$(printf 'a%.0s' $(seq 64))"
  WEB=(-H "unix://$W/engine.sock" web)
}

inspect_json() { # NAME PID
  printf '{"Id":"%s","Name":"/%s","State":{"Running":true,"Pid":%s,"Status":"running"},"Config":{"Labels":{}},"NetworkSettings":{"Networks":{}}}' \
    "$(printf 'a%.0s' $(seq 64))" "$1" "$2"
}

@test "7. normal use through sudo: COMMAND as the user, with their HOME, USER and LOGNAME; -o ~/web.alias is theirs" {
  web_container
  run --separate-stderr sudo_ha "${WEB[@]}" -- sh -c 'id -u; id -g; echo "$HOME $USER $LOGNAME"; grep -E "^Cap(Prm|Eff)" /proc/self/status'
  assert_status 0
  assert_eq "$output" "$SUID
$SUID
$SUHOME $SU $SU
CapPrm:	0000000000000000
CapEff:	0000000000000000"
  # The command resolves as inside the container, and the names work.
  run --separate-stderr sudo_ha "${WEB[@]}" -- getent hosts a
  assert_status 0
  assert_eq "$(awk '{print $1, $2}' <<<"$output")" "10.0.0.98 a"
  run --separate-stderr sudo_ha -o "$SUHOME/web.alias" "${WEB[@]}" a b
  assert_status 0
  assert_eq "$(cat "$SUHOME/web.alias")" "a 10.0.0.98.traefik.me
b 10.0.0.99.traefik.me"
  assert_eq "$(stat -c %u:%g "$SUHOME/web.alias")" "$SUID:$SUID"
  # --user naming the user themselves is no escalation.
  run --separate-stderr sudo_ha --user "$SU" "${WEB[@]}" -- id -u
  assert_status 0
  assert_eq "$output" "$SUID"
}

@test "1. --user under sudo: root, uid 0 and another user are refused before anything runs" {
  web_container
  local who
  for who in root 0 "$OU" "$OUID"; do
    run --separate-stderr sudo_ha --user "$who" "${WEB[@]}" -- touch "$W/ran-$who"
    assert_status 2
    assert_contains "$stderr" "--user $who: under sudo, COMMAND runs as the user who ran sudo (uid $SUID)"
    [ ! -e "$W/ran-$who" ]
  done
  # Root without sudo still chooses freely.
  run --separate-stderr "$HA_BIN" --user "$OU" "${WEB[@]}" -- id -u
  assert_eq "$output" "$OUID"
}

@test "2. a namespace the user made (bind mounts of /etc/shadow and another user's file): refused under sudo" {
  printf 'the bystander secret\n' >"$HOMES/$OU/secret"
  chown "$OU:" "$HOMES/$OU/secret"
  chmod 600 "$HOMES/$OU/secret"
  chmod 711 "$HOMES/$OU"
  chmod 777 "$W"
  as_su unshare -Urmn sh -c "mount --bind /etc/shadow /etc/hosts &&
    mount --bind '$HOMES/$OU/secret' /etc/resolv.conf && touch '$W/ready-ns' && exec sleep 600" \
    3>&- &
  PIDS+=($!)
  for _ in $(seq 1 100); do [ -e "$W/ready-ns" ] && break; sleep 0.05; done
  [ -e "$W/ready-ns" ]
  # (runuser waits for unshare, which became sh, then sleep.)
  local inner
  inner=$(pgrep -u "$SUID" -x sleep)
  [ "$(readlink "/proc/$inner/ns/user")" != "$(readlink /proc/self/ns/user)" ]
  run --separate-stderr sudo_ha --pid "$inner" -- cat /etc/hosts /etc/resolv.conf
  assert_status 3
  assert_contains "$stderr" "belongs to a user namespace owned by uid $SUID"
  assert_contains "$stderr" "Its owner runs hostalias without sudo"
  [[ "$output" != *root:* ]] && [[ "$output" != *bystander* ]]
  # Names only: refused the same way, nothing read.
  run --separate-stderr sudo_ha --pid "$inner" -s 127.0.0.1 a
  assert_status 3
  assert_contains "$stderr" "owned by uid $SUID"
  # The same process reached through an engine socket the user runs.
  engine_serve "$W/engine.sock" /containers/mine/json "$(inspect_json mine "$inner")"
  run --separate-stderr sudo_ha -H "unix://$W/engine.sock" mine -- cat /etc/hosts
  assert_status 3
  assert_contains "$stderr" "owned by uid $SUID"
  [[ "$output" != *root:* ]]
  # A user namespace root made (userns-remap, podman --userns=auto) stays a
  # target.
  printf 'nameserver 127.0.0.1\n' >"$W/resolv.conf"
  unshare --user --map-root-user --net --mount sh -c "mount --bind '$W/resolv.conf' /etc/resolv.conf &&
    ip link set lo up && exec python3 '$BATS_TEST_DIRNAME/lib/evil_dns.py' --mode normal \
    --addr 127.0.0.1 --ready '$W/remap.ready'" 3>&- &
  PIDS+=($!)
  for _ in $(seq 1 100); do [ -e "$W/remap.ready" ] && break; sleep 0.05; done
  run --separate-stderr sudo_ha --pid "${PIDS[-1]}" a
  assert_status 0
  assert_eq "$output" "a 10.0.0.98.traefik.me"
}

@test "3. COMMAND runs with NoNewPrivs: a setuid program in it gains nothing" {
  web_container
  run --separate-stderr sudo_ha "${WEB[@]}" -- grep NoNewPrivs /proc/self/status
  assert_status 0
  assert_eq "$output" "NoNewPrivs:	1"
  # sudo inside, with the very rule that let hostalias run: refused.
  run --separate-stderr sudo_ha "${WEB[@]}" -- sudo -n "$HA_BIN" -V
  [ "$status" -ne 0 ]
  [[ "$output" != hostalias* ]]
  # Root without sudo gets it too: the files are still a container's.
  run --separate-stderr "$HA_BIN" "${WEB[@]}" -- grep NoNewPrivs /proc/self/status
  assert_eq "$output" "NoNewPrivs:	1"
}

@test "4. -o in a sticky world-writable directory: only the user's own file is replaced" {
  dns_start "$NS" normal
  mkdir -m 1777 "$W/sticky"
  echo 'keep 10.9.9.9.traefik.me' >"$W/sticky/root.alias"
  echo 'keep 10.9.9.8.traefik.me' >"$W/sticky/other.alias"
  chown "$OU:" "$W/sticky/other.alias"
  run --separate-stderr sudo_ha --netns "/run/netns/$NS" -s 127.0.0.1 -o "$W/sticky/root.alias" a
  assert_status 5
  assert_contains "$stderr" "in a sticky directory, and owned by uid 0, not by uid $SUID"
  # (A third user's file was refused before: not a trusted owner.)
  run --separate-stderr sudo_ha --netns "/run/netns/$NS" -s 127.0.0.1 -o "$W/sticky/other.alias" a
  assert_status 5
  assert_eq "$(cat "$W/sticky/root.alias")" "keep 10.9.9.9.traefik.me"
  assert_eq "$(cat "$W/sticky/other.alias")" "keep 10.9.9.8.traefik.me"
  assert_eq "$(find "$W/sticky" -mindepth 1 -printf "%f\n" | sort | tr '\n' ' ')" "other.alias root.alias "
  # The user's own file there, and a new one: theirs to write.
  as_su sh -c "echo 'keep 10.9.9.7.traefik.me' >'$W/sticky/mine.alias'"
  run --separate-stderr sudo_ha --netns "/run/netns/$NS" -s 127.0.0.1 -o "$W/sticky/mine.alias" a
  assert_status 0
  assert_eq "$(cat "$W/sticky/mine.alias")" "a 10.0.0.98.traefik.me"
  run --separate-stderr sudo_ha --netns "/run/netns/$NS" -s 127.0.0.1 -o "$W/sticky/new.alias" a
  assert_status 0
  assert_eq "$(stat -c %u "$W/sticky/new.alias")" "$SUID"
}

@test "6. the Docker config the user names is read with the user's rights; its values are not echoed" {
  mkdir -m 700 "$W/rootonly"
  printf '{"currentContext":"hunter2-from-root-only"}' >"$W/rootonly/config.json"
  chmod 600 "$W/rootonly/config.json"
  mkdir "$W/cfg"
  chown "$SU" "$W/cfg"
  as_su ln -s "$W/rootonly/config.json" "$W/cfg/config.json"
  DOCKER_CONFIG="$W/cfg" run --separate-stderr sudo_ha web a
  assert_status 2
  assert_contains "$stderr" "$W/cfg/config.json: cannot open"
  [[ "$stderr" != *hunter2* ]]
  # A config the user may read: its endpoint value is not echoed either.
  as_su sh -c "rm '$W/cfg/config.json' && printf '{\"currentContext\":\"ctx-name-secret\"}' >'$W/cfg/config.json'"
  local d
  d="$W/cfg/contexts/meta/$(printf %s ctx-name-secret | sha256sum | cut -d' ' -f1)"
  as_su mkdir -p "$d"
  as_su sh -c "printf '{\"Endpoints\":{\"docker\":{\"Host\":\"tcp://endpoint-secret:2376\"}}}' >'$d/meta.json'"
  DOCKER_CONFIG="$W/cfg" run --separate-stderr sudo_ha web a
  assert_status 2
  assert_contains "$stderr" "not a unix socket"
  [[ "$stderr" != *endpoint-secret* ]] && [[ "$stderr" != *ctx-name-secret* ]]
}

@test "a socket the user names (-H) must be one they could connect to; the system engine's are not asked for" {
  mkdir -m 700 "$W/rootonly"
  engine_list "$W/rootonly/engine.sock" from-root-only-socket
  run --separate-stderr sudo_ha -H "unix://$W/rootonly/engine.sock" --list-targets
  assert_status 2
  assert_contains "$stderr" "cannot open it as uid $SUID"
  [[ "$output" != *from-root-only* ]]
  # A socket in a directory the user may enter, but root's alone.
  engine_list "$W/engine.sock" from-root-socket
  chmod 600 "$W/engine.sock"
  run --separate-stderr sudo_ha -H "unix://$W/engine.sock" --list-targets
  assert_status 2
  assert_contains "$stderr" "could not connect to it"
  [[ "$output" != *from-root-socket* ]]
  # Root without sudo, and the user's own reachable socket, still work.
  run --separate-stderr "$HA_BIN" -H "unix://$W/engine.sock" --list-targets
  assert_eq "$output" "from-root-socket"
  chmod 666 "$W/engine.sock"
  run --separate-stderr sudo_ha -H "unix://$W/engine.sock" --list-targets
  assert_status 0
  assert_eq "$output" "from-root-socket"
}
