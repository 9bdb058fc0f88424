#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sudo hostalias through Debian's sudo with its stock settings (env_reset,
# use_pty, secure_path; HOME becomes /root; no env_keep), with a rule that
# allows the built binary and nothing else; a second user's rule keeps
# DOCKER_CONFIG (env_keep), a third user runs an engine of their own.
# Issue 27, sections 2 and 3:
# - the Docker configuration under sudo is the invoking user's, never
#   root's HOME, with a root-only /root/.docker or without one;
# - a socket the user names is connected to with the user's rights (the
#   server sees the user's uid), and its server must be root (a system
#   engine) or the user, whose own engine leads only into namespaces the
#   user owns; any other server is refused;
# - /etc/hostalias/sudo.conf may forbid --pid and --netns under sudo.
#
# Each case runs in a private mount namespace (in_sys) where the test's
# engine is the system's socket (/var/run/docker.sock, /run being a tmpfs),
# /root is a tmpfs (with a root-only .docker when asked) and /etc an overlay
# (with /etc/hostalias/sudo.conf when asked): nothing of the host's /root,
# /run or /etc changes.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/fakes

SS=hostalias-ss-u # stock rule
SSUID=4260
SO=hostalias-ss-o # a third user, with an engine of their own
SOUID=4261
SK=hostalias-ss-k # a rule that keeps DOCKER_CONFIG
SKUID=4262
SUDOERS=/etc/sudoers.d/hostalias-e2e-stock-sudo
HA_BIN=${HOSTALIAS_REAL:-$HOSTALIAS}
PG_LINE="postgres 10.0.0.138.traefik.me" # evil_dns.py's answer for postgres

remove_users() { test_users_remove "$SUDOERS" "$SS" "$SO" "$SK"; }

setup_file() {
  [ "$(id -u)" = 0 ] || return 0
  command -v sudo >/dev/null && command -v useradd >/dev/null || return 0
  export HOMES
  HOMES=$(mktemp -d /tmp/hostalias-ss.XXXXXX)
  chmod 755 "$HOMES"
  remove_users # (a run that was cut short may have left them behind)
  test_user_add "$HOMES" "$SS" "$SSUID"
  test_user_add "$HOMES" "$SO" "$SOUID"
  test_user_add "$HOMES" "$SK" "$SKUID"
  # Debian's /etc/sudoers as shipped, and these rules alone.
  sudoers_install "$SUDOERS" <<EOF
$SS ALL=(root) NOPASSWD: $HA_BIN
Defaults:$SK env_keep += "DOCKER_CONFIG"
$SK ALL=(root) NOPASSWD: $HA_BIN
EOF
}

teardown_file() {
  [ "$(id -u)" = 0 ] || return 0
  remove_users
  [ -n "${HOMES:-}" ] && rm -rf "$HOMES"
  return 0
}

setup() {
  ha_need_root sudo visudo useradd userdel runuser unshare nsenter python3 ip busybox pkill sha256sum
  [ -e "$SUDOERS" ] || ha_skip "the test's sudoers rule could not be installed"
  grep -Eq '^Defaults[[:space:]]+env_reset' /etc/sudoers ||
    ha_skip "/etc/sudoers is not Debian's stock one (no env_reset)"
  local u
  for u in "$SS" "$SO" "$SK"; do rm -rf "${HOMES:?}/$u/.docker" "$HOMES/$u"/engine.sock*; done
  W=$(mktemp -d /tmp/hostalias-ss-w.XXXXXX)
  chmod 755 "$W"
  mkdir "$W/ov"
  export W SYS_SOCK="" ROOT_DOCKER="" POLICY="" POLICY_MODE=644 NETNS_PID=""
  PIDS=()
}

teardown() {
  local p
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  fake_container_stop
  engine_fake_stop
  cgroup_release_all
  local u
  for u in "$SSUID" "$SOUID" "$SKUID"; do pkill -9 -u "$u" 2>/dev/null || true; done
  rm -rf "$W"
}

