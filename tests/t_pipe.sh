#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# The checkpassword pipe: every fd-3 layout x mechanism x verifier kind,
# each success next to its failure.
. "$(dirname "$0")/lib.sh"
PW=$T/poppasswd
cp "$TOP/poppasswd.example" "$PW"
# md5-crypt made by openssl(1), not by the code under test
printf 'frank:{PLAIN}$ecret\ngrace:%s\n' \
    "$(openssl passwd -1 -salt Ay8x1Abq md5-secret)" >>"$PW"
chmod 640 "$PW"

# kind login password cram? apop?
kinds=(
	"legacy-plaintext tim tanstaaftanstaaf 1 1"
	"cram-md5-only bob test 1 0"
	"yescrypt+cram-md5 alice wonderland 1 0"
	"sha512-crypt carol carol-secret 0 0"
	"bcrypt dave dave-secret 0 0"
	"plain-b64 erin pass:with:colons 1 1"
	"plain-tag frank \$ecret 1 1"
	"md5-crypt grace md5-secret 0 0"
)
chal="<12345.1700000000@mail.example.org>"
A=(-f "$PW")
# prog checks it got USER and its arguments
PROG=(sh -c 'test "$USER" = "$1" && test "$2" = arg2' prog)

for k in "${kinds[@]}"; do
	read -r kind login pw cram apop <<<"$k"
	bad="${pw}x"
	P=("${PROG[@]}" "$login" arg2)
	# LOGIN / PLAIN: Dabrowski and Dovecot write login\0pass\0\0
	auth 0 "$kind: PLAIN (login,pass,'') right" "$login" "$pw" "" -- "${A[@]}" "${P[@]}"
	auth 1 "$kind: PLAIN (login,pass,'') wrong" "$login" "$bad" "" -- "${A[@]}" "${P[@]}"
	# Hoffmann without CRAM-MD5: login\0pass\0
	auth 0 "$kind: PLAIN two fields right" "$login" "$pw" -- "${A[@]}" "${P[@]}"
	auth 1 "$kind: PLAIN two fields wrong" "$login" "$bad" -- "${A[@]}" "${P[@]}"
	# qmail-popup USER/PASS: login\0pass\0<ts>\0
	auth 0 "$kind: USER/PASS right" "$login" "$pw" "$chal" -- "${A[@]}" "${P[@]}"
	auth 1 "$kind: USER/PASS wrong" "$login" "$bad" "$chal" -- "${A[@]}" "${P[@]}"
	# CRAM-MD5 in both field orders, the response computed by openssl,
	# each to a new challenge of this shell's (the checker's parent)
	want=$((cram ? 0 : 1))
	newchal; auth $want "$kind: CRAM-MD5 Dabrowski order right (want $want)" "$login" "$CHAL" "$(hmac "$pw" "$CHAL")" -- "${A[@]}" "${P[@]}"
	newchal; auth 1 "$kind: CRAM-MD5 Dabrowski order wrong" "$login" "$CHAL" "$(hmac "$bad" "$CHAL")" -- "${A[@]}" "${P[@]}"
	newchal; auth $want "$kind: CRAM-MD5 Hoffmann order right (want $want)" "$login" "$(hmac "$pw" "$CHAL")" "$CHAL" -- "${A[@]}" "${P[@]}"
	newchal; auth 1 "$kind: CRAM-MD5 Hoffmann order wrong" "$login" "$(hmac "$bad" "$CHAL")" "$CHAL" -- "${A[@]}" "${P[@]}"
	newchal; auth $want "$kind: -m hoffmann CRAM right" "$login" "$(hmac "$pw" "$CHAL")" "$CHAL" -- -m hoffmann "${A[@]}" "${P[@]}"
	newchal; auth $want "$kind: -m dabrowski CRAM right" "$login" "$CHAL" "$(hmac "$pw" "$CHAL")" -- -m dabrowski "${A[@]}" "${P[@]}"
	# CRAM response to another (fresh) challenge
	newchal; good=$(hmac "$pw" "$CHAL"); newchal
	auth 1 "$kind: CRAM-MD5 response for another challenge" "$login" "$good" "$CHAL" -- "${A[@]}" "${P[@]}"
	# APOP (-m pop3 only): needs the plaintext
	want=$((apop ? 0 : 1))
	newchal; auth $want "$kind: -m pop3 APOP right (want $want)" "$login" "$(apop "$pw" "$CHAL")" "$CHAL" -- -m pop3 "${A[@]}" "${P[@]}"
	newchal; auth 1 "$kind: -m pop3 APOP wrong" "$login" "$(apop "$bad" "$CHAL")" "$CHAL" -- -m pop3 "${A[@]}" "${P[@]}"
	newchal; auth 1 "$kind: auto reads no APOP (the bytes are a wrong CRAM-MD5 response)" "$login" "$(apop "$pw" "$CHAL")" "$CHAL" -- "${A[@]}" "${P[@]}"
	newchal; good=$(hmac "$pw" "$CHAL")
	# forced password mode (Dovecot's layout): no third field but an empty one
	auth 2 "$kind: -m password refuses a CRAM response (a third field: misuse)" "$login" "$good" "$CHAL" -- -m password "${A[@]}" "${P[@]}"
	auth 0 "$kind: -m password PLAIN right" "$login" "$pw" "" -- -m password "${A[@]}" "${P[@]}"
