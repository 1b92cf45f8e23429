#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# san: once
# POP3 mailbox logins (issue 10): tests/fakepopup.py (qmail-popup) and
# tests/fakepop3d.py (qmail-pop3d), both flavours of PROTOCOLS.md, under
# tcpserver as root, cmd5checkpw between them with -m pop3 and the
# virtual-mail defaults (-d BASE -D DOMAIN -u -g -M), driven by poplib:
# each login, USER/PASS or APOP, sees exactly its own Maildir; wrong
# passwords, unknown logins, logins built to escape the base and uid 0
# get -ERR; prog (the POP3 daemon) never runs as root.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e.sh"

for tool in tcpserver multilog python3 doveadm; do
	command -v "$tool" >/dev/null || not_ok "$tool installed (tests/deps.sh test)"
done
[ "$(id -u)" -eq 0 ] || not_ok "t_pop3 runs as root, as qmail-popup does"
[ "$FAILS" -eq 0 ] || exit 1

read -r NOTQ NETQ NETERR NOID <<<"$(free_ports 4)"
ML=$LOGDIR/t_pop3.multilog
ML5=$LOGDIR/t_pop3.multilog-fd5
rm -rf "$ML" "$ML5"
: >"$LOG"
# The mailbox uids must reach the stand-ins and their Maildirs.
chmod 711 "$T"
mkdir -p "$T/bin"
for f in fakepopup.py fakepop3d.py standin.py; do
	install -m 755 "$TOP/tests/$f" "$T/bin/$f"
done
install -m 755 "$CMD5CHECKPW" "$T/bin/cmd5checkpw"
TRACE=$T/trace
: >"$TRACE"
chmod 666 "$TRACE"

mkusers "$T/poppasswd"
HEX=0123456789abcdef0123456789ABCDEF
VM=$T/vmail
{
	printf 'hexy:%s\n' "$HEX"
	# its own uid and home on its line, a domain login
	printf 'pat@other.test:{PLAIN}pat-pw:uid=5001:gid=5001:home=%s\n' "$T/homes/pat"
	# logins an admin (or an import) let in that must name no mailbox
	printf '%s:{PLAIN}evil-pw\n' '../../etc@mx.test' '.hidden@mx.test' \
	    'a/b@mx.test' 'x@..' 'link@mx.test' 'two@at@mx.test' 'nohome@mx.test'
	printf 'rooty@mx.test:{PLAIN}evil-pw:uid=0:gid=0:home=%s\n' "$T/homes/pat"
	printf 'tim:tanstaaftanstaaf\n'
} >>"$T/poppasswd"

# maildir LOGIN DIR OWNER N: DIR/Maildir with N messages "for LOGIN #i"
maildir() {
	local i
	mkdir -p "$2/Maildir/new" "$2/Maildir/cur" "$2/Maildir/tmp"
	for i in $(seq "$4"); do
		printf 'Subject: for %s #%d\n\nhello %s\n' "$1" "$i" "$1" \
		    >"$2/Maildir/new/100$i.M1P1.mx.test"
	done
	chown -R "$3" "$2"
}
declare -A NMSG
n=1
for u in $USERS hexy tim; do
	n=$((n % 3 + 1))
	NMSG[$u]=$n
	maildir "$u" "$VM/mx.test/$u" 5000:5000 "$n"
done
NMSG[pat@other.test]=2
maildir pat@other.test "$T/homes/pat" 5001:5001 2
# a symlink planted in the base: link@mx.test would read alice's mail
ln -s alice "$VM/mx.test/link"
chown 5000:5000 "$VM" "$VM/mx.test"

# want LOGIN: what pop3-mail prints for a login that sees its own mail
want() {
	local i
	printf 'login OK\nmsgs %d' "${NMSG[$1]}"
	for i in $(seq "${NMSG[$1]}"); do printf '\nsubject for %s #%d' "$1" "$i"; done
}

