#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# shellcheck disable=SC2317,SC2001 # functions run through check(); sed prefixes lines
# hostalias-watch@.service and hostalias-serve.socket under a real systemd,
# from the Debian package; each killed (kill -9: the watch, the bridge's
# privileged half, its front) is restarted by systemd and works again:
#
#   tests/package/unit-under-systemd.sh hostalias_VERSION_ARCH.deb
#
# PID 1 here is not systemd, so the test boots one: systemd-nspawn --boot
# (Debian's systemd-container) on an overlay of this machine's own root, so
# the OS inside is exactly the host's packages (systemd 252, docker.io,
# docker-compose) with nothing downloaded, and the .deb installed into the
# overlay with dpkg --root. nspawn rather than an engine container with
# systemd as init: the unit's sandboxing (ProtectSystem, PrivateNetwork,
# SystemCallFilter, CapabilityBoundingSet) is applied by the systemd that
# boots, and an engine container would need a systemd image made for it.
# The set-up is tests/package/nspawn-lib.sh's, shared with
# resolved-under-systemd.sh.
#
# Two things of the test's own container, not of the unit: nspawn mounts the
# cgroup v1 hierarchies read-only and filters the keyring system calls, and
# dockerd inside needs both (a drop-in for docker.service binds writable
# hierarchies over; --system-call-filter=@keyring). Unneeded services of the
# host's OS are masked. One line per check, "ok" or "FAILED"; the exit
# status is the number of failures.
set -uo pipefail
deb=$(realpath "$1")
test_name="unit under systemd"
# shellcheck source=tests/package/nspawn-lib.sh
. "$(dirname "$0")/nspawn-lib.sh"
nspawn_prepare "$deb"
nspawn_boot
pg=$(addr web_postgres_1)

