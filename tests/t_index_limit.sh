#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# The index is never believed when it does not answer for the text as it is
# (an edit that keeps the mtime, a damaged record, a file past the cdb
# format's 4 GiB limit), is never written past that limit, and shards past
# PWINDEX_SHARD_TARGET.  The limit is lowered with CMD5PW_TEST_INDEX_LIMIT,
# so that no test writes 4 GiB.
. "$(dirname "$0")/lib.sh"

F=$T/poppasswd
lastlog() { tail -1 "$LOG"; }
LOCKED='!$y$j9T$F5Jx5fExrKuJuHpLt6cFf/$nlSTnkS4ZRjz/ZrpGHoKaRlEPVEWrNGT9Di1E4U1Nf8'
put() { printf '%s\n' "$@" >"$F"; chmod 640 "$F"; }

echo "== an edit that keeps the mtime (cp -p, touch -r) makes the index stale"
put 'alice:{PLAIN}A-pass-1' 'bob:{PLAIN}B-pass-1' 'carol:{PLAIN}C-pass-1'
"$CMD5PW" -f "$F" index 2>/dev/null
auth 0 "bob through the fresh index" bob B-pass-1 -- -f "$F" true
like "$(lastlog)" 'source=index' "logged source=index"
# bob deleted by an editor that pads to the same size and keeps the mtime
sed 's/^bob:.*/#ob:{PLAIN}B-pass-1/' "$F" >"$T/new"
touch -r "$F" "$T/new"
cp -p "$T/new" "$F"
is "$(stat -c '%i %s %Y' "$F")" "$(stat -c '%i %s %Y' "$F")" "same inode, size, mtime"
auth 1 "after cp -p: the deleted bob is refused" bob B-pass-1 -- -f "$F" true
like "$(lastlog)" 'source=text index=stale' "the index is stale by its ctime"
auth 0 "alice still works, from the text" alice A-pass-1 -- -f "$F" true
"$CMD5PW" -f "$F" index 2>/dev/null
cp "$F" "$T/ref"
touch -r "$F" "$T/ref"
python3 -c 'import sys
p = sys.argv[1]
d = open(p, "rb").read().replace(b"C-pass-1", b"C-pass-2")
with open(p, "r+b") as f: f.write(d)' "$F"
touch -r "$T/ref" "$F"
auth 0 "after touch -r: the new password of carol" carol C-pass-2 -- -f "$F" true
like "$(lastlog)" 'source=text index=stale' "from the text"
auth 1 "and not the old one" carol C-pass-1 -- -f "$F" true

echo "== a damaged record is never believed"
put "lock:$LOCKED" 'alice:{PLAIN}A-pass-1'
"$CMD5PW" -f "$F" index 2>/dev/null
auth 0 "alice through the index" alice A-pass-1 -- -f "$F" true
like "$(lastlog)" 'source=index' "logged source=index"
"$CMD5PW" -f "$F" check >"$T/out" 2>&1
is "$?" 0 "cmd5pw check: the sound index passes"
auth 1 "the locked login with its hash string as password" lock "${LOCKED#!}" -- -f "$F" true
# one byte: '!' to 'x' makes the locked hash a legacy plaintext password
python3 -c 'import sys
p = sys.argv[1]
d = open(p, "rb").read()
i = d.index(b"!$y$j9T$F5Jx")
with open(p, "r+b") as f: f.seek(i); f.write(b"x")' "$F.cdb"
auth 1 "a changed byte in the value does not unlock it" lock "x${LOCKED#!}" -- -f "$F" true
like "$(lastlog)" 'source=text index=unusable' "the record fails its check: text"
auth 0 "alice works, from the text" alice A-pass-1 -- -f "$F" true
"$CMD5PW" -f "$F" check >"$T/out" 2>&1
is "$?" 1 "cmd5pw check fails on the damaged index"
like "$(cat "$T/out")" 'error: index .* unusable' "and says the index is unusable"
"$CMD5PW" -f "$F" index 2>/dev/null
python3 -c 'import sys
p = sys.argv[1]
d = open(p, "rb").read()
i = d.index(b"alice")
with open(p, "r+b") as f: f.seek(i + 4); f.write(b"f")' "$F.cdb"
auth 1 "a changed byte in a key: alicf does not get alice's password" alicf A-pass-1 -- -f "$F" true
"$CMD5PW" -f "$F" check >"$T/out" 2>&1
is "$?" 1 "cmd5pw check finds the damaged key"
like "$(cat "$T/out")" 'fails its check' "and says so"
"$CMD5PW" -f "$F" index 2>/dev/null
head -c 2100 "$F.cdb" >"$T/cut" && cat "$T/cut" >"$F.cdb"
auth 0 "a truncated index: the text" alice A-pass-1 -- -f "$F" true
like "$(lastlog)" 'index=unusable' "its size is not the size it states"

