#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# hostalias --serve over a long run (doc/benchmarks.md, part 12). Run as root:
#
#   sudo tests/bench/soak.sh                    # 1,000 operations
#   sudo SOAK_OPS=60 SOAK_SEED=7 tests/bench/soak.sh
#
# A private dockerd (as the end-to-end tests start it) runs SOAK_PROJECTS
# Compose projects (containers labelled as Compose labels them, each on its
# project's network, aliased by its service), and the bridge. Then SOAK_OPS
# operations, drawn from a seeded generator (SOAK_SEED: the same seed, the
# same operations): a container run, removed, restarted, connected to one of
# two shared networks under an alias, or disconnected from one. After every
# 10, each name that is or was defined is asked of the bridge, and compared
# with what a fresh one-shot hostalias pass finds:
#   NAME.PROJECT.DOMAIN: the project's containers the bridge asks (its
#     order: service, then number; a container that reaches a network none
#     before it does, 8 at most), each asked with `hostalias -f json
#     CONTAINER NAME...`; the first with addresses wins, else NXDOMAIN;
#   CONTAINER.DOMAIN: `hostalias -f json CONTAINER CONTAINER`.
# The bridge keeps an answer up to 1 s and forgets it on an engine event: a
# name that differs is asked again 1.5 s later (and found afresh); equal
# then, it is counted late (an event the bridge had not read yet), else a
# mismatch. The RSS of both halves is sampled at each comparison. The exit
# status is 0 only with no mismatch, no one-shot pass failed, both halves
# alive at the end and the bridge ending with status 0 on SIGTERM; the
# last line is the summary (SOAK_RSS_SLACK="PRIV FRONT": also fail when the
# privileged half's RSS at the end is more than PRIV KiB above its first
# sample, or the front's more than FRONT KiB).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
HOSTALIAS=${HOSTALIAS:-$top/build/src/hostalias}
OPS=${SOAK_OPS:-1000}
SEED=${SOAK_SEED:-30}
NPROJ=${SOAK_PROJECTS:-3}
read -r RSS_SLACK_PRIV RSS_SLACK_FRONT <<<"${SOAK_RSS_SLACK:-}" || true
EVERY=10
PER_PROJECT=6 # containers a project has at most
SERVICES=(api cache db web)
ALIASES=(al0 al1 al2 al3 al4.db.example)
EXTRA=(soakx1 soakx2)

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
[ -x "$HOSTALIAS" ] || { echo "build first: meson setup build && ninja -C build" >&2; exit 1; }
for t in dockerd docker dnsmasq dig ss; do
  command -v "$t" >/dev/null || { echo "missing $t (scripts/install-deps)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/hostalias-soak.XXXXXX)
# lib/common.bash (ha_free_port, ha_serve, ha_serve_q, ha_serve_stop) is
# the end-to-end tests'; outside bats, its directories are given here.
BATS_TEST_DIRNAME=$top/tests/e2e BATS_TEST_TMPDIR=$work
# shellcheck source=tests/e2e/lib/common.bash
. "$top/tests/e2e/lib/common.bash"
# shellcheck source=tests/e2e/lib/dockerd.bash
. "$top/tests/e2e/lib/dockerd.bash"
DOMAIN=test.internal # ha_serve's
HA_SERVE_PID=""
cleanup() {
  [ -z "$HA_SERVE_PID" ] || ha_serve_stop 2>/dev/null
  ha_engine_stop
  rm -rf "$work"
}
trap cleanup EXIT

# rnd N: a number below N in REPLY, from a linear congruential generator
# seeded with SEED (bash's RANDOM is shared with ha_free_port).
state=$SEED
rnd() {
  state=$(((state * 1103515245 + 12345) % 2147483648))
  REPLY=$(((state >> 8) % $1))
}

echo "starting a private dockerd and $NPROJ projects..." >&2
ha_engine_start
for x in "${EXTRA[@]}"; do docker network create "$x" >/dev/null; done

# What the soak made, in the order made: the containers alive (their
# project, service and the extra networks each is on, with its alias), the
# last ones removed (their names must be NXDOMAIN), and a number a service.
alive=() gone=()
declare -A project_of=() extra_of=() next=()
declare -A ops_done=([run]=0 [remove]=0 [restart]=0 [connect]=0 [disconnect]=0)
engine_errors=0

# docker_op COMMAND...: an operation; one the engine refuses is counted and
# said, not fatal (the soak measures the bridge, not dockerd).
docker_op() {
  docker "$@" >/dev/null 2>>"$work/docker.err" </dev/null && return 0
  engine_errors=$((engine_errors + 1))
  echo "docker $*: failed: $(tail -n 1 "$work/docker.err")" >&2
  return 1
}
count_in() { # PROJECT: how many of alive are of it
  local c n=0
  for c in "${alive[@]}"; do [ "${project_of[$c]}" = "$1" ] && n=$((n + 1)); done
  echo "$n"
}
op_run() { # PROJECT SERVICE
  local p=$1 s=$2 n name
  n=$((${next[$p.$s]:-0} + 1))
  next[$p.$s]=$n
  name=$p-$s-$n
  docker_op run -d --name "$name" --network "${p}_default" --network-alias "$s" \
    --label com.docker.compose.project="$p" --label com.docker.compose.service="$s" \
    --label com.docker.compose.container-number="$n" --label com.docker.compose.oneoff=False \
    "$HA_IMAGE" sleep 1000000 || return 0
  alive+=("$name")
  project_of[$name]=$p extra_of[$name]=""
}
op_remove() { # CONTAINER
  local c=$1 a=() x
  docker_op rm -f "$c" || return 0
  for x in "${alive[@]}"; do [ "$x" = "$c" ] || a+=("$x"); done
  alive=("${a[@]}")
  gone+=("$c")
  [ "${#gone[@]}" -le 8 ] || gone=("${gone[@]:1}")
}
for i in $(seq 0 $((NPROJ - 1))); do
  docker network create --label com.docker.compose.project="soak$i" \
    --label com.docker.compose.network=default "soak${i}_default" >/dev/null
  op_run "soak$i" db
  op_run "soak$i" web
done

ha_serve -q
front=$(pgrep -P "$HA_SERVE_PID" | head -n 1)
[ -n "$front" ] || { echo "no front under $HA_SERVE_PID" >&2; exit 1; }

# One operation, drawn: run 25%, remove 15%, restart 15%, connect 25%,
# disconnect 20%; one that cannot be done here becomes another.
one_op() {
  local c p x a kind
  rnd 100
  if [ "$REPLY" -lt 25 ]; then kind=run
  elif [ "$REPLY" -lt 40 ]; then kind=remove
  elif [ "$REPLY" -lt 55 ]; then kind=restart
  elif [ "$REPLY" -lt 80 ]; then kind=connect
  else kind=disconnect; fi
  rnd "$NPROJ"
  p=soak$REPLY
  [ "$kind" != run ] || [ "$(count_in "$p")" -lt "$PER_PROJECT" ] || kind=remove
  [ "$kind" != remove ] || [ "${#alive[@]}" -gt 1 ] || kind=run
  if [ "$kind" = run ]; then
    rnd "${#SERVICES[@]}"
    op_run "$p" "${SERVICES[$REPLY]}"
    ops_done[run]=$((ops_done[run] + 1))
    return
  fi
  rnd "${#alive[@]}"
  c=${alive[$REPLY]}
  if [ "$kind" = disconnect ] && [ -z "${extra_of[$c]}" ]; then kind=connect; fi
  if [ "$kind" = connect ] && [ "$(wc -w <<<"${extra_of[$c]}")" -ge "${#EXTRA[@]}" ]; then kind=disconnect; fi
  case $kind in
    remove) op_remove "$c" ;;
    restart) docker_op restart -t 0 "$c" || true ;;
    connect)
      for x in "${EXTRA[@]}"; do [[ " ${extra_of[$c]} " == *" $x "* ]] || break; done
      rnd "${#ALIASES[@]}"
      a=${ALIASES[$REPLY]}
      docker_op network connect --alias "$a" "$x" "$c" && extra_of[$c]="${extra_of[$c]} $x"
      ;;
    disconnect)
      # shellcheck disable=SC2086 # the list, split
      set -- ${extra_of[$c]}
      rnd $#
      shift "$REPLY"
      x=$1
      docker_op network disconnect "$x" "$c" || true
      extra_of[$c]=$(tr ' ' '\n' <<<"${extra_of[$c]}" | grep -vx "$x" | tr '\n' ' ')
      extra_of[$c]=${extra_of[$c]% }
      ;;
  esac
  ops_done[$kind]=$((ops_done[$kind] + 1))
}

