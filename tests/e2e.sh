# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# tests/e2e.sh: sourced (after lib.sh) by the tests that run real servers.
# Servers listen on 127.0.0.1, on ports found free at run time; each one is
# recorded by PID and stopped when the test exits, whatever happens.
SERVER_PIDS=()

stop_servers() {
	local p i
	for p in "${SERVER_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${SERVER_PIDS[@]}"; do
		for i in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
	done
	SERVER_PIDS=()
}
trap 'stop_servers; rm -rf "$T"' EXIT

# free_ports N: N distinct loopback ports nobody listens on right now
free_ports() {
	python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# wait_port PORT [TENTHS]: until something accepts on 127.0.0.1:PORT
wait_port() {
	local i
	for i in $(seq "${2:-100}"); do
		(exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# start NAME COMMAND...: run a server in the background, keep its PID
start() {
	local name=$1
	shift
	"$@" >"$T/$name.out" 2>&1 </dev/null &
	SERVER_PIDS+=($!)
}

# crypthash PREFIX PASSWORD [COST]: a libxcrypt hash (tests/crypthash.py)
crypthash() { python3 "$TOP/tests/crypthash.py" "$@"; }

# mkusers FILE: a password file with one login per verifier kind the file
# format supports, and PW[login] (the right secret), KIND[login] set.
# frank's entry is disabled ('!').  USERS lists the usable logins.
declare -A PW KIND
mkusers() {
	PW=([alice]=alice-pw [bob]=bob-pw [carol]='carol pw' [dave]=dave-pw
	    [erin]=erin-pw)
	KIND=([alice]=plaintext [bob]={CRAM-MD5} [carol]=yescrypt
	    [dave]=sha512-crypt [erin]=bcrypt)
	USERS="alice bob carol dave erin"
	mkpw "$1" \
	    "# one login per verifier kind" \
	    "alice:${PW[alice]}" \
	    "bob:$(doveadm pw -s CRAM-MD5 -p "${PW[bob]}")" \
	    "carol:$(crypthash '$y$' "${PW[carol]}")" \
	    "dave:$(crypthash '$6$' "${PW[dave]}")" \
	    "erin:$(crypthash '$2b$' "${PW[erin]}" 4)" \
	    "frank:!$(crypthash '$6$' frank-pw)"
}

# f2b_check NAME LOGFILE: contrib/fail2ban/cmd5checkpw.conf, run by
# fail2ban-regex on log lines this suite made: every failed login (with a
# remote address, not a Dovecot userdb lookup) matches, with its remote=
# address; ok lines, lookups and error lines match nothing.
f2b_check() {
	local name=$1 file=$2 filter=$TOP/contrib/fail2ban/cmd5checkpw.conf
	local want got
	grep -E 'cmd5checkpw(\[[0-9]+\])?: fail remote=' "$file" |
	    grep -v ' mech=lookup ' >"$T/f2b.pos"
	want=$(grep -c . "$T/f2b.pos")
	got=$(fail2ban-regex -r -o ip "$file" "$filter" 2>&1)
	[ "$want" -gt 0 ] || not_ok "fail2ban ($name): the log has failed logins"
	is "$(printf '%s\n' "$got" | grep -c .)" "$want" \
	    "fail2ban ($name): all $want failed logins matched"
	is "$(printf '%s\n' "$got" | sort | tr '\n' ' ')" \
	    "$(sed -E 's/.*: fail remote=([^ ]+).*/\1/' "$T/f2b.pos" | sort | tr '\n' ' ')" \
	    "fail2ban ($name): each match took the line's remote= address"
	grep -E 'cmd5checkpw(\[[0-9]+\])?: (ok |error |fail (remote=[^ ]+ )?mech=lookup )' \
	    "$file" >"$T/f2b.neg"
	want=$(grep -c . "$T/f2b.neg")
	[ "$want" -gt 0 ] || not_ok "fail2ban ($name): the log has ok lines"
	is "$(fail2ban-regex -r -o ip "$T/f2b.neg" "$filter" 2>&1 | grep -c .)" 0 \
	    "fail2ban ($name): none of $want ok/lookup/error lines matched"
}
