#!/bin/bash
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
	# CRAM-MD5 in both field orders, the response computed by openssl
	good=$(hmac "$pw" "$chal")
	wrong=$(hmac "$bad" "$chal")
	want=$((cram ? 0 : 1))
	auth $want "$kind: CRAM-MD5 Dabrowski order right (want $want)" "$login" "$chal" "$good" -- "${A[@]}" "${P[@]}"
	auth 1 "$kind: CRAM-MD5 Dabrowski order wrong" "$login" "$chal" "$wrong" -- "${A[@]}" "${P[@]}"
	auth $want "$kind: CRAM-MD5 Hoffmann order right (want $want)" "$login" "$good" "$chal" -- "${A[@]}" "${P[@]}"
	auth 1 "$kind: CRAM-MD5 Hoffmann order wrong" "$login" "$wrong" "$chal" -- "${A[@]}" "${P[@]}"
	auth $want "$kind: -m hoffmann CRAM right" "$login" "$good" "$chal" -- -m hoffmann "${A[@]}" "${P[@]}"
	auth $want "$kind: -m dabrowski CRAM right" "$login" "$chal" "$good" -- -m dabrowski "${A[@]}" "${P[@]}"
	# CRAM response replayed against another challenge
	auth 1 "$kind: CRAM-MD5 response for another challenge" "$login" "$good" "<1.2@other>" -- "${A[@]}" "${P[@]}"
	# APOP: needs the plaintext
	want=$((apop ? 0 : 1))
	auth $want "$kind: APOP right (want $want)" "$login" "$(apop "$pw" "$chal")" "$chal" -- "${A[@]}" "${P[@]}"
	auth 1 "$kind: APOP wrong" "$login" "$(apop "$bad" "$chal")" "$chal" -- "${A[@]}" "${P[@]}"
	auth $want "$kind: -m pop3 APOP right" "$login" "$(apop "$pw" "$chal")" "$chal" -- -m pop3 "${A[@]}" "${P[@]}"
	# forced password mode: a CRAM response is just a wrong password
	auth 1 "$kind: -m password refuses a CRAM response" "$login" "$good" "$chal" -- -m password "${A[@]}" "${P[@]}"
	auth 0 "$kind: -m password PLAIN right" "$login" "$pw" "" -- -m password "${A[@]}" "${P[@]}"
done

# A 32-hex-digit password over POP3 USER/PASS needs -m pop3 (documented)
printf 'hexie:{PLAIN}0123456789abcdef0123456789abcdef\n' >>"$PW"
auth 1 "auto: 32-hex password with timestamp is read as a digest" hexie 0123456789abcdef0123456789abcdef "$chal" -- "${A[@]}" true
auth 0 "-m pop3: 32-hex password with timestamp accepted" hexie 0123456789abcdef0123456789abcdef "$chal" -- -m pop3 "${A[@]}" true
auth 1 "-m pop3: wrong 32-hex password refused" hexie 0123456789abcdef0123456789abcdee "$chal" -- -m pop3 "${A[@]}" true

# unknown and locked logins
for mech in plain cram; do
	if [ $mech = plain ]; then f=(nobody test ""); else f=(nobody "$(hmac test "$chal")" "$chal"); fi
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
