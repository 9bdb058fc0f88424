#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The packages, built from the release tarball as a user would get it, one
# step at a time (.ci/run counts each as a check):
#
#   tests/package/packages.sh STEP BUILDDIR
#
#   versions      project(version:), debian/changelog, the RPM spec and
#                 hostalias -V say the same version
#   dist          meson dist: hostalias-VERSION.tar.xz and its .sha256sum
#   deb-build     dpkg-buildpackage -us -uc -b from the tarball (nocheck:
#                 the suite already ran)
#   deb-lintian   lintian: no error, no warning
#   unit-systemd  the packaged hostalias-watch@.service under a real systemd
#                 (tests/package/unit-under-systemd.sh)
#   resolved-systemd  hostalias-serve with --resolved under a real systemd
#                 and Debian's systemd-resolved, fetched from the archive and
#                 installed into the container alone
#                 (tests/package/resolved-under-systemd.sh)
#   deb-install   apt-get install ./hostalias_VERSION_ARCH.deb; -V, man -w,
#                 a completion from bash, zsh and fish, the units not enabled,
#                 no AppArmor profile in /etc where the parser cannot read it
#   deb-purge     apt-get purge; nothing of the package is left
#   apparmor      the AppArmor profile under AppArmor 4's parser, and the
#                 .deb installed and purged where that parser is (a Debian
#                 13 chroot made with mmdebstrap, as Ubuntu 24.04 has it)
#   rpm-build     rpmbuild -bb with Debian's rpm and packaging/rpm/macros.debian
#   rpm-files     rpm -qlp lists the same files as the .deb
#   exposure      systemd-analyze security --offline=yes of each service, at
#                 or below 2.8 (the watch unit 3.0 when first measured, 2.8
#                 with PrivateMounts; the serve unit 2.9, 2.7 with
#                 ProcSubset=pid and ProtectProc=invisible)
set -euo pipefail
step=$1
# A failed command names itself: CI's summary shows the last lines.
trap 'echo "packages.sh $step: line $LINENO failed: $BASH_COMMAND" >&2' ERR
build=$(cd "${2:-build}" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
work=${HOSTALIAS_PACKAGES_WORK:-/tmp/hostalias-packages}
version=$(meson introspect --projectinfo "$build" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
arch=$(dpkg --print-architecture)
mkdir -p "$work"

# The package's files (not directories), mapped to Fedora's layout: /lib is
# /usr/lib (usrmerge), zsh's directory is site-functions there; docs,
# licences, build-ids and the AppArmor profile (Debian's and Ubuntu's) are
# each distribution's own.
normalized() {
  sed -e 's|^\./|/|' -e 's|^/lib/|/usr/lib/|' -e 's|/zsh/vendor-completions/|/zsh/site-functions/|' \
    -e 's|\.gz$||' | grep -vE '^/usr/share/(doc|licenses|hostalias/apparmor)/|^/usr/lib/\.build-id' | sort
}

case $step in
versions)
  deb=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
  rpm=$(awk '/^Version:/ {print $2}' "$top/packaging/rpm/hostalias.spec")
  bin=$("$build/src/hostalias" -V | awk '{print $2}')
  echo "project $version, debian/changelog $deb, spec $rpm, hostalias -V $bin"
  [ "$deb" = "$version" ] && [ "$rpm" = "$version" ] && [ "$bin" = "$version" ]
  ;;
dist)
  rm -rf "$build/meson-dist"
  # The tarball's own build and tests are the deb and rpm steps below.
  meson dist -C "$build" --no-tests --allow-dirty --formats xztar >/dev/null
  cd "$build/meson-dist"
  ls
  [ -f "hostalias-$version.tar.xz" ] && sha256sum -c "hostalias-$version.tar.xz.sha256sum"
  ;;
