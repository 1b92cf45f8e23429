#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# Throttling (cmd5checkpw(8), THROTTLING; issue 12) through the pipe:
# TCPREMOTEIP set as tcpserver sets it.  Delays are scaled down with
# THROTTLE_DELAY_UNIT/MAX (milliseconds), except in the one check of the
# real default; cmd5throttle(8) shows what was counted.
. "$(dirname "$0")/lib.sh"
CMD5THROTTLE=${CMD5THROTTLE:-$TOP/cmd5throttle}
: >"$LOG"
mkpw "$T/pw" alice:alice-pw bob:bob-pw carol:carol-pw
export THROTTLE_FILE=$T/thr THROTTLE_DELAY_UNIT=1 THROTTLE_DELAY_MAX=8
unset TCPREMOTEIP

# try IP LOGIN PASSWORD: cmd5checkpw's exit; its log lines go to $T/last
try() {
	if [ -n "$1" ]; then export TCPREMOTEIP=$1; else unset TCPREMOTEIP; fi
	printf '%s\0%s\0' "$2" "$3" | "$CMD5CHECKPW" -l stderr -f "$T/pw" true \
	    3<&0 </dev/null >/dev/null 2>"$T/last"
	local rc=$?
	LAST=$(<"$T/last")
	printf '%s\n' "$LAST" >>"$LOG"
	unset TCPREMOTEIP
	return $rc
}
list() { "$CMD5THROTTLE" -f "$THROTTLE_FILE" list "$@" 2>&1; }
fresh() { rm -f "$THROTTLE_FILE" "$THROTTLE_FILE".good "$THROTTLE_FILE".key; }
# field NAME LINE: the value of NAME= in LINE
field() { printf '%s\n' "$2" | sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

# --- off unless THROTTLE_FILE is set
(unset THROTTLE_FILE; for i in $(seq 15); do try 10.0.0.1 alice "x$i"; done
 try 10.0.0.1 alice alice-pw)
is $? 0 "no THROTTLE_FILE: the 16th attempt, the right password, gets in"
is "$(ls "$T")" "last
pw" "no THROTTLE_FILE: no state file made"
like "$(cat "$T/last")" '^cmd5checkpw: ok .*login="alice"' \
    "no THROTTLE_FILE: no throttle line"

# --- one address guessing: free, then delayed (doubling, capped), then
# refused unchecked, the right password included
fresh
export THROTTLE_ADDR_DELAY=3 THROTTLE_ADDR_REFUSE=8
delays= rcs= reasons=
for i in $(seq 12); do
	try 10.0.0.1 bob "guess$i"
	rcs="$rcs$? "
	d=$(sed -n 's/.*throttle wait delay=\([0-9]*\)ms.*/\1/p' "$T/last")
	delays="$delays${d:-0} "
	reasons="$reasons$(sed -n 's/.*reason=\([a-z-]*\).*/\1/p' "$T/last") "
done
is "$delays" "0 0 0 1 2 4 8 8 8 8 8 8 " \
    "address: 3 free guesses, then 1, 2, 4, 8 ms (unit 1, max 8), refused at the max"
is "$reasons" "bad-password bad-password bad-password bad-password bad-password bad-password bad-password bad-password throttled throttled throttled throttled " \
    "address: guesses 9 to 12 refused unchecked (reason=throttled)"
is "$rcs" "1 1 1 1 1 1 1 1 1 1 1 1 " "address: every guess exits 1"
try 10.0.0.1 bob bob-pw
is $? 1 "address refused: the right password is refused too (a guess learns nothing)"
like "$(cat "$T/last")" 'fail remote=10.0.0.1 mech=password reason=throttled source=none login="bob"$' \
    "address refused: logged reason=throttled remote=10.0.0.1"
try 10.0.0.2 bob bob-pw
is $? 0 "another address: bob's right password gets in"
like "$(grep 'throttle ' "$LOG")" 'throttle delay addr=10\.0\.0\.1 failures=3\.0' \
    "log: throttling of 10.0.0.1 began (delay) after 3 failures"
like "$(grep 'throttle ' "$LOG")" 'throttle refuse addr=10\.0\.0\.1 failures=8\.0' \
    "log: refusal of 10.0.0.1 began after 8 failures"
# the fail2ban filter's pattern still finds every failure, refusals too
fre=$(sed -n 's/^failregex = //p' "$TOP/contrib/fail2ban/cmd5checkpw.conf" |
    sed 's/<HOST>\|<ADDR>/(?P<host>\\S+)/')
n=$(python3 -c 'import re,sys
r=re.compile(sys.argv[1]); print(sum(1 for l in open(sys.argv[2]) if r.search(l.rstrip("\n"))))' \
    "$fre" "$LOG")
is "$n" "$(grep -c ': fail .*login=' "$LOG")" \
    "fail2ban's failregex matches every fail line, refusals included ($n)"
n=$(grep -c ': throttle ' "$LOG")
[ "$n" -ge 10 ] && ok "throttle lines are there ($n) ..." || not_ok "only $n throttle lines"
n=$(python3 -c 'import re,sys
r=re.compile(sys.argv[1]); print(sum(1 for l in open(sys.argv[2]) if "throttle " in l and r.search(l.rstrip("\n"))))' \
    "$fre" "$LOG")
is "$n" 0 "... and fail2ban's failregex matches none of them"
l=$(list | grep '^addr 10.0.0.1 ')
is "$(field total "$l") $(field stage "$l")" "13 refuse" \
    "cmd5throttle list: 10.0.0.1 with its 13 failures, stage refuse"

# --- the same wrong password repeated counts once (a phone with an old one)
fresh
for i in $(seq 10); do try 10.0.0.3 carol old-pw; done
l=$(list | grep '^addr 10.0.0.3 ')
is "$(field total "$l")" 1 "the same wrong password 10 times counts once"
try 10.0.0.3 carol carol-pw
is $? 0 "... and carol still gets in from there"
for i in $(seq 4); do try 10.0.0.3 carol "other$i"; done
l=$(list | grep '^addr 10.0.0.3 ')
is "$(field total "$l")" 5 "4 different wrong passwords count 4 more"

# --- a success does not wipe the address's failures for other logins
fresh
for i in $(seq 5); do try 10.0.0.4 bob "b$i"; done
try 10.0.0.4 alice alice-pw
l=$(list | grep '^addr 10.0.0.4 ')
is "$(field total "$l") $(field failures "$l")" "5 5.0" \
    "alice's success from 10.0.0.4 leaves bob's 5 failures there counted"

# --- per login: a botnet, 1500 addresses x 1 guess at alice, while alice
# logs in from her own address every 50 guesses
fresh
export THROTTLE_LOGIN_DELAY=5 THROTTLE_LOGIN_REFUSE=20 THROTTLE_DELAY_MAX=2
try 192.0.2.10 alice alice-pw || not_ok "alice's first login from her address"
alice_ok=0 alice_tries=0 refused=0 delayed=0 checked=0
for i in $(seq 1500); do
	try "10.$((i / 250)).$((i % 250)).7" alice "botguess$i"
	case $LAST in *reason=throttled*) refused=$((refused + 1)) ;; esac
	case $LAST in *reason=bad-password*) checked=$((checked + 1)) ;; esac
	case $LAST in *"throttle wait"*) delayed=$((delayed + 1)) ;; esac
	if [ $((i % 50)) -eq 0 ]; then
		alice_tries=$((alice_tries + 1))
		try 192.0.2.10 alice alice-pw && alice_ok=$((alice_ok + 1))
	fi
