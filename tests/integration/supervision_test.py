#!/usr/bin/env python3
"""Supervision on a real `bfd-node --dev` (docs/supervision.md, docs/reliability.md).

Kills each supervised actor type, the sidechain watcher's and the service triage's loop actors
included, 20 times through the test hook (BFD_FAULT_HOOK_FILE + SIGUSR2), rotating over the
instances of a type and keeping every single actor under the escalation rate (a round every 2.1 s: at most 5 kills of one actor in any 10 s). Throughout, signed transfers
are submitted over HTTP (each resubmitted until the node admits it, as a wallet does) and the
final height is polled. Checks: every kill is answered again within 100 ms (p50/p99/max printed
per type); /metrics counts every restart and listed every actor with 0 at start; final heights
never go back and every final block seen keeps its hash; every admitted transfer is final
exactly once (each sender's next nonce equals its admitted count, the recipient got exactly the
sum). Last, six kills of one actor within 10 s make the node stop with exit code 4 and a log line
naming the actor; restarted, six kills of the watcher's loop actor do the same.

Usage: supervision_test.py BFD_NODE BFD_CLI
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bfdcheck import fail, failures, free_port, ok, wait_for  # noqa: E402

ROUNDS = 20
ROUND_SECONDS = 2.1
MAX_BACK_MS = 100.0
# The actors, and the loops that ran on bare threads before (the sidechain watcher's and the
# service triage's passes, now loop actors: runtime/loop_actor.hpp). The peer gate's loop runs only
# on a topology node (tests/actors/peer_gate_test.cpp kills it).
TYPES = ["chain", "mempool", "delegate", "verifier", "directory", "cache-shard", "bridge", "watcher", "triage"]

node_bin, cli_bin = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp(prefix="bfd-supervision-")


port = free_port()
base = "http://127.0.0.1:%d" % port


def http(method, path, body=None, timeout=5):
    """(status, parsed JSON or text); status 0 when the node did not answer. Waits out the
    node's rate limit (429), as a client should."""
    for _ in range(50):
        status, j = http_once(method, path, body, timeout)
        if status != 429:
            return status, j
        time.sleep(0.1)
    return status, j


def http_once(method, path, body, timeout):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            text = r.read().decode()
            status = r.status
    except urllib.error.HTTPError as e:
        text = e.read().decode()
        status = e.code
    except Exception:
        return 0, None
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


log_path = os.path.join(work, "node.log")
hook_path = os.path.join(work, "hook")
env = dict(os.environ, BFD_FAULT_HOOK_FILE=hook_path)


def start_node():
    return subprocess.Popen(
        [node_bin, "--dev", "--data-dir", os.path.join(work, "data"), "--http", "127.0.0.1:%d" % port,
         "--slot-ms", "300", "--delegates", "6", "--work-bits", "0", "--sidechains", "1"],
        stdout=open(log_path, "w"), stderr=subprocess.STDOUT, env=env)


node = start_node()


def log_text():
    with open(log_path, errors="replace") as f:
        return f.read()


def finish(code):
    if node.poll() is None:
        node.terminate()
        try:
            node.wait(10)
        except subprocess.TimeoutExpired:
            node.kill()
            node.wait()
    if failures:
        print("\n".join(log_text().splitlines()[-30:]), file=sys.stderr)
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(code)


def info():
    status, j = http("GET", "/v1/info")
    return j if status == 200 and isinstance(j, dict) else None


if not wait_for(30, lambda: (info() or {}).get("final", {}).get("height", 0) >= 2):
    fail("the node did not finalize a block within 30 s")
    finish(1)

# Every supervised actor is listed on /metrics with 0 before any failure.
status, metrics = http("GET", "/metrics")
restarts = dict(re.findall(r'bfd_actor_restarts_total\{actor="([^"]+)"\} (\d+)', metrics or ""))
actors = {t: sorted(a for a in restarts if re.fullmatch(re.escape(t) + r"(-\d+)*", a)) for t in TYPES}
for t in TYPES:
    if not actors[t]:
        fail("no supervised actor of type %s on /metrics" % t)
if any(v != "0" for v in restarts.values()):
    fail("restarts before any kill: %s" % restarts)
if failures:
    finish(1)
ok("/metrics lists %d supervised actors with 0 restarts: %s" % (len(restarts), ", ".join(sorted(restarts))))

