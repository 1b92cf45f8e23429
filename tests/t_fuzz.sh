#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# t_fuzz.sh: the libFuzzer targets (tests/fuzz/) replay their seed corpora
# (which hold every crash ever found) and then fuzz for a short, bounded
# time each.  Any crash, sanitizer report, leak or timeout fails.
# FUZZ_SMOKE_SECONDS (default 30) per target; tests/check.sh's second,
# sanitizer pass runs the same fuzzer binaries, so it does 10 s each.
. "$(dirname "$0")/lib.sh"

secs=${FUZZ_SMOKE_SECONDS:-30}
[ -n "${SAN_REPORTS:-}" ] && secs=${FUZZ_SMOKE_SECONDS:-10}
# the fuzzers print their own reports; keep them out of the suite's
# sanitizer report directory
unset ASAN_OPTIONS UBSAN_OPTIONS

if make -s -C "$TOP" fuzz-build >"$T/build.out" 2>&1; then
	ok "fuzz targets build (clang -fsanitize=fuzzer,address,undefined)"
else
	not_ok "fuzz targets build ($(tail -3 "$T/build.out" | tr '\n' ' '))"
	exit 1
fi

for t in fd3 pwfile pwindex cmd5pw mailbox ldapmap; do
	fz=$TOP/build-fuzz/fuzz_$t
	seeds=$TOP/tests/fuzz/corpus-$t
	n=$(ls "$seeds" | wc -l)
	"$fz" -runs=0 "$seeds" >"$T/$t.replay" 2>&1
	rc=$?
	is "$rc" 0 "fuzz_$t replays its $n seeds (crash regressions included)"
	mkdir -p "$T/corpus-$t" "$T/art-$t"
	"$fz" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$T/art-$t/" \
	    "$T/corpus-$t" "$seeds" >"$T/$t.out" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/$t.out")
	cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$T/$t.out" | tail -1)
	if [ "$rc" -eq 0 ] && ! ls "$T/art-$t"/* >/dev/null 2>&1; then
		ok "fuzz_$t ${secs}s: ${execs:-?} executions, $cov, no findings"
	else
		not_ok "fuzz_$t ${secs}s: exit $rc ($(grep -m1 -E 'ERROR|runtime error' "$T/$t.out"))"
		# keep the input that failed for whoever looks next
		mkdir -p "$TOP/tests/tmp/fuzz-artifacts"
		cp "$T/art-$t"/* "$TOP/tests/tmp/fuzz-artifacts/" 2>/dev/null
		grep -A30 -m1 -E 'ERROR|runtime error' "$T/$t.out" >&2
	fi
done

# The first finding, at the interface: field 2 of 32 bytes that are not
# all hex digits, then a challenge.  hex_decode shifted -1 left (undefined;
# UBSan aborted).  Now it is an ordinary wrong password.
mkpw "$T/pw" 'bob:{CRAM-MD5}e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6'
auth 1 "32 non-hex bytes then a challenge: rejected, not a crash" \
    bob 0101e631d331f9b498cb0d4bd0baa0wa '<1896.697170952@postoffice.example.net>' \
    -- -f "$T/pw" true
newchal
auth 0 "the same layout with bob's real response: accepted" \
    bob "$(hmac test "$CHAL")" "$CHAL" -- -f "$T/pw" true
done_testing
