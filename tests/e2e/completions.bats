#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The shell completions load in their shells and complete an option and a
# container name (asked of a fake Engine API through hostalias itself).

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
  engine_list "$BATS_TEST_TMPDIR/engine.sock" webapp postgres-db
}

teardown() {
  engine_fake_stop
}

@test "hostalias --list-targets asks the Engine API" {
  run --separate-stderr hostalias --list-targets
  assert_status 0
  assert_eq "$output" "webapp
postgres-db"
}

@test "bash: loads, completes an option, a provider and a container" {
  [ -f /usr/share/bash-completion/bash_completion ] || ha_skip "needs bash-completion"
  run --separate-stderr bash -c '
    source /usr/share/bash-completion/bash_completion
    source "$1/completions/bash/hostalias"
    complete -p hostalias
    c() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
          COMPREPLY=(); _hostalias; echo "${COMPREPLY[*]}"; }
    c hostalias --prov
    c hostalias --provider ss
    c hostalias -q we
    c hostalias --pid 1 po' _ "$TOP"
  assert_status 0
  assert_eq "$output" "complete -F _hostalias hostalias
--provider
sslip.io
webapp"
}

@test "zsh: loads through compinit, registers _hostalias, completes options and containers" {
  ha_need zsh
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
    out=
    while zpty -r -t z chunk; do out+=$chunk; done
    zpty -d z
    print -r -- "$out"' _ "$TOP" "$BATS_TEST_TMPDIR"
  assert_status 0
  assert_contains "$output" "_hostalias"
  assert_contains "$output" "hostalias --format"
  assert_contains "$output" "webapp"
}

@test "fish: loads, completes an option, a format and a container" {
  ha_need fish
  run --separate-stderr fish --no-config -c '
    source $argv[1]/completions/fish/hostalias.fish
    complete -C"hostalias --form"
    complete -C"hostalias --format js"
    complete -C"hostalias -q "' "$TOP"
  assert_status 0
  assert_contains "$output" "--format"
  assert_contains "$output" "json"
  assert_contains "$output" "webapp"
  assert_contains "$output" "postgres-db"
}
