#!/usr/bin/env python3
"""tests/timing.py N PROG ARGS... -- LOGIN_A PASS_A -- LOGIN_B PASS_B

Runs PROG ARGS N times with each request (login\\0pass\\0\\0 on fd 3),
A and B interleaved in random order pair by pair so that load on the
machine hits both alike, and prints the median wall-clock times in
microseconds, their relative difference, and the median of the paired
differences A-B relative to the median of all runs (pairs ran back to
back, so a load change on the machine hits both members of a pair and
cancels out): "MED_A MED_B DIFF_PERCENT PAIRED_PERCENT EXIT_CODES"."""
import os
import random
import statistics
import subprocess
import sys
import time


def run_once(cmd, data):
    r, w = os.pipe()
    os.write(w, data)
    os.close(w)
    t0 = time.perf_counter_ns()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         pass_fds=(3,), preexec_fn=lambda: os.dup2(r, 3))
    p.wait()
    t1 = time.perf_counter_ns()
    os.close(r)
    return (t1 - t0) / 1000.0, p.returncode


def main():
    args = sys.argv[1:]
    n = int(args.pop(0))
    i = args.index("--")
    cmd, rest = args[:i], args[i + 1:]
    j = rest.index("--")
    a = (rest[0] + "\0" + rest[1] + "\0\0").encode()
    b = (rest[j + 1] + "\0" + rest[j + 2] + "\0\0").encode()
    ta, tb, rcs = [], [], set()
    for _ in range(3):          # warm the page cache and the binary
        run_once(cmd, a)
        run_once(cmd, b)
    for _ in range(n):
        order = [(a, ta), (b, tb)]
        random.shuffle(order)
        for data, out in order:
            t, rc = run_once(cmd, data)
            out.append(t)
            rcs.add(rc)
    ma, mb = statistics.median(ta), statistics.median(tb)
    paired = statistics.median(x - y for x, y in zip(ta, tb))
    print("%.0f %.0f %.1f %.1f %s" % (
        ma, mb, 100.0 * abs(ma - mb) / min(ma, mb),
        100.0 * abs(paired) / statistics.median(ta + tb),
        ",".join(str(x) for x in sorted(rcs))))


main()
