#!/bin/sh
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# tests/deps.sh build|test: install the Debian 12 packages a step needs.
# As root, apt-get installs what is missing; otherwise it says what is
# missing and fails (tests are never skipped for a missing tool).
#
# It leaves the machine alone: apt-get waits for a dpkg lock held by
# another program (unattended-upgrades on a new machine) at most
# DEPS_LOCK_WAIT seconds (default 600), saying who holds it; no service
# starts during the install (a policy-rc.d that answers 101, removed
# afterwards, and only if this script made it); and a daemon the install
# brought (dovecot, fail2ban, slapd) is disabled and stopped afterwards.
# What it installed and how to remove it is printed at the end (README,
# "Tests").
set -u
# Installed with --no-install-recommends, so each package a test uses is
# named here, Perl modules included (swaks --tls needs Net::SSLeay).
build="gcc make libc6-dev pkg-config libssl-dev libcrypt-dev libcdb-dev libacl1-dev openssl"
build="$build libldap-dev"
test="$build tinycdb mandoc valgrind python3 clang libclang-rt-14-dev
 dovecot-core dovecot-imapd dovecot-submissiond swaks ucspi-tcp fail2ban
 procps psmisc daemontools util-linux mount
 libnet-ssleay-perl libio-socket-ssl-perl
 debhelper devscripts lintian fakeroot dpkg-dev acl
 dovecot-pop3d stunnel4 strace"
test="$test slapd ldap-utils"
# the system's files, overridable for tests/t_deps.sh
POLICY_RC_D=${POLICY_RC_D:-/usr/sbin/policy-rc.d}
DPKG_LOCKS=${DPKG_LOCKS:-/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock}
LOCK_WAIT=${DEPS_LOCK_WAIT:-600}
if [ -z "${DEPS_SYSTEMD:-}" ]; then
	DEPS_SYSTEMD=0
	[ -d /run/systemd/system ] && DEPS_SYSTEMD=1	# systemd is PID 1
fi

case "${1:-build}" in
build) want=$build ;;
test) want=$test ;;
*) echo "usage: tests/deps.sh build|test" >&2; exit 2 ;;
esac
missing=
for p in $want; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "missing Debian packages:$missing" >&2
	echo "as root: apt-get install$missing" >&2
	exit 1
fi

# lock_holder: "PID (command)" of a process holding one of DPKG_LOCKS
# (fcntl locks, as dpkg and apt take them: /proc/locks names the inode)
lock_holder() {
	for f in $DPKG_LOCKS; do
		[ -e "$f" ] || continue
		ino=$(stat -c %i "$f") || continue
		# "1: POSIX ADVISORY WRITE PID MAJ:MIN:INODE 0 EOF"; waiters
		# have "->" after the number
		pid=$(awk -v ino="$ino" '$2 != "->" { n = split($6, a, ":");
		    if (a[n] == ino && $5 > 0) { print $5; exit } }' /proc/locks)
		if [ -n "$pid" ]; then
			echo "$pid ($(cat "/proc/$pid/comm" 2>/dev/null || echo '?')) on $f"
			return 0
		fi
	done
	return 1
}
waited=0
while holder=$(lock_holder); do
	if [ "$waited" -eq 0 ]; then
		echo "deps.sh: the dpkg lock is held by $holder:" \
		    "waiting for it, at most $LOCK_WAIT s"
	fi
	if [ "$waited" -ge "$LOCK_WAIT" ]; then
		echo "deps.sh: the dpkg lock is still held by $holder after" \
		    "$LOCK_WAIT s: giving up (DEPS_LOCK_WAIT=seconds to wait" \
		    "longer)" >&2
		exit 1
	fi
	sleep 1
	waited=$((waited + 1))
done
[ "$waited" -gt 0 ] && echo "deps.sh: the dpkg lock is free after $waited s"

# no service starts while we install (invoke-rc.d and deb-systemd-invoke
# ask policy-rc.d; 101: action forbidden)
made_policy=0
if [ ! -e "$POLICY_RC_D" ]; then
	printf '#!/bin/sh\n# made by cmd5checkpw tests/deps.sh: no service starts\nexit 101\n' \
	    >"$POLICY_RC_D" && chmod 755 "$POLICY_RC_D" && made_policy=1
fi
cleanup() { [ "$made_policy" -eq 1 ] && rm -f "$POLICY_RC_D"; made_policy=0; }
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM HUP

echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# slapd without a system instance (no dc=nodomain, nothing on port 389)
case " $missing " in *" slapd "*)
	echo 'slapd slapd/no_configuration boolean true' |
	    debconf-set-selections ;;
esac
# apt waits for the lock too, for a holder that came after our check
apt_opts="-o DPkg::Lock::Timeout=$LOCK_WAIT"
apt-get $apt_opts update -qq >/dev/null &&
    apt-get $apt_opts install -y -qq --no-install-recommends $missing >/dev/null
rc=$?
cleanup

# daemons this install brought stay off (their packages enable them)
units=
for p in $missing; do
	case $p in
	dovecot-core) units="$units dovecot.socket dovecot.service" ;;
	fail2ban) units="$units fail2ban.service" ;;
	slapd) units="$units slapd.service" ;;
	esac
done
if [ -n "$units" ] && command -v systemctl >/dev/null 2>&1; then
	echo "deps.sh: disabling what the install enabled:$units"
	if [ "$DEPS_SYSTEMD" = 1 ]; then
		systemctl disable --now $units >/dev/null 2>&1
	else
		# no systemd running (a container): nothing started, but the
		# packages enabled their units for a later boot
		systemctl disable $units >/dev/null 2>&1
	fi
fi
if [ "$rc" -ne 0 ]; then
	echo "apt-get install failed:$missing" >&2
	exit 1
fi
echo "deps.sh: installed:$missing"
echo "deps.sh: to remove them: apt-get purge$missing && apt-get autoremove --purge"
exit 0