ID="-d $VM -D mx.test -u 5000 -g 5000 -M"
serve() {	# serve PORT FLAVOUR LOGARGS...
	local port=$1 flavour=$2
	shift 2
	POPUP_FLAVOUR=$flavour POP3D_TRACE=$TRACE \
	    tcpserver -R -H -l mx.test 127.0.0.1 "$port" \
	    python3 "$T/bin/fakepopup.py" mx.test \
	    "$T/bin/cmd5checkpw" -f "$T/poppasswd" -m pop3 -r "$T/replay" "$@" \
	    python3 "$T/bin/fakepop3d.py" Maildir &
	SERVER_PIDS+=($!)
}
mkfifo "$T/logpipe" "$T/logpipe5"
multilog t "$ML" <"$T/logpipe" &
SERVER_PIDS+=($!)
multilog t "$ML5" <"$T/logpipe5" &
SERVER_PIDS+=($!)
exec 7>"$T/logpipe" 8>"$T/logpipe5"
# notqmail: fd 2 is tcpserver's, the log pipe
serve "$NOTQ" notqmail -l stderr $ID 2>&7
# netqmail: fd 2 is the client; the log goes to fd 5, multilog's pipe
serve "$NETQ" netqmail -l fd:5 $ID 5>&8 2>/dev/null
# the mistake this replaces: -l stderr under netqmail
serve "$NETERR" netqmail -l stderr $ID 2>/dev/null
# the setup of the issue: no identity, started in alice's home
cd "$VM/mx.test/alice" || exit 1
serve "$NOID" notqmail -l stderr 2>&7
cd "$TOP" || exit 1
exec 7>&- 8>&-
for p in $NOTQ $NETQ $NETERR $NOID; do
	wait_port "$p" || { not_ok "tcpserver on $p did not start"; exit 1; }
done
ok "four qmail-popup stand-ins listen (notqmail, netqmail fd:5, netqmail stderr, no identity)"

py() { timeout 30 python3 "$TOP/tests/mailclient.py" "$@" 2>&1; }
traced() { grep -c . "$TRACE"; }
ERR="login ERR -ERR authorization failed"

# 1. notqmail, every verifier kind: own mail, wrong password refused
for u in $USERS; do
	is "$(py pop3-mail "$NOTQ" user "$u" "${PW[$u]}")" "$(want "$u")" \
	    "notqmail USER/PASS ${KIND[$u]} ($u): its own ${NMSG[$u]} messages"
	is "$(py pop3-mail "$NOTQ" user "$u" "${PW[$u]}!")" "$ERR" \
	    "notqmail USER/PASS ${KIND[$u]}: wrong password -ERR"
	if [ "${KIND[$u]}" = plaintext ]; then
		is "$(py pop3-mail "$NOTQ" apop "$u" "${PW[$u]}")" "$(want "$u")" \
		    "notqmail APOP ${KIND[$u]} ($u): its own messages"
	else
		is "$(py pop3-mail "$NOTQ" apop "$u" "${PW[$u]}")" "$ERR" \
		    "notqmail APOP ${KIND[$u]}: no plaintext to check, -ERR"
	fi
	is "$(py pop3-mail "$NOTQ" apop "$u" "${PW[$u]}!")" "$ERR" \
	    "notqmail APOP ${KIND[$u]}: wrong secret -ERR"
done
is "$(py pop3-mail "$NOTQ" user hexy "$HEX")" "$(want hexy)" "-m pop3: 32-hex-digit USER/PASS, own mail"
is "$(py pop3-mail "$NOTQ" user hexy "${HEX%F}0")" "$ERR" "-m pop3: 32 hex digits, wrong"
is "$(py pop3-mail "$NOTQ" apop hexy "$HEX")" "$(want hexy)" "-m pop3: APOP for the same login"
is "$(py pop3-mail "$NOTQ" apop tim tanstaaftanstaaf)" "$(want tim)" "legacy plaintext line (tim): APOP, own mail"
is "$(py pop3-mail "$NOTQ" user pat@other.test pat-pw)" "$(want pat@other.test)" \
    "uid/gid/home on the line (pat@other.test): its own messages"
is "$(py pop3-mail "$NOTQ" user pat@other.test pat-pw-)" "$ERR" "pat@other.test: wrong password -ERR"
is "$(py pop3-mail "$NOTQ" user nobody "${PW[alice]}")" "$ERR" "USER/PASS unknown login -ERR"
is "$(py pop3-mail "$NOTQ" apop nobody "${PW[alice]}")" "$ERR" "APOP unknown login -ERR"
is "$(py pop3-mail "$NOTQ" user frank frank-pw)" "$ERR" "USER/PASS disabled login -ERR"

