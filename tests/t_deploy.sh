#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# The deployment kit, run as shipped: contrib/qmail-smtpd-587/run and its
# log/run (tcpserver + tcprules cdb + envuidgid + multilog), with
# tests/fakesmtpd.py (Hoffmann, with qmail-tls's STARTTLS) standing in for
# $QMAIL/bin/qmail-smtpd and an unprivileged smtpd user.  Then the checks
# the README (Deploying on port 587) tells an admin to make by hand, and contrib/qmail-smtpd/run
# on "port 25".
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e.sh"

for tool in tcpserver tcprules envuidgid softlimit setuidgid multilog swaks \
    fail2ban-regex /usr/bin/python3; do
	command -v "$tool" >/dev/null || not_ok "$tool installed (tests/deps.sh test)"
done
[ "$FAILS" -eq 0 ] || exit 1

read -r SUB SMTP <<<"$(free_ports 2)"
ML=$LOGDIR/t_deploy.multilog
rm -rf "$ML"
: >"$LOG"
SMTPD_USER=nobody
GROUP=$(id -gn nobody)

# What an admin has: /var/qmail (here $T/qmail), a password file the smtpd
# user reads through its group, the checker as an ordinary 0755 binary.
# $T and the copies must be reachable by nobody, wherever the tree is.
chmod 711 "$T"
mkdir -p "$T/qmail/bin" "$T/qmail/control" "$T/bin" "$T/queue"
chmod 1777 "$T/queue"
install -m 755 "$CMD5CHECKPW" "$T/bin/cmd5checkpw"
install -m 644 "$TOP/tests/fakesmtpd.py" "$T/bin/fakesmtpd.py"
install -m 644 "$TOP/tests/standin.py" "$T/bin/standin.py"
cat >"$T/qmail/bin/qmail-smtpd" <<EOF
#!/bin/sh
# qmail-smtpd with Hoffmann's AUTH patch and qmail-tls (a stand-in)
cd $T/qmail && FAKEQUEUE=$T/queue exec /usr/bin/python3 $T/bin/fakesmtpd.py hoffmann "\$@"
EOF
chmod 755 "$T/qmail/bin/qmail-smtpd"
echo mx.test >"$T/qmail/control/me"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" \
    -out "$T/cert.pem" -days 2 -subj /CN=mx.test 2>/dev/null &&
    cat "$T/key.pem" "$T/cert.pem" >"$T/qmail/control/servercert.pem" ||
    not_ok "self-signed certificate"
chgrp "$GROUP" "$T/qmail/control/servercert.pem"
chmod 640 "$T/qmail/control/servercert.pem"
mkusers "$T/poppasswd"
chgrp "$GROUP" "$T/poppasswd"
# the replay record's directory, as make install and the README make it
install -d -m 2770 -g "$GROUP" "$T/state"
cp "$T/poppasswd" "$T/poppasswd.rootonly"
chmod 600 "$T/poppasswd.rootonly"
tcprules "$T/tcp.submission.cdb" "$T/tcp.tmp" <"$TOP/contrib/qmail-smtpd-587/tcp.submission" &&
    tcprules "$T/tcp.smtp.cdb" "$T/tcp.tmp" <"$TOP/contrib/qmail-smtpd/tcp.smtp" ||
    not_ok "tcprules compiled the shipped rules"

# svscan would run ./run | ./log/run; so do we, through a fifo to keep PIDs
mkfifo "$T/sub.pipe"
LOG_USER=root LOG_DIR=$ML sh "$TOP/contrib/qmail-smtpd-587/log/run" <"$T/sub.pipe" &
SERVER_PIDS+=($!)
QMAIL=$T/qmail SMTPD_USER=$SMTPD_USER PORT=$SUB ADDR=127.0.0.1 \
    RULES=$T/tcp.submission.cdb CMD5CHECKPW=$T/bin/cmd5checkpw \
    PWFILE=$T/poppasswd REPLAY=$T/state/replay SOFTLIMIT== \
    sh "$TOP/contrib/qmail-smtpd-587/run" </dev/null >"$T/sub.pipe" &
SERVER_PIDS+=($!)
# port 25, its password file readable by root only: the checker (run as
# nobody) must fail to read it, which shows it has no privilege
QMAIL=$T/qmail SMTPD_USER=$SMTPD_USER PORT=$SMTP ADDR=127.0.0.1 \
    RULES=$T/tcp.smtp.cdb CMD5CHECKPW=$T/bin/cmd5checkpw \
    PWFILE=$T/poppasswd.rootonly REPLAY=$T/state/replay SOFTLIMIT== \
    sh "$TOP/contrib/qmail-smtpd/run" </dev/null >"$T/smtp.out" 2>&1 &
SERVER_PIDS+=($!)
if wait_port "$SUB" && wait_port "$SMTP"; then
	ok "contrib run scripts: tcpserver on 127.0.0.1:$SUB (587) and :$SMTP (25)"
