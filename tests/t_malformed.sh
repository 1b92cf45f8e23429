#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# Malformed input on fd 3, on the command line and in the password file:
# each gets its documented exit status (cmd5checkpw(8) EXIT STATUS), never
# a crash (a signal would show as 128+N) and never a false acceptance.
. "$(dirname "$0")/lib.sh"
PW=$T/poppasswd
mkpw "$PW" "tim:tanstaaftanstaaf" "bob:{CRAM-MD5}e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6"
A=(-f "$PW")
chal='<1.2@h>'

# ---- fd 3 ----
auth_raw 2 "empty input" '' "${A[@]}" true
auth_raw 2 "login without NUL" 'tim' "${A[@]}" true
auth_raw 2 "login only" 'tim\000' "${A[@]}" true
auth_raw 2 "password without NUL" 'tim\000tanstaaftanstaaf' "${A[@]}" true
auth_raw 2 "empty login" '\000tanstaaftanstaaf\000\000' "${A[@]}" true
auth_raw 2 "only NULs" '\000\000\000' "${A[@]}" true
auth_raw 2 "unterminated third field" 'tim\000tanstaaftanstaaf\000<1.2@h>' "${A[@]}" true
auth_raw 2 "data after the last field is refused" 'tim\000tanstaaftanstaaf\000\000more' "${A[@]}" true
auth_raw 0 "... and without it the login passes" 'tim\000tanstaaftanstaaf\000\000' "${A[@]}" true
like "$(grep -a 'error reason=' "$LOG" | tail -n 1)" 'error reason="data after the last NUL"' "the refusal is logged"
auth_raw 2 "a fourth field is refused" 'tim\000tanstaaftanstaaf\000\000\000' "${A[@]}" true
like "$(tail -n 1 "$LOG")" 'error reason="more fields than any front end writes"' "the refusal is logged"
auth_raw 2 "a third field that fits no front end is refused" 'tim\000tanstaaftanstaaf\000x\000' "${A[@]}" true
auth_raw 2 "-m password: a non-empty third field is refused" 'tim\000tanstaaftanstaaf\000<1.2@h>\000' -m password "${A[@]}" true
auth_raw 0 "-m password: two fields pass" 'tim\000tanstaaftanstaaf\000' -m password "${A[@]}" true
auth_raw 2 "-m pop3: no timestamp is refused" 'tim\000tanstaaftanstaaf\000\000' -m pop3 "${A[@]}" true
auth_raw 0 "-m pop3: USER/PASS with its timestamp passes" 'tim\000tanstaaftanstaaf\000<1.2@h>\000' -m pop3 "${A[@]}" true
auth_raw 2 "-m dabrowski: two fields are refused" 'tim\000tanstaaftanstaaf\000' -m dabrowski "${A[@]}" true
auth_raw 0 "-m dabrowski: LOGIN's three fields pass" 'tim\000tanstaaftanstaaf\000\000' -m dabrowski "${A[@]}" true

# exactly 512 bytes is fine, 513 is refused (exit 1, as DJB's checkpassword)
long=$(head -c 490 /dev/zero | tr '\0' 'p')
printf 'big:{PLAIN}%s\n' "$long" >>"$PW"
n=$(printf 'big\0%s\0' "$long" | wc -c)
pad=$(head -c $((512 - n - 1 - 4)) /dev/zero | tr '\0' 'x')
auth 0 "exactly 512 bytes on fd 3" big "$long" "<$pad@h>" -- "${A[@]}" true
auth 1 "513 bytes on fd 3" big "$long" "<${pad}y@h>" -- "${A[@]}" true
head -c 100000 /dev/urandom | TCPREMOTEIP=192.0.2.77 "$CMD5CHECKPW" -l stderr "${A[@]}" true 3<&0 2>>"$LOG"
is $? 1 "100 kB of random bytes on fd 3"
like "$(tail -n 1 "$LOG")" 'fail remote=192\.0\.2\.77 reason=input-over-512-bytes$' "oversized input logged with remote= (fail2ban can ban it)"

