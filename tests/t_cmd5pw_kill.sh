#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# A crash at any point leaves the old or the new file, never a mix: SIGKILL
# at random moments of add, passwd and del (plaintext verifiers, so the
# time goes to the writing, not to hashing).  SIGINT and SIGTERM during a
# migrate leave the original untouched and remove the temp file.
. "$(dirname "$0")/lib.sh"

TRIALS=${TRIALS:-200}
F=$T/poppasswd
OLD=$T/old
{
	echo '# a file big enough that writing it takes a while'
	for i in $(seq 1 3000); do
		echo "user$i:Legacy-$i"
		((i % 500 == 0)) && printf 'crlf%d:Crlf-%d\r\n' "$i" "$i"
	done
} >"$OLD"
chmod 640 "$OLD"

# the three changes, and the file each must produce
ops=(
	"passwd -p --stdin user1500"
	"add -p --stdin newcomer"
	"del user2999"
)
# and how long a run takes here (this build, this load; the quickest of
# three): kills are spread over 0 .. that
span=100000
for k in 0 1 2; do
	cp "$OLD" "$F"
	"$CMD5PW" -f "$F" index 2>/dev/null
	t0=$(date +%s%N)
	echo 'New-pw' | "$CMD5PW" -f "$F" ${ops[$k]} 2>/dev/null
	ms=$((($(date +%s%N) - t0) / 1000000))
	((ms < span)) && span=$ms
	cp "$F" "$T/new$k"
done
# a random delay within the span, as seconds for read -t
delay() { local d=$((RANDOM % (span + 1))); printf '%d.%03d' $((d / 1000)) $((d % 1000)); }
cmp -s "$T/new0" "$OLD" && not_ok "the changes change the file" || ok "the changes change the file"

# Until the child has exec'd cmd5pw it is a copy of this shell, which
# would run our EXIT trap (rm -rf $T) on a SIGTERM: wait for the exec.
exec_wait() {
	local comm= n=0
	while [ "$n" -lt 5000 ]; do
		read -r comm </proc/"$1"/comm 2>/dev/null || return
		[ "$comm" = cmd5pw ] && return
		n=$((n + 1))
	done
}

mkfifo "$T/fifo"
exec 9<>"$T/fifo"	# read -t on it: a sleep without a fork
n_old=0 n_new=0 n_bad=0 n_auth=0 n_tmp=0
for ((t = 0; t < TRIALS; t++)); do
	k=$((t % 3))
	cp "$OLD" "$F"
	"$CMD5PW" -f "$F" index 2>/dev/null	# a fresh index of the old text
	echo 'New-pw' | "$CMD5PW" -f "$F" ${ops[$k]} 2>/dev/null &
	pid=$!
	read -t "$(delay)" -u 9
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ -e "$F.cmd5pw-tmp" ] && n_tmp=$((n_tmp + 1))
	if cmp -s "$F" "$OLD"; then
		n_old=$((n_old + 1)) state=old
	elif cmp -s "$F" "$T/new$k"; then
		n_new=$((n_new + 1)) state=new
	else
		n_bad=$((n_bad + 1)) state=bad
		cp "$F" "$T/bad.$t"
	fi
	# and cmd5checkpw, through whatever index is left, agrees with the text
	case $k.$state in
	0.old) login=user1500 pw=Legacy-1500 ;;
	0.new) login=user1500 pw=New-pw ;;
	1.new) login=newcomer pw=New-pw ;;
	*) login=user2998 pw=Legacy-2998 ;;
	esac
	printf '%s\0%s\0\0' "$login" "$pw" | "$CMD5CHECKPW" -l stderr -f "$F" true \
	    3<&0 </dev/null >/dev/null 2>>"$LOG" || n_auth=$((n_auth + 1))
done
is "$n_bad" 0 "$TRIALS SIGKILL trials over 0-${span} ms: the file was the old one $n_old times, the new one $n_new times, anything else $n_bad times"
is "$n_auth" 0 "after every kill cmd5checkpw found the right password ($n_auth failures)"
[ "$n_old" -gt 0 ] && [ "$n_new" -gt 0 ] && ok "kills landed before and after the rename" ||
    not_ok "kills landed before and after the rename (old $n_old, new $n_new)"
[ "$n_tmp" -gt 0 ] && ok "some kills landed mid-write ($n_tmp left a temp file)" ||
    not_ok "some kills landed mid-write (none left a temp file)"
echo 'After-kill' | "$CMD5PW" -f "$F" passwd -p --stdin user1 2>/dev/null
is "$?" 0 "after the kills the next change goes through (no stale lock)"
left=$(cd "$T" && ls -d poppasswd.* | grep -c -e '\.cmd5pw-tmp$' -e '\.cdb\.tmp')
is "$left" 0 "and no temp file (text or index) of a killed run is left"

