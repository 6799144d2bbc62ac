"""What the Python integration tests share: verdict lines, a free loopback port, bounded waits,
a process's resident memory and CPU time.

A test imports it with its own directory (or tests/integration) on sys.path:
    from bfdcheck import fail, failures, free_port, ok, wait_for
`failures` is one list for the whole test; fail() appends to it, so `if failures:` at the end
decides the exit code.
"""
import os
import socket
import sys
import time

failures = []


def fail(what):
    """Records a failed check and prints it on stderr."""
    print("FAIL: " + what, file=sys.stderr, flush=True)
    failures.append(what)


def ok(what):
    """Prints a passed check."""
    print("ok: " + what, flush=True)


def free_port():
    """A loopback TCP port that was free a moment ago (the kernel's choice for port 0)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(seconds, check, step=0.2):
    """Calls check() every `step` seconds until it returns something true (returned) or
    `seconds` have passed (None)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(step)
    return None


def rss_kib(pid):
    """Resident memory of a process in KiB, or None once it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def cpu_seconds(pid):
    """User + system CPU time of a process so far (0.0 once it is gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0
