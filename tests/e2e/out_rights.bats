#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# -o FILE through a real sudo (Debian's package, its stock settings), issue
# 27 section 4: the path is walked, and its directory judged, with the
# invoking user's rights (ACLs included); a refusal says nothing of what
# lies past a directory they cannot search; a FILE they may not read is
# replaced whole but never read: none of its names reach --watch's change
# notices. A user this test makes has a sudoers rule for the built
# hostalias alone; a second user is the bystander whose home is closed.
#
# The private engine (lib/dockerd) is the target: its socket is opened to
# the user (who connects to it with their own rights under sudo), and -H
# names it, since sudo resets DOCKER_HOST.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/dockerd

SU=hostalias-or-u
SUID=4280
OU=hostalias-or-o
OUID=4281
SUDOERS=/etc/sudoers.d/hostalias-e2e-out-rights
HA_BIN=${HOSTALIAS_REAL:-$HOSTALIAS}

remove_users() { test_users_remove "$SUDOERS" "$SU" "$OU"; }

setup_file() {
  [ "$(id -u)" = 0 ] || return 0
  command -v sudo >/dev/null && command -v useradd >/dev/null && command -v runuser >/dev/null ||
    return 0
  export HOMES
  HOMES=$(mktemp -d /tmp/hostalias-or.XXXXXX)
  chmod 755 "$HOMES"
  remove_users # (a run that was cut short may have left them behind)
  test_user_add "$HOMES" "$SU" "$SUID"
  test_user_add "$HOMES" "$OU" "$OUID"
  chmod 755 "$HOMES/$SU"
  chmod 700 "$HOMES/$OU"
  sudoers_install "$SUDOERS" <<EOF
Defaults:$SU !lecture
$SU ALL=(root) NOPASSWD: $HA_BIN
EOF
  ha_engine_ready || return 0
  # The engine's socket, for the user to connect to with their own rights.
  chmod 711 "$HA_STATE"
  chmod 666 "$HA_STATE/docker.sock"
  docker network create --subnet 10.72.0.0/24 ornet >/dev/null
  ha_run orweb --network ornet --ip 10.72.0.10
}

teardown_file() {
  [ "$(id -u)" = 0 ] || return 0
  ha_engine_stop
  remove_users
  [ -n "${HOMES:-}" ] && rm -rf "$HOMES"
  return 0
}

setup() {
  ha_need_root sudo visudo useradd userdel runuser pgrep pkill
  ha_skip_if_unready
  [ -e "$SUDOERS" ] || ha_skip "the test's sudoers rule could not be installed"
  SUHOME="$HOMES/$SU"
  OUHOME="$HOMES/$OU"
  W=$(mktemp -d /tmp/hostalias-or-w.XXXXXX)
  chmod 755 "$W"
  WATCH=""
}

