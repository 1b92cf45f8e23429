#!/bin/sh
# quickstart.sh: install what is missing (as root), build, and show
# cmd5checkpw accept and refuse real logins from poppasswd.example.
set -eu
cd "$(dirname "$0")"
sh tests/deps.sh build
make -s
pw=$(mktemp -d)/poppasswd
trap 'rm -rf "$(dirname "$pw")"' EXIT
cp poppasswd.example "$pw"
chmod 640 "$pw"

# run LABEL FIELD...: write the NUL-terminated fields on fd 3, as
# qmail-smtpd does, and show cmd5checkpw's log line and exit code
run() {
	label=$1
	shift
	rc=0
	printf '%s\0' "$@" | ./cmd5checkpw -l stderr -f "$pw" \
	    sh -c 'echo "    prog runs with USER=$USER"' 3<&0 2>&1 |
	    sed 's/^/    /' || rc=$?
	rc=$(printf '%s\0' "$@" | { ./cmd5checkpw -l none -f "$pw" true 3<&0 && echo 0; } || echo $?)
	printf '    => %s: exit %s\n' "$label" "$rc"
}
hmac() { printf '%s' "$2" | openssl dgst -md5 -hmac "$1" | awk '{print $NF}'; }

chal="<$$.$(date +%s)@mail.example.org>"
echo "== CRAM-MD5 (qmail-smtpd AUTH, Hoffmann's field order), challenge $chal"
echo "alice, response made with her password 'wonderland':"
run "alice right" alice "$(hmac wonderland "$chal")" "$chal"
echo "alice, response made with 'wonderlamb':"
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
