#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# cmd5pw(8): every command and option, each success next to its failure;
# hand-edited files keep every byte but the changed line.
. "$(dirname "$0")/lib.sh"

F=$T/poppasswd
ALL=$T/all	# everything cmd5pw printed: no password may appear in it
TTYRUN=$TOP/tests/ttyrun.py

# try WANT_RC WHAT cmd5pw-args...: stdin from the caller; output in $T/out
try() {
	local want=$1 what=$2 rc
	shift 2
	"$CMD5PW" "$@" >"$T/out" 2>&1
	rc=$?
	cat "$T/out" >>"$ALL"
	is "$rc" "$want" "$what"
}
out() { cat "$T/out"; }
mode() { stat -c %a "$1"; }
line_of() { awk -v l="$1:" 'index($0, l) == 1' "$F"; }
# pwd_auth WANT WHAT LOGIN PASSWORD: a LOGIN/PLAIN style check through cmd5checkpw
pwd_auth() { auth "$1" "$2" "$3" "$4" -- -f "$F" true; }
cram_auth() { newchal; auth "$1" "$2" "$3" "$CHAL" "$(hmac "$4" "$CHAL")" -- -f "$F" true; }
apop_auth() { newchal; auth "$1" "$2" "$3" "$(apop "$4" "$CHAL")" "$CHAL" -- -m pop3 -f "$F" true; }

echo "== usage"
try 2 "no command: usage" </dev/null
like "$(out)" '^cmd5pw: no command' "no command: says so"
try 2 "unknown command" frobnicate </dev/null
try 2 "unknown option" -x list </dev/null
try 2 "an option the command does not take (list --stdin)" -f "$F" list --stdin </dev/null
like "$(out)" 'list takes no -s \(--stdin\)' "names the option"
try 2 "-H and -p together" -f "$F" add -H -p --stdin a </dev/null
try 2 "-b and --stdin together" -f "$F" add -b --stdin </dev/null
try 2 "add without a login" -f "$F" add --stdin </dev/null
try 2 "del without a login" -f "$F" del </dev/null
try 2 "lock without a login" -f "$F" lock </dev/null
try 2 "list with an operand" -f "$F" list x </dev/null
try 2 "-j 0" -f "$F" migrate -j 0 </dev/null
try 2 "-j junk" -f "$F" migrate -j 2x </dev/null
try 2 "-f with an empty name" -f "" list </dev/null
[ ! -e "$F" ] && ok "usage errors create no file" || not_ok "usage errors create no file"

echo "== --help, --version"
"$CMD5PW" --help >"$T/help" 2>"$T/err"
is "$?" 0 "--help exits 0"
like "$(head -n 1 "$T/help")" '^usage: cmd5pw ' "--help: the usage on stdout"
like "$(cat "$T/help")" '-j jobs' "--help lists -j"
is "$(wc -c <"$T/err")" 0 "--help: nothing on stderr"
"$CMD5PW" --version >"$T/ver" 2>&1
is "$?" 0 "--version exits 0"
is "$(cat "$T/ver")" "cmd5pw $(cat "$TOP/VERSION")" "--version prints the file VERSION's"
try 2 "--helpx: unknown option" --helpx </dev/null
is "$(grep -c '^cmd5pw: ' "$T/out")" 1 "an unknown long option: one message, one prefix"
like "$(head -n 1 "$T/out")" '^cmd5pw: unknown option --helpx$' "it names the option"
try 2 "-f without its argument" -f </dev/null
like "$(head -n 1 "$T/out")" '^cmd5pw: -f needs an argument$' "says which option wants an argument"

echo "== add"
echo 'Secret-1' | try 0 "add --stdin creates the file" -f "$F" add --stdin alice
like "$(line_of alice)" '^alice:\$y\$[./0-9A-Za-z]+\$[./0-9A-Za-z]+\$[./0-9A-Za-z]+:\{CRAM-MD5\}[0-9a-f]{64}$' \
    "default: yescrypt hash and {CRAM-MD5}"
is "$(mode "$F")" 640 "a new file is mode 640"
is "$(mode "$F.cdb")" 640 "its index is mode 640"
is "$(mode "$F.lock")" 600 "the lock file is mode 600"
[ -e "$F.cmd5pw-tmp" ] && not_ok "no temp file left" || ok "no temp file left"
pwd_auth 0 "cmd5checkpw: the new password works" alice Secret-1
pwd_auth 1 "cmd5checkpw: a wrong password fails" alice Secret-2
cram_auth 0 "cmd5checkpw: CRAM-MD5 with the password works" alice Secret-1
cram_auth 1 "cmd5checkpw: CRAM-MD5 with a wrong password fails" alice Secret-2
like "$(tail -1 "$LOG")" 'source=index' "cmd5checkpw used the fresh index"
cp "$F" "$T/before"
echo 'Other-1' | try 1 "add of an existing login is refused" -f "$F" add --stdin alice
like "$(out)" 'alice already exists' "says the login exists"
cmp -s "$F" "$T/before" && ok "refused add leaves the file as it was" ||
    not_ok "refused add leaves the file as it was"
for bad in 'a:b' 'a b' '#a' "$(printf 'a\tb')" "$(printf 'a\001b')" \
    "$(printf '%0300d' 0)"; do
	echo 'pw' | try 1 "invalid login '$(printf '%q' "$bad")' refused" -f "$F" add --stdin -- "$bad"