done

# A 32-hex-digit password over POP3 USER/PASS needs -m pop3 (documented)
printf 'hexie:{PLAIN}0123456789abcdef0123456789abcdef\n' >>"$PW"
newchal; auth 1 "auto: 32-hex password with timestamp is read as a digest" hexie 0123456789abcdef0123456789abcdef "$CHAL" -- "${A[@]}" true
newchal; auth 0 "-m pop3: 32-hex password with timestamp accepted" hexie 0123456789abcdef0123456789abcdef "$CHAL" -- -m pop3 "${A[@]}" true
newchal; auth 1 "-m pop3: wrong 32-hex password refused" hexie 0123456789abcdef0123456789abcdee "$CHAL" -- -m pop3 "${A[@]}" true

# unknown and locked logins
for mech in plain cram; do
	newchal
	if [ $mech = plain ]; then f=(nobody test ""); else f=(nobody "$(hmac test "$CHAL")" "$CHAL"); fi
	auth 1 "unknown login ($mech)" "${f[@]}" -- "${A[@]}" true
done
auth 1 "locked account, right password" mallory locked-out "" -- "${A[@]}" true
like "$(tail -n 1 "$LOG")" 'reason=disabled' "locked account logged as disabled"

# the exit status of prog is passed through; prog gets its arguments
auth 7 "prog's own exit status passes through" tim tanstaaftanstaaf "" -- "${A[@]}" sh -c 'exit 7'
auth 111 "prog that cannot run: 111" tim tanstaaftanstaaf "" -- "${A[@]}" /nonexistent/prog
auth 0 "prog found on PATH (qmail-smtpd /bin/cmd5checkpw true)" tim tanstaaftanstaaf "" -- "${A[@]}" true
auth 1 "PATH prog, wrong password" tim wrong "" -- "${A[@]}" true

# Dovecot: environment in, reply program's USER out
out=$(printf 'tim\0tanstaaftanstaaf\0\0' | env -i PATH=/usr/bin:/bin SERVICE=imap \
    TCPREMOTEIP=127.0.0.9 "$CMD5CHECKPW" -l stderr "${A[@]}" sh -c 'echo "$USER"' 3<&0 2>>"$LOG")
is "$out" tim "USER set for Dovecot's checkpassword-reply"
like "$(tail -n 1 "$LOG")" 'ok remote=127\.0\.0\.9 mech=password .* login="tim"$' "ok line names login, mech and remote"
out=$(printf 'tim\0\0\0' | env AUTHORIZED=1 "$CMD5CHECKPW" -l stderr "${A[@]}" sh -c 'echo "$USER $AUTHORIZED"' 3<&0 2>>"$LOG")
is "$out" "tim 2" "Dovecot userdb lookup: known user gets AUTHORIZED=2"
printf 'nobody\0\0\0' | AUTHORIZED=1 "$CMD5CHECKPW" -l stderr "${A[@]}" true 3<&0 2>>"$LOG"
is $? 3 "Dovecot userdb lookup: unknown user exits 3"
printf 'mallory\0\0\0' | AUTHORIZED=1 "$CMD5CHECKPW" -l stderr "${A[@]}" true 3<&0 2>>"$LOG"
is $? 0 "Dovecot userdb lookup: a locked user exists (passdb refuses it)"
auth 1 "empty password without AUTHORIZED=1 is refused" tim "" "" -- "${A[@]}" true

# stdout is never written (Hoffmann: it is the SMTP client's socket)
out=$(printf 'tim\0wrong\0\0' | "$CMD5CHECKPW" -l stderr "${A[@]}" true 3<&0 2>/dev/null)
is "$out" "" "nothing on stdout on failure"
out=$(printf 'tim\0wrong\0\0' | "$CMD5CHECKPW" "${A[@]}" true 3<&0 2>&1)
is "$out" "" "default logging (syslog) writes nothing to stderr either"
done_testing
