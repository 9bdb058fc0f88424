#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# shellcheck disable=SC2317,SC2001 # functions run through check(); sed prefixes lines
# hostalias --serve --resolved under a real systemd with systemd-resolved,
# from the Debian package:
#
#   tests/package/resolved-under-systemd.sh hostalias_VERSION_ARCH.deb
#
# As unit-under-systemd.sh (nspawn-lib.sh): systemd-nspawn --boot on an
# overlay of this machine's root. systemd-resolved must not be installed on
# the machine itself (it would take /etc/resolv.conf over), so Debian's
# systemd-resolved and libnss-resolve are fetched (apt-get download) and
# installed into the overlay alone, with dpkg --root. Inside: a dnsmasq as
# resolved's upstream server, answering upstream.test and, to show where a
# name went, hostalias.internal with 192.0.2.9; a name of /etc/hosts; the
# packaged socket and service with the drop-in doc/resolvers.md gives
# (read from it, so the two cannot drift). One line per check, "ok" or
# "FAILED"; the exit status is the number of failures. Without nspawn or
# Debian's archive: skipped, and why (a failure under HOSTALIAS_REQUIRE_E2E).
set -uo pipefail
deb=$(realpath "$1")
top=$(cd "$(dirname "$0")/../.." && pwd)
test_name="resolved under systemd"
skip() {
  echo "$test_name: skipped: $*"
  [ "${HOSTALIAS_REQUIRE_E2E:-}" != 1 ] || exit 1
  exit 0
}
command -v systemd-nspawn >/dev/null || skip "no systemd-nspawn (Debian's systemd-container)"
debs=$(mktemp -d /tmp/hostalias-resolved-debs.XXXXXX)
trap 'rm -rf "$debs"' EXIT
(cd "$debs" && apt-get download systemd-resolved libnss-resolve >/dev/null 2>&1) ||
  skip "apt-get download systemd-resolved libnss-resolve failed (no Debian archive?)"
dropin=$(sed -n '/^    # \/etc\/systemd\/system\/hostalias-serve.service.d\/resolved.conf$/,/^$/s/^    //p' \
  "$top/doc/resolvers.md")
[ -n "$dropin" ] || { echo "$test_name: FAILED: no drop-in found in doc/resolvers.md"; exit 1; }

# shellcheck source=tests/package/nspawn-lib.sh
. "$(dirname "$0")/nspawn-lib.sh"
trap 'cleanup; rm -rf "$debs"' EXIT
nspawn_prepare "$deb"
# Nothing started while installing (no systemd runs in the chroot anyway).
printf '#!/bin/sh\nexit 101\n' >"$M/usr/sbin/policy-rc.d" && chmod +x "$M/usr/sbin/policy-rc.d"
dpkg --root="$M" -i "$debs"/*.deb >"$R/dpkg.log" 2>&1 || { cat "$R/dpkg.log"; exit 1; }
rm -f "$M/usr/sbin/policy-rc.d"
ln -sf ../run/systemd/resolve/stub-resolv.conf "$M/etc/resolv.conf"
echo "192.0.2.7 hosts-file.test" >>"$M/etc/hosts"
mkdir -p "$M/etc/systemd/resolved.conf.d" "$M/etc/systemd/system/hostalias-serve.service.d"
cat >"$M/etc/systemd/resolved.conf.d/test.conf" <<'EOT'
# The test's upstream server (a dnsmasq on 127.0.0.2), the default route.
[Resolve]
DNS=127.0.0.2
Domains=~.
DNSSEC=no
EOT
echo "$dropin" >"$M/etc/systemd/system/hostalias-serve.service.d/resolved.conf"
nspawn_boot
pg=$(addr web_postgres_1)
name=postgres.web.hostalias.internal

check "systemd-resolved is active inside" in_c systemctl is-active --quiet systemd-resolved
say "  hosts line: $(in_c grep '^hosts:' /etc/nsswitch.conf)"
in_c systemd-run --unit=upstream-dns --quiet /usr/sbin/dnsmasq -k -C /dev/null --no-resolv \
  --no-hosts --bind-interfaces --listen-address=127.0.0.2 --address=/upstream.test/192.0.2.8 \
  --address=/hostalias.internal/192.0.2.9
sleep 0.5
# resolved's settings, read from its Manager object (every server and
# domain, global or a link's; resolved 252 reports a loopback server on
# lo, whichever link has it) and each link's default-route, sorted:
# before, while the bridge runs (the same plus its own), after.
settings() {
  in_c python3 -c '
import json, socket, subprocess
def name(i):
    try:
        return socket.if_indextoname(i) if i else "global"
    except OSError:
        return "gone"
for p in ("DNS", "Domains"):
    out = subprocess.run(["busctl", "--json=short", "get-property", "org.freedesktop.resolve1",
                          "/org/freedesktop/resolve1", "org.freedesktop.resolve1.Manager", p],
                         capture_output=True, text=True).stdout
    for e in json.loads(out)["data"]:
        print(p, name(e[0]), *e[1:])
'
  in_c ip -o link show | awk -F': ' '{sub(/@.*/, "", $2); print $2}' |
    while read -r l; do in_c resolvectl default-route "$l"; done
}
config() { settings 2>&1 | sed 's/^Link [0-9]* /Link N /' | LC_ALL=C sort; }
first() { in_c getent hosts "$1" | awk '{print $1; exit}'; }
query() { in_c resolvectl query --cache=no "$1" 2>&1; }
before=$(config)
echo "$before" | sed 's/^/  settings: /'
check "before: upstream.test through resolved's upstream (192.0.2.8)" \
  test "$(first www.upstream.test)" = 192.0.2.8
