#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# -- COMMAND run as another user (issue 27, §1): root with --user, or a root
# shell with SUDO_UID set (as after sudo -s). The command gets a session of
# its own and, on a terminal, a pseudo-terminal of its own behind root's
# relay, so it cannot push input into root's shell (TIOCSTI); a reset
# environment; no descriptor of root's. Terminals here are script(1)'s,
# driven by a pipe that stays open (at its end, script sends EOF). Under
# sudo for hostalias itself, nothing changes. And (§5) the command's mount
# namespace follows the host's unmounts.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/dockerd

TUSER=hostalias-pty-u
TUID=4270
SUDOERS=/etc/sudoers.d/hostalias-pty-e2e-test
HA_BIN=${HOSTALIAS_REAL:-$HOSTALIAS}

remove_user() {
  pkill -9 -u "$TUID" 2>/dev/null || true
  userdel "$TUSER" 2>/dev/null || true
  rm -f "$SUDOERS"
}

setup_file() {
  ha_engine_ready getent useradd userdel pkill pgrep script stty python3 unshare || return 0
  export PTY_HOMES
  PTY_HOMES=$(mktemp -d /tmp/hostalias-pty.XXXXXX)
  chmod 755 "$PTY_HOMES"
  remove_user # (a run that was cut short may have left it behind)
  useradd -d "$PTY_HOMES/$TUSER" -m -u "$TUID" -N -g 100 -s /bin/sh "$TUSER"
  # The private engine stands for the system's, which the user's group may
  # use (for the case through sudo).
  chmod 711 "$HA_STATE"
  chgrp 100 "$HA_STATE/docker.sock"
  chmod 660 "$HA_STATE/docker.sock"
  if command -v sudo >/dev/null && command -v visudo >/dev/null; then
    printf 'Defaults:%s env_keep += "DOCKER_CONFIG"\n%s ALL=(root) NOPASSWD: %s\n' \
      "$TUSER" "$TUSER" "$HA_BIN" >"$SUDOERS.tmp"
    chmod 440 "$SUDOERS.tmp"
    if visudo -cqf "$SUDOERS.tmp"; then mv "$SUDOERS.tmp" "$SUDOERS"; else rm -f "$SUDOERS.tmp"; fi
  fi
  docker network create backend >/dev/null
  ha_run web --network backend
}

teardown_file() {
  remove_user
  [ -n "${PTY_HOMES:-}" ] && rm -rf "$PTY_HOMES"
  ha_engine_stop
}

setup() {
  ha_skip_if_unready
  W=$(mktemp -d /tmp/hostalias-pty-w.XXXXXX)
  chmod 755 "$W"
}

teardown() {
  pkill -9 -u "$TUID" 2>/dev/null || true
  rm -rf "$W"
}

# on_pty INPUT CMD: CMD (a shell command line) run by script(1) on a new
# pseudo-terminal, INPUT typed into it, then LATER (when set) 3 s after;
# script's input stays open until CMD ends (20 s at most), so that its EOF
# does not end CMD early, and no longer (script waits for it). $output is what the terminal showed, without
# CRs; $status is CMD's status (printed after it: script -e returns 0 when
# its input is still open, in util-linux 2.38).
on_pty() {
  local input=$1 stop="$W/.feed-stop.$RANDOM"
  shift
  output=$(script -qec "$*
echo pty-status=\$?; touch $stop" /dev/null < <(
    exec 3>&- 2>/dev/null
    printf '%s' "$input"
    if [ -n "${LATER:-}" ]; then
      sleep 3
      printf '%s' "$LATER"
    fi
    for _ in $(seq 1 200); do [ -e "$stop" ] && break; sleep 0.1; done
  ))
  touch "$stop"
  output=${output//$'\r'/}
  status=$(sed -n 's/^pty-status=//p' <<<"$output" | tail -n 1)
  output=$(sed '/^pty-status=/d' <<<"$output")
  [ -n "$status" ] || status=255
}

