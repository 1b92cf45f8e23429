#!/usr/bin/env python3
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
"""tests/smtpsink.py PORT DIR: a minimal SMTP server on 127.0.0.1:PORT that
accepts every message and stores each one as DIR/msg.N (envelope in
DIR/msg.N.env).  The relay target of the Dovecot submission test.  smtpd
and asyncore are gone from newer Pythons, so this is plain sockets."""
import os
import socket
import sys
import threading

port, outdir = int(sys.argv[1]), sys.argv[2]
count = 0
lock = threading.Lock()


def serve(conn):
    global count
    f = conn.makefile("rwb", buffering=0)

    def reply(line):
        f.write(line.encode() + b"\r\n")

    reply("220 sink.test ESMTP sink")
    sender, rcpts = None, []
    while True:
        line = f.readline(1024)
        if not line:
            break
        verb = line.split(b" ", 1)[0].strip().upper()
        if verb == b"EHLO":
            f.write(b"250-sink.test\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250 SIZE 10000000\r\n")
        elif verb == b"HELO":
            reply("250 sink.test")
        elif verb == b"MAIL":
            sender, rcpts = line.strip(), []
            reply("250 2.1.0 ok")
        elif verb == b"RCPT":
            rcpts.append(line.strip())
            reply("250 2.1.5 ok")
        elif verb == b"DATA":
            if sender is None or not rcpts:
                reply("503 5.5.1 need MAIL and RCPT")
                continue
            reply("354 go ahead")
            body = []
            while True:
                d = f.readline(65536)
                if not d or d == b".\r\n":
                    break
                body.append(d[1:] if d.startswith(b"..") else d)
            with lock:
                count += 1
                n = count
            base = os.path.join(outdir, "msg.%d" % n)
            with open(base + ".tmp", "wb") as m:
                m.write(b"".join(body))
            with open(base + ".env", "wb") as m:
                m.write(sender + b"\n" + b"\n".join(rcpts) + b"\n")
            os.rename(base + ".tmp", base)
            reply("250 2.0.0 queued as %d" % n)
            sender, rcpts = None, []
        elif verb == b"RSET":
            sender, rcpts = None, []
            reply("250 2.0.0 ok")
        elif verb == b"NOOP":
            reply("250 2.0.0 ok")
        elif verb == b"QUIT":
            reply("221 2.0.0 bye")
            break
        else:
            reply("502 5.5.2 command unknown to this sink")
    conn.close()


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(16)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
