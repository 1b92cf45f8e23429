#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# t_mailbox.sh: mailbox logins at the checkpassword interface (issue 10):
# the uid=, gid=, home= fields of poppasswd(5) and the -d -D -u -g -M -R
# options of cmd5checkpw(8); prog prints who and where it runs.  Legacy
# and SMTP AUTH lines without fields behave exactly as before.  Then
# cmd5pw's mailbox command, list, check and passwd keeping the fields.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { not_ok "t_mailbox runs as root (setuid)"; exit 1; }
chmod 711 "$T"
VM=$T/vmail
mkdir -p "$VM/ex.org/alice" "$VM/ex.org/bob" "$VM/dflt.test/dan" "$T/homes/pat" \
    "$T/homes/other" "$T/real/deep"
chown -R 5000:5000 "$VM"
chown 5001:5001 "$T/homes/pat"
chown 5002:5002 "$T/homes/other" "$T/real/deep"
ln -s real "$T/homes/viasym"
ln -s alice "$VM/ex.org/sym"
: >"$VM/ex.org/file"
chown -h 5000:5000 "$VM/ex.org/sym" "$VM/ex.org/file"
mkpw "$T/pw" \
    'alice@ex.org:{PLAIN}a-pw' \
    "bob@ex.org:$(python3 "$TOP/tests/crypthash.py" '$6$' wonderland)" \
    'dan:{PLAIN}d-pw' \
    "pat@ex.org:{PLAIN}p-pw:uid=5001:gid=5001:home=$T/homes/pat" \
    "gidonly@ex.org:{PLAIN}g-pw:gid=5001" \
    "foreign@ex.org:{PLAIN}f-pw:uid=5001:gid=5001:home=$T/homes/other" \
    "viasym@ex.org:{PLAIN}v-pw:uid=5002:gid=5002:home=$T/homes/viasym/deep" \
    "dup@ex.org:{PLAIN}x-pw:uid=5001:uid=5002" \
    "badid@ex.org:{PLAIN}x-pw:uid=-1" \
    "relhome@ex.org:{PLAIN}x-pw:home=homes/pat" \
    "dotdot@ex.org:{PLAIN}x-pw:home=$T/homes/../homes/pat" \
    "rooty@ex.org:{PLAIN}x-pw:uid=0:gid=0:home=$T/homes/pat" \
    'sym@ex.org:{PLAIN}x-pw' 'file@ex.org:{PLAIN}x-pw' 'none@ex.org:{PLAIN}x-pw' \
    '..@ex.org:{PLAIN}x-pw' 'a@.@ex.org:{PLAIN}x-pw' 'x@..:{PLAIN}x-pw' \
    'tim:tanstaaf:uid=5001:gid=5001:home=/' \
    'smtp:{PLAIN}s-pw'
WHO='echo "$(id -u):$(id -g):$(id -G) $PWD HOME=$HOME USER=$USER SHELL=$SHELL"'
ID=(-d "$VM" -u 5000 -g 5000)

# run WANT_RC WANT_OUT WHAT LOGIN PASSWORD cmd5checkpw-args...
run() {
	local rc out
	out=$(printf '%s\0%s\0\0' "$4" "$5" |
	    "$CMD5CHECKPW" -l stderr -f "$T/pw" "${@:6}" sh -c "$WHO" 3<&0 2>>"$LOG")
	rc=$?
	is "$rc" "$1" "$3: exit $1"
	[ -n "$2" ] && is "$out" "$2" "$3: runs as and where"
	[ "$1" -ne 0 ] && is "$out" "" "$3: prog did not run"
}

echo "== site defaults: BASE/domain/localpart as the mail account"
run 0 "5000:5000:5000 $VM/ex.org/alice HOME=$VM/ex.org/alice USER=alice@ex.org SHELL=/bin/false" \
    "-d -u -g: alice@ex.org" alice@ex.org a-pw "${ID[@]}"
run 1 "" "-d -u -g: alice@ex.org wrong password" alice@ex.org a-pwx "${ID[@]}"
run 0 "5000:5000:5000 $VM/ex.org/bob HOME=$VM/ex.org/bob USER=bob@ex.org SHELL=/bin/false" \
    "-d -u -g: bob@ex.org (crypt)" bob@ex.org 'wonderland' "${ID[@]}"
