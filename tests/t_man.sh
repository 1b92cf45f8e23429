#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# Man pages: mdoc, clean under mandoc -Tlint at warning level (style-level
# notes about pages missing on this machine, like qmail-smtpd(8), aside).
. "$(dirname "$0")/lib.sh"
for m in "$TOP"/man/*.[0-9]; do
	out=$(mandoc -Tlint -W warning "$m" 2>&1)
	is "$?:$out" "0:" "mandoc -Tlint $(basename "$m")"
	like "$(head -c 200 "$m")" '^\.Dd ' "$(basename "$m") is mdoc"
done
for s in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" EXAMPLES "SEE ALSO"; do
	like "$(grep -x "\.Sh $s" "$TOP/man/cmd5checkpw.8")" "$s" "cmd5checkpw.8 has $s"
done
for s in NAME SYNOPSIS DESCRIPTION FILES "EXIT STATUS" EXAMPLES "SEE ALSO"; do
	like "$(grep -x "\.Sh $s" "$TOP/man/cmd5pw-ldap.8")" "$s" "cmd5pw-ldap.8 has $s"
done
# every configuration keyword ldapconf.c knows is documented
for k in $(grep -o 'strcmp(k, "[a-z-]*")' "$TOP/ldapconf.c" | cut -d'"' -f2); do
	like "$(grep -E "Cm $k( |\$)" "$TOP/man/cmd5pw-ldap.8")" . \
	    "cmd5pw-ldap.8 documents $k"
done
# a broken page must fail the lint: the check itself can fail
printf '.Dd x\n.Dt X 8\n.Sh NAME\n.Bl -tag\n' >"$T/bad.8"
mandoc -Tlint -W warning "$T/bad.8" >/dev/null 2>&1
rc=$?
is "$((rc != 0))" 1 "a broken page fails mandoc -Tlint (exit $rc)"
