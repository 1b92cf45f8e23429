#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# san: once
# Dovecot 2.3 with cmd5checkpw as its checkpassword passdb and userdb:
# submission (STARTTLS, AUTH PLAIN/LOGIN, relay to a sink) driven by swaks
# and smtplib, IMAP by imaplib and POP3 by poplib, each user in its own
# Maildir (the userdb's home, uid and gid from cmd5checkpw's -d -D -u -g),
# userdb lookups by doveadm.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e.sh"

for tool in dovecot doveadm swaks openssl python3 fail2ban-regex; do
	command -v "$tool" >/dev/null || not_ok "$tool installed (tests/deps.sh test)"
done
[ "$FAILS" -eq 0 ] || exit 1

# Dovecot runs checkpassword as its internal user (dovecot): the temp dir
# must let it through, to a copy of the binary (the tree may sit in a
# private home), and the password file is readable through a group of its
# own that only the auth service gets (extra_groups, as in
# contrib/dovecot/): no setuid.
chmod 711 "$T"
mkdir -p "$T/bin"
install -m 755 "$CMD5CHECKPW" "$T/bin/cmd5checkpw"
read -r IMAP SUBM SINK POP <<<"$(free_ports 4)"
DLOG=$LOGDIR/t_dovecot.dovecot.log
: >"$DLOG"
: >"$LOG"

mkusers "$T/poppasswd"
chgrp mail "$T/poppasswd"
PLAIN=${PW[alice]} YES=${PW[carol]} SHA=${PW[dave]}

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" \
    -out "$T/cert.pem" -days 2 -subj /CN=localhost 2>/dev/null ||
    not_ok "self-signed certificate"
mkdir -p "$T/sink"
# each login's home: BASE/mx.test/LOGIN, owned by the mail account 5000
# (no passwd entry needed), with messages of its own
VM=$T/vmail
declare -A NMSG
n=1
for u in $USERS; do
	n=$((n % 3 + 1))
	NMSG[$u]=$n
	mkdir -p "$VM/mx.test/$u/Maildir/new" "$VM/mx.test/$u/Maildir/cur" \
	    "$VM/mx.test/$u/Maildir/tmp"
	for i in $(seq $n); do
		printf 'Subject: for %s #%d\n\nhello\n' "$u" "$i" \
		    >"$VM/mx.test/$u/Maildir/new/100$i.M1P1.mx.test"
	done
done
chown -R 5000:5000 "$VM"
want() {	# what imap-mail and pop3-mail print for LOGIN's own Maildir
	local i
	printf 'login OK\nmsgs %d' "${NMSG[$1]}"
	for i in $(seq "${NMSG[$1]}"); do printf '\nsubject for %s #%d' "$1" "$i"; done
}

# the options contrib/dovecot/ gives (-m password: Dovecot only ever
# sends a password; -d -u -g: the homes and ids of the userdb), with this
# test's file, base and log
SNIP=$TOP/contrib/dovecot/auth-cmd5checkpw.conf.ext
FLAGS=$(sed -n 's|^  args = /usr/local/bin/cmd5checkpw \(.*\) -f /etc/poppasswd$|\1|p' "$SNIP" | sort -u)
is "$FLAGS" "-m password -d /var/vmail -u 5000 -g 5000" "contrib/dovecot: passdb and userdb run cmd5checkpw -m password with the mail account"
CHECK="$T/bin/cmd5checkpw -m password -f $T/poppasswd -l stderr -d $VM -D mx.test -u 5000 -g 5000"
cat >"$T/dovecot.conf" <<EOF
base_dir = $T/run
state_dir = $T/state
instance_name = cmd5test
log_path = $DLOG
protocols = imap pop3 submission
listen = 127.0.0.1
hostname = mx.test
ssl = yes
ssl_cert = <$T/cert.pem
ssl_key = <$T/key.pem
auth_mechanisms = plain login
auth_verbose = yes
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
mail_location = maildir:~/Maildir
first_valid_uid = 5000
passdb {
  driver = checkpassword
  args = $CHECK
}
userdb {
  driver = checkpassword
  args = $CHECK
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $POP
  }
  inet_listener pop3s {
    port = 0
  }
}
service submission-login {
  inet_listener submission {
    address = 127.0.0.1
    port = $SUBM
  }
}
service auth {
  extra_groups = mail
  # the sanitizer build maps terabytes of shadow memory: no address cap
  vsz_limit = 0
}
# no growing delay after each failure (the auth penalty): a test makes many
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
submission_relay_host = 127.0.0.1
submission_relay_port = $SINK
submission_relay_trusted = yes
EOF

