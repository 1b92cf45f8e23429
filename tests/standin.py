# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
"""tests/standin.py: what the qmail front-end stand-ins (fakesmtpd.py,
fakepopup.py) share: CRLF lines on the client's socket, and running a
checkpassword program with its data on fd 3, as qmail does."""
import os
import sys


def send(conn, s):
    conn.sendall(s.encode() + b"\r\n")


def readline(conn, maxlen, too_long=None):
    """One line without its CRLF; exits when the client goes away or sends
    more than maxlen bytes (after calling too_long, if given)."""
    line = b""
    while not line.endswith(b"\n"):
        c = conn.recv(1)
        if not c:
            sys.exit(0)
        line += c
        if len(line) > maxlen:
            if too_long:
                too_long()
            sys.exit(0)
    return line.rstrip(b"\r\n")


def checkpassword(argv, data, stderr_to_client=False):
    """Runs argv with data on fd 3 and the client's socket as fds 0 and 1
    (and 2 too when stderr_to_client, as Dabrowski's patch does); True
    when it exits 0."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(w)
        if r != 3:
            os.dup2(r, 3)
            os.close(r)
        os.set_inheritable(3, True)
        if stderr_to_client:
            os.dup2(1, 2)
        os.set_inheritable(1, True)
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(111)
    os.close(r)
    os.write(w, data)
    os.close(w)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
