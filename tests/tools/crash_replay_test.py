#!/usr/bin/env python3
"""Crash-restart cycles on one data directory, checked against a reference replay (issue 17 item 4;
docs/storage.md "Crashes and recovery: the replay test"; docs/reliability.md).

A real `bfd-node --dev` (6 delegates, 150 ms slots, no work, HTTP on a free port) is crashed
CRASH_CYCLES times (25 by default) in a row on one data directory, with no clean stop between
crashes: each start is the recovery from the previous crash. Each cycle draws from a seed
(printed; CRASH_SEED replays the draws, not the threads' timing) one of:
  - a kill point of the commit and signing paths (`--kill-point SITE:N`, N drawn),
  - a kill point in recovery (opening the store after RocksDB replayed its WAL, the store ready,
    a chain's state restored, the justification record re-read, a delegate's signing record
    re-read), armed through BFD_KILL_POINT: the start itself dies,
  - a SIGKILL from outside after a random 0.05-1.5 s (during recovery or while running).
Every fifth cycle is a recovery kill point, so at least one crash happens during recovery.
Throughout, three wallets submit pre-signed transfers over HTTP (each sender's nonces in order;
after a crash a wallet resumes from its account's nonce and resubmits what the mempool lost).
After every crash: `--check-storage` and `--replay-check` (every stored height replayed from
genesis in a fresh state; each header's state root and the stored head state must equal the
replay) must pass the directory as the crash left it. At the end a clean run lets every wallet
finish, then checks: every transfer is final exactly once (each sender's nonce, the recipient's
balance, each id final), every transfer seen final before a crash is still final in the same
block, every final block any run logged is the replay's block at that height, the node serves
every height's block with the replay's hash and state root, and a clean stop leaves a directory
that passes both checks. Bounded waits throughout.

Usage: crash_replay_test.py BFD_NODE BFD_CLI
Env: CRASH_SEED, CRASH_CYCLES (25; the long mode: CRASH_CYCLES=100), CRASH_KEEP=1 keeps the work
directory of a failed run.
"""
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from bfdcheck import fail, failures, free_port, ok, wait_for  # noqa: E402

node_bin, cli_bin = os.path.realpath(sys.argv[1]), os.path.realpath(sys.argv[2])
seed = int(os.environ.get("CRASH_SEED") or random.SystemRandom().randrange(1000000))
cycles = int(os.environ.get("CRASH_CYCLES") or 25)
rng = random.Random(seed)
work = tempfile.mkdtemp(prefix="bfd-crash-replay-")
data = os.path.join(work, "data")
started_at = time.time()
print("crash_replay_test: seed %d, %d cycles (rerun with CRASH_SEED=%d)" % (seed, cycles, seed), flush=True)

# Sites of the commit and signing paths, with the largest N drawn (about a second of running:
# one or two blocks a slot, three voters a block; the commit marker is written at the start, then
# after every 8th chain write, so its N = 1 is in recovery), and the recovery sites with theirs
# (hit once a start; a delegate's once per delegate).
RUN_SITES = [("vote-saved", 24), ("block-saved", 8), ("vote-counted", 24), ("before-commit", 8),
             ("after-commit", 8), ("before-justification", 8), ("after-justification", 8),
             ("marker-tmp-synced", 4), ("marker-renamed", 4)]
RECOVERY_SITES = [("store-recovered", 1), ("store-opened", 1), ("chain-restored", 1),
                  ("justification-restored", 1), ("signing-record-read", 6)]
SENDERS = 3
PER_SENDER = max(80, 3 * cycles)  # enough for load in every run of a long mode
AMOUNT = 1000
SLOT_MS = 150


node = None
base = None  # the running node's HTTP URL, None while it is down
base_lock = threading.Lock()


