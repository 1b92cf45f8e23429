#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# san: once
# No seen CRAM-MD5 or APOP exchange logs in again (issue 9).  A listener
# saw one genuine login; every way to present it again, end to end through
# the front-end stand-ins under tcpserver (both AUTH patches, with and
# without CRAM-MD5, -m and auto, qmail-popup), each next to the genuine
# login that must still pass; then the defences one by one on the pipe.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e.sh"

for tool in tcpserver tcprules python3 doveadm swaks; do
	command -v "$tool" >/dev/null || not_ok "$tool installed (tests/deps.sh test)"
done
[ "$FAILS" -eq 0 ] || exit 1

: >"$LOG"
PW=$T/poppasswd
mkpw "$PW" "alice:alice-pw" "bob:$(doveadm pw -s CRAM-MD5 -p bob-pw)"
mkdir -p "$T/queue"
export FAKEQUEUE=$T/queue
# 127.0.0.1 gets CRAM-MD5 from Hoffmann's patch, 127.0.0.2 does not
cat >"$T/tcp.smtp" <<'EOF'
127.0.0.1:allow,SMTPAUTH="+cram"
127.0.0.2:allow,SMTPAUTH=""
:deny
EOF
tcprules "$T/tcp.smtp.cdb" "$T/tcp.tmp" <"$T/tcp.smtp" || not_ok "tcprules"

# One record for the host, as every service on it shares /var/lib/...
CHK=("$CMD5CHECKPW" -f "$PW" -r "$T/replay" -l stderr)
read -r D DA H HA HP P <<<"$(free_ports 6)"
serve() {	# serve NAME PORT standin-args...
	local name=$1 port=$2
	shift 2
	tcpserver -x "$T/tcp.smtp.cdb" -R -H -l mx.test 127.0.0.1 "$port" \
	    python3 "$@" </dev/null >"$T/$name.out" 2>>"$T/$name.log" &
	SERVER_PIDS+=($!)
}
# Dabrowski's patch hands the checker's stderr to the client: the log goes
# to a file through an exec (the PID, hence the parent, stays the same)
serve D "$D" "$TOP/tests/fakesmtpd.py" dabrowski mx.test \
    sh -c 'exec "$0" "$@" 2>>"'"$T/D.log"'"' "${CHK[@]}" -m dabrowski true
serve DA "$DA" "$TOP/tests/fakesmtpd.py" dabrowski mx.test \
    sh -c 'exec "$0" "$@" 2>>"'"$T/DA.log"'"' "${CHK[@]}" true
serve H "$H" "$TOP/tests/fakesmtpd.py" hoffmann "${CHK[@]}" -m hoffmann true
serve HA "$HA" "$TOP/tests/fakesmtpd.py" hoffmann "${CHK[@]}" true
serve HP "$HP" "$TOP/tests/fakesmtpd.py" hoffmann "${CHK[@]}" -m hoffmann -P true
# qmail-pop3d serves ./Maildir of the directory the checker leaves it in
# (here tcpserver's, $T: these logins carry no mailbox identity); as root,
# which only netqmail's qmail-pop3d accepts
mkdir -p "$T/Maildir/new" "$T/Maildir/cur" "$T/Maildir/tmp"
cd "$T" || exit 1
serve P "$P" "$TOP/tests/fakepopup.py" mx.test "${CHK[@]}" -m pop3 \
    env POPUP_FLAVOUR=netqmail python3 "$TOP/tests/fakepop3d.py" Maildir
cd "$TOP" || exit 1
for p in $D $DA $H $HA $HP $P; do
	wait_port "$p" || { not_ok "tcpserver on $p did not start"; exit 1; }
done
ok "six front ends listen"

rc() { timeout 30 python3 "$TOP/tests/replayclient.py" "$@" 2>&1; }
nocram() { SRCIP=127.0.0.2 rc "$@"; }
lastlog() { tail -n 1 "$T/$1.log"; }

# route WANT_CODE LOG REASON_REGEX WHAT client-args...
route() {
	local want=$1 log=$2 re=$3 what=$4
	shift 4
	is "$("$@")" "$want" "$what: $want"
	like "$(lastlog "$log")" "$re" "$what: logged"
}

# ---- Hoffmann's patch with CRAM-MD5 (-m hoffmann) ----
read -r code CH DG <<<"$(rc cram "$H" alice alice-pw)"
is "$code" 235 "hoffmann: a genuine CRAM-MD5 login passes (the one the listener saw)"
like "$CH" "^<[0-9]+\\.[0-9]+@mx\\.test>$" "hoffmann: its challenge is <PID.TIME@TCPLOCALHOST>"
route 535 H 'error .*reason="more fields than any front end writes"' \
    "hoffmann+cram: LOGIN password 'digest\\0<chal>' (one field too many)" \
    rc login "$H" alice "$DG\\x00$CH"