# digests that are not quite digests are passwords, hence wrong
d=$(hmac tanstaaftanstaaf "$chal")
auth 1 "non-hex digest" tim "${d%?}g" "$chal" -- "${A[@]}" true
auth 1 "31-digit digest" tim "${d%?}" "$chal" -- "${A[@]}" true
auth 1 "33-digit digest" tim "${d}0" "$chal" -- "${A[@]}" true
auth 1 "digest with a space" tim " ${d%?}" "$chal" -- "${A[@]}" true
auth 2 "challenge without <>: fits no front end" tim "$d" "1.2@h" -- "${A[@]}" true
newchal
d=$(hmac tanstaaftanstaaf "$CHAL")
auth 0 "upper-case digest is still a digest" tim "${d^^}" "$CHAL" -- "${A[@]}" true
auth 1 "empty digest" tim "" "$chal" -- "${A[@]}" true

# logins no line can hold
auth 1 "login with ':'" "tim:tanstaaftanstaaf" x "" -- "${A[@]}" true
auth 1 "login starting with '#'" "#tim" tanstaaftanstaaf "" -- "${A[@]}" true
auth 1 "login with a newline" $'x\ntim' tanstaaftanstaaf "" -- "${A[@]}" true
auth 1 "binary login" $'\xff\x01' tanstaaftanstaaf "" -- "${A[@]}" true
like "$(tail -n 1 "$LOG")" 'login="\\xff\\x01"' "binary login escaped in the log"

# ---- command line ----
auth 2 "no prog" tim tanstaaftanstaaf "" -- "${A[@]}"
auth 2 "unknown option" tim tanstaaftanstaaf "" -- -Z "${A[@]}" true
auth 2 "unknown -m mode" tim tanstaaftanstaaf "" -- -m smtp "${A[@]}" true
auth 2 "-t 0" tim tanstaaftanstaaf "" -- -t 0 "${A[@]}" true
auth 2 "-t not a number" tim tanstaaftanstaaf "" -- -t 5s "${A[@]}" true
auth 2 "unknown -l destination" tim tanstaaftanstaaf "" -- -l file "${A[@]}" true
"$CMD5CHECKPW" -l stderr "${A[@]}" true 3<&- 2>>"$LOG"
is $? 2 "fd 3 not open"
"$CMD5CHECKPW" --help >"$T/help" 2>"$T/err" 3<&-
is $? 0 "--help exits 0 (fd 3 not needed)"
like "$(head -n 1 "$T/help")" '^usage: cmd5checkpw ' "--help: the usage on stdout"
is "$(wc -c <"$T/err")" 0 "--help: nothing on stderr"
"$CMD5CHECKPW" --version >"$T/ver" 2>&1 3<&-
is $? 0 "--version exits 0"
is "$(cat "$T/ver")" "cmd5checkpw $(cat "$TOP/VERSION")" "--version prints the file VERSION's"
"$CMD5CHECKPW" -l stderr --helpx true >"$T/out" 2>&1 3<&-
is $? 2 "--helpx: unknown option, exit 2"
is "$(grep -c 'unrecognized' "$T/out")" 0 "no second message from getopt"

# fd 3 that never reaches end of file: the -t deadline, then 111
start=$(date +%s%N)
(printf 'tim\0tanstaaftanstaaf\0\0'; sleep 4) | {
	"$CMD5CHECKPW" -l stderr -t 1 "${A[@]}" true 3<&0 2>>"$LOG"
	echo "$? $(date +%s%N)" >"$T/deadline"
}
read -r rc end <"$T/deadline"
ms=$(((end - start) / 1000000))
is $rc 111 "fd 3 held open past -t 1: exit 111"
like "$ms" '^(9[0-9][0-9]|1[0-9][0-9][0-9]|2[0-9][0-9][0-9])$' "deadline kept: gave up after ${ms} ms"

# ---- the password file ----
auth 111 "password file missing" tim tanstaaftanstaaf "" -- -f "$T/nonexistent" true
auth 111 "password file is a directory" tim tanstaaftanstaaf "" -- -f "$T" true
cp "$PW" "$T/gw"; chmod 660 "$T/gw"
auth 111 "group-writable password file refused" tim tanstaaftanstaaf "" -- -f "$T/gw" true
like "$(tail -n 1 "$LOG")" 'writable by group' "refusal says why"
chmod 646 "$T/gw"
auth 111 "world-writable password file refused" tim tanstaaftanstaaf "" -- -f "$T/gw" true

