#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Attacks on `hostalias -o FILE` by another local user, and on what the
# resolver child holds, each reproduced for real: the attacker is an
# unprivileged uid (4242; 4343 is a bystander) acting through setpriv, in
# directories this test made. Every test here failed against hostalias
# before these were fixed (issue 9).

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/fakes

ATT=4242
OTHER=4343

setup() {
  ha_need_root ip nsenter unshare python3 busybox setpriv strace
  NS="ha-s$$-${BATS_TEST_NUMBER}"
  HA_ARGS=(--netns "/run/netns/$NS" --server 127.0.0.1)
  ns_start "$NS"
  W=$(mktemp -d /tmp/hostalias-sec.XXXXXX)
  chmod 755 "$W"
}

teardown() {
  fake_container_stop
  dns_stop
  ns_stop "$NS"
  local m
  for m in "$W/root/proc" "$W/root/sys"; do
    mountpoint -q "$m" 2>/dev/null && umount -l "$m"
  done
  rm -rf "$W"
}

# hostalias against the test's DNS server; run in the background, $! is
# hostalias itself. evil_dns.py answers NAME with 10.0.0.(byte sum % 250 + 1):
# a is 10.0.0.98, b 10.0.0.99.
HA_ARGS=(--netns "/run/netns/$NS" --server 127.0.0.1)
ha() { "$HOSTALIAS" "${HA_ARGS[@]}" "$@"; }
as_att() { setpriv --reuid="$ATT" --regid="$ATT" --clear-groups -- "$@"; }
# The first of process $1's children running as nobody (the resolver).
resolver_child() {
  local c
  for c in $(pgrep -P "$1" || true); do
    grep -q "^Uid:.*65534" "/proc/$c/status" 2>/dev/null && { echo "$c"; return 0; }
  done
  return 1
}

@test "-o through a directory symlink another user planted: refused; root's own symlinks followed" {
  dns_start "$NS" normal
  mkdir -m 700 "$W/rootonly"
  echo 'keep 10.9.9.9.traefik.me' >"$W/rootonly/web.alias"
  mkdir "$W/shared"
  chown "$ATT" "$W/shared"
  as_att ln -s "$W/rootonly" "$W/shared/sub"
  run --separate-stderr ha -o "$W/shared/sub/web.alias" a
  assert_status 5
  assert_contains "$stderr" "$W/shared/sub is a symlink owned by uid $ATT"
  assert_eq "$(cat "$W/rootonly/web.alias")" "keep 10.9.9.9.traefik.me"
  assert_eq "$(ls -A "$W/rootonly")" "web.alias"

  # The same with the planted link deeper in the path, and an absolute one.
  as_att mkdir "$W/shared/x"
  as_att ln -s "$W" "$W/shared/x/up"
  run --separate-stderr ha -o "$W/shared/x/up/rootonly/web.alias" a
  assert_status 5
  assert_eq "$(cat "$W/rootonly/web.alias")" "keep 10.9.9.9.traefik.me"

  # A symlink root owns (as /var/run -> /run) is no threat: followed.
  mkdir "$W/real"
  ln -s "$W/real" "$W/rootlink"
  run --separate-stderr ha -o "$W/rootlink/web.alias" a
  assert_status 0
  assert_eq "$(cat "$W/real/web.alias")" "a 10.0.0.98.traefik.me"
}

