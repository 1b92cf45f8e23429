#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# The cdb index: cmd5checkpw uses it only when it was built from the text as
# it is now, falls back to the text otherwise (index=stale), and both paths
# give the same answer for every login, first entry winning in both.
. "$(dirname "$0")/lib.sh"

F=$T/poppasswd
lastlog() { tail -1 "$LOG"; }

echo "== stale index: the text wins until cmd5pw index"
printf 'alice:A-pass-1\nbob:B-pass-1\n' | "$CMD5PW" -f "$F" add -b -p 2>/dev/null
is "$?" 0 "two logins added"
auth 0 "alice through the index" alice A-pass-1 -- -f "$F" true
like "$(lastlog)" 'source=index' "the fresh index is used"
printf 'hand:{PLAIN}Hand-1\n' >>"$F"	# an admin's edit: same inode, new size
auth 0 "a login added by hand works at once" hand Hand-1 -- -f "$F" true
like "$(lastlog)" 'source=text index=stale' "logged: text, index stale"
auth 0 "old logins still work from the text" alice A-pass-1 -- -f "$F" true
like "$(lastlog)" 'source=text index=stale' "also from the text"
"$CMD5PW" -f "$F" check >"$T/out" 2>&1
like "$(cat "$T/out")" 'index .* is stale' "cmd5pw check reports the stale index"
"$CMD5PW" -f "$F" index 2>/dev/null
is "$?" 0 "cmd5pw index"
auth 0 "after cmd5pw index: the hand-added login" hand Hand-1 -- -f "$F" true
like "$(lastlog)" 'source=index' "the index is used again"
"$CMD5PW" -f "$F" check >"$T/out" 2>&1
grep -q stale "$T/out" && not_ok "check: no longer stale" || ok "check: no longer stale"
# same size, same inode, new content: only the mtime tells
sleep 0.02
python3 -c 'import sys
p = sys.argv[1]
d = open(p, "rb").read().replace(b"bob:{PLAIN}B-pass-1", b"bob:{PLAIN}B-pass-2")
with open(p, "r+b") as f: f.write(d)' "$F"
auth 0 "an in-place edit of the same size is seen" bob B-pass-2 -- -f "$F" true
like "$(lastlog)" 'source=text index=stale' "the index is stale by its mtime"
auth 1 "the password edited away fails" bob B-pass-1 -- -f "$F" true
"$CMD5PW" -f "$F" index 2>/dev/null
auth 0 "after cmd5pw index: the edited password" bob B-pass-2 -- -f "$F" true
like "$(lastlog)" 'source=index' "through the index"
auth 1 "and the old one still fails" bob B-pass-1 -- -f "$F" true
rm "$F.cdb"
auth 0 "without an index: the text" alice A-pass-1 -- -f "$F" true
like "$(lastlog)" 'source=text' "logged source=text"
echo 'garbage' >"$F.cdb"
chmod 640 "$F.cdb"
auth 0 "a broken index: the text" alice A-pass-1 -- -f "$F" true
like "$(lastlog)" 'source=text' "logged source=text"
chmod 666 "$F.cdb"
auth 111 "a world-writable index is refused" alice A-pass-1 -- -f "$F" true
"$CMD5PW" -f "$F" index 2>/dev/null
is "$(stat -c %a "$F.cdb")" 640 "cmd5pw index replaces it with the text's mode"

echo "== index and text agree on every login of a generated file"
G=$T/gen
N=2000
{
	for ((i = 1; i <= N; i++)); do
		((i % 50 == 0)) && printf '# comment %d\n\n' "$i"
		if ((i % 11 == 0)); then printf 'u%d:P%d-crlf\r\n' "$i" "$i"
		elif ((i % 7 == 0)); then printf 'u%d:{PLAIN}P%d-tagged\n' "$i" "$i"
		elif ((i % 5 == 0)); then printf 'u%d:{PLAIN.b64}%s\n' "$i" "$(printf 'P%d:b64' "$i" | base64)"
		else printf 'u%d:P%d-legacy\n' "$i" "$i"; fi
	done
	printf 'no colon here\n#u3:Commented\n:emptylogin\n'
	for ((i = 13; i <= N; i += 13)); do printf 'u%d:Dup-%d\n' "$i" "$i"; done
	printf 'last:No-newline'
} >"$G"
chmod 640 "$G"
pw_of() {
	if (($1 % 11 == 0)); then echo "P$1-crlf"
	elif (($1 % 7 == 0)); then echo "P$1-tagged"
	elif (($1 % 5 == 0)); then echo "P$1:b64"
	else echo "P$1-legacy"; fi
}
# one line per lookup: "login expected-rc got-rc"
lookups() {
	local i rc
	for ((i = 1; i <= N; i++)); do
		printf 'u%d\0%s\0\0' "$i" "$(pw_of "$i")" | "$CMD5CHECKPW" -l none -f "$G" true 3<&0 </dev/null >/dev/null 2>&1
		echo "u$i first $?"
	done
	for ((i = 13; i <= N; i += 13)); do
		printf 'u%d\0Dup-%d\0\0' "$i" "$i" | "$CMD5CHECKPW" -l none -f "$G" true 3<&0 </dev/null >/dev/null 2>&1
		echo "u$i dup $?"
	done
	for l in '#u3:Commented' 'nosuch:x' 'last:No-newline'; do
		printf '%s\0%s\0\0' "${l%%:*}" "${l#*:}" | "$CMD5CHECKPW" -l none -f "$G" true 3<&0 </dev/null >/dev/null 2>&1
		echo "${l%%:*} other $?"
	done
}
"$CMD5PW" -f "$G" index 2>/dev/null
is "$?" 0 "index of the generated file"
printf 'u1\0P1-legacy\0\0' | "$CMD5CHECKPW" -l stderr -f "$G" true 3<&0 </dev/null >/dev/null 2>>"$LOG"
like "$(lastlog)" 'source=index' "lookups go through the index"
lookups >"$T/via-index"
rm "$G.cdb"
printf 'u1\0P1-legacy\0\0' | "$CMD5CHECKPW" -l stderr -f "$G" true 3<&0 </dev/null >/dev/null 2>>"$LOG"
like "$(lastlog)" 'source=text' "lookups go through the text"
lookups >"$T/via-text"
total=$(wc -l <"$T/via-index")
differ=$(diff "$T/via-index" "$T/via-text" | grep -c '^<')
is "$differ" 0 "index and text agree on all $total lookups ($N logins, duplicates, comments, CRLF): $differ differ"
is "$(grep -c ' first 0$' "$T/via-index")" "$N" "every login's first entry wins through the index"
is "$(grep -c ' first 0$' "$T/via-text")" "$N" "every login's first entry wins through the text"
is "$(grep -c ' dup 1$' "$T/via-index")" "$((N / 13))" "no later duplicate matches through the index"
is "$(grep -c ' dup 1$' "$T/via-text")" "$((N / 13))" "no later duplicate matches through the text"
is "$(grep ' other ' "$T/via-index" | tr '\n' ' ')" '#u3 other 1 nosuch other 1 last other 0 ' \
    "index: a commented entry and an unknown login fail, a last line without newline works"
is "$(grep ' other ' "$T/via-text" | tr '\n' ' ')" '#u3 other 1 nosuch other 1 last other 0 ' \
    "text: the same"
done_testing