teardown() {
  [ -z "$WATCH" ] || { kill "$WATCH" 2>/dev/null; wait "$WATCH" 2>/dev/null || true; }
  local p
  for p in $(pgrep -u 0 -f "^$HA_BIN -v --watch -o $W/" || true); do kill -9 "$p" 2>/dev/null || true; done
  pkill -9 -u "$SUID" 2>/dev/null || true
  rm -rf "$W" "$OUHOME/pub" "$SUHOME"/*.alias
}

# sudo hostalias, as the user (runuser gives the user's HOME, SHELL, USER,
# LOGNAME; sudo then resets the environment as it always does).
sudo_ha() { runuser -u "$SU" -- sudo -n "$HA_BIN" "$@"; }
ENGINE=()
engine() { ENGINE=(-H "$DOCKER_HOST" orweb orweb); }

@test "normal use: -o in the user's own directory is written, and theirs" {
  engine
  run --separate-stderr sudo_ha -o "$SUHOME/web.alias" "${ENGINE[@]}"
  assert_status 0
  assert_eq "$(cat "$SUHOME/web.alias")" "orweb 10.72.0.10.traefik.me"
  assert_eq "$(stat -c %u:%g "$SUHOME/web.alias")" "$SUID:$SUID"
  # Run again: the same lines, the file left as it is.
  local ino
  ino=$(stat -c %i "$SUHOME/web.alias")
  run --separate-stderr sudo_ha -o "$SUHOME/web.alias" "${ENGINE[@]}"
  assert_status 0
  assert_eq "$(stat -c %i "$SUHOME/web.alias")" "$ino"
}

@test "a 0777 directory inside another user's 0700 home: refused under sudo, nothing created" {
  engine
  mkdir -m 777 "$OUHOME/pub"
  run --separate-stderr sudo_ha -o "$OUHOME/pub/x.alias" "${ENGINE[@]}"
  assert_status 5
  assert_contains "$stderr" "$OUHOME/pub/x.alias: cannot write there: permission denied to uid $SUID"
  assert_eq "$(find "$OUHOME/pub" -mindepth 1 | wc -l)" 0
  # Root without sudo: as before, root may write there.
  run --separate-stderr "$HA_BIN" -o "$OUHOME/pub/x.alias" "${ENGINE[@]}"
  assert_status 0
  [ -s "$OUHOME/pub/x.alias" ]
}

@test "a 0777 directory whose ACL denies the user: refused under sudo, nothing created" {
  ha_need setfacl
  mkdir -m 777 "$W/acl"
  setfacl -m "u:$SU:r-x" "$W/acl" || ha_skip "this filesystem takes no ACLs"
  engine
  run --separate-stderr sudo_ha -o "$W/acl/x.alias" "${ENGINE[@]}"
  assert_status 5
  assert_contains "$stderr" "$W/acl/x.alias: cannot write there: permission denied to uid $SUID"
  assert_eq "$(find "$W/acl" -mindepth 1 | wc -l)" 0
  # The same directory without that entry: the user's to write.
  setfacl -b "$W/acl"
  run --separate-stderr sudo_ha -o "$W/acl/x.alias" "${ENGINE[@]}"
  assert_status 0
  assert_eq "$(stat -c %u "$W/acl/x.alias")" "$SUID"
}

# refusal PATH: the messages of sudo hostalias -o PATH, PATH shown as "P".
refusal() {
  run --separate-stderr sudo_ha -o "$1" "${ENGINE[@]}"
  assert_status 5
  printf '%s\n' "${stderr//"$1"/P}"
}

@test "past a directory the user cannot search, the refusal is the same whatever is there" {
  engine
  mkdir -m 700 "$W/closed"
  touch "$W/closed/file"
  mkdir "$W/closed/dir"
  local none file dir
  none=$(refusal "$W/closed/nope/x")
  file=$(refusal "$W/closed/file/x")
  dir=$(refusal "$W/closed/dir/x")
  assert_contains "$none" "P: cannot write there: permission denied to uid $SUID"
  assert_eq "$file" "$none"
  assert_eq "$dir" "$none"
  [[ "$file" != *"not a directory"* ]]
  # Root's home, as the issue found it: /root/.bashrc/x said "/root/.bashrc
  # is not a directory".
  if [ -e /root/.bashrc ] && [ "$(stat -c %a /root)" = 700 ]; then
    file=$(refusal /root/.bashrc/x)
    none=$(refusal /root/hostalias-nope/x)
    assert_eq "$file" "$none"
    [[ "$file" != *"not a directory"* ]] && [[ "$file" != *bashrc* ]]
  fi
}

# watch_ha FILE: sudo hostalias -v --watch -o FILE in the background, its
# messages in $LOG; returns once the first pass has written FILE, then stops
# it with SIGTERM.
watch_ha() {
  LOG="$W/watch.log"
  runuser -u "$SU" -- sudo -n "$HA_BIN" -v --watch -o "$1" "${ENGINE[@]}" </dev/null \
    >"$LOG" 2>&1 &
  WATCH=$!
  for _ in $(seq 1 150); do
    grep -q '^orweb ' "$1" 2>/dev/null && break
    sleep 0.1
  done
  grep -q '^orweb ' "$1" || { cat "$LOG" >&2; return 1; }
  local p
  for p in $(pgrep -u 0 -f "^$HA_BIN -v --watch -o $1" || true); do kill -TERM "$p"; done
  wait "$WATCH" || true
  WATCH=""
}

@test "a root-only 0600 FILE in the user's directory: replaced, but none of its names shown" {
  engine
  chown "$SU:" "$W"
  # First, a FILE the user may read: its old names are in the change notice.
  echo 'oldname 10.9.9.9.traefik.me' >"$W/mine.alias"
  chown "$SU:" "$W/mine.alias"
  watch_ha "$W/mine.alias"
  assert_contains "$(cat "$LOG")" "oldname removed"
  # Root's own, 0600: replaced (the user could rename over it themselves),
  # owner and mode kept, and nothing of its content told.
  echo 'secretname 10.9.9.8.traefik.me' >"$W/root.alias"
  chmod 600 "$W/root.alias"
  watch_ha "$W/root.alias"
  assert_eq "$(cat "$W/root.alias")" "orweb 10.72.0.10.traefik.me"
  assert_eq "$(stat -c %u:%a "$W/root.alias")" "0:600"
  if grep -E 'secretname|10\.9\.9\.8' "$LOG"; then
    echo "the root-only FILE's names were shown" >&2
    return 1
  fi
  assert_contains "$(cat "$LOG")" "uid $SUID may not read it"
}