@test "TIOCSTI from a command run as another user does not reach root's shell; as root it does (the test can fail)" {
  cat >"$W/push.py" <<'EOF'
import fcntl, sys, termios
try:
    for c in sys.argv[1] + "\n":
        fcntl.ioctl(0, termios.TIOCSTI, c.encode())
    print("pushed")
except OSError as e:
    print("push refused:", e.errno)
EOF
  chmod 644 "$W/push.py"
  # Root's interactive shell on the terminal runs hostalias; afterwards it
  # reads whatever was pushed into its terminal, as a line typed by root.
  local push="/usr/bin/python3 $W/push.py 'id > $W/pwned'"
  LATER="exit
" on_pty "$HOSTALIAS --user $TUSER web -- $push
" sh
  assert_contains "$output" "pushed" # into its own terminal, which only it reads
  [ ! -e "$W/pwned" ] || { echo "root's shell ran the pushed line: $(cat "$W/pwned")" >&2; return 1; }
  # The same push as a root SUDO_UID shell (sudo -s) would have run it.
  LATER="exit
" on_pty "SUDO_UID=$TUID SUDO_GID=100 $HOSTALIAS web -- $push
" sh
  assert_contains "$output" "pushed"
  [ ! -e "$W/pwned" ]
  # Without the relay (root stays root: its own terminal), the push lands.
  LATER="exit
" on_pty "$HOSTALIAS web -- $push
" sh
  assert_contains "$output" "pushed"
  [ -e "$W/pwned" ]
  assert_contains "$(cat "$W/pwned")" "uid=0(root)"
}

@test "through the pseudo-terminal: the exit status, 128+N for a signal, 127 for a command not found" {
  on_pty "" "$HOSTALIAS --user $TUSER web -- sh -c 'exit 7'"
  assert_status 7
  on_pty "" "$HOSTALIAS --user $TUSER web -- sh -c 'kill -TERM \$\$'"
  assert_status 143
  on_pty "" "$HOSTALIAS --user $TUSER web -- /nonexistent/cmd"
  assert_status 127
  assert_contains "$output" "/nonexistent/cmd: cannot run it"
}

@test "an interactive shell works over the pseudo-terminal, and the terminal's modes are restored after it" {
  # (The modes printed before and after; the typed lines are echoed first.)
  on_pty 'echo hi-$((6*7))
exit
' "echo modes=\$(stty -g); $HOSTALIAS --user $TUSER web -- bash --norc -i; echo rc=\$?; echo modes=\$(stty -g)"
  assert_status 0
  assert_contains "$output" "hi-42"
  assert_contains "$output" "rc=0"
  local modes
  modes=$(grep '^modes=' <<<"$output")
  assert_eq "$(wc -l <<<"$modes")" 2
  assert_eq "$(tail -n 1 <<<"$modes")" "$(head -n 1 <<<"$modes")"
  # And after a failure (the command not found).
  on_pty "" "echo modes=\$(stty -g); $HOSTALIAS --user $TUSER web -- /nonexistent/cmd; echo modes=\$(stty -g)"
  assert_status 0
  modes=$(grep '^modes=' <<<"$output")
  assert_eq "$(wc -l <<<"$modes")" 2
  assert_eq "$(tail -n 1 <<<"$modes")" "$(head -n 1 <<<"$modes")"
}

@test "^C typed on the terminal interrupts the command, not hostalias: the shell behind the relay goes on" {
  LATER=$'\003echo after-$?\nexit\n' on_pty 'sleep 30
' "$HOSTALIAS --user $TUSER web -- bash --norc -i"
  assert_status 0
  assert_contains "$output" "after-130"
}

