#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# t_state.sh: the shared state file (state.c) that the replay record and the
# throttle use: bounded size, lost-update-free under concurrency, remade
# when damaged, refusing what it must not touch.
. "$(dirname "$0")/lib.sh"

if ! make -s -C "$TOP" tests/statetool >"$T/make.out" 2>&1; then
	not_ok "build tests/statetool ($(tail -2 "$T/make.out" | tr '\n' ' '))"
	exit 1
fi
st=$TOP/tests/statetool
f=$T/state

# a new file: made, sized for the records, a key is new then found
is "$("$st" "$f" 1000 get alice 2>"$T/err")" "new" "a key is new in a new file"
like "$(cat "$T/err")" "remade" "a new file is reported as made"
is "$(stat -c %s "$f")" "$((512 + 125 * 512))" "file size: header + 125 buckets"
"$st" "$f" 1000 inc alice 3
is "$("$st" "$f" 1000 get alice 2>"$T/err")" "found 3" "three increments are found"
is "$(cat "$T/err")" "" "an intact file is not remade"
is "$("$st" "$f" 1000 get bob)" "new" "another key is not found"

# bounded: 100 times more keys than records leave the size as it was,
# and the newest keys are kept
"$st" "$f" 1000 fill 100000
is "$(stat -c %s "$f")" "$((512 + 125 * 512))" "100000 keys in 1000 records: size unchanged"
used=$("$st" "$f" 1000 count)
is "$used" "1000" "every record is in use, no more"

# concurrency: 8 processes x 200 locked increments of one key lose none
g=$T/conc
for i in 1 2 3 4 5 6 7 8; do "$st" "$g" 64 inc shared 200 & done
wait
is "$("$st" "$g" 64 get shared)" "found 1600" "8 x 200 concurrent increments: none lost"

# damage: truncated, random bytes, a header of another geometry
"$st" "$f" 1000 inc alice 1
truncate -s 1000 "$f"
is "$("$st" "$f" 1000 get alice 2>"$T/err")" "new" "a truncated file starts empty"
like "$(cat "$T/err")" "remade" "a truncated file is reported as remade"
is "$(stat -c %s "$f")" "$((512 + 125 * 512))" "a truncated file gets its size back"
head -c $((512 + 125 * 512)) /dev/urandom >"$f"
is "$("$st" "$f" 1000 get alice 2>"$T/err")" "new" "a file of random bytes starts empty"
like "$(cat "$T/err")" "remade" "a file of random bytes is remade"
"$st" "$f" 1000 inc alice 2
is "$("$st" "$f" 2000 get alice 2>"$T/err")" "new" "another size remakes the file"
like "$(cat "$T/err")" "remade" "another size is reported as remade"
# random records under a valid header are never taken for a key
"$st" "$f" 1000 inc alice 1 2>/dev/null
python3 - "$f" <<'EOF'
import os, sys
with open(sys.argv[1], 'r+b') as fh:
    fh.seek(512)
    fh.write(os.urandom(125 * 512))
EOF
is "$("$st" "$f" 1000 get alice 2>"$T/err")" "new" "random records under a good header: key not found"
is "$(cat "$T/err")" "" "random records under a good header: not remade"
"$st" "$f" 1000 inc alice 1
is "$("$st" "$f" 1000 get alice)" "found 1" "random records: a new record can be written"

# refusals: a symbolic link, a directory, a read-only file
ln -s "$f" "$T/link"
"$st" "$T/link" 1000 get alice >/dev/null 2>"$T/err"
is "$?" "1" "a symbolic link is refused"
like "$(cat "$T/err")" "cannot open" "a symbolic link: the error says so"
mkdir "$T/dir"
"$st" "$T/dir" 1000 get alice >/dev/null 2>"$T/err"
is "$?" "1" "a directory is refused"
"$st" "$T/ro" 1000 get alice >/dev/null 2>&1
chmod 444 "$T/ro"
if [ "$(id -u)" -eq 0 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$st" "$T/ro" 1000 get alice >/dev/null 2>"$T/err"
	rc=$?
	chmod 755 "$T"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$st" "$T/ro" 1000 get alice >/dev/null 2>"$T/err"
	rc=$?
else
	"$st" "$T/ro" 1000 get alice >/dev/null 2>"$T/err"
	rc=$?
fi
is "$rc" "1" "a file the process cannot write is refused"
like "$(cat "$T/err")" "cannot open" "an unwritable file: the error says so"

# a full filesystem: a new file cannot be made, an existing one still works
if unshare -m true 2>/dev/null; then
	out=$(unshare -m bash -c '
		d=$1; st=$2
		mount -t tmpfs -o size=64k tmpfs "$d" || exit 9
		"$st" "$d/small" 8 inc k 1 || exit 3
		head -c 100000 /dev/zero >"$d/fill" 2>/dev/null
		"$st" "$d/small" 8 inc k 1 || exit 4
		"$st" "$d/small" 8 get k || exit 5
		"$st" "$d/big" 100000 get k 2>&1; echo "rc=$?"
		ls "$d"' _ "$T/dir" "$st" 2>&1)
	like "$out" "found 2" "full filesystem: an existing file still takes writes"
	like "$out" "cannot make .* anew: No space" "full filesystem: a new file fails with an error"
	like "$out" "rc=1" "full filesystem: a new file fails with exit 1"
else
	not_ok "unshare -m is needed for the full-filesystem case"
fi
done_testing
