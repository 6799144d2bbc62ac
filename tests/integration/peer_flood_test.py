#!/usr/bin/env python3
"""A flood over the peer transaction path (issue 17 item 6): three real bfd-node processes
(config/three-nodes.toml on free ports, plain TCP links, which a loopback-only network may use) and
bfd_peer_flood_attacker, a real CAF node that completes the BASP handshake with node b through its
peer gate and floods b's mainchain actor and mempool over the established link for FLOOD_SECONDS
(default 30): relayed transactions with bad signatures at >= TX_RATE a second (default 500), plus
JUNK_RATE (default 250) a second of relayed bytes that are not a transaction, messages outside the
actors' interfaces (unknown atoms, a type b does not know, a 1 MiB string now and then) and relays
without a sender. The attacker reconnects with the same identity whenever b closes its link; a
second attacker process (a fresh identity) joins for the second half.
Meanwhile honest transfers are submitted to nodes a and c, so they reach b over the same relay path.
Checks: the attackers sent at the target rates; b disconnected each offender after at most 10
violations (b's bfd_peer_conduct_total: violations <= 10 per disconnect, at least one disconnect per
identity, seen by the attacker as its link going down); no honest link was lost (a, b and c log no
lost peer); every honest transfer final on all three nodes; at most 1 slot in 10 missed (the
delegates' slots_missed after the rounds of the window closed); b's RSS growth under 50 MiB;
finality on during and after; clean stops.
Usage: peer_flood_test.py BFD_NODE BFD_CLI ATTACKER REPO_ROOT
Env: FLOOD_SECONDS, TX_RATE, JUNK_RATE, RSS_GROWTH_MIB, BFD_KEEP_WORK=1 keeps the logs,
PEER_FLOOD_NO_DISCONNECT=1 (a self-check: node b runs with BFD_TEST_PEER_VIOLATION_LIMIT=0, the
disconnect rule off, and the test must fail)."""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bfdcheck import cpu_seconds, fail, failures, free_port, ok, rss_kib, wait_for  # noqa: E402

node_bin, cli_bin, attacker_bin, root = (os.path.realpath(a) for a in sys.argv[1:5])
FLOOD_SECONDS = float(os.environ.get("FLOOD_SECONDS", "30"))
TX_RATE = int(os.environ.get("TX_RATE", "500"))
JUNK_RATE = int(os.environ.get("JUNK_RATE", "250"))
RSS_GROWTH_MIB = float(os.environ.get("RSS_GROWTH_MIB", "50"))
MAX_VIOLATIONS = 10   # the target: an offender is disconnected after at most this many
HONEST_TRANSFERS = 8
work = tempfile.mkdtemp(prefix="bfd-peer-flood-")
procs = {}

names = ["a", "b", "c"]
peer_port = {n: free_port() for n in names}
http_port = {n: free_port() for n in names}
text = open(os.path.join(root, "config/three-nodes.toml")).read()
text = re.sub(r'^tls = .*\n', "", text, flags=re.M)  # plain TCP: every node is on 127.0.0.1
text = text.replace('"keys/', '"%s/config/keys/' % root)
for i, n in enumerate(names):
    text = text.replace("port = %d\n" % (7101 + i), "port = %d\n" % peer_port[n])
    text = text.replace("port = %d\n" % (8081 + i), "port = %d\n" % http_port[n])
topology = os.path.join(work, "three-nodes.toml")
with open(topology, "w") as f:
    f.write(text)
keys = os.path.join(root, "config/keys/three-nodes")


def start(n):
    env = dict(os.environ)
    if n == "b" and os.environ.get("PEER_FLOOD_NO_DISCONNECT"):
        env["BFD_TEST_PEER_VIOLATION_LIMIT"] = "0"
    log = open(os.path.join(work, n + ".log"), "a")
    procs[n] = subprocess.Popen([node_bin, "--topology", topology, "--node", n], cwd=work, stdout=log,
                                stderr=subprocess.STDOUT, env=env)


