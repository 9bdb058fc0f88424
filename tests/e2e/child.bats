#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The children that handle hostile DNS data (issue 27, section 5): each
# runs in a session of its own without a terminal, even when hostalias has
# one (run here under script(1), a pseudo-terminal); its standard error is
# a pipe the parent relays, never the caller's terminal; it is not dumpable
# and has no_new_privs. The resolver child also has an empty root of its
# own (a read-only tmpfs with dev/null and dev/urandom alone) and a seccomp
# filter; the --check child keeps the host's files, which glibc's
# getaddrinfo needs to resolve as the user's programs do. Each child is
# looked at through /proc while a slow DNS server (3 s) holds it.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/fakes

setup() {
  ha_need_root ip nsenter unshare python3 script strace
  NS="ha-c$$-${BATS_TEST_NUMBER}"
  HNS="ha-ch$$-${BATS_TEST_NUMBER}"
  ns_start "$NS"
  W=$(mktemp -d /tmp/hostalias-child.XXXXXX)
}

teardown() {
  dns_stop
  ns_stop "$NS"
  [ -e "/run/netns/$HNS" ] && ns_stop "$HNS"
  rm -rf "$W"
}

# under_pty CMD...: CMD run by script(1), in a new pseudo-terminal that is
# its controlling terminal; its output (the terminal's) into $W/pty.
# script runs the line with $SHELL -c, /bin/sh when SHELL is unset (as in
# CI): printf %q quotes for bash ($'...' for a newline), so bash it is.
under_pty() {
  SHELL=/bin/bash script -qec "$(printf '%q ' "$@")" "$W/pty" >/dev/null 2>&1 </dev/null
}

# The process of uid 65534 whose command line names $1 (the netns path
# every hostalias of this test is given): the child, once privileges are
# dropped. Waits up to 4 s.
find_child() {
  local p
  for _ in $(seq 1 400); do
    for p in $(pgrep -u 65534 || true); do
      tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$1" && { echo "$p"; return 0; }
    done
    sleep 0.01
  done
  return 1
}

# Field N of /proc/PID/stat after the command name: 1 state, 2 ppid,
# 3 pgrp, 4 session, 5 tty_nr.
stat_field() { sed 's/^.*) //' "/proc/$1/stat" | cut -d' ' -f"$2"; }
status_field() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