done
echo "# botnet (pipe) at one login: 1500 guesses from 1500 addresses: $checked checked, $delayed delayed, $refused refused; alice $alice_ok/$alice_tries"
is "$alice_ok/$alice_tries" "30/30" "botnet at alice: alice gets in from her own address every time"
is "$checked" 20 "botnet at alice: only 20 guesses were checked (THROTTLE_LOGIN_REFUSE)"
is "$refused" 1480 "botnet at alice: the other 1480 were refused unchecked"
is "$delayed" 1495 "botnet at alice: every guess past the 5th was delayed"
try 192.0.2.11 alice alice-pw
is $? 1 "botnet at alice: from a new address alice is refused too (documented)"
try 10.0.0.99 bob bob-pw
is $? 0 "botnet at alice: bob is untouched"
is "$(stat -c %s "$THROTTLE_FILE") $(stat -c %s "$THROTTLE_FILE.good")" \
    "4194816 1049088" "state files at their fixed sizes (4 MiB + 1 MiB default)"
l=$(list | grep '^login alice ')
is "$(field stage "$l")" refuse "cmd5throttle list: login alice, stage refuse"
"$CMD5THROTTLE" -f "$THROTTLE_FILE" clear login alice
is $? 0 "cmd5throttle clear login alice: exit 0"
try 192.0.2.11 alice alice-pw
is $? 0 "after clear login: alice gets in from the new address"
"$CMD5THROTTLE" -f "$THROTTLE_FILE" clear login nosuch 2>/dev/null
is $? 1 "cmd5throttle clear of a login not counted: exit 1"