@test "the window size: the terminal's at the start, and a change follows (SIGWINCH)" {
  on_pty "" "stty rows 33 cols 101; $HOSTALIAS --user $TUSER web -- stty size"
  assert_status 0
  assert_eq "$output" "33 101"
  on_pty "" "stty rows 33 cols 101
    $HOSTALIAS --user $TUSER web -- sh -c 'stty size </dev/tty; while [ ! -e $W/resized ]; do sleep 0.1; done; stty size </dev/tty' &
    sleep 1.5; stty rows 40 cols 120; touch $W/resized; wait"
  assert_eq "$output" "33 101
40 120"
}

@test "SIGTERM sent to hostalias (root's relay) reaches the command behind it: exit status 143" {
  on_pty "" "$HOSTALIAS --user $TUSER web -- sleep 30 & echo \$! >$W/pid; wait \$!; echo rc=\$? >$W/rc" &
  local bg=$!
  for _ in $(seq 1 100); do pgrep -u "$TUID" -x sleep >/dev/null && break; sleep 0.05; done
  pgrep -u "$TUID" -x sleep >/dev/null
  assert_eq "$(stat -c %u "/proc/$(cat "$W/pid")")" 0
  kill -TERM "$(cat "$W/pid")"
  wait "$bg" || true
  assert_eq "$(cat "$W/rc")" "rc=143"
  if pgrep -u "$TUID" -x sleep >/dev/null; then echo "the command still runs" >&2; return 1; fi
}

@test "the command's own session and terminal; it holds the slave alone, no master, no other descriptor" {
  on_pty "" "tty; $HOSTALIAS --user $TUSER web -- sh -c 'read -r _ _ _ _ _ sid _ </proc/\$\$/stat; echo \$\$ \$sid; tty; ls /proc/\$\$/fd | tr \"\\n\" \" \"; echo; for f in 0 1 2; do readlink /proc/\$\$/fd/\$f; done'"
  assert_status 0
  local outer pid sid inner
  outer=$(sed -n 1p <<<"$output")
  read -r pid sid <<<"$(sed -n 2p <<<"$output")"
  inner=$(sed -n 3p <<<"$output")
  assert_eq "$sid" "$pid"
  [ "$inner" != "$outer" ] || { echo "the command is on root's terminal $outer" >&2; return 1; }
  assert_eq "$(sed -n 4p <<<"$output")" "0 1 2 "
  assert_eq "$(sed -n 5,7p <<<"$output")" "$inner
$inner
$inner"
  # Without a terminal: a session of its own too.
  run --separate-stderr "$HOSTALIAS" --user "$TUSER" web -- sh -c 'read -r _ _ _ _ _ sid _ </proc/$$/stat; echo "$$ $sid"'
  assert_status 0
  read -r pid sid <<<"$output"
  assert_eq "$sid" "$pid"
}

@test "root's descriptors are not the command's: fd 9 on a root-only file is closed; root keeps its own" {
  printf 'root secret\n' >"$W/secret"
  chmod 600 "$W/secret"
  run --separate-stderr "$HOSTALIAS" --user "$TUSER" web -- sh -c 'cat <&9 2>&1; [ -e /dev/fd/9 ] && echo fd9-open || echo fd9-closed' 9<"$W/secret"
  assert_contains "$output" "fd9-closed"
  [[ $output != *"root secret"* ]]
  on_pty "" "$HOSTALIAS --user $TUSER web -- sh -c '[ -e /dev/fd/9 ] && echo fd9-open || echo fd9-closed' 9<$W/secret"
  assert_eq "$output" "fd9-closed"
  # As root (no other user), the caller's descriptors pass on, as with env.
  run --separate-stderr "$HOSTALIAS" web -- sh -c 'cat <&9' 9<"$W/secret"
  assert_eq "$output" "root secret"
}