# 2. logins that must reach no mailbox, with the right password
before=$(traced)
for u in '../../etc@mx.test' '.hidden@mx.test' 'a/b@mx.test' 'x@..' \
    'link@mx.test' 'two@at@mx.test' 'nohome@mx.test' 'rooty@mx.test'; do
	is "$(py pop3-mail "$NOTQ" user "$u" evil-pw)" "$ERR" \
	    "right password, no mailbox: $u gets -ERR"
done
is "$(traced)" "$before" "none of them reached the POP3 daemon"

# 3. netqmail: fd 2 is the client; with -l fd:5 nothing of the log reaches it
for u in alice carol pat@other.test; do
	is "$(py pop3-mail "$NETQ" user "$u" "${PW[$u]:-pat-pw}")" "$(want "$u")" \
	    "netqmail -l fd:5 USER/PASS ($u): its own messages"
	is "$(py pop3-mail "$NETQ" user "$u" wrong)" "$ERR" \
	    "netqmail -l fd:5 ($u): wrong password, the client sees only -ERR authorization failed"
done
is "$(py pop3-mail "$NETQ" apop alice "${PW[alice]}")" "$(want alice)" "netqmail APOP alice: own messages"
is "$(py pop3-mail "$NETQ" user nobody x)" "$ERR" "netqmail unknown login: -ERR authorization failed"
like "$(py pop3-mail "$NETERR" user alice wrong)" '^login ERR cmd5checkpw: fail .*login="alice"' \
    "control: netqmail with -l stderr hands the log line to the client as its reply"

# 4. one attempt per connection, as qmail-popup
got=$(python3 - "$NETQ" <<'PY'
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
f = c.makefile("rb")
f.readline()
for line in (b"USER alice", b"PASS wrong", b"USER alice", b"PASS alice-pw"):
    c.sendall(line + b"\r\n")
    try:
        r = f.readline()
    except ConnectionResetError:
        r = b""
    print(r.decode().strip() or "(closed)")
    if not r:
        break
PY
)
is "$got" "+OK
-ERR authorization failed
(closed)" "netqmail stand-in: after one failure the connection is closed"

# 5. the issue's setup: no identity, started in alice's home
is "$(py pop3-mail "$NOID" user bob "${PW[bob]}")" \
    "login ERR -ERR qmail-pop3d will not run as root" \
    "no identity under notqmail: qmail-pop3d refuses root (why -d/-u/-g are needed)"

# 6. who the POP3 daemon ran as
is "$(grep -c 'uid=0 ' "$TRACE")" 0 "the POP3 daemon never ran as uid 0"
like "$(cat "$TRACE")" "^uid=5001 gid=5001 user=pat@other.test home=$T/homes/pat cwd=$T/homes/pat/Maildir$" \
    "pat@other.test ran as 5001:5001 in its own Maildir, HOME and USER set"
like "$(cat "$TRACE")" "^uid=5000 gid=5000 user=carol home=$VM/mx.test/carol cwd=$VM/mx.test/carol/Maildir$" \
    "carol ran as the mail account in BASE/mx.test/carol/Maildir"
bad=$(grep -v '^uid=5001 gid=5001 user=pat@other.test ' "$TRACE" |
    grep -v "^uid=5000 gid=500[01] user=\([^ ]*\) home=[^ ]*/\1 cwd=[^ ]*/\1/Maildir$" | head -3)
is "$bad" "" "every session ran in the Maildir of the login that proved its password"

stop_servers
like "$(cat "$ML/current")" ' cmd5checkpw: ok remote=127\.0\.0\.1 mech=apop verifier=plain source=text login="alice"$' \
    "multilog (stderr): APOP ok line"
like "$(cat "$ML/current")" 'error remote=127\.0\.0\.1 reason="mailbox: a path component is a symlink or not a directory" login="link@mx.test"' \
    "multilog: the planted symlink is logged"
like "$(cat "$ML/current")" 'error remote=127\.0\.0\.1 reason="mailbox: uid or gid 0.*login="rooty@mx.test"' \
    "multilog: uid 0 refused and logged"
like "$(cat "$ML5/current")" ' cmd5checkpw: fail remote=127\.0\.0\.1 mech=password reason=bad-password source=[a-z]* login="carol"' \
    "multilog through -l fd:5: netqmail's failures are logged"
f2b_check "pop3 multilog" "$ML/current"
cat "$ML/current" "$ML5/current" >>"$LOG"
done_testing
