#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# cmd5pw keeps a POSIX ACL (acl(5)) on the password file and gives it to
# the index: a file root:root 0600 with "setfacl -m u:nobody:r" still lets
# nobody log in after a change, and the owning group's own entry stays as
# it was (the mode's group bits are the ACL's mask, not the group's).
. "$(dirname "$0")/lib.sh"

chmod 711 "$T"
A=$T/acl
mkdir -m 755 "$A"
F=$A/poppasswd
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}
# login WANT WHAT PASSWORD: PLAIN as alice through cmd5checkpw, run by nobody
login() {
	printf 'alice\0%s\0' "$3" | as_nobody "$CMD5CHECKPW" -l stderr -f "$F" true \
	    3<&0 </dev/null >/dev/null 2>>"$LOG"
	is "$?" "$1" "$2"
}
acl_of() { getfacl -cp "$1" 2>/dev/null | tr '\n' ' '; }

echo 'Acl-pw-1' | "$CMD5PW" -q -f "$F" add --stdin alice
chown root:root "$F" "$F.cdb"
chmod 600 "$F"
"$CMD5PW" -q -f "$F" index
login 111 "root:root 0600, no ACL: nobody cannot read it (111)" Acl-pw-1
"$CMD5PW" -f "$F" check >"$T/out" 2>&1
like "$(cat "$T/out")" 'only its owner can read it' "check warns that only the owner can read it"

setfacl -m u:nobody:r "$F"
"$CMD5PW" -q -f "$F" index
login 0 "with setfacl -m u:nobody:r and the index rebuilt: nobody logs in" Acl-pw-1
"$CMD5PW" -f "$F" check >"$T/out" 2>&1
is "$(grep -c 'only its owner' "$T/out")" 0 "check: no warning when an ACL entry lets a reader in"
echo 'Acl-pw-2' | "$CMD5PW" -q -f "$F" passwd --stdin alice
is "$?" 0 "passwd on the file with an ACL"
like "$(acl_of "$F")" 'user:nobody:r--' "the new text keeps the ACL entry"
like "$(acl_of "$F")" 'group::---' "and the group's own entry, ---"
like "$(acl_of "$F.cdb")" 'user:nobody:r--' "the index gets the entry too"
like "$(acl_of "$F.cdb")" 'user::rw- user:nobody:r-- group::--- mask::r-- other::---' "the index: nothing writable but by the owner"
login 0 "after the change nobody still logs in (not 111)" Acl-pw-2
login 1 "with the new password only" Acl-pw-1

# the group's bits are the group entry's, not the mask's
chgrp mail "$F"
setfacl -m u:nobody:r,g::- "$F"
echo 'Acl-pw-3' | "$CMD5PW" -q -f "$F" passwd --stdin alice
like "$(acl_of "$F")" 'group::---' "a real owning group stays without read (group::---)"
like "$(stat -c %G "$F")" '^mail$' "and the file keeps its group"
setfacl -b "$F"
echo 'Acl-pw-4' | "$CMD5PW" -q -f "$F" passwd --stdin alice
is "$(stat -c %a "$F")" 600 "the ACL removed (setfacl -b): the next change keeps 0600"
is "$(getfacl -cp "$F" 2>/dev/null | grep -c '^user:nobody')" 0 "and adds no ACL"
login 111 "and nobody is out again (111)" Acl-pw-4
done_testing
