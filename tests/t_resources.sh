#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# t_resources.sh: the right exit status when the world is hostile: fds
# 0, 1 and 2 closed; little address space; a password file that shrinks,
# vanishes or is replaced while it is being read; fd 3 that never reaches
# end of file; more than 512 bytes on fd 3.
. "$(dirname "$0")/lib.sh"

YES=$(sed -n 's/^alice://p' "$TOP/poppasswd.example" | cut -d: -f1)
mkpw "$T/pw" 'tim:tanstaaftanstaaf' "alice:$YES"

# --- fds 0, 1 and 2 closed: they are held with /dev/null, so neither the
# password file nor anything else lands on them and reaches prog
FDPROG=(sh -c 'r=; for i in 0 1 2; do r="$r$(readlink /proc/$$/fd/$i || echo closed) "; done; echo "$r" >"$0"' "$T/fds")
closed() {
	local want=$1 what=$2 rc
	rm -f "$T/fds"
	printf 'tim\0%s\0\0' "$3" | "$CMD5CHECKPW" -l stderr -f "$T/pw" "${FDPROG[@]}" \
	    3<&0 0<&- 1>&- 2>&-
	rc=$?
	is "$rc" "$want" "$what"
}
closed 0 "fds 0, 1, 2 closed: right password accepted" tanstaaftanstaaf
is "$(cat "$T/fds")" "/dev/null /dev/null /dev/null " \
    "fds 0, 1, 2 closed: prog finds /dev/null on each"
closed 1 "fds 0, 1, 2 closed: wrong password refused" tanstaaf
is "$(cat "$T/fds" 2>/dev/null)" "" "fds 0, 1, 2 closed: prog not run after a refusal"
printf 'tim\0tanstaaftanstaaf\0\0' | "$CMD5CHECKPW" -l stderr -f "$T/pw" 3<&0 0<&- 1>&- 2>&-
is "$?" 2 "fds 0, 1, 2 closed, no prog: misuse (2)"
"$CMD5CHECKPW" -l stderr -f "$T/pw" true 3<&- 0<&- 1>&- 2>&-
is "$?" 2 "fds 0 to 3 all closed: misuse (2)"

# --- little address space.  An ASan build reserves terabytes of address
# space and cannot start under ulimit -v, so the sanitizer pass checks
# the release binary here.
BIN=$CMD5CHECKPW
grep -q __asan_init "$BIN" 2>/dev/null && BIN=$TOP/cmd5checkpw
limited() {
	local want=$1 what=$2 kb=$3 login=$4 pass=$5 rc
	(ulimit -v "$kb"; printf '%s\0%s\0\0' "$login" "$pass" |
	    exec "$BIN" -l stderr -f "$T/pw" true 3<&0 </dev/null >/dev/null 2>>"$LOG")
	rc=$?
	is "$rc" "$want" "$what"
}
limited 0 "ulimit -v 8000: plaintext, right password accepted" 8000 tim tanstaaftanstaaf
# a refusal is padded with the file's costliest hash (yescrypt here): a
# wrong plaintext password cannot be told from an unknown login or a
# yescrypt one, not by time and not by 111 against 1 either
limited 111 "ulimit -v 8000: plaintext, wrong password: the pad cannot run: 111" 8000 tim tanstaaf
mkpw "$T/pw-p" 'tim:tanstaaftanstaaf'
(ulimit -v 8000; printf 'tim\0tanstaaf\0\0' | exec "$BIN" -l stderr -f "$T/pw-p" true \
    3<&0 </dev/null >/dev/null 2>>"$LOG")
is "$?" 1 "ulimit -v 8000: plaintext-only file (no pad), wrong password refused (1)"
# yescrypt j9T needs 16 MiB: without it the answer is "try later" (111),
# never "wrong password" (1) for the right one
limited 111 "ulimit -v 8000: yescrypt cannot run: 111, not a refusal" 8000 alice wonderland
like "$(tail -1 "$LOG")" 'error reason="cannot compute the crypt hash.* login="alice"$' \
    "ulimit -v 8000: the log says the hash could not be computed"