run 0 "5000:5000:5000 $VM/dflt.test/dan HOME=$VM/dflt.test/dan USER=dan SHELL=/bin/false" \
    "-D dflt.test: a login without a domain" dan d-pw "${ID[@]}" -D dflt.test
run 111 "" "no -D: a login without a domain has no home" dan d-pw "${ID[@]}"
run 111 "" "-d without -u/-g: no uid, no mailbox" alice@ex.org a-pw -d "$VM"

echo "== the line's own fields"
run 0 "5001:5001:5001 $T/homes/pat HOME=$T/homes/pat USER=pat@ex.org SHELL=/bin/false" \
    "uid/gid/home on the line, no options" pat@ex.org p-pw
run 0 "5001:5001:5001 $T/homes/pat HOME=$T/homes/pat USER=pat@ex.org SHELL=/bin/false" \
    "the line's fields win over -d -u -g" pat@ex.org p-pw "${ID[@]}"
run 1 "" "uid/gid/home on the line: wrong password" pat@ex.org p-pwx
run 111 "" "gid= alone and no defaults: no uid, no home" gidonly@ex.org g-pw
run 111 "" "home owned by another uid" foreign@ex.org f-pw
run 111 "" "home reached through a symlink" viasym@ex.org v-pw
run 111 "" "uid= twice" dup@ex.org x-pw "${ID[@]}"
run 111 "" "uid=-1" badid@ex.org x-pw "${ID[@]}"
run 111 "" "relative home=" relhome@ex.org x-pw "${ID[@]}"
run 111 "" "home= with .." dotdot@ex.org x-pw "${ID[@]}"
run 111 "" "uid 0 and gid 0 refused" rooty@ex.org x-pw
mkdir -p "$T/homes/rootown"
sed -i "s|^rooty@ex.org:.*|rooty@ex.org:{PLAIN}x-pw:uid=0:gid=0:home=$T/homes/rootown|" "$T/pw"
run 0 "0:0:0 $T/homes/rootown HOME=$T/homes/rootown USER=rooty@ex.org SHELL=/bin/false" \
    "-r: uid 0 only when asked" rooty@ex.org x-pw -R

echo "== derived homes that must not exist"
for l in sym@ex.org file@ex.org none@ex.org ..@ex.org a@.@ex.org x@..; do
	run 111 "" "derived home of $l refused" "$l" x-pw "${ID[@]}"
done

echo "== legacy plaintext and SMTP AUTH: as before"
# prog inherits the caller's environment: what is exported, not bash's own
# variables (bash sets SHELL without exporting it when it is not set, as
# under CI's runner)
ENV_HOME=$(printenv HOME)
ENV_SHELL=$(printenv SHELL)
cd "$T" || exit 1
run 0 "0:0:0 $T HOME=$ENV_HOME USER=tim SHELL=$ENV_SHELL" \
    "legacy line: ':uid=...' is part of the password, no identity" \
    tim 'tanstaaf:uid=5001:gid=5001:home=/'
run 1 "" "legacy line: the part before ':uid=' is not the password" tim tanstaaf
run 0 "0:0:0 $T HOME=$ENV_HOME USER=smtp SHELL=$ENV_SHELL" \
    "no fields, no -d: prog runs as the caller (SMTP AUTH's true)" smtp s-pw
run 111 "" "-M: no identity is a temporary failure" smtp s-pw -M
run 0 "5000:5000:5000 $VM/ex.org/alice HOME=$VM/ex.org/alice USER=alice@ex.org SHELL=/bin/false" \
    "-M with an identity" alice@ex.org a-pw "${ID[@]}" -M
cd "$TOP" || exit 1