done
printf '\n' | try 1 "an empty password is refused" -f "$F" add --stdin bob
try 1 "no password on stdin is refused" -f "$F" add --stdin bob </dev/null
printf 'a\0b\n' | try 1 "a password with a NUL is refused" -f "$F" add --stdin bob
head -c 512 /dev/zero | tr '\0' x | try 1 "a password over 511 bytes is refused" -f "$F" add --stdin bob
# fd 3 holds 512 bytes: "longpw\0PASSWORD\0\0" leaves 503 for the password
P503=$(head -c 503 /dev/zero | tr '\0' y)
echo "${P503}y" | try 1 "a password that can never log in (504 bytes for a 6-byte login) is refused" -f "$F" add -H --stdin longpw
like "$(out)" 'can never log in: fd 3 holds 512 bytes, the login, the password and 3 NULs, so 503 at most' "says the limit and why"
like "$(out)" 'POP3 USER/PASS less' "and that POP3 USER/PASS holds less"
echo "$P503" | try 0 "the longest password that fits (503 bytes) is taken" -f "$F" add -H --stdin longpw
auth 0 "and logs in: a 512-byte request (Dovecot's layout)" longpw "$P503" "" -- -f "$F" true
auth 1 "one byte more on fd 3 is refused by cmd5checkpw (so 504 could never work)" longpw "${P503}y" "" -- -f "$F" true
printf 'ok1:Batch-ok\nlongpw2:%s\n' "$P503" | try 1 "-b: a batch line whose password cannot fit (503 bytes, 7-byte login) is refused" -f "$F" add -b -H
like "$(out)" 'standard input line 2: password of 503 bytes for longpw2 can never log in.* 502 at most' "names the line and the limit"
[ -z "$(line_of ok1)" ] && ok "and nothing of the batch is added" || not_ok "and nothing of the batch is added"
setsid "$CMD5PW" -f "$F" add bob </dev/null >"$T/out" 2>&1
is "$?" 2 "add without a terminal and without --stdin: usage error"
like "$(out)" 'no terminal.*--stdin' "says to use --stdin"
printf 'Crlf-pw\r\n' | try 0 "add --stdin strips a CRLF" -f "$F" add -H --stdin crlfuser
pwd_auth 0 "the password without the CR works" crlfuser Crlf-pw
cmp -s "$F" "$T/before" && not_ok "the file changed" || ok "the file changed"
grep -q '^bob:' "$F" && not_ok "no bob after the refusals" || ok "no bob after the refusals"

echo "== add -H (hash only) and -p (plaintext)"
echo 'Hash-only' | try 0 "add -H" -f "$F" add -H --stdin hugo
like "$(line_of hugo)" '^hugo:\$y\$[^:]*$' "-H: a yescrypt hash and nothing else"
pwd_auth 0 "-H: the password works" hugo Hash-only
cram_auth 1 "-H: CRAM-MD5 is impossible without {CRAM-MD5}" hugo Hash-only
echo 'Plain-pw' | try 0 "add -p" -f "$F" add -p --stdin pat
is "$(line_of pat)" 'pat:{PLAIN}Plain-pw' "-p: {PLAIN}"
like "$(out)" 'warning: storing the password of pat in plaintext' "-p warns"
apop_auth 0 "-p: APOP works" pat Plain-pw
apop_auth 1 "-p: APOP with a wrong secret fails" pat Plain-px
apop_auth 1 "default verifiers: no APOP" alice Secret-1
echo 'with:colon' | try 0 "add -p, password with ':'" -f "$F" add -p --stdin col
is "$(line_of col)" "col:{PLAIN.b64}$(printf 'with:colon' | base64)" "':' -> {PLAIN.b64}"
pwd_auth 0 "the {PLAIN.b64} password works" col with:colon
for lead in '$' '{' '!' '*'; do
	echo "${lead}lead" | try 0 "add -p, password starting with '$lead'" -f "$F" add -p --stdin "lead$lead"
	is "$(line_of "lead$lead")" "lead$lead:{PLAIN.b64}$(printf '%s' "${lead}lead" | base64)" \
	    "'$lead' first -> {PLAIN.b64}"
	pwd_auth 0 "password '${lead}lead' works" "lead$lead" "${lead}lead"
done

echo "== passwd"
cp "$F" "$T/before"
echo 'Secret-2' | try 0 "passwd --stdin" -f "$F" passwd --stdin alice
pwd_auth 0 "the new password works" alice Secret-2
pwd_auth 1 "the old password no longer works" alice Secret-1
is "$(diff "$T/before" "$F" | grep -c '^[<>]')" 2 "passwd changed exactly one line"
cp "$F" "$T/before"
echo 'x' | try 1 "passwd of an unknown login is refused" -f "$F" passwd --stdin nobody
like "$(out)" 'no login nobody' "says there is no such login"
cmp -s "$F" "$T/before" && ok "refused passwd leaves the file" || not_ok "refused passwd leaves the file"
echo 'Now-plain' | try 0 "passwd -p" -f "$F" passwd -p --stdin hugo
is "$(line_of hugo)" 'hugo:{PLAIN}Now-plain' "passwd -p stores {PLAIN}"

