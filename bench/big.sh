#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# bench/big.sh (make bench-big): the rows of docs/bench.md at 10M logins:
# cmd5pw index, check, passwd/add/del of one login (time and peak RSS,
# against the I/O floor of rewriting the text), and whole logins through
# the index and through the text, first/middle/last/missing, raced against
# the no-op checkpassword (bench/bench -c).  Not part of make check.
#
#   BIG_N=10000000       logins ({CRAM-MD5}, bench/names.h)
#   BIG_DIR=bench/out/big   where the files go (deleted at the end)
#   BIG_ROUNDS=200       rounds of each login race (20 for the text scans)
#   OLD_CMD5PW=path      also time that cmd5pw's passwd/add/del/index/check
#                        (another build, e.g. main's), on the same file
set -u
cd "$(dirname "$0")/.." || exit 1
N=${BIG_N:-10000000}
D=${BIG_DIR:-bench/out/big}
R=${BIG_ROUNDS:-200}
CMD5PW=${BENCH_CMD5PW:-./cmd5pw}
OLD=${OLD_CMD5PW:-}
F=$D/pw
FLOOR=

mkdir -p "$D"
need=$((N * 600 / 1024))	# KiB: text, index, the copies a rewrite makes
avail=$(df -Pk "$D" | awk 'NR == 2 {print $4}')
if [ "$avail" -lt "$need" ]; then
	echo "bench-big: $need KiB needed in $D, $avail free" >&2
	exit 1
fi
trap 'rm -rf "$D"' EXIT

echo "machine: $(nproc) cores, $(awk '/model name/ {sub(/.*: /, ""); print; exit}' /proc/cpuinfo)," \
    "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)," \
    "$(uname -sr), $(df -PT "$D" | awk 'NR == 2 {print $2}') on $(df -P "$D" | awk 'NR == 2 {print $1}')"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# t LABEL CMD...: wall time and peak RSS of one run
t() {
	local label=$1 s kib rc
	shift
	/usr/bin/time -f '%e %M' -o "$D/time" "$@" >/dev/null 2>"$D/err"
	rc=$?
	read -r s kib < <(tail -1 "$D/time")
	printf '%-46s %8.2f s %7d MiB  exit %d%s\n' "$label" "$s" $((kib / 1024)) "$rc" "${FLOOR:+  ${FLOOR} s floor beside it: $(awk -v a="$s" -v b="$FLOOR" 'BEGIN {printf "%.2fx", a / b}')}"
	[ "$rc" -eq 0 ] || sed 's/^/    /' "$D/err" | head -3
}
# floor: the I/O floor measured again just before the next edit (the
# machine is shared: a floor from minutes before says little)
floor() {
	sync
	/usr/bin/time -f '%e' -o "$D/ftime" sh -c "dd if='$F' of='$F.floor' bs=1M conv=fsync status=none && mv '$F.floor' '$F.old' && sync -f '$D'"
	rm -f "$F.old"
	cp "$F" "$F.old"
	sync
	FLOOR=$(tail -1 "$D/ftime")
}
login() { echo "user$1@example.org"; }
pass() { python3 -c "print('pw-%08x' % (($1 * 2654435761) & 0xffffffff))"; }
fd3() { printf '%s\0%s\0' "$(login "$1")" "$(pass "$1")" >"$D/fd3-$2"; }

t "genpw: $N logins, {CRAM-MD5}" bench/genpw text "$N" cram "$F"
chmod 640 "$F"
printf '%-46s %8d MiB\n' "text" $(($(stat -c %s "$F") / 1048576))
sync
t "I/O floor: rewrite the text (dd conv=fsync)" dd if="$F" of="$F.floor" bs=1M conv=fsync status=none
# what a safe rewrite adds: the new file renamed over the old (whose
# blocks the file system then frees), the directory fsynced
cp "$F" "$F.old"
sync
t "I/O floor + rename over the old file" sh -c "dd if='$F' of='$F.floor' bs=1M conv=fsync status=none && mv '$F.floor' '$F.old' && sync -f '$D'"
rm -f "$F.floor" "$F.old"
t "cmd5pw index" "$CMD5PW" -f "$F" index
printf '%-46s %8d MiB in %d file(s), largest %d MiB\n' "index" \
    $(($(cat "$F".cdb* | wc -c) / 1048576)) "$(ls "$F".cdb* | wc -l)" \
    $(($(stat -c %s "$F".cdb* | sort -n | tail -1) / 1048576))
t "cmd5pw check" "$CMD5PW" -f "$F" check

echo "logins through the index ($R rounds; ratio to the no-op stage)"
fd3 0 first; fd3 $((N / 2)) middle; fd3 $((N - 1)) last; fd3 "$N" missing
for p in first middle last; do
	printf '%s: ' "$p"
	bench/bench -c "$R" "$D/fd3-$p" "bench/noop bench/noop" \
	    "./cmd5checkpw -l none -f $F bench/noop" | tail -1
done
printf 'missing: '
bench/bench -c "$R" "$D/fd3-missing" "bench/noop" \
    "./cmd5checkpw -l none -f $F bench/noop" | tail -1

echo "logins through the text (stale index, 20 rounds)"
touch "$F"
printf 'nosuchuser@example.org\0x\0' >"$D/fd3-nosuch"
for p in first last missing nosuch; do
	printf '%s: ' "$p"
	bench/bench -c 20 "$D/fd3-$p" "bench/fgets030 $F bench/noop" \
	    "./cmd5checkpw -l none -f $F bench/noop" | tail -1
done
"$CMD5PW" -f "$F" index 2>/dev/null

edits() {
	local c=$1 what=$2 k=$3	# k: each run deletes a middle login of its own
	echo "$what"
	cp "$F" "$F.old"
	floor; t "passwd first" sh -c "echo new-pw-1 | $c -f $F passwd --stdin $(login 0)"
	floor; t "passwd middle" sh -c "echo new-pw-2 | $c -f $F passwd --stdin $(login $((N / 2)))"
	floor; t "passwd last" sh -c "echo new-pw-3 | $c -f $F passwd --stdin $(login $((N - 1)))"
	floor; t "add" sh -c "echo new-pw-4 | $c -f $F add --stdin $(login "$N")"
	floor; t "del (the added login)" "$c" -f "$F" del "$(login "$N")"
	floor; t "del middle" "$c" -f "$F" del "$(login $((N / 2 + 1 + k)))"
	rm -f "$F.old"
	FLOOR=
	t "index" "$c" -f "$F" index
	t "check" "$c" -f "$F" check
}
edits "$CMD5PW" "cmd5pw edits ($CMD5PW)" 0
if [ -n "$OLD" ]; then
	edits "$OLD" "cmd5pw edits ($OLD)" 1
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