# Transfers, signed offline now, submitted during the kills.
keys = os.path.join(work, "data", "keys")
senders = [os.path.join(keys, "account-%02d.json" % i) for i in range(3)]
recipient = json.load(open(os.path.join(keys, "account-09.json")))["address"]
expiry = info()["head"]["height"] + 100000
PER_SENDER = 40
AMOUNT = 1000
signed = {}  # sender index -> [hex by nonce]
for si, key in enumerate(senders):
    nonce0 = http("GET", "/v1/accounts/" + json.load(open(key))["address"])[1]["nonce"]
    signed[si] = []
    for n in range(PER_SENDER):
        out = subprocess.run([cli_bin, "tx", "transfer", "--key", key, "--to", recipient, "--amount", "%du" % AMOUNT,
                              "--nonce", str(nonce0 + n), "--expiry", str(expiry), "--offline"],
                             capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            fail("bfd-cli tx transfer --offline: " + out.stderr.strip())
            finish(1)
        signed[si].append(out.stdout.strip())
    signed[si] = (nonce0, signed[si])
recipient_before = http("GET", "/v1/accounts/" + recipient)[1]["balance_units"]

stop = threading.Event()
admitted = {si: [] for si in signed}  # tx ids admitted (202), in nonce order
submit_errors = []


def submitter(si):
    _, txs = signed[si]
    for hexed in txs:
        while not stop.is_set():
            status, j = http("POST", "/v1/txs", {"hex": hexed})
            if status == 202:
                admitted[si].append(j["id"])
                break
            if status == 409 and isinstance(j, dict) and j["error"].get("code") == "nonce_reused" and "id" in j["error"]:
                # An earlier submission was admitted (its answer lost) and is included by now.
                admitted[si].append(j["error"]["id"])
                break
            submit_errors.append((status, j))
            time.sleep(0.05)  # refused or not answered: submit the same transaction again
        time.sleep(ROUNDS * ROUND_SECONDS / PER_SENDER * 0.8)


final_seen = {}  # height -> hash of the final block seen at that height
went_back = []


def poller():
    last = 0
    while not stop.is_set():
        j = info()
        if j:
            h = j["final"]["height"]
            if h < last:
                went_back.append((last, h))
            last = max(last, h)
            final_seen[h] = j["final"]["hash"]
        time.sleep(0.1)


threads = [threading.Thread(target=submitter, args=(si,)) for si in signed] + [threading.Thread(target=poller)]
for t in threads:
    t.start()

# The kills: a round every ROUND_SECONDS, one actor of each type per round.
back_ms = {t: [] for t in TYPES}
not_back = []
line_re = re.compile(r"fault injection: (\S+) killed; (?:answering again after ([0-9.]+) ms|not answering)")
seen_lines = 0
for r in range(ROUNDS):
    started = time.time()
    names = [actors[t][r % len(actors[t])] for t in TYPES]
    with open(hook_path, "w") as f:
        f.write("\n".join(names) + "\n")
    node.send_signal(signal.SIGUSR2)

    def round_done():
        results = line_re.findall(log_text())
        return results if len(results) >= seen_lines + len(names) else None

    results = wait_for(10, round_done)
    if not results:
        fail("round %d: the node did not report its kills within 10 s" % r)
        break
    for name, ms in results[seen_lines:seen_lines + len(names)]:
        t = next(t for t in TYPES if name in actors[t])
        if ms:
            back_ms[t].append(float(ms))
        else:
            not_back.append(name)
    seen_lines += len(names)
    time.sleep(max(0.0, started + ROUND_SECONDS - time.time()))
    if node.poll() is not None:
        fail("the node stopped during round %d (exit code %s)" % (r, node.returncode))
        break

for t in threads[:-1]:
    t.join(60)
stop.set()
threads[-1].join()


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


for t in TYPES:
    v = back_ms[t]
    if len(v) != ROUNDS:
        fail("%s: %d of %d kills were answered again" % (t, len(v), ROUNDS))
        continue
    print("figure: %-11s kills %d over %s: back after p50 %.2f ms, p99 %.2f ms, max %.2f ms"
          % (t, len(v), ",".join(actors[t]), pct(v, 50), pct(v, 99), max(v)))
    if max(v) >= MAX_BACK_MS:
        fail("%s: a kill took %.1f ms to answer again (limit %.0f ms)" % (t, max(v), MAX_BACK_MS))
if not_back:
    fail("not answering again within 2 s: %s" % not_back)

# /metrics counted every restart.
_, metrics = http("GET", "/metrics")
after = {a: int(n) for a, n in re.findall(r'bfd_actor_restarts_total\{actor="([^"]+)"\} (\d+)', metrics or "")}
expected = {}
for r in range(ROUNDS):
    for t in TYPES:
        a = actors[t][r % len(actors[t])]
        expected[a] = expected.get(a, 0) + 1
wrong = {a: (after.get(a), n) for a, n in expected.items() if after.get(a) != n}
if wrong:
    fail("bfd_actor_restarts_total differs from the kills (actor: (counted, killed)): %s" % wrong)
else:
    ok("bfd_actor_restarts_total counts all %d restarts" % sum(expected.values()))

# Every admitted transfer becomes final exactly once.
total = sum(len(v) for v in admitted.values())
if total != len(senders) * PER_SENDER:
    fail("only %d of %d transfers were admitted before the end" % (total, len(senders) * PER_SENDER))


def all_final():
    for ids in admitted.values():
        for i in ids:
            status, j = http("GET", "/v1/txs/" + i)
            if status != 200 or j.get("status") != "final":
                return False
    return True


if not wait_for(30, all_final):
    fail("not every admitted transfer became final within 30 s")
for si, key in enumerate(senders):
    nonce0, _ = signed[si]
    nonce = http("GET", "/v1/accounts/" + json.load(open(key))["address"])[1]["nonce"]
    if nonce != nonce0 + len(admitted[si]):
        fail("sender %d: next nonce %d, expected %d" % (si, nonce, nonce0 + len(admitted[si])))
got = http("GET", "/v1/accounts/" + recipient)[1]["balance_units"] - recipient_before
if got != total * AMOUNT:
    fail("the recipient got %d units, expected %d" % (got, total * AMOUNT))
else:
    ok("%d admitted transfers final exactly once (%d submissions refused or unanswered and retried)"
       % (total, len(submit_errors)))

# Final blocks: heights never went back, and every final block seen is still the chain's.
if went_back:
    fail("the final height went back: %s" % went_back[:5])
changed = []
for h, hsh in sorted(final_seen.items()):
    status, j = http("GET", "/v1/blocks/%d" % h)
    if status != 200 or j.get("hash") != hsh:
        changed.append((h, status, hsh[:12], j.get("hash", "")[:12] if isinstance(j, dict) else j))
if changed:
    fail("final blocks changed or missing at heights %s" % changed[:10])
else:
    ok("%d final heights polled never went back; all still hold the same blocks (final #%d)"
       % (len(final_seen), max(final_seen)))

# Escalation: six kills of one actor within 10 s stop the node (exit code 4, a clear line).
victim = actors["verifier"][0]
time.sleep(ROUND_SECONDS)
with open(hook_path, "w") as f:
    f.write((victim + "\n") * 6)
node.send_signal(signal.SIGUSR2)
try:
    code = node.wait(30)
except subprocess.TimeoutExpired:
    code = None
text = log_text()
if code != 4:
    fail("six kills of %s within 10 s: exit code %s, expected 4" % (victim, code))
elif not re.search(r"the node's supervisor gave up: %s failed 6 times within 10000 ms" % re.escape(victim), text):
    fail("six kills of %s: no log line naming it" % victim)
else:
    ok("six kills of %s within 10 s: the node stopped with exit code 4 (%s)"
       % (victim, re.search(r"supervisor gave up: [^\n]*", text).group(0)))

# The same for a loop actor, under its own supervisor: the node restarted on its data directory,
# six kills of the watcher within 10 s stop it with exit code 4 and a line naming it.
node = start_node()
if not wait_for(30, lambda: "running; Ctrl-C stops" in log_text()):
    fail("the restarted node did not start within 30 s")
    finish(1)
with open(hook_path, "w") as f:
    f.write("watcher\n" * 6)
node.send_signal(signal.SIGUSR2)
try:
    code = node.wait(30)
except subprocess.TimeoutExpired:
    code = None
text = log_text()
if code != 4:
    fail("six kills of the watcher within 10 s: exit code %s, expected 4" % code)
elif not re.search(r"the loop supervisor gave up: watcher failed 6 times within 10000 ms", text):
    fail("six kills of the watcher: no log line naming it")
else:
    ok("six kills of the watcher within 10 s: the node stopped with exit code 4 (%s)"
       % re.search(r"loop supervisor gave up: [^\n]*", text).group(0))

if failures:
    finish(1)
print("supervision: all checks passed")
finish(0)
