# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# tests/lib.sh: sourced by every tests/t_*.sh.
# Each assertion prints one line, "ok - what" or "not ok - what (why)";
# tests/run counts them.  Binaries under test come from the environment so
# the same scripts run against the sanitizer build (tests/check.sh).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
CMD5CHECKPW=${CMD5CHECKPW:-$TOP/cmd5checkpw}
CMD5PW=${CMD5PW:-$TOP/cmd5pw}
UNIT=${UNIT:-$TOP/tests/unit}
# Every log line the suite makes lands here, so t_nolog.sh can search it.
LOGDIR=${LOGDIR:-$TOP/tests/tmp/logs}
mkdir -p "$LOGDIR"
LOG=$LOGDIR/$(basename "$0" .sh).log
T=$(mktemp -d "${TMPDIR:-/tmp}/cmd5test.XXXXXX")
trap 'rm -rf "$T"' EXIT
FAILS=0
# cmd5checkpw's one-time record of challenges (-r), one per script
REPLAY=$T/replay

ok() { printf 'ok - %s\n' "$*"; }
not_ok() { printf 'not ok - %s\n' "$*"; FAILS=$((FAILS + 1)); }

# is GOT WANT WHAT
is() {
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3 (got '$1', want '$2')"; fi
}

# like HAYSTACK REGEX WHAT
like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then ok "$3"
	else not_ok "$3 (no /$2/ in '$(printf '%s' "$1" | head -c 300)')"; fi
}

# auth WANT_RC WHAT FIELD... -- cmd5checkpw-args... prog...
# Writes each FIELD followed by a NUL to cmd5checkpw's fd 3; logs to $LOG.
auth() {
	local want=$1 what=$2 rc
	local -a fields=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do fields+=("$1"); shift; done
	shift
	printf '%s\0' "${fields[@]}" | "$CMD5CHECKPW" -l stderr -r "$REPLAY" "$@" 3<&0 \
	    </dev/null >/dev/null 2>>"$LOG"
	rc=$?
	is "$rc" "$want" "$what"
}

# auth_raw WANT_RC WHAT PRINTF_FORMAT cmd5checkpw-args... prog...
# For malformed input: fd 3 gets printf's output.  Write NULs as \000 so a
# digit after one is not read as octal.
auth_raw() {
	local want=$1 what=$2 fmt=$3 rc
	shift 3
	printf "$fmt" | "$CMD5CHECKPW" -l stderr -r "$REPLAY" "$@" 3<&0 </dev/null \
	    >/dev/null 2>>"$LOG"
	rc=$?
	is "$rc" "$want" "$what"
}

# newchal [HOST]: sets CHAL to a new challenge as a qmail front end that
# is this shell makes it, <PID.TIME@HOST> with PID $$: the parent of the
# cmd5checkpw that auth and auth_raw run (call them outside a subshell).
# Each is new (a counter in the host part; with HOST given, the caller
# keeps them apart): the record takes each once.
CHALN=0
newchal() {
	CHALN=$((CHALN + 1))
	CHAL="<$$.$(date +%s)@${1:-c$CHALN.mail.example.org}>"
}

# hmac KEY MESSAGE: CRAM-MD5 response, computed by openssl(1), not by us
hmac() { printf '%s' "$2" | openssl dgst -md5 -hmac "$1" | awk '{print $NF}'; }
# apop SECRET TIMESTAMP: MD5(timestamp secret), by openssl(1)
apop() { printf '%s%s' "$2" "$1" | openssl dgst -md5 | awk '{print $NF}'; }

# A password file the group can read and nobody else can write.
mkpw() {
	local f=$1
	shift
	printf '%s\n' "$@" >"$f"
	chmod 640 "$f"
}

done_testing() {
	[ "$FAILS" -eq 0 ]
}