echo "== the cdb format's limit: never written past, never believed past"
put 'alice:{PLAIN}A-pass-1' "big:{PLAIN}$(head -c 9000 /dev/zero | tr '\0' x)"
"$CMD5PW" -f "$F" index 2>/dev/null
is "$?" 0 "cmd5pw index with the real limit"
CMD5PW_TEST_INDEX_LIMIT=8192 "$CMD5PW" -f "$F" index 2>"$T/err"
is "$?" 111 "with a limit of 8192 bytes: cmd5pw index refuses"
like "$(cat "$T/err")" "would pass 8192 bytes, the cdb format's limit" "naming the limit"
printf 'carol:C-pass-1\n' | CMD5PW_TEST_INDEX_LIMIT=8192 "$CMD5PW" -f "$F" add -b -p 2>"$T/err"
is "$?" 111 "add with that limit: 111"
like "$(cat "$T/err")" 'text is up to date' "the text was changed, the index refused"
auth 0 "the added login works, from the text" carol C-pass-1 -- -f "$F" true
like "$(lastlog)" 'source=text index=stale' "the old index is stale"
"$CMD5PW" -f "$F" index 2>/dev/null
size=$(stat -c %s "$F.cdb")
CMD5PW_TEST_INDEX_LIMIT=$((size - 1)) auth 0 "an index past the limit: the text answers" alice A-pass-1 -- -f "$F" true
like "$(lastlog)" 'source=text index=unusable' "the oversized index is unusable"
CMD5PW_TEST_INDEX_LIMIT=$size auth 0 "an index at the limit is used" alice A-pass-1 -- -f "$F" true
like "$(lastlog)" 'source=index' "source=index"
CMD5PW_TEST_INDEX_LIMIT=$((size * 100 / 85)) "$CMD5PW" -f "$F" check >"$T/out" 2>&1
like "$(cat "$T/out")" "warning: index .* at 8[45]% of the cdb format's limit" "check warns at 85% of the limit"
CMD5PW_TEST_INDEX_LIMIT=$((size * 100 / 75)) "$CMD5PW" -f "$F" check >"$T/out" 2>&1
grep -q limit "$T/out" && not_ok "and not at 75%" || ok "and not at 75%"

echo "== shards"
for ((i = 1; i <= 600; i++)); do printf 'user%d@example.org:{PLAIN}P%d\n' "$i" "$i"; done >"$F"
chmod 640 "$F"
CMD5PW_TEST_INDEX_LIMIT=16384 "$CMD5PW" -f "$F" index 2>/dev/null
is "$?" 0 "600 logins, limit 16384: indexed"
n=$(ls "$F".cdb.* 2>/dev/null | wc -l)
[ "$n" -gt 1 ] && ok "in $n shards" || not_ok "in shards (got $n)"
big=$(stat -c %s "$F".cdb.* | sort -n | tail -1)
[ "$big" -le 16384 ] && ok "every shard within the limit ($big bytes)" || not_ok "every shard within the limit ($big)"
for u in 1 300 600; do
	CMD5PW_TEST_INDEX_LIMIT=16384 auth 0 "user$u through its shard" "user$u@example.org" "P$u" -- -f "$F" true
	like "$(lastlog)" 'source=index' "source=index"