# The names asked: for each project, every service and alias the soak uses,
# its containers alive and gone, and one never defined; each container's
# own name. Each line "QNAME SCOPE NAME", SCOPE a project or "-".
names() {
  local i p n c
  for i in $(seq 0 $((NPROJ - 1))); do
    p=soak$i
    for n in "${SERVICES[@]}" "${ALIASES[@]}" nosuch; do echo "$n.$p.$DOMAIN $p $n"; done
    for c in "${alive[@]}" "${gone[@]}"; do
      [[ $c == "$p"-* ]] && echo "$c.$p.$DOMAIN $p $c"
    done
  done
  for c in "${alive[@]}" "${gone[@]}"; do echo "$c.$DOMAIN - $c"; done
}

# bridge_answers FILE: "QNAME ANSWER" for each QNAME of FILE's first
# column, ANSWER the addresses (sorted, comma-joined), NXDOMAIN, or the
# status (SERVFAIL, NOERROR with no address, "none": no reply).
bridge_answers() {
  # shellcheck disable=SC2046 # one dig, every name
  { ha_serve_q +noall +comments +question +answer $(awk '{print $1}' "$1") 2>/dev/null || true; } |
    awk '/->>HEADER<<-/ {s = $6; sub(",", "", s); next}
         /^;[a-zA-Z0-9]/ {q = substr($1, 2); sub(/\.$/, "", q); q = tolower(q); st[q] = s; order[++n] = q; next}
         $4 == "A" {o = tolower($1); sub(/\.$/, "", o); a[o] = a[o] (a[o] == "" ? "" : "\n") $5}
         END {for (i = 1; i <= n; i++) {q = order[i]
                if (a[q] != "") {cmd = "sort -V | paste -sd,"; printf "%s\n", a[q] | cmd; close(cmd)}
                else print (st[q] == "NOERROR" ? "NODATA" : st[q])}}' >"$work/b.addr"
  awk '{print $1}' "$1" | paste -d' ' - "$work/b.addr" >"$work/b.tmp"
  # A name dig did not print a block for: no reply.
  awk 'NF == 1 {print $1, "none"; next} {print}' "$work/b.tmp"
}