deb-build)
  rm -rf "$work/deb"
  mkdir -p "$work/deb"
  tar -C "$work/deb" -xf "$build/meson-dist/hostalias-$version.tar.xz"
  cd "$work/deb/hostalias-$version"
  DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b >"$work/deb/build.log" 2>&1 ||
    { tail -n 40 "$work/deb/build.log"; exit 1; }
  ls "$work/deb"/*.deb
  ;;
deb-lintian)
  # (lintian says root is not recommended: a message, not a tag.)
  lintian --fail-on error,warning --display-level '>=warning' \
    "$work/deb/hostalias_${version}_${arch}.changes" 2>&1 | grep -v 'running with root' || true
  lintian --fail-on error,warning "$work/deb/hostalias_${version}_${arch}.changes" >/dev/null 2>&1
  ;;
unit-systemd)
  "$top/tests/package/unit-under-systemd.sh" "$work/deb/hostalias_${version}_${arch}.deb"
  ;;
resolved-systemd)
  "$top/tests/package/resolved-under-systemd.sh" "$work/deb/hostalias_${version}_${arch}.deb"
  ;;
deb-install)
  dpkg-deb -c "$work/deb/hostalias_${version}_${arch}.deb" | awk '$1 !~ /^d/ {print $6}' |
    normalized >"$work/deb.files"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$work/deb/hostalias_${version}_${arch}.deb" >/dev/null
  # (Each output is read whole before it is matched: "CMD | grep -q" under
  # pipefail fails when grep exits at its match while CMD is still writing.)
  out=$(/usr/bin/hostalias -V) && echo "$out"
  [[ "$out" == "hostalias $version "* ]]
  man -w hostalias
  [ "$(man -w hostalias)" = /usr/share/man/man1/hostalias.1.gz ]
  out=$(zcat /usr/share/man/man1/hostalias.1.gz)
  grep -q "^\.TH \"hostalias\" \"1\" .* \"hostalias $version\"$" <<<"$out"
  echo "the man page says hostalias $version"
  # Each shell finds its completion where it looks by default.
  out=$(bash -c '. /usr/share/bash-completion/bash_completion; _completion_loader hostalias; complete -p hostalias')
  grep -q -- '-F _hostalias' <<<"$out"
  out=$(zsh -fc 'autoload -U compinit; compinit -u -d /tmp/hostalias-zcompdump; print $_comps[hostalias]')
  grep -qx _hostalias <<<"$out"
  out=$(fish -c 'complete -C "hostalias --vers"')
  grep -q -- '--version' <<<"$out"
  echo "bash, zsh and fish complete hostalias"
  # The template unit is installed, and no instance is enabled or started.
  unit=$(dpkg -L hostalias | grep 'hostalias-watch@.service$')
  grep -q '^ExecStart=/usr/bin/hostalias --watch' "$unit"
  [ -z "$(find /etc/systemd -name 'hostalias-watch@*' 2>/dev/null)" ]
  echo "unit $unit, not enabled"
  # The AppArmor profile reaches /etc only where the parser reads it (not
  # Debian 12's 3.0): the step apparmor tries the other case.
  if ! command -v apparmor_parser >/dev/null ||
    ! apparmor_parser -Q -K /usr/share/hostalias/apparmor/hostalias >/dev/null 2>&1; then
    [ ! -e /etc/apparmor.d/hostalias ]
    echo "no AppArmor 4 parser here: /etc/apparmor.d/hostalias not installed"
  fi
  # The DNS bridge's socket and service: installed, neither enabled nor
  # started (nothing listens on 127.0.0.153:53).
  unit=$(dpkg -L hostalias | grep 'hostalias-serve.socket$')
  grep -q '^ListenDatagram=127.0.0.153:53' "$unit"
  grep -q '^ExecStart=/usr/bin/hostalias --serve' "$(dpkg -L hostalias | grep 'hostalias-serve.service$')"
  [ -z "$(find /etc/systemd -name 'hostalias-serve*' 2>/dev/null)" ]
  out=$(ss -Hlnu 'sport = :53')
  if grep -q '127.0.0.153' <<<"$out"; then echo "something listens on 127.0.0.153:53: $out"; exit 1; fi
  echo "units $unit and its service, not enabled, not listening"
  ;;
deb-purge)
  dpkg -L hostalias | sort >"$work/deb.installed"
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq hostalias >/dev/null
  if dpkg -s hostalias >/dev/null 2>&1; then echo "still installed after purge"; exit 1; fi
  left=""
  while read -r f; do
    # (Directories are shared: /lib is usrmerge's symlink to usr/lib.)
    if { [ -f "$f" ] || [ -L "$f" ]; } && [ ! -d "$f" ]; then left="$left $f"; fi
  done <"$work/deb.installed"
  [ -z "$left" ] || { echo "left behind:$left"; exit 1; }
  echo "purged: none of its $(wc -l <"$work/deb.installed") paths' files are left"
  ;;
apparmor)
  # Debian 13's parser (4.1) knows abi 4.0 and userns; it needs glibc 2.38,
  # so it runs in a chroot of its own.
  root=$work/trixie
  rm -rf "$root"
  mmdebstrap --quiet --variant=apt --include=apparmor trixie "$root" >"$work/trixie.log" 2>&1 ||
    { tail -n 20 "$work/trixie.log"; exit 1; }
  cp "$top/packaging/apparmor/hostalias" "$root/tmp/profile"
  chroot "$root" apparmor_parser --version | head -n 1
  chroot "$root" apparmor_parser -Q -K /tmp/profile
  echo "AppArmor 4 parses packaging/apparmor/hostalias"
  # The .deb's maintainer scripts there: the postinst puts the profile in
  # /etc/apparmor.d (no AppArmor in a chroot to load it into), the purge
  # takes it away. (Built here, against Debian 12's libraries, which Debian
  # 13 renamed: installed with its dependencies ignored, never run.)
  cp "$work/deb/hostalias_${version}_${arch}.deb" "$root/tmp/"
  chroot "$root" dpkg --force-depends -i "/tmp/hostalias_${version}_${arch}.deb" >"$work/trixie.log" 2>&1 ||
    { tail -n 20 "$work/trixie.log"; exit 1; }
  cmp "$root/etc/apparmor.d/hostalias" "$top/packaging/apparmor/hostalias"
  echo "installed: /etc/apparmor.d/hostalias"
  chroot "$root" dpkg --purge hostalias >"$work/trixie.log" 2>&1 || { tail -n 20 "$work/trixie.log"; exit 1; }
  [ ! -e "$root/etc/apparmor.d/hostalias" ]
  echo "purged: /etc/apparmor.d/hostalias removed"
  rm -rf "$root"
  ;;
rpm-build)
  rm -rf "$work/rpm"
  mkdir -p "$work/rpm/SOURCES"
  cp "$build/meson-dist/hostalias-$version.tar.xz" "$work/rpm/SOURCES/"
  # --nodeps: Debian's rpm has no database of what is installed.
  rpmbuild --define "_topdir $work/rpm" --load="$top/packaging/rpm/macros.debian" --nodeps \
    -bb "$top/packaging/rpm/hostalias.spec" >"$work/rpm/build.log" 2>&1 ||
    { tail -n 40 "$work/rpm/build.log"; exit 1; }
  grep -E '^(Ok|Fail): ' "$work/rpm/build.log"
  ls "$work/rpm/RPMS"/*/*.rpm
  ;;
rpm-files)
  rpm -qlp "$work/rpm/RPMS"/*/"hostalias-$version-1."*.rpm | while read -r f; do
    # Files only: rpm lists its directories too.
    rpm -qlvp "$work/rpm/RPMS"/*/"hostalias-$version-1."*.rpm | awk -v f="$f" '$NF == f && $1 !~ /^d/ {print f}'
  done | normalized >"$work/rpm.files"
  diff "$work/deb.files" "$work/rpm.files" && cat "$work/rpm.files"
  ;;
exposure)
  for unit in hostalias-watch@.service hostalias-serve.service; do
    out=$(systemd-analyze security --offline=yes "$build/systemd/$unit" 2>&1)
    score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
    echo "$unit: exposure $score"
    [ -n "$score" ] && python3 -c "import sys; sys.exit(0 if float('$score') <= 2.8 else 1)"
  done
  ;;
*)
  echo "unknown step $step" >&2
  exit 2
  ;;
esac