route 535 H 'error .*reason="more fields' \
    "hoffmann+cram: LOGIN password '<chal>\\0digest'" rc login "$H" alice "$CH\\x00$DG"
route 535 H 'fail .*mech=password reason=bad-password .*login="alice"' \
    "hoffmann+cram: PLAIN password 'digest\\0<chal>' is cut at the NUL" \
    rc plain "$H" "\\x00alice\\x00$DG\\x00$CH"
route 535 H 'mech=cram-md5 reason=bad-password' \
    "hoffmann+cram: the same response to a new challenge" rc cram-again "$H" alice "$DG"
route 235 H 'ok .*mech=password .*login="alice"' "hoffmann+cram: genuine LOGIN still passes" \
    rc login "$H" alice alice-pw
route 235 H 'ok .*mech=cram-md5 verifier=cram-md5 .*login="bob"' \
    "hoffmann+cram: genuine CRAM-MD5 against {CRAM-MD5} passes" \
    sh -c "python3 '$TOP/tests/replayclient.py' cram $H bob bob-pw | cut -d' ' -f1"

# ---- Hoffmann's patch without CRAM-MD5: LOGIN is login\0password\0, so
# 'digest\0<chal>' is byte for byte a CRAM-MD5 request ----
route 535 H 'fail .*mech=cram-md5 reason=wrong-parent .*login="alice"' \
    "hoffmann, no cram: LOGIN 'digest\\0<chal>' (byte-identical to CRAM-MD5)" \
    nocram login "$H" alice "$DG\\x00$CH"
route 535 HP 'fail .*mech=cram-md5 reason=replayed-challenge .*login="alice"' \
    "hoffmann -P (parent unchecked), no cram: the record refuses it" \
    nocram login "$HP" alice "$DG\\x00$CH"
route 535 HA 'reason=wrong-parent' "hoffmann auto, no cram: LOGIN 'digest\\0<chal>'" \
    nocram login "$HA" alice "$DG\\x00$CH"
route 535 HA 'reason=wrong-parent' "hoffmann auto, no cram: LOGIN '<chal>\\0digest' (Dabrowski's order)" \
    nocram login "$HA" alice "$CH\\x00$DG"
route 535 H 'error .*reason="-m hoffmann: neither' \
    "hoffmann, no cram: LOGIN '<chal>\\0digest' is no Hoffmann layout" \
    nocram login "$H" alice "$CH\\x00$DG"
route 535 H 'error .*reason="more fields' "hoffmann, no cram: LOGIN 'digest\\0<chal>\\0x' (trailing field)" \
    nocram login "$H" alice "$DG\\x00$CH\\x00x"
route 535 H 'error .*reason="more fields' \
    "hoffmann, no cram: LOGIN 'digest\\0<chal>\\0\\0x' (an empty and a trailing field)" \
    nocram login "$H" alice "$DG\\x00$CH\\x00\\x00x"
route 535 H 'reason=bad-password' "hoffmann, no cram: PLAIN 'digest\\0<chal>' is cut at the NUL" \
    nocram plain "$H" "\\x00alice\\x00$DG\\x00$CH"
# a challenge the client made up, answered by its victim elsewhere
made=$(hmac alice-pw '<a@b>')
route 535 H 'reason=malformed-challenge' "hoffmann, no cram: made-up challenge <a@b>" \
    nocram login "$H" alice "$made\\x00<a@b>"
now=$(date +%s)
for c in "<4242.$((now - 1000))@mx.test> stale-challenge" \
    "<4242.$((now + 1000))@mx.test> future-challenge" \
    "<4242.$now@evil.example> wrong-host"; do
	read -r ch why <<<"$c"
	route 535 HP "reason=$why" "hoffmann -P, no cram: $why $ch" \
	    nocram login "$HP" alice "$(hmac alice-pw "$ch")\\x00$ch"
done
route 235 H 'ok .*mech=password .*login="alice"' "hoffmann, no cram: genuine LOGIN still passes" \
    nocram login "$H" alice alice-pw
route 235 H 'ok .*mech=password .*login="alice"' "hoffmann, no cram: genuine PLAIN still passes" \
    nocram plain "$H" "\\x00alice\\x00alice-pw"
