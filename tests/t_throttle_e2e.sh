#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# san: once
# Throttling against a botnet on loopback: real connections from many
# 127.0.0.0/8 source addresses through tcpserver and the qmail-smtpd
# stand-in (Hoffmann's patch, tests/fakesmtpd.py), tests/botnet.py as the
# bots, guessing one login and many, while alice logs in from her own
# address (127.0.0.2) throughout.  Delays scaled down (unit 5 ms, max 40).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e.sh"
CMD5THROTTLE=${CMD5THROTTLE:-$TOP/cmd5throttle}

for tool in tcpserver multilog python3 fail2ban-regex; do
	command -v "$tool" >/dev/null || not_ok "$tool installed (tests/deps.sh test)"
done
[ "$FAILS" -eq 0 ] || exit 1

read -r PORT <<<"$(free_ports 1)"
MULTILOG=$LOGDIR/t_throttle_e2e.multilog
rm -rf "$MULTILOG"
: >"$LOG"
mkpw "$T/pw" alice:alice-pw bob:bob-pw
mkdir -p "$T/queue"
export FAKEQUEUE=$T/queue SMTPAUTH="!"
export THROTTLE_FILE=$T/thr THROTTLE_DELAY_UNIT=5 THROTTLE_DELAY_MAX=40 \
    THROTTLE_ADDR_DELAY=3 THROTTLE_ADDR_REFUSE=10 THROTTLE_LOGIN_DELAY=5 \
    THROTTLE_LOGIN_REFUSE=20

mkfifo "$T/logpipe"
multilog t "$MULTILOG" <"$T/logpipe" &
SERVER_PIDS+=($!)
tcpserver -R -H -l mx.test -c 64 127.0.0.1 "$PORT" \
    python3 "$TOP/tests/fakesmtpd.py" hoffmann \
    "$CMD5CHECKPW" -f "$T/pw" -l stderr /bin/true \
    </dev/null >"$T/tcpserver.out" 2>"$T/logpipe" &
SERVER_PIDS+=($!)
wait_port "$PORT" && ok "tcpserver listens on 127.0.0.1:$PORT" ||
    { not_ok "tcpserver did not start"; exit 1; }

# alice has logged in from her address before the attack
out=$(REAL= timeout 60 python3 "$TOP/tests/botnet.py" "$PORT" <(echo 127.0.0.2 alice alice-pw))
like "$out" 'accepted 1' "alice logs in from 127.0.0.2 before the attack"

count() { grep -c -- "$1" "$MULTILOG/current"; }
figures() {
	echo "# $1: $(printf '%s\n' "$2" | tr '\n' ' ')"
	echo "# $1: log: $(($(count 'reason=bad-password') + $(count 'reason=unknown-login') - ${3:-0})) checked, $(count 'throttle wait') delayed, $(count 'reason=throttled') refused (cumulative)"
}
val() { printf '%s\n' "$2" | sed -n "s/^$1 //p"; }

# 1. 150 bots, one guess each at alice
for i in $(seq 150); do
	echo "127.1.$((i / 200)).$((i % 200 + 1)) alice guess$i"
done >"$T/plan1"
out=$(REAL="127.0.0.2 alice alice-pw" REAL_EVERY=10 timeout 600 \
    python3 "$TOP/tests/botnet.py" "$PORT" "$T/plan1" 2>"$T/bot1.err")
figures "botnet at one login" "$out"
is "$(val attempts "$out") $(val accepted "$out") $(val errors "$out")" "150 0 0" \
    "150 guesses at alice from 150 addresses: none accepted, no connection error"
is "$(val real_ok "$out")" "$(val real_tries "$out")" \
    "alice, logging in from 127.0.0.2 throughout, always got in ($(val real_ok "$out")/$(val real_tries "$out"))"
[ "$(val real_tries "$out")" -ge 10 ] && ok "alice tried $(val real_tries "$out") times during the attack" ||
    not_ok "alice tried only $(val real_tries "$out") times"