# in_sys CMD...: CMD in a private mount namespace where $SYS_SOCK (when set)
# is the system engine's socket, /root is empty but for a root-only .docker
# whose context points elsewhere (when $ROOT_DOCKER is set), /etc has
# hostalias/sudo.conf holding $POLICY, mode $POLICY_MODE (when $POLICY is
# set), and $W/netns is process $NETNS_PID's network namespace (when set).
in_sys() {
  unshare -m --propagation private bash -c '
    set -e
    mount -t tmpfs -o mode=755 hostalias-test-run /run
    if [ -n "$SYS_SOCK" ]; then
      : >/run/docker.sock
      mount --bind "$SYS_SOCK" /run/docker.sock
    fi
    mount -t tmpfs -o mode=700 hostalias-test-root /root
    if [ -n "$ROOT_DOCKER" ]; then
      d=/root/.docker/contexts/meta/$(printf elsewhere | sha256sum | cut -d" " -f1)
      mkdir -p -m 700 /root/.docker "$d"
      printf "{\"currentContext\":\"elsewhere\"}" >/root/.docker/config.json
      printf "{\"Name\":\"elsewhere\",\"Endpoints\":{\"docker\":{\"Host\":\"unix:///nonexistent/elsewhere.sock\"}}}" >"$d/meta.json"
      chmod -R go-rwx /root/.docker
    fi
    if [ -n "$POLICY" ]; then
      mount -t tmpfs hostalias-test-etc "$W/ov"
      mkdir "$W/ov/up" "$W/ov/work"
      mount -t overlay overlay -o "lowerdir=/etc,upperdir=$W/ov/up,workdir=$W/ov/work" /etc
      mkdir -p -m 755 /etc/hostalias
      printf "%s\n" "$POLICY" >/etc/hostalias/sudo.conf
      chmod "$POLICY_MODE" /etc/hostalias/sudo.conf
    fi
    if [ -n "$NETNS_PID" ]; then
      : >"$W/netns"
      mount --bind "/proc/$NETNS_PID/ns/net" "$W/netns"
    fi
    exec "$@"' in_sys "$@"
}

# USER's shell, as `runuser -u USER` gives it (their HOME, USER, LOGNAME),
# then sudo hostalias with Debian's stock settings.
sudo_as() {
  local u=$1
  shift
  in_sys runuser -u "$u" -- sudo -n "$HA_BIN" "$@"
}
ss_sudo() { sudo_as "$SS" "$@"; }

# A container made by root (its namespaces root's, as Docker's), whose
# resolv.conf names the DNS server that answers inside it; a fake Engine API
# root serves on $W/engine.sock calls it "web", and is the system engine
# (SYS_SOCK) unless the test says otherwise.
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
  # In a cgroup named by its ID, as a runtime puts a container.
  cgroup_claim "$FAKE_PID" "$(printf 'a%.0s' $(seq 64))"
  SYS_SOCK="$W/engine.sock"
}

inspect_json() { # NAME PID
  printf '{"Id":"%s","Name":"/%s","State":{"Running":true,"Pid":%s,"Status":"running"},"Config":{"Labels":{}},"NetworkSettings":{"Networks":{}}}' \
    "$(printf 'a%.0s' $(seq 64))" "$1" "$2"
}

# user_engine USER SOCKET NAME PID: a fake Engine API that USER runs on
# SOCKET (anyone may connect), calling PID the container NAME; the uid of
# each client (SO_PEERCRED) is appended to SOCKET.peers.
user_engine() {
  rm -f "$2" "$2.peers"
  runuser -u "$1" -- python3 "$BATS_TEST_DIRNAME/lib/fake_engine.py" "$2" --peers "$2.peers" \
    "/containers/$3/json" "$(inspect_json "$3" "$4")" 3>&- &
  PIDS+=($!)
  for _ in $(seq 1 100); do [ -S "$2" ] && return 0; sleep 0.05; done
  return 1
}