route 535 H 'reason=bad-password' "hoffmann, no cram: wrong LOGIN refused" \
    nocram login "$H" alice alice-px

# ---- Dabrowski's patch: LOGIN is login\0password\0\0 ----
for s in D DA; do
	[ $s = D ] && port=$D m="-m dabrowski" || { port=$DA; m=auto; }
	read -r code CH2 DG2 <<<"$(rc cram "$port" alice alice-pw)"
	is "$code" 235 "dabrowski ($m): a genuine CRAM-MD5 login passes"
	route 535 $s 'error .*reason="more fields' "dabrowski ($m): LOGIN '<chal>\\0digest'" \
	    rc login "$port" alice "$CH2\\x00$DG2"
	route 535 $s 'error .*reason="more fields' "dabrowski ($m): LOGIN 'digest\\0<chal>'" \
	    rc login "$port" alice "$DG2\\x00$CH2"
	route 535 $s 'reason=bad-password' "dabrowski ($m): PLAIN '<chal>\\0digest' is cut at the NUL" \
	    rc plain "$port" "\\x00alice\\x00$CH2\\x00$DG2"
	route 535 $s 'mech=cram-md5 reason=bad-password' "dabrowski ($m): the same response to a new challenge" \
	    rc cram-again "$port" alice "$DG2"
	route 235 $s 'ok .*mech=password .*login="alice"' "dabrowski ($m): genuine LOGIN still passes" \
	    rc login "$port" alice alice-pw
	# the Dabrowski capture, smuggled into Hoffmann without CRAM-MD5
	route 535 HA 'reason=wrong-parent' "dabrowski ($m) capture as hoffmann-auto LOGIN '<chal>\\0digest'" \
	    nocram login "$HA" alice "$CH2\\x00$DG2"
done

# ---- APOP seen on POP3, replayed as an SMTP LOGIN password ----
read -r got TS AD <<<"$(rc apop "$P" alice alice-pw)"
is "$got" OK "qmail-popup: a genuine APOP login passes (the one the listener saw)"
like "$(lastlog P)" 'ok .*mech=apop verifier=plain .*login="alice"' "qmail-popup: logged as apop"
route 535 H 'reason=wrong-parent' "APOP -> hoffmann, no cram: LOGIN 'digest\\0<ts>'" \
    nocram login "$H" alice "$AD\\x00$TS"
route 535 HP 'reason=replayed-challenge' "APOP -> hoffmann -P, no cram: the record refuses it" \
    nocram login "$HP" alice "$AD\\x00$TS"
route 535 HA 'reason=wrong-parent' "APOP -> hoffmann auto, no cram" \
    nocram login "$HA" alice "$AD\\x00$TS"
route 535 H 'error .*reason="more fields' "APOP -> hoffmann+cram LOGIN" \
    rc login "$H" alice "$AD\\x00$TS"