echo "== the terminal: no echo, asked twice"
"$TTYRUN" 'Tty-pass-1' 'Tty-pass-1' -- "$CMD5PW" -f "$F" add tina >"$T/out" 2>&1
is "$?" 0 "add on a terminal, same password twice"
cat "$T/out" >>"$ALL"
like "$(out)" 'Password for tina:' "prompts for the password"
like "$(out)" 'Retype password:' "asks again"
grep -q 'Tty-pass-1' "$T/out" && not_ok "the password is not echoed" || ok "the password is not echoed"
pwd_auth 0 "the typed password works" tina Tty-pass-1
cp "$F" "$T/before"
"$TTYRUN" 'Tty-pass-2' 'Tty-pass-X' -- "$CMD5PW" -f "$F" passwd tina >"$T/out" 2>&1
is "$?" 1 "passwd on a terminal, two different passwords: refused"
like "$(out)" 'do not match' "says they do not match"
cmp -s "$F" "$T/before" && ok "mismatch leaves the file" || not_ok "mismatch leaves the file"
"$TTYRUN" 'Tty-pass-1' -- "$CMD5PW" -f "$F" verify tina >"$T/out" 2>&1
is "$?" 0 "verify on a terminal asks once: right password"
"$TTYRUN" 'Tty-pass-2' -- "$CMD5PW" -f "$F" verify tina >"$T/out" 2>&1
is "$?" 1 "verify on a terminal: wrong password"
"$TTYRUN" 'Tty-pass-3' -- "$CMD5PW" -f "$F" add tina >"$T/out" 2>&1
is "$?" 1 "add of an existing login says so before asking"
grep -q 'Password for' "$T/out" && not_ok "no prompt for a refused add" || ok "no prompt for a refused add"

echo "== batch (login:password lines on stdin)"
printf 'b1:Batch-1\nb2:Batch:2\r\n\nb3:Batch-3\n' | try 0 "add -b -p: three logins" -f "$F" add -b -p
like "$(out)" 'added 3 logins' "reports the count"
pwd_auth 0 "batch login b2 (password with ':' and CRLF)" b2 Batch:2
pwd_auth 0 "batch login b3" b3 Batch-3
printf 'b1:New-1\nb3:New-3\n' | try 0 "passwd -b -H" -f "$F" passwd -b -H
pwd_auth 0 "b1 changed" b1 New-1
pwd_auth 1 "b1's old password fails" b1 Batch-1
pwd_auth 0 "b2 untouched" b2 Batch:2
cp "$F" "$T/before"
printf 'b4:x\nb1:y\n' | try 1 "add -b with an existing login: refused" -f "$F" add -b -p
printf 'b1:x\nnobody:y\n' | try 1 "passwd -b with an unknown login: refused" -f "$F" passwd -b -p
printf 'b5:x\nb5:y\n' | try 1 "batch naming a login twice: refused" -f "$F" add -b -p
like "$(out)" 'line 2: b5 appears twice' "names the line"
printf 'b6:x\nno-colon\n' | try 1 "batch line without ':': refused" -f "$F" add -b -p
printf 'b6:x\nb 7:y\n' | try 1 "batch line with a bad login: refused" -f "$F" add -b -p
printf 'b6:x\nb7:\n' | try 1 "batch line with an empty password: refused" -f "$F" add -b -p
try 1 "empty batch: refused" -f "$F" add -b -p </dev/null
cmp -s "$F" "$T/before" && ok "refused batches change nothing" || not_ok "refused batches change nothing"
grep -q '^b[4-7]:' "$F" && not_ok "no login of a refused batch" || ok "no login of a refused batch"

echo "== del"
printf 'dup:{PLAIN}first\n' >>"$F"
printf 'dup:{PLAIN}second\n' >>"$F"
try 0 "del" -f "$F" del dup
like "$(out)" 'removed dup \(2 lines\)' "removes every line of the login (a duplicate must not come alive)"
grep -q '^dup:' "$F" && not_ok "dup gone" || ok "dup gone"
pwd_auth 1 "a deleted login is refused" dup second
cp "$F" "$T/before"
try 1 "del of an unknown login" -f "$F" del dup
cmp -s "$F" "$T/before" && ok "refused del leaves the file" || not_ok "refused del leaves the file"

echo "== verify"
echo 'Secret-2' | try 0 "verify: right password" -f "$F" verify --stdin alice
echo 'Secret-1' | try 1 "verify: wrong password" -f "$F" verify --stdin alice
echo 'Secret-2' | try 1 "verify: unknown login" -f "$F" verify --stdin nosuch
echo 'x' | try 111 "verify: missing file is a system error" -f "$T/missing" verify --stdin alice
like "$(out)" "$T/missing" "the message names the file"

echo "== list"
try 0 "list" -f "$F" list </dev/null
like "$(out)" "$(printf '^alice\tyescrypt,cram-md5$')" "alice: yescrypt,cram-md5"
like "$(out)" "$(printf 'hugo\tplain')" "hugo: plain"
printf 'alice:legacy-dup\n' >>"$F"
try 0 "list with a duplicate" -f "$F" list </dev/null
like "$(out)" "$(printf 'alice\tlegacy-plain\tduplicate of line 1, never used')" "marks the duplicate"
grep -Eq 'Secret|Plain-pw|legacy-dup|\{PLAIN\}|CRAM-MD5\}[0-9a-f]' "$T/out" &&
    not_ok "list shows no secret" || ok "list shows no secret"
try 111 "list of a missing file" -f "$T/missing" list </dev/null