export THROTTLE_DELAY_MAX=8
# alice's own mistakes at her good address count there (the pair), and a
# stranger guessing alice from her address loses her the pass-by
fresh
export THROTTLE_LOGIN_DELAY=2 THROTTLE_LOGIN_REFUSE=4
try 192.0.2.10 alice alice-pw
for i in $(seq 6); do try "10.1.1.$i" alice "g$i"; done
try 192.0.2.10 alice alice-pw
is $? 0 "login alice refused elsewhere: alice from her address gets in"
for i in $(seq 3); do try 192.0.2.10 alice "typo$i"; done
try 192.0.2.10 alice alice-pw
is $? 1 "3 different failures at her address (THROTTLE_ADDR_DELAY): the pass-by is gone"
l=$(list | grep '^login alice ')
is "$(field total "$l")" 7 "... and failures at a good address did not count on the login until then"

# --- one address guessing many logins
fresh
export THROTTLE_LOGIN_DELAY=5 THROTTLE_LOGIN_REFUSE=20
for i in $(seq 30); do try 10.0.0.5 "user$i" x; done
try 10.0.0.5 bob bob-pw
is $? 1 "30 logins guessed from 10.0.0.5: refused there"
is "$(list | grep -c '^login ')" 20 "cmd5throttle list shows the 20 worst of 31 logins (default)"
is "$(list -n 5 | grep -c '^login ')" 5 "cmd5throttle list -n 5: 5 logins"
"$CMD5THROTTLE" -f "$THROTTLE_FILE" clear addr 10.0.0.5
is $? 0 "cmd5throttle clear addr 10.0.0.5: exit 0"
try 10.0.0.5 bob bob-pw
is $? 0 "after clear addr: bob gets in from 10.0.0.5"
"$CMD5THROTTLE" -f "$THROTTLE_FILE" clear addr not-an-ip 2>/dev/null
is $? 2 "cmd5throttle clear addr not-an-ip: exit 2"
"$CMD5THROTTLE" -f "$THROTTLE_FILE" frob 2>/dev/null
is $? 2 "cmd5throttle unknown command: exit 2"

# --- no TCPREMOTEIP: per login only
fresh
for i in $(seq 8); do try "" bob "p$i"; done
is "$(list | grep -c '^addr')" 0 "no TCPREMOTEIP: no address counted"
is "$(field total "$(list | grep '^login bob ')")" 8 "no TCPREMOTEIP: login bob counted 8"

