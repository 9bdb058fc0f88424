#!/bin/sh
# SPDX-License-Identifier: MIT
# systemd-analyze verify on the watch unit, instantiated as web, with
# ExecStart pointed at the built binary (verify checks that it exists).
#   verify-unit.sh SYSTEMD-ANALYZE UNIT HOSTALIAS
set -eu
analyze=$1 unit=$2 bin=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|^ExecStart=[^ ]*|ExecStart=$bin|" "$unit" >"$dir/hostalias-watch@.service"
ln -s hostalias-watch@.service "$dir/hostalias-watch@web.service"
out=$("$analyze" verify --man=no "$dir/hostalias-watch@web.service" 2>&1) || {
  echo "$out"
  exit 1
}
# verify reports some problems without failing: any line about our unit is one.
if printf '%s\n' "$out" | grep -i 'hostalias-watch'; then
  exit 1
fi
echo "systemd-analyze verify: no complaint"
