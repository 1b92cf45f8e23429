#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# t_privileges.sh: the old guides install cmd5checkpw setuid (or setgid)
# to an account that alone can read /etc/poppasswd.  Such an install must
# never hand the elevated id to prog, must refuse -f, and any password
# file or index that others could write is refused.
#
# Ids 54320 (the setuid owner) and 54321 (the caller) need no passwd
# entries: setpriv(1) runs as a bare uid.  /etc/poppasswd, the only file a
# setuid install reads, is supplied in a private mount namespace
# (unshare -m) by an overlay on /etc, so the host's /etc is never touched.
. "$(dirname "$0")/lib.sh"

OWNER=54320
CALLER=54321
chmod 711 "$T"
mkdir -m 755 "$T/bin" "$T/up" "$T/work" "$T/varlib"
mkdir -m 700 "$T/varlib/cmd5checkpw"
chown $OWNER "$T/varlib/cmd5checkpw"
cp "$CMD5CHECKPW" "$T/bin/cmd5checkpw"
# prog: a plain binary (not a shell, which might drop ids itself)
# printing the real, effective, saved and filesystem ids it was given
PROG="/bin/grep -E ^(Uid|Gid|Groups): /proc/self/status"

# as_caller MODE_FILE_SETUP... : run cmd5checkpw as uid 54321, with
# $T/up/poppasswd seen as /etc/poppasswd and $T/varlib as /var/lib (the
# default replay record, which a setuid install cannot move: -r is
# refused).  Every step is an exec, so this shell
# stays cmd5checkpw's parent, the PID in its challenges.
as_caller() {
	unshare -m sh -c 'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc &&
	    mount --bind "$3" /var/lib && shift 3 && exec "$@"' sh "$T/up" "$T/work" "$T/varlib" \
	    setpriv --reuid=$CALLER --regid=$CALLER --clear-groups "$@"
}

# run WANT_RC WHAT FIELD...  -- cmd5checkpw args: output in $T/out
run() {
	local want=$1 what=$2 rc
	local -a fields=()
	shift 2
	while [ "$1" != -- ]; do fields+=("$1"); shift; done
	shift
	printf '%s\0' "${fields[@]}" >"$T/fd3"
	as_caller "$T/bin/cmd5checkpw" -l stderr \
	    "$@" 3<"$T/fd3" </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	cat "$T/err" >>"$LOG"
	is "$rc" "$want" "$what"
}

# ids IDLINE...: prog's Uid/Gid lines must show only the caller's id
ids_are_callers() {
	local what=$1
	like "$(cat "$T/out")" "^Uid:[[:space:]]+$CALLER[[:space:]]+$CALLER[[:space:]]+$CALLER[[:space:]]+$CALLER" \
	    "$what: prog's real, effective, saved and fs uid are all $CALLER"
	like "$(grep ^Gid: "$T/out")" "^Gid:[[:space:]]+$CALLER[[:space:]]+$CALLER[[:space:]]+$CALLER[[:space:]]+$CALLER" \
	    "$what: prog's real, effective, saved and fs gid are all $CALLER"
	is "$(grep ^Groups: "$T/out" | tr -d '[:space:]')" "Groups:" \
	    "$what: prog has no supplementary groups (the caller had none)"
}


# --- setuid to the file's owner; the file is mode 600
printf 'tim:tanstaaftanstaaf\nbob:{CRAM-MD5}e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6\n' \
    >"$T/up/poppasswd"
chown $OWNER:$OWNER "$T/up/poppasswd"
chmod 600 "$T/up/poppasswd"
chown $OWNER:$OWNER "$T/bin/cmd5checkpw"
chmod 755 "$T/bin/cmd5checkpw"
run 111 "not setuid, the caller cannot read /etc/poppasswd (mode 600): 111" \
    tim tanstaaftanstaaf '' -- $PROG
like "$(cat "$T/err")" "cannot open /etc/poppasswd: Permission denied" \
    "not setuid: the log names the file and the error"
