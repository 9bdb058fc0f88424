#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# --watch against the private engine: FILE follows containers recreated
# with new addresses, new aliases, names that vanish, the target restarted,
# the engine stopped and started again; signals; a burst of events.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/dockerd
load lib/fakes

setup_file() {
  ha_engine_ready || return 0
  docker network create --subnet 10.70.0.0/24 wnet >/dev/null
  ha_run wweb --network wnet --restart always
}

setup() {
  ha_skip_if_unready
  F="$BATS_TEST_TMPDIR/w.alias"
  LOG="$BATS_TEST_TMPDIR/watch.log"
  WATCH=""
}

teardown() {
  [ -z "$WATCH" ] || { kill "$WATCH" 2>/dev/null; wait "$WATCH" 2>/dev/null || true; }
  docker ps -a --format '{{.Names}}' | grep -vx wweb | xargs -r docker rm -f >/dev/null 2>&1 || true
}

teardown_file() {
  ha_engine_stop
}

# watch ARGS...: hostalias --watch in the background; $WATCH is its pid.
# Returns once the first pass has written FILE.
watch() {
  "$HOSTALIAS" -v --watch -o "$F" "$@" 2>"$LOG" &
  WATCH=$!
  wait_for "the first pass" test -s "$F"
}

# wait_for WHAT COMMAND...: COMMAND succeeds within 15 s, else fail.
wait_for() {
  local what=$1
  shift
  for _ in $(seq 1 150); do
    "$@" && return 0
    sleep 0.1
  done
  printf 'timed out waiting for %s\nFILE:\n%s\nlog:\n%s\n' "$what" "$(cat "$F" 2>/dev/null)" \
    "$(grep -v timing "$LOG")" >&2
  return 1
}

has_line() { grep -qx "$1" "$F"; }
passes() { grep -c 'watch: pass' "$LOG"; }

@test "a container recreated with a new address: FILE follows, and says what changed" {
  docker run -d --name wpg --network wnet --ip 10.70.0.50 --network-alias pg "$HA_IMAGE" \
    sleep 1000000 >/dev/null
  watch wweb pg </dev/null
  has_line "pg 10.70.0.50.traefik.me"
  docker rm -f wpg >/dev/null
  docker run -d --name wpg --network wnet --ip 10.70.0.60 --network-alias pg "$HA_IMAGE" \
    sleep 1000000 >/dev/null
  wait_for "pg at its new address" has_line "pg 10.70.0.60.traefik.me"
  # One line (the move) when both events fall into one pass; else the
  # removal and the return.
  wait_for "the change line" grep -qE "w.alias: pg 10.70.0.50 -> 10.70.0.60|w.alias: .*pg added \(10.70.0.60\)" "$LOG"
}

@test "a container started reaches FILE at once: a pass on its start event, not after a quiet window" {
  watch --all wweb </dev/null
  local t0 t times=()
  for i in 1 2 3 4 5; do
    sleep 0.7 # a quiet moment before each change
    docker run -d --name "wlat$i" --network wnet "$HA_IMAGE" sleep 1000000 >/dev/null
    t0=$(ms)
    wait_for "wlat$i in FILE" grep -q "^wlat$i " "$F"
    times+=($(( $(ms) - t0 )))
  done
  t=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
  ha_log "from docker run returning to FILE replaced: ${times[*]} ms (median $t)"
  # The quiet window was 500 ms before every pass. (Under valgrind or a
  # sanitizer a pass itself takes longer: the bound is the plain build's.)
  [ -n "${HOSTALIAS_NO_RSS:-}" ] || [ "$t" -lt 250 ] || { echo "median $t ms" >&2; return 1; }
}

@test "--all: a new alias appears in FILE; a stopped container's name vanishes" {
  docker run -d --name wa --network wnet --ip 10.70.0.70 "$HA_IMAGE" sleep 1000000 >/dev/null
  watch --all wweb </dev/null
  has_line "wa 10.70.0.70.traefik.me"
  docker run -d --name wb --network wnet --ip 10.70.0.71 --network-alias newsvc "$HA_IMAGE" \
    sleep 1000000 >/dev/null
  wait_for "the new alias" has_line "newsvc 10.70.0.71.traefik.me"
  docker stop -t 0 wa >/dev/null
  wait_for "wa to vanish" bash -c "! grep -q '^wa ' '$F'"
}

@test "names given: a stopped container's line is dropped (no such name), the reason said" {
  docker run -d --name wc --network wnet --ip 10.70.0.80 "$HA_IMAGE" sleep 1000000 >/dev/null
  watch wweb wc wweb </dev/null
  has_line "wc 10.70.0.80.traefik.me"
  docker stop -t 0 wc >/dev/null
  wait_for "wc to go" bash -c "! grep -q '^wc ' '$F'"
  grep -q "wc: no such name; its previous line in $F is dropped" "$LOG"
}