@test "the environment is reset: root's variables gone, HOME and the rest the user's, the locale and TERM kept" {
  ROOT_API_TOKEN=x LANG=C.UTF-8 TERM=xterm-256color PATH=/root/bin:$PATH \
    run --separate-stderr "$HOSTALIAS" --user "$TUSER" web -- env
  assert_status 0
  if grep -q '^ROOT_API_TOKEN=' <<<"$output"; then
    echo "$output" >&2
    return 1
  fi
  local env
  env=$(grep -E '^(HOME|USER|LOGNAME|SHELL|PATH|LANG|TERM)=' <<<"$output" | sort)
  assert_eq "$env" "HOME=$PTY_HOMES/$TUSER
LANG=C.UTF-8
LOGNAME=$TUSER
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
SHELL=/bin/sh
TERM=xterm-256color
USER=$TUSER"
  # A root shell with SUDO_UID set (sudo -s): reset just the same.
  ROOT_API_TOKEN=x SUDO_UID=$TUID SUDO_GID=100 run --separate-stderr "$HOSTALIAS" web -- env
  assert_status 0
  [[ $output != *ROOT_API_TOKEN* ]]
  assert_contains "$output" "HOME=$PTY_HOMES/$TUSER"
  # Root staying root: the caller's environment, as before.
  ROOT_API_TOKEN=x run --separate-stderr "$HOSTALIAS" web -- env
  assert_contains "$output" "ROOT_API_TOKEN=x"
}

@test "under sudo for hostalias itself: unchanged (sudo reset the environment and owns the terminal); the command replaces hostalias" {
  [ -e "$SUDOERS" ] || ha_skip "needs sudo and visudo, for the test's sudoers rule"
  command -v runuser >/dev/null || ha_skip "needs runuser"
  mkdir "$W/docker-config"
  DOCKER_CONFIG="$W/docker-config" run --separate-stderr runuser -u "$TUSER" -- sudo -n "$HA_BIN" -H "$DOCKER_HOST" web -- \
    sh -c 'echo "$SUDO_USER $(id -u)"; read -r _ _ _ p _ s _ </proc/$$/stat; [ "$s" = "$$" ] && echo own-session || echo sudo-session'
  assert_status 0
  # SUDO_USER is sudo's, which an environment reset by hostalias would not hold.
  assert_eq "$output" "$TUSER $TUID
sudo-session"
  # As sudo sets SUDO_COMMAND for it, simulated: the same.
  SUDO_COMMAND="$HA_BIN web -- env" SUDO_UID=$TUID SUDO_GID=100 ROOT_API_TOKEN=x \
    run --separate-stderr "$HA_BIN" web -- env
  assert_contains "$output" "ROOT_API_TOKEN=x"
  # A SUDO_COMMAND naming another program (sudo -s: the shell) is not that.
  SUDO_COMMAND="/bin/sh" SUDO_UID=$TUID SUDO_GID=100 ROOT_API_TOKEN=x \
    run --separate-stderr "$HA_BIN" web -- env
  [[ $output != *ROOT_API_TOKEN* ]]
}

@test "the command's mount namespace follows the host's: a volume unmounted on the host is gone in it (MS_SLAVE)" {
  mkdir "$W/h" "$W/go"
  # The "host" is a mount namespace of the test's own, whose $W/h is shared.
  run --separate-stderr unshare -m --propagation unchanged sh -c '
    W=$1 HA=$2
    mount -t tmpfs none "$W/h" && mount --make-shared "$W/h" && mkdir "$W/h/vol" &&
      mount -t tmpfs none "$W/h/vol" && touch "$W/h/vol/f" || exit 99
    "$HA" web -- sh -c "[ -e $W/h/vol/f ] && echo seen >$W/go/seen
      while [ ! -e $W/go/umounted ]; do sleep 0.1; done
      [ -e $W/h/vol/f ] && echo still-mounted || echo unmounted" &
    for _ in $(seq 1 100); do [ -e "$W/go/seen" ] && break; sleep 0.05; done
    umount "$W/h/vol" && touch "$W/go/umounted"
    wait $!' _ "$W" "$HOSTALIAS"
  assert_status 0
  [ -e "$W/go/seen" ]
  assert_eq "$output" "unmounted"
}
