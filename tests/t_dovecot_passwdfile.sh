#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# san: once
# Dovecot 2.4 has no checkpassword (PROTOCOLS.md): cmd5pw exports a
# Dovecot passwd-file (user:{SCHEME}pass:uid:gid::home::) on every change
# (-x / CMD5PW_DOVECOT), with only the verifiers Dovecot can use.  Tested
# with Debian 12's Dovecot 2.3 passdb and userdb passwd-file, the format
# 2.4 keeps: IMAP (imaplib, LOGIN and CRAM-MD5) and POP3 (poplib), each
# user in its own Maildir.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e.sh"

for tool in dovecot doveadm openssl python3; do
	command -v "$tool" >/dev/null || not_ok "$tool installed (tests/deps.sh test)"
done
[ "$(id -u)" -eq 0 ] || not_ok "runs as root (Dovecot's mail processes change uid)"
[ "$FAILS" -eq 0 ] || exit 1
chmod 711 "$T"
read -r IMAP POP <<<"$(free_ports 2)"
DLOG=$LOGDIR/t_dovecot_passwdfile.dovecot.log
: >"$DLOG"
: >"$LOG"
PW=$T/poppasswd
DF=$T/dovecot.passwd
VM=$T/vmail
export CMD5PW_DOVECOT=$DF

# user LOGIN PASSWORD N: an account through cmd5pw, home with N messages
declare -A NMSG
user() {
	local i
	mkdir -p "$VM/$1/Maildir/new" "$VM/$1/Maildir/cur" "$VM/$1/Maildir/tmp"
	for i in $(seq "$3"); do
		printf 'Subject: for %s #%d\n\nhello\n' "$1" "$i" \
		    >"$VM/$1/Maildir/new/100$i.M1P1.mx.test"
	done
	chown -R 5000:5000 "$VM/$1"
	NMSG[$1]=$3
	printf '%s\n' "$2" | "$CMD5PW" -f "$PW" add --stdin "$1" 2>>"$LOG" &&
	    "$CMD5PW" -f "$PW" mailbox "$1" uid=5000 gid=5000 home="$VM/$1" 2>>"$LOG"
}
want() {
	local i
	printf 'login OK\nmsgs %d' "${NMSG[$1]}"
	for i in $(seq "${NMSG[$1]}"); do printf '\nsubject for %s #%d' "$1" "$i"; done
}
mkdir -p "$VM"
chown 5000:5000 "$VM"
user carol@mx.test carol-pw 1 || not_ok "cmd5pw add carol"
user dave@mx.test 'dave pw' 2 || not_ok "cmd5pw add dave"
user erin@mx.test erin-pw 3 || not_ok "cmd5pw add erin"
# a {CRAM-MD5}-only line, a legacy plaintext line, a locked line: by hand
CRAM=$(doveadm pw -s CRAM-MD5 -p bob-pw)
mkdir -p "$VM/bob@mx.test/Maildir/new" "$VM/bob@mx.test/Maildir/cur" "$VM/bob@mx.test/Maildir/tmp"
printf 'Subject: for bob@mx.test #1\n\nhi\n' >"$VM/bob@mx.test/Maildir/new/1.M1P1.mx.test"
chown -R 5000:5000 "$VM/bob@mx.test"
NMSG[bob@mx.test]=1
printf '%s\n' "bob@mx.test:$CRAM:uid=5000:gid=5000:home=$VM/bob@mx.test" \
    'tim@mx.test:tanstaaftanstaaf' \
    "frank@mx.test:!$(python3 "$TOP/tests/crypthash.py" '$6$' frank-pw):uid=5000:gid=5000:home=$VM/carol@mx.test" \
    >>"$PW"
out=$("$CMD5PW" -f "$PW" dovecot "$DF" 2>&1)
is "$?" 0 "cmd5pw dovecot FILE: exported"
like "$out" "2 logins not exported" "the legacy plaintext and the locked login are left out, with a warning"

is "$(cut -d: -f1 "$DF" | tr '\n' ' ')" "carol@mx.test dave@mx.test erin@mx.test bob@mx.test " \
    "exported: the logins with a crypt hash or {CRAM-MD5}, in file order"
like "$(grep '^carol@mx.test:' "$DF")" "^carol@mx.test:\\{CRYPT\\}\\\$y\\\$[^:]+:5000:5000::$VM/carol@mx.test::\$" \
    "carol: {CRYPT} yescrypt, uid, gid, home"
is "$(grep '^bob@mx.test:' "$DF")" "bob@mx.test:$CRAM:5000:5000::$VM/bob@mx.test::" "bob: {CRAM-MD5} as stored"
is "$(grep -c 'tanstaaf' "$DF")" 0 "no plaintext secret in the export"
is "$(stat -c '%a %U %G' "$DF")" "$(stat -c '%a %U %G' "$PW")" "a new export has the password file's mode, owner and group"
# Dovecot's auth process (user dovecot) reads it through its group
chgrp dovecot "$DF"
chmod 640 "$DF"
is "$(ls "$T" | grep -c cmd5pw-tmp)" 0 "no temp file left"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" \
    -out "$T/cert.pem" -days 2 -subj /CN=localhost 2>/dev/null ||
    not_ok "self-signed certificate"
