#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# tests/check.sh (make check): install the test tools (as root), build,
# run the whole suite on the release build and again on an ASan + UBSan
# build, and end with the total "N passed, N failed".
cd "$(dirname "$0")/.." || exit 2
bash tests/deps.sh test || { echo "total: 0 passed, 1 failed (tests/deps.sh)"; exit 1; }
make -s all tests/unit san || { echo "0 passed, 1 failed"; exit 1; }
rm -rf tests/tmp
summary() { tail -n 1 "$1" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p'; }

echo "== release build"
bash tests/run | tee tests/tmp.release
read -r p1 f1 <<<"$(summary tests/tmp.release)"

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
mkdir -p tests/tmp/san
export CMD5CHECKPW=$PWD/build-san/cmd5checkpw CMD5PW=$PWD/build-san/cmd5pw \
    CMD5THROTTLE=$PWD/build-san/cmd5throttle \
    UNIT=$PWD/build-san/unit LOGDIR=$PWD/tests/tmp/logs-san \
    SAN_REPORTS=$PWD/tests/tmp/san
export ASAN_OPTIONS="halt_on_error=1:exitcode=86:abort_on_error=0:log_path=$SAN_REPORTS/report"
export UBSAN_OPTIONS="halt_on_error=1:exitcode=86:print_stacktrace=1:log_path=$SAN_REPORTS/report"
# Suites marked "# san: once" in their first lines drive real servers
# (Dovecot, slapd, tcpserver) whose own code the sanitizer does not see;
# they ran above and are not run again.
once=
again=
for t in tests/t_*.sh; do
	if head -n 8 "$t" | grep -qx '# san: once'; then
		once="$once $(basename "$t" .sh)"
	else
		again="$again $t"
	fi
done
[ -z "$once" ] || echo "(run once, in the release pass only:$once)"
# shellcheck disable=SC2086
bash tests/run $again | tee tests/tmp.san
read -r p2 f2 <<<"$(summary tests/tmp.san)"
rm -f tests/tmp.release tests/tmp.san
p=$((${p1:-0} + ${p2:-0}))
f=$((${f1:-1} + ${f2:-1}))
echo "total: $p passed, $f failed"
[ "$f" -eq 0 ]
