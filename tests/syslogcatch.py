#!/usr/bin/env python3
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
"""tests/syslogcatch.py SOCKET LOGFILE: receive syslog(3) datagrams on the
unix socket SOCKET (a test binds it over /dev/log in a private mount
namespace) and append each one to LOGFILE the way rsyslog writes
/var/log/mail.log: "Nov 27 19:49:57 HOST ident[pid]: message".  Messages
of a facility other than mail go to LOGFILE.notmail instead."""
import os
import re
import socket
import sys

path, logfile = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
pri_re = re.compile(rb"^<(\d{1,3})>")
while True:
    data = s.recv(8192)
    m = pri_re.match(data)
    if not m:
        continue
    facility = int(m.group(1)) >> 3
    rest = data[m.end():].rstrip(b"\n")
    # glibc: "Mmm dd hh:mm:ss ident[pid]: message"
    line = rest[:15] + b" localhost " + rest[16:]
    with open(logfile if facility == 2 else logfile + ".notmail", "ab") as f:
        f.write(line + b"\n")
