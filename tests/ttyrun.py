#!/usr/bin/env python3
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
"""tests/ttyrun.py LINE... -- PROG [ARGS...]: run PROG on a new
pseudo-terminal; after each prompt (output ending in ':' or ': ') type the
next LINE.  Prints everything PROG wrote to the terminal; exits with PROG's
status.  Bounded: 20 s per prompt, 60 s in all."""
import os
import pty
import select
import sys
import time

i = sys.argv.index('--')
lines, argv = sys.argv[1:i], sys.argv[i + 1:]
pid, fd = pty.fork()
if pid == 0:
    if os.environ.get('TTYRUN_COLS'):  # the width TIOCGWINSZ reads, set
        import fcntl                    # before PROG can look
        import struct
        import termios
        fcntl.ioctl(0, termios.TIOCSWINSZ,
                    struct.pack('HHHH', 24, int(os.environ['TTYRUN_COLS']), 0, 0))
    os.execvp(argv[0], argv)
seen = b''
end = time.time() + 60


def read_some(timeout):
    global seen
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return True
    try:
        d = os.read(fd, 4096)
    except OSError:
        return False
    seen += d
    return bool(d)


pos = 0
for line in lines:
    deadline = min(time.time() + 20, end)
    while not seen[pos:].rstrip(b' ').endswith(b':') and time.time() < deadline:
        if not read_some(0.1):
            break
    pos = len(seen)
    os.write(fd, line.encode() + b'\n')
while time.time() < end and read_some(1.0):
    pass
sys.stdout.buffer.write(seen)
for _ in range(50):
    done, st = os.waitpid(pid, os.WNOHANG)
    if done:
        sys.exit(os.waitstatus_to_exitcode(st))
    time.sleep(0.1)
os.kill(pid, 9)
os.waitpid(pid, 0)
sys.stdout.write('ttyrun: killed a hung program\n')
sys.exit(98)