echo "== not root: a switch the caller cannot make fails"
cp "$T/pw" "$T/pw-public"
chmod 644 "$T/pw-public"
asuser() {	# asuser UID LOGIN PASSWORD cmd5checkpw-args...
	printf '%s\0%s\0\0' "$2" "$3" | setpriv --reuid="$1" --regid="$1" --clear-groups \
	    "$CMD5CHECKPW" -l none -f "$T/pw-public" "${@:4}" sh -c "$WHO" 3<&0
}
out=$(asuser 5003 pat@ex.org p-pw -M)
is "$?:$out" "111:" "-M as uid 5003, a login for uid 5001: 111, prog does not run"
out=$(asuser 5001 pat@ex.org p-pw -M)
is "$?:$out" "0:5001:5001:5001 $T/homes/pat HOME=$T/homes/pat USER=pat@ex.org SHELL=/bin/false" \
    "-M already uid 5001: the same login works"
cd "$T" || exit 1
out=$(asuser 5003 pat@ex.org p-pw)
is "$?:$out" "0:5003:5003:5003 $T HOME=$ENV_HOME USER=pat@ex.org SHELL=$ENV_SHELL" \
    "SMTP AUTH as an unprivileged user (qmaild), no -M/-d: the fields are ignored, as before"
sed 's|^pat@ex.org:.*|pat@ex.org:{PLAIN}p-pw:uid=5001:uid=5002|' "$T/pw" >"$T/pw-public"
out=$(asuser 5003 pat@ex.org p-pw)
is "$?:$out" "0:5003:5003:5003 $T HOME=$ENV_HOME USER=pat@ex.org SHELL=$ENV_SHELL" \
    "SMTP AUTH as qmaild: even malformed mailbox fields do not break it"
out=$(asuser 5003 pat@ex.org p-pw -M)
is "$?" 111 "the same malformed fields with -M: 111"
cd "$TOP" || exit 1

echo "== Dovecot: fields go back through EXTRA, no switch"
DOVE='echo "$(id -u) HOME=$HOME EXTRA=$EXTRA uid=$userdb_uid gid=$userdb_gid AUTHORIZED=${AUTHORIZED:-}"'
out=$(printf 'alice@ex.org\0a-pw\0\0' | ORIG_UID=0 "$CMD5CHECKPW" -l stderr -f "$T/pw" \
    "${ID[@]}" sh -c "$DOVE" 3<&0 2>>"$LOG")
is "$out" "0 HOME=$VM/ex.org/alice EXTRA=userdb_uid userdb_gid uid=5000 gid=5000 AUTHORIZED=" \
    "passdb (ORIG_UID set): userdb_home/uid/gid exported, ids unchanged"
out=$(printf 'pat@ex.org\0\0\0' | AUTHORIZED=1 "$CMD5CHECKPW" -l stderr -f "$T/pw" \
    sh -c "$DOVE" 3<&0 2>>"$LOG")
is "$out" "0 HOME=$T/homes/pat EXTRA=userdb_uid userdb_gid uid=5001 gid=5001 AUTHORIZED=2" \
    "userdb lookup (AUTHORIZED=1): the line's fields"
printf 'nobody@ex.org\0\0\0' | AUTHORIZED=1 "$CMD5CHECKPW" -l stderr -f "$T/pw" "${ID[@]}" true 3<&0 2>>"$LOG"
is "$?" 3 "userdb lookup of an unknown login: 3"
printf 'rooty@ex.org\0\0\0' | AUTHORIZED=1 "$CMD5CHECKPW" -l stderr -f "$T/pw" true 3<&0 2>>"$LOG"
is "$?" 111 "userdb lookup: uid 0 refused for Dovecot too"

echo "== options"
for bad in "-d rel" "-d /a/../b" "-u x" "-g -1" "-u 01" "-D a/b" "-l fd:1" "-l fd:3" "-l fd:9"; do
	printf 'alice@ex.org\0a-pw\0\0' | "$CMD5CHECKPW" -f "$T/pw" $bad true 3<&0 2>/dev/null
	is "$?" 2 "usage error: $bad"
done
printf 'alice@ex.org\0a-pw\0\0' | "$CMD5CHECKPW" -f "$T/pw" -l fd:9 \
    sh -c '{ echo x >&9; } 2>/dev/null && echo open; true' 3<&0 9>"$T/fd9" \
    >"$T/fd9.out" 2>"$T/fd9.err"
