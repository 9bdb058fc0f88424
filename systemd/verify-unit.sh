#!/bin/sh
# SPDX-License-Identifier: MIT
# systemd-analyze verify on a unit, with ExecStart pointed at the built
# binary (verify checks that it exists); a template is instantiated as web,
# as systemctl would. Other units it names (a .socket) come after.
#   verify-unit.sh SYSTEMD-ANALYZE UNIT HOSTALIAS [OTHER-UNIT...]
set -eu
analyze=$1 unit=$2 bin=$3
shift 3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
name=$(basename "$unit")
sed "s|^ExecStart=[^ ]*|ExecStart=$bin|" "$unit" >"$dir/$name"
others=""
for other in "$@"; do
  cp "$other" "$dir/"
  others="$others $dir/$(basename "$other")"
done
case $name in
*@.service)
  ln -s "$name" "$dir/${name%@.service}@web.service"
  name=${name%@.service}@web.service
  ;;
esac
# shellcheck disable=SC2086 # the paths are mktemp's, without spaces
out=$("$analyze" verify --man=no "$dir/$name" $others 2>&1) || {
  echo "$out"
  exit 1
}
# verify reports some problems without failing: any line about our units is one.
if printf '%s\n' "$out" | grep -i 'hostalias-'; then
  exit 1
fi
echo "systemd-analyze verify $name: no complaint"