# SIGTERM at random moments: the handler removes the temp file, and the
# file is the old one (before the rename) or the new one (after it)
n_old=0 n_new=0 n_bad=0 n_tmp=0
for ((t = 0; t < 60; t++)); do
	k=$((t % 3))
	cp "$OLD" "$F"
	"$CMD5PW" -f "$F" ${ops[$k]} <<<'New-pw' 2>/dev/null &
	pid=$!
	exec_wait "$pid"
	read -t "$(delay)" -u 9
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ -e "$F.cmd5pw-tmp" ] && n_tmp=$((n_tmp + 1))
	if cmp -s "$F" "$OLD"; then n_old=$((n_old + 1))
	elif cmp -s "$F" "$T/new$k"; then n_new=$((n_new + 1))
	else n_bad=$((n_bad + 1)); fi
done
is "$n_bad" 0 "60 SIGTERM trials: old $n_old times, new $n_new times, anything else $n_bad times"
is "$n_tmp" 0 "SIGTERM never leaves a temp file ($n_tmp did)"

# migrate, interrupted while hashing
M=$T/legacy
for i in $(seq 1 150); do echo "m$i:Migrate-$i"; done >"$M"
chmod 640 "$M"
cp "$M" "$T/legacy.orig"
for sig in INT TERM; do
	"$CMD5PW" -f "$M" migrate -j 1 </dev/null >/dev/null 2>"$T/err" &
	pid=$!
	exec_wait "$pid"
	read -t 0.5 -u 9
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	is "$rc" "$((128 + $(kill -l "$sig")))" "SIG$sig during migrate: killed by the signal"
	cmp -s "$M" "$T/legacy.orig" && ok "SIG$sig during migrate: the original is untouched" ||
	    not_ok "SIG$sig during migrate: the original is untouched"
	[ -e "$M.cmd5pw-tmp" ] && not_ok "SIG$sig during migrate: no temp file" ||
	    ok "SIG$sig during migrate: no temp file"
done
"$CMD5PW" -f "$M" migrate -H -j 2 </dev/null >/dev/null 2>&1
is "$?" 0 "an uninterrupted migrate then succeeds"
grep -q ':Migrate-' "$M" && not_ok "and leaves no plaintext" || ok "and leaves no plaintext"

echo "== the mapped text truncated by a hand that ignores the lock"
# cmd5pw maps the text; strace holds it just after the mapping (madvise)
# while the file is cut short, as '>' in a shell would: the pages past the
# new end fault (SIGBUS), and cmd5pw must say so and change nothing
for i in $(seq 1 20000); do echo "u$i@ex.org:{PLAIN}p$i"; done >"$F"
chmod 640 "$F"
echo New-pw >"$T/pwin"
# LeakSanitizer cannot run under ptrace: in the sanitizer pass, leaks are
# not looked for in these two runs (ASan and UBSan still are)
[ -n "${ASAN_OPTIONS:-}" ] && export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
strace -f -o /dev/null -e trace=madvise -e inject=madvise:delay_exit=3000000 \
    "$CMD5PW" -f "$F" passwd -p --stdin u19999@ex.org <"$T/pwin" 2>"$T/err" &
spid=$!
# cut it once cmd5pw has it mapped (its maps name the file)
mapped=0
for ((n = 0; n < 2000; n++)); do
	for c in $(pgrep -P "$spid" -x cmd5pw); do
		grep -qF "$F" /proc/"$c"/maps 2>/dev/null && mapped=1
	done
	[ "$mapped" = 1 ] && break
	sleep 0.01
done
truncate -s 4096 "$F"
wait "$spid"
rc=$?
is "$mapped" 1 "cmd5pw mapped the text (held by strace)"
is "$rc" 111 "text truncated while mapped: exit 111, not a crash"
like "$(cat "$T/err")" 'truncated while being read .*nothing changed' "and says so"
is "$(stat -c %s "$F")" 4096 "the file is as the hand left it"
[ -e "$F.cmd5pw-tmp" ] && not_ok "no temp file left" || ok "no temp file left"
for i in $(seq 1 20000); do echo "u$i@ex.org:{PLAIN}p$i"; done >"$F"
echo New-pw | strace -f -o /dev/null -e trace=madvise \
    -e inject=madvise:delay_exit=2000000 \
    "$CMD5PW" -f "$F" passwd -p --stdin u19999@ex.org 2>"$T/err"
is "$?" 0 "the same delay without the truncation: the change is made"
grep -qx 'u19999@ex.org:{PLAIN}New-pw' "$F" && ok "(the new line is there)" ||
    not_ok "(the new line is there)"
done_testing