# --- IPv6 by prefix, IPv4-mapped as IPv4
fresh
export THROTTLE_ADDR_REFUSE=4
for i in 1 2 3 4; do try "2001:db8:0:7::$i" bob "v$i"; done
try 2001:db8:0:7::abcd bob bob-pw
is $? 1 "IPv6: 4 addresses of one /64 count as one (refused)"
try 2001:db8:0:8::1 bob bob-pw
is $? 0 "IPv6: the next /64 is another client"
like "$(list)" 'addr 2001:db8:0:7::/64 ' "cmd5throttle list names the /64"
THROTTLE_PREFIX6=128 try 2001:db8:0:7::abcd bob bob-pw
is $? 0 "THROTTLE_PREFIX6=128: each IPv6 address its own client"
for i in 1 2 3 4; do try "::ffff:10.2.2.2" bob "m$i"; done
try 10.2.2.2 bob bob-pw
is $? 1 "::ffff:10.2.2.2 counts as 10.2.2.2"

# --- decay: a count halves every THROTTLE_HALFLIFE seconds
fresh
export THROTTLE_HALFLIFE=1 THROTTLE_ADDR_REFUSE=4
for i in 1 2 3 4; do try 10.0.0.6 bob "d$i"; done
try 10.0.0.6 bob bob-pw
is $? 1 "decay: refused right after 4 failures"
sleep 3
try 10.0.0.6 bob bob-pw
is $? 0 "decay: 3 half-lives later bob gets in"
like "$(grep 'throttle end' "$LOG")" 'throttle end addr=10\.0\.0\.6' \
    "log: throttling of 10.0.0.6 ended"
unset THROTTLE_HALFLIFE

# --- nothing in the state files tests a guess offline
fresh
export THROTTLE_ADDR_REFUSE=10
try 10.0.0.8 alice 'Tr0ub4dor&3'
try 10.0.0.8 alice alice-pw
is "$(stat -c %a "$THROTTLE_FILE.key") $(stat -c %s "$THROTTLE_FILE.key")" "640 32" \
    "the secret THROTTLE_FILE.key: mode 0640, 32 bytes"
out=$(python3 - "$THROTTLE_FILE" "$THROTTLE_FILE.good" "$THROTTLE_FILE.key" <<'PY'
import hashlib, hmac, sys
state = open(sys.argv[1], "rb").read() + open(sys.argv[2], "rb").read()
key = open(sys.argv[3], "rb").read()
pw, login = b"Tr0ub4dor&3", b"alice"
def found(b, n=4):
    return any(b[i:i + n] in state for i in range(0, len(b) - n + 1))
forms = [pw, login + b"\0" + pw, login + b":" + pw, login + b"\0\0" + pw]
unkeyed = [hashlib.new(h, f).digest() for h in ("md5", "sha1", "sha256", "sha512") for f in forms]
print("plain" if any(found(f, len(f)) for f in forms) else "noplain")
print("unkeyed" if any(found(d, 4) for d in unkeyed) else "nounkeyed")
tag = hmac.new(key, login + b"\0\0" + pw, hashlib.sha256).digest()[:4]
print("keyed" if tag in state else "nokeyed")
# an attacker with the files but not the key: any key he can guess
guesses = [b"", b"\0" * 32, state[:32], state[-32:]]
print("guessed" if any(hmac.new(k, login + b"\0\0" + pw, hashlib.sha256).digest()[:4] in state for k in guesses) else "noguess")
PY
)
is "$out" "noplain
nounkeyed
keyed
noguess" "state files: no password, no unkeyed hash; its tag only under the secret that is not in them"
is "$(grep -c 'Tr0ub4dor' "$T/thr" "$T/thr.good" "$LOG" | awk -F: '{s+=$2} END {print s}')" 0 \
    "the password is in no state file and no log"

# --- faults: logins go on, with a log line
fresh
try 10.0.0.9 bob x
rm -f "$THROTTLE_FILE"
try 10.0.0.9 bob bob-pw
is $? 0 "state file deleted: login goes on"
is "$(stat -c %s "$THROTTLE_FILE")" 4194816 "... and the file is made anew"
for i in 1 2 3; do try 10.0.0.9 bob "t$i"; done
truncate -s 1000 "$THROTTLE_FILE"
try 10.0.0.9 bob bob-pw
is $? 0 "state file truncated: login goes on"
like "$(cat "$T/last")" 'error remote=[^ ]* reason="throttle: .* unusable and is made anew"' \
    "state file truncated: logged"
