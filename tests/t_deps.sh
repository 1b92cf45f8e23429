#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# tests/deps.sh leaves the machine alone: it waits (bounded) for a held
# dpkg lock and names the holder, no service starts during its install
# (policy-rc.d answers 101, and is removed after only if deps.sh made it),
# daemons the install enabled are disabled, and it says how to remove what
# it installed.  apt-get, dpkg-query and systemctl are stand-ins on PATH
# that record what they were asked; the lock is a real fcntl lock.
. "$(dirname "$0")/lib.sh"

DEPS=$TOP/tests/deps.sh
S=$T/bin
mkdir "$S"
export POLICY_RC_D=$T/policy-rc.d DPKG_LOCKS=$T/lock
touch "$T/lock"
# dpkg-query: a package is installed when it is listed in $T/have
cat >"$S/dpkg-query" <<EOF
#!/bin/sh
for a; do p=\$a; done
grep -qx "\$p" "$T/have" 2>/dev/null && echo 'install ok installed' && exit 0
exit 1
EOF
# apt-get: records its arguments and what policy-rc.d says meanwhile
cat >"$S/apt-get" <<EOF
#!/bin/sh
if [ -x "\$POLICY_RC_D" ]; then "\$POLICY_RC_D" dovecot start; r=\$?; else r=none; fi
echo "apt-get \$* policy=\$r" >>"$T/apt.log"
exit \${APT_RC:-0}
EOF
cat >"$S/systemctl" <<EOF
#!/bin/sh
echo "systemctl \$*" >>"$T/systemctl.log"
EOF
chmod 755 "$S"/*
run_deps() {
	rm -f "$T/apt.log" "$T/systemctl.log"
	PATH=$S:$PATH sh "$DEPS" "$@" >"$T/out" 2>&1
}
: >"$T/have"

echo "== a fresh machine"
DEPS_SYSTEMD=1 run_deps test
is "$?" 0 "deps.sh test installs what is missing"
like "$(grep ' install ' "$T/apt.log")" 'policy=101' "no service may start during the install (policy-rc.d: 101)"
[ -e "$POLICY_RC_D" ] && not_ok "the policy-rc.d it made is removed after" ||
    ok "the policy-rc.d it made is removed after"
like "$(grep ' install ' "$T/apt.log")" '--no-install-recommends' "installs without recommends"
for p in libnet-ssleay-perl libio-socket-ssl-perl swaks dovecot-core lintian; do
	like "$(grep ' install ' "$T/apt.log")" " $p( |$)" "names $p explicitly"
done
like "$(grep ' install ' "$T/apt.log")" 'DPkg::Lock::Timeout=600' "apt-get waits for the lock too (bounded)"
like "$(cat "$T/systemctl.log" 2>/dev/null)" '^systemctl disable --now .*dovecot\.service.*fail2ban\.service' \
    "systemd as PID 1: the daemons it installed are disabled and stopped"
like "$(cat "$T/out")" 'to remove them: apt-get purge .*dovecot-core' "says how to remove what it installed"
DEPS_SYSTEMD=0 run_deps test
like "$(cat "$T/systemctl.log" 2>/dev/null)" '^systemctl disable dovecot' "no systemd running: the units are still disabled"
is "$(grep -c -- '--now' "$T/systemctl.log" 2>/dev/null)" 0 "and nothing is stopped there"

echo "== an admin's own policy-rc.d"
printf '#!/bin/sh\nexit 0\n' >"$POLICY_RC_D"
chmod 755 "$POLICY_RC_D"
cp "$POLICY_RC_D" "$T/own"
DEPS_SYSTEMD=0 run_deps test
is "$?" 0 "deps.sh with a policy-rc.d of the admin's"
like "$(grep ' install ' "$T/apt.log")" 'policy=0' "it is not replaced"
cmp -s "$POLICY_RC_D" "$T/own" && ok "and it is left as it was" || not_ok "and it is left as it was"
rm -f "$POLICY_RC_D"

echo "== apt-get fails"
APT_RC=100 DEPS_SYSTEMD=0 run_deps build
is "$?" 1 "a failed install fails deps.sh"
like "$(cat "$T/out")" 'apt-get install failed' "and says so"
[ -e "$POLICY_RC_D" ] && not_ok "policy-rc.d removed after a failure too" ||
    ok "policy-rc.d removed after a failure too"

echo "== nothing missing"
printf "%s\n" gcc make libc6-dev pkg-config libssl-dev libcrypt-dev libcdb-dev libacl1-dev openssl libldap-dev >"$T/have"
run_deps build
is "$?:$(cat "$T/out")" "0:" "nothing missing: exit 0, silent"
[ -e "$T/apt.log" ] && not_ok "and apt-get is not run" || ok "and apt-get is not run"
: >"$T/have"

echo "== the dpkg lock is held"
hold_lock() {	# hold_lock SECONDS: an fcntl lock on $T/lock, as dpkg takes it
	python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "w"); fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[1] + ".held", "w").close(); time.sleep(float(sys.argv[2]))' \
	    "$T/lock" "$1" &
	holder=$!
	for _ in $(seq 50); do [ -e "$T/lock.held" ] && break; sleep 0.1; done
}
hold_lock 5
t0=$(date +%s)
DEPS_LOCK_WAIT=1 DEPS_SYSTEMD=0 run_deps build
rc=$?
is "$rc" 1 "a lock held past DEPS_LOCK_WAIT: deps.sh gives up"
like "$(cat "$T/out")" "held by $holder \\(python3\\)" "it names the holder's PID and command"
like "$(cat "$T/out")" 'waiting for it, at most 1 s' "it says it waits, and how long"
[ -e "$T/apt.log" ] && not_ok "apt-get is not run while the lock is held" ||
    ok "apt-get is not run while the lock is held"
[ $(($(date +%s) - t0)) -le 4 ] && ok "the wait is bounded" || not_ok "the wait is bounded"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null; rm -f "$T/lock.held"
hold_lock 2
DEPS_LOCK_WAIT=20 DEPS_SYSTEMD=0 run_deps build
is "$?" 0 "a lock freed within DEPS_LOCK_WAIT: deps.sh goes on"
like "$(cat "$T/out")" 'the dpkg lock is free after [0-9]+ s' "and says when it got it"
[ -s "$T/apt.log" ] && ok "then installs" || not_ok "then installs"
wait "$holder" 2>/dev/null
done_testing