done
CMD5PW_TEST_INDEX_LIMIT=16384 auth 1 "a wrong password through its shard" user7@example.org P8 -- -f "$F" true
CMD5PW_TEST_INDEX_LIMIT=16384 auth 1 "a missing login" user601@example.org P601 -- -f "$F" true
like "$(lastlog)" 'unknown-login.*source=index' "unknown, through the index"
CMD5PW_TEST_INDEX_LIMIT=16384 "$CMD5PW" -f "$F" check >"$T/out" 2>&1
is "$?" 0 "cmd5pw check: the sharded index is sound"
L=16384
inodes() { stat -c '%n %i' "$F".cdb.* | sort; }
inodes >"$T/before"
echo 'New-1' | CMD5PW_TEST_INDEX_LIMIT=$L "$CMD5PW" -f "$F" passwd -p --stdin user5@example.org 2>/dev/null
is "$?" 0 "passwd of one login in a sharded index"
inodes >"$T/after"
is "$(diff "$T/before" "$T/after" | grep -c '^>')" 1 "only its shard was rebuilt"
CMD5PW_TEST_INDEX_LIMIT=$L auth 0 "its new password, through the index" user5@example.org New-1 -- -f "$F" true
like "$(lastlog)" 'source=index' "source=index"
CMD5PW_TEST_INDEX_LIMIT=$L auth 1 "not the old one" user5@example.org P5 -- -f "$F" true
CMD5PW_TEST_INDEX_LIMIT=$L auth 0 "a login of another shard" user77@example.org P77 -- -f "$F" true
like "$(lastlog)" 'source=index' "source=index"
echo 'New-2' | CMD5PW_TEST_INDEX_LIMIT=$L "$CMD5PW" -f "$F" add -p --stdin user601@example.org 2>/dev/null
is "$?" 0 "add to a sharded index"
CMD5PW_TEST_INDEX_LIMIT=$L auth 0 "the added login, through the index" user601@example.org New-2 -- -f "$F" true
like "$(lastlog)" 'source=index' "source=index"
inodes >"$T/before"
CMD5PW_TEST_INDEX_LIMIT=$L "$CMD5PW" -f "$F" del user300@example.org 2>/dev/null
is "$?" 0 "del from a sharded index"
inodes >"$T/after"
is "$(diff "$T/before" "$T/after" | grep -c '^>')" 1 "only its shard was rebuilt"
CMD5PW_TEST_INDEX_LIMIT=$L auth 1 "the deleted login is refused" user300@example.org P300 -- -f "$F" true
like "$(lastlog)" 'unknown-login.*source=index' "unknown, through the index"
CMD5PW_TEST_INDEX_LIMIT=$L auth 0 "its neighbour still works" user301@example.org P301 -- -f "$F" true
CMD5PW_TEST_INDEX_LIMIT=$L "$CMD5PW" -f "$F" check >"$T/out" 2>&1
is "$?" 0 "cmd5pw check: the partly rebuilt index is the text's"
touch "$F"
echo 'New-3' | CMD5PW_TEST_INDEX_LIMIT=$L "$CMD5PW" -f "$F" passwd -p --stdin user6@example.org 2>/dev/null
inodes >"$T/before2"
is "$(diff "$T/after" "$T/before2" | grep -c '^>')" "$(wc -l <"$T/after")" "a stale index is rebuilt whole, not in part"
CMD5PW_TEST_INDEX_LIMIT=$L auth 0 "and answers" user6@example.org New-3 -- -f "$F" true
like "$(lastlog)" 'source=index' "source=index"
s=$(ls "$F".cdb.* | head -1)
mv "$s" "$T/shard"
auth 0 "a missing shard: the text" user1@example.org P1 -- -f "$F" true
auth 0 "(each login)" user299@example.org P299 -- -f "$F" true
auth 0 "(still from the text or another shard)" user600@example.org P600 -- -f "$F" true
grep -c 'index=unusable' "$LOG" >/dev/null && ok "a missing shard is logged unusable" || not_ok "a missing shard is logged unusable"
"$CMD5PW" -f "$F" check >"$T/out" 2>&1
is "$?" 1 "cmd5pw check fails on a missing shard"
mv "$T/shard" "$s"
"$CMD5PW" -f "$F" index 2>/dev/null
is "$(ls "$F".cdb.* 2>/dev/null | wc -l)" 0 "rebuilt with the real limit: one file, old shards removed"
auth 0 "and it answers" user600@example.org P600 -- -f "$F" true
like "$(lastlog)" 'source=index' "source=index"