else
	not_ok "run scripts did not start ($(cat "$T/smtp.out" "$ML/current" 2>&1 | tail -3))"
	exit 1
fi

py() { timeout 30 python3 "$TOP/tests/mailclient.py" "$@" 2>&1; }
queued() { ls "$T/queue" | grep -c '^msg\.[0-9.]*$'; }
swaks_sub() {
	timeout 30 swaks --server 127.0.0.1 --port "$SUB" "$@" \
	    --from alice@mx.test --to friend@example.org \
	    </dev/null >"$T/swaks.out" 2>&1
	sed -En 's/^<[-*~]* +([0-9]{3}) .*/\1/p' "$T/swaks.out" | tr '\n' ' '
}

# the README (Deploying on port 587), "Check it": EHLO on 587 shows STARTTLS and AUTH ...
ehlo=$(py ehlo "$SUB")
like "$ehlo" '^STARTTLS' "587: EHLO offers STARTTLS"
like "$(py ehlo "$SUB" tls)" '^AUTH .*PLAIN' "587: EHLO after STARTTLS offers AUTH"
# ... mail on 587 needs AUTH ...
n=$(queued)
is "$(py smtp-noauth "$SUB" alice@mx.test friend@example.org)" "mail 530" \
    "587: MAIL without AUTH refused (530)"
is "$(py smtp-noauth "$SUB" alice@mx.test alice@mx.test)" "mail 530" \
    "587: even for a local recipient"
like "$(swaks_sub -tls)" ' 530 ' "587: swaks without AUTH gets 530"
is "$(queued)" "$n" "587: nothing queued without AUTH"
# ... and goes through with it, over STARTTLS
for u in $USERS; do
	n=$(queued)
	like "$(swaks_sub -tls --auth PLAIN --auth-user "$u" --auth-password "${PW[$u]}")" \
	    '^220 250 220 250 235 250 250 354 250 221 $' \
	    "587: swaks STARTTLS AUTH PLAIN ${KIND[$u]}: 235, mail accepted"
	is "$(queued)" $((n + 1)) "587: ${KIND[$u]}: queued"
	like "$(swaks_sub -tls --auth LOGIN --auth-user "$u" --auth-password "${PW[$u]}.")" \
	    ' 535 ' "587: swaks STARTTLS AUTH LOGIN ${KIND[$u]}, wrong password: 535"
	is "$(py smtp-tls "$SUB" LOGIN "$u" "${PW[$u]}" "$u@mx.test" friend@example.org)" \
	    "auth 235
sent 250" "587: smtplib STARTTLS AUTH LOGIN ${KIND[$u]}: 235, mail accepted"
	is "$(py smtp-tls "$SUB" PLAIN "$u" "${PW[$u]}.")" "auth 535" \
	    "587: smtplib STARTTLS AUTH PLAIN ${KIND[$u]}, wrong password: 535"
done
is "$(py smtp-tls "$SUB" CRAM-MD5 bob "${PW[bob]}")" "auth 235" \
    "587: smtplib STARTTLS AUTH CRAM-MD5 {CRAM-MD5}: 235"
is "$(py smtp-tls "$SUB" CRAM-MD5 bob "${PW[alice]}")" "auth 535" \
    "587: smtplib STARTTLS AUTH CRAM-MD5, wrong secret: 535"
# the record the smtpd user (nobody) made in the group's directory
is "$(stat -c '%a %G' "$T/state/replay" 2>&1)" "660 $GROUP" \
    "587: the replay record is mode 660, the smtpd user's group"

# port 25: AUTH offered, relaying for 127. by tcp.smtp; the checker runs
# as nobody and cannot read a root-only file: 535, and an error is logged
like "$(py ehlo "$SMTP")" '^AUTH ' "25: EHLO offers AUTH (optional there)"
is "$(py smtp-noauth "$SMTP" x@client.test friend@example.org)" "rcpt 250" \
    "25: 127. relays without AUTH (RELAYCLIENT from tcp.smtp)"
is "$(py smtp "$SMTP" PLAIN alice "${PW[alice]}")" "auth 535" \
    "25: no privilege: a root-only password file cannot be read (535)"

stop_servers
all=$(cat "$ML/current" 2>/dev/null)
like "$all" '^@4000[0-9a-f]{20} tcpserver: status: ' "multilog got tcpserver -v lines"
like "$all" ' cmd5checkpw: ok remote=127\.0\.0\.1 mech=password verifier=crypt source=text login="carol"$' \
    "multilog got cmd5checkpw's ok lines"
like "$(cat "$T/smtp.out")" 'cmd5checkpw: error remote=[^ ]+ reason=.*poppasswd\.rootonly.* login="alice"' \
    "25: the unreadable file is logged as an error"
f2b_check "587 multilog" "$ML/current"
# all of it, so tests/run sees any sanitizer report
cat "$ML/current" "$T/smtp.out" >>"$LOG"
done_testing
