#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# t_valgrind.sh: memcheck finds nothing on the pipe runs: each layout and
# mechanism, success and failure, unknown and locked logins, malformed
# input, text and index.  valgrind cannot run an ASan binary, so this
# checks a plain dynamic build (make vg: build-vg/cmd5checkpw) in both
# passes of tests/check.sh.
. "$(dirname "$0")/lib.sh"

if ! make -s -C "$TOP" vg tests/mkindex >"$T/make.out" 2>&1; then
	not_ok "make vg ($(tail -2 "$T/make.out" | tr '\n' ' '))"
	exit 1
fi
mkdir "$T/vg"
cat >"$T/vgwrap" <<EOW
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full \\
    --errors-for-leak-kinds=definite --log-file="$T/vg/%p" \\
    "$TOP/build-vg/cmd5checkpw" "\$@"
EOW
chmod +x "$T/vgwrap"
CMD5CHECKPW=$T/vgwrap

# After each case, any memcheck output at all is a failure.
clean() {
	local f bad=
	for f in "$T"/vg/*; do
		[ -s "$f" ] && bad="$bad $(grep -m1 -E '== [A-Z]|Invalid|uninitialised|lost' "$f")"
	done
	if [ -z "$bad" ]; then ok "memcheck clean: $1"
	else not_ok "memcheck: $1 ($bad)"; cat "$T"/vg/* >&2; fi
	rm -f "$T"/vg/*
}
vauth() {
	auth "$@"
	clean "$2"
}
vraw() {
	auth_raw "$@"
	clean "$2"
}

cp "$TOP/poppasswd.example" "$T/pw"
chmod 640 "$T/pw"
for src in text index; do
	if [ $src = index ]; then
		"$TOP/tests/mkindex" "$T/pw" || not_ok "mkindex"
	fi
	P=(-f "$T/pw" true)
	vauth 0 "$src: PLAIN plaintext right" tim tanstaaftanstaaf '' -- "${P[@]}"
	vauth 1 "$src: PLAIN plaintext wrong" tim tanstaaf '' -- "${P[@]}"
	vauth 0 "$src: PLAIN yescrypt right" alice wonderland '' -- "${P[@]}"
	vauth 1 "$src: PLAIN yescrypt wrong" alice wonderlamb '' -- "${P[@]}"
	vauth 0 "$src: PLAIN {CRAM-MD5} right" bob test '' -- "${P[@]}"
	vauth 1 "$src: PLAIN {CRAM-MD5} wrong" bob Test '' -- "${P[@]}"
	vauth 0 "$src: PLAIN {PLAIN.b64} right" erin 'pass:with:colons' -- "${P[@]}"
	vauth 1 "$src: unknown login" nosuch tanstaaftanstaaf '' -- "${P[@]}"
	vauth 1 "$src: locked login" mallory whatever '' -- "${P[@]}"
	vauth 1 "$src: login with ':'" 'tim:tanstaaftanstaaf' x '' -- "${P[@]}"
	newchal; vauth 0 "$src: CRAM-MD5 Hoffmann right" bob "$(hmac test "$CHAL")" "$CHAL" -- "${P[@]}"
	newchal; vauth 1 "$src: CRAM-MD5 Hoffmann wrong" bob "$(hmac Test "$CHAL")" "$CHAL" -- "${P[@]}"
	newchal; vauth 0 "$src: CRAM-MD5 Dabrowski right" tim "$CHAL" "$(hmac tanstaaftanstaaf "$CHAL")" -- "${P[@]}"
	newchal; vauth 1 "$src: CRAM-MD5 Dabrowski wrong" tim "$CHAL" "$(hmac tanstaaf "$CHAL")" -- "${P[@]}"
	newchal; vauth 0 "$src: -m hoffmann right" tim "$(hmac tanstaaftanstaaf "$CHAL")" "$CHAL" -- -m hoffmann "${P[@]}"
	newchal; vauth 0 "$src: -m dabrowski right" tim "$CHAL" "$(hmac tanstaaftanstaaf "$CHAL")" -- -m dabrowski "${P[@]}"
	newchal; vauth 0 "$src: APOP (-m pop3) right" erin "$(apop 'pass:with:colons' "$CHAL")" "$CHAL" -- -m pop3 "${P[@]}"
	newchal; vauth 1 "$src: APOP (-m pop3) wrong" erin "$(apop 'pass:with:colon' "$CHAL")" "$CHAL" -- -m pop3 "${P[@]}"
	newchal; vauth 1 "$src: APOP bytes in auto (a wrong CRAM-MD5 response)" tim "$(apop tanstaaftanstaaf "$CHAL")" "$CHAL" -- "${P[@]}"
	newchal; vauth 1 "$src: a challenge of another host" tim "$(hmac tanstaaftanstaaf "$CHAL")" "$CHAL" -- -H other "${P[@]}"
	newchal; vauth 0 "$src: -m hoffmann once" tim "$(hmac tanstaaftanstaaf "$CHAL")" "$CHAL" -- -m hoffmann "${P[@]}"
	vauth 1 "$src: -m hoffmann again (replayed)" tim "$(hmac tanstaaftanstaaf "$CHAL")" "$CHAL" -- -m hoffmann "${P[@]}"
	vraw 2 "$src: malformed: a fourth field" 'tim\000x\000\000\000' "${P[@]}"
	newchal; vauth 0 "$src: USER/PASS (-m pop3) right" tim tanstaaftanstaaf "$CHAL" -- -m pop3 "${P[@]}"
	vauth 0 "$src: -m password right" tim tanstaaftanstaaf '' -- -m password "${P[@]}"
	AUTHORIZED=1 vauth 0 "$src: Dovecot lookup, known" bob '' '' -- "${P[@]}"
	AUTHORIZED=1 vauth 3 "$src: Dovecot lookup, unknown" nosuch '' '' -- "${P[@]}"
	vraw 2 "$src: malformed: no NUL" 'tim' "${P[@]}"
	vraw 2 "$src: malformed: empty login" '\000x\000\000' "${P[@]}"
	vraw 2 "$src: malformed: third field without NUL" 'tim\000x\000y' "${P[@]}"
	vraw 1 "$src: over 512 bytes" "tim\\000$(head -c 600 /dev/zero | tr '\0' x)\\000" "${P[@]}"
done
vauth 111 "missing password file" tim x '' -- -f "$T/nonexistent" true
vauth 2 "no prog" tim x '' --
vauth 111 "prog cannot run" tim tanstaaftanstaaf '' -- -f "$T/pw" "$T/nonexistent"
done_testing