# oneshot CONTAINER NAME...: "NAME ADDRESSES" for each name the container's
# own DNS server answers (ADDRESSES sorted, comma-joined); a name it does not
# know is absent. Any other failure: "! REASON".
oneshot() {
  local c=$1 rc=0 out
  shift
  out=$("$HOSTALIAS" -f json "$c" "$@" 2>"$work/oneshot.err" </dev/null) || rc=$?
  case $rc in
    0 | 1) ;;
    *) echo "! hostalias $c: exit $rc: $(head -n 1 "$work/oneshot.err")" | tee -a "$work/oneshot.failed"; return ;;
  esac
  # A name that timed out is not NXDOMAIN: said, not guessed.
  if grep -qiE 'tim(ed|e) ?out|SERVFAIL|refused' "$work/oneshot.err"; then
    echo "! hostalias $c: $(head -n 1 "$work/oneshot.err")" | tee -a "$work/oneshot.failed"
  fi
  # -f json writes {"name":"N","addresses":["A",...],...} a line, in that
  # order; the addresses sorted here as numbers, as the bridge's are.
  sed -n 's/^{"name":"\([^"]*\)","addresses":\[\([^]]*\)\].*/\1 \2/p' <<<"$out" | tr -d '"' |
    awk 'function key(ip, p) {split(ip, p, "."); return ((p[1] * 256 + p[2]) * 256 + p[3]) * 256 + p[4]}
         {n = split($2, a, ",")
          for (i = 2; i <= n; i++) {v = a[i]; for (j = i - 1; j > 0 && key(a[j]) > key(v); j--) a[j + 1] = a[j]; a[j + 1] = v}
          s = a[1]; for (i = 2; i <= n; i++) s = s "," a[i]; print $1, s}'
}