chmod 4755 "$T/bin/cmd5checkpw"
run 0 "setuid owner: right password accepted (the elevated id read the file)" \
    tim tanstaaftanstaaf '' -- $PROG
ids_are_callers "setuid, PLAIN"
newchal
run 0 "setuid owner: CRAM-MD5 response accepted" \
    bob "$(hmac test "$CHAL")" "$CHAL" -- $PROG
ids_are_callers "setuid, CRAM-MD5"
run 1 "setuid owner: wrong password refused" tim tanstaaf '' -- $PROG
is "$(cat "$T/out")" "" "setuid owner: prog not run after a refusal"
run 2 "setuid owner: -f is refused (exit 2)" tim tanstaaftanstaaf '' \
    -- -f "$T/up/poppasswd" $PROG
like "$(cat "$T/err")" "-f and -r are refused when installed setuid" \
    "setuid owner: the log says why -f was refused"
run 2 "setuid owner: -r is refused (exit 2)" tim tanstaaftanstaaf '' \
    -- -r "$T/replay" $PROG
run 1 "setuid owner: the CRAM-MD5 exchange again is refused (the default record)" \
    bob "$(hmac test "$CHAL")" "$CHAL" -- $PROG
like "$(cat "$T/err")" 'reason=replayed-challenge' "setuid owner: logged as replayed-challenge"
is "$(stat -c %u "$T/varlib/cmd5checkpw/replay" 2>&1)" $OWNER \
    "setuid owner: the default record /var/lib/cmd5checkpw/replay belongs to the owner"

# --- setuid root, as the old guides have it; the file is root's, mode 600
chown 0:0 "$T/up/poppasswd" "$T/bin/cmd5checkpw"
chmod 600 "$T/up/poppasswd"
chmod 4755 "$T/bin/cmd5checkpw"
run 0 "setuid root: right password accepted" tim tanstaaftanstaaf '' -- $PROG
ids_are_callers "setuid root"
run 1 "setuid root: wrong password refused" tim tanstaaf '' -- $PROG
run 2 "setuid root: -f is refused (exit 2)" tim tanstaaftanstaaf '' \
    -- -f /etc/shadow $PROG

# --- setgid to the file's group; the file is mode 640, owned by root
chown 0:$OWNER "$T/up/poppasswd"
chmod 640 "$T/up/poppasswd"
chown 0:$OWNER "$T/bin/cmd5checkpw"
chmod 2755 "$T/bin/cmd5checkpw"
run 0 "setgid group: right password accepted" tim tanstaaftanstaaf '' -- $PROG
ids_are_callers "setgid"
run 2 "setgid group: -f is refused (exit 2)" tim tanstaaftanstaaf '' \
    -- -f "$T/up/poppasswd" $PROG

# --- both bits
chown $OWNER:$OWNER "$T/up/poppasswd" "$T/bin/cmd5checkpw"
chmod 600 "$T/up/poppasswd"
chmod 6755 "$T/bin/cmd5checkpw"
run 0 "setuid and setgid: right password accepted" tim tanstaaftanstaaf '' -- $PROG
ids_are_callers "setuid+setgid"

# --- writable password files and indexes are refused (no setuid needed)
mkpw "$T/pw" 'tim:tanstaaftanstaaf'
auth 0 "mode 640 file: accepted" tim tanstaaftanstaaf '' -- -f "$T/pw" true
for mode in 660 620 646 642 666; do
	chmod $mode "$T/pw"
	: >"$T/err"
	printf 'tim\0tanstaaftanstaaf\0\0' | "$CMD5CHECKPW" -l stderr -f "$T/pw" \
	    true 3<&0 </dev/null >/dev/null 2>"$T/err"
	rc=$?
	cat "$T/err" >>"$LOG"
	is "$rc" 111 "mode $mode password file refused with 111"
	case $mode in 6?[2367]) who=others ;; *) who=group ;; esac
	like "$(cat "$T/err")" "refusing $T/pw: writable by $who \(chmod go-w\)" \
	    "mode $mode: the log says the file is writable by $who"