start sink python3 "$TOP/tests/smtpsink.py" "$SINK" "$T/sink"
start dovecot dovecot -F -c "$T/dovecot.conf"
if wait_port "$SINK" && wait_port "$SUBM" && wait_port "$IMAP" && wait_port "$POP"; then
	ok "dovecot and the sink listen on 127.0.0.1:$SUBM, $IMAP, $POP, $SINK"
else
	not_ok "servers did not start ($(tail -3 "$T/dovecot.out" "$DLOG"))"
	exit 1
fi

sunk() { ls "$T/sink" | grep -c '^msg\.[0-9]*$'; }

# swaks LOGIN PASSWORD MECH: the AUTH reply code, after STARTTLS; on 235
# the message goes on to the sink.
swaks_auth() {
	timeout 30 swaks --server 127.0.0.1 --port "$SUBM" -tls \
	    --auth "$3" --auth-user "$1" --auth-password "$2" \
	    --from "$1@mx.test" --to "rcpt@example.org" \
	    --h-Subject "e2e swaks $1 $3" </dev/null >"$T/swaks.out" 2>&1
	sed -En 's/^<[-*~]* +([0-9]{3}) .*/\1/p' "$T/swaks.out" |
	    grep -m1 -E '^(235|535|5..|4..)$'
}

# 1. submission, swaks, every verifier kind, PLAIN and LOGIN
for u in $USERS; do
	for mech in PLAIN LOGIN; do
		n=$(sunk)
		is "$(swaks_auth "$u" "${PW[$u]}" $mech)" 235 \
		    "swaks STARTTLS AUTH $mech ${KIND[$u]} ($u): right password 235"
		is "$(sunk)" $((n + 1)) \
		    "swaks $mech ${KIND[$u]}: message relayed to the sink"
		is "$(swaks_auth "$u" "${PW[$u]}x" $mech)" 535 \
		    "swaks STARTTLS AUTH $mech ${KIND[$u]} ($u): wrong password 535"
	done
done
for mech in PLAIN LOGIN; do
	is "$(swaks_auth nobody "$PLAIN" $mech)" 535 "swaks AUTH $mech unknown login 535"
	is "$(swaks_auth frank frank-pw $mech)" 535 "swaks AUTH $mech disabled (!) login 535"
done
like "$(cat "$T/sink"/msg.1.env)" 'rcpt@example.org' "sink got the envelope recipient"

# 2. submission, Python smtplib
py() { timeout 30 python3 "$TOP/tests/mailclient.py" "$@" 2>&1; }
ehlo=$(py ehlo "$SUBM")
like "$ehlo" '^STARTTLS' "smtplib: EHLO offers STARTTLS"
like "$(py ehlo "$SUBM" tls)" '^AUTH .*PLAIN' "smtplib: EHLO after STARTTLS offers AUTH PLAIN"
like "$(py ehlo "$SUBM" tls)" '^AUTH .*LOGIN' "smtplib: EHLO after STARTTLS offers AUTH LOGIN"
for u in $USERS; do
	for mech in PLAIN LOGIN; do
		n=$(sunk)
		is "$(py smtp-tls "$SUBM" $mech "$u" "${PW[$u]}" "$u@mx.test" rcpt@example.org)" \
		    "auth 235
sent 250" "smtplib STARTTLS AUTH $mech ${KIND[$u]}: 235, message accepted"
		is "$(sunk)" $((n + 1)) "smtplib $mech ${KIND[$u]}: message relayed to the sink"
		is "$(py smtp-tls "$SUBM" $mech "$u" "x${PW[$u]}")" "auth 535" \
		    "smtplib STARTTLS AUTH $mech ${KIND[$u]}: wrong password 535"
	done
done
is "$(py smtp-tls "$SUBM" PLAIN nobody "$PLAIN")" "auth 535" "smtplib AUTH PLAIN unknown login 535"
is "$(py smtp-tls "$SUBM" LOGIN nobody "$PLAIN")" "auth 535" "smtplib AUTH LOGIN unknown login 535"
n=$(sunk)
like "$(py smtp-noauth "$SUBM" alice@mx.test rcpt@example.org)" '^mail 5[0-9][0-9]$' \
    "smtplib: MAIL without AUTH refused"