# What every child must show: own session, no terminal though its parent
# has one, standard error a pipe its parent holds, not dumpable,
# no_new_privs.
check_session_and_stderr() {
  local c=$1 parent
  parent=$(stat_field "$c" 2)
  [ "$(stat_field "$parent" 5)" != 0 ] || { echo "the parent has no terminal: not a pty run" >&2; return 1; }
  [ "$(stat_field "$c" 4)" != "$(stat_field "$parent" 4)" ] || { echo "same session as its parent" >&2; return 1; }
  assert_eq "$(stat_field "$c" 4)" "$c" # the leader of its own session
  assert_eq "$(stat_field "$c" 5)" 0     # no controlling terminal
  local err
  err=$(readlink "/proc/$c/fd/2")
  [[ "$err" == pipe:* ]] || { echo "the child's stderr is $err" >&2; return 1; }
  local f held=""
  for f in "/proc/$parent/fd"/*; do
    [ "$(readlink "$f")" = "$err" ] && held=1
  done
  [ -n "$held" ] || { echo "the parent does not hold $err" >&2; return 1; }
  # Not dumpable: its /proc files are root's, though it runs as 65534.
  assert_eq "$(status_field "$c" Uid)" 65534
  assert_eq "$(stat -c %u "/proc/$c/status")" 0
  assert_eq "$(status_field "$c" NoNewPrivs)" 1
}

@test "the resolver child: own session without a terminal, stderr through the parent, an empty read-only root, seccomp" {
  dns_start "$NS" slow
  # Under umask 077: the root's modes are its own, not the caller's umask's.
  (umask 077 && under_pty "$HOSTALIAS" -v --netns "/run/netns/$NS" --server 127.0.0.1 --timeout 5 --tries 1 a) &
  local s=$! c
  c=$(find_child "/run/netns/$NS") || { wait "$s" || echo "exit status $?" >&2; cat "$W/pty" >&2; echo "child not seen" >&2; false; }
  check_session_and_stderr "$c"
  assert_eq "$(status_field "$(stat_field "$c" 2)" Umask)" 0077 # the parent's: the test's umask reached it
  local root cwd
  root=$(readlink "/proc/$c/root")
  cwd=$(readlink "/proc/$c/cwd")
  # Not the host's root (as root, the tmpfs is attached nowhere, and its
  # path reads "/": compared by device and inode), a tmpfs, its cwd.
  [ "$(stat -L -c %d:%i "/proc/$c/root/")" != "$(stat -c %d:%i /)" ] ||
    { echo "its root is the host's" >&2; return 1; }
  assert_eq "$(stat -f -L -c %T "/proc/$c/root/")" tmpfs
  assert_eq "$(stat -L -c %d:%i "/proc/$c/cwd/")" "$(stat -L -c %d:%i "/proc/$c/root/")"
  assert_eq "$cwd" "$root"
  # The root holds dev/null and dev/urandom, nothing else, and is read-only.
  assert_eq "$(cd "/proc/$c/root" && find . | sort | tr '\n' ' ')" ". ./dev ./dev/null ./dev/urandom "
  # Their modes, whatever the caller's umask: the root and dev searchable
  # by the child (uid 65534, not their owner), dev/null readable; dev/urandom
  # is the urandom device (1:9).
  assert_eq "$(cd "/proc/$c/root" && stat -c '%n %a %u %F' . dev dev/null | tr '\n' ' ')" \
    ". 755 0 directory dev 755 0 directory dev/null 444 0 regular empty file "
  assert_eq "$(stat -c '%t,%T' "/proc/$c/root/dev/urandom")" "$(stat -c '%t,%T' /dev/urandom)"
  # Read-only even for root (the file system, not a permission).
  run touch "/proc/$c/root/x"
  assert_eq "$status" 1
  assert_contains "$output" "Read-only file system"
  # Filtered, but under valgrind, or in a build without libseccomp (which
  # -V says; CI, HOSTALIAS_REQUIRE_E2E, must have it).
  if "$HOSTALIAS" -V | grep -q "no seccomp"; then
    [ -z "${HOSTALIAS_REQUIRE_E2E:-}" ] || { echo "built without seccomp" >&2; return 1; }
    ha_log "built without seccomp: the filter is not checked"
  elif [ -z "${HOSTALIAS_VALGRIND:-}" ]; then
    assert_eq "$(status_field "$c" Seccomp)" 2
  fi
  wait "$s"
  # The child's messages reached the terminal, through the parent.
  assert_contains "$(cat "$W/pty")" "timing (resolver child)"
  assert_contains "$(cat "$W/pty")" "a 10.0.0.98.traefik.me"
}

@test "the --check child: own session without a terminal, stderr through the parent, the host's files" {
  ns_start "$HNS"
  dns_start "$NS" normal
  dns_start "$HNS" slow
  printf 'nameserver 127.0.0.1\n' >"$W/resolv.conf"
  printf '127.0.0.1 localhost\n' >"$W/hosts"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$W/nsswitch.conf"
  # hostalias in the "host" namespace HNS, whose resolv.conf names the slow
  # server, under a pseudo-terminal. Its hosts and nsswitch.conf are the
  # test's too: the machine's may send names elsewhere first, or nowhere.
  under_pty nsenter --net="/run/netns/$HNS" unshare --mount sh -c "
    mount --bind '$W/resolv.conf' /etc/resolv.conf && mount --bind '$W/hosts' /etc/hosts &&
    mount --bind '$W/nsswitch.conf' /etc/nsswitch.conf && exec \"\$0\" \"\$@\"" \
    "$HOSTALIAS" --netns "/run/netns/$NS" --server 127.0.0.1 --check a &
  local s=$! c
  c=$(find_child "/run/netns/$NS") || { wait "$s" || echo "exit status $?" >&2; cat "$W/pty" >&2; echo "child not seen" >&2; false; }
  # (The resolver child comes first, and goes; then the --check child.)
  for _ in $(seq 1 300); do
    [ "$(readlink "/proc/$c/root" 2>/dev/null)" = / ] && break
    c=$(find_child "/run/netns/$NS") || true
    sleep 0.01
  done
  check_session_and_stderr "$c"
  assert_eq "$(readlink "/proc/$c/root")" /
  assert_eq "$(readlink "/proc/$c/cwd")" /
  wait "$s" || true
  assert_contains "$(cat "$W/pty")" "check: a -> 10.0.0.98.traefik.me"
}

@test "a resolver child that dies of SIGSYS: reported as its seccomp filter's doing" {
  [ -z "${HOSTALIAS_VALGRIND:-}" ] || skip "strace cannot attach to a process valgrind runs"
  dns_start "$NS" slow
  "$HOSTALIAS" --netns "/run/netns/$NS" --server 127.0.0.1 --timeout 5 --tries 1 a \
    >"$W/out" 2>"$W/err" &
  local h=$! c rc=0
  c=$(find_child "/run/netns/$NS") || { echo "child not seen" >&2; return 1; }
  # As the kernel's filter would: SIGSYS at its next wait for the server.
  strace -qq -o /dev/null -p "$c" -e trace=epoll_wait -e inject=epoll_wait:signal=SIGSYS &
  local st=$!
  wait "$h" || rc=$?
  kill "$st" 2>/dev/null || true
  [ "$rc" -ne 0 ] || { echo "exit 0" >&2; return 1; }
  assert_contains "$(cat "$W/err")" "the resolver process was killed by its seccomp filter (SIGSYS)"
}
