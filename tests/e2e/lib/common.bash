# SPDX-License-Identifier: MIT
# Shared by every .bats file: where hostalias is, and small assertions.

: "${HOSTALIAS:=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/build/src/hostalias}"
if [ -n "${HOSTALIAS_VALGRIND:-}" ] && [ -z "${HOSTALIAS_REAL:-}" ]; then
  export HOSTALIAS_REAL=$HOSTALIAS
  HOSTALIAS="$BATS_TEST_DIRNAME/lib/valgrind-hostalias"
fi
export HOSTALIAS
REFERENCE_SCRIPT=${REFERENCE_SCRIPT:-$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)/shared/reference/original-hostalias.sh}

# Lines in the TAP output, beside the test's result: each starts with "#",
# or TAP readers take it for output they do not understand.
ha_log() { printf '%s\n' "$*" | sed 's/^/# /' >&3 2>/dev/null || true; }

# bats' own run --separate-stderr gives stdout in $output and stderr in
# $stderr (bats 1.5 and later), and the status in $status.
if declare -F bats_require_minimum_version >/dev/null; then
  bats_require_minimum_version 1.5.0
fi

# shellcheck disable=SC2154 # status, output: set by bats' run
assert_status() {
  if [ "$status" -ne "$1" ]; then
    printf 'expected exit status %s, got %s\nstdout: %s\nstderr: %s\n' \
      "$1" "$status" "$output" "${stderr:-}" >&2
    return 1
  fi
}

assert_eq() {
  if [ "$1" != "$2" ]; then
    printf 'expected:\n%s\ngot:\n%s\n' "$2" "$1" >&2
    return 1
  fi
}

assert_contains() {
  case "$1" in
    *"$2"*) ;;
    *) printf 'expected to contain: %s\ngot: %s\n' "$2" "$1" >&2; return 1 ;;
  esac
}

# Milliseconds since the epoch, for time bounds.
ms() { date +%s%3N; }

# ha_serve OPTION...: hostalias --serve OPTION... --listen 127.0.0.1:PORT
# --domain test.internal in the background, on a free PORT (HA_SERVE_PORT),
# its PID in HA_SERVE_PID and stderr in $BATS_TEST_TMPDIR/serve.err; waits
# until it answers. ha_serve_q DIG-ARGS...: dig asking it.
ha_serve() {
  HA_SERVE_PORT=$(ha_free_port) || return 1
  "$HOSTALIAS" --serve "$@" --listen "127.0.0.1:$HA_SERVE_PORT" --domain test.internal \
    2>"$BATS_TEST_TMPDIR/serve.err" 3>&- &
  HA_SERVE_PID=$!
  for _ in $(seq 1 100); do
    ha_serve_q +short 1.2.3.4.test.internal 2>/dev/null | grep -q 1.2.3.4 && return 0
    sleep 0.1
  done
  cat "$BATS_TEST_TMPDIR/serve.err" >&2
  return 1
}
ha_serve_q() { dig +time=3 +tries=1 @127.0.0.1 -p "$HA_SERVE_PORT" "$@"; }
ha_serve_stop() {
  kill "$HA_SERVE_PID" 2>/dev/null || true
  wait "$HA_SERVE_PID" || true
  cat "$BATS_TEST_TMPDIR/serve.err" >&2
}

# A port of 127.0.0.1 nobody listens on, UDP or TCP.
ha_free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 30000))
    ss -Hlnu "sport = :$p" | grep -q . || ss -Hlnt "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
  return 1
}

# rss_bounded KIB LIMIT: the peak RSS is under LIMIT KiB. Under valgrind or
# a sanitizer (HOSTALIAS_NO_RSS=1) the figure is the tool's, not ours, so
# the bound is checked by the plain build's run only.
rss_bounded() {
  [ -n "${HOSTALIAS_NO_RSS:-}" ] && return 0
  [ "$1" -lt "$2" ] || { echo "peak RSS $1 KiB, limit $2" >&2; return 1; }
}

# ha_skip REASON: skips the test, saying why. Where every end-to-end test
# must run (CI sets HOSTALIAS_REQUIRE_E2E=1), a missing piece is a failure
# instead, so a broken set-up cannot pass as a skip.
ha_skip() {
  if [ -n "${HOSTALIAS_REQUIRE_E2E:-}" ]; then
    echo "HOSTALIAS_REQUIRE_E2E is set, but: $*" >&2
    return 1
  fi
  skip "$*"
}

# ha_need_root PROGRAM...: root and the programs named, else skip.
ha_need_root() {
  [ "$(id -u)" = 0 ] || { ha_skip "needs root (network namespaces, dockerd): run as root"; return; }
  ha_need "$@"
}

# ha_need PROGRAM...: the programs named, else skip.
ha_need() {
  local p
  for p in "$@"; do
    command -v "$p" >/dev/null 2>&1 ||
      { ha_skip "needs $p (scripts/install-deps installs it)"; return; }
  done
}

# In setup_file (where bats 1.8 cannot skip): remembers why the file's tests
# cannot run; ha_skip_if_unready, in setup, then skips each of them.
ha_unready() { export HA_UNREADY="$*"; }
ha_skip_if_unready() {
  [ -z "${HA_UNREADY:-}" ] || ha_skip "$HA_UNREADY"
}

# The sudo tests' users (sudo.bats, stock_sudo.bats, out_rights.bats): each
# file has names and uids of its own, and one sudoers rule.
#   test_users_remove SUDOERS USER...: the users gone (their processes
#     first), and the rule.
#   test_user_add HOMES NAME UID: a user with its home in HOMES and a group
#     of its own.
#   sudoers_install SUDOERS: the rule given on standard input, put in place
#     only once visudo accepts it.
test_users_remove() {
  local rule=$1 u
  shift
  for u in "$@"; do
    pkill -9 -u "$u" 2>/dev/null || true
    userdel "$u" 2>/dev/null || true
  done
  rm -f "$rule"
}
test_user_add() { useradd -d "$1/$2" -m -u "$3" -U -s /bin/sh "$2"; }
sudoers_install() {
  cat >"$1.tmp"
  chmod 440 "$1.tmp"
  visudo -cqf "$1.tmp" && mv "$1.tmp" "$1"
}
