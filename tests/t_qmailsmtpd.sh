#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# The qmail-smtpd AUTH contract: tests/fakesmtpd.py plays qmail-smtpd with
# Dabrowski's and with Hoffmann's AUTH patch, under tcpserver with a
# tcprules cdb, and calls cmd5checkpw as each patch does.  Real clients
# (swaks, Python's smtplib) log in with every mechanism x verifier kind x
# patch family, right and wrong.
#   Dabrowski: default logging (syslog), since its stderr is the client's
#   socket; /dev/log is a catcher bound over it in a private mount
#   namespace, so the lines land in $LOGDIR and nowhere system-wide.
#   Hoffmann: -l stderr, tcpserver's stderr piped into multilog, as the
#   contrib/ run scripts do.  Each with its -m, as contrib/ has it (auto
#   mode and the replays: t_replay.sh).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e.sh"

for tool in tcpserver tcprules multilog swaks unshare python3 doveadm fail2ban-regex; do
	command -v "$tool" >/dev/null || not_ok "$tool installed (tests/deps.sh test)"
done
[ "$FAILS" -eq 0 ] || exit 1

read -r DAB HOF <<<"$(free_ports 2)"
SYSLOG=$LOGDIR/t_qmailsmtpd.syslog
MULTILOG=$LOGDIR/t_qmailsmtpd.multilog
rm -rf "$SYSLOG" "$SYSLOG.notmail" "$MULTILOG"
: >"$LOG"
mkusers "$T/poppasswd"
mkdir -p "$T/queue" "$T/dev"
export FAKEQUEUE=$T/queue

# tcp.smtp as a submission service has it: 127.0.0.1 must AUTH (SMTPAUTH
# "!"), 127.0.0.2 may AUTH but has no CRAM-MD5, 127.0.0.3 relays without.
cat >"$T/tcp.smtp" <<'EOF'
127.0.0.1:allow,SMTPAUTH="!+cram"
127.0.0.2:allow,SMTPAUTH=""
127.0.0.3:allow,RELAYCLIENT=""
:deny
EOF
tcprules "$T/tcp.smtp.cdb" "$T/tcp.smtp.tmp" <"$T/tcp.smtp" ||
    not_ok "tcprules built tcp.smtp.cdb"

# Dabrowski: qmail-smtpd HOSTNAME checkpw subprog, syslog caught in $SYSLOG
start syslog python3 "$TOP/tests/syslogcatch.py" "$T/dev/log" "$SYSLOG"
for n in null zero random urandom; do : >"$T/dev/$n"; done
cat >"$T/dab.sh" <<EOF
for n in null zero random urandom; do mount --bind /dev/\$n $T/dev/\$n || exit 111; done
mount --bind $T/dev /dev || exit 111
exec tcpserver -x $T/tcp.smtp.cdb -R -H -l mx.test 127.0.0.1 $DAB \\
    python3 $TOP/tests/fakesmtpd.py dabrowski mx.test \\
    $CMD5CHECKPW -m dabrowski -r $T/replay -f $T/poppasswd /bin/true
EOF
for i in $(seq 50); do [ -S "$T/dev/log" ] && break; sleep 0.1; done
start dabrowski unshare -m --propagation private bash "$T/dab.sh"

# Hoffmann: qmail-smtpd checkpw subprog, stderr | multilog t
mkfifo "$T/logpipe"
multilog t "$MULTILOG" <"$T/logpipe" &
SERVER_PIDS+=($!)
tcpserver -x "$T/tcp.smtp.cdb" -R -H -l mx.test 127.0.0.1 "$HOF" \
    python3 "$TOP/tests/fakesmtpd.py" hoffmann \
    "$CMD5CHECKPW" -m hoffmann -r "$T/replay" -f "$T/poppasswd" -l stderr /bin/true \
    </dev/null >"$T/hoffmann.out" 2>"$T/logpipe" &
SERVER_PIDS+=($!)

if wait_port "$DAB" && wait_port "$HOF"; then
	ok "tcpserver listens on 127.0.0.1:$DAB (Dabrowski), $HOF (Hoffmann)"
else
	not_ok "tcpserver did not start ($(cat "$T/dabrowski.out" "$T/hoffmann.out"))"
	exit 1
