#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# make install / uninstall honour DESTDIR, PREFIX, BINDIR, MANDIR; nothing
# is installed setuid or setgid.
. "$(dirname "$0")/lib.sh"
D=$T/dest
make -s -C "$TOP" install DESTDIR="$D" PREFIX=/opt/c5 >/dev/null 2>&1
is $? 0 "make install DESTDIR=... PREFIX=/opt/c5"
for f in bin/cmd5checkpw bin/cmd5pw bin/cmd5throttle share/man/man8/cmd5checkpw.8 \
    share/man/man8/cmd5throttle.8 \
    share/man/man8/cmd5pw.8 share/man/man8/cmd5pw-ldap.8 \
    share/man/man5/poppasswd.5; do
	[ -f "$D/opt/c5/$f" ] && ok "installed $f" || not_ok "installed $f"
done
is "$(stat -c %a "$D/opt/c5/bin/cmd5checkpw")" 755 "cmd5checkpw mode 0755: no setuid bit"
is "$(stat -c %a "$D/opt/c5/bin/cmd5pw")" 755 "cmd5pw mode 0755"
is "$(stat -c %a "$D/opt/c5/share/man/man5/poppasswd.5")" 644 "man page mode 0644"
is "$(find "$D" -type f -perm /6000 | wc -l)" 0 "no setuid or setgid file installed"
is "$(stat -c %a "$D/var/lib/cmd5checkpw" 2>&1)" 2770 \
    "the replay record's directory: mode 2770 (setgid: the record gets the front ends' group)"
make -s -C "$TOP" install DESTDIR="$D" STATEGROUP=daemon >/dev/null 2>&1
is "$(stat -c %G "$D/var/lib/cmd5checkpw" 2>&1)" daemon "STATEGROUP honoured"
make -s -C "$TOP" install DESTDIR="$D" STATEGROUP=no-such-group-here >"$T/out" 2>&1
is $? 0 "a missing STATEGROUP is no failure"
like "$(cat "$T/out")" 'note: no group no-such-group-here' "... but a note says what to do"
make -s -C "$TOP" install DESTDIR="$D" BINDIR=/sbin MANDIR=/man >/dev/null 2>&1
[ -x "$D/sbin/cmd5checkpw" ] && [ -f "$D/man/man8/cmd5checkpw.8" ] &&
    ok "BINDIR and MANDIR honoured" || not_ok "BINDIR and MANDIR honoured"
make -s -C "$TOP" uninstall DESTDIR="$D" PREFIX=/opt/c5 >/dev/null 2>&1
is "$(find "$D/opt/c5" -type f | wc -l)" 0 "make uninstall removes what install put"
[ -d "$D/var/lib/cmd5checkpw" ] && not_ok "make uninstall removes an empty state directory" ||
    ok "make uninstall removes an empty state directory"
S=$T/strip
make -s -C "$TOP" install-strip DESTDIR="$S" PREFIX=/usr >/dev/null 2>&1
is $? 0 "make install-strip"
for b in cmd5checkpw cmd5pw; do
	if readelf -S "$S/usr/bin/$b" 2>/dev/null | grep -q '\.symtab'; then
		not_ok "install-strip: $b has no symbol table"
	else ok "install-strip: $b has no symbol table"; fi
	readelf -S "$TOP/$b" | grep -q '\.symtab' &&
	    ok "the built $b still has one (make install leaves it)" ||
	    not_ok "the built $b still has one (make install leaves it)"
	is "$("$S/usr/bin/$b" --version)" "$b $(cat "$TOP/VERSION")" "the stripped $b runs"
done
is "$(stat -c %a "$S/usr/bin/cmd5checkpw")" 755 "install-strip: mode 0755, no setuid"

# the demo and the README's by-hand example under umask 002, where a
# checkout's files are group-writable
U=$T/u002
cp "$TOP/poppasswd.example" "$U.raw" && chmod 664 "$U.raw"	# as git checks it out under umask 002
printf 'bob\0test\0\0' | "$CMD5CHECKPW" -l none -f "$U.raw" true 3<&0
is "$?" 111 "umask 002: the group-writable example itself is refused (111)"
(umask 002; cp "$TOP/poppasswd.example" "$U" && chmod 600 "$U")
printf 'bob\0test\0\0' | "$CMD5CHECKPW" -l none -f "$U" true 3<&0
is "$?" 0 "umask 002: the README's example (cp, chmod 600) logs in"
printf 'bob\0Test\0\0' | "$CMD5CHECKPW" -l none -f "$U" true 3<&0
is "$?" 1 "and a wrong password is refused"
out=$(cd "$TOP" && umask 002 && sh ./quickstart.sh 2>&1)
like "$out" 'alice right: exit 0' "umask 002: quickstart.sh's logins work"
like "$out" 'alice wrong: exit 1' "and its wrong password is refused"