echo "== check"
G=$T/good
mkpw "$G" 'alice:$y$j9T$Lya.XuftX3dexCKfHVS.N0$PiVNtqUzjEln9bFl0FLhgz96u0pq3JZ7SyJa9L1GF/4:{CRAM-MD5}721a2df79bd8bf7cff39c4914f8c49b8979ad5122813c64e75f91b8a6a09b88a' \
    '# a comment' '' 'locked:!$y$j9T$RigCzqvADTl/Fxm7hqspf/$nnnL0SqPYVyVw9UUPW0Ttav7/tOs5o5Ru83iCYCVWL0'
try 0 "index of a clean file" -f "$G" index </dev/null
try 0 "check: clean file" -f "$G" check </dev/null
like "$(out)" '2 entries, 0 errors, 0 warnings' "check: counts"
try 0 "check --strict: clean file" -f "$G" check --strict </dev/null
rm "$G.cdb"
try 0 "check: no index is a warning" -f "$G" check </dev/null
like "$(out)" 'no index' "check: says there is no index"
try 1 "check --strict: a warning fails" -f "$G" check --strict </dev/null
B=$T/bad
mkpw "$B" 'good:$y$j9T$Lya.XuftX3dexCKfHVS.N0$PiVNtqUzjEln9bFl0FLhgz96u0pq3JZ7SyJa9L1GF/4' \
    'legacy:Legacy-pw-1' 'good:{PLAIN}Dup-pw' 'nocolon' ':emptylogin' \
    'md5:$1$saltsalt$qjXMvbEw8oaL.CzflDugX/' 'des:{CRYPT}abJnggxhB/yWI' \
    'dollar:$ecret-Dollar' 'brace:{ecret-Brace}' 'bang:!Bang-secret' 'pl:{PLAIN}Plain-x' \
    'sp ace:{PLAIN}y' 'unk:{SSHA}Unknown-scheme'
printf 'nul:a\0b\n' >>"$B"
"$CMD5PW" -f "$B" index >/dev/null 2>&1
echo 'junk:x' >>"$B"
printf '%s\n' 'e1:{PLAIN}' 'e2:{PLAIN.b64}' 'e3:{PLAIN.hex}' 'e4:$y$j9T$Lya.XuftX3dexCKfHVS.N0$PiVNtqUzjEln9bFl0FLhgz96u0pq3JZ7SyJa9L1GF/4:{CLEARTEXT}' >>"$B"
try 1 "check: a bad file fails" -f "$B" check </dev/null
like "$(out)" "$B:3: error: good: duplicate of line 1" "check: duplicate"
like "$(out)" "$B:4: error: no ':'" "check: no colon"
like "$(out)" "$B:5: error: empty login" "check: empty login"
like "$(out)" "$B:14: error: NUL byte" "check: NUL byte"
like "$(out)" "$B:2: warning: legacy: plaintext password" "check: legacy plaintext"
like "$(out)" "$B:6: warning: md5: weak hash md5crypt" "check: \$1\$ is weak"
like "$(out)" "$B:7: warning: des: weak hash descrypt" "check: DES is weak"
like "$(out)" "$B:8: error: dollar: .*legacy plaintext password starting with '\\$'" "check: ambiguous '\$' plaintext"
like "$(out)" "$B:9: error: brace: .*starting with '\\{'" "check: ambiguous '{' plaintext"
like "$(out)" "$B:10: warning: bang: .*starts with '!'" "check: ambiguous '!' plaintext"
like "$(out)" "$B:11: warning: pl: plaintext verifier \\{PLAIN\\}" "check: {PLAIN}"
like "$(out)" "$B:12: warning: sp\\\\x20ace: login with spaces" "check: login with a space"
like "$(out)" "$B:13: error: unk: verifier 1 is of no known scheme" "check: unknown scheme"
like "$(out)" 'index .* is stale' "check: stale index"
for i in 1 2 3; do
	like "$(out)" "$B:$((15 + i)): error: e$i: verifier 1 is an empty plaintext: it never matches" \
	    "check: empty plaintext e$i is an error"
done
like "$(out)" "$B:19: error: e4: verifier 2 is an empty plaintext" "check: an empty {CLEARTEXT} after a hash is an error"
grep -Eq 'Legacy-pw|Dup-pw|ecret|Bang-secret|Plain-x|Unknown-scheme|saltsalt|abJngg' "$T/out" &&
    not_ok "check prints no secret" || ok "check prints no secret"
chmod 660 "$G"
try 1 "check: group-writable file is an error" -f "$G" check </dev/null
like "$(out)" 'writable by group' "check: says group-writable"
chmod 644 "$G"
try 0 "check: world-readable is a warning" -f "$G" check </dev/null
like "$(out)" 'readable by everyone' "check: says world-readable"
chmod 640 "$G"
ln -s "$G" "$T/link"
try 0 "check: a symbolic link is a warning" -f "$T/link" check </dev/null
like "$(out)" 'symbolic link' "check: says symbolic link"
try 111 "check of a missing file" -f "$T/missing" check </dev/null

echo "== index"
try 0 "index" -f "$G" index </dev/null
[ -s "$G.cdb" ] && ok "index creates FILE.cdb" || not_ok "index creates FILE.cdb"
try 111 "index of a missing file" -f "$T/missing" index </dev/null
[ -e "$T/missing" ] && not_ok "index does not create the text" || ok "index does not create the text"