sleep 0.5
# 8 bots at once: up to 7 more than the limit may pass the check together
checked=$(count 'fail .*mech=password reason=bad-password.* login="alice"')
refused=$(count 'fail .*mech=password reason=throttled.* login="alice"')
[ "$checked" -ge 20 ] && [ "$checked" -le 27 ] &&
    ok "$checked guesses at alice were checked (THROTTLE_LOGIN_REFUSE=20, + at most 7 racing)" ||
    not_ok "$checked guesses at alice were checked, want 20 to 27"
is "$((checked + refused))" 150 "the other $refused were refused unchecked"
delayed=$(count 'throttle wait delay=[0-9]*ms login="alice"')
[ "$delayed" -ge "$refused" ] && [ "$delayed" -le 145 ] &&
    ok "$delayed guesses were delayed: all the refused ones, none of the first 5" ||
    not_ok "$delayed guesses delayed ($refused refused)"
n40=$(count 'throttle wait delay=40ms login="alice"')
[ "$n40" -ge "$refused" ] && ok "the refused waited the longest delay, 40 ms here ($n40 waits of 40 ms)" ||
    not_ok "only $n40 waits of 40 ms for $refused refusals"
is "$(count 'throttle refuse login="alice"')" 1 "log: the refusal of login alice began once"
out=$(REAL= timeout 60 python3 "$TOP/tests/botnet.py" "$PORT" <(echo 127.0.0.3 alice alice-pw))
like "$out" 'rejected 1' "from a new address, alice is refused while her login is attacked (documented)"
out=$(REAL= timeout 60 python3 "$TOP/tests/botnet.py" "$PORT" <(echo 127.0.0.4 bob bob-pw))
like "$out" 'accepted 1' "bob gets in meanwhile"

# 2. 50 bots x 4 guesses at as many logins, and one bot at 40 logins
for i in $(seq 50); do
	for j in 1 2 3 4; do
		echo "127.2.0.$i user$((i * 4 + j)) pw$j"
	done
done >"$T/plan2"
for j in $(seq 40); do echo "127.3.0.1 user$j x"; done >>"$T/plan2"
out=$(REAL="127.0.0.2 alice alice-pw" REAL_EVERY=20 timeout 600 \
    python3 "$TOP/tests/botnet.py" "$PORT" "$T/plan2" 2>"$T/bot2.err")
figures "botnet at many logins" "$out"
is "$(val attempts "$out") $(val accepted "$out") $(val errors "$out")" "240 0 0" \
    "240 guesses at 240 logins: none accepted, no connection error"
is "$(val real_ok "$out")" "$(val real_tries "$out")" \
    "alice always got in ($(val real_ok "$out")/$(val real_tries "$out"))"
sleep 0.5
is "$(count ' remote=127.3.0.1 ' | head -1)" 40 "the bot at 40 logins: 40 attempts logged"
is "$(grep ' remote=127.3.0.1 ' "$MULTILOG/current" | grep -c 'reason=throttled')" 30 \
    "the bot at 40 logins: 30 refused unchecked (THROTTLE_ADDR_REFUSE=10)"
is "$(grep -c 'throttle wait delay=[0-9]*ms addr=127.2.0.' "$MULTILOG/current")" 50 \
    "each 4-guess bot: its 4th guess delayed (50)"
is "$(stat -c %s "$THROTTLE_FILE")" 4194816 "the state file keeps its size (4 MiB, 65536 records)"
"$CMD5THROTTLE" -f "$THROTTLE_FILE" list -n 3 >"$T/list"
like "$(head -1 "$T/list")" '^login alice failures=.* stage=refuse' "cmd5throttle list: login alice worst"
like "$(cat "$T/list")" 'addr 127.3.0.1 failures=.* total=40 stage=refuse' \
    "cmd5throttle list: 127.3.0.1 with its 40 failures"

# the fail2ban filter beside it: every failure (refusals too) matched
f2b_check throttle "$MULTILOG/current"

done_testing