done
chmod 640 "$T/pw"
make -s -C "$TOP" tests/mkindex >/dev/null 2>&1 || not_ok "build tests/mkindex"
"$TOP/tests/mkindex" "$T/pw"
auth 0 "mode 640 index: used" tim tanstaaftanstaaf '' -- -f "$T/pw" true
like "$(tail -1 "$LOG")" "source=index" "mode 640 index: the log says source=index"
chmod 660 "$T/pw.cdb"
auth 111 "group-writable index refused with 111" tim tanstaaftanstaaf '' \
    -- -f "$T/pw" true
like "$(tail -1 "$LOG")" "refusing $T/pw.cdb: writable by group" \
    "group-writable index: the log names it"

# --- a setuid or setgid install ignores AUTHORIZED=1 (a Dovecot userdb
# lookup): else any local user could ask it which logins exist, without a
# password (exit 0 for a login, 3 for none).  Not setuid, it is honoured.
chown 0:0 "$T/up/poppasswd" "$T/bin/cmd5checkpw"
chmod 640 "$T/up/poppasswd"
chmod 755 "$T/bin/cmd5checkpw"
printf 'tim\0\0\0' | AUTHORIZED=1 "$T/bin/cmd5checkpw" -l stderr -f "$T/up/poppasswd" \
    sh -c 'echo "$AUTHORIZED"' 3<&0 </dev/null >"$T/out" 2>>"$LOG"
is "$?:$(cat "$T/out")" "0:2" "not setuid: AUTHORIZED=1 is a lookup, answered AUTHORIZED=2"
printf 'nosuch\0\0\0' | AUTHORIZED=1 "$T/bin/cmd5checkpw" -l stderr -f "$T/up/poppasswd" \
    true 3<&0 </dev/null >/dev/null 2>>"$LOG"
is "$?" 3 "not setuid: AUTHORIZED=1 lookup of an unknown login: 3"
for bits in 4755 2755; do
	# setuid root reads a file of mode 600; setgid, one of its group's
	if [ $bits = 4755 ]; then chown 0:0 "$T/up/poppasswd" "$T/bin/cmd5checkpw"
	else chown 0:$OWNER "$T/up/poppasswd" "$T/bin/cmd5checkpw"; fi
	chmod $((bits == 4755 ? 600 : 640)) "$T/up/poppasswd"
	chmod $bits "$T/bin/cmd5checkpw"
	printf 'tim\0\0\0' | AUTHORIZED=1 as_caller "$T/bin/cmd5checkpw" -l stderr \
	    sh -c 'echo "${AUTHORIZED:-unset}"' 3<&0 </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	cat "$T/err" >>"$LOG"
	is "$rc:$(cat "$T/out")" "1:" "mode $bits: AUTHORIZED=1 ignored: a known login without password is refused (1)"
	like "$(cat "$T/err")" 'fail mech=password reason=bad-password source=text login="tim"' \
	    "mode $bits: logged as a password check, not a lookup"
	printf 'nosuch\0\0\0' | AUTHORIZED=1 as_caller "$T/bin/cmd5checkpw" -l stderr \
	    true 3<&0 </dev/null >/dev/null 2>>"$LOG"
	is "$?" 1 "mode $bits: AUTHORIZED=1, unknown login: 1 as for a known one, not 3"
	printf 'tim\0tanstaaftanstaaf\0\0' | TCPREMOTEIP=192.0.2.66 as_caller \
	    "$T/bin/cmd5checkpw" -l stderr true 3<&0 </dev/null >/dev/null 2>"$T/err"
	is "$?" 0 "mode $bits: right password accepted"
	cat "$T/err" >>"$LOG"
	like "$(cat "$T/err")" '^cmd5checkpw: ok mech=password' \
	    "mode $bits: TCPREMOTEIP from a local user's environment is not logged as remote="
done