echo "== permissions, owners, symlinks"
P=$T/perm
mkpw "$P" 'a:{PLAIN}x'
chmod 600 "$P"
chown nobody:nogroup "$P"
echo 'y' | try 0 "passwd on a mode 600 file owned by nobody" -f "$P" passwd -p --stdin a
is "$(stat -c '%a %U %G' "$P")" '600 nobody nogroup' "mode, owner and group kept"
is "$(stat -c '%a %U %G' "$P.cdb")" '600 nobody nogroup' "index: same owner, never wider"
chmod 620 "$P"
cp "$P" "$T/before"
echo 'z' | try 111 "a group-writable file is refused" -f "$P" passwd -p --stdin a
like "$(out)" "refusing $P: writable by group" "says why, names the file"
cmp -s "$P" "$T/before" && ok "refused file unchanged" || not_ok "refused file unchanged"
chmod 600 "$P"
ln -s "$P" "$T/plink"
echo 'z' | try 111 "writing through a symbolic link is refused" -f "$T/plink" passwd -p --stdin a
like "$(out)" 'symbolic link' "says it is a symbolic link"
[ -L "$T/plink" ] && ok "the link is still a link" || not_ok "the link is still a link"
cmp -s "$P" "$T/before" && ok "its target unchanged" || not_ok "its target unchanged"
mkdir "$T/lk" && mkpw "$T/lk/pw" 'a:{PLAIN}x' && ln -s /dev/null "$T/lk/pw.lock"
echo 'z' | try 111 "a symbolic link as lock file is refused" -f "$T/lk/pw" passwd -p --stdin a
echo junk >"$P.cmd5pw-tmp"
echo 'w' | try 0 "a temp file left by a killed run is replaced" -f "$P" passwd -p --stdin a
[ -e "$P.cmd5pw-tmp" ] && not_ok "and removed" || ok "and removed"
echo 'x' | try 111 "add in a missing directory" -f "$T/nodir/pw" add -p --stdin a

echo "== the lock is flock(2) on FILE.lock, so flock(1) in a script works too"
flock "$P.lock" sleep 1 &
lpid=$!
sleep 0.2
t0=$(date +%s%N)
echo 'v' | try 0 "a change waits for a lock held by flock(1)" -f "$P" passwd -p --stdin a
waited=$((($(date +%s%N) - t0) / 1000000))
[ "$waited" -ge 500 ] && ok "it waited (${waited} ms)" || not_ok "it waited (${waited} ms)"
like "$(out)" "waiting for the lock on $P.lock, held by PID [0-9]+ \(flock\)" "says who holds the lock, also when not on a terminal"
wait "$lpid"
flock "$P.lock" sleep 3 &
lpid=$!
sleep 0.2
"$TTYRUN" 'Lock-pw-1' 'Lock-pw-1' -- "$CMD5PW" -f "$P" add lockme >"$T/out" 2>&1
is "$?" 0 "on a terminal, the same"
like "$(out)" "waiting for the lock on $P.lock, held by PID $lpid \(flock\)" "and says it is waiting, and for whom"
wait "$lpid"

echo "== round trip: a hand-edited legacy file keeps every other byte"
H=$T/hand
{
	printf '# poppasswd, edited by hand\n'
	printf 'tim:tanstaaftanstaaf\n'
	printf '\n'
	printf '   \t\n'
	printf 'crlf:Crlf-legacy\r\n'
	printf 'weird:{SSHA}Keep-this-exactly\n'
	printf 'bob:bob-legacy:with:colons\n'
	printf 'nocolon line\n'
	printf '#bob:commented\n'
	printf 'bob:shadowed-dup\n'
	printf 'last:no-newline'
} >"$H"
chmod 640 "$H"
cp "$H" "$T/hand.orig"
echo 'Bob-new' | try 0 "passwd -p on the hand-edited file" -f "$H" passwd -p --stdin bob
sed 's/^bob:bob-legacy:with:colons$/bob:{PLAIN}Bob-new/' "$T/hand.orig" >"$T/hand.want"
cmp -s "$H" "$T/hand.want" && ok "only bob's first line differs, byte for byte" ||
    not_ok "only bob's first line differs, byte for byte ($(cmp "$H" "$T/hand.want" 2>&1))"
echo 'Crlf-new' | try 0 "passwd -p of a CRLF line" -f "$H" passwd -p --stdin crlf
sed 's/^crlf:Crlf-legacy\r$/crlf:{PLAIN}Crlf-new\r/' "$T/hand.want" >"$T/hand.want2"
cmp -s "$H" "$T/hand.want2" && ok "the CRLF line stays CRLF, the rest unchanged" ||
    not_ok "the CRLF line stays CRLF, the rest unchanged"
echo 'New-user' | try 0 "add to a file without a final newline" -f "$H" add -p --stdin newu
{ cat "$T/hand.want2"; printf '\nnewu:{PLAIN}New-user\n'; } >"$T/hand.want3"
cmp -s "$H" "$T/hand.want3" && ok "add: a newline ends the old last line, then the new line" ||
    not_ok "add: a newline ends the old last line, then the new line"
try 0 "del tim" -f "$H" del tim </dev/null
grep -v '^tim:' "$T/hand.want3" >"$T/hand.want4"
cmp -s "$H" "$T/hand.want4" && ok "del: only tim's line is gone" || not_ok "del: only tim's line is gone"

