#!/bin/sh
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# quickstart.sh: install what is missing (as root), build, and show
# cmd5checkpw accept and refuse real logins from poppasswd.example.
set -eu
cd "$(dirname "$0")"
sh tests/deps.sh build
make -s
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pw=$dir/poppasswd
cp poppasswd.example "$pw"
chmod 640 "$pw"

# run LABEL FIELD...: write the NUL-terminated fields on fd 3, as
# qmail-smtpd with Hoffmann's AUTH patch does (-m hoffmann), and show
# cmd5checkpw's log line and exit code.  This shell plays qmail-smtpd: it
# makes the challenges and is cmd5checkpw's parent; -r is the one-time
# record of challenges (/var/lib/cmd5checkpw/replay once installed).
run() {
	label=$1
	shift
	printf '%s\0' "$@" >"$dir/fd3"
	rc=0
	./cmd5checkpw -l stderr -m hoffmann -f "$pw" -r "$dir/replay" \
	    sh -c 'echo "prog runs with USER=$USER"' 3<"$dir/fd3" \
	    >"$dir/out" 2>&1 || rc=$?
	sed 's/^/    /' "$dir/out"
	printf '    => %s: exit %s\n' "$label" "$rc"
}
hmac() { printf '%s' "$2" | openssl dgst -md5 -hmac "$1" | awk '{print $NF}'; }
# a challenge as qmail-smtpd makes it: <its PID.now@its host name>
challenge() { echo "<$$.$(date +%s)@mail.example.org>"; }

chal=$(challenge)
echo "== CRAM-MD5 (qmail-smtpd AUTH, Hoffmann's field order), challenge $chal"
echo "alice, response made with her password 'wonderland':"
run "alice right" alice "$(hmac wonderland "$chal")" "$chal"
echo "the same bytes again, as someone who saw them would send them:"
run "replay" alice "$(hmac wonderland "$chal")" "$chal"
sleep 1
chal=$(challenge)
echo "alice, a new challenge $chal, response made with 'wonderlamb':"
run "alice wrong" alice "$(hmac wonderlamb "$chal")" "$chal"
echo
echo "== PLAIN / LOGIN (login\\\\0password\\\\0\\\\0)"
echo "bob with 'test' (stored only as a {CRAM-MD5} verifier):"
run "bob right" bob test ''
echo "bob with 'Test':"
run "bob wrong" bob Test ''
echo "nobody (unknown login):"
run "nobody" nobody test ''
echo
echo "Exit 0 runs the next program; 1 refuses; 2 misuse; 111 temporary failure."
echo "Next: make check    (the whole test suite)"