cat >"$T/dovecot.conf" <<EOF2
base_dir = $T/run
state_dir = $T/state
instance_name = cmd5pwfile
log_path = $DLOG
protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <$T/cert.pem
ssl_key = <$T/key.pem
auth_mechanisms = plain login cram-md5
auth_verbose = yes
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
mail_location = maildir:~/Maildir
first_valid_uid = 5000
passdb {
  driver = passwd-file
  args = $DF
}
userdb {
  driver = passwd-file
  args = $DF
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
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF2
start dovecot dovecot -F -c "$T/dovecot.conf"
if wait_port "$IMAP" && wait_port "$POP"; then
	ok "dovecot (passwd-file) listens on 127.0.0.1:$IMAP, $POP"
else
	not_ok "dovecot did not start ($(tail -3 "$T/dovecot.out" "$DLOG"))"
	exit 1
fi

py() { timeout 30 python3 "$TOP/tests/mailclient.py" "$@" 2>&1; }
declare -A P=([carol@mx.test]=carol-pw [dave@mx.test]='dave pw' [erin@mx.test]=erin-pw [bob@mx.test]=bob-pw)
PERR="login ERR -ERR [AUTH] Authentication failed."
for u in carol@mx.test dave@mx.test erin@mx.test bob@mx.test; do
	is "$(py imap-mail "$IMAP" "$u" "${P[$u]}")" "$(want "$u")" "IMAP LOGIN $u: its own ${NMSG[$u]} messages"
	is "$(py imap-mail "$IMAP" "$u" "${P[$u]}x")" "login NO" "IMAP LOGIN $u: wrong password"
	is "$(py pop3-mail "$POP" user "$u" "${P[$u]}")" "$(want "$u")" "POP3 USER/PASS $u: its own messages"
	is "$(py pop3-mail "$POP" user "$u" "x${P[$u]}")" "$PERR" "POP3 USER/PASS $u: wrong password"
done
is "$(py imap-cram-mail "$IMAP" bob@mx.test bob-pw)" "$(want bob@mx.test)" \
    "IMAP AUTHENTICATE CRAM-MD5 bob (stored {CRAM-MD5}): its own messages"
is "$(py imap-cram-mail "$IMAP" bob@mx.test bob-px)" "login NO" "IMAP CRAM-MD5 bob: wrong password"
is "$(py imap-mail "$IMAP" tim@mx.test tanstaaftanstaaf)" "login NO" "legacy plaintext tim: not exported, no login"
is "$(py imap-mail "$IMAP" frank@mx.test frank-pw)" "login NO" "locked frank: not exported, no login"
is "$(py pop3-mail "$POP" user nobody@mx.test carol-pw)" "$PERR" "POP3 unknown login"

# every change re-exports: a new password works within a second, the old
# one not.  Dovecot 2.3 stats a passwd-file at most once a second
# (db-passwd-file.c, passwd_file_sync: last_sync_time == ioloop_time serves
# the cached copy), so a login in the very second of the lookups before the
# change may meet the old file: wait for the next second, as a client
# would after at most a second.
next_second() {
	local s
	s=$(date +%s)
	while [ "$(date +%s)" -le "$s" ]; do sleep 0.05; done
}
printf 'carol-new\n' | "$CMD5PW" -f "$PW" passwd --stdin carol@mx.test 2>>"$LOG"
is "$?" 0 "cmd5pw passwd (CMD5PW_DOVECOT set)"
next_second
is "$(stat -c '%a %U %G' "$DF")" "640 root dovecot" "the export kept the group and mode it was given"
is "$(py imap-mail "$IMAP" carol@mx.test carol-new)" "$(want carol@mx.test)" "after passwd: the new password, same Maildir"
is "$(py imap-mail "$IMAP" carol@mx.test carol-pw)" "login NO" "after passwd: the old password refused"
"$CMD5PW" -x "$DF" -f "$PW" del dave@mx.test 2>>"$LOG"
next_second
is "$(py pop3-mail "$POP" user dave@mx.test 'dave pw')" "$PERR" "after del (-x): dave is gone from Dovecot"
is "$(py pop3-mail "$POP" user erin@mx.test erin-pw)" "$(want erin@mx.test)" "after del: erin still logs in"
# two changes in one second, exports of the same size (a new hash of the
# same scheme), Dovecot reading the first in between: the second export
# gets the next second as its time, or Dovecot (mtime in seconds, size)
# would keep the first for good
next_second
s0=$(date +%s)
printf 'erin-a\n' | "$CMD5PW" -f "$PW" passwd --stdin erin@mx.test 2>>"$LOG"
size1=$(stat -c %s "$DF")
is "$(py imap-mail "$IMAP" erin@mx.test erin-a)" "$(want erin@mx.test)" "erin's first new password, read by Dovecot in the second it was exported"
printf 'erin-b\n' | "$CMD5PW" -f "$PW" passwd --stdin erin@mx.test 2>>"$LOG"
s1=$(date +%s)
is "$(stat -c %s "$DF")" "$size1" "the second export has the same size"
if [ "$s0" = "$s1" ]; then
	is "$(stat -c %Y "$DF")" $((s0 + 1)) "both in one second: the second export's time is the next second"
else
	ok "(the two changes fell in two seconds; the times differ anyway)"
fi
next_second
next_second
is "$(py imap-mail "$IMAP" erin@mx.test erin-b)" "$(want erin@mx.test)" "Dovecot sees the second change"
is "$(py imap-mail "$IMAP" erin@mx.test erin-a)" "login NO" "and no longer the first"
if grep -Eq 'Panic|Fatal' "$DLOG"; then
	not_ok "no Dovecot panic ($(grep -m1 -E 'Panic|Fatal' "$DLOG"))"
else
	ok "no Dovecot panic or fatal error"
fi
stop_servers
done_testing
