#!/bin/bash
# qmail-popup's contract: tests/fakepopup.py (qmail-popup) and
# tests/fakepop3d.py (qmail-pop3d) under tcpserver, cmd5checkpw between
# them with -m pop3, driven by Python's poplib: USER/PASS for every
# verifier kind, APOP (RFC 1939) against the plaintext secret it needs.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e.sh"

for tool in tcpserver multilog python3 doveadm; do
	command -v "$tool" >/dev/null || not_ok "$tool installed (tests/deps.sh test)"
done
[ "$FAILS" -eq 0 ] || exit 1

read -r POP <<<"$(free_ports 1)"
ML=$LOGDIR/t_pop3.multilog
rm -rf "$ML"
: >"$LOG"
mkusers "$T/poppasswd"
HEX=0123456789abcdef0123456789ABCDEF
printf 'hexy:%s\n' "$HEX" >>"$T/poppasswd"

mkfifo "$T/logpipe"
multilog t "$ML" <"$T/logpipe" &
SERVER_PIDS+=($!)
tcpserver -R -H -l mx.test 127.0.0.1 "$POP" \
    python3 "$TOP/tests/fakepopup.py" mx.test \
    "$CMD5CHECKPW" -f "$T/poppasswd" -m pop3 -l stderr \
    python3 "$TOP/tests/fakepop3d.py" \
    </dev/null >"$T/pop.out" 2>"$T/logpipe" &
SERVER_PIDS+=($!)
if wait_port "$POP"; then
	ok "qmail-popup stand-in listens on 127.0.0.1:$POP"
else
	not_ok "tcpserver did not start ($(cat "$T/pop.out"))"
	exit 1
fi

py() { timeout 30 python3 "$TOP/tests/mailclient.py" "$@" 2>&1; }
for u in $USERS; do
	is "$(py pop3 "$POP" user "$u" "${PW[$u]}")" "login OK +OK logged in as $u
stat 0" "poplib USER/PASS ${KIND[$u]}: right password, USER=$u, session goes on"
	is "$(py pop3 "$POP" user "$u" "${PW[$u]}!")" "login ERR" \
	    "poplib USER/PASS ${KIND[$u]}: wrong password refused"
	# APOP proves knowledge of the plaintext secret: only a plaintext
	# entry can check it
	if [ "${KIND[$u]}" = plaintext ]; then
		is "$(py pop3 "$POP" apop "$u" "${PW[$u]}")" "login OK +OK logged in as $u
stat 0" "poplib APOP ${KIND[$u]}: right secret"
	else
		is "$(py pop3 "$POP" apop "$u" "${PW[$u]}")" "login ERR" \
		    "poplib APOP ${KIND[$u]}: refused, no plaintext to check against"
	fi
	is "$(py pop3 "$POP" apop "$u" "${PW[$u]}!")" "login ERR" \
	    "poplib APOP ${KIND[$u]}: wrong secret refused"
done
is "$(py pop3 "$POP" user hexy "$HEX")" "login OK +OK logged in as hexy
stat 0" "-m pop3: USER/PASS with a 32-hex-digit password"
is "$(py pop3 "$POP" user hexy "${HEX%F}0")" "login ERR" "-m pop3: 32 hex digits, wrong"
is "$(py pop3 "$POP" apop hexy "$HEX")" "login OK +OK logged in as hexy
stat 0" "-m pop3: APOP for the same login"
is "$(py pop3 "$POP" user nobody "${PW[alice]}")" "login ERR" "USER/PASS unknown login refused"
is "$(py pop3 "$POP" apop nobody "${PW[alice]}")" "login ERR" "APOP unknown login refused"
is "$(py pop3 "$POP" user frank frank-pw)" "login ERR" "USER/PASS disabled login refused"

stop_servers
like "$(cat "$ML/current")" ' cmd5checkpw: ok remote=127\.0\.0\.1 mech=apop verifier=plain source=text login="alice"$' \
    "multilog: APOP ok line"
f2b_check "pop3 multilog" "$ML/current"
cat "$ML/current" >>"$LOG"
done_testing
