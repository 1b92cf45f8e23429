#!/bin/bash
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

# --- a login never holds ':', so "login:password" typed as a login must
# not put the password in the log
chmod 640 "$T/pw.cdb"
auth 1 "login 'tim:Sekr1t-typed-as-login': refused" 'tim:Sekr1t-typed-as-login' x '' \
    -- -f "$T/pw" true
like "$(tail -1 "$LOG")" 'login="tim:\.\.\."' "the log shows login=\"tim:...\" only"
done_testing
