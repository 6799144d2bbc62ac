#!/usr/bin/env python3
"""Floods (issue 17 item 6): three real bfd-node processes (config/three-nodes.toml on free ports,
plain TCP links, which a loopback-only network may use: every frame then reaches node b's peer gate
and, past it, CAF, the worst case; a TLS network drops strangers at the handshake) while node b
takes, for FLOOD_SECONDS (default 30):
  - malformed BASP frames on its peer port at >= FRAME_RATE a second (default 1000), from
    addresses 127.0.x.y other than the nodes' 127.0.0.1: unknown operations, oversized announced
    payloads, and well-framed frames whose payload is garbage (a client handshake or an actor
    message before any handshake: those pass the gate's header check and reach CAF). Each
    connection sends one frame at a time until the node closes it (a reconnect follows); the
    frames each connection got through before its disconnect are counted;
  - bad-signature transactions over HTTP at >= TX_RATE a second (default 500): batches of 25 on
    POST /v1/txs/batch and single POST /v1/txs, from three client addresses (each under the
    per-address rate bound), every signature a fresh corruption of a real one.
Measures and checks: slots missed in the window (the delegates' slots_missed counters on
/v1/delegates, read after the rounds covering the window have closed) at most 1 in 10; node b's
resident set growth from before the flood to its peak during and after it under 50 MiB; every
connection disconnected after at most 10 malformed frames; every bad transaction refused
(bad_signature), none admitted; finality going on during and after; clean stops on SIGTERM.
Prints the figures. Usage: flood_test.py BFD_NODE BFD_CLI REPO_ROOT
Env: FLOOD_SECONDS, FRAME_RATE, TX_RATE, RSS_GROWTH_MIB (a sanitizer build's shadow memory counts
too), BFD_KEEP_WORK=1 keeps the logs, FLOOD_PAUSE_NODE=c (a self-check of the measurement: that
node is stopped with SIGSTOP for the flood, so its delegates miss their slots and the missed-slot
check must fail)."""
import http.client
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bfdcheck import cpu_seconds, fail, failures, free_port, ok, rss_kib, wait_for  # noqa: E402

node_bin, cli_bin, root = (os.path.realpath(a) for a in sys.argv[1:4])
FLOOD_SECONDS = float(os.environ.get("FLOOD_SECONDS", "30"))
FRAME_RATE = int(os.environ.get("FRAME_RATE", "1000"))
TX_RATE = int(os.environ.get("TX_RATE", "500"))
RSS_GROWTH_MIB = float(os.environ.get("RSS_GROWTH_MIB", "50"))
MAX_FRAMES_PER_LINK = 10   # the target: disconnected after at most this many violations
FRAME_CAP = 25             # a connection still open after this many frames is a failure
work = tempfile.mkdtemp(prefix="bfd-floods-")
procs = {}


# ---- the network ------------------------------------------------------------------------------

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


def start(n):
    log = open(os.path.join(work, n + ".log"), "a")
    procs[n] = subprocess.Popen([node_bin, "--topology", topology, "--node", n], cwd=work, stdout=log,
                                stderr=subprocess.STDOUT)


def get(n, path, timeout=3):
    try:
        c = http.client.HTTPConnection("127.0.0.1", http_port[n], timeout=timeout)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        c.close()
        return json.loads(body) if r.status == 200 else None
    except (OSError, ValueError, http.client.HTTPException):
        return None


def final_height(n):
    j = get(n, "/v1/info")
    try:
        return j["final"]["height"]
    except (TypeError, KeyError):
        return None


def delegates_of(n):
    """(sum of slots_missed, sum of blocks_produced) over the delegates node n lists."""
    j = get(n, "/v1/delegates")
    items = j.get("delegates", j) if isinstance(j, dict) else j
    if not isinstance(items, list):
        return None
    return (sum(d.get("slots_missed", 0) for d in items), sum(d.get("blocks_produced", 0) for d in items))


def round_of(n):
    j = get(n, "/v1/info")
    try:
        return j["round"]
    except (TypeError, KeyError):
        return None