@test "stock sudo: sudo hostalias web postgres asks the system engine; HOME=/root is not read" {
  web_container
  run --separate-stderr ss_sudo web postgres
  assert_status 0
  assert_eq "$output" "$PG_LINE"
  # sudo did set HOME=/root (stock env_reset): the user's own ~/.docker was
  # looked for, not root's.
  run --separate-stderr in_sys runuser -u "$SS" -- sudo -n "$HA_BIN" -v web postgres
  assert_status 0
  assert_contains "$stderr" "/var/run/docker.sock"
}

@test "stock sudo with a root-only /root/.docker whose context points elsewhere: still the user's configuration" {
  web_container
  ROOT_DOCKER=1
  # The set-up is what the issue saw: root's own docker would go elsewhere.
  run --separate-stderr in_sys sh -c 'stat -c "%a %U" /root/.docker; cat /root/.docker/config.json'
  assert_eq "$output" '700 root
{"currentContext":"elsewhere"}'
  run --separate-stderr ss_sudo web postgres
  assert_status 0
  assert_eq "$output" "$PG_LINE"
  [[ "$stderr" != */root/.docker* ]]
  # Root itself (no sudo) still reads root's configuration, as docker does.
  run --separate-stderr in_sys "$HA_BIN" web postgres
  [ "$status" -ne 0 ]
  assert_contains "$stderr" "/nonexistent/elsewhere.sock"
}

@test "the user's own ~/.docker/config.json context is honoured, with the user's rights" {
  web_container
  ROOT_DOCKER=1
  local home="$HOMES/$SS" d
  # A context of the user's naming a root-served engine that knows "ctxweb".
  engine_serve "$W/ctx.sock" /containers/ctxweb/json "$(inspect_json ctxweb "$FAKE_PID")"
  d="$home/.docker/contexts/meta/$(printf mine | sha256sum | cut -d' ' -f1)"
  runuser -u "$SS" -- mkdir -p "$d"
  runuser -u "$SS" -- sh -c "printf '{\"currentContext\":\"mine\"}' >'$home/.docker/config.json'"
  runuser -u "$SS" -- sh -c "printf '{\"Name\":\"mine\",\"Endpoints\":{\"docker\":{\"Host\":\"unix://$W/ctx.sock\"}}}' >'$d/meta.json'"
  run --separate-stderr ss_sudo ctxweb postgres
  assert_status 0
  assert_eq "$output" "$PG_LINE"
  # The system engine does not know ctxweb: the context was used.
  run --separate-stderr in_sys "$HA_BIN" -H unix:///run/docker.sock ctxweb postgres
  assert_status 3
  # The context's socket in a directory the user may not enter: refused,
  # though root could reach it.
  mkdir -m 700 "$W/private"
  engine_serve "$W/private/ctx.sock" /containers/ctxweb/json "$(inspect_json ctxweb "$FAKE_PID")"
  runuser -u "$SS" -- sh -c "printf '{\"Name\":\"mine\",\"Endpoints\":{\"docker\":{\"Host\":\"unix://$W/private/ctx.sock\"}}}' >'$d/meta.json'"
  run --separate-stderr ss_sudo ctxweb postgres
  assert_status 2
  assert_contains "$stderr" "cannot open it as uid $SSUID"
  [ -z "$output" ]
  # A config.json the user cannot read (theirs by name, root's by mode):
  # read with the user's rights, so refused rather than read by root.
  chown root: "$home/.docker/config.json"
  chmod 600 "$home/.docker/config.json"
  run --separate-stderr ss_sudo web postgres
  assert_status 2
  assert_contains "$stderr" "$home/.docker/config.json: cannot open"
}

