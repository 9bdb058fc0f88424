#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The shell completions load in their shells and complete an option, a
# container name and a project for -P (asked of a fake Engine API through
# hostalias itself, whose containers carry Compose and Swarm labels, hostile
# ones among them).

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load lib/common
load lib/fakes

TOP="$BATS_TEST_DIRNAME/../.."

setup() {
  ha_need python3
  mkdir -p "$BATS_TEST_TMPDIR/bin"
  ln -sf "$HOSTALIAS" "$BATS_TEST_TMPDIR/bin/hostalias"
  export PATH="$BATS_TEST_TMPDIR/bin:$PATH"
  export DOCKER_HOST="unix://$BATS_TEST_TMPDIR/engine.sock"
  # Two Compose projects' containers, a Swarm stack's task, and labels no
  # project can have: an option, a command, a newline, a space, too long.
  engine_list_labeled "$BATS_TEST_TMPDIR/engine.sock" \
    webapp '{"com.docker.compose.project": "shop"}' \
    postgres-db '{"com.docker.compose.project": "shop"}' \
    billing_api.1.abc '{"com.docker.stack.namespace": "billing", "com.docker.compose.project": "admin"}' \
    evil-1 '{"com.docker.compose.project": "-rf", "com.docker.stack.namespace": "x$(touch pwned)"}' \
    evil-2 "{\"com.docker.compose.project\": \"shopping\\nlist\", \"com.docker.stack.namespace\": \"$(printf 'a%.0s' {1..200})\"}" \
    evil-3 '{"com.docker.compose.project": "my shop", "com.docker.stack.namespace": ""}'
}

teardown() {
  engine_fake_stop
}

# A second engine, named only with -H: its project is "other".
OTHER="unix://$BATS_TEST_TMPDIR/other.sock"
other_engine() {
  OTHER="unix://$BATS_TEST_TMPDIR/other.sock"
  engine_list_labeled "$BATS_TEST_TMPDIR/other.sock" elsewhere '{"com.docker.compose.project": "other"}'
}

@test "hostalias --list-targets asks the Engine API" {
  run --separate-stderr hostalias --list-targets
  assert_status 0
  assert_eq "$output" "webapp
postgres-db
billing_api.1.abc
evil-1
evil-2
evil-3"
}

@test "hostalias --list-projects: the projects and stacks, sorted, each once; hostile labels left out" {
  run --separate-stderr hostalias --list-projects
  assert_status 0
  assert_eq "$output" "admin
billing
shop"
  assert_eq "$stderr" ""
  run --separate-stderr hostalias --list-projects --list-targets
  assert_status 2
}

@test "bash: loads, completes an option, a provider and a container" {
  [ -f /usr/share/bash-completion/bash_completion ] || ha_skip "needs bash-completion"
  other_engine
  run --separate-stderr bash -c '
    source /usr/share/bash-completion/bash_completion
    source "$1/completions/bash/hostalias"
    complete -p hostalias
    c() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
          COMPREPLY=(); _hostalias; echo "${COMPREPLY[*]}"; }
    # As readline splits LINE: at the colons of an address too.
    cl() { COMP_LINE=$1; COMP_POINT=${#COMP_LINE}; shift; COMP_WORDS=("$@")
           COMP_CWORD=$(($# - 1)); COMPREPLY=(); _hostalias; echo "${COMPREPLY[*]}"; }
    c hostalias --prov
    c hostalias --provider ss
    c hostalias -q we
    c hostalias --pid 1 po # nothing: po is a name to resolve
    c hostalias -P ""
    c hostalias --project sh
    c hostalias -H "$DOCKER_HOST" -P b
    cl "hostalias -H $2 -P " hostalias -H "${2%%:*}" : "${2#*:}" -P ""
    cl "hostalias -H $2 el" hostalias -H "${2%%:*}" : "${2#*:}" el' _ "$TOP" "$OTHER"
  assert_status 0
  assert_eq "$output" "complete -F _hostalias hostalias
--provider
sslip.io
webapp

admin billing shop
shop
billing
other
elsewhere"
}

@test "zsh: loads through compinit, registers _hostalias, completes options and containers" {
  ha_need zsh
  other_engine
  run --separate-stderr zsh -f -c '
    fpath=("$1/completions/zsh" $fpath)
    autoload -Uz compinit && compinit -u -d "$2/zcompdump"
    print -r -- $_comps[hostalias]
    zmodload zsh/zpty
    zpty -b z zsh -f -i
    zpty -w z "PS1=; fpath=(\"$1/completions/zsh\" \$fpath); autoload -Uz compinit; compinit -u -d \"$2/zcompdump\""
    zpty -w z "zstyle \":completion:*\" list-prompt \"\"; zstyle \":completion:*\" menu no"
    zpty -w -n z $'"'"'hostalias --for\t'"'"'
    sleep 2
    zpty -w -n z $'"'"'\x15hostalias web\t\t'"'"'
    sleep 2
    zpty -w -n z $'"'"'\x15hostalias -P sh\t'"'"'
    sleep 2
    zpty -w -n z $'"'"'\x15hostalias -H '"'"'"$3"$'"'"' -P o\t'"'"'
    sleep 2
    zpty -w -n z $'"'"'\x15hostalias -H '"'"'"$3"$'"'"' els\t'"'"'
    sleep 2
    out=
    while zpty -r -t z chunk; do out+=$chunk; done
    zpty -d z
    print -r -- "$out"' _ "$TOP" "$BATS_TEST_TMPDIR" "$OTHER"
  assert_status 0
  assert_contains "$output" "_hostalias"
  assert_contains "$output" "hostalias --format"
  assert_contains "$output" "webapp"
  assert_contains "$output" "hostalias -P shop"
  assert_contains "$output" "hostalias -H $OTHER -P other"
  assert_contains "$output" "hostalias -H $OTHER elsewhere"
}

@test "fish: loads, completes an option, a format and a container" {
  ha_need fish
  other_engine
  run --separate-stderr fish --no-config -c '
    source $argv[1]/completions/fish/hostalias.fish
    complete -C"hostalias --form"
    complete -C"hostalias --format js"
    complete -C"hostalias -q "
    echo other:
    complete -C"hostalias -H $argv[2] -P "
    complete -C"hostalias --docker-host=$argv[2] "
    echo projects:
    complete -C"hostalias -P "' "$TOP" "$OTHER"
  assert_status 0
  assert_contains "$output" "--format"
  assert_contains "$output" "json"
  assert_contains "$output" "webapp"
  assert_contains "$output" "postgres-db"
  local other=${output#*other:$'\n'}
  assert_eq "${other%%projects:*}" "other	Compose project of a service target
elsewhere	running container or Compose service
"
  assert_eq "${output#*projects:$'\n'}" "admin	Compose project of a service target
billing	Compose project of a service target
shop	Compose project of a service target"
}
