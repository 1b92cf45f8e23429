#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# san: once
# The Debian package: debian/ builds with dpkg-buildpackage in a copy of
# the tree, lintian finds nothing, the .deb installs (apt-get), a login
# works through the installed binary, and apt-get purge leaves nothing.
. "$(dirname "$0")/lib.sh"

PKG=cmd5checkpw
VER=$(cat "$TOP/VERSION")
if [ "$(id -u)" -ne 0 ]; then
	not_ok "t_deb needs root (it installs and purges the package)"
	exit 1
fi
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'ok installed'; then
	not_ok "package $PKG is installed already: this test would remove it (apt-get purge $PKG first)"
	exit 1
fi
installed=0
trap '[ "$installed" -eq 1 ] && apt-get purge -y -qq "$PKG" >/dev/null 2>&1; rm -rf "$T"' EXIT

# a copy of the tree as a checkout has it: tracked and new files, no build
# products
mkdir "$T/src"
if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$TOP" && git ls-files -co --exclude-standard -z |
	    tar --null -cf - -T -) | tar -xf - -C "$T/src"
else
	cp -a "$TOP/." "$T/src" && make -s -C "$T/src" clean
fi
(cd "$T/src" && dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1
is "$?" 0 "dpkg-buildpackage -us -uc -b" || tail -n 20 "$T/build.log" >&2
# not into $LOG: the build runs tests/unit, whose lines name the RFC test
# vectors that t_zz_nolog looks for in every log
DEB=$T/${PKG}_${VER}_$(dpkg --print-architecture).deb
[ -f "$DEB" ] && ok "it made $(basename "$DEB") (VERSION's version)" ||
    { not_ok "it made $(basename "$DEB") ($(ls "$T"))"; exit 1; }
like "$(grep -E '^cc .* -o cmd5checkpw ' "$T/build.log")" '-Wl,-z,relro' \
    "linked with Debian's hardening flags"

lintian --tag-display-limit 0 "$T"/${PKG}_"${VER}"_*.changes >"$T/lintian" 2>&1
grep -v '^running with root privileges' "$T/lintian" >>"$LOG"
is "$(grep -cE '^[EW]: ' "$T/lintian")" 0 "lintian: no errors, no warnings"

# contents, before installing
dpkg-deb -c "$DEB" >"$T/contents"
for f in usr/bin/cmd5checkpw usr/bin/cmd5pw usr/share/man/man8/cmd5checkpw.8.gz \
    usr/share/man/man8/cmd5pw.8.gz usr/share/man/man5/poppasswd.5.gz \
    usr/share/doc/$PKG/copyright \
    usr/share/doc/$PKG/examples/qmail-smtpd-587/run \
    usr/share/doc/$PKG/examples/dovecot/auth-cmd5checkpw.conf.ext \
    usr/share/doc/$PKG/examples/fail2ban/cmd5checkpw.conf; do
	grep -q " \./$f\$" "$T/contents" && ok "the package holds /$f" ||
	    not_ok "the package holds /$f"
done
is "$(awk '$1 ~ /[sS]/' "$T/contents" | wc -l)" 0 "no setuid or setgid file in the package"
is "$(dpkg-deb -f "$DEB" Version)" "$VER" "package version is VERSION's"
like "$(dpkg-deb -f "$DEB" Depends)" 'libssl3' "depends on the shared libcrypto (libssl3)"

# install with apt, as an admin would
export DEBIAN_FRONTEND=noninteractive
find /usr /etc /var/lib/dpkg/info -xdev 2>/dev/null | grep -i cmd5 | sort >"$T/before"
apt-get install -y -qq --no-install-recommends "$DEB" >"$T/apt.log" 2>&1
rc=$?
cat "$T/apt.log" >>"$LOG"
is "$rc" 0 "apt-get install ./$(basename "$DEB")"
[ "$rc" -eq 0 ] && installed=1
for b in cmd5checkpw cmd5pw; do
	is "$(stat -c '%a %U %G' /usr/bin/$b 2>&1)" "755 root root" "/usr/bin/$b: 0755 root:root, no setuid"
	is "$(/usr/bin/$b --version 2>&1)" "$b $VER" "/usr/bin/$b --version"
	ldd /usr/bin/$b 2>&1 | grep -q 'libcrypto\.so' &&
	    ok "/usr/bin/$b is linked against the shared libcrypto" ||
	    not_ok "/usr/bin/$b is linked against the shared libcrypto"
	readelf -S /usr/bin/$b 2>/dev/null | grep -q '\.symtab' &&
	    not_ok "/usr/bin/$b is stripped" || ok "/usr/bin/$b is stripped"
done
is "$(find $(dpkg -L "$PKG" 2>/dev/null) -maxdepth 0 -perm /6000 2>/dev/null | wc -l)" 0 \
    "nothing installed setuid or setgid"
[ -f /usr/share/doc/$PKG/examples/qmail-smtpd-587/tcp.submission ] &&
    ok "contrib/ under /usr/share/doc/$PKG/examples" ||
    not_ok "contrib/ under /usr/share/doc/$PKG/examples"

# a login through the installed programs, and the same with a wrong password
F=$T/poppasswd
echo 'Deb-pw-7' | /usr/bin/cmd5pw -f "$F" add --stdin alice >>"$LOG" 2>&1
is "$?" 0 "installed cmd5pw adds a login"
# fresh, made by this shell: the parent of cmd5checkpw (cmd5checkpw(8), REPLAY)
CHAL="<$$.$(date +%s)@deb.example>"
inst_auth() {
	local want=$1 what=$2
	shift 2
	printf '%s\0' "$@" | /usr/bin/cmd5checkpw -l stderr -r "$T/replay" -f "$F" \
	    /bin/sh -c 'test "$USER" = alice' 3<&0 </dev/null >/dev/null 2>>"$LOG"
	is "$?" "$want" "$what"
}
inst_auth 0 "installed cmd5checkpw: PLAIN login accepted, prog runs as USER=alice" alice Deb-pw-7
inst_auth 1 "installed cmd5checkpw: wrong password refused" alice Deb-pw-8
inst_auth 0 "installed cmd5checkpw: CRAM-MD5 login accepted" alice "$CHAL" "$(hmac Deb-pw-7 "$CHAL")"
inst_auth 1 "installed cmd5checkpw: CRAM-MD5 with a wrong digest refused" alice "$CHAL" "$(hmac Deb-pw-8 "$CHAL")"

dpkg -L "$PKG" >"$T/files" 2>/dev/null
apt-get purge -y -qq "$PKG" >>"$LOG" 2>&1
is "$?" 0 "apt-get purge $PKG"
installed=0
dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'installed' &&
    not_ok "the package is gone" || ok "the package is gone"
left=
while read -r f; do
	# directories the package shares with others stay
	[ -e "$f" ] && ! [ -d "$f" ] && left="$left $f"
done <"$T/files"
is "${left:-none}" none "no file of the package is left"
[ -e /usr/share/doc/$PKG ] && not_ok "/usr/share/doc/$PKG is removed" ||
    ok "/usr/share/doc/$PKG is removed"
find /usr /etc /var/lib/dpkg/info -xdev 2>/dev/null | grep -i cmd5 | sort >"$T/after"
is "$(comm -13 "$T/before" "$T/after" | tr '\n' ' ')" "" "nothing named cmd5* left in /usr, /etc, dpkg's records"
done_testing