limited 111 "ulimit -v 8000: yescrypt, wrong password: 111 too" 8000 alice wonderlamb
limited 0 "ulimit -v 64000: yescrypt, right password accepted" 64000 alice wonderland
limited 1 "ulimit -v 64000: yescrypt, wrong password refused" 64000 alice wonderlamb
mkpw "$T/pw-y" "alice:$YES" 'tim:tanstaaftanstaaf'
PWF=$T/pw-y
(ulimit -v 8000; printf 'nosuch\0x\0\0' | exec "$BIN" -l stderr -f "$PWF" true \
    3<&0 </dev/null >/dev/null 2>>"$LOG")
is "$?" 111 "ulimit -v 8000: unknown login checked against a yescrypt entry: 111 as for a known one"

# cmd5pw verify checks the same way: no "password ok" when crypt failed
PWBIN=$CMD5PW
grep -q __asan_init "$PWBIN" 2>/dev/null && PWBIN=$TOP/cmd5pw
# cmd5pw is linked dynamically (libldap): the least address space it
# starts in, then 4 MB more, short of yescrypt's 16 MiB
base=8000
while [ "$base" -lt 400000 ] &&
    ! (ulimit -v "$base"; exec "$PWBIN" --version) >/dev/null 2>&1; do
	base=$((base + 2000))
done
(ulimit -v $((base + 4000)); echo wonderland | exec "$PWBIN" -f "$T/pw" verify --stdin alice \
    >/dev/null 2>"$T/pwerr")
is "$?" 111 "ulimit -v (start + 4 MB): cmd5pw verify of a yescrypt login: 111"
like "$(cat "$T/pwerr")" "cannot compute the crypt hash" "cmd5pw verify says why"
(ulimit -v $((base + 64000)); echo wonderland | exec "$PWBIN" -f "$T/pw" verify --stdin alice \
    >/dev/null 2>/dev/null)
is "$?" 0 "ulimit -v (start + 64 MB): cmd5pw verify of a yescrypt login: ok"

# --- the file shrinks, vanishes or is replaced during the scan.  A sparse
# 256 MiB file takes a while to scan (timed once here); the change lands
# at a random point within that time.
# Any of 0 (read before the change), 1 (login gone) or 111 (caught the
# truncation, SIGBUS) is right; a signal or sanitizer report is not.
mkbig() {
	printf 'first:x\n' >"$1"
	truncate -s 256M "$1"
	printf '\ntim:tanstaaftanstaaf\n' >>"$1"
	chmod 640 "$1"
}
racing() {
	local how=$1 i rc delay pid
	local -A seen=()
	for i in $(seq 1 8); do
		mkbig "$T/big"
		printf 'tim\0tanstaaftanstaaf\0\0' >"$T/req"
		"$CMD5CHECKPW" -l stderr -f "$T/big" true 3<"$T/req" </dev/null \
		    >/dev/null 2>>"$LOG" &
		pid=$!
		delay=$(printf '0.%03d' $((RANDOM % SCAN_MS)))
		sleep "$delay"
		case $how in
		truncated) truncate -s 4096 "$T/big" ;;
		emptied) : >"$T/big" ;;
		removed) rm -f "$T/big" ;;
		replaced) printf 'tim:new\n' >"$T/new"; chmod 640 "$T/new"
			mv -f "$T/new" "$T/big" ;;
		esac
		wait "$pid"
		rc=$?
		seen[$rc]=$((${seen[$rc]:-0} + 1))
	done
	local k out="" bad=""
	for k in "${!seen[@]}"; do
		out="$out exit $k: ${seen[$k]}x,"
		case $k in 0 | 1 | 111) ;; *) bad=1 ;; esac
	done
	if [ -z "$bad" ]; then ok "file $how mid-scan, 8 runs:${out%,}"
	else not_ok "file $how mid-scan, 8 runs:${out%,} (a crash)"; fi
}
mkbig "$T/big"
t0=$(date +%s%N)
printf 'tim\0tanstaaftanstaaf\0\0' | "$CMD5CHECKPW" -l stderr -f "$T/big" true 3<&0 \
    </dev/null >/dev/null 2>>"$LOG"
is "$?" 0 "256 MiB file, login on the last line: accepted"
SCAN_MS=$((($(date +%s%N) - t0) / 1000000))
[ "$SCAN_MS" -ge 20 ] || SCAN_MS=20
[ "$SCAN_MS" -le 999 ] || SCAN_MS=999
before=$(grep -c 'truncated while being read' "$LOG")
racing truncated
racing emptied
racing removed
racing replaced
after=$(grep -c 'truncated while being read' "$LOG")
ok "mid-scan truncations caught (SIGBUS -> 111) in these runs: $((after - before)) (scan takes ${SCAN_MS} ms)"
rm -f "$T/big"

