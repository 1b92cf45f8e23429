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