# start_of PID: when the container's process PID started (/proc/PID/stat's
# field 22), or nothing: a PID used again is another process.
start_of() { in_c cat "/proc/$1/stat" 2>/dev/null | sed 's/^.*) //' | cut -d' ' -f20; }
# gone PID START...: none of the processes (PID, its start) is left, not
# even as a zombie.
gone() {
  while [ $# -ge 2 ]; do
    [ "$(start_of "$1")" != "$2" ] || { echo "  $1 is still there: $(in_c ps -o pid,stat,args -p "$1" | tail -n 1)"; return 1; }
    shift 2
  done
}
# restarted UNIT N OLD: within 15 s, systemd has restarted UNIT N times and
# it is active under a main PID other than OLD; prints how long it took.
restarted() {
  local t0 m
  t0=$(date +%s%3N)
  while [ $(($(date +%s%3N) - t0)) -lt 15000 ]; do
    if [ "$(in_c systemctl show -p NRestarts --value "$1")" = "$2" ] && in_c systemctl is-active --quiet "$1"; then
      m=$(in_c systemctl show -p MainPID --value "$1")
      [ "$m" != 0 ] && [ "$m" != "$3" ] && { waited=$(($(date +%s%3N) - t0)); return 0; }
    fi
    sleep 0.1
  done
  return 1
}
# kill_restarted UNIT PID WHAT: kill -9 of PID (the unit's WHAT); systemd
# restarts the unit (Restart=on-failure, RestartSec=5s). Sets main and
# main_start to the old main process, for gone.
kill_restarted() {
  local n
  main=$(in_c systemctl show -p MainPID --value "$1")
  main_start=$(start_of "$main")
  n=$(($(in_c systemctl show -p NRestarts --value "$1") + 1))
  in_c kill -9 "$2"
  waited=""
  check "kill -9 of $1's $3 ($2): systemd restarts it (NRestarts $n, a new main PID)" restarted "$1" "$n" "$main"
  say "  (active again ${waited:-never} ms after the kill; RestartSec=5s)"
}

# wait_line LINE MS: FILE has LINE within MS milliseconds; prints the time.
wait_line() {
  local t0
  t0=$(date +%s%3N)
  while [ $(($(date +%s%3N) - t0)) -lt "$2" ]; do
    if in_c grep -qx "$1" /run/hostalias/web.alias 2>/dev/null; then
      waited=$(($(date +%s%3N) - t0))
      return 0
    fi
    sleep 0.01
  done
  return 1
}

in_c systemctl enable --now hostalias-watch@web.service >/dev/null 2>&1
check "systemctl enable --now hostalias-watch@web.service: the unit is active" \
  in_c systemctl is-active --quiet hostalias-watch@web.service
check "/run/hostalias/web.alias appears with postgres's line ($pg)" \
  wait_line "postgres $pg.traefik.me" 5000
in_c cat /run/hostalias/web.alias 2>/dev/null | sed 's/^/  /'

# Recreated at another address: a squatter takes postgres's old one.
in_c sh -c 'cd /root/web && docker-compose rm -sf postgres' >/dev/null 2>&1
in_c docker run -d --network web_default --name squat hostalias-test/busybox:1 sleep 1000000 >/dev/null
in_c sh -c 'cd /root/web && docker-compose up -d postgres' >/dev/null 2>&1
pg2=$(addr web_postgres_1)
waited=""
check "postgres recreated at $pg2: the file has it within a second of compose returning" \
  wait_line "postgres $pg2.traefik.me" 1000
say "  (${waited:-not seen} ms)"

in_c systemctl restart docker
check "systemctl restart docker: the unit is still active, not restarted" \
  sh -c "[ \"\$(nsenter -t $leader -a systemctl show -p NRestarts --value hostalias-watch@web)\" = 0 ] &&
    nsenter -t $leader -a systemctl is-active --quiet hostalias-watch@web"
in_c sh -c 'cd /root/web && docker-compose up -d' >/dev/null 2>&1
pg3=$(addr web_postgres_1)
check "after the restart, the file follows the engine again (postgres $pg3)" \
  wait_line "postgres $pg3.traefik.me" 5000

in_c systemctl stop hostalias-watch@web.service
check "systemctl stop: a clean exit (Result=success, status 0)" \
  test "$(in_c systemctl show -p Result,ExecMainStatus --value hostalias-watch@web | tr '\n' ' ')" = "success 0 "
journal=$(in_c journalctl -u hostalias-watch@web -b --no-pager -o cat 2>/dev/null | grep '/run/hostalias/web.alias: ')
echo "$journal" | sed 's/^/  journal: /'
in_c journalctl -u hostalias-watch@web -b --no-pager -o cat 2>/dev/null | grep -v '/run/hostalias/web.alias: ' |
  sed 's/^/  journal, other: /'
# One line per change: the file's creation, postgres's removal and return at
# another address (one line or two, as the events fall into passes), and
# what the restart changed. No line repeats the one before it: a pass that
# changed nothing says nothing.
changes=$(grep -c . <<<"$journal")
check "journalctl -u: one line per change ($changes), the first naming postgres at $pg" \
  bash -c 'head -n 1 <<<"$0" | grep -q "postgres added ($1" && [ "$2" -ge 2 ] && [ "$2" -le 8 ] &&
    [ -z "$(uniq -d <<<"$0")" ]' "$journal" "$pg" "$changes"
check "journalctl -u: a line shows postgres at its new address $pg2" grep -q "postgres.*$pg2" <<<"$journal"

# The watch killed: restarted by systemd, and the new instance follows the
# engine (a container started is in the file).
in_c systemctl start hostalias-watch@web.service
main=$(in_c systemctl show -p MainPID --value hostalias-watch@web.service)
kill_restarted hostalias-watch@web.service "$main" "main process"
check "the old watch ($main) is gone" gone "$main" "$main_start"
in_c docker run -d --network web_default --name late hostalias-test/busybox:1 sleep 1000000 >/dev/null
late=$(addr late)
check "the new watch adds a container started after it (late, $late)" wait_line "late $late.traefik.me" 5000
in_c systemctl stop hostalias-watch@web.service

# The DNS bridge: the socket enabled, the service started by the first query.
in_c systemctl enable --now hostalias-serve.socket >/dev/null 2>&1
check "systemctl enable --now hostalias-serve.socket: listening, the service not yet started" \
  sh -c "nsenter -t $leader -a systemctl is-active --quiet hostalias-serve.socket &&
    ! nsenter -t $leader -a systemctl is-active --quiet hostalias-serve.service"
answer=$(in_c dig +short +time=3 +tries=2 @127.0.0.153 postgres.web.hostalias.internal 2>&1)
check "dig @127.0.0.153 postgres.web.hostalias.internal: postgres ($pg3; got ${answer:-nothing})" \
  test "$answer" = "$pg3"
answer=$(in_c dig +tcp +short +time=3 +tries=1 @127.0.0.153 web.web.hostalias.internal 2>&1)
check "over TCP, web.web.hostalias.internal: web ($(addr web_web_1); got ${answer:-nothing})" \
  test "$answer" = "$(addr web_web_1)"
check "the query started hostalias-serve.service" in_c systemctl is-active --quiet hostalias-serve.service
# Besides systemd (PID 1, which keeps the socket unit's), only the front
# (its uid 65534) holds the sockets; the service's main process (root) not.
main=$(in_c systemctl show -p MainPID --value hostalias-serve.service)
holders=$(in_c ss -Hlnup 'sport = :53' | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u | grep -vx 1 | tr '\n' ' ')
holders=${holders% }
check "the sockets held by systemd and the front alone (pid ${holders:-none}, main $main)" \
  sh -c "[ -n \"$holders\" ] && [ \"$holders\" != \"$main\" ] &&
    [ \"\$(nsenter -t $leader -a stat -c %u /proc/$holders)\" = 65534 ]"
# Killed, the bridge is restarted by systemd, answers again, and nothing of
# the old instance is left: first its privileged half (the main process; the
# front ends with it), then the front alone (the privileged half then exits
# non-zero). No query meanwhile: the socket must not be what starts it.
for what in "privileged half" front; do
  main=$(in_c systemctl show -p MainPID --value hostalias-serve.service)
  front=$(in_c pgrep -P "$main" | head -n 1)
  front_start=$(start_of "$front")
  victim=$main
  [ "$what" = front ] && victim=$front
  kill_restarted hostalias-serve.service "$victim" "$what"
  answer=$(in_c dig +short +time=3 +tries=1 @127.0.0.153 postgres.web.hostalias.internal 2>&1)
  check "the new instance answers postgres.web.hostalias.internal ($pg3; got ${answer:-nothing})" \
    test "$answer" = "$pg3"
  check "the old privileged half ($main) and front (${front:-none}) are gone" \
    gone "$main" "$main_start" "${front:-none}" "$front_start"
done

in_c systemctl stop hostalias-serve.service hostalias-serve.socket
check "systemctl stop hostalias-serve: a clean exit (Result=success, status 0)" \
  test "$(in_c systemctl show -p Result,ExecMainStatus --value hostalias-serve | tr '\n' ' ')" = "success 0 "
in_c journalctl -u hostalias-serve -b --no-pager -o cat 2>/dev/null | sed 's/^/  journal, serve: /'
exit "$failed"
