#!/bin/bash
# t_timing.sh: an unknown login costs what a wrong password costs, so the
# time of a refusal does not tell whether a login exists.  For files of
# plaintext, yescrypt and {CRAM-MD5} verifiers, by text scan and by index:
# many runs of each, interleaved pair by pair (tests/timing.py).  Passes
# when the median of the paired differences is within 5% of the median
# time: on a shared, noisy machine that holds where comparing the two
# medians may not (a load burst during the A runs only), and the two
# medians are printed too.  A comparison that misses is repeated, up to 3
# times, before it counts as a failure.
. "$(dirname "$0")/lib.sh"

if ! make -s -C "$TOP" tests/mkindex >"$T/make.out" 2>&1; then
	not_ok "build tests/mkindex ($(tail -2 "$T/make.out" | tr '\n' ' '))"
	exit 1
fi
MKINDEX=$TOP/tests/mkindex

# mkfile FILE FIELD: 300 logins u0..u299 with the same verifier field
mkfile() {
	local i
	for i in $(seq 0 299); do printf 'u%d:%s\n' "$i" "$2"; done >"$1"
	chmod 640 "$1"
}
mkfile "$T/plain" 'tanstaaftanstaaf'
mkfile "$T/yescrypt" "$(sed -n 's/^alice://p' "$TOP/poppasswd.example" | cut -d: -f1)"
mkfile "$T/cram" "$(sed -n 's/^bob://p' "$TOP/poppasswd.example")"
for f in plain yescrypt cram; do
	mkdir -p "$T/idx"
	cp -p "$T/$f" "$T/idx/$f"
	"$MKINDEX" "$T/idx/$f" || not_ok "mkindex $f"
done

# compare WHAT FILE N WRONG_PASSWORD SOURCE
compare() {
	local what=$1 file=$2 n=$3 pass=$4 src=$5 try res a b d pd rcs
	# the log says the two requests took the path we mean to time
	printf 'u150\0%s\0\0' "$pass" | "$CMD5CHECKPW" -l stderr -f "$file" true \
	    3<&0 </dev/null >/dev/null 2>"$T/log.a"
	printf 'nosuchuser\0%s\0\0' "$pass" | "$CMD5CHECKPW" -l stderr -f "$file" \
	    true 3<&0 </dev/null >/dev/null 2>"$T/log.b"
	cat "$T/log.a" "$T/log.b" >>"$LOG"
	like "$(cat "$T/log.a")" "reason=bad-password source=$src" \
	    "$what: wrong password refused via $src"
	like "$(cat "$T/log.b")" "reason=unknown-login source=$src" \
	    "$what: unknown login refused via $src"
	for try in 1 2 3; do
		res=$(python3 "$TOP/tests/timing.py" "$n" "$CMD5CHECKPW" -l none \
		    -f "$file" true -- u150 "$pass" -- nosuchuser "$pass")
		read -r a b d pd rcs <<<"$res"
		[ "$rcs" = 1 ] && awk -v d="$pd" 'BEGIN { exit !(d <= 5) }' &&
		    break
	done
	if [ "$rcs" = 1 ] && awk -v d="$pd" 'BEGIN { exit !(d <= 5) }'; then
		ok "$what: wrong password ${a}us, unknown login ${b}us (medians of $n each differ $d%, paired $pd%, try $try)"
	else
		not_ok "$what: wrong password ${a}us, unknown login ${b}us (medians of $n each differ $d%, paired $pd% > 5%, exits $rcs, 3 tries)"
	fi
}

compare "plaintext, text scan" "$T/plain" 300 wrong-password text
compare "plaintext, index" "$T/idx/plain" 300 wrong-password index
compare "yescrypt, text scan" "$T/yescrypt" 80 wonderlamb text
compare "yescrypt, index" "$T/idx/yescrypt" 80 wonderlamb index
compare "{CRAM-MD5}, text scan" "$T/cram" 300 Test text
compare "{CRAM-MD5}, index" "$T/idx/cram" 300 Test index

# A mixed file whose first entry is plaintext: an unknown login is checked
# against the first crypt entry, so it costs what a yescrypt login costs.
{ printf 'u0:tanstaaftanstaaf\n'; sed 1d "$T/yescrypt"; } >"$T/mixed"
chmod 640 "$T/mixed"
cp -p "$T/mixed" "$T/idx/mixed"
"$MKINDEX" "$T/idx/mixed" || not_ok "mkindex mixed"
compare "mixed, plaintext first, text scan" "$T/mixed" 80 wonderlamb text
compare "mixed, plaintext first, index" "$T/idx/mixed" 80 wonderlamb index

# Control: the method sees a difference when there is one: a wrong
# password for a yescrypt login (u150) costs a yescrypt hash; one for the
# plaintext login (u0) does not.
res=$(python3 "$TOP/tests/timing.py" 40 "$CMD5CHECKPW" -l none -f "$T/mixed" true \
    -- u150 wonderlamb -- u0 wonderlamb)
read -r a b d pd rcs <<<"$res"
if awk -v d="$pd" 'BEGIN { exit !(d > 50) }'; then
	ok "control: yescrypt login ${a}us vs plaintext login ${b}us is seen (paired $pd%)"
else
	not_ok "control: yescrypt login ${a}us vs plaintext login ${b}us not told apart (paired $pd%)"
fi
done_testing