head -c 4194816 /dev/urandom >"$THROTTLE_FILE"
try 10.0.0.9 bob bob-pw
is $? 0 "state file of random bytes: login goes on"
like "$(cat "$T/last")" 'error remote=[^ ]* reason="throttle: .*made anew"' \
    "state file of random bytes: logged"
dd if=/dev/urandom of="$THROTTLE_FILE" bs=1 seek=600 count=100000 conv=notrunc 2>/dev/null
try 10.0.0.9 bob bob-pw
is $? 0 "records overwritten with random bytes: login goes on"
try 10.0.0.9 bob wrong
is $? 1 "records overwritten with random bytes: a wrong password is still refused"
: >"$THROTTLE_FILE.key"
try 10.0.0.9 bob wrong2
like "$(cat "$T/last")" 'error remote=[^ ]* reason="throttle: .*key: not 32 bytes' \
    "an empty secret file: logged"
l=$(list | grep '^addr 10.0.0.9 ')
is "$(field total "$l")" 2 "an empty secret file: the failure still counts (without dedup)"
# read-only: the checker runs as nobody, the files are root's
fresh
try 10.0.0.9 bob x
chmod 644 "$T/pw" "$THROTTLE_FILE" "$THROTTLE_FILE.key"
chmod 755 "$T"
out=$(printf 'bob\0bob-pw\0' | TCPREMOTEIP=10.0.0.9 setpriv --reuid=65534 --regid=65534 \
    --clear-groups "$CMD5CHECKPW" -l stderr -f "$T/pw" true 3<&0 2>&1)
is $? 0 "state file read-only to the checker: login goes on"
like "$out" 'error remote=[^ ]* reason="throttle: .*Permission denied; not throttled"' \
    "state file read-only: logged"
out=$(printf 'bob\0nope\0' | TCPREMOTEIP=10.0.0.9 setpriv --reuid=65534 --regid=65534 \
    --clear-groups "$CMD5CHECKPW" -l stderr -f "$T/pw" true 3<&0 2>&1)
is $? 1 "state file read-only: a wrong password is refused"
chmod 700 "$T"
chmod 640 "$T/pw"
# a full filesystem: a file made before goes on counting (preallocated);
# none can be made there: logins go on, logged
mkdir -p "$T/small"
cat >"$T/full.sh" <<EOF
mount -t tmpfs -o size=5200k tmpfs "$T/small" || exit 99
export THROTTLE_FILE=$T/small/thr
printf 'bob\0x1\0' | TCPREMOTEIP=10.0.0.10 "$CMD5CHECKPW" -l stderr -f "$T/pw" true 3<&0 2>/dev/null
dd if=/dev/zero of="$T/small/fill" bs=64k 2>/dev/null
echo "free=\$(df --output=avail "$T/small" | tail -1)"
for i in 2 3 4; do printf 'bob\0x%s\0' \$i | TCPREMOTEIP=10.0.0.10 "$CMD5CHECKPW" -l stderr -f "$T/pw" true 3<&0 2>/dev/null; done
"$CMD5THROTTLE" -f "$T/small/thr" list | grep '^addr'
printf 'bob\0bob-pw\0' | TCPREMOTEIP=10.0.0.10 "$CMD5CHECKPW" -l stderr -f "$T/pw" true 3<&0 2>&1
echo "rc=\$?"
rm -f "$T/small/thr" "$T/small/thr.good"
dd if=/dev/zero of="$T/small/fill2" bs=4k 2>/dev/null
printf 'bob\0bob-pw\0' | TCPREMOTEIP=10.0.0.10 "$CMD5CHECKPW" -l stderr -f "$T/pw" true 3<&0 2>&1
echo "rc=\$?"
umount "$T/small"
EOF
out=$(unshare -m --propagation private bash "$T/full.sh" 2>&1)
like "$out" 'free= *0' "full filesystem: made full"
like "$out" 'addr 10.0.0.10 failures=4.0 total=4' \
    "full filesystem: the preallocated file goes on counting"
