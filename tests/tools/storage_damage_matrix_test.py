#!/usr/bin/env python3
"""Damaged RocksDB files, systematically (issue 17 item 5; docs/storage.md "Damage, file by file").

Builds one real `bfd-node --dev` data directory whose database holds every kind of file with
content: it runs, stops cleanly (a table file), runs again and is SIGKILLed
(a write-ahead log holding committed blocks). Then, for each RocksDB file type — WAL (the largest
`*.log`), `MANIFEST-*`, `CURRENT`, `OPTIONS-*` (the newest), table file (the largest `*.sst`) —
damages a fresh copy each way: deleted; truncated to 0, 1/3, 2/3 and all but the last byte; 8 bits
flipped at the start (byte 8), the middle and near the end (16 bytes before it). On each copy:
`--check-storage` must end by itself with exit 0 or 1; the node is started and must either
  - refuse: exit code 1, a `bfd-node: ` line naming the problem, no abort, no signal, no stack
    trace (counted "refused"), with --check-storage flagging the copy; or
  - start: then it is stopped cleanly at once (exit 0) and must have kept a consistent prefix:
    `--replay-check` passes (every height's state root equals a replay from genesis, the stored
    head state equals the replay) and every stored block up to the undamaged copy's final height
    is that copy's block at the height (counted "recovered", split by whether it resumed at the
    undamaged final height or below);
anything else counts as "diverged" (started, but a height differs from the replay or the
original chain) or "crashed" (a signal, an abort, a stack trace, another exit code, or no answer
within 20 s), and fails the test. Prints one line per copy and the counts.

Usage: storage_damage_matrix_test.py BFD_NODE
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

node_bin = os.path.realpath(sys.argv[1])
work = tempfile.mkdtemp(prefix="bfd-damage-matrix-")
failures = []
started_at = time.time()
ARGS = ["--dev", "--sidechains", "0", "--http", "off", "--slot-ms", "150", "--delegates", "6", "--work-bits", "0"]


def fail(what):
    print("FAIL: " + what, file=sys.stderr, flush=True)
    failures.append(what)


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def run_until(data, log, until, seconds=30):
    """Starts the node on data; returns (process, whether `until` showed up in the log in time)."""
    p = subprocess.Popen([node_bin, *ARGS, "--data-dir", data], stdout=open(log, "w"), stderr=subprocess.STDOUT,
                         cwd=work)
    deadline = time.time() + seconds
    while time.time() < deadline and p.poll() is None:
        if until(read(log)):
            return p, True
        time.sleep(0.05)
    return p, until(read(log))


def stop(p, sig=signal.SIGTERM, seconds=20):
    if p.poll() is None:
        p.send_signal(sig)
    try:
        return p.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return "timeout"


FINAL_RE = re.compile(r" final #(\d+) [0-9a-f]{12} \(")
RESUMED_RE = re.compile(r" head #\d+ final #(\d+)")
REPLAY_RE = re.compile(r"chain 1 #(\d+) block ([0-9a-f]{64}) state ([0-9a-f]{64})")


def final_at_least(n):
    return lambda text: any(int(h) >= n for h in FINAL_RE.findall(text))


def tool(flag, data, seconds=60):
    """(exit code or 'timeout', stdout + stderr) of --check-storage or --replay-check."""
    try:
        out = subprocess.run([node_bin, flag, "--data-dir", data], capture_output=True, text=True, timeout=seconds)
        return out.returncode, out.stdout + out.stderr
    except subprocess.TimeoutExpired:
        return "timeout", ""


def crashed_text(text):
    return any(s in text for s in ("terminate called", "Aborted", "Segmentation", "what():", "AddressSanitizer",
                                   "runtime error:", "stack trace", "Stack trace"))


# --- the source directory: a table file and a WAL holding committed blocks ----------------------
source = os.path.join(work, "source")
p, ok = run_until(source, os.path.join(work, "source-1.log"), final_at_least(12))
rc = stop(p)
if not ok or rc != 0:
    fail("the first run did not finalize #12 and stop cleanly (exit %s): %s" % (rc, read(os.path.join(work, "source-1.log"))[-300:]))
    sys.exit(1)
first_top = max(int(h) for h in FINAL_RE.findall(read(os.path.join(work, "source-1.log"))))
p, ok = run_until(source, os.path.join(work, "source-2.log"), final_at_least(first_top + 12))
stop(p, signal.SIGKILL)
if not ok:
    fail("the second run did not finalize 12 more blocks")
    sys.exit(1)
db = os.path.join(source, "db")
rc, out = tool("--replay-check", source)
if rc != 0:
    fail("the undamaged source fails --replay-check: %s" % out[-400:])
    sys.exit(1)
original = {int(h): b for h, b, _ in REPLAY_RE.findall(out)}
top = max(original)
files = os.listdir(db)


def largest(suffix, prefix=""):
    cands = [f for f in files if f.endswith(suffix) and f.startswith(prefix) and os.path.getsize(os.path.join(db, f)) > 0]
    return max(cands, key=lambda f: (os.path.getsize(os.path.join(db, f)), f)) if cands else None


targets = {
    "WAL": largest(".log"),
    "MANIFEST": largest("", "MANIFEST-"),
    "CURRENT": "CURRENT" if "CURRENT" in files else None,
    "OPTIONS": max([f for f in files if f.startswith("OPTIONS-")] or [None], key=lambda f: f or ""),
    "SST": largest(".sst"),
}
for kind, f in targets.items():
    if not f:
        fail("the source database has no %s file to damage: %s" % (kind, sorted(files)))
if failures:
    sys.exit(1)
print("source: final #%d stored (a clean stop at #%d, then SIGKILL); damaging %s" % (
    top, first_top, ", ".join("%s %s (%d bytes)" % (k, f, os.path.getsize(os.path.join(db, f))) for k, f in targets.items())),
    flush=True)


def damages(size):
    out = [("deleted", None)]
    for label, n in (("truncated to 0", 0), ("truncated to 1/3", size // 3), ("truncated to 2/3", 2 * size // 3),
                     ("truncated by 1 byte", max(size - 1, 0))):
        out.append((label + " (%d of %d bytes)" % (n, size), ("truncate", n)))
    for label, at in (("start", min(8, size - 1)), ("middle", size // 2), ("end", max(size - 16, 0))):
        out.append(("8 bits flipped at the %s (byte %d)" % (label, at), ("flip", at)))
    return out


counts = {"refused": 0, "recovered exactly": 0, "recovered a shorter prefix": 0, "diverged": 0, "crashed": 0}
by_kind = {}
copy_no = 0
for kind, name in targets.items():
    size = os.path.getsize(os.path.join(db, name))
    for what, how in damages(size):
        copy_no += 1
        data = os.path.join(work, "copy-%d" % copy_no)
        shutil.copytree(source, data)
        path = os.path.join(data, "db", name)
        if how is None:
            os.remove(path)
        elif how[0] == "truncate":
            os.truncate(path, how[1])
        else:
            with open(path, "r+b") as f:
                f.seek(how[1])
                b = f.read(1)
                f.seek(how[1])
                f.write(bytes([b[0] ^ 0xFF]))
        label = "%s %s %s" % (kind, name, what)
        check_rc, check_out = tool("--check-storage", data)
        log = os.path.join(work, "copy-%d.log" % copy_no)
        p, up = run_until(data, log, lambda t: "running; Ctrl-C stops" in t, seconds=20)
        outcome, detail = None, ""
        if up:
            rc = stop(p)
            text = read(log)
            resumed = RESUMED_RE.search(text)
            replay_rc, replay_out = tool("--replay-check", data)
            got = {int(h): b for h, b, _ in REPLAY_RE.findall(replay_out)}
            differ = [h for h in sorted(got) if h <= top and original.get(h) != got[h]]
            if rc != 0 or crashed_text(text):
                outcome, detail = "crashed", "the clean stop after the start gave exit %s" % rc
            elif replay_rc != 0 or differ:
                outcome = "diverged"
                detail = "; ".join([l.strip() for l in replay_out.splitlines() if "PROBLEM" in l][:2]) or \
                    "heights differing from the undamaged chain: %s" % differ[:5]
            else:
                resumed_at = int(resumed.group(1)) if resumed else -1
                outcome = "recovered exactly" if resumed_at >= top else "recovered a shorter prefix"
                detail = "resumed at final #%d of #%d; replay equal at #0..#%d; --check-storage %s" % (
                    resumed_at, top, max(got), "passed" if check_rc == 0 else "had flagged it")
        else:
            rc = stop(p, signal.SIGKILL) if p.poll() is None else p.returncode
            text = read(log)
            message = next((l for l in text.splitlines() if l.startswith("bfd-node: ")), "")
            if rc == 1 and message and not crashed_text(text):
                outcome, detail = "refused", message[10:170] + ("..." if len(message) > 170 else "")
                if check_rc != 1:
                    fail("%s: the node refused it, but --check-storage gave exit %s" % (label, check_rc))
            else:
                outcome = "crashed"
                detail = "exit %s (%s): %s" % (rc, "no answer within 20 s" if rc == -9 else "no refusal message",
                                               text.strip().splitlines()[-1:] or "")
        if check_rc not in (0, 1) or crashed_text(check_out):
            fail("%s: --check-storage itself gave exit %s" % (label, check_rc))
        counts[outcome] += 1
        by_kind.setdefault(kind, {}).setdefault(outcome, 0)
        by_kind[kind][outcome] += 1
        print("%2d %-58s %-26s %s" % (copy_no, label[:58], outcome, detail), flush=True)
        if outcome in ("diverged", "crashed"):
            fail("%s: %s: %s" % (label, outcome, detail))
        else:
            shutil.rmtree(data, ignore_errors=True)

for kind, c in by_kind.items():
    print("  %-8s %s" % (kind, ", ".join("%d %s" % (n, o) for o, n in c.items())))
print("storage_damage_matrix_test: %d damaged copies: %d refused with a message, %d recovered exactly, %d recovered "
      "a shorter prefix matching the replay, %d diverged, %d crashed; %.0f s" % (
          copy_no, counts["refused"], counts["recovered exactly"], counts["recovered a shorter prefix"],
          counts["diverged"], counts["crashed"], time.time() - started_at))
if failures:
    print("kept %s" % work, file=sys.stderr)
    print("storage_damage_matrix_test: %d failure(s)" % len(failures), file=sys.stderr)
    sys.exit(1)
shutil.rmtree(work, ignore_errors=True)
print("storage_damage_matrix_test: all checks passed")