@test "the directory exchanged (RENAME_EXCHANGE) during a slow read of a 150 MB FILE: nothing lands elsewhere" {
  dns_start "$NS" slow
  # The invoking user (through sudo) owns the project directory and FILE,
  # and tries to make root write into a root-only directory.
  mkdir -m 700 "$W/rootonly"
  mkdir "$W/att"
  chown "$ATT:$ATT" "$W/att"
  as_att mkdir "$W/att/d"
  as_att sh -c "head -c 150000000 /dev/zero | tr '\\0' x >'$W/att/d/web.alias'"
  as_att ln -s "$W/rootonly" "$W/att/l"
  SUDO_UID=$ATT SUDO_GID=$ATT "$HOSTALIAS" "${HA_ARGS[@]}" --timeout 5 --tries 1 \
    -o "$W/att/d/web.alias" a 2>"$W/err" &
  local h=$! seen="" l
  # Exchange while hostalias has FILE open (reading it) or is resolving.
  for _ in $(seq 1 400); do
    for l in "/proc/$h/fd"/*; do
      [ "$(readlink "$l" 2>/dev/null)" = "$W/att/d/web.alias" ] && { seen=1; break 2; }
    done
    sleep 0.005
  done
  as_att /usr/bin/python3 -c '
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
if libc.renameat2(AT_FDCWD, sys.argv[1].encode(), AT_FDCWD, sys.argv[2].encode(), RENAME_EXCHANGE):
    sys.exit("renameat2: errno %d" % ctypes.get_errno())
' "$W/att/d" "$W/att/l"
  # The race was run: hostalias was still at work after the exchange.
  kill -0 "$h"
  [ -n "$seen" ] || ha_log "FILE was already read when the exchange happened"
  local rc=0
  wait "$h" || rc=$?
  # Nothing was created in the root-only directory, by any name.
  assert_eq "$(ls -A "$W/rootonly")" ""
  # The run either replaced FILE where it was (now reached as att/l) or
  # refused; it never wrote through the new att/d.
  [ "$rc" -eq 0 ] || [ "$rc" -eq 5 ] || { cat "$W/err" >&2; return 1; }
  if [ "$rc" -eq 0 ]; then
    assert_eq "$(cat "$W/att/l/web.alias")" "a 10.0.0.98.traefik.me"
    assert_eq "$(stat -c %u "$W/att/l/web.alias")" "$ATT"
  fi
}

@test "a FILE another user prepared in a sticky world-writable directory: refused, none of its lines kept" {
  dns_start "$NS" normal
  mkdir -m 1777 "$W/tmp"
  as_att sh -c "echo 'nxpg 6.6.6.6.traefik.me' >'$W/tmp/web.alias'"
  run --separate-stderr ha -o "$W/tmp/web.alias" nxpg b
  assert_status 5
  assert_contains "$stderr" "belongs to uid $ATT, neither root nor the invoking user"
  assert_eq "$(cat "$W/tmp/web.alias")" "nxpg 6.6.6.6.traefik.me"
  assert_eq "$(stat -c %u "$W/tmp/web.alias")" "$ATT"

  # Under sudo, a file of a third user is refused the same way.
  SUDO_UID=$OTHER SUDO_GID=$OTHER run --separate-stderr ha -o "$W/tmp/web.alias" nxpg b
  assert_status 5
  assert_contains "$stderr" "belongs to uid $ATT"

  # Under sudo, the invoking user's own file is theirs to update.
  SUDO_UID=$ATT SUDO_GID=$ATT run --separate-stderr ha -o "$W/tmp/web.alias" b
  assert_status 0
  assert_eq "$(cat "$W/tmp/web.alias")" "b 10.0.0.99.traefik.me"
  assert_eq "$(stat -c %u "$W/tmp/web.alias")" "$ATT"
}

@test "under sudo, a FILE in a directory the invoking user could not write: refused" {
  dns_start "$NS" normal
  mkdir -m 755 "$W/rootdir"
  SUDO_UID=$ATT SUDO_GID=$ATT run --separate-stderr ha -o "$W/rootdir/web.alias" a
  assert_status 5
  assert_contains "$stderr" "cannot write there: permission denied to uid $ATT, who runs hostalias through sudo"
  [ ! -e "$W/rootdir/web.alias" ]
  # A directory the user may write through their group is fine.
  mkdir -m 775 "$W/groupdir"
  chgrp "$ATT" "$W/groupdir"
  SUDO_UID=$ATT SUDO_GID=$ATT run --separate-stderr ha -o "$W/groupdir/web.alias" a
  assert_status 0
  assert_eq "$(stat -c %u:%g "$W/groupdir/web.alias")" "$ATT:$ATT"
}

@test "a FILE name of 255 bytes (NAME_MAX) is written, and replaced" {
  dns_start "$NS" normal
  local f
  f="$W/$(printf 'n%.0s' $(seq 1 255))"
  run --separate-stderr ha -o "$f" a
  assert_status 0
  run --separate-stderr ha -o "$f" a b
  assert_status 0
  assert_eq "$(cat "$f")" "a 10.0.0.98.traefik.me
b 10.0.0.99.traefik.me"
  assert_eq "$(find "$W" -name '.n*' | wc -l)" 0
}

@test "the resolver child holds only its pipe: no inherited descriptor, stdin and stdout /dev/null" {
  dns_start "$NS" slow
  echo "root secret" >"$W/secret"
  chmod 600 "$W/secret"
  : >"$W/secret2"
  "$HOSTALIAS" "${HA_ARGS[@]}" --timeout 5 --tries 1 -o "$W/fd.alias" a \
    5<"$W/secret" 7>>"$W/secret2" 2>"$W/err" &
  local h=$! child="" fds=""
  # The child, once it runs as nobody (privileges dropped, descriptors shed).
  for _ in $(seq 1 400); do
    if child=$(resolver_child "$h"); then
      sleep 0.2 # (it sheds them right after the uid change)
      fds=$(ls -l "/proc/$child/fd" 2>/dev/null) && break
    fi
    sleep 0.01
  done
  wait "$h" || true
  [ -n "$fds" ] || { echo "resolver child not seen" >&2; cat "$W/err" >&2; return 1; }
  if grep -q secret <<<"$fds"; then
    printf 'the child holds the caller'"'"'s files:\n%s\n' "$fds" >&2
    return 1
  fi
  grep -Eq ' 0 -> /dev/null$' <<<"$fds" || { echo "stdin: $fds" >&2; return 1; }
  grep -Eq ' 1 -> /dev/null$' <<<"$fds" || { echo "stdout: $fds" >&2; return 1; }
  grep -Eq ' 3 -> pipe:' <<<"$fds" || { echo "pipe: $fds" >&2; return 1; }
}

@test "a resolver child that does not exit after its results is killed: the run ends, bounded" {
  [ -z "${HOSTALIAS_VALGRIND:-}" ] || skip "strace cannot attach to a process valgrind runs"
  dns_start "$NS" slow
  local t0 rc=0
  t0=$(ms)
  "$HOSTALIAS" "${HA_ARGS[@]}" --timeout 5 --tries 1 -o "$W/hang.alias" a 2>"$W/err" &
  local h=$! child=""
  for _ in $(seq 1 400); do
    child=$(resolver_child "$h") && break
    sleep 0.01
  done
  [ -n "$child" ] || { echo "resolver child not seen" >&2; return 1; }
  # Its exit is held back for 60 s: it has sent everything, and hangs.
  strace -qq -o /dev/null -p "$child" -e trace=exit_group \
    -e inject=exit_group:delay_enter=60000000 &
  local s=$!
  wait "$h" || rc=$?
  local took=$(( $(ms) - t0 ))
  kill "$s" 2>/dev/null || true
  [ "$took" -lt 15000 ] || { echo "took $took ms" >&2; return 1; }
  assert_eq "$rc" 0
  assert_contains "$(cat "$W/err")" "did not exit after sending its results; killed it"
  assert_eq "$(cat "$W/hang.alias")" "a 10.0.0.98.traefik.me"
  # Killed: gone, or a zombie the tracer has not released yet.
  local state
  state=$(awk '/^State:/ {print $2}' "/proc/$child/status" 2>/dev/null || true)
  [ -z "$state" ] || [ "$state" = Z ] || { echo "the child is still alive ($state)" >&2; return 1; }
}

@test "container files that lead into its own /proc or /sys: refused, naming the file" {
  local root="$W/root"
  fake_root "$root"
  mkdir -p "$root/proc" "$root/sys"
  mount -t proc proc "$root/proc"
  mount -t sysfs sysfs "$root/sys"
  ln -s /proc/version "$root/etc/hosts"
  ln -s /sys/kernel/uevent_seqnum "$root/etc/resolv.conf"
  fake_container "$root"
  run --separate-stderr timeout 20 "$HOSTALIAS" --timeout 0.3 --tries 1 --pid "$FAKE_PID" a
  assert_contains "$stderr" "/etc/hosts: is a file on procfs, not an ordinary file; ignored"
  assert_contains "$stderr" "/etc/resolv.conf: is a file on sysfs, not an ordinary file; ignored"
}

@test "--netns on a FIFO: refused at once as not a namespace, never opened for reading" {
  mkfifo "$W/fifo"
  local t0
  t0=$(ms)
  run --separate-stderr timeout 10 "$HOSTALIAS" --netns "$W/fifo" a
  assert_status 3
  assert_contains "$stderr" "not a network namespace"
  [ $(( $(ms) - t0 )) -lt 5000 ]
}