# The containers the bridge asks for PROJECT, in its order: running, sorted
# by service then number, each kept when it reaches a network none before it
# does (the first always), 8 at most. From $work/inspect.
chosen() {
  awk -v p="$1" '$1 == p' "$work/inspect" | LC_ALL=C sort -k2,2 -k3,3n |
    awk '{adds = (n == 0); for (i = 5; i <= NF; i++) if (!($i in seen)) {seen[$i] = 1; adds = 1}
          if (adds && n < 8) {print $4; n++}}'
}

# fresh FILE: "QNAME ANSWER" as one-shot passes find them, for FILE's names.
fresh() {
  local p c
  # project service number name network...: every running container.
  docker ps -q </dev/null | xargs -r docker inspect -f \
    '{{index .Config.Labels "com.docker.compose.project"}} {{index .Config.Labels "com.docker.compose.service"}} {{index .Config.Labels "com.docker.compose.container-number"}} {{slice .Name 1}}{{range $k, $v := .NetworkSettings.Networks}} {{$k}}{{end}}' \
    >"$work/inspect"
  : >"$work/f.found"
  while read -r p; do
    # In the bridge's order, the first answer for a name wins.
    for c in $(chosen "$p"); do
      # shellcheck disable=SC2046 # the project's names
      oneshot "$c" $(awk -v p="$p" '$2 == p {print $3}' "$1") | sed "s/^/$p /"
    done >"$work/f.p"
    grep '^[^ ]* !' "$work/f.p" >&2 || true
    awk -v d="$DOMAIN" '$2 != "!" && !(($2 "." $1) in seen) {seen[$2 "." $1] = 1; print $2 "." $1 "." d, $3}' \
      "$work/f.p" >>"$work/f.found"
  done < <(awk '$2 != "-" {print $2}' "$1" | sort -u)
  while read -r c; do
    if grep -qx "$c" <(awk '{print $4}' "$work/inspect"); then
      oneshot "$c" "$c" | awk -v d="$DOMAIN" '$1 == "!" {print > "/dev/stderr"; next} {print $1 "." d, $2}'
    fi
  done < <(awk '$2 == "-" {print $3}' "$1") >>"$work/f.found"
  awk 'FILENAME == ARGV[1] {a[$1] = $2; next} {print $1, ($1 in a) ? a[$1] : "NXDOMAIN"}' "$work/f.found" "$1"
}

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# alive_pid PID: running, not a zombie.
alive_pid() { [ -e "/proc/$1/stat" ] && [ "$(sed 's/^.*) //' "/proc/$1/stat" | cut -d' ' -f1)" != Z ]; }

