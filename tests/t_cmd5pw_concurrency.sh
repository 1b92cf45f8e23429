#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# Concurrent cmd5pw runs never lose an update; a concurrent cmd5checkpw
# never sees a partial file.  8 writers x 200 changes (150 adds, 50
# password changes), counted afterwards.
. "$(dirname "$0")/lib.sh"

F=$T/poppasswd
WRITERS=8 ADDS=150
mkpw "$F" 'reader:{PLAIN}Reader-pw'
"$CMD5PW" -f "$F" index 2>/dev/null

writer() {
	local p=$1 j
	for ((j = 1; j <= ADDS; j++)); do
		echo v1 | "$CMD5PW" -f "$F" add -p --stdin "w${p}_$j" 2>/dev/null ||
		    echo "add w${p}_$j failed" >>"$T/failed.$p"
		if ((j % 3 == 0)); then
			echo v2 | "$CMD5PW" -f "$F" passwd -p --stdin "w${p}_$((j - 1))" \
			    2>/dev/null || echo "passwd w${p}_$((j - 1)) failed" >>"$T/failed.$p"
		fi
	done
}

# the reader: one known login, checked over and over while the writers run
reader() {
	local n=0 bad=0
	while [ ! -e "$T/stop" ] && [ "$n" -lt 20000 ]; do
		printf 'reader\0Reader-pw\0\0' | "$CMD5CHECKPW" -l stderr -f "$F" true \
		    3<&0 </dev/null >/dev/null 2>>"$LOG" || bad=$((bad + 1))
		n=$((n + 1))
	done
	echo "$n $bad" >"$T/reader"
}

start=$(date +%s)
reader &
rpid=$!
pids=()
for ((p = 1; p <= WRITERS; p++)); do
	writer "$p" &
	pids+=($!)
done
wait "${pids[@]}"
touch "$T/stop"
wait "$rpid"
secs=$(($(date +%s) - start))

failed=$(cat "$T"/failed.* 2>/dev/null | wc -l)
is "$failed" 0 "no cmd5pw run failed"
# what the file must hold: every add, and the latest password of each login
lost=0
for ((p = 1; p <= WRITERS; p++)); do
	for ((j = 1; j <= ADDS; j++)); do
		if ((j % 3 == 2)); then want=v2; else want=v1; fi
		echo "w${p}_$j:{PLAIN}$want"
	done
done | sort >"$T/want"
grep '^w' "$F" | sort >"$T/have"
lost=$(comm -23 "$T/want" "$T/have" | wc -l)
extra=$(comm -13 "$T/want" "$T/have" | wc -l)
changes=$((WRITERS * (ADDS + ADDS / 3)))
is "$lost" 0 "$WRITERS writers x $((changes / WRITERS)) changes ($changes in ${secs}s): lost updates: $lost"
is "$extra" 0 "no stray or duplicate lines: $extra"
is "$(grep -c '^reader:' "$F")" 1 "the first line is still there, once"
read -r n bad <"$T/reader"
is "$bad" 0 "a concurrent cmd5checkpw never failed ($n checks, $bad failures)"
[ "$n" -gt 0 ] && ok "the reader ran ($n checks)" || not_ok "the reader ran"
"$CMD5PW" -f "$F" check >"$T/check" 2>&1
like "$(tail -1 "$T/check")" "$((changes * 3 / 4 + 1)) entries, 0 errors" "cmd5pw check: every entry, no errors"
grep -q stale "$T/check" && not_ok "the index is fresh after the last change" ||
    ok "the index is fresh after the last change"
auth 0 "the last change is visible through the index" "w${WRITERS}_$((ADDS - 1))" v2 -- -f "$F" true
like "$(tail -1 "$LOG")" 'source=index' "and the index was used"
ls "$F".* | grep -v -e '\.cdb$' -e '\.lock$' >"$T/left"
is "$(wc -l <"$T/left")" 0 "no temp file left behind"
done_testing