F=$T/weird
{
	printf 'tim:tanstaaftanstaaf\r\n'			# CRLF
	printf 'nul:se\0cret\n'				# NUL byte: line ignored
	printf 'nocolon\n'					# no ':': ignored
	printf ':nologin\n'					# empty login: ignored
	printf 'tim:second-entry\n'				# duplicate: first wins
	printf 'ssha:{SSHA}c2VjcmV0\n'			# unknown scheme
	printf 'short:{CRAM-MD5}%s\n' "$(head -c 63 /dev/zero | tr '\0' a)"
	printf 'badcrypt:$y$garbage\n'
	printf 'empty:\n'
	printf 'long:{SSHA}%s:{PLAIN}after-100k\n' "$(head -c 100000 /dev/zero | tr '\0' L)"
	# cmd5checkpw 0.30 split lines at 255 bytes: the tail became a login
	printf 'split:%sphantom:gotcha\n' "$(head -c 249 /dev/zero | tr '\0' s)"
	printf 'last:no-newline'
} >"$F"
chmod 640 "$F"
auth 0 "CRLF line: CR is not part of the secret" tim tanstaaftanstaaf "" -- -f "$F" true
auth 1 "CRLF line: password with CR refused" tim $'tanstaaftanstaaf\r' "" -- -f "$F" true
auth 1 "line with a NUL byte is ignored" nul se "" -- -f "$F" true
auth 1 "line without ':' is no login" nocolon x "" -- -f "$F" true
auth 1 "duplicate login: the second entry's password refused" tim second-entry "" -- -f "$F" true
auth 1 "unknown scheme never matches" ssha secret "" -- -f "$F" true
like "$(tail -n 1 "$LOG")" 'reason=unknown-scheme' "unknown scheme is logged"
auth 1 "{CRAM-MD5} with 63 digits never matches" short x "" -- -f "$F" true
auth 1 "bad crypt setting: refused, no crash" badcrypt garbage "" -- -f "$F" true
auth 1 "empty field is a locked account" empty "" "" -- -f "$F" true
auth 0 "100 kB line parses whole (verifier after 100 kB)" long after-100k "" -- -f "$F" true
auth 1 "100 kB line, wrong password" long after-100 "" -- -f "$F" true
auth 1 "no phantom entry from the tail of a 300-byte line" phantom gotcha "" -- -f "$F" true
auth 0 "truncated last line (no newline) still parses" last no-newline "" -- -f "$F" true
auth 1 "truncated last line, wrong password" last no-newlin "" -- -f "$F" true
: >"$T/empty"; chmod 640 "$T/empty"
auth 1 "empty password file: unknown login" tim tanstaaftanstaaf "" -- -f "$T/empty" true
head -c 1000000 /dev/zero | tr '\0' '#' >"$T/comments"; chmod 640 "$T/comments"
auth 1 "1 MB comment line: unknown login" tim tanstaaftanstaaf "" -- -f "$T/comments" true

# a corrupted index is never believed: the text answers
cp "$PW" "$T/ix"; chmod 640 "$T/ix"
head -c 5000 /dev/urandom >"$T/ix.cdb"; chmod 640 "$T/ix.cdb"
auth 0 "garbage index: text answers (right)" tim tanstaaftanstaaf "" -- -f "$T/ix" true
like "$(tail -n 1 "$LOG")" 'source=text index=unusable' "garbage index logged as unusable"
auth 1 "garbage index: text answers (wrong)" tim tanstaaftanstaa "" -- -f "$T/ix" true
: >"$T/ix.cdb"
auth 0 "empty index file: text answers" tim tanstaaftanstaaf "" -- -f "$T/ix" true
# a value over 1 MiB (pwindex.c VALUE_MAX) is damage, not a verifier field
{ printf '+6,1048577:\000stamp->'; head -c 1048577 /dev/zero | tr '\0' x
  printf '\n\n'; } | cdb -c "$T/ix.cdb"
chmod 640 "$T/ix.cdb"
auth 0 "index with a 1 MiB value: text answers (right)" tim tanstaaftanstaaf "" -- -f "$T/ix" true
like "$(tail -n 1 "$LOG")" 'source=text index=unusable' "index with a 1 MiB value logged as unusable"
auth 1 "index with a 1 MiB value: text answers (wrong)" tim tanstaaftanstaa "" -- -f "$T/ix" true
chmod 662 "$T/ix.cdb"
auth 111 "world-writable index refused" tim tanstaaftanstaaf "" -- -f "$T/ix" true
done_testing