compared=0 nxdomain=0 mismatches=0 late=0 crashed="" rounds=0
: >"$work/rss"
: >"$work/oneshot.failed"
check_round() {
  local q b f b2 f2
  rounds=$((rounds + 1))
  alive_pid "$HA_SERVE_PID" || crashed="privileged half $HA_SERVE_PID gone after op $nops"
  alive_pid "$front" || crashed="${crashed:+$crashed; }front $front gone after op $nops"
  if [ -n "$crashed" ]; then
    tail -n 5 "$work/serve.err" >&2
    return
  fi
  echo "$nops $(rss "$HA_SERVE_PID") $(rss "$front")" >>"$work/rss"
  names >"$work/names"
  bridge_answers "$work/names" >"$work/bridge"
  fresh "$work/names" >"$work/fresh"
  while read -r q b f; do
    compared=$((compared + 1))
    [ "$f" = NXDOMAIN ] && nxdomain=$((nxdomain + 1))
    [ "$b" = "$f" ] && continue
    # Not yet equal: an event the bridge has not read, or an answer it
    # keeps (1 s at most)? Asked again, both sides.
    sleep 1.5
    grep "^$q " "$work/names" >"$work/one"
    b2=$(bridge_answers "$work/one" | awk '{print $2}')
    f2=$(fresh "$work/one" | awk '{print $2}')
    if [ "$b2" = "$f2" ]; then
      late=$((late + 1))
      echo "late (op $nops): $q: bridge $b, fresh $f; 1.5 s later both $b2" >&2
    else
      mismatches=$((mismatches + 1))
      echo "MISMATCH (op $nops): $q: bridge $b2 (first $b), fresh $f2 (first $f)" >&2
    fi
  done < <(join -j 1 <(sort "$work/bridge") <(sort "$work/fresh"))
}

t0=$(date +%s)
nops=0
while [ "$nops" -lt "$OPS" ] && [ -z "$crashed" ]; do
  one_op
  nops=$((nops + 1))
  if [ $((nops % EVERY)) = 0 ] || [ "$nops" = "$OPS" ]; then
    check_round
    [ $((nops % 100)) != 0 ] || echo "$nops operations, $compared comparisons, $mismatches mismatches, $late late" >&2
  fi
done
secs=$(($(date +%s) - t0))
# A fresh pass that failed (not a name unknown: an error, a timeout, or
# valgrind's status 99) leaves its names unchecked: a failure too. So is
# the bridge not ending with status 0 on SIGTERM (valgrind's 99 included).
oneshot_failed=$(wc -l <"$work/oneshot.failed")
serve_rc=gone
if [ -z "$crashed" ]; then
  kill -TERM "$HA_SERVE_PID"
  serve_rc=0
  wait "$HA_SERVE_PID" || serve_rc=$?
  HA_SERVE_PID=""
  [ "$serve_rc" = 0 ] || tail -n 5 "$work/serve.err" >&2
fi

# first/max/last of column $1 of the RSS samples
rss_fml() { awk -v c="$1" 'NR == 1 {f = $c} $c > m {m = $c} {l = $c} END {printf "%s/%s/%s", f, m, l}' "$work/rss"; }
grown() { awk -v c="$1" 'NR == 1 {f = $c} {l = $c} END {print l - f}' "$work/rss"; }
rss_fail=""
if [ -n "$RSS_SLACK_PRIV" ] && [ -s "$work/rss" ]; then
  [ "$(grown 2)" -le "$RSS_SLACK_PRIV" ] || rss_fail="privileged half grew $(grown 2) KiB (bound $RSS_SLACK_PRIV)"
  [ "$(grown 3)" -le "${RSS_SLACK_FRONT:-$RSS_SLACK_PRIV}" ] ||
    rss_fail="${rss_fail:+$rss_fail; }front grew $(grown 3) KiB (bound ${RSS_SLACK_FRONT:-$RSS_SLACK_PRIV})"
fi
echo "operations by kind: $(for k in run remove restart connect disconnect; do printf '%s %s, ' "$k" "${ops_done[$k]}"; done)engine errors $engine_errors"
echo "RSS samples (op, privileged KiB, front KiB): $(awk '{printf "%s%s:%s:%s", (NR > 1 ? " " : ""), $1, $2, $3}' "$work/rss")"
echo "soak: seed $SEED, $nops operations in $secs s, $rounds rounds, $compared comparisons ($nxdomain of them NXDOMAIN), $mismatches mismatches, $late late, crashes: ${crashed:-none}, one-shot failures $oneshot_failed, exit status on SIGTERM $serve_rc; RSS KiB first/max/last: privileged $(rss_fml 2), front $(rss_fml 3)${rss_fail:+; RSS: $rss_fail}"
[ "$mismatches" = 0 ] && [ -z "$crashed" ] && [ -z "$rss_fail" ] && [ "$oneshot_failed" = 0 ] && [ "$serve_rc" = 0 ]