def request(n, method, path, body=None, timeout=3):
    try:
        c = http.client.HTTPConnection("127.0.0.1", http_port[n], timeout=timeout)
        c.request(method, path, body, {"Content-Type": "application/json"} if body else {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data
    except (OSError, http.client.HTTPException):
        return None, b""


def get(n, path):
    status, data = request(n, "GET", path)
    try:
        return json.loads(data) if status == 200 else None
    except ValueError:
        return None


def final_height(n):
    j = get(n, "/v1/info")
    try:
        return j["final"]["height"]
    except (TypeError, KeyError):
        return None


def round_of(n):
    j = get(n, "/v1/info")
    try:
        return j["round"]
    except (TypeError, KeyError):
        return None


def delegates_of(n):
    """(sum of slots_missed, sum of blocks_produced) over the delegates node n lists."""
    j = get(n, "/v1/delegates")
    items = j.get("delegates", j) if isinstance(j, dict) else j
    if not isinstance(items, list):
        return None
    return (sum(d.get("slots_missed", 0) for d in items), sum(d.get("blocks_produced", 0) for d in items))


def conduct_of(n):
    """bfd_peer_conduct_total by event from node n's /metrics ({} when absent)."""
    status, data = request(n, "GET", "/metrics")
    out = {}
    for line in data.decode(errors="replace").splitlines():
        m = re.match(r'^bfd_peer_conduct_total\{event="([a-z_]+)"\} ([0-9.e+]+)$', line)
        if m:
            out[m.group(1)] = int(float(m.group(2)))
    return out


def log_lines(n, pattern):
    try:
        return [l for l in open(os.path.join(work, n + ".log"), errors="replace") if re.search(pattern, l)]
    except OSError:
        return []


def finish(code):
    for p in list(procs.values()):
        if p.poll() is None:
            p.kill()
            p.wait()
    if failures:
        for n in names:
            lines = log_lines(n, ".")
            print("---- %s.log (last 15 lines)\n%s" % (n, "".join(lines[-15:])))
    if os.environ.get("BFD_KEEP_WORK"):
        print("logs kept in " + work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(code)


# ---- the run ----------------------------------------------------------------------------------

t_start = time.time()
for n in names:
    start(n)
if not all(wait_for(60, lambda n=n: (final_height(n) or 0) >= 3) for n in names):
    fail("the three nodes did not reach final height 3")
    finish(1)
ok("three nodes finalize over plain TCP links (b final %s, after %.1f s)" % (final_height("b"), time.time() - t_start))

# Honest transfers, signed ahead: account-01 pays account-02, submitted to a and c in turn.
to = subprocess.run([cli_bin, "key", "show", os.path.join(keys, "account-02.json")], check=True,
                    capture_output=True, text=True).stdout
to = re.search(r"address: (\S+)", to).group(1)
honest = []
for nonce in range(HONEST_TRANSFERS):
    hexed = subprocess.run([cli_bin, "tx", "transfer", "--key", os.path.join(keys, "account-01.json"), "--to", to,
                            "--amount", "0.01", "--nonce", str(nonce), "--expiry", "1000000", "--offline"],
                           check=True, capture_output=True, text=True).stdout.strip().split()[-1]
    tx_id = json.loads(subprocess.run([cli_bin, "tx", "decode", hexed], check=True, capture_output=True,
                                      text=True).stdout)["id"]
    honest.append((hexed, tx_id))

b_pid = procs["b"].pid
samples = []
for _ in range(6):
    samples.append(rss_kib(b_pid))
    time.sleep(0.25)
rss_before = sorted(x for x in samples if x)[len(samples) // 2]
missed_before = delegates_of("b")
round_before = round_of("b")
final_before = {n: final_height(n) for n in names}
conduct_before = conduct_of("b")
cpu_before = cpu_seconds(b_pid)

t0 = time.time()
half = FLOOD_SECONDS / 2
attackers = [subprocess.Popen([attacker_bin, "127.0.0.1", str(peer_port["b"]), str(FLOOD_SECONDS),
                               str(int(TX_RATE * 1.1)), str(JUNK_RATE)], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)]
procs["attacker-1"] = attackers[0]
# A peer with bad luck, not bad intent: correctly signed transfers that expired, as fast as the flood.
stale_peer = subprocess.Popen([attacker_bin, "127.0.0.1", str(peer_port["b"]), str(FLOOD_SECONDS), "200", "0", "1",
                               "stale"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
procs["stale"] = stale_peer
rss_peak = rss_before
submitted = 0
second_started = False
while attackers[0].poll() is None or (second_started and attackers[1].poll() is None):
    now = time.time() - t0
    if not second_started and now >= half:
        attackers.append(subprocess.Popen([attacker_bin, "127.0.0.1", str(peer_port["b"]), str(FLOOD_SECONDS - half),
                                           str(int(TX_RATE * 1.1)), str(JUNK_RATE)], stdout=subprocess.PIPE,
                                          stderr=subprocess.DEVNULL, text=True))
        procs["attacker-2"] = attackers[1]
        second_started = True
    # One honest transfer every FLOOD_SECONDS / HONEST_TRANSFERS, to a and c in turn.
    if submitted < HONEST_TRANSFERS and now >= submitted * FLOOD_SECONDS / HONEST_TRANSFERS:
        n = "a" if submitted % 2 == 0 else "c"
        status, data = request(n, "POST", "/v1/txs", json.dumps({"hex": honest[submitted][0]}))
        if status != 202:
            fail("honest transfer %d: POST /v1/txs on %s answered %s %s" % (submitted, n, status, data[:200]))
        submitted += 1
    r = rss_kib(b_pid)
    if r:
        rss_peak = max(rss_peak, r)
    time.sleep(0.25)
elapsed = time.time() - t0
cpu_flood = cpu_seconds(b_pid) - cpu_before
figures = []
for i, a in enumerate(attackers):
    out = a.stdout.read().strip().splitlines()
    try:
        figures.append(json.loads(out[-1]))
    except (IndexError, ValueError):
        fail("attacker %d printed no figures (exit %s)" % (i + 1, a.returncode))
        figures.append({})
try:
    stale_figures = json.loads(stale_peer.communicate(timeout=30)[0].strip().splitlines()[-1])
except (IndexError, ValueError, subprocess.TimeoutExpired):
    stale_figures = {}
final_during = {n: final_height(n) for n in names}
conduct_after = conduct_of("b")
round_end = round_of("b")
wait_for(20, lambda: (round_of("b") or 0) > (round_end or 0))
for _ in range(4):
    r = rss_kib(b_pid)
    if r:
        rss_peak = max(rss_peak, r)
    time.sleep(0.25)
missed_after = delegates_of("b")
round_after = round_of("b")

# ---- figures and checks -----------------------------------------------------------------------

for i, f in enumerate(figures):
    print("attacker %d: %s" % (i + 1, json.dumps(f, sort_keys=True)))
sent_bad = sum(f.get("sent_bad_signature", 0) for f in figures)
sent_junk = sum(f.get(k, 0) for f in figures for k in ("sent_undecodable", "sent_unexpected", "sent_unknown_type",
                                                          "sent_oversized", "sent_anonymous"))
bad_rate = figures[0].get("sent_bad_signature", 0) / max(figures[0].get("seconds", 1), 1e-9)
print("flood: %d bad-signature relays and %d other offending messages in %.1f s (attacker 1 alone: %.0f bad-signature "
      "relays/s)" % (sent_bad, sent_junk, elapsed, bad_rate))
if bad_rate >= TX_RATE:
    ok("the bad-signature relay flood ran at %.0f/s (target %d)" % (bad_rate, TX_RATE))
else:
    fail("the bad-signature relay flood reached only %.0f/s (target %d)" % (bad_rate, TX_RATE))

delta = {k: conduct_after.get(k, 0) - conduct_before.get(k, 0) for k in set(conduct_after) | set(conduct_before)}
violations = delta.get("bad_signature", 0) + delta.get("undecodable", 0) + delta.get("unexpected_message", 0)
disconnects = delta.get("disconnect", 0)
print("b's peer conduct over the flood: %s" % json.dumps(delta, sort_keys=True))
if not conduct_after:
    fail("b's /metrics has no bfd_peer_conduct_total")
seen = [f.get("disconnects_seen", 0) for f in figures]
if all(s >= 1 for s in seen) and disconnects >= len(figures):
    ok("every attacker identity was disconnected (links closed as seen by the attackers: %s; b counted %d "
       "disconnect(s) and re-closes)" % (seen, disconnects))
else:
    fail("an attacker was not disconnected (links closed as seen by the attackers: %s; b's disconnects: %d)" %
         (seen, disconnects))
first_runs = len(figures)  # each identity's first run of violations ends in a disconnect
if violations <= MAX_VIOLATIONS * first_runs and violations > 0:
    ok("b recorded %d violation(s) for %d identit(ies): disconnected after at most %d each; %d later message(s) "
       "refused unread" % (violations, first_runs, MAX_VIOLATIONS, delta.get("refused", 0)))
else:
    fail("b recorded %d violation(s) for %d identit(ies) (at most %d each allowed)" %
         (violations, first_runs, MAX_VIOLATIONS))
firsts = [(f.get("first_link_sent", 0), f.get("first_link_seconds", 0)) for f in figures]
print("first links: messages sent before the close was seen, and how long they lasted: %s" %
      ", ".join("%d in %.3f s" % x for x in firsts))
print("stale peer: %s" % json.dumps(stale_figures, sort_keys=True))
if stale_figures.get("sent_stale", 0) > 0 and stale_figures.get("connects") == 1 and \
        stale_figures.get("disconnects_seen") == 0:
    ok("a peer relaying %d correctly signed but expired transfers kept its one link" % stale_figures["sent_stale"])
else:
    fail("the stale-but-honest peer was disconnected or did not run: %s" % stale_figures)
if delta.get("anonymous_relay", 0) > 0:
    ok("%d relay(s) without a sender dropped unread" % delta["anonymous_relay"])

lost = {n: len(log_lines(n, r"lost peer [abc];|lost a peer node")) for n in names}
if all(v == 0 for v in lost.values()):
    ok("no honest link was lost (a, b, c log no lost peer)")
else:
    fail("honest links were lost during the flood: %s" % lost)
for i, (hexed, tx_id) in enumerate(honest[:submitted]):
    for n in names:
        if not wait_for(30, lambda n=n, tx_id=tx_id: (get(n, "/v1/txs/" + tx_id) or {}).get("status") == "final"):
            fail("honest transfer %d (%s) not final on node %s" % (i, tx_id[:16], n))
if submitted == HONEST_TRANSFERS and not any("honest transfer" in f for f in failures):
    ok("all %d honest transfers final on a, b and c" % submitted)

if missed_before and missed_after and round_before is not None and round_after is not None:
    k = 6  # the genesis cluster of config/three-nodes.toml: six delegates, one slot each a round
    slots = (round_after - round_before) * k
    missed = missed_after[0] - missed_before[0]
    print("slots: %d slots closed in rounds %d-%d, %d missed; blocks produced %d" %
          (slots, round_before, round_after, missed, missed_after[1] - missed_before[1]))
    if slots > 0 and missed * 10 <= slots:
        ok("%d of %d slots missed (at most 1 in 10)" % (missed, slots))
    else:
        fail("%d of %d slots missed (more than 1 in 10)" % (missed, slots))
else:
    fail("could not read the delegates' counters or the round from b")

print("cpu: b used %.1f s of CPU during the %.1f s flood (%.0f%% of one core)" %
      (cpu_flood, elapsed, 100 * cpu_flood / elapsed))
growth = (rss_peak - rss_before) / 1024
print("rss: b %.1f MiB before, peak %.1f MiB during and after (growth %.1f MiB)" %
      (rss_before / 1024, rss_peak / 1024, growth))
if growth < RSS_GROWTH_MIB:
    ok("b's resident set grew %.1f MiB (bound %.0f MiB)" % (growth, RSS_GROWTH_MIB))
else:
    fail("b's resident set grew %.1f MiB (bound %.0f MiB)" % (growth, RSS_GROWTH_MIB))
for n in names:
    if (final_during[n] or 0) >= (final_before[n] or 0) + 3:
        ok("node %s finalized during the flood (%s -> %s)" % (n, final_before[n], final_during[n]))
    else:
        fail("node %s did not finalize during the flood (%s -> %s)" % (n, final_before[n], final_during[n]))

for n in names:
    procs[n].terminate()
for n in names:
    try:
        procs[n].wait(15)
        ok("node %s stopped on SIGTERM" % n)
    except subprocess.TimeoutExpired:
        fail("node %s did not stop within 15 s of SIGTERM" % n)
summary = log_lines("b", "gate b: stopped;")
if summary:
    print("b's gate: " + summary[-1].split("stopped; ", 1)[1].strip())
print("peer flood: %.0f s in all" % (time.time() - t_start))
if failures:
    print("peer flood: %d check(s) failed" % len(failures))
    finish(1)
print("peer flood: all checks passed")
finish(0)