fi

py() { timeout 30 python3 "$TOP/tests/mailclient.py" "$@" 2>&1; }
queued() { ls "$T/queue" | grep -c '^msg\.[0-9.]*$'; }

# swaks_auth PORT MECH LOGIN PASSWORD: the reply to the AUTH exchange
swaks_auth() {
	timeout 30 swaks --server 127.0.0.1 --port "$1" --auth "$2" \
	    --auth-user "$3" --auth-password "$4" --from "$3@mx.test" \
	    --to rcpt@example.org --h-Subject "e2e $2" \
	    </dev/null >"$T/swaks.out" 2>&1
	sed -En 's/^<[-*~]* +([0-9]{3}) .*/\1/p' "$T/swaks.out" |
	    grep -m1 -E '^(235|5..|4..)$'
}

# CRAM-MD5 needs the secret itself or Dovecot's {CRAM-MD5} state: a crypt
# hash cannot answer a challenge, so the right password is refused too.
cram_ok() { case ${KIND[$1]} in plaintext|{CRAM-MD5}) echo 235 ;; *) echo 535 ;; esac; }

for fam in dabrowski hoffmann; do
	[ $fam = dabrowski ] && port=$DAB || port=$HOF
	for u in $USERS; do
		for mech in CRAM-MD5 LOGIN PLAIN; do
			want=235
			[ $mech = CRAM-MD5 ] && want=$(cram_ok "$u")
			what="$fam AUTH $mech ${KIND[$u]}"
			n=$(queued)
			is "$(swaks_auth "$port" $mech "$u" "${PW[$u]}")" "$want" \
			    "swaks: $what, right password: $want"
			if [ "$want" = 235 ]; then
				is "$(queued)" $((n + 1)) "swaks: $what: relayed mail accepted"
			fi
			is "$(swaks_auth "$port" $mech "$u" "${PW[$u]}1")" 535 \
			    "swaks: $what, wrong password: 535"
			got=$(py smtp "$port" $mech "$u" "${PW[$u]}" "$u@mx.test" rcpt@example.org)
			if [ "$want" = 235 ]; then
				is "$got" "auth 235
sent 250" "smtplib: $what, right password: 235, mail accepted"
			else
				is "$got" "auth 535" "smtplib: $what, right password: 535"
			fi
			is "$(py smtp "$port" $mech "$u" "1${PW[$u]}")" "auth 535" \
			    "smtplib: $what, wrong password: 535"
		done
	done
	for mech in CRAM-MD5 LOGIN PLAIN; do
		is "$(swaks_auth "$port" $mech nobody alice-pw)" 535 \
		    "swaks: $fam AUTH $mech unknown login: 535"
		is "$(py smtp "$port" $mech frank frank-pw)" "auth 535" \
		    "smtplib: $fam AUTH $mech disabled login: 535"
	done

	# the whole dialogue on a bare socket: only SMTP replies reach the
	# client, before and after the checker ran, logged in or not
	for mech in CRAM-MD5 LOGIN PLAIN; do
		[ $mech = LOGIN ] && codes='220 250 334 334 235 250 250 354 250 221' ||
		    codes='220 250 334 235 250 250 354 250 221'
		[ $mech = PLAIN ] && codes='220 250 235 250 250 354 250 221'
		out=$(py raw "$port" $mech alice alice-pw)
		is "$(printf '%s\n' "$out" | grep -Evc '^[0-9]{3}[ -].*\\r\\n$')" 0 \
		    "$fam $mech: every line the client got is an SMTP reply"
		is "$(printf '%s\n' "$out" | grep -E '^[0-9]{3} ' | cut -c1-3 | tr '\n' ' ')" \
		    "$codes " "$fam $mech: the dialogue goes on after a good AUTH"
		bad=$(py raw "$port" $mech alice wrong-pw | grep -E '^[0-9]{3} ' | cut -c1-3 | tr '\n' ' ')
		like "$bad" '^220 250 (334 )*535 (250 553|530 503) 503 221 $' \
		    "$fam $mech: after a 535 each command gets its reply, no relay"
	done
done