@test "DOCKER_CONFIG: used when sudo keeps it (env_keep), dropped by the stock rule" {
  web_container
  ROOT_DOCKER=1
  local cfg="$W/kcfg" d
  engine_serve "$W/ctx.sock" /containers/ctxweb/json "$(inspect_json ctxweb "$FAKE_PID")"
  d="$cfg/contexts/meta/$(printf kept | sha256sum | cut -d' ' -f1)"
  mkdir -p "$d"
  printf '{"currentContext":"kept"}' >"$cfg/config.json"
  printf '{"Name":"kept","Endpoints":{"docker":{"Host":"unix://%s"}}}' "$W/ctx.sock" >"$d/meta.json"
  chown -R "$SK:" "$cfg"
  run --separate-stderr in_sys runuser -u "$SK" -- env DOCKER_CONFIG="$cfg" sudo -n "$HA_BIN" ctxweb postgres
  assert_status 0
  assert_eq "$output" "$PG_LINE"
  # The stock rule drops it: the user's ~/.docker (none) and the system
  # engine, which has no ctxweb, but has web.
  chmod -R a+rX "$cfg"
  run --separate-stderr in_sys runuser -u "$SS" -- env DOCKER_CONFIG="$cfg" sudo -n "$HA_BIN" ctxweb postgres
  assert_status 3
  run --separate-stderr in_sys runuser -u "$SS" -- env DOCKER_CONFIG="$cfg" sudo -n "$HA_BIN" web postgres
  assert_status 0
  assert_eq "$output" "$PG_LINE"
}

@test "the user's own engine: connected to as the user, and it cannot lead root into a namespace the user does not own" {
  web_container
  local sock="$HOMES/$SS/engine.sock"
  # The user's engine names root's container (a namespace the user cannot
  # enter): before issue 27, root entered it for them.
  user_engine "$SS" "$sock" mine "$FAKE_PID"
  run --separate-stderr ss_sudo -H "unix://$sock" mine postgres
  assert_status 3
  assert_contains "$stderr" "$sock: served by uid $SSUID"
  assert_contains "$stderr" "names pid $FAKE_PID, whose network namespace that user does not own; refused"
  [ -z "$output" ]
  # The server saw the user, never root.
  [ -s "$sock.peers" ]
  assert_eq "$(sort -u "$sock.peers")" "$SSUID"
  # Through DOCKER_HOST kept by sudo's env_keep? Not stock: the -H above is
  # the way. The system engine naming the same container works.
  run --separate-stderr ss_sudo -H unix:///run/docker.sock web postgres
  assert_status 0
  assert_eq "$output" "$PG_LINE"
}

@test "the user's own engine naming the user's own namespace: vouched for, then refused under sudo as any user namespace (the owner runs hostalias without sudo)" {
  local sock="$HOMES/$SS/engine.sock" inner
  runuser -u "$SS" -- unshare --user --map-root-user --net sleep 1000 3>&- &
  PIDS+=($!)
  for _ in $(seq 1 100); do
    inner=$(pgrep -u "$SSUID" -x sleep || true)
    [ -n "$inner" ] && break
    sleep 0.05
  done
  [ -n "$inner" ]
  user_engine "$SS" "$sock" mine "$inner"
  run --separate-stderr ss_sudo -H "unix://$sock" -s 127.0.0.1 mine postgres
  assert_status 3
  [[ "$stderr" != *"does not own"* ]]
  assert_contains "$stderr" "owned by uid $SSUID"
}

@test "an engine a third user serves is refused, naming the socket and its uid" {
  web_container
  local sock="$HOMES/$SO/engine.sock"
  user_engine "$SO" "$sock" web "$FAKE_PID"
  run --separate-stderr ss_sudo -H "unix://$sock" web postgres
  assert_status 2
  assert_contains "$stderr" "$sock: served by uid $SOUID, neither root (a system engine) nor uid $SSUID"
  [ -z "$output" ]
  assert_eq "$(sort -u "$sock.peers")" "$SSUID"
  # Root without sudo acts for nobody: it may still ask it.
  run --separate-stderr in_sys "$HA_BIN" -H "unix://$sock" web postgres
  assert_status 0
  assert_eq "$output" "$PG_LINE"
}

