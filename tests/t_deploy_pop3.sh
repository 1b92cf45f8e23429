#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# san: once
# The POP3 deployment kit, run as shipped: contrib/qmail-pop3d/run (110)
# and contrib/qmail-pop3d-995/run (tcpserver + stunnel4 in inetd mode),
# their log/run (multilog), with tests/fakepopup.py as netqmail's
# qmail-popup (fd 2 is the client) and tests/fakepop3d.py as qmail-pop3d.
# Two users, each its own Maildir, over plain POP3 and POP3S.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e.sh"

for tool in tcpserver tcprules softlimit multilog stunnel4 openssl python3 fail2ban-regex; do
	command -v "$tool" >/dev/null || not_ok "$tool installed (tests/deps.sh test)"
done
[ "$(id -u)" -eq 0 ] || not_ok "runs as root, as qmail-popup does"
[ "$FAILS" -eq 0 ] || exit 1

read -r P110 P995 <<<"$(free_ports 2)"
ML=$LOGDIR/t_deploy_pop3.multilog
ML995=$LOGDIR/t_deploy_pop3.multilog-995
rm -rf "$ML" "$ML995"
: >"$LOG"
chmod 711 "$T"
mkdir -p "$T/qmail/bin" "$T/qmail/control" "$T/bin" "$T/svc995"
for f in fakepopup.py fakepop3d.py standin.py; do
	install -m 755 "$TOP/tests/$f" "$T/bin/$f"
done
install -m 755 "$CMD5CHECKPW" "$T/bin/cmd5checkpw"
# netqmail 1.06's programs (stand-ins), where the run scripts look
printf '#!/bin/sh\nPOPUP_FLAVOUR=netqmail exec /usr/bin/python3 %s "$@"\n' \
    "$T/bin/fakepopup.py" >"$T/qmail/bin/qmail-popup"
printf '#!/bin/sh\nPOPUP_FLAVOUR=netqmail POP3D_TRACE=%s exec /usr/bin/python3 %s "$@"\n' \
    "$T/trace" "$T/bin/fakepop3d.py" >"$T/qmail/bin/qmail-pop3d"
chmod 755 "$T/qmail/bin/qmail-popup" "$T/qmail/bin/qmail-pop3d"
: >"$T/trace"
chmod 666 "$T/trace"
echo pop.test >"$T/qmail/control/me"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" \
    -out "$T/cert.pem" -days 2 -subj /CN=pop.test 2>/dev/null &&
    cat "$T/key.pem" "$T/cert.pem" >"$T/qmail/control/servercert.pem" ||
    not_ok "self-signed certificate"
chmod 600 "$T/qmail/control/servercert.pem"
tcprules "$T/tcp.pop3.cdb" "$T/tcp.tmp" <"$TOP/contrib/qmail-pop3d/tcp.pop3" ||
    not_ok "tcprules compiled the shipped rules"

VM=$T/vmail
declare -A NMSG PW=([ann@pop.test]=ann-pw [ben@pop.test]='ben pw')
NMSG=([ann@pop.test]=2 [ben@pop.test]=1)
for u in ann@pop.test ben@pop.test; do
	d=$VM/pop.test/${u%@*}
	mkdir -p "$d/Maildir/new" "$d/Maildir/cur" "$d/Maildir/tmp"
	for i in $(seq "${NMSG[$u]}"); do
		printf 'Subject: for %s #%d\n\nhi\n' "$u" "$i" >"$d/Maildir/new/10$i.M1P1.pop.test"
	done
	printf '%s\n' "${PW[$u]}" | "$CMD5PW" -f "$T/poppasswd" add --stdin "$u" 2>>"$LOG"
done
chown -R 5000:5000 "$VM"
chmod 600 "$T/poppasswd"
# a chmod changes the ctime, which the index's stamp holds: rebuild it
"$CMD5PW" -q -f "$T/poppasswd" index 2>>"$LOG"
want() {
	local i
	printf 'login OK\nmsgs %d' "${NMSG[$1]}"
	for i in $(seq "${NMSG[$1]}"); do printf '\nsubject for %s #%d' "$1" "$i"; done
}

mkfifo "$T/p110" "$T/p995"
LOG_USER=root LOG_DIR=$ML sh "$TOP/contrib/qmail-pop3d/log/run" <"$T/p110" &
SERVER_PIDS+=($!)
LOG_USER=root LOG_DIR=$ML995 sh "$TOP/contrib/qmail-pop3d-995/log/run" <"$T/p995" &
SERVER_PIDS+=($!)
SETTINGS="QMAIL=$T/qmail ADDR=127.0.0.1 RULES=$T/tcp.pop3.cdb CMD5CHECKPW=$T/bin/cmd5checkpw
    REPLAY=$T/replay PWFILE=$T/poppasswd VMAIL_BASE=$VM VMAIL_UID=5000 VMAIL_GID=5000 SOFTLIMIT=="
env $SETTINGS PORT=$P110 sh "$TOP/contrib/qmail-pop3d/run" </dev/null >"$T/p110" &
SERVER_PIDS+=($!)
cd "$T/svc995" || exit 1
env $SETTINGS PORT=$P995 sh "$TOP/contrib/qmail-pop3d-995/run" </dev/null >"$T/p995" &
SERVER_PIDS+=($!)
cd "$TOP" || exit 1
if wait_port "$P110" && wait_port "$P995"; then
	ok "contrib run scripts: tcpserver on 127.0.0.1:$P110 (110) and :$P995 (995)"
else
	not_ok "run scripts did not start ($(cat "$ML/current" "$ML995/current" 2>&1 | tail -3))"
	exit 1
fi

py() { timeout 30 python3 "$TOP/tests/mailclient.py" "$@" 2>&1; }
ERR="login ERR -ERR authorization failed"
for u in ann@pop.test ben@pop.test; do
	is "$(py pop3-mail "$P110" user "$u" "${PW[$u]}")" "$(want "$u")" "110 USER/PASS $u: its own messages"
	is "$(py pop3-mail "$P110" user "$u" "${PW[$u]}x")" "$ERR" "110 $u: wrong password, only -ERR reaches the client"
	is "$(py pop3s-mail "$P995" user "$u" "${PW[$u]}")" "$(want "$u")" "995 (TLS) USER/PASS $u: its own messages"
	is "$(py pop3s-mail "$P995" user "$u" "x${PW[$u]}")" "$ERR" "995 $u: wrong password"
done
is "$(py pop3-mail "$P110" user nobody@pop.test x)" "$ERR" "110: unknown login"
is "$(py pop3s-mail "$P995" user nobody@pop.test x)" "$ERR" "995: unknown login"
is "$(grep -c 'uid=0 ' "$T/trace")" 0 "qmail-pop3d never ran as root"
is "$(grep -c . "$T/trace")" 4 "four sessions, one per good login"

stop_servers
like "$(cat "$ML/current")" ' cmd5checkpw: ok remote=127\.0\.0\.1 mech=password verifier=crypt source=index login="ann@pop.test"$' \
    "110 multilog: ok line through fd 5, with the client's address"
like "$(cat "$ML995/current")" ' cmd5checkpw: fail remote=127\.0\.0\.1 mech=password reason=bad-password .*login="ben@pop.test"$' \
    "995 multilog: fail line with tcpserver's TCPREMOTEIP through stunnel"
f2b_check "pop3 110 multilog" "$ML/current"
f2b_check "pop3 995 multilog" "$ML995/current"
cat "$ML/current" "$ML995/current" >>"$LOG"
done_testing