check "before: $name is the upstream's too (192.0.2.9): nothing routes it yet" \
  test "$(first $name)" = 192.0.2.9

in_c systemctl enable --now hostalias-serve.socket >/dev/null 2>&1
in_c systemctl start hostalias-serve.service
sleep 1
show() { in_c resolvectl "$1" hostalias0 2>&1; }
check "started: link hostalias0 up, its address 127.0.0.153/32 ($(in_c ip -br addr show hostalias0 2>&1 | tr -s ' '))" \
  sh -c "nsenter -t $leader -a ip -br addr show hostalias0 | grep -q 'UNKNOWN.*127.0.0.153/32'"
check "resolvectl dns hostalias0: 127.0.0.153 ($(show dns))" grep -q ': 127.0.0.153$' <<<"$(show dns)"
check "resolvectl domain hostalias0: ~hostalias.internal ($(show domain))" \
  grep -q ': ~hostalias.internal$' <<<"$(show domain)"
check "resolvectl default-route hostalias0: no ($(show default-route))" \
  grep -q ': no$' <<<"$(show default-route)"
answer=$(query $name)
echo "$answer" | sed 's/^/  /'
check "resolvectl query $name: $pg through link hostalias0" \
  grep -q "^$name: $pg .*link: hostalias0" <<<"$answer"
check "getent hosts $name through nss-resolve: $pg (got $(first $name))" test "$(first $name)" = "$pg"
printf 'hosts: files dns\n' >"$M/root/nsswitch-dns.conf"
stub=$(in_c unshare -m sh -c "mount --bind /root/nsswitch-dns.conf /etc/nsswitch.conf &&
  getent hosts $name" 2>&1 | awk '{print $1; exit}')
check "getent hosts $name through the 127.0.0.53 stub (hosts: files dns): $pg (got ${stub:-nothing})" \
  test "$stub" = "$pg"
bb=$(in_c /bin/busybox nslookup $name 127.0.0.53 2>&1)
check "busybox nslookup $name 127.0.0.53: $pg" grep -q "^Address: *$pg\$" <<<"$bb"
echo "$bb" | sed 's/^/  nslookup: /'
check "while it runs: upstream.test still through the upstream (192.0.2.8)" \
  test "$(first www.upstream.test)" = 192.0.2.8
check "while it runs: /etc/hosts's hosts-file.test still 192.0.2.7" test "$(first hosts-file.test)" = 192.0.2.7
during=$(config)
added=$(LC_ALL=C comm -13 <(echo "$before") <(echo "$during"))
removed=$(LC_ALL=C comm -23 <(echo "$before") <(echo "$during"))
echo "$added" | sed 's/^/  settings added: /'
check "while it runs: resolved's settings as before, plus hostalias0's server, domain and default-route" \
  test "$removed|$added" = "|DNS lo 2 [127, 0, 0, 153]
Domains hostalias0 hostalias.internal True
Link N (hostalias0): no"

# gone WHAT: nothing of hostalias in ip link or resolvectl status within 3 s.
gone() {
  for _ in $(seq 1 30); do
    in_c ip link show | grep -q hostalias || in_c resolvectl status | grep -q hostalias || return 0
    sleep 0.1
  done
  in_c ip -br link show | sed 's/^/  ip link: /'
  return 1
}
# back: the service restarted by systemd (Restart=on-failure) and registered again.
back() {
  for _ in $(seq 1 150); do
    grep -q ': ~hostalias.internal$' <<<"$(show domain)" && return 0
    sleep 0.1
  done
  return 1
}
main=$(in_c systemctl show -p MainPID --value hostalias-serve.service)
in_c kill -KILL "$main"
check "SIGKILL of the privileged half (pid $main): nothing of hostalias in ip link or resolvectl status" gone
check "restarted by systemd, registered again" back
main=$(in_c systemctl show -p MainPID --value hostalias-serve.service)
front=$(in_c pgrep -P "$main" -u 65534 | head -n 1)
in_c kill -KILL "${front:-0}"
check "SIGKILL of the front (pid ${front:-none}): nothing of hostalias in ip link or resolvectl status" gone
check "restarted by systemd, registered again" back
in_c systemctl stop hostalias-serve.service hostalias-serve.socket
check "systemctl stop: a clean exit (Result=success, status 0)" \
  test "$(in_c systemctl show -p Result,ExecMainStatus --value hostalias-serve | tr '\n' ' ')" = "success 0 "
check "stopped: nothing of hostalias in ip link or resolvectl status" gone
check "stopped: $name back to the upstream's (192.0.2.9)" test "$(first $name)" = 192.0.2.9
after=$(config)
check "stopped: upstream.test (192.0.2.8), hosts-file.test (192.0.2.7), the settings as before" \
  test "$(first www.upstream.test) $(first hosts-file.test) $after" = "192.0.2.8 192.0.2.7 $before"
[ "$after" = "$before" ] || diff <(echo "$before") <(echo "$after") | sed 's/^/  before, after: /'
in_c journalctl -u hostalias-serve -b --no-pager -o cat 2>/dev/null | grep -- --resolved | sed 's/^/  journal: /'
exit "$failed"