echo "== an edit copies its shard from the old index, and it equals a full build"
# every record of every shard, in order, without the files' own records
# (their sizes and generations differ from build to build)
records() {
	python3 - "$1" <<'PY'
import glob, struct, sys
base = sys.argv[1]
for f in sorted(glob.glob(base + '.cdb.*')):
    d = open(f, 'rb').read()
    end = min(struct.unpack_from('<I', d, 8 * t)[0] for t in range(256))
    q = 2048
    while q < end:
        kl, vl = struct.unpack_from('<II', d, q)
        k, v = d[q + 8:q + 8 + kl], d[q + 8 + kl:q + 8 + kl + vl]
        q += 8 + kl + vl
        if k[:1] != b'\0':
            print(f[len(base):], k.hex(), v.hex())
PY
}
L=16384
for ((i = 1; i <= 600; i++)); do printf 'user%d@example.org:{PLAIN}P%d\n' "$i" "$i"; done >"$F"
printf 'user9@example.org:{PLAIN}dup\r\n# a comment\n' >>"$F"
chmod 640 "$F"
CMD5PW_TEST_INDEX_LIMIT=$L "$CMD5PW" -f "$F" index 2>/dev/null
# edit NAME CMD...: the edit copies its shard (the trace says so) and the
# index then holds exactly what cmd5pw index builds from the new text
edit() {
	local what=$1
	shift
	CMD5PW_TEST_INDEX_LIMIT=$L CMD5PW_TEST_INDEX_TRACE=1 "$@" 2>"$T/err"
	is "$?" 0 "$what"
	like "$(cat "$T/err")" 'index: the touched shards copied from their old files' "$what: its shard copied from the old file"
	records "$F" >"$T/edited"
	cp -p "$F" "$T/full"
	CMD5PW_TEST_INDEX_LIMIT=$L "$CMD5PW" -f "$T/full" index 2>/dev/null
	records "$T/full" >"$T/built"
	if [ -s "$T/built" ] && cmp -s "$T/edited" "$T/built"; then
		ok "$what: the same records, in the same order, as a full build ($(wc -l <"$T/built"))"
	else
		not_ok "$what: the same records as a full build ($(diff "$T/edited" "$T/built" | head -3 | tr '\n' ' '))"
	fi
	rm -f "$T/full" "$T/full".*
	CMD5PW_TEST_INDEX_LIMIT=$L "$CMD5PW" -f "$F" check >"$T/out" 2>&1
	like "$(cat "$T/out")" ' 1 errors' "$what: cmd5pw check finds only the duplicate"
}
edit "passwd" sh -c "echo Pw-1 | '$CMD5PW' -f '$F' passwd -p --stdin user10@example.org"
edit "passwd of a login with a second (CRLF) line" sh -c "echo Pw-2 | '$CMD5PW' -f '$F' passwd -p --stdin user9@example.org"
edit "add" sh -c "echo Pw-3 | '$CMD5PW' -f '$F' add -p --stdin new1@example.org"
edit "add -b of three" sh -c "printf 'new2@example.org:Pw-4\nnew3@example.org:Pw-5\nnew4@example.org:Pw-6\n' | '$CMD5PW' -f '$F' add -b -p"
edit "del of two" "$CMD5PW" -f "$F" del new2@example.org user11@example.org
edit "lock" "$CMD5PW" -f "$F" lock user12@example.org
edit "unlock" "$CMD5PW" -f "$F" unlock user12@example.org
edit "mailbox fields" "$CMD5PW" -f "$F" mailbox user13@example.org uid=5000 gid=5000 home=/var/vmail/u13
CMD5PW_TEST_INDEX_LIMIT=$L auth 0 "the changed login through the index" user10@example.org Pw-1 -- -f "$F" true
like "$(lastlog)" 'source=index' "source=index"
CMD5PW_TEST_INDEX_LIMIT=$L auth 1 "its old password refused" user10@example.org P10 -- -f "$F" true
CMD5PW_TEST_INDEX_LIMIT=$L auth 1 "a deleted login refused" user11@example.org P11 -- -f "$F" true
like "$(lastlog)" 'unknown-login.*source=index' "unknown, through the index"
# a damaged record in the old shard is not carried over: that shard
# comes from the text, and the index is sound again
s=$(ls "$F".cdb.* | head -1)
python3 - "$s" <<'PY'
import struct, sys
p = sys.argv[1]
d = bytearray(open(p, 'rb').read())
kl, vl = struct.unpack_from('<II', d, 2048)
d[2048 + 8 + kl + vl - 1] ^= 1
open(p, 'wb').write(bytes(d))
PY
CMD5PW_TEST_INDEX_LIMIT=$L "$CMD5PW" -f "$F" check >"$T/out" 2>&1
like "$(cat "$T/out")" 'is unusable: .* fails its check' "a damaged record: cmd5pw check says so"
first=$(python3 - "$s" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
kl, vl = struct.unpack_from('<II', d, 2048)
print(d[2056:2056 + kl].decode())
PY
)
echo Pw-7 | CMD5PW_TEST_INDEX_LIMIT=$L CMD5PW_TEST_INDEX_TRACE=1 "$CMD5PW" -f "$F" passwd -p --stdin "$first" 2>"$T/err"
is "$?" 0 "passwd of a login in the damaged shard"
like "$(cat "$T/err")" 'index: the touched shards rebuilt from the text' "that shard is rebuilt from the text, not copied"
CMD5PW_TEST_INDEX_LIMIT=$L "$CMD5PW" -f "$F" check >"$T/out" 2>&1
like "$(cat "$T/out")" ' 1 errors' "cmd5pw check: sound again (only the duplicate)"
grep -q unusable "$T/out" && not_ok "(the index is not named unusable)" || ok "(the index is not named unusable)"
CMD5PW_TEST_INDEX_LIMIT=$L auth 0 "its new password through the index" "$first" Pw-7 -- -f "$F" true
like "$(lastlog)" 'source=index' "source=index"
"$CMD5PW" -f "$F" index 2>/dev/null

echo "== a non-root owner whose fchown fails: refused"
D=$(mktemp -d /tmp/cmd5owned.XXXXXX)	# $T is root's, mode 700
chmod 755 "$D"
printf 'alice:{PLAIN}A-pass-1\n' >"$D/pw"
chmod 640 "$D/pw"
chown -R nobody:nogroup "$D"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$CMD5PW" -f "$D/pw" index 2>"$T/err"
is "$?" 0 "nobody indexes its own nogroup file"
is "$(stat -c '%U %G' "$D/pw.cdb")" 'nobody nogroup' "the index has the text's group"
chgrp mail "$D/pw"
rm -f "$D/pw.cdb"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$CMD5PW" -f "$D/pw" index 2>"$T/err"
is "$?" 111 "a group nobody is not in: cmd5pw index refuses"
like "$(cat "$T/err")" 'cannot give .* the owner and group' "and says why"
[ -e "$D/pw.cdb" ] && not_ok "no index of the wrong group" || ok "no index of the wrong group"
is "$(ls "$D" | tr '\n' ' ')" 'pw pw.lock ' "no temp file left"
rm -rf "$D"

done_testing
