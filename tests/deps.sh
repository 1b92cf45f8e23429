#!/bin/sh
# tests/deps.sh build|test: install the Debian 12 packages a step needs.
# As root, apt-get installs what is missing; otherwise it says what is
# missing and fails (tests are never skipped for a missing tool).
set -u
build="gcc make libc6-dev pkg-config libssl-dev libcrypt-dev libcdb-dev openssl"
test="$build tinycdb mandoc valgrind python3 clang libclang-rt-14-dev
 dovecot-core dovecot-imapd dovecot-submissiond swaks ucspi-tcp fail2ban
 procps psmisc daemontools util-linux mount
 debhelper devscripts lintian fakeroot dpkg-dev"
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
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null &&
    apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
    { echo "apt-get install failed:$missing" >&2; exit 1; }