def finish(code):
    global node
    if node is not None and node.poll() is None:
        node.kill()
        node.wait()
    if failures and os.environ.get("CRASH_KEEP"):
        print("kept %s" % work, file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("crash_replay_test: %d failure(s) (rerun with CRASH_SEED=%d)" % (len(failures), seed), file=sys.stderr)
    sys.exit(code or (1 if failures else 0))


def http_request(method, path, body=None, timeout=3):
    """(status, parsed JSON or None); status 0 when the node did not answer."""
    with base_lock:
        url = base
    if url is None:
        return 0, None
    req = urllib.request.Request(url + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read() or b"null")
        except ValueError:
            return e.code, None
    except (OSError, ValueError, http.client.HTTPException):
        return 0, None  # not answered, or the connection died with the node


def start(log_path, extra=(), env=None):
    """Starts the node (HTTP on a free port) with its log in log_path; `env` adds variables."""
    global node
    args = [node_bin, "--dev", "--sidechains", "0", "--data-dir", data, "--http", "127.0.0.1:0", "--http-rate", "0",
            "--slot-ms", str(SLOT_MS), "--delegates", "6", "--work-bits", "0", "--log-level", "info", *extra]
    base_env = {k: v for k, v in os.environ.items() if k != "BFD_KILL_POINT"}
    node = subprocess.Popen(args, stdout=open(log_path, "w"), stderr=subprocess.STDOUT, cwd=work,
                            env=dict(base_env, **(env or {})))


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def find_url(log_path):
    m = re.search(r"HTTP API on (http://\S+)", read(log_path))
    return m.group(1) if m else None


def set_base(url):
    global base
    with base_lock:
        base = url


FINAL_RE = re.compile(r" final #(\d+) ([0-9a-f]{12}) \(")
RESUMED_RE = re.compile(r" head #(\d+) final #(\d+)")


def finals(log_path):
    return [(int(h), x) for h, x in FINAL_RE.findall(read(log_path))]


def run_tool(flag, what):
    """--check-storage or --replay-check on the stopped node's directory; its output."""
    out = subprocess.run([node_bin, flag, "--data-dir", data], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        problems = [l.strip() for l in out.stdout.splitlines() if "PROBLEM" in l] or [out.stderr.strip()]
        fail("%s: %s exit %d: %s" % (what, flag, out.returncode, "; ".join(problems[:3])))
        keep = os.path.join(work, "failed-%d" % len(failures))
        shutil.copytree(data, keep, dirs_exist_ok=True)
    return out.stdout


REPLAY_RE = re.compile(r"chain 1 #(\d+) block ([0-9a-f]{64}) state ([0-9a-f]{64}) txs (\d+)")


def replay(what):
    """The replay's (block hash, state root, txs) by height, checked."""
    return {int(h): (b, s, int(n)) for h, b, s, n in REPLAY_RE.findall(run_tool("--replay-check", what))}


# --- the first start: keys, the wallets' transfers, signed offline ---------------------------
log0 = os.path.join(work, "start.log")
start(log0)
url = wait_for(30, lambda: find_url(log0), step=0.05)
if not url:
    fail("the first start did not serve HTTP within 30 s: %s" % read(log0)[-400:])
    finish(1)
set_base(url)
if not wait_for(30, lambda: ((http_request("GET", "/v1/info")[1] or {}).get("final") or {}).get("height", 0) >= 2, step=0.05):
    fail("the dev node did not finalize within 30 s")
    finish(1)
keys = os.path.join(data, "keys")
senders = [json.load(open(os.path.join(keys, "account-%02d.json" % i)))["address"] for i in range(SENDERS)]
recipient = json.load(open(os.path.join(keys, "account-09.json")))["address"]
expiry = http_request("GET", "/v1/info")[1]["head"]["height"] + 100000
nonce0 = [http_request("GET", "/v1/accounts/" + a)[1]["nonce"] for a in senders]
recipient_before = http_request("GET", "/v1/accounts/" + recipient)[1]["balance_units"]
signed = []  # per sender: [(hex, id)] by nonce
for si in range(SENDERS):
    txs = []
    for n in range(PER_SENDER):
        for attempt in range(3):  # a loaded machine may stall one call: try it again
            try:
                out = subprocess.run([cli_bin, "tx", "transfer", "--key", os.path.join(keys, "account-%02d.json" % si),
                                      "--to", recipient, "--amount", "%du" % AMOUNT, "--nonce", str(nonce0[si] + n),
                                      "--expiry", str(expiry), "--chain", "1", "--offline"],
                                     capture_output=True, text=True, timeout=30)
                break
            except subprocess.TimeoutExpired:
                out = None
        if out is None or out.returncode != 0:
            fail("bfd-cli tx transfer --offline: " + (out.stderr.strip() if out else "no answer in 3 tries of 30 s"))
            finish(1)
        txs.append(out.stdout.strip())
    signed.append(txs)
node.send_signal(signal.SIGTERM)
if node.wait(timeout=20) != 0:
    fail("the first clean stop gave exit code %s" % node.returncode)
set_base(None)
ok("%d transfers signed offline (%d senders, nonces from %s); first run stopped at final #%d"
   % (SENDERS * PER_SENDER, SENDERS, nonce0, max([h for h, _ in finals(log0)] or [0])))

# --- the wallets: submit in nonce order, whatever node is up ---------------------------------
stop_wallets = threading.Event()
finish_wallets = threading.Event()  # the last run: submit everything left, as fast as admitted
admitted = [set() for _ in range(SENDERS)]  # tx ids the node admitted (202) at least once
ids = [[None] * PER_SENDER for _ in range(SENDERS)]
submissions = [0]
refusals = [0]


def wallet(si):
    i = 0
    seen_url = None
    while not stop_wallets.is_set():
        with base_lock:
            url = base
        if url is None:
            time.sleep(0.05)
            continue
        if i >= PER_SENDER:
            # All submitted: a non-final block holding the last ones may still be dropped (a
            # crash, a fork), so look at the account's nonce again now and then.
            time.sleep(0.3)
            seen_url = None
            continue
        if url != seen_url:
            # A new run: resume from the account's nonce (the mempool lost what was not in a block).
            status, j = http_request("GET", "/v1/accounts/" + senders[si])
            if status != 200:
                time.sleep(0.05)
                continue
            seen_url = url
            i = max(0, j["nonce"] - nonce0[si])
            continue
        status, j = http_request("POST", "/v1/txs", {"hex": signed[si][i]})
        submissions[0] += 1
        if status == 202:
            ids[si][i] = j["id"]
            admitted[si].add(j["id"])
            i += 1
        elif status == 409 and isinstance(j, dict) and j.get("error", {}).get("code") == "nonce_reused":
            i += 1  # an earlier submission of this very transaction is in
        elif status != 0:
            refusals[0] += 1
            seen_url = None  # a nonce gap after a crash, or alike: resume from the account's nonce
            time.sleep(0.05)
        else:
            time.sleep(0.05)
        if not finish_wallets.is_set():
            time.sleep(0.12)  # about 7 transfers a second each while the crashes go on: load in every run


threads = [threading.Thread(target=wallet, args=(si,), daemon=True) for si in range(SENDERS)]
for t in threads:
    t.start()

# Transfers seen final, by id -> block height, polled while runs are up.
seen_final = {}


def poll_finals():
    for si in range(SENDERS):
        for i in range(PER_SENDER):
            tid = ids[si][i]
            if tid is None or tid in seen_final:
                continue
            status, j = http_request("GET", "/v1/txs/" + tid, timeout=1)
            if status == 200 and j.get("status") == "final":
                seen_final[tid] = (j.get("height"), j.get("block"))
            elif status == 0:
                return  # the node is down


# --- the crash cycles -------------------------------------------------------------------------
logged = {}  # height -> set of 12-hex final hashes logged by any run
kinds = {"run": 0, "recovery": 0, "sigkill": 0}
per_site = {}
max_final = 0
died_in_recovery = 0  # cycles whose node died before it was up (whatever the site)
for cycle in range(1, cycles + 1):
    if cycle % 5 == 3:
        kind = "recovery"
    else:
        kind = rng.choice(["run"] * 5 + ["recovery", "sigkill"])
    if kind == "run":
        site, top = rng.choice(RUN_SITES)
        what = "%s:%d" % (site, rng.randint(1, top))
    elif kind == "recovery":
        site, top = rng.choice(RECOVERY_SITES)
        what = "%s:%d" % (site, rng.randint(1, top))
    else:
        site = "sigkill"
        delay = rng.uniform(0.05, 1.5)
        what = "SIGKILL after %.2f s" % delay
    log = os.path.join(work, "cycle-%d.log" % cycle)
    t0 = time.time()
    # The recovery sites are armed through the environment (BFD_KILL_POINT), the others by option.
    if kind == "run":
        start(log, ["--kill-point", what])
    elif kind == "recovery":
        start(log, env={"BFD_KILL_POINT": what})
    else:
        start(log)
    if kind == "sigkill":
        while time.time() < t0 + delay and node.poll() is None:
            if base is None:
                u = find_url(log)
                if u:
                    set_base(u)
            time.sleep(0.02)
        if node.poll() is None:
            node.kill()
    else:
        # Serve the wallets while the run lives; it must die at its kill point (20 s bound).
        deadline = time.time() + 20
        while node.poll() is None and time.time() < deadline:
            if base is None:
                u = find_url(log)
                if u:
                    set_base(u)
            else:
                poll_finals()
            time.sleep(0.05)
        if node.poll() is None:
            node.kill()
            fail("cycle %d: %s was not reached within 20 s: %s" % (cycle, what, read(log)[-300:]))
    rc = node.wait()
    set_base(None)
    text = read(log)
    if kind != "sigkill" and (rc != 137 or ("kill point %s hit" % site) not in text):
        fail("cycle %d: %s: exit code %s, not at the kill point: %s" % (cycle, what, rc, text[-400:]))
        break
    if kind == "sigkill" and rc not in (-9, 137):
        fail("cycle %d: %s: the node exited by itself with code %s: %s" % (cycle, what, rc, text[-400:]))
        break
    resumed = RESUMED_RE.search(text)
    fs = finals(log)
    for h, x in fs:
        logged.setdefault(h, set()).add(x)
    max_final = max([max_final] + [h for h, _ in fs])
    in_recovery = "running; Ctrl-C stops" not in text
    died_in_recovery += in_recovery
    kinds[kind] += 1
    per_site[site] = per_site.get(site, 0) + 1
    before = len(failures)
    run_tool("--check-storage", "cycle %d (%s)" % (cycle, what))
    rp = replay("cycle %d (%s)" % (cycle, what))
    stored_top = max(rp) if rp else -1
    print("cycle %2d: %-28s %s; resumed at final #%-4s final #%-4s logged; stored #%-4s with %3d transfers; %s; %.1f s"
          % (cycle, what, "died in recovery" if in_recovery else "died running",
             resumed.group(2) if resumed else "-", fs[-1][0] if fs else "-", stored_top, sum(v[2] for v in rp.values()),
             "storage checks and replay pass" if len(failures) == before else "CHECKS FAILED", time.time() - t0),
          flush=True)
    if failures:
        break

# --- the clean run: the wallets finish, everything final exactly once -------------------------
if not failures:
    logf = os.path.join(work, "final.log")
    start(logf)
    url = wait_for(30, lambda: find_url(logf), step=0.05)
    if not url:
        fail("the last start did not serve HTTP within 30 s: %s" % read(logf)[-400:])
        finish(1)
    before_last = len(seen_final)
    finish_wallets.set()
    set_base(url)

    def all_final():
        poll_finals()
        return all(t is not None and t in seen_final for row in ids for t in row)

    if not wait_for(60, all_final, step=0.2):
        missing = sum(1 for row in ids for t in row if t is None or t not in seen_final)
        fail("%d of %d transfers not final within 60 s of the last start" % (missing, SENDERS * PER_SENDER))
    stop_wallets.set()
    for si in range(SENDERS):
        nonce = http_request("GET", "/v1/accounts/" + senders[si])[1]["nonce"]
        if nonce != nonce0[si] + PER_SENDER:
            fail("sender %d: next nonce %d, expected %d" % (si, nonce, nonce0[si] + PER_SENDER))
    got = http_request("GET", "/v1/accounts/" + recipient)[1]["balance_units"] - recipient_before
    if got != SENDERS * PER_SENDER * AMOUNT:
        fail("the recipient got %d units, expected %d (%d transfers)" % (got, SENDERS * PER_SENDER * AMOUNT,
                                                                          SENDERS * PER_SENDER))
    # Seen final once: still final, in the same block.
    moved = []
    for tid, h in list(seen_final.items()):
        status, j = http_request("GET", "/v1/txs/" + tid)
        if status != 200 or j.get("status") != "final" or (j.get("height"), j.get("block")) != h:
            moved.append((tid[:12], h, j))
    if moved:
        fail("transfers seen final earlier are not final at the same height now: %s" % moved[:3])
    # The node's own blocks (hash and state root) at every height it holds, to compare below.
    info = http_request("GET", "/v1/info")[1]
    served = {}
    for h in range(0, info["final"]["height"] + 1):
        status, j = http_request("GET", "/v1/blocks/%d" % h)
        if status != 200:
            fail("GET /v1/blocks/%d: %s" % (h, status))
            break
        served[h] = (j["hash"], j["header"]["state_root"])
    node.send_signal(signal.SIGTERM)
    try:
        rc = node.wait(timeout=20)
    except subprocess.TimeoutExpired:
        rc = "timeout"
    set_base(None)
    if rc != 0:
        fail("the clean stop gave exit code %s" % rc)
    for h, x in finals(logf):
        logged.setdefault(h, set()).add(x)
    run_tool("--check-storage", "after the last clean stop")
    rp = replay("after the last clean stop")
    top = max(rp) if rp else -1
    # Every final block any run logged is the replay's at that height, and only one per height.
    bad = [(h, sorted(xs), rp.get(h, ("?",))[0][:12]) for h, xs in sorted(logged.items())
           if len(xs) != 1 or h not in rp or rp[h][0][:12] not in xs]
    if bad:
        fail("final blocks logged that are not the replay's (height, logged, replay): %s" % bad[:4])
    wrong = [h for h, v in served.items() if h not in rp or rp[h][:2] != v]
    if wrong:
        fail("heights where the node served another block or state root than the replay: %s" % wrong[:8])
    replay_txs = sum(v[2] for v in rp.values())
    if replay_txs < SENDERS * PER_SENDER:
        fail("the replay holds %d transactions, fewer than the %d transfers" % (replay_txs, SENDERS * PER_SENDER))
    if died_in_recovery == 0:
        fail("no cycle crashed during recovery")
    if not failures:
        ok("%d transfers final exactly once (%d submissions, %d refused and resumed from the account nonce; %d seen "
           "final before a later crash, all still final in the same block; %d final in the last run)"
           % (SENDERS * PER_SENDER, submissions[0], refusals[0], before_last, len(seen_final) - before_last))
        ok("replay from genesis equals storage at all %d heights (#0..#%d, %d transactions); the node served the "
           "same block and state root at %d heights; %d final heights logged across runs, each the replay's block"
           % (len(rp), top, replay_txs, len(served), len(logged)))
print("crash_replay_test: seed %d: %d cycles (%d at commit/signing kill points, %d at recovery kill points, %d "
      "SIGKILLs; %d died during recovery), sites %s, %d replay checks, %.0f s"
      % (seed, sum(kinds.values()), kinds["run"], kinds["recovery"], kinds["sigkill"], died_in_recovery,
         ", ".join("%s %d" % kv for kv in sorted(per_site.items())), sum(kinds.values()) + 1, time.time() - started_at))
if not failures:
    print("crash_replay_test: all checks passed")
finish(0)