# --- the index is rewritten in place (cp over it, not a rename) while
# logins are looked up.  When the index was read through a mapping
# (cdb_init), a shrink under a reader raised SIGBUS and killed
# cmd5checkpw (3 in 600 runs); it is read with cdb_seek now, a short read
# makes the index unusable, and the text decides: every answer is right.
make -s -C "$TOP" tests/mkindex >/dev/null 2>&1 || not_ok "build tests/mkindex"
awk 'BEGIN { for (i = 0; i < 100000; i++)
    printf "user%06d:{CRAM-MD5}e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6\n", i }' >"$T/ix"
chmod 640 "$T/ix"
"$TOP/tests/mkindex" "$T/ix"
cp "$T/ix.cdb" "$T/ix.full"
printf 'user099999\0test\0\0' >"$T/req"
( for i in $(seq 1 2000); do cp "$T/ix.full" "$T/ix.cdb"; truncate -s 3000 "$T/ix.cdb"
	[ -e "$T/ix.stop" ] && break; done; cp "$T/ix.full" "$T/ix.cdb" ) &
toggler=$!
declare -A seen=()
for i in $(seq 1 300); do
	"$CMD5CHECKPW" -l stderr -f "$T/ix" true 3<"$T/req" </dev/null >/dev/null 2>>"$T/ix.log"
	rc=$?
	seen[$rc]=$((${seen[$rc]:-0} + 1))
done
touch "$T/ix.stop"
wait "$toggler"
cat "$T/ix.log" >>"$LOG"
is "${seen[0]:-0}" 300 "index rewritten in place during 300 lookups: all accepted ($(for k in "${!seen[@]}"; do printf 'exit %s: %sx ' "$k" "${seen[$k]}"; done)index used $(grep -c 'source=index' "$T/ix.log")x, unusable $(grep -c 'index=unusable' "$T/ix.log")x)"

# --- fd 3 never reaches end of file: -t seconds (default 10), then 111
mkfifo "$T/fifo"
nodeadline() {
	local want_s=$1 what=$2 w t0 t1 rc ms
	shift 2
	{ printf 'tim\0'; sleep 30; } >"$T/fifo" &
	w=$!
	t0=$(date +%s%N)
	"$CMD5CHECKPW" -l stderr -f "$T/pw" "$@" true 3<"$T/fifo" </dev/null \
	    >/dev/null 2>>"$LOG"
	rc=$?
	t1=$(date +%s%N)
	kill "$w" 2>/dev/null
	wait "$w" 2>/dev/null
	ms=$(((t1 - t0) / 1000000))
	is "$rc" 111 "$what: exit 111"
	if [ "$ms" -ge $((want_s * 1000 - 100)) ] && [ "$ms" -le $((want_s * 1000 + 1500)) ]; then
		ok "$what: gave up after ${ms} ms"
	else
		not_ok "$what: gave up after ${ms} ms, want about ${want_s} s"
	fi
}
nodeadline 1 "fd 3 held open, -t 1" -t 1
like "$(tail -1 "$LOG")" "fd 3 not at end of file within deadline" \
    "fd 3 held open: the log says so"
nodeadline 2 "fd 3 held open, -t 2" -t 2
nodeadline 10 "fd 3 held open, default deadline 10 s"

# --- at most 512 bytes (the checkpassword interface)
pad() { head -c "$1" /dev/zero | tr '\0' x; }
# "tim\0" + "tanstaaftanstaaf\0" = 21 bytes, the third field (a POP3
# timestamp "<...@h>", the only non-empty third field of a password) fills up
auth 0 "exactly 512 bytes, right password: accepted" \
    tim tanstaaftanstaaf "<$(pad 486)@h>" -- -f "$T/pw" true
auth 1 "exactly 512 bytes, wrong password: refused" \
    tim tanstaaftanstaaX "<$(pad 486)@h>" -- -f "$T/pw" true
auth 1 "513 bytes, right password: refused (1)" \
    tim tanstaaftanstaaf "<$(pad 487)@h>" -- -f "$T/pw" true
like "$(tail -1 "$LOG")" "reason=input-over-512-bytes" "513 bytes: the log says so"
auth 1 "64 KiB on fd 3: refused (1)" \
    tim tanstaaftanstaaf "$(pad 65536)" -- -f "$T/pw" true
done_testing