# --- a password file the uid running cmd5checkpw could rewrite is refused:
# owned by it, or in a directory it may write (a compromised front end
# could then change every password).  Run as $CALLER, not setuid.
mkdir -m 755 "$T/w"
cp "$CMD5CHECKPW" "$T/w/cmd5checkpw"
chmod 755 "$T/w/cmd5checkpw"
mkdir -m 755 "$T/w/d"
printf 'tim:tanstaaftanstaaf\n' >"$T/w/d/pw"
# writers WANT WHAT [REGEX]: log in as $CALLER with -f $T/w/d/pw
writers() {
	local rc
	printf 'tim\0tanstaaftanstaaf\0\0' | setpriv --reuid=$CALLER --regid=$CALLER \
	    --clear-groups "$T/w/cmd5checkpw" -l stderr -f "$T/w/d/pw" true 3<&0 \
	    </dev/null >/dev/null 2>"$T/err"
	rc=$?
	cat "$T/err" >>"$LOG"
	is "$rc" "$1" "$2"
	[ $# -lt 3 ] || like "$(cat "$T/err")" "$3" "$2: the log says why"
}
chown 0:$CALLER "$T/w/d/pw"
chmod 640 "$T/w/d/pw"
writers 0 "file root:caller 640 in a root directory: accepted"
chown $CALLER:$CALLER "$T/w/d/pw"
chmod 440 "$T/w/d/pw"
writers 111 "file owned by the caller (even mode 440: it may chmod): refused" \
    "error reason=\"refusing $T/w/d/pw: owned by uid $CALLER, which runs cmd5checkpw"
chown 0:$CALLER "$T/w/d/pw"
chmod 640 "$T/w/d/pw"
chown $CALLER "$T/w/d"
writers 111 "directory owned by the caller: refused" \
    "refusing $T/w/d/pw: directory $T/w/d lets the uid running cmd5checkpw replace it"
chown 0:$CALLER "$T/w/d"
chmod 775 "$T/w/d"
writers 111 "directory writable by the caller's group: refused" "directory $T/w/d lets"
chmod 755 "$T/w/d"
chown $CALLER "$T/w"
writers 111 "a directory further up owned by the caller: refused" "directory $T/w lets"
chown 0 "$T/w"
chmod 1777 "$T/w/d"
writers 0 "sticky directory anyone may write, file root's: accepted (cannot be replaced)"
chmod 777 "$T/w/d"
writers 111 "directory anyone may write, not sticky: refused" \
    "directory $T/w/d lets anyone replace it"
chmod 755 "$T/w/d"
ln -s d/pw "$T/w/link"
mkdir -m 755 "$T/w/ld"
ln -s ../d/pw "$T/w/ld/pw"
chown $CALLER "$T/w/ld"
printf 'tim\0tanstaaftanstaaf\0\0' | setpriv --reuid=$CALLER --regid=$CALLER \
    --clear-groups "$T/w/cmd5checkpw" -l stderr -f "$T/w/ld/pw" true 3<&0 \
    </dev/null >/dev/null 2>"$T/err"
is "$?" 111 "a symlink in a directory the caller owns: refused (it may repoint it)"
cat "$T/err" >>"$LOG"
writers 0 "all root's again: accepted"
cp "$T/w/d/pw" "$T/w/d/pw.cdb.src"
"$TOP/tests/mkindex" "$T/w/d/pw"
chown $CALLER "$T/w/d/pw.cdb"
writers 111 "index owned by the caller: refused" "refusing $T/w/d/pw.cdb: owned by uid $CALLER"
chown 0 "$T/w/d/pw.cdb"
writers 0 "index root's: accepted"
auth 0 "run as root, the rule does not apply (root may rewrite anything)" \
    tim tanstaaftanstaaf '' -- -f "$T/w/d/pw" true

# --- a login never holds ':', so "login:password" typed as a login must
# not put the password in the log
chmod 640 "$T/pw.cdb"
auth 1 "login 'tim:Sekr1t-typed-as-login': refused" 'tim:Sekr1t-typed-as-login' x '' \
    -- -f "$T/pw" true
like "$(tail -1 "$LOG")" 'login="tim:\.\.\."' "the log shows login=\"tim:...\" only"
done_testing
