#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# san: once
# t_ldap.sh: the password file as a replica of a real OpenLDAP directory
# (cmd5pw-ldap(8)).  One provider, two consumers (syncrepl over StartTLS
# with a CA made here), two "mail hosts" each following its own consumer;
# changes on the provider reach PLAIN and CRAM-MD5 logins through
# cmd5checkpw on both; faults: provider down, consumer down and back,
# follower killed mid-update, hostile directory values.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ldapenv.sh"

PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in prov c1 c2; do slapd_stop "$p"; done
}
trap 'cleanup; rm -rf "$T"' EXIT

read -r PP C1 C2 <<<"$(python3 -c '
import socket
s = [socket.socket() for _ in range(3)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')"

# pw HOST LOGIN PASSWORD: cmd5checkpw's exit code for a PLAIN/LOGIN check
pw() {
	printf '%s\0%s\0' "$2" "$3" | "$CMD5CHECKPW" -l stderr -f "$T/$1/poppasswd" \
	    true 3<&0 </dev/null >/dev/null 2>>"$LOG"
}
# cram HOST LOGIN PASSWORD: the same for CRAM-MD5 (HMAC by openssl)
# A new challenge each time, as the front end that is cmd5checkpw's parent
# makes it: this shell or the subshell a poll runs in ($BASHPID).
CRAMN=0
cram() {
	local chal
	CRAMN=$((CRAMN + 1))
	chal="<$BASHPID.$(date +%s)@c$CRAMN.mx.test>"
	printf '%s\0%s\0%s\0' "$2" "$chal" "$(hmac "$3" "$chal")" |
	    "$CMD5CHECKPW" -l stderr -r "$T/replay" -f "$T/$1/poppasswd" true \
	    3<&0 </dev/null >/dev/null 2>>"$LOG"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# until_rc WANT TIMEOUT_MS CMD...: polls CMD until it exits WANT; prints
# the milliseconds it took, or "timeout"
until_rc() {
	local want=$1 limit=$2 t0 rc
	shift 2
	t0=$(now_ms)
	while :; do
		"$@"
		rc=$?
		[ "$rc" -eq "$want" ] && { echo $(($(now_ms) - t0)); return 0; }
		[ $(($(now_ms) - t0)) -gt "$limit" ] && { echo timeout; return 1; }
		sleep 0.005
	done
}
DELAYS=()
# reach WHAT WANT CHECK LOGIN PASSWORD: on both hosts; records the delays
reach() {
	local what=$1 want=$2 check=$3 h d
	for h in h1 h2; do
		d=$(until_rc "$want" 10000 "$check" "$h" "$4" "$5")
		is "$d" "$(echo "$d" | grep -E '^[0-9]+$' || echo number)" \
		    "$what reaches $h ($check)"
		case $d in [0-9]*) DELAYS+=("$d") ;; esac
	done
}
# follow HOST: the follower, through contrib's daemontools/runit run script
follow() {
	CMD5PW=$CMD5PW CONF=$T/$1/ldap.conf RESTART_DELAY=0 \
	    sh "$TOP/contrib/cmd5pw-follow/run" >>"$T/$1/follow.log" 2>&1 &
	PIDS+=($!)
	eval "FOLLOW_$1=$!"
}
C() { "$CMD5PW" -C "$T/$1/ldap.conf" "${@:2}"; }

echo "== the configuration"
mkdir -p "$T/cf"
# conf WANT_RC REGEX WHAT LINES...: cmd5pw -C on a file of those lines
conf() {
	local want=$1 re=$2 what=$3 rc
	shift 3
	printf '%s\n' "$@" >"$T/cf/c"
	"$CMD5PW" -C "$T/cf/c" -f "$T/cf/pw" sync >"$T/out" 2>&1
	rc=$?
	is "$rc" "$want" "$what: exit $want"
	like "$(cat "$T/out")" "$re" "$what: says so"
}
conf 2 'c:3: colour: unknown keyword' "an unknown keyword" 'uri ldap://127.0.0.1:1/' 'base dc=x' 'colour blue'
conf 2 'uri and base are required' "no base" 'uri ldap://127.0.0.1:1/'
conf 2 'uri: ldap://, ldaps:// or ldapi:// expected' "an http URI" 'uri http://x/' 'base dc=x'
conf 2 'add-dn: exactly one %s expected' "add-dn without %s" 'uri ldap://x/' 'base dc=x' 'add-dn uid=x,dc=x'
conf 2 'add-dn: exactly one %s expected' "add-dn with %n" 'uri ldap://x/' 'base dc=x' 'add-dn uid=%s%n,dc=x'
conf 2 'login: uid or mail expected' "another login attribute" 'uri ldap://x/' 'base dc=x' 'login cn'
conf 2 'binddn and bindpw-file go together' "binddn alone" 'uri ldap://x/' 'base dc=x' 'binddn cn=x'
conf 111 'unreachable' "a directory nobody answers: 111" "uri ldap://127.0.0.1:$PP/" 'base dc=x' 'starttls no'
like "$(cat "$T/cf/pw.ldapsync.status" 2>/dev/null)" 'state unreachable' "  the status file says unreachable"
"$CMD5PW" -C "$T/cf/c" -f "$T/cf/pw" status >"$T/out" 2>&1
is $? 1 "status before any sync: 1"
like "$(cat "$T/out")" 'last sync: +never' "  last sync: never"
"$CMD5PW" -C "$T/cf/c" list >"$T/out" 2>&1
is $? 2 "-C with a command of the file alone: usage"

echo "== the directory: a CA, a provider, two consumers"
make_ca
is $? 0 "a CA and a server certificate for 127.0.0.1"
slapd_conf prov "$PP"
slapd_start prov "$PP"
is $? 0 "provider slapd started"
base_ldif | ldap_mod "$PP"
{
	user_ldif alice "{CRYPT}$(python3 "$TOP/tests/crypthash.py" '$6$' alice-pw)"
	user_ldif bob "$(ssha bob-pw SSHA)"
	user_ldif carol "$(ssha carol-pw SSHA256)"
	user_ldif dave "$(ssha dave-pw SSHA512)"
	user_ldif erin "{crypt}$(python3 "$TOP/tests/crypthash.py" '$y$' erin-pw)"
} | ldap_mod "$PP"
is $? 0 "five users on the provider"
slapd_conf c1 "$C1" "$PP"
slapd_conf c2 "$C2" "$PP"
slapd_start c1 "$C1" && slapd_start c2 "$C2"
is $? 0 "two consumers started (syncrepl over StartTLS)"

WRITE="write yes
write-uri ldap://127.0.0.1:$PP/
add-dn uid=%s,$PEOPLE
add-objectclass inetOrgPerson"
MBX='home-attribute homeDirectory
uid-attribute uidNumber
gid-attribute gidNumber'
host_conf h1 "$C1" "$WRITE" "$MBX"
host_conf h2 "$C2" "$WRITE" "$MBX"
n=$(until_rc 0 5000 sh -c "ldapsearch -x -LLL -H ldap://127.0.0.1:$C2/ \
    -b $PEOPLE uid=erin uid | grep -q erin")
like "$n" '^[0-9]+$' "the consumers have the users"

echo "== transport and secrets"
host_conf bad "$C1"
sed -i 's/^starttls yes/starttls no/' "$T/bad/ldap.conf"
C bad sync >"$T/out" 2>&1
is $? 2 "cleartext bind refused: exit 2"
like "$(cat "$T/out")" 'refusing to send the bind password in cleartext' \
    "cleartext bind refused: says why"
[ -e "$T/bad/poppasswd" ]
is $? 1 "cleartext bind refused: no replica written"
echo 'cleartext-bind yes' >>"$T/bad/ldap.conf"
C bad sync >"$T/out" 2>&1
is $? 0 "cleartext-bind yes: the site allowed it"
rm -rf "$T/bad"
host_conf bad "$C1"
sed -i '/^ca /d' "$T/bad/ldap.conf"
LDAPTLS_CACERT= C bad sync >"$T/out" 2>&1
is $? 111 "StartTLS without the CA: the certificate does not verify (111)"
like "$(cat "$T/out")" 'unreachable: StartTLS' "StartTLS failure: a clear log line"
rm -rf "$T/bad"
host_conf bad "$C1"
chmod 644 "$T/bad/bindpw"
C bad sync >"$T/out" 2>&1
is $? 2 "a bindpw-file others can read is refused"
like "$(cat "$T/out")" 'refusing bindpw-file .*\(mode 0600 or 0400\)' \
    "bindpw-file refused: says the mode it wants"
rm -rf "$T/bad"
host_conf bad "ldaps://127.0.0.1:$C1"
sed -i "s|^uri .*|uri ldap://127.0.0.1:$C1/|" "$T/bad/ldap.conf"
sed -i "s|^binddn .*|binddn cn=nobody,$SUFFIX|" "$T/bad/ldap.conf"
C bad sync >"$T/out" 2>&1
is $? 2 "a refused bind (wrong DN): exit 2, retrying cannot mend it"
rm -rf "$T/bad"

echo "== full refresh into the replica, the logins on it"
for h in h1 h2; do
	C "$h" sync >"$T/out" 2>&1
	is $? 0 "$h: first sync"
	like "$(cat "$T/out")" 'in sync with .* \(5 logins\)' "$h: 5 logins"
done
is "$(stat -c %a "$T/h1/poppasswd")" 640 "the replica: mode 0640 (a new file)"
[ -s "$T/h1/poppasswd.cdb" ]
is $? 0 "the replica has its cdb index"
"$CMD5PW" -f "$T/h1/poppasswd" check >"$T/out" 2>&1
is $? 0 "cmd5pw check: the replica is a clean file"
pw h1 alice alice-pw; is $? 0 "{CRYPT} sha512-crypt: PLAIN ok"
pw h1 alice bob-pw; is $? 1 "{CRYPT} sha512-crypt: wrong password rejected"
pw h1 erin erin-pw; is $? 0 "{crypt} yescrypt (tag in lower case): ok"
pw h2 bob bob-pw; is $? 0 "{SSHA}: ok"
pw h2 bob alice-pw; is $? 1 "{SSHA}: wrong password rejected"
pw h2 carol carol-pw; is $? 0 "{SSHA256}: ok"
pw h2 dave dave-pw; is $? 0 "{SSHA512}: ok"
pw h2 dave carol-pw; is $? 1 "{SSHA512}: wrong password rejected"
pw h2 nobody x; is $? 1 "unknown login rejected"
C h1 status >"$T/out" 2>&1
is $? 0 "status: exit 0 after a sync"
like "$(cat "$T/out")" 'last sync: +[0-9]{4}-' "status: last sync time"
like "$(cat "$T/out")" 'cookie from: +[0-9]{4}-' "status: the cookie's age"
like "$(cat "$T/out")" 'entries: +5' "status: entries"
C h1 sync >"$T/out" 2>&1
is $? 0 "a second sync from the cookie (refreshOnly, for cron)"
is "$(wc -l <"$T/h1/poppasswd")" 5 "  the replica unchanged: 5 lines"
echo 'page-size 2' >>"$T/h1/ldap.conf"
cp "$T/h1/poppasswd" "$T/before"
C h1 sync --paged >"$T/out" 2>&1
is $? 0 "sync --paged: a full refresh by paged search"
like "$(cat "$T/out")" '3 pages of at most 2 entries' "  in 3 pages of 2"
cmp -s "$T/before" "$T/h1/poppasswd"
is $? 0 "  the same replica as the sync search made"
C h1 sync --full >"$T/out" 2>&1
is $? 0 "sync --full: a refresh without the cookie"
like "$(cat "$T/out")" '\(5 logins\)' "  5 logins"
cmp -s "$T/before" "$T/h1/poppasswd"
is $? 0 "  the same replica again"

echo "== two followers (refreshAndPersist); changes reach both hosts"
follow h1
follow h2
sleep 0.3
C h2 sync >"$T/out" 2>&1
is $? 111 "a sync while the follower runs: 111"
like "$(cat "$T/out")" 'another cmd5pw sync or follow holds' "  says who holds the state"
printf 'frank-pw\n' | C h1 add --stdin frank >"$T/out" 2>&1
is $? 0 "cmd5pw -C add: the entry goes to the provider"
like "$(cat "$T/out")" "add frank in the directory" "  says so"
reach "add" 0 pw frank frank-pw
reach "add (CRAM-MD5)" 0 cram frank frank-pw
printf 'frank-pw2\n' | C h2 passwd --stdin frank >"$T/out" 2>&1
is $? 0 "cmd5pw -C passwd on the provider"
reach "passwd" 0 pw frank frank-pw2
pw h1 frank frank-pw; is $? 1 "passwd: the old password is rejected on h1"
cram h2 frank frank-pw; is $? 1 "passwd: the old CRAM-MD5 is rejected on h2"
reach "passwd (CRAM-MD5)" 0 cram frank frank-pw2
C h1 lock frank >"$T/out" 2>&1
is $? 0 "cmd5pw -C lock"
reach "lock" 1 pw frank frank-pw2
reach "lock (CRAM-MD5)" 1 cram frank frank-pw2
like "$(grep '^frank:' "$T/h1/poppasswd")" '^frank:!$' "a locked entry: login:! in the replica"
C h1 unlock frank >"$T/out" 2>&1
is $? 0 "cmd5pw -C unlock"
reach "unlock" 0 pw frank frank-pw2
C h1 del frank >"$T/out" 2>&1
is $? 0 "cmd5pw -C del"
reach "del" 1 pw frank frank-pw2
grep -q '^frank:' "$T/h1/poppasswd" "$T/h2/poppasswd"
is $? 1 "del: the line is gone from both replicas"
C h1 del frank >"$T/out" 2>&1
is $? 1 "del of a login not in the directory: 1"
printf 'x\n' | C h1 add --stdin alice >"$T/out" 2>&1
is $? 1 "add of a login the directory has: 1"
# changes made on the provider by other tools, and a rename
for i in 1 2 3 4 5 6; do
	h=$(ssha "gina-pw$i" SSHA256)
	if [ "$i" -eq 1 ]; then
		user_ldif gina "$h" | ldap_mod "$PP"
	else
		printf 'dn: uid=gina,%s\nchangetype: modify\nreplace: userPassword\nuserPassword: %s\n\n' \
		    "$PEOPLE" "$h" | ldap_mod "$PP"
	fi
	reach "ldapmodify change $i" 0 pw gina "gina-pw$i"
done
printf 'dn: uid=gina,%s\nchangetype: modrdn\nnewrdn: uid=gina2\ndeleteoldrdn: 1\n\n' \
    "$PEOPLE" | ldap_mod "$PP"
reach "rename uid=gina -> gina2" 0 pw gina2 gina-pw6
pw h1 gina gina-pw6; is $? 1 "rename: the old login is gone"

echo "== mailbox fields (homeDirectory, uidNumber, gidNumber of posixAccount)"
# pax_ldif LOGIN PASSWORD UID HOME: a person with a posixAccount
pax_ldif() {
	printf 'dn: uid=%s,%s\nchangetype: add\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\n' \
	    "$1" "$PEOPLE"
	printf 'uid: %s\ncn: %s\nsn: %s\nuidNumber: %s\ngidNumber: %s\nhomeDirectory: %s\n' \
	    "$1" "$1" "$1" "$3" "$3" "$4"
	printf 'userPassword: %s\n\n' "$(ssha "$2" SSHA)"
}
pax_ldif paul paul-pw 5001 /var/vmail/example.org/paul | ldap_mod "$PP"
# (a login of paul's as root would now be a mailbox login, whose home
# this test does not make: cmd5checkpw(8), MAILBOX LOGINS)
has_line() { grep -q "^$2:" "$T/$1/poppasswd"; }
reach "a posixAccount" 0 has_line paul -
like "$(grep '^paul:' "$T/h1/poppasswd")" '^paul:\{SSHA\}[^:]*:uid=5001:gid=5001:home=/var/vmail/example\.org/paul$' \
    "the replica's line carries uid=, gid=, home= (poppasswd(5))"
"$CMD5PW" -f "$T/h1/poppasswd" mailbox paul >"$T/out" 2>&1
like "$(cat "$T/out")" 'uid=5001 gid=5001 home=/var/vmail/example\.org/paul' "cmd5pw mailbox reads them"
# a hostile home: skipped with a log line, the rest of the replica intact
pax_ldif mallory mallory-pw 5002 /var/vmail/../../etc | ldap_mod "$PP"
pax_ldif norbert norbert-pw 5003 /var/vmail/example.org/norbert | ldap_mod "$PP"
reach "an entry after a hostile one" 0 has_line norbert -
grep -q '^mallory:' "$T/h1/poppasswd" "$T/h2/poppasswd"
is $? 1 "a homeDirectory with .. never reaches a replica"
like "$(cat "$T/h1/follow.log")" 'skipping uid=mallory,.*homeDirectory is not a clean absolute path' \
    "and is logged"

echo "== hostile values in the directory"
{
	user_ldif 'ev:il' "$(ssha x)"
	printf 'dn: uid=longname,%s\nchangetype: add\nobjectClass: inetOrgPerson\nuid: longname\nuid: %s\ncn: x\nsn: x\nuserPassword: %s\n\n' \
	    "$PEOPLE" "$(head -c 300 /dev/zero | tr '\0' a)" "$(ssha x)"
	# userPassword is an octet string: a newline, a NUL and a ':' in it
	printf 'dn: uid=nl,%s\nchangetype: add\nobjectClass: inetOrgPerson\nuid: nl\ncn: x\nsn: x\nuserPassword:: %s\n\n' \
	    "$PEOPLE" "$(printf '{SSHA}abc\nmallory:{PLAIN}owned' | base64 -w0)"
	printf 'dn: uid=nul,%s\nchangetype: add\nobjectClass: inetOrgPerson\nuid: nul\ncn: x\nsn: x\nuserPassword:: %s\n\n' \
	    "$PEOPLE" "$(printf '{CRYPT}$6$a\0b' | base64 -w0)"
	printf 'dn: uid=colon,%s\nchangetype: add\nobjectClass: inetOrgPerson\nuid: colon\ncn: x\nsn: x\nuserPassword: {CRYPT}$6$salt$x:{PLAIN}owned\n\n' "$PEOPLE"
	printf 'dn: uid=plain,%s\nchangetype: add\nobjectClass: inetOrgPerson\nuid: plain\ncn: x\nsn: x\nuserPassword: owned\n\n' "$PEOPLE"
	printf 'dn: uid=huge,%s\nchangetype: add\nobjectClass: inetOrgPerson\nuid: huge\ncn: x\nsn: x\nuserPassword: {SSHA}%s\n\n' \
	    "$PEOPLE" "$(head -c 3000 /dev/zero | tr '\0' A)"
	# two entries, one login: neither may win
	user_ldif ida "$(ssha ida-pw)"
	printf 'dn: cn=ida2,%s\nchangetype: add\nobjectClass: inetOrgPerson\nuid: ida\ncn: ida2\nsn: x\nuserPassword: %s\n\n' \
	    "$PEOPLE" "$(ssha ida-other)"
	user_ldif henry "$(ssha henry-pw)"
} | ldap_mod "$PP"
is $? 0 "hostile entries added to the provider"
reach "an entry after the hostile ones" 0 pw henry henry-pw
for h in h1 h2; do
	R=$T/$h/poppasswd
	"$CMD5PW" -f "$R" check >"$T/out" 2>&1
	is $? 0 "$h: the replica is still a clean file (cmd5pw check)"
	is "$(grep -c . "$R")" "$(grep -cE '^[a-z0-9]+:' "$R")" \
	    "$h: every line is login:field"
	grep -qE '^(ev|mallory|nl|nul|colon|plain|huge|longname|a{20})' "$R"
	is $? 1 "$h: no hostile login reached the replica"
	pw "$h" mallory owned; is $? 1 "$h: the newline in a value made no line"
	pw "$h" colon owned; is $? 1 "$h: the ':' in a value made no verifier"
	pw "$h" plain owned; is $? 1 "$h: a cleartext userPassword is not used"
	pw "$h" ida ida-pw; is $? 1 "$h: a login two entries claim: neither written"
	pw "$h" ida ida-other; is $? 1 "$h: ... the other one either"
done
L=$(cat "$T/h1/follow.log")
like "$L" 'skipping uid=ev:il.*holds' "logged: a login with ':'"
like "$L" 'skipping uid=longname.*more than one uid' "logged: two uid values"
like "$L" 'nl: a userPassword value skipped' "logged: a value with a newline"
like "$L" 'nul: a userPassword value skipped' "logged: a value with a NUL"
like "$L" 'huge: a userPassword value skipped: longer than 1024' "logged: an oversized value"
like "$L" 'plain: a userPassword value skipped: not \{CRYPT\}' "logged: a cleartext value"
like "$L" 'ida: 2 entries have this login; none written' "logged: the claimed login"
grep -q 'owned' "$T/h1/follow.log"
is $? 1 "the log never holds a password value"

echo "== the provider down: logins go on, changes wait"
slapd_stop prov
pw h1 alice alice-pw; is $? 0 "provider down: h1 login works"
cram h2 henry x; is $? 1 "provider down: h2 still rejects a wrong one"
pw h2 henry henry-pw; is $? 0 "provider down: h2 login works"
printf 'x\n' | C h1 passwd --stdin alice >"$T/out" 2>&1
is $? 111 "provider down: cmd5pw -C passwd fails, 111"
like "$(cat "$T/out")" 'unreachable' "  with a clear message"
slapd_start prov "$PP"
printf 'alice-pw2\n' | C h1 passwd --stdin alice >"$T/out" 2>&1
is $? 0 "provider back: passwd"
reach "a change after the provider came back" 0 pw alice alice-pw2

echo "== a consumer down and back: its follower catches up from its cookie"
slapd_stop c1
sleep 0.2
user_ldif ivan "$(ssha ivan-pw)" | ldap_mod "$PP"
printf 'dn: uid=henry,%s\nchangetype: delete\n\n' "$PEOPLE" | ldap_mod "$PP"
printf 'dn: uid=bob,%s\nchangetype: modify\nreplace: userPassword\nuserPassword: %s\n\n' \
    "$PEOPLE" "$(ssha bob-new)" | ldap_mod "$PP"
d=$(until_rc 0 10000 pw h2 ivan ivan-pw); like "$d" '^[0-9]+$' "c1 down: h2 still follows (add)"
d=$(until_rc 1 10000 pw h2 henry henry-pw); like "$d" '^[0-9]+$' "c1 down: h2 still follows (delete)"
pw h1 henry henry-pw; is $? 0 "c1 down: h1 keeps its replica (henry still there)"
pw h1 ivan ivan-pw; is $? 1 "c1 down: h1 has not seen ivan yet"
sleep 1.5
C h1 status >"$T/out" 2>&1
like "$(cat "$T/out")" 'state: +unreachable' "status: unreachable while c1 is down"
like "$(cat "$T/out")" 'last-error: .*(unreachable|lost)' "status: the last error"
like "$(cat "$T/h1/follow.log")" "directory ldap://127.0.0.1:$C1/ unreachable" \
    "a clear log line: the directory is unreachable"
slapd_start c1 "$C1"
d=$(until_rc 0 15000 pw h1 ivan ivan-pw); like "$d" '^[0-9]+$' "c1 back: h1 caught up (add) in ${d} ms"
d=$(until_rc 1 15000 pw h1 henry henry-pw); like "$d" '^[0-9]+$' "c1 back: h1 caught up (delete made while away)"
d=$(until_rc 0 15000 pw h1 bob bob-new); like "$d" '^[0-9]+$' "c1 back: h1 caught up (passwd)"
grep -q '^henry:' "$T/h1/poppasswd"; is $? 1 "c1 back: henry's line is gone"
d=$(until_rc 0 5000 sh -c "\"$CMD5PW\" -C \"$T/h1/ldap.conf\" status 2>&1 | grep -q 'state: *following'")
like "$d" '^[0-9]+$' "status: following again"

echo "== the follower killed mid-update: the old or the new file"
N=2000
python3 - "$N" "$PEOPLE" >"$T/bulk.ldif" <<'PY'
import sys
n, people = int(sys.argv[1]), sys.argv[2]
for i in range(n):
    print("dn: uid=bulk%d,%s\nchangetype: add\nobjectClass: inetOrgPerson\n"
          "uid: bulk%d\ncn: b\nsn: b\nuserPassword: {SSHA}EwvBq0sMQSLLD3eOSZNmhQqOOkRzYWx0c2FsdA==\n" % (i, people, i))
PY
before=$(wc -l <"$T/h2/poppasswd")
kill "$FOLLOW_h2"; wait "$FOLLOW_h2" 2>/dev/null
ldap_mod "$PP" <"$T/bulk.ldif"
is $? 0 "$N entries added on the provider"
until_rc 0 20000 sh -c "ldapsearch -x -LLL -H ldap://127.0.0.1:$C2/ -b $PEOPLE uid=bulk$((N - 1)) uid | grep -q bulk" >/dev/null
mixed=0 kills=0
for delay in 0.05 0.1 0.15 0.2 0.3 0.4; do
	"$CMD5PW" -C "$T/h2/ldap.conf" follow 2>>"$T/h2/follow.log" &
	p=$!
	sleep "$delay"
	kill -9 "$p" 2>/dev/null && kills=$((kills + 1))
	wait "$p" 2>/dev/null
	n=$(wc -l <"$T/h2/poppasswd")
	if [ "$n" -ne "$before" ] && [ "$n" -ne $((before + N)) ]; then
		mixed=$((mixed + 1))
		echo "# after a kill at $delay s: $n lines (old $before, new $((before + N)))"
	fi
	"$CMD5PW" -f "$T/h2/poppasswd" check >/dev/null 2>&1 || mixed=$((mixed + 1))
done
is "$mixed" 0 "after $kills kill -9 during the update: always the old or the new file, its index in step"
follow h2
d=$(until_rc 0 20000 pw h2 "bulk$((N - 1))" hunter2); like "$d" '^[0-9]+$' "the restarted follower finishes the update"
is "$(wc -l <"$T/h2/poppasswd")" $((before + N)) "  all $N new lines"
# the follower may be writing its state file right now: give it 5 s
d=$(until_rc 0 5000 sh -c "! ls '$T/h2' | grep -q tmp")
like "$d" '^[0-9]+$' "the temp files the kills left are gone ($(ls "$T/h2" | grep tmp | tr '\n' ' '))"

echo "== the state: a snapshot and a journal"
J=$T/h1/poppasswd.ldapsync.journal
[ -s "$J" ]
is $? 0 "the follower's commits went to the journal"
like "$(cat "$T/h1/follow.log")" 'follow: [0-9]+ changes?, [0-9]+ logins written in [0-9]+ ms' \
    "each commit: one log line with its size and time"
kill "$FOLLOW_h1"; wait "$FOLLOW_h1" 2>/dev/null
cp "$T/h1/poppasswd" "$T/h1.before"
cp "$J" "$T/journal.orig"
printf 'E 0123456789abcdef0123456789abcdef torn:{SSHA}xx' >>"$J"
C h1 sync >"$T/out" 2>&1
is $? 0 "sync from the snapshot, the journal and a torn last journal line"
cmp -s "$T/h1.before" "$T/h1/poppasswd"
is $? 0 "  the same replica the follower left"
grep -q '^torn:' "$T/h1/poppasswd"
is $? 1 "  the torn line was never an entry"
cp "$T/journal.orig" "$J"
printf 'X garbage\n' >>"$J"
C h1 sync >"$T/out" 2>&1
is $? 111 "a malformed journal line: 111"
like "$(cat "$T/out")" 'journal:[0-9]+: malformed; run cmd5pw sync --full' "  says what to do"
C h1 sync --full >"$T/out" 2>&1
is $? 0 "sync --full mends it"
[ -e "$J" ]
is $? 1 "  and writes a new snapshot (no journal)"
cmp -s "$T/h1.before" "$T/h1/poppasswd"
is $? 0 "  the same replica"

# the delays, for the note (never an assertion)
sorted=$(printf '%s\n' "${DELAYS[@]}" | sort -n)
cnt=$(printf '%s\n' "${DELAYS[@]}" | wc -l)
echo "# change-to-login delay over $cnt checks: median $(echo "$sorted" | sed -n "$(((cnt + 1) / 2))p") ms, worst $(echo "$sorted" | tail -1) ms (polling every 5 ms, each check a cmd5checkpw exec)"
grep -rq "$ADMINPW" "$T"/h1/*.log "$T"/h2/*.log "$LOG" 2>/dev/null
is $? 1 "the bind password is in no log"
done_testing