@test "the target itself restarted: found again, FILE still follows" {
  docker run -d --name wd --network wnet --ip 10.70.0.90 --network-alias dsvc "$HA_IMAGE" \
    sleep 1000000 >/dev/null
  watch wweb dsvc </dev/null
  local pid_before
  pid_before=$(ha_pid wweb)
  docker restart -t 0 wweb >/dev/null
  [ "$(ha_pid wweb)" != "$pid_before" ]
  docker rm -f wd >/dev/null
  docker run -d --name wd --network wnet --ip 10.70.0.91 --network-alias dsvc "$HA_IMAGE" \
    sleep 1000000 >/dev/null
  wait_for "dsvc at its new address" has_line "dsvc 10.70.0.91.traefik.me"
  kill -0 "$WATCH"
}

@test "the engine stopped and started again: the watch goes on, says so once each way" {
  docker run -d --name we --network wnet --ip 10.70.0.100 --restart always --network-alias esvc \
    "$HA_IMAGE" sleep 1000000 >/dev/null
  watch wweb esvc </dev/null
  has_line "esvc 10.70.0.100.traefik.me"
  ha_dockerd_stop
  sleep 2
  kill -0 "$WATCH"
  ha_dockerd
  wait_for "the stream back" grep -q "event stream at .* is back" "$LOG"
  [ "$(grep -c 'event stream at .* is lost' "$LOG")" = 1 ]
  [ "$(grep -c 'event stream at .* is back' "$LOG")" = 1 ]
  # It follows events again.
  docker rm -f we >/dev/null
  docker run -d --name we --network wnet --ip 10.70.0.101 --network-alias esvc "$HA_IMAGE" \
    sleep 1000000 >/dev/null
  wait_for "esvc at its new address" has_line "esvc 10.70.0.101.traefik.me"
}

@test "SIGTERM and SIGINT: exit 0 at once, FILE complete, no temporary file" {
  watch --all wweb </dev/null
  local t0 rc=0
  t0=$(ms)
  kill -TERM "$WATCH"
  wait "$WATCH" || rc=$?
  WATCH=""
  assert_eq "$rc" 0
  [ $(( $(ms) - t0 )) -lt 2000 ]
  well_formed "$F" alias
  assert_eq "$(find "$BATS_TEST_TMPDIR" -name '.w.alias.*' | wc -l)" 0
  # SIGINT, to a watch started as a shell starts a background job: with
  # SIGINT ignored (it would never reach signalfd if left so).
  rm -f "$F"
  bash -c 'trap "" INT; exec "$0" "$@"' "$HOSTALIAS" -v --watch -o "$F" --all wweb \
    </dev/null 2>"$LOG" &
  WATCH=$!
  wait_for "the first pass" test -s "$F"
  t0=$(ms)
  kill -INT "$WATCH"
  rc=0
  for _ in $(seq 1 50); do kill -0 "$WATCH" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$WATCH" 2>/dev/null && { echo "SIGINT did not end it" >&2; kill -9 "$WATCH"; }
  wait "$WATCH" || rc=$?
  WATCH=""
  assert_eq "$rc" 0
  [ $(( $(ms) - t0 )) -lt 2000 ]
}

@test "a burst of 20 container starts causes a handful of passes, not 20" {
  watch --all wweb </dev/null
  local before
  before=$(passes)
  seq 1 20 | xargs -P 20 -I{} docker run -d --name "wburst{}" --network wnet "$HA_IMAGE" \
    sleep 1000000 >/dev/null
  wait_for "all 20 in FILE" bash -c "[ \$(grep -c '^wburst' '$F') = 20 ]"
  sleep 1
  local n=$(( $(passes) - before ))
  ha_log "$n passes for 20 container starts"
  [ "$n" -ge 1 ] && [ "$n" -le 6 ] || { echo "$n passes" >&2; return 1; }
}

@test "idle means idle: no system call while nothing happens (--interval 0)" {
  [ -z "${HOSTALIAS_VALGRIND:-}" ] || skip "valgrind's own threads make system calls"
  command -v strace >/dev/null || ha_skip "needs strace"
  watch --interval 0 wweb wweb </dev/null
  sleep 0.5
  timeout 3 strace -qq -f -p "$WATCH" -o "$BATS_TEST_TMPDIR/strace" || true
  # Attaching interrupts the one poll it sleeps in (strace shows it resumed,
  # which proves it attached); nothing else happens.
  grep -qE 'restart_syscall|poll\(' "$BATS_TEST_TMPDIR/strace" ||
    { echo "strace saw nothing: $(cat "$BATS_TEST_TMPDIR/strace")" >&2; return 1; }
  local calls
  calls=$(grep -vcE 'restart_syscall|poll\(|resumed|\+\+\+|---' "$BATS_TEST_TMPDIR/strace" || true)
  [ "$calls" = 0 ] || { cat "$BATS_TEST_TMPDIR/strace" >&2; return 1; }
}

@test "usage: --watch needs -o and a CONTAINER; --interval needs --watch" {
  run --separate-stderr "$HOSTALIAS" --watch wweb a
  assert_status 2
  assert_contains "$stderr" "--watch keeps a file up to date: it needs -o FILE"
  run --separate-stderr "$HOSTALIAS" --watch -o "$F" --pid 1 a
  assert_status 2
  run --separate-stderr "$HOSTALIAS" --interval 5 wweb a
  assert_status 2
  assert_contains "$stderr" "--interval goes with --watch"
}