is "$(sunk)" "$n" "nothing relayed without AUTH"

# 3. IMAP LOGIN (after STARTTLS), imaplib; this login needs the userdb too
for u in $USERS; do
	is "$(py imap "$IMAP" "$u" "${PW[$u]}")" "login OK" "imaplib LOGIN ${KIND[$u]}: right password"
	is "$(py imap "$IMAP" "$u" "${PW[$u]}-")" "login NO" "imaplib LOGIN ${KIND[$u]}: wrong password"
done
is "$(py imap "$IMAP" nobody "$PLAIN")" "login NO" "imaplib LOGIN unknown login refused"
# each user's own Maildir: home, uid and gid came back through the
# checkpassword userdb (userdb_home, EXTRA userdb_uid userdb_gid)
for u in $USERS; do
	is "$(py imap-mail "$IMAP" "$u" "${PW[$u]}")" "$(want "$u")" \
	    "imaplib ${KIND[$u]} ($u): INBOX holds its own ${NMSG[$u]} messages"
	is "$(py pop3-mail "$POP" user "$u" "${PW[$u]}")" "$(want "$u")" \
	    "poplib USER/PASS ${KIND[$u]} ($u): its own ${NMSG[$u]} messages"
	is "$(py pop3-mail "$POP" user "$u" "${PW[$u]}x")" \
	    "login ERR -ERR [AUTH] Authentication failed." \
	    "poplib USER/PASS ${KIND[$u]}: wrong password -ERR"
done
is "$(py pop3-mail "$POP" user nobody "$PLAIN")" "login ERR -ERR [AUTH] Authentication failed." \
    "poplib unknown login -ERR"

# 4. userdb lookups (AUTHORIZED=1 -> AUTHORIZED=2 / exit 3) and passdb
# through the running auth server
da() { timeout 30 doveadm -c "$T/dovecot.conf" "$@" 2>&1; }
for u in $USERS; do
	out=$(da user "$u"); rc=$?
	is "$rc" 0 "doveadm user $u: exit 0, known to the checkpassword userdb"
	like "$out" "uid[[:space:]]+5000" "doveadm user $u: uid 5000 from cmd5checkpw -u"
	like "$out" "home[[:space:]]+$VM/mx.test/$u\$" "doveadm user $u: home BASE/mx.test/$u from -d -D"
done
out=$(da user nobody); rc=$?
is "$rc" 67 "doveadm user nobody: exit 67, user doesn't exist (our exit 3)"
like "$out" "doesn't exist" "doveadm user nobody: reported as unknown, not as a failure"
da auth test carol "$YES" >/dev/null; is $? 0 "doveadm auth test: right password"
da auth test carol "$SHA" >/dev/null; is $? 77 "doveadm auth test: wrong password (77)"

# what cmd5checkpw said, through Dovecot's log
like "$(cat "$DLOG")" 'cmd5checkpw: ok (remote=[^ ]+ )?mech=lookup .*login="carol"' "lookup mode logged"
like "$(cat "$DLOG")" 'cmd5checkpw: fail (remote=[^ ]+ )?mech=lookup reason=unknown-login .*login="nobody"' \
    "unknown user in lookup mode logged"
like "$(cat "$DLOG")" 'cmd5checkpw: fail remote=127\.0\.0\.1 mech=password reason=bad-password .*login="erin"' \
    "failure logged with the client's address"
if grep -q 'exited with status' "$DLOG"; then
	not_ok "Dovecot saw no unexpected checkpassword exit ($(grep -m1 'exited with status' "$DLOG"))"
else
	ok "Dovecot saw no unexpected checkpassword exit"
fi
# the sanitizer build's reports land in Dovecot's log (its children's stderr)
if grep -Eq 'Sanitizer|runtime error' "$DLOG"; then
	not_ok "no sanitizer report in Dovecot's log ($(grep -m1 -E 'Sanitizer|runtime error' "$DLOG"))"
else
	ok "no sanitizer report in Dovecot's log"
fi
stop_servers
f2b_check "Dovecot log" "$DLOG"
grep -E 'cmd5checkpw:|Sanitizer|runtime error' "$DLOG" >>"$LOG"
done_testing