@test "/etc/hostalias/sudo.conf: allow-pid = no forbids --pid under sudo; --netns stays; root alone is not restricted" {
  web_container
  NETNS_PID=$FAKE_PID
  POLICY='# the administrator says
allow-pid = no'
  run --separate-stderr ss_sudo --pid "$FAKE_PID" postgres
  assert_status 2
  assert_contains "$stderr" "--pid is not allowed under sudo on this host (allow-pid = no in /etc/hostalias/sudo.conf)"
  [ -z "$output" ]
  run --separate-stderr ss_sudo --netns "$W/netns" -s 127.0.0.1 postgres
  assert_status 0
  assert_eq "$output" "$PG_LINE"
  run --separate-stderr ss_sudo web postgres
  assert_status 0
  run --separate-stderr in_sys "$HA_BIN" --pid "$FAKE_PID" postgres
  assert_status 0
  assert_eq "$output" "$PG_LINE"
  # allow-netns = no.
  POLICY='allow-netns = no'
  run --separate-stderr ss_sudo --netns "$W/netns" -s 127.0.0.1 postgres
  assert_status 2
  assert_contains "$stderr" "--netns is not allowed under sudo"
  run --separate-stderr ss_sudo --pid "$FAKE_PID" postgres
  assert_status 0
  # A file others may write is not trusted: refused (it fails closed).
  POLICY='allow-pid = yes'
  POLICY_MODE=666
  run --separate-stderr ss_sudo --pid "$FAKE_PID" postgres
  assert_status 2
  assert_contains "$stderr" "not trusted"
  # Without the file: today's default, allowed; the host's /etc unchanged.
  POLICY=""
  run --separate-stderr ss_sudo --pid "$FAKE_PID" postgres
  assert_status 0
  [ ! -e /etc/hostalias/sudo.conf ] || [ "$(stat -c %Y /etc/hostalias/sudo.conf)" -lt "$(stat -c %Y "$W")" ]
}

# ss_sudo_ends SECONDS ARGS...: ss_sudo ARGS in the background, which must
# end within SECONDS (a --serve that was not refused would serve on);
# $status, $W/out and $W/err as it left them.
ss_sudo_ends() {
  local limit=$1 p
  shift
  ss_sudo "$@" >"$W/out" 2>"$W/err" &
  p=$!
  for _ in $(seq 1 $((limit * 10))); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$p" 2>/dev/null; then
    pkill -KILL -f -- "$HA_BIN --serve" || true
    wait "$p" || true
    echo "sudo hostalias $* did not end" >&2
    return 1
  fi
  status=0
  wait "$p" || status=$?
}

@test "sudo.conf and the bridge: --resolved under sudo only where allow-resolved = yes; allow-serve = no forbids --serve" {
  web_container
  local port
  port=$(ha_free_port)
  # No file: --resolved is refused (it changes every user's resolution);
  # nothing was started: no link, nothing on the port.
  POLICY=""
  ss_sudo_ends 10 --serve --resolved --listen "127.0.0.1:$port"
  assert_eq "$status" 2
  assert_contains "$(cat "$W/err")" "--resolved is not allowed under sudo on this host unless the administrator allows it (allow-resolved = yes in /etc/hostalias/sudo.conf)"
  run ip -o link show
  [[ "$output" != *hostalias* ]] || { echo "a hostalias link was made: $output" >&2; return 1; }
  run ss -Hlnu "sport = :$port"
  assert_eq "$output" ""
  # A file that says nothing of it: still refused.
  POLICY='allow-pid = yes'
  ss_sudo_ends 10 --serve --resolved --listen "127.0.0.1:$port"
  assert_eq "$status" 2
  assert_contains "$(cat "$W/err")" "allow-resolved = yes in /etc/hostalias/sudo.conf"
  # allow-serve = no: --serve itself refused, naming the line.
  POLICY='allow-serve = no'
  ss_sudo_ends 10 --serve --listen "127.0.0.1:$port"
  assert_eq "$status" 2
  assert_contains "$(cat "$W/err")" "--serve is not allowed under sudo on this host (allow-serve = no in /etc/hostalias/sudo.conf)"
}