is "$?" 0 "-l fd:9: login ok"
like "$(cat "$T/fd9")" '^cmd5checkpw: ok mech=password .*login="alice@ex.org"' "-l fd:9: the log line on fd 9"
is "$(cat "$T/fd9.err")" "" "-l fd:9: nothing on fd 2"
is "$(cat "$T/fd9.out")" "" "-l fd:9: fd 9 is closed for prog"

echo "== cmd5pw: mailbox, passwd, list, check"
cp "$T/pw" "$T/pw2"
"$CMD5PW" -f "$T/pw2" mailbox alice@ex.org >"$T/out" 2>&1
is "$?:$(cat "$T/out")" "0:alice@ex.org	no mailbox fields" "cmd5pw mailbox: shows none"
"$CMD5PW" -f "$T/pw2" mailbox alice@ex.org uid=5000 gid=5000 home="$VM/ex.org/alice" 2>>"$LOG"
is "$?" 0 "cmd5pw mailbox: sets uid, gid, home"
is "$(grep '^alice@ex.org:' "$T/pw2")" "alice@ex.org:{PLAIN}a-pw:uid=5000:gid=5000:home=$VM/ex.org/alice" \
    "the fields follow the verifiers"
run 0 "5000:5000:5000 $VM/ex.org/alice HOME=$VM/ex.org/alice USER=alice@ex.org SHELL=/bin/false" \
    "cmd5checkpw reads what cmd5pw set" alice@ex.org a-pw -f "$T/pw2"
echo 'new-pw' | "$CMD5PW" -f "$T/pw2" passwd --stdin alice@ex.org 2>>"$LOG"
like "$(grep '^alice@ex.org:' "$T/pw2")" "^alice@ex.org:\\\$y\\\$[^:]*:\\{CRAM-MD5\\}[0-9a-f]{64}:uid=5000:gid=5000:home=$VM/ex.org/alice\$" \
    "cmd5pw passwd keeps the mailbox fields"
"$CMD5PW" -f "$T/pw2" mailbox alice@ex.org uid= home= 2>>"$LOG"
like "$(grep '^alice@ex.org:' "$T/pw2")" ':\{CRAM-MD5\}[0-9a-f]{64}:gid=5000$' "an empty value removes a field"
"$CMD5PW" -f "$T/pw2" mailbox tim uid=5001 2>>"$LOG"
is "$?" 1 "cmd5pw mailbox: a legacy plaintext line is refused"
for bad in uid=x gid=-3 home=rel "home=/a/./b" "home=/a:b" shell=/bin/sh; do
	"$CMD5PW" -f "$T/pw2" mailbox pat@ex.org "$bad" 2>>"$LOG"
	is "$?" 1 "cmd5pw mailbox: $bad refused"
done
"$CMD5PW" -f "$T/pw2" mailbox nobody@ex.org uid=5 2>>"$LOG"
is "$?" 1 "cmd5pw mailbox: unknown login"
like "$("$CMD5PW" -f "$T/pw2" list)" "pat@ex.org	plain	uid=5001 gid=5001 home=$T/homes/pat" \
    "cmd5pw list: the mailbox column"
chk=$("$CMD5PW" -f "$T/pw2" check 2>&1)
like "$chk" "foreign@ex.org: home $T/homes/other is owned by uid 5002, not by the login's uid 5001" \
    "check: a home owned by another uid"
like "$chk" "viasym@ex.org: home $T/homes/viasym/deep: a path component is a symlink" \
    "check: a home through a symlink is seen"
like "$chk" "dup@ex.org: mailbox fields: uid= or gid= given twice" "check: a repeated field is an error"
like "$chk" "rooty@ex.org: uid or gid 0" "check: uid 0 warned"
like "$chk" "tim: legacy plaintext password holding ':uid='" "check: fields inside a plaintext password"
rm -rf "$T/homes/pat"
like "$("$CMD5PW" -f "$T/pw2" check 2>&1)" "pat@ex.org: home $T/homes/pat: home does not exist" \
    "check: a missing home"
unlike=$("$CMD5PW" -f "$T/pw2" check 2>&1 | grep -c 'alice@ex.org: home')
is "$unlike" 0 "check: nothing said of a good mailbox"
done_testing
