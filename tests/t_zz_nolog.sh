#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# t_zz_nolog.sh (runs last): no password, digest or verifier appears in
# any log line the suite produced.  Searches every file under $LOGDIR for
# each string of tests/secrets.txt, each verifier of poppasswd.example,
# any run of 32 or more hex digits (a CRAM-MD5/APOP digest, a {CRAM-MD5}
# state) and any crypt or {SCHEME} verifier prefix.
. "$(dirname "$0")/lib.sh"

# the strings to look for, one a line, in $T/secrets
{
	grep -v '^#' "$TOP/tests/secrets.txt"
	# poppasswd.example: the whole field, each ':' part, each value
	# after its {SCHEME} tag
	grep -v '^#' "$TOP/poppasswd.example" | grep : | cut -d: -f2- |
	    while IFS= read -r field; do
		printf '%s\n' "$field"
		printf '%s\n' "$field" | tr ':' '\n' | sed 's/^{[^}]*}//; s/^!//'
	    done
} | awk 'length($0) >= 6' | sort -u >"$T/secrets"

# leaks FILE...: prints what leaked where; exit 0 if anything did
leaks() {
	local found=1
	if grep -HnFf "$T/secrets" "$@" >"$T/hits" 2>/dev/null; then found=0; fi
	if grep -HnE '[0-9a-fA-F]{32}|\$(1|2[aby]?|5|6|y|gy|7)\$|\{(CRAM-MD5|PLAIN|PLAIN\.b64|PLAIN\.hex|CLEARTEXT|CRYPT|BLF-CRYPT|SHA512-CRYPT|SHA256-CRYPT|MD5-CRYPT)\}' \
	    "$@" >>"$T/hits" 2>/dev/null; then found=0; fi
	return $found
}

# the search itself works: plant a password and a digest in a fake log
printf 'cmd5checkpw: fail reason=tanstaaftanstaaf login="tim"\n' >"$T/fake1"
printf 'cmd5checkpw: ok d=0123456789abcdef0123456789ABCDEF login="x"\n' >"$T/fake2"
printf 'cmd5checkpw: ok mech=password verifier=crypt source=text login="alice"\n' >"$T/fake3"
leaks "$T/fake1"; is "$?" 0 "self-check: a planted password is found"
leaks "$T/fake2"; is "$?" 0 "self-check: a planted digest is found"
leaks "$T/fake3"; is "$?" 1 "self-check: an ordinary log line is not a leak"

logs=$(find "$LOGDIR" -type f | sort)
nfiles=$(printf '%s\n' "$logs" | grep -c .)
nlines=$(cat /dev/null $logs | wc -l)
n=$(wc -l <"$T/secrets")
if [ "$nfiles" -eq 0 ]; then
	not_ok "no log files under $LOGDIR: nothing was searched"
elif leaks $logs; then
	not_ok "a secret is in the logs ($(head -3 "$T/hits" | tr '\n' ' '))"
else
	ok "no secret in $nlines log lines of $nfiles files ($n strings, digests, verifier tags)"
fi
done_testing