like "$(printf '%s\n' "$out" | sed -n '/addr 10.0.0.10/,/rc=/p')" 'rc=0' \
    "full filesystem: login goes on"
like "$(printf '%s\n' "$out" | sed -n '/rc=0/,$p')" 'error remote=[^ ]* reason="throttle: .*(No space left|cannot)' \
    "full filesystem, no file can be made: logged ..."
like "$(printf '%s\n' "$out" | tail -1)" 'rc=0' "... and the login goes on"

# --- concurrency: 200 processes, 8 addresses, failing at once
fresh
export THROTTLE_ADDR_DELAY=1000 THROTTLE_ADDR_REFUSE=2000 THROTTLE_LOGIN_DELAY=1000 THROTTLE_LOGIN_REFUSE=2000
for i in $(seq 200); do
	printf 'bob\0c%s\0' "$i" | TCPREMOTEIP=10.3.0.$((i % 8)) \
	    "$CMD5CHECKPW" -l stderr -f "$T/pw" true 3<&0 2>>"$T/conc.log" &
done
wait
lost=$(grep -c 'error remote=[^ ]* reason="throttle' "$T/conc.log")
sum=$(list | awk '/^addr 10\.3\.0\./ { sub("total=", "", $4); s += $4 } END { print s + 0 }')
is "$sum" $((200 - lost)) "200 concurrent failures: every one counted but those logged as lost ($lost)"
is "$(field total "$(list | grep '^login bob ')")" $((200 - lost)) "200 concurrent failures: login bob counted $((200 - lost))"
cat "$T/conc.log" >>"$LOG"

# --- bounded: far more addresses than records, the file keeps its size
fresh
export THROTTLE_RECORDS=64 THROTTLE_ADDR_DELAY=3 THROTTLE_ADDR_REFUSE=10
for i in $(seq 300); do try "10.4.$((i / 200)).$((i % 200))" "u$i" x; done
s=$(stat -c %s "$THROTTLE_FILE")
[ "$s" -le 8192 ] && ok "300 addresses x 300 logins in a 64-record file: $s bytes" ||
    not_ok "64-record file grew to $s bytes"
n=$(list -n 1000 | wc -l)
[ "$n" -ge 8 ] && [ "$n" -le 64 ] && ok "... and $n records listed (at most 64)" ||
    not_ok "64-record file lists $n records"
unset THROTTLE_RECORDS

# --- the real default: the first delay is 2 seconds
fresh
unset THROTTLE_DELAY_UNIT THROTTLE_DELAY_MAX THROTTLE_ADDR_DELAY THROTTLE_ADDR_REFUSE
for i in 1 2 3; do try 10.0.0.11 bob "r$i"; done
t0=$(date +%s%N)
try 10.0.0.11 bob r4
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
[ "$ms" -ge 1990 ] && [ "$ms" -lt 4000 ] && ok "defaults: the 4th failure from one address waits 2 s ($ms ms)" ||
    not_ok "defaults: the 4th failure waited $ms ms, want 2000"
like "$(cat "$T/last")" 'throttle wait delay=2000ms addr=10\.0\.0\.11' "defaults: logged delay=2000ms"

# bad knob: logged, not throttled, logins go on
THROTTLE_ADDR_DELAY=banana try 10.0.0.11 bob bob-pw
is $? 0 "THROTTLE_ADDR_DELAY=banana: login goes on"
like "$(cat "$T/last")" 'error remote=[^ ]* reason="throttle: THROTTLE_ADDR_DELAY: not a number in range; not throttled"' \
    "THROTTLE_ADDR_DELAY=banana: logged"

done_testing