# tcprules at work: 127.0.0.1 must AUTH before MAIL (Hoffmann, "!");
# 127.0.0.2 gets no CRAM-MD5 and login\0password\0 on fd 3; .3 relays.
n=$(queued)
is "$(py smtp-noauth "$HOF" alice@mx.test rcpt@example.org)" "mail 530" \
    "hoffmann, SMTPAUTH=!: MAIL without AUTH refused (530)"
is "$(SRCIP=127.0.0.3 py smtp-noauth "$HOF" x@client.test rcpt@example.org)" "rcpt 250" \
    "hoffmann, RELAYCLIENT: relays without AUTH"
is "$(py smtp-noauth "$DAB" x@client.test rcpt@example.org)" "rcpt 553" \
    "dabrowski: relaying without AUTH refused (553)"
ehlo=$(SRCIP=127.0.0.2 py ehlo "$HOF" | grep '^AUTH ')
like "$ehlo" '^AUTH .*LOGIN PLAIN' "hoffmann, SMTPAUTH=\"\": AUTH LOGIN PLAIN offered"
is "$(printf '%s' "$ehlo" | grep -c CRAM)" 0 "hoffmann, SMTPAUTH=\"\": no CRAM-MD5 offered"
like "$(py ehlo "$HOF")" '^AUTH .*LOGIN PLAIN CRAM-MD5' \
    "hoffmann, SMTPAUTH=+cram: CRAM-MD5 offered too"
for u in $USERS; do
	for mech in LOGIN PLAIN; do
		is "$(SRCIP=127.0.0.2 py smtp "$HOF" $mech "$u" "${PW[$u]}")" "auth 235" \
		    "hoffmann without CRAM-MD5 (two fields on fd 3): $mech ${KIND[$u]} right"
		is "$(SRCIP=127.0.0.2 py smtp "$HOF" $mech "$u" "${PW[$u]}-")" "auth 535" \
		    "hoffmann without CRAM-MD5 (two fields on fd 3): $mech ${KIND[$u]} wrong"
	done
done

# A login that tries to forge the address fail2ban reads: escaped, and the
# real remote= comes first, the login last.
is "$(py smtp "$HOF" PLAIN 'x remote=10.9.9.9' pw)" "auth 535" "hostile login refused"
is "$(py smtp "$DAB" PLAIN 'x remote=10.9.9.9' pw)" "auth 535" "hostile login refused (syslog)"

stop_servers
all=$(cat "$MULTILOG"/current 2>/dev/null)
like "$all" '^@4000[0-9a-f]{20} cmd5checkpw: ok remote=127\.0\.0\.1 mech=cram-md5 verifier=plain source=text login="alice"$' \
    "multilog: ok line with the client's address"
like "$all" ' cmd5checkpw: fail remote=127\.0\.0\.1 mech=password reason=unknown-login source=text login="nobody"$' \
    "multilog: fail line for an unknown login"
like "$all" 'fail remote=127\.0\.0\.1 .* login="x\\x20remote=10\.9\.9\.9"$' \
    "multilog: a space in a login is escaped"
sys=$(cat "$SYSLOG" 2>/dev/null)
like "$sys" '^[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} localhost cmd5checkpw\[[0-9]+\]: ok remote=127\.0\.0\.1 mech=cram-md5 verifier=cram-md5 source=text login="bob"$' \
    "syslog (facility mail): ok line"
like "$sys" 'cmd5checkpw\[[0-9]+\]: fail remote=127\.0\.0\.1 mech=password reason=bad-password source=text login="carol"$' \
    "syslog (facility mail): fail line"
is "$(cat "$SYSLOG.notmail" 2>/dev/null | wc -l)" 0 "syslog: nothing logged outside facility mail"
f2b_check multilog "$MULTILOG/current"
is "$(fail2ban-regex -r -o ip "$MULTILOG/current" "$TOP/contrib/fail2ban/cmd5checkpw.conf" |
    grep -c '^10\.9\.9\.9$')" 0 "fail2ban: a login saying remote=10.9.9.9 bans no 10.9.9.9"
f2b_check syslog "$SYSLOG"
# all of it, so tests/run sees any sanitizer report
cat "$MULTILOG"/current "$SYSLOG" >>"$LOG" 2>/dev/null
done_testing
