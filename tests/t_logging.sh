#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# t_logging.sh: the log lines fail2ban reads.  What the client does not
# control comes first (remote=, mech=, reason=), the login last, and no
# line is cut: the shipped filter (contrib/fail2ban/cmd5checkpw.conf), run
# by the real fail2ban-regex, records each failed login's own remote=
# address whatever the login, for crafted logins of every length up to
# the fd-3 limit, in multilog (-l stderr) and syslog form.  And with a
# syslog socket present, a closed fd 3 is misuse (2) at once: openlog's
# socket must not take descriptor 3 first.
#   syslog: tests/syslogcatch.py bound over /dev/log in a private mount
#   namespace (unshare -m), as in t_qmailsmtpd.sh.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e.sh"

for tool in fail2ban-regex multilog unshare python3; do
	command -v "$tool" >/dev/null || not_ok "$tool installed (tests/deps.sh test)"
done
[ "$FAILS" -eq 0 ] || exit 1
FILTER=$TOP/contrib/fail2ban/cmd5checkpw.conf
SYSLOG=$LOGDIR/t_logging.syslog
rm -f "$SYSLOG" "$SYSLOG.notmail"
mkpw "$T/pw" 'tim:tanstaaftanstaaf'

# gen.py BIN FILE DEST EXPECT: one failed login per crafted login, each
# from one of three addresses (TCPREMOTEIP) in turn; EXPECT gets each
# run's address.  -l stderr output goes to stdout (for multilog).
cat >"$T/gen.py" <<'EOF'
import os, subprocess, sys


def feed(data):
    r, w = os.pipe()
    os.write(w, data)
    os.close(w)
    os.dup2(r, 3)


binary, pwfile, dest, expect = sys.argv[1:5]
remotes = ["127.0.0.12", "203.0.113.123", "2001:db8:5:6::10"]
patterns = [
    lambda n: b"\x01" * (n - 2) + b"aa" if n > 2 else b"a" * n,
    lambda n: (b"remote=1.2.3.4 " * 40)[:n],
    lambda n: b" " * (n - 1) + b"x",
    lambda n: (b'"\\' * 300)[:n],
    lambda n: (b"\nremote=6.6.6.6" * 40)[:n],
    lambda n: bytes((i % 255) + 1 for i in range(n)),
    lambda n: (b'" remote=203.0.113.9 mech=x reason=y ' * 20)[:n],
    lambda n: b"z" * n,	# not hex: t_zz_nolog takes 32 hex digits for a digest
]
# every length to 40, then every 13th, then every one up to the limit:
# login\0x\0\0 is at most 512 bytes, so a login is at most 508
lengths = list(range(1, 41)) + list(range(41, 471, 13)) + list(range(471, 509))
k = 0
with open(expect, "w") as ex:
    for n in lengths:
        for p in patterns:
            login = p(n)
            r = remotes[k % 3]
            k += 1
            subprocess.run([binary, "-l", dest, "-m", "password", "-f", pwfile,
                            "true"], stdin=subprocess.DEVNULL,
                           pass_fds=(3,), env={"TCPREMOTEIP": r},
                           preexec_fn=lambda d=login + b"\0x\0\0": feed(d))
            ex.write(r + "\n")
    # more than 512 bytes: the line has no login, still its address
    r = remotes[k % 3]
    subprocess.run([binary, "-l", dest, "-f", pwfile, "true"],
                   stdin=subprocess.DEVNULL, pass_fds=(3,),
                   env={"TCPREMOTEIP": r},
                   preexec_fn=lambda: feed(b"\x01" * 600))
    ex.write(r + "\n")
    # no TCPREMOTEIP: nothing to ban, nothing matched
    for login in (b"tim", b"x remote=1.2.3.4", b"remote=9.9.9.9"):
        subprocess.run([binary, "-l", dest, "-f", pwfile, "true"],
                       stdin=subprocess.DEVNULL, pass_fds=(3,), env={},
                       preexec_fn=lambda d=login + b"\0x\0\0": feed(d))
EOF

# check FORM LOG: fail2ban-regex's addresses, in order, are EXPECT's
check() {
	local form=$1 log=$2 want got
	want=$(grep -c . "$T/expect.$form")
	is "$(grep -c ': fail remote=' "$log")" "$want" \
	    "$form: $want fail lines with remote= (one per crafted login, none cut)"
	is "$(grep -c ': fail mech=' "$log")" 3 "$form: 3 fail lines without remote="
	is "$(grep -c '\[cut\]' "$log")" 0 "$form: no line had to be cut"
	fail2ban-regex -r -o ip "$log" "$FILTER" >"$T/got.$form" 2>&1
	got=$(grep -c . "$T/got.$form")
	is "$got" "$want" "$form: fail2ban-regex matched all $want lines with an address, and only them"
	if cmp -s "$T/got.$form" "$T/expect.$form"; then
		ok "$form: every match recorded its own line's address ($want of $want)"
	else
		not_ok "$form: fail2ban recorded another address: $(diff "$T/expect.$form" "$T/got.$form" | grep '^[<>]' | sort | uniq -c | head -5 | tr '\n' ' ')"
	fi
	like "$(grep -m1 'login="\\x01\\x01' "$log")" \
	    'fail remote=[0-9a-f.:]+ mech=password reason=unknown-login source=text login="(\\x01)+aa"$' \
	    "$form: remote= first, the login last and whole"
}