echo "== migrate"
M=$T/legacy
{
	printf '# legacy cmd5checkpw file\n'
	printf 'tim:tanstaaftanstaaf\n'
	printf 'crlf:Crlf-mig\r\n'
	printf 'ann:Ann:with:colons\n'
	printf 'done:{PLAIN}Tagged\n'
	printf 'hashed:$y$j9T$Lya.XuftX3dexCKfHVS.N0$PiVNtqUzjEln9bFl0FLhgz96u0pq3JZ7SyJa9L1GF/4\n'
	printf 'off:!locked\n'
	printf 'tim:Shadowed-dup\n'
	printf 'junk line\n'
} >"$M"
chmod 600 "$M"
cp "$M" "$T/legacy.orig"
try 0 "migrate" -f "$M" migrate -j 2 </dev/null
like "$(out)" 'migrated 4 logins' "migrate: counts the legacy lines"
F=$M
pwd_auth 0 "migrated: the password works" tim tanstaaftanstaaf
cram_auth 0 "migrated: CRAM-MD5 works ({CRAM-MD5})" tim tanstaaftanstaaf
cram_auth 1 "migrated: CRAM-MD5 with a wrong password fails" tim tanstaafx
apop_auth 1 "migrated without -k: no APOP" tim tanstaaftanstaaf
pwd_auth 0 "migrated: the password with colons works" ann Ann:with:colons
pwd_auth 0 "migrated: the CRLF line works" crlf Crlf-mig
like "$(line_of tim | head -1)" '^tim:\$y\$[^:]+:\{CRAM-MD5\}[0-9a-f]{64}$' "migrated: hash + {CRAM-MD5}"
mapfile -t old <"$T/legacy.orig"
mapfile -t new <"$M"
same=0 changed=0
for i in "${!old[@]}"; do
	if [ "${old[$i]}" = "${new[$i]}" ]; then same=$((same + 1))
	else changed=$((changed + 1)); fi
done
is "$changed $same ${#new[@]}" "4 5 9" "migrate: 4 legacy lines changed, the other 5 kept"
is "$(sed -n 3p "$M" | od -An -c | grep -c '\\r')" 1 "migrate: the CRLF line stays CRLF"
is "$(mode "$M")" 600 "migrate: mode kept"
cp "$M" "$T/before"
try 0 "migrate again: nothing to do" -f "$M" migrate </dev/null
like "$(out)" 'nothing to do' "says nothing to do"
cmp -s "$M" "$T/before" && ok "and writes nothing" || not_ok "and writes nothing"
cp "$T/legacy.orig" "$M"
try 0 "migrate -k (keep plaintext for APOP)" -f "$M" migrate -k -j 1 </dev/null
like "$(out)" 'still holds the plaintext' "-k warns"
apop_auth 0 "migrate -k: APOP still works" tim tanstaaftanstaaf
pwd_auth 0 "migrate -k: the password works" tim tanstaaftanstaaf
like "$(line_of tim | head -1)" '^tim:\$y\$[^:]+:\{CRAM-MD5\}[0-9a-f]{64}:\{PLAIN\}tanstaaftanstaaf$' "-k: hash, {CRAM-MD5}, {PLAIN}"
like "$(line_of ann)" ':\{PLAIN.b64\}' "-k: a password with ':' kept as {PLAIN.b64}"
cp "$T/legacy.orig" "$M"
try 0 "migrate -H" -f "$M" migrate -H </dev/null
cram_auth 1 "migrate -H: no CRAM-MD5" tim tanstaaftanstaaf
pwd_auth 0 "migrate -H: the password works" tim tanstaaftanstaaf
try 2 "migrate -p is a usage error" -f "$M" migrate -p </dev/null
try 111 "migrate of a missing file" -f "$T/missing" migrate </dev/null
for i in $(seq 1 40); do echo "p$i:Pw-$i"; done >"$M"
chmod 600 "$M"
"$TTYRUN" -- "$CMD5PW" -f "$M" migrate >"$T/out" 2>&1
is "$?" 0 "migrate on a terminal"
like "$(tr '\r' '\n' <"$T/out")" 'migrating .* \[#+\] 40/40 100% [0-9]+/s ETA 0:00:00' "shows a progress bar with rate and ETA"
"$CMD5PW" -f "$M" verify --stdin p40 <<<'Pw-40' >/dev/null 2>&1
is "$?" 0 "the last migrated login verifies"
cat "$T/out" >>"$ALL"

echo "== -q: quiet on success, not on failure"
Q=$T/quiet
echo 'Quiet-pw-1' | try 0 "add -q" -q -f "$Q" add -H --stdin qu
is "$(out)" "" "add -q prints nothing"
echo 'Quiet-pw-1' | try 1 "add -q of an existing login" -q -f "$Q" add -H --stdin qu
like "$(out)" 'already exists' "the failure is still said"
try 0 "del -q" -q -f "$Q" del qu
is "$(out)" "" "del -q prints nothing"

