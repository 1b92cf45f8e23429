# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# tests/ldapenv.sh: sourced after lib.sh.  Real slapd instances on loopback
# (PROTOCOLS.md, OpenLDAP): a CA made here, one provider (syncprov), two
# consumers (syncrepl refreshAndPersist over StartTLS, each with syncprov
# so a mail host can follow it), and "mail hosts": a replica each.
SLAPD=${SLAPD:-/usr/sbin/slapd}
SUFFIX=dc=example,dc=org
ADMIN=cn=admin,$SUFFIX
ADMINPW=secret-admin-pw
PEOPLE=ou=people,$SUFFIX

# make_ca: $T/ca.pem and a server certificate for 127.0.0.1 (P-256)
make_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$T/ca.key" -out "$T/ca.pem" -days 2 -subj /CN=test-ca \
	    2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$T/srv.key" -out "$T/srv.csr" -subj /CN=127.0.0.1 \
	    2>/dev/null &&
	printf 'subjectAltName=IP:127.0.0.1\n' >"$T/srv.ext" &&
	openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" \
	    -CAcreateserial -out "$T/srv.pem" -days 2 -extfile "$T/srv.ext" \
	    2>/dev/null
}

# slapd_conf NAME PORT [PROVIDER_PORT]: $T/NAME.conf
slapd_conf() {
	local n=$1 port=$2 prov=${3:-}
	mkdir -p "$T/$n.db"
	cat >"$T/$n.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload syncprov
pidfile $T/$n.pid
TLSCACertificateFile $T/ca.pem
TLSCertificateFile $T/srv.pem
TLSCertificateKeyFile $T/srv.key
sizelimit unlimited
database mdb
suffix "$SUFFIX"
rootdn "$ADMIN"
rootpw $ADMINPW
directory $T/$n.db
maxsize 4294967296
index objectClass,entryUUID,entryCSN eq
index uid,mail eq
access to * by * read
EOF
	if [ -n "$prov" ]; then
		cat >>"$T/$n.conf" <<EOF
syncrepl rid=001 provider=ldap://127.0.0.1:$prov/ type=refreshAndPersist
  retry="1 +" searchbase="$SUFFIX" bindmethod=simple binddn="$ADMIN"
  credentials=$ADMINPW starttls=critical tls_cacert=$T/ca.pem
  tls_reqcert=demand
EOF
	fi
	cat >>"$T/$n.conf" <<EOF
overlay syncprov
syncprov-checkpoint 10 1
syncprov-sessionlog 1000
EOF
}

# slapd_start NAME PORT: started, answering, its pid in $T/NAME.spid
slapd_start() {
	local n=$1 port=$2 i
	"$SLAPD" -h "ldap://127.0.0.1:$port/" -f "$T/$n.conf" -d 0 \
	    >>"$T/$n.log" 2>&1 &
	echo $! >"$T/$n.spid"
	for i in $(seq 100); do
		ldapsearch -x -LLL -H "ldap://127.0.0.1:$port/" -b "" -s base \
		    >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "slapd $n did not start: $(tail -3 "$T/$n.log")" >&2
	return 1
}

slapd_stop() {
	local n=$1 pid i
	pid=$(cat "$T/$n.spid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	rm -f "$T/$n.spid"
}

# ldif_modify PORT: LDIF on stdin to that server, as the rootdn
ldap_mod() {
	ldapmodify -x -H "ldap://127.0.0.1:$1/" -D "$ADMIN" -w "$ADMINPW" \
	    >/dev/null 2>>"$T/ldapmodify.err"
}

base_ldif() {
	cat <<EOF
dn: $SUFFIX
changetype: add
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: $PEOPLE
changetype: add
objectClass: organizationalUnit
ou: people

EOF
}

# user_ldif LOGIN USERPASSWORD...: an add of a posixAccount-less person
user_ldif() {
	local u=$1 v
	shift
	printf 'dn: uid=%s,%s\nchangetype: add\nobjectClass: inetOrgPerson\n' \
	    "$u" "$PEOPLE"
	printf 'uid: %s\ncn: %s\nsn: %s\nmail: %s@example.org\n' "$u" "$u" "$u" "$u"
	for v in "$@"; do printf 'userPassword: %s\n' "$v"; done
	printf '\n'
}

# ssha PASSWORD [DIGEST]: {SSHA}-style value, made by openssl and python
ssha() {
	python3 -c '
import base64, hashlib, os, sys
pw, d = sys.argv[1].encode(), sys.argv[2]
salt = os.urandom(8)
h = hashlib.new({"SSHA": "sha1", "SSHA256": "sha256", "SSHA512": "sha512"}[d])
h.update(pw + salt)
print("{%s}%s" % (d, base64.b64encode(h.digest() + salt).decode()))' "$1" "${2:-SSHA}"
}

# host_conf NAME PORT [extra lines]: $T/NAME/ldap.conf for a mail host
host_conf() {
	local n=$1 port=$2
	shift 2
	mkdir -p "$T/$n"
	printf '%s\n' "$ADMINPW" >"$T/$n/bindpw"
	chmod 600 "$T/$n/bindpw"
	{
		printf 'uri ldap://127.0.0.1:%s/\n' "$port"
		printf 'starttls yes\nca %s\n' "$T/ca.pem"
		printf 'binddn %s\nbindpw-file %s\n' "$ADMIN" "$T/$n/bindpw"
		printf 'base %s\nfilter (objectClass=inetOrgPerson)\n' "$PEOPLE"
		printf 'login uid\nfile %s\ncoalesce-ms 20\n' "$T/$n/poppasswd"
		printf '%s\n' "$@"
	} >"$T/$n/ldap.conf"
}