read -r got _ _ <<<"$(rc apop "$P" alice alice-px)"
is "$got" ERR "qmail-popup: a wrong APOP secret is refused"
read -r got _ _ <<<"$(rc apop "$P" alice alice-pw)"
is "$got" OK "qmail-popup: the next genuine APOP passes"
stop_servers
cat "$T"/*.log >>"$LOG"

# ---- the defences one by one, on the pipe (this shell is the parent) ----
A=(-f "$PW")
newchal
d=$(hmac alice-pw "$CHAL")
auth 0 "pipe: a fresh challenge of our own passes" alice "$d" "$CHAL" -- -m hoffmann "${A[@]}" true
auth 1 "pipe: the same bytes again are refused" alice "$d" "$CHAL" -- -m hoffmann "${A[@]}" true
like "$(tail -n 1 "$LOG")" 'reason=replayed-challenge' "pipe: logged as replayed-challenge"
auth 1 "pipe: ... in the other order too (one challenge, one login)" alice "$CHAL" "$d" -- -m dabrowski "${A[@]}" true
auth 1 "pipe: ... for another login too" bob "$(hmac bob-pw "$CHAL")" "$CHAL" -- -m hoffmann "${A[@]}" true
auth 1 "pipe: ... with the parent check off too" alice "$d" "$CHAL" -- -P -m hoffmann "${A[@]}" true
# a wrong response uses up its challenge as well
newchal
auth 1 "pipe: a wrong response" alice "$(hmac alice-px "$CHAL")" "$CHAL" -- "${A[@]}" true
auth 1 "pipe: then the right one to the same challenge is refused" alice "$(hmac alice-pw "$CHAL")" "$CHAL" -- "${A[@]}" true
like "$(tail -n 1 "$LOG")" 'reason=replayed-challenge' "pipe: logged as replayed-challenge"

# the parent: PID 1 is never our shell's
c1="<1.$(date +%s)@mx.test>"
auth 1 "pipe: another process's challenge" alice "$(hmac alice-pw "$c1")" "$c1" -- "${A[@]}" true
like "$(tail -n 1 "$LOG")" 'reason=wrong-parent' "pipe: logged as wrong-parent"
auth 0 "pipe: -P (a forking wrapper) lets it through, once" alice "$(hmac alice-pw "$c1")" "$c1" -- -P "${A[@]}" true
auth 1 "pipe: -P: the second time the record refuses it" alice "$(hmac alice-pw "$c1")" "$c1" -- -P "${A[@]}" true

# the window: -w, the forward slack, malformed challenges
now=$(date +%s)
c="<$$.$((now - 100))@mx.test>"
auth 1 "pipe: 100 s old with -w 60" alice "$(hmac alice-pw "$c")" "$c" -- -w 60 "${A[@]}" true
like "$(tail -n 1 "$LOG")" 'reason=stale-challenge' "pipe: logged as stale-challenge"
auth 0 "pipe: 100 s old with the default 300 s" alice "$(hmac alice-pw "$c")" "$c" -- "${A[@]}" true
c="<$$.$((now - 400))@mx.test>"
auth 1 "pipe: 400 s old with the default 300 s" alice "$(hmac alice-pw "$c")" "$c" -- "${A[@]}" true
c="<$$.$((now + 2))@mx.test>"
auth 0 "pipe: 2 s ahead (clock slack)" alice "$(hmac alice-pw "$c")" "$c" -- "${A[@]}" true
c="<$$.$((now + 60))@mx.test>"
auth 1 "pipe: 60 s ahead" alice "$(hmac alice-pw "$c")" "$c" -- "${A[@]}" true
like "$(tail -n 1 "$LOG")" 'reason=future-challenge' "pipe: logged as future-challenge"
for c in '<a@b>' "<0$$.$now@h>" "<$$.$now@>" "<$$.$now@h@i>" "<$$.x$now@h>" "<$$$now@h>"; do
	auth 1 "pipe: malformed $c" alice "$(hmac alice-pw "$c")" "$c" -- "${A[@]}" true
	like "$(tail -n 1 "$LOG")" 'reason=malformed-challenge' "pipe: $c logged as malformed-challenge"
done
for w in 0 86401 x; do
	auth 2 "pipe: -w $w is misuse" alice alice-pw "" -- -w "$w" "${A[@]}" true
done

# the host: -H, and TCPLOCALHOST under -m hoffmann only (each challenge
# its own host, so none is a replay of another)
newchal h1.test
auth 1 "pipe: -H other.test refuses h1.test" alice "$(hmac alice-pw "$CHAL")" "$CHAL" -- -H other.test "${A[@]}" true
like "$(tail -n 1 "$LOG")" 'reason=wrong-host' "pipe: logged as wrong-host"
newchal h2.test
auth 0 "pipe: -H h2.test passes h2.test" alice "$(hmac alice-pw "$CHAL")" "$CHAL" -- -H h2.test "${A[@]}" true
newchal h3.test
TCPLOCALHOST=other.test auth 1 "pipe: -m hoffmann checks TCPLOCALHOST" alice "$(hmac alice-pw "$CHAL")" "$CHAL" -- -m hoffmann "${A[@]}" true
like "$(tail -n 1 "$LOG")" 'reason=wrong-host' "pipe: logged as wrong-host"
newchal h4.test
TCPLOCALHOST=other.test auth 0 "pipe: -m dabrowski never assumes TCPLOCALHOST (its own HOST argument)" alice "$CHAL" "$(hmac alice-pw "$CHAL")" -- -m dabrowski "${A[@]}" true
newchal h5.test
TCPLOCALHOST=other.test auth 0 "pipe: -m pop3 never assumes TCPLOCALHOST" alice "$(apop alice-pw "$CHAL")" "$CHAL" -- -m pop3 "${A[@]}" true
newchal h6.test
TCPLOCALHOST=h6.test auth 0 "pipe: -m hoffmann with its TCPLOCALHOST passes" alice "$(hmac alice-pw "$CHAL")" "$CHAL" -- -m hoffmann "${A[@]}" true
newchal h7.test
TCPLOCALHOST=other.test auth 0 "pipe: -H beats TCPLOCALHOST" alice "$(hmac alice-pw "$CHAL")" "$CHAL" -- -m hoffmann -H h7.test "${A[@]}" true

# APOP and a 32-hex USER/PASS password under -m pop3 hang on the timestamp
newchal
auth 0 "pipe: APOP" alice "$(apop alice-pw "$CHAL")" "$CHAL" -- -m pop3 "${A[@]}" true
auth 1 "pipe: the same APOP again" alice "$(apop alice-pw "$CHAL")" "$CHAL" -- -m pop3 "${A[@]}" true
auth 0 "pipe: USER/PASS needs no fresh timestamp" alice alice-pw "<1.2@h>" -- -m pop3 "${A[@]}" true

# a record that cannot be used: CRAM-MD5/APOP fail 111, LOGIN/PLAIN work
newchal
auth 111 "pipe: record in a missing directory: CRAM-MD5 111" alice "$(hmac alice-pw "$CHAL")" "$CHAL" -- -r "$T/none/replay" "${A[@]}" true
like "$(tail -n 1 "$LOG")" "error mech=cram-md5 reason=\"replay record $T/none/replay: cannot open.*login=\"alice\"" "pipe: the 111 is logged with the path"
auth 0 "pipe: record in a missing directory: PLAIN works" alice alice-pw "" -- -r "$T/none/replay" "${A[@]}" true
mkdir "$T/dir"
newchal
auth 111 "pipe: record is a directory: 111" alice "$(hmac alice-pw "$CHAL")" "$CHAL" -- -r "$T/dir" "${A[@]}" true
newchal
auth 111 "pipe: APOP with no record: 111" alice "$(apop alice-pw "$CHAL")" "$CHAL" -- -m pop3 -r "$T/none/replay" "${A[@]}" true
cp "$REPLAY" "$T/ww"; chmod 666 "$T/ww"
newchal
auth 111 "pipe: a record writable by others: 111" alice "$(hmac alice-pw "$CHAL")" "$CHAL" -- -r "$T/ww" "${A[@]}" true
like "$(tail -n 1 "$LOG")" 'writable by others' "pipe: says why"
ln -s "$REPLAY" "$T/link"
newchal
auth 111 "pipe: a record behind a symbolic link: 111" alice "$(hmac alice-pw "$CHAL")" "$CHAL" -- -r "$T/link" "${A[@]}" true
head -c 4096 /dev/urandom >"$T/junk"; chmod 660 "$T/junk"
newchal
auth 0 "pipe: a damaged record is made anew" alice "$(hmac alice-pw "$CHAL")" "$CHAL" -- -r "$T/junk" "${A[@]}" true
like "$(grep -a 'replay record' "$LOG" | tail -n 1)" "warning reason=\"replay record $T/junk was unusable and is made anew\"" "pipe: the remade record is logged"
auth 1 "pipe: ... and works at once" alice "$(hmac alice-pw "$CHAL")" "$CHAL" -- -r "$T/junk" "${A[@]}" true
rm -f "$T/new"
newchal
(umask 077; auth 0 "pipe: a new record (umask 077)" alice "$(hmac alice-pw "$CHAL")" "$CHAL" -- -P -r "$T/new" "${A[@]}" true)
is "$(stat -c %a "$T/new")" 660 "pipe: a new record is mode 660 whatever the umask (the front ends' group shares it)"

# many replays at once: exactly one gets in (-P: the subshells are parents)
newchal
d=$(hmac alice-pw "$CHAL")
for i in $(seq 12); do
	(printf 'alice\0%s\0%s\0' "$d" "$CHAL" | "$CMD5CHECKPW" -l none -P -r "$REPLAY" "${A[@]}" true 3<&0
	 echo $? >"$T/par.$i") &
done
wait
is "$(grep -c '^0$' "$T"/par.* | grep -c ':1$') $(grep -c '^1$' "$T"/par.* | grep -c ':1$')" "1 11" \
    "pipe: 12 concurrent uses of one challenge: one 0, eleven 1"

# empty plaintext verifiers prove nothing (HMAC with an empty key is anyone's)
mkpw "$T/empty" 'e:{PLAIN}' 'x:{PLAIN}x'
for u in e x; do
	[ $u = e ] && want=1 key= || { want=0; key=x; }
	newchal
	auth $want "pipe: CRAM-MD5 against $u's {PLAIN}$key (want $want)" $u "$(hmac "$key" "$CHAL")" "$CHAL" -- -f "$T/empty" true
	newchal
	auth $want "pipe: APOP against $u's {PLAIN}$key (want $want)" $u "$(apop "$key" "$CHAL")" "$CHAL" -- -m pop3 -f "$T/empty" true
done
done_testing