echo "== del, lock and unlock take several logins, all or nothing"
D=$T/several
printf 'la:Lock-a\nlb:Lock-b\nlc:Lock-c\n' | "$CMD5PW" -q -f "$D" add -b -H
cp "$D" "$T/before"
try 1 "del of a present and a missing login" -f "$D" del la nosuch
like "$(out)" 'no login nosuch; nothing changed' "names the missing one"
cmp -s "$D" "$T/before" && ok "and nothing changed" || not_ok "and nothing changed"
try 2 "del of a login given twice" -f "$D" del la la
try 0 "del of two logins" -f "$D" del la lb
is "$(cut -d: -f1 "$D" | tr '\n' ' ')" "lc " "both removed, the third kept"
printf 'la:Lock-a\nlb:Lock-b\n' | "$CMD5PW" -q -f "$D" add -b
F0=$F; F=$D
try 0 "lock la" -f "$D" lock la
like "$(line_of la)" '^la:!\$y\$' "a lock is '!' before the verifiers"
pwd_auth 1 "a locked login is refused" la Lock-a
cram_auth 1 "CRAM-MD5 too" la Lock-a
pwd_auth 0 "the others are not" lb Lock-b
try 0 "lock of a locked login" -f "$D" lock la
like "$(out)" 'locked already' "says it is locked already"
try 1 "lock of a missing login" -f "$D" lock nosuch
echo 'Lock-a2' | try 0 "passwd of a locked login" -f "$D" passwd --stdin la
like "$(out)" 'still locked' "says it stays locked"
like "$(line_of la)" '^la:!\$y\$' "passwd keeps the lock"
pwd_auth 1 "the new password is refused while locked" la Lock-a2
try 0 "unlock la" -f "$D" unlock la
pwd_auth 0 "unlocked: the new password works" la Lock-a2
cram_auth 0 "and CRAM-MD5" la Lock-a2
try 0 "unlock of a login not locked" -f "$D" unlock la
like "$(out)" 'not locked already' "says it is not locked"
try 0 "lock of two logins" -f "$D" lock la lb
pwd_auth 1 "both locked (la)" la Lock-a2
pwd_auth 1 "both locked (lb)" lb Lock-b
try 0 "unlock of two logins" -f "$D" unlock la lb
pwd_auth 0 "both unlocked (lb)" lb Lock-b
printf 'star:*\n' >>"$D"
try 1 "unlock of a field disabled with '*'" -f "$D" unlock star
like "$(out)" "disabled with '\\*', not locked" "says why"
F=$F0

echo "== -e imports verifiers as they are, and nothing else"
E=$T/import
SHA=$(openssl passwd -6 -salt 0123456789abcdef 'Import-pw-1')
printf 'imp:%s\n' "$SHA" | try 0 "add -e -b: a sha512crypt hash" -f "$E" add -e -b
is "$(cat "$E")" "imp:$SHA" "stored byte for byte"
auth 0 "the imported hash logs in" imp Import-pw-1 -- -f "$E" true
auth 1 "with its own password only" imp Import-pw-2 -- -f "$E" true
cp "$E" "$T/before"
printf 'zz:$6$abc$def\n' | try 1 "add -e -b: a malformed hash is refused" -f "$E" add -e -b
like "$(out)" 'standard input line 1: zz: refused: verifier 1 is of no known scheme, malformed' "says which line and why"
printf 'zz:secret\n' | try 1 "add -e -b: a plaintext password is refused" -f "$E" add -e -b
like "$(out)" 'not a verifier' "says it is not a verifier"
printf 'zz:!%s\n' "$SHA" | try 1 "add -e -b: a locked field is refused" -f "$E" add -e -b
printf 'ok2:%s\nzz:{CRAM-MD5}00ff\n' "$SHA" | try 1 "add -e -b: a short {CRAM-MD5} refused, the whole batch with it" -f "$E" add -e -b
cmp -s "$E" "$T/before" && ok "nothing changed by the refusals" || not_ok "nothing changed by the refusals"
printf 'zz:$6$abc$def\n' | try 0 "without -e the same line is a password" -f "$E" add -b -H
like "$(out)" 'looks like a hash.*-e imports' "with a warning that -e imports hashes"
"$CMD5PW" -f "$E" list >"$T/list"
like "$(grep '^imp' "$T/list")" 'sha512crypt' "list: the imported hash is sha512crypt"
printf 'bad:$6$abc$def\n' >>"$E"
"$CMD5PW" -f "$E" list >"$T/list"
like "$(grep '^bad' "$T/list")" 'unknown$' "list: a malformed \$6\$ verifier is unknown"
echo 'Cram-src' | "$CMD5PW" -q -f "$T/src" add --stdin src
FIELD=$(cut -d: -f2- "$T/src")
echo "$FIELD" | try 0 "passwd -e --stdin: one login's verifiers" -f "$E" passwd -e --stdin imp
auth 0 "the imported yescrypt + {CRAM-MD5} work: PLAIN" imp Cram-src -- -f "$E" true
newchal
auth 0 "and CRAM-MD5" imp "$CHAL" "$(hmac Cram-src "$CHAL")" -- -f "$E" true
try 2 "-e without --stdin or -b" -f "$E" passwd -e imp </dev/null
try 2 "-e with -H" -f "$E" add -e -H -b </dev/null

echo "== -c: the hash cost"
C=$T/cost
echo 'Cost-pw' | try 0 "add -c 3" -f "$C" add -H -c 3 --stdin c3
echo 'Cost-pw' | try 0 "add -c 6" -f "$C" add -H -c 6 --stdin c6
p3=$(grep '^c3:' "$C" | cut -d'$' -f3); p6=$(grep '^c6:' "$C" | cut -d'$' -f3)
[ -n "$p3" ] && [ "$p3" != "$p6" ] && ok "the yescrypt parameters differ ($p3, $p6)" ||
    not_ok "the yescrypt parameters differ ($p3, $p6)"
