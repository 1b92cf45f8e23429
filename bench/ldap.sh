#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# bench/ldap.sh: make bench-ldap (needs slapd, ldap-utils; not part of
# make bench, which runs without servers).  On a local slapd with N users
# (default 1000000; LDAP_BENCH_N=100000 for a quicker run):
#   1. a full sync of N entries into a replica: time and peak RSS (refresh
#      with the sync control, and by paged search);
#   2. a login on that replica (cmd5checkpw) vs a per-login LDAP lookup
#      the qmail-ldap way (bench/ldaplookup: connect, bind, search, check),
#      both fork+exec, interleaved, medians and ratios (bench/bench -c);
#   3. change-to-login latency: a follower on the directory, a password
#      changed with ldapmodify, until cmd5checkpw takes the new one.
# Output in bench/out/ldap/; a summary on stdout.
set -u
cd "$(dirname "$0")/.." || exit 2
TOP=$(pwd)
N=${LDAP_BENCH_N:-1000000}
ROUNDS=${LDAP_BENCH_ROUNDS:-300}
CHANGES=${LDAP_BENCH_CHANGES:-20}
O=$TOP/bench/out/ldap
rm -rf "$O"
mkdir -p "$O"
T=$O
. tests/ldapenv.sh
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; slapd_stop prov; }
trap cleanup EXIT
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

echo "== $N users into a local slapd (slapadd)"
make_ca || exit 1
slapd_conf prov "$P"
python3 - "$N" "$PEOPLE" "$SUFFIX" >"$O/users.ldif" <<'PY'
import base64, hashlib, os, sys
n, people, suffix = int(sys.argv[1]), sys.argv[2], sys.argv[3]
w = sys.stdout.write
w("dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: example\n"
  "o: Example\n\ndn: %s\nobjectClass: organizationalUnit\nou: people\n\n"
  % (suffix, people))
for i in range(n):
    salt = os.urandom(8)
    h = hashlib.sha1(("pw%d" % i).encode() + salt).digest()
    w("dn: uid=u%d,%s\nobjectClass: inetOrgPerson\nuid: u%d\ncn: u\nsn: u\n"
      "userPassword: {SSHA}%s\n\n" % (i, people, i,
      base64.b64encode(h + salt).decode()))
PY
t0=$(date +%s.%N)
slapadd -q -f "$T/prov.conf" -l "$O/users.ldif" >"$O/slapadd.log" 2>&1 ||
    { echo "slapadd failed: $(tail -3 "$O/slapadd.log")"; exit 1; }
echo "slapadd: $(echo "$(date +%s.%N) - $t0" | bc) s"
slapd_start prov "$P" || exit 1
host_conf h "$P" "page-size 1000"
# the replica on the mail host: sync with the sync control
echo "== full sync of $N entries"
C() { "$TOP/cmd5pw" -C "$T/h/ldap.conf" "$@"; }
for how in "sync --full" "sync --paged"; do
	rm -f "$T/h/poppasswd"*
	/usr/bin/time -f '%e s %M KiB' -o "$O/time" \
	    "$TOP/cmd5pw" -C "$T/h/ldap.conf" $how >"$O/sync.log" 2>&1 ||
	    { echo "$how failed: $(tail -3 "$O/sync.log")"; exit 1; }
	printf '%-14s %s elapsed, peak RSS %s (%s lines)\n' "$how:" \
	    "$(cut -d' ' -f1,2 "$O/time")" "$(cut -d' ' -f3,4 "$O/time")" \
	    "$(wc -l <"$T/h/poppasswd")"
done
rm -f "$T/h/poppasswd"*
/usr/bin/time -f '%e s %M KiB' -o "$O/time" "$TOP/cmd5pw" -C "$T/h/ldap.conf" sync >/dev/null 2>&1
/usr/bin/time -f '%e s %M KiB' -o "$O/time2" "$TOP/cmd5pw" -C "$T/h/ldap.conf" sync >/dev/null 2>&1
printf '%-14s %s elapsed, peak RSS %s (nothing changed)\n' "sync (cookie):" \
    "$(cut -d' ' -f1,2 "$O/time2")" "$(cut -d' ' -f3,4 "$O/time2")"

echo "== a login: the replica vs a per-login LDAP lookup ($ROUNDS rounds each)"
k=$((N / 2))
printf 'u%d\0pw%d\0' "$k" "$k" >"$O/fd3"
bench/bench -c "$ROUNDS" "$O/fd3" "bench/noop" \
    "./cmd5checkpw -l none -f $T/h/poppasswd bench/noop" \
    "bench/ldaplookup ldap://127.0.0.1:$P/ $PEOPLE $ADMIN $ADMINPW bench/noop" |
    tee "$O/login.txt"

echo "== change-to-login latency ($CHANGES changes, a follower, coalesce-ms 20)"
"$TOP/cmd5pw" -C "$T/h/ldap.conf" follow 2>"$O/follow.log" &
PID=$!
sleep 1
lat=()
for i in $(seq "$CHANGES"); do
	u=$((i * 7919 % N))
	pw=new$i-$RANDOM
	v=$(python3 -c '
import base64, hashlib, os, sys
s = os.urandom(8)
print("{SSHA}" + base64.b64encode(hashlib.sha1(sys.argv[1].encode() + s).digest() + s).decode())' "$pw")
	t0=$(date +%s%N)
	printf 'dn: uid=u%d,%s\nchangetype: modify\nreplace: userPassword\nuserPassword: %s\n\n' \
	    "$u" "$PEOPLE" "$v" | ldap_mod "$P"
	while ! printf 'u%d\0%s\0' "$u" "$pw" | ./cmd5checkpw -l none \
	    -f "$T/h/poppasswd" true 3<&0 </dev/null >/dev/null 2>&1; do
		[ $(($(date +%s%N) - t0)) -gt 60000000000 ] && break
		sleep 0.002
	done
	lat+=($((($(date +%s%N) - t0) / 1000000)))
done
s=$(printf '%s\n' "${lat[@]}" | sort -n)
echo "change-to-login: median $(echo "$s" | sed -n "$(((CHANGES + 1) / 2))p") ms, worst $(echo "$s" | tail -1) ms, best $(echo "$s" | head -1) ms (each: ldapmodify + the follower's whole-file transaction at $N lines + the first cmd5checkpw that accepts)"