def finish(code):
    for n, p in procs.items():
        if p.poll() is None:
            p.kill()
            p.wait()
    if failures:
        for n in names:
            try:
                lines = open(os.path.join(work, n + ".log"), errors="replace").read().splitlines()
                print("---- %s.log (last 15 lines)\n%s" % (n, "\n".join(lines[-15:])))
            except OSError:
                pass
    if os.environ.get("BFD_KEEP_WORK"):
        print("logs kept in " + work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(code)


# ---- the frame flood --------------------------------------------------------------------------

def basp(op, payload_len, op_data=0, src=0, dst=0, pad=0):
    return struct.pack(">BBBBIQQQ", op, pad, pad, 0, payload_len, op_data, src, dst)


def malformed_frame(rng, i):
    kind = i % 4
    if kind == 0:   # an operation BASP does not have
        return "bad_operation", basp(rng.randint(7, 255), 0)
    if kind == 1:   # a payload far over the gate's bound
        return "oversized", basp(2, rng.randint(1 << 25, 0xFFFFFFFF), 0, 1, 1)
    if kind == 2:   # a client handshake whose payload is garbage
        n = rng.randint(8, 200)
        return "garbage_handshake", basp(1, n, rng.getrandbits(64)) + rng.randbytes(n)
    n = rng.randint(8, 200)   # an actor message before any handshake, garbage payload
    return "early_message", basp(2, n, 0, rng.getrandbits(32), rng.getrandbits(32)) + rng.randbytes(n)


class frame_stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.frames = 0             # frames written
        self.connections = 0
        self.refused = 0            # closed before a frame could be written (backed off, busy)
        self.per_link = {}          # frames written before the disconnect -> connections
        self.per_kind_worst = {}    # kind -> most frames one connection of that kind took
        self.kinds = {}
        self.never_closed = 0
        self.connect_errors = 0


def closed_within(s, seconds):
    """True if the peer closed (or reset) the connection within `seconds`."""
    r, _, _ = select.select([s], [], [], seconds)
    if not r:
        return False
    try:
        return s.recv(4096) == b""  # data would be odd; treat only EOF as closed
    except OSError:
        return True


def frame_worker(w, workers, stop, st, rate):
    rng = random.Random(w)
    interval = workers / rate
    next_at = time.time()
    ip_index = 0
    conns_on_ip = 0
    i = w
    while time.time() < stop:
        # A fresh address after every 4 connections: a backed-off address is refused whole, so
        # the flood keeps reaching the frame check (the many-host attacker, the worst case).
        if conns_on_ip >= 4:
            ip_index += 1
            conns_on_ip = 0
        conns_on_ip += 1
        src = "127.%d.%d.%d" % (1 + w, 1 + (ip_index // 250) % 250, 2 + ip_index % 250)
        try:
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.bind((src, 0))
            s.settimeout(2)
            s.connect(("127.0.0.1", peer_port["b"]))
        except OSError:
            with st.lock:
                st.connect_errors += 1
            time.sleep(0.01)
            continue
        sent = 0
        refused = False
        try:
            if closed_within(s, 0.001):
                refused = True
            while not refused and sent < FRAME_CAP and time.time() < stop:
                now = time.time()
                if now < next_at:
                    time.sleep(next_at - now)
                next_at = max(next_at + interval, time.time() - 0.05)
                kind, frame = malformed_frame(rng, i)  # one kind per connection
                s.sendall(frame)
                sent += 1
                with st.lock:
                    st.frames += 1
                    st.kinds[kind] = st.kinds.get(kind, 0) + 1
                if closed_within(s, 0.05):
                    break
            else:
                if not refused and sent >= FRAME_CAP:
                    with st.lock:
                        st.never_closed += 1
        except OSError:
            pass  # reset while writing: closed
        s.close()
        i += 1
        with st.lock:
            st.connections += 1
            if refused or sent == 0:
                st.refused += 1
            else:
                st.per_link[sent] = st.per_link.get(sent, 0) + 1
                st.per_kind_worst[kind] = max(st.per_kind_worst.get(kind, 0), sent)


# ---- the transaction flood --------------------------------------------------------------------

class tx_stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = 0
        self.requests = 0
        self.reasons = {}       # error reason -> transactions
        self.admitted = 0
        self.rate_limited = 0   # transactions in requests refused with 429
        self.errors = 0         # no answer


def corrupt(tx_hex, rng):
    """The transaction with a signature nobody made: some bits of its last 64 bytes flipped."""
    raw = bytearray(bytes.fromhex(tx_hex))
    for _ in range(3):
        k = len(raw) - 1 - rng.randrange(64)
        raw[k] ^= 1 << rng.randrange(8)
    return raw.hex()


def tx_worker(src, mode, per_request, rate, stop, st, txs, seed):
    rng = random.Random(seed)
    interval = per_request / rate
    next_at = time.time()
    conn = None
    while time.time() < stop:
        now = time.time()
        if now < next_at:
            time.sleep(next_at - now)
        next_at = max(next_at + interval, time.time() - 0.2)
        batch = [corrupt(rng.choice(txs), rng) for _ in range(per_request)]
        if mode == "batch":
            path, body = "/v1/txs/batch", json.dumps({"txs": batch})
        else:
            path, body = "/v1/txs", json.dumps({"hex": batch[0]})
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", http_port["b"], timeout=5, source_address=(src, 0))
            conn.request("POST", path, body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            answer = r.read()
            status = r.status
        except (OSError, http.client.HTTPException):
            if conn:
                conn.close()
            conn = None
            with st.lock:
                st.errors += per_request
                st.sent += per_request
            continue
        try:
            j = json.loads(answer)
        except ValueError:
            j = None
        with st.lock:
            st.sent += per_request
            st.requests += 1
            if status == 429:
                st.rate_limited += per_request
            elif mode == "batch" and status == 200 and isinstance(j, dict):
                st.admitted += j.get("accepted", 0)
                for item in j.get("results", []):
                    reason = item["error"].get("code", "?") if "error" in item else "admitted"
                    st.reasons[reason] = st.reasons.get(reason, 0) + 1
            elif mode == "single" and isinstance(j, dict) and "error" in j:
                reason = j["error"].get("code", str(status))
                st.reasons[reason] = st.reasons.get(reason, 0) + 1
            else:
                st.admitted += 1 if status in (200, 202) else 0
                st.reasons["http %d" % status] = st.reasons.get("http %d" % status, 0) + 1


# ---- the run ----------------------------------------------------------------------------------

t_start = time.time()
for n in names:
    start(n)
if not all(wait_for(60, lambda n=n: (final_height(n) or 0) >= 3) for n in names):
    fail("the three nodes did not reach final height 3")
    finish(1)
ok("three nodes finalize over plain TCP links (b final %s, after %.1f s)" % (final_height("b"), time.time() - t_start))

# Bad-signature transactions: real transfers signed by bfd-cli, whose signatures get corrupted.
key = os.path.join(work, "flooder.json")
subprocess.run([cli_bin, "key", "new", "--out", key], check=True, capture_output=True)
txs = []
for nonce in range(4):
    out = subprocess.run([cli_bin, "tx", "transfer", "--key", key, "--to", "bfd" + "11" * 20, "--amount", "1u",
                          "--nonce", str(nonce), "--expiry", "1000000", "--offline"],
                         check=True, capture_output=True, text=True).stdout
    txs.append(out.strip().split()[-1])

b_pid = procs["b"].pid
rss_samples = []
missed_before = delegates_of("b")
round_before = round_of("b")
final_before = {n: final_height(n) for n in names}
for _ in range(6):
    rss_samples.append(rss_kib(b_pid))
    time.sleep(0.25)
rss_before = sorted(x for x in rss_samples if x)[len(rss_samples) // 2]

fs, ts = frame_stats(), tx_stats()
cpu_before = cpu_seconds(b_pid)
t0 = time.time()
stop = t0 + FLOOD_SECONDS
frame_workers = 16
threads = [threading.Thread(target=frame_worker, args=(w, frame_workers, stop, fs, FRAME_RATE * 1.1))
           for w in range(frame_workers)]
batch_rate = TX_RATE * 1.1 * 4 / 5
single_rate = TX_RATE * 1.1 / 5 / 2
threads.append(threading.Thread(target=tx_worker, args=("127.0.0.2", "batch", 25, batch_rate, stop, ts, txs, 1)))
threads.append(threading.Thread(target=tx_worker, args=("127.0.0.3", "single", 1, single_rate, stop, ts,
                                                        txs, 2)))
threads.append(threading.Thread(target=tx_worker, args=("127.0.0.4", "single", 1, single_rate, stop, ts,
                                                        txs, 3)))
pause = os.environ.get("FLOOD_PAUSE_NODE")
if pause:
    procs[pause].send_signal(signal.SIGSTOP)
for t in threads:
    t.start()
rss_peak = rss_before
final_during = {}
while any(t.is_alive() for t in threads):
    r = rss_kib(b_pid)
    if r:
        rss_peak = max(rss_peak, r)
    time.sleep(0.25)
for t in threads:
    t.join()
elapsed = time.time() - t0
cpu_flood = cpu_seconds(b_pid) - cpu_before
if pause:
    procs[pause].send_signal(signal.SIGCONT)
final_during = {n: final_height(n) for n in names}
# The slots of the window are counted when their round closes: wait out the round under way.
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

frame_rate = fs.frames / elapsed
print("frames: %d malformed frames in %.1f s (%.0f/s) on %d connections (%d refused at once); kinds %s" %
      (fs.frames, elapsed, frame_rate, fs.connections, fs.refused, json.dumps(fs.kinds, sort_keys=True)))
print("frames written per connection before its disconnect: %s; the most by kind %s" %
      (json.dumps({str(k): v for k, v in sorted(fs.per_link.items())}), json.dumps(fs.per_kind_worst, sort_keys=True)))
tx_rate = ts.sent / elapsed
print("transactions: %d bad-signature transactions in %.1f s (%.0f/s) in %d requests; %d admitted; %d rate-limited "
      "(429); %d unanswered; reasons %s" % (ts.sent, elapsed, tx_rate, ts.requests, ts.admitted, ts.rate_limited,
                                            ts.errors, json.dumps(ts.reasons, sort_keys=True)))
if frame_rate >= FRAME_RATE:
    ok("the frame flood ran at %.0f frames/s (target %d)" % (frame_rate, FRAME_RATE))
else:
    fail("the frame flood reached only %.0f frames/s (target %d): the attacker could not keep up" %
         (frame_rate, FRAME_RATE))
if tx_rate >= TX_RATE:
    ok("the transaction flood ran at %.0f transactions/s (target %d)" % (tx_rate, TX_RATE))
else:
    fail("the transaction flood reached only %.0f transactions/s (target %d)" % (tx_rate, TX_RATE))
worst = max(fs.per_link) if fs.per_link else 0
if fs.never_closed == 0 and worst <= MAX_FRAMES_PER_LINK:
    ok("every connection was disconnected after at most %d malformed frame(s) (target %d)" %
       (worst, MAX_FRAMES_PER_LINK))
else:
    fail("%d connection(s) still open after %d frames; the worst took %d frames" % (fs.never_closed, FRAME_CAP, worst))
if ts.admitted == 0 and ts.reasons.get("bad_signature", 0) > 0 and \
        all(r in ("bad_signature",) for r in ts.reasons):
    ok("all %d answered bad-signature transactions were refused as bad_signature" % sum(ts.reasons.values()))
else:
    fail("bad-signature transactions: %d admitted, reasons %s" % (ts.admitted, ts.reasons))

if missed_before and missed_after and round_before is not None and round_after is not None:
    k = 6  # the genesis cluster of config/three-nodes.toml: six delegates, one slot each a round
    slots = (round_after - round_before) * k
    missed = missed_after[0] - missed_before[0]
    print("slots: %d slots closed in rounds %d-%d (the flood's %.1f s and the round after it), %d missed; "
          "blocks produced %d" % (slots, round_before, round_after, elapsed, missed, missed_after[1] - missed_before[1]))
    if slots > 0 and missed * 10 <= slots:
        ok("%d of %d slots missed (at most 1 in 10)" % (missed, slots))
    else:
        fail("%d of %d slots missed (more than 1 in 10)" % (missed, slots))
else:
    fail("could not read the delegates' counters or the round from b (%s %s %s %s)" %
         (missed_before, missed_after, round_before, round_after))

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
    target = (final_during[n] or 0) + 3
    if wait_for(20, lambda n=n: (final_height(n) or 0) >= target):
        ok("node %s finalizes after it (%s)" % (n, final_height(n)))
    else:
        fail("node %s stopped finalizing after the flood" % n)

for n in names:
    procs[n].terminate()
for n in names:
    try:
        procs[n].wait(15)
        ok("node %s stopped on SIGTERM" % n)
    except subprocess.TimeoutExpired:
        fail("node %s did not stop within 15 s of SIGTERM" % n)
summary = [l for l in open(os.path.join(work, "b.log"), errors="replace") if "gate b: stopped;" in l]
if summary:
    print("b's gate: " + summary[-1].split("stopped; ", 1)[1].strip())
else:
    fail("b's gate logged no summary when it stopped")
print("floods: %.0f s in all" % (time.time() - t_start))
if failures:
    print("floods: %d check(s) failed" % len(failures))
    finish(1)
print("floods: all checks passed")
finish(0)