default=$(line_of crlfuser | cut -d'$' -f3)
[ "$p3" != "$default" ] && ok "-c 3 is not the default ($default)" || not_ok "-c 3 is not the default ($default)"
auth 0 "a -c 3 hash logs in" c3 Cost-pw -- -f "$C" true
auth 1 "with its password only" c3 Cost-pw2 -- -f "$C" true
echo 'Cost-pw' | try 2 "-c 99 is refused" -f "$C" add -c 99 --stdin c99
like "$(out)" '-c: a cost' "says what -c takes"
try 2 "-c junk is refused" -f "$C" migrate -c x </dev/null

echo "== progress: plain lines when stderr is not a terminal"
G2=$T/prog
for i in $(seq 1 30); do echo "pg$i:Prog-$i"; done |
    "$CMD5PW" -f "$G2" add -b -H -j 1 -c 8 >"$T/out" 2>&1
is "$?" 0 "a slow batch (30 logins, -c 8, -j 1)"
like "$(cat "$T/out")" '^cmd5pw: hashing: [0-9]+/30 +[0-9]+% [0-9]+/s ETA' "prints plain progress lines"
like "$(cat "$T/out")" 'cmd5pw: hashing: 30/30 100%' "and a last one at 100%"
is "$(tr -cd '\r' <"$T/out" | wc -c)" 0 "no carriage returns, no bar"
for i in $(seq 1 30); do echo "pq$i:Prog-$i"; done |
    "$CMD5PW" -q -f "$G2" add -b -H -j 1 -c 8 >"$T/out" 2>&1
is "$?:$(cat "$T/out")" "0:" "-q: no progress, no message"
for i in $(seq 1 40); do echo "p$i:Pw-$i"; done >"$M"
chmod 600 "$M"
TTYRUN_COLS=60 "$TTYRUN" -- "$CMD5PW" -f "$M" migrate -j 1 >"$T/out" 2>&1
is "$?" 0 "migrate on a 60-column terminal"
tr '\r' '\n' <"$T/out" | sed 's/\x1b\[K//g' >"$T/lines"
is "$(grep -v '^cmd5pw: ' "$T/lines" | awk 'length > 59' | wc -l)" 0 "no redraw of the bar is wider than 59 columns"
like "$(cat "$T/lines")" '40/40 100%' "it still ends at 40/40"
for i in $(seq 1 40); do echo "p$i:Pw-$i"; done >"$M"
TTYRUN_COLS=200 "$TTYRUN" -- "$CMD5PW" -f "$M" migrate -j 1 >"$T/out" 2>&1
like "$(tr '\r' '\n' <"$T/out")" '\[#{30}\] 40/40' "on 200 columns the bar is its full 30"

echo "== migrate reports what it could not convert"
printf 'short:Short-pw\nlongpw9:%s\n' "$(head -c 505 /dev/zero | tr '\0' z)" >"$M"
try 0 "migrate with one password too long to ever log in" -f "$M" migrate -j 1
like "$(out)" 'longpw9: not converted: a password of 505 bytes' "names the entry and why"
like "$(out)" 'migrated 1 logins; 1 could not be converted' "the summary counts it"
like "$(line_of longpw9)" '^longpw9:zzz' "the entry is left as it was"

echo "== check: can the front end read the file?"
R=$T/readable
echo 'Read-pw' | "$CMD5PW" -q -f "$R" add --stdin rd
chmod 600 "$R"
try 0 "check of a 0600 file" -f "$R" check
like "$(out)" 'warning: only its owner can read it' "warns that only the owner can read it"
chmod 640 "$R"
try 0 "check of a 0640 file" -f "$R" check
is "$(grep -c 'only its owner' "$T/out")" 0 "no such warning when the group can read"

echo "== the man page documents it all"
MAN=$TOP/man/cmd5pw.8
for sec in NAME SYNOPSIS DESCRIPTION FILES "EXIT STATUS" EXAMPLES "SEE ALSO"; do
	grep -qx "\.Sh $sec" "$MAN" && ok "cmd5pw.8 has $sec" || not_ok "cmd5pw.8 has $sec"
done
for c in add passwd del lock unlock list verify check migrate index; do
	grep -q "^\.It Cm $c" "$MAN" && ok "cmd5pw.8 describes $c" || not_ok "cmd5pw.8 describes $c"
done
for o in "Fl f" "Fl Fl stdin" "Fl b" "Fl H" "Fl p" "Fl k" "Fl j" "Fl Fl strict" "Fl e" "Fl c" "Fl q"; do
	grep -q "^\.It $o" "$MAN" && ok "cmd5pw.8 describes $o" || not_ok "cmd5pw.8 describes $o"
done
for rc in 0 1 2 111; do
	sed -n '/^\.Sh EXIT STATUS/,/^\.Sh/p' "$MAN" | grep -qx "\.It $rc" &&
	    ok "cmd5pw.8 documents exit $rc" || not_ok "cmd5pw.8 documents exit $rc"
done
out=$(mandoc -Tlint -W warning "$MAN" 2>&1)
is "$?:$out" "0:" "mandoc -Tlint cmd5pw.8"

echo "== no secret was ever printed"
grep -Eq 'Secret-[12]|Plain-pw|Tty-pass|Lock-pw|Batch-|New-[13]|Bob-new|Crlf-(new|mig)|tanstaaf|Legacy-pw|Bang-secret|Pw-40' "$ALL" &&
    not_ok "no password in any output ($(grep -Eo 'Secret-[12]|Plain-pw|Tty-pass-.|Batch-.|tanstaaf' "$ALL" | head -3))" ||
    ok "no password in any output"
done_testing