# --- multilog: -l stderr through the real multilog t
mkfifo "$T/ml.pipe"
multilog t s16777215 "$T/ml" <"$T/ml.pipe" &
ML=$!
python3 "$T/gen.py" "$CMD5CHECKPW" "$T/pw" stderr "$T/expect.multilog" \
    2>"$T/ml.pipe" >"$T/gen.out"
wait $ML
cat "$T/ml/current" >>"$LOG"
check multilog "$T/ml/current"

# --- syslog: the catcher on /dev/log in a private mount namespace
mkdir -p "$T/dev"
start syslog python3 "$TOP/tests/syslogcatch.py" "$T/dev/log" "$SYSLOG"
for n in null zero random urandom; do : >"$T/dev/$n"; done
for i in $(seq 50); do [ -S "$T/dev/log" ] && break; sleep 0.1; done
# insyslog CMD...: run CMD where /dev/log is the catcher
insyslog() {
	unshare -m --propagation private sh -c '
	    for n in null zero random urandom; do mount --bind /dev/$n "$0/dev/$n" || exit 99; done
	    mount --bind "$0/dev" /dev || exit 99
	    shift; exec "$@"' "$T" -- "$@"
}
# syslog(3) delivers on its own time: wait until N lines have arrived
wait_lines() {
	local i
	for i in $(seq 100); do
		[ "$(cat "$SYSLOG" 2>/dev/null | wc -l)" -ge "$1" ] && return
		sleep 0.1
	done
}

# a closed fd 3 with /dev/log present: exit 2 at once, not a 10 s wait on
# syslog's socket read as fd 3 (and 111)
s=$(date +%s%N)
insyslog timeout 20 "$CMD5CHECKPW" -f "$T/pw" true 3<&- </dev/null
rc=$?
e=$((($(date +%s%N) - s) / 1000000))
is "$rc" 2 "syslog present, fd 3 closed: misuse (2)"
awk -v e="$e" 'BEGIN { exit !(e < 5000) }' && ok "syslog present, fd 3 closed: answered in ${e} ms, not after the 10 s deadline" ||
    not_ok "syslog present, fd 3 closed: took ${e} ms"
wait_lines 1
like "$(tail -1 "$SYSLOG")" 'cmd5checkpw\[[0-9]+\]: error reason="fd 3 is not open"$' \
    "syslog present, fd 3 closed: the reason reached syslog"
printf 'tim\0tanstaaftanstaaf\0\0' | insyslog "$CMD5CHECKPW" -f "$T/pw" true 3<&0 </dev/null
is "$?" 0 "syslog present, fd 3 open: right password accepted"
wait_lines 2
like "$(tail -1 "$SYSLOG")" 'cmd5checkpw\[[0-9]+\]: ok mech=password verifier=plain source=text login="tim"$' \
    "syslog present, fd 3 open: the ok line reached syslog"

before=$(wc -l <"$SYSLOG")
insyslog python3 "$T/gen.py" "$CMD5CHECKPW" "$T/pw" syslog "$T/expect.syslog" \
    </dev/null >"$T/gen.out" 2>&1
wait_lines $((before + $(grep -c . "$T/expect.syslog") + 3))
stop_servers
tail -n +$((before + 1)) "$SYSLOG" >"$T/syslog"
check syslog "$T/syslog"
is "$(cat "$SYSLOG.notmail" 2>/dev/null | wc -l)" 0 "syslog: nothing outside facility mail"

# --- control: the comparison sees a wrong address.  The old layout (login
# first, remote= last, cut at 2048 bytes) under the old filter recorded
# 127.0.0.1 for 127.0.0.12; the same line matches nothing under the new.
old='^\s*(?:\S+\s+)?(?:dovecot(?:\[\d+\])?:\s+)?(?:auth: Error:\s+)?cmd5checkpw(?:\[\d+\])?: fail login="[^"\s]*" mech=(?!lookup )\S+ reason=\S+ source=.* remote=<HOST>$'
printf '[Definition]\nfailregex = %s\nignoreregex =\n' "$old" >"$T/old.conf"
python3 -c 'import sys
msg = "fail login=\"" + "\\x01" * 492 + "aa\" mech=password reason=unknown-login source=text remote=127.0.0.12"
sys.stdout.write("@400000006567a3c40a1b2c3d cmd5checkpw: " + msg[:2047] + "\n")' >"$T/oldline"
is "$(fail2ban-regex -r -o ip "$T/oldline" "$T/old.conf" 2>&1)" 127.0.0.1 \
    "control: the old layout, cut at 2048 bytes, made the old filter record 127.0.0.1 for 127.0.0.12"
is "$(fail2ban-regex -r -o ip "$T/oldline" "$FILTER" 2>&1 | grep -c .)" 0 \
    "control: the new filter records nothing from that line"
# and a Dovecot userdb lookup of an unknown login is no attack
printf 'Dec  1 20:30:00 auth: Error: cmd5checkpw: fail remote=192.0.2.5 mech=lookup reason=unknown-login source=text login="nobody"\n' >"$T/lookup"
is "$(fail2ban-regex -r -o ip "$T/lookup" "$FILTER" 2>&1 | grep -c .)" 0 \
    "a failed userdb lookup (mech=lookup) is not matched"
printf 'Dec  1 20:30:00 auth: Error: cmd5checkpw: fail remote=192.0.2.5 mech=password reason=bad-password source=text login="nobody"\n' >"$T/dovecot"
is "$(fail2ban-regex -r -o ip "$T/dovecot" "$FILTER" 2>&1)" 192.0.2.5 \
    "Dovecot's log form of a failed password: matched, with its address"
done_testing
