#!/usr/bin/env python3
"""Slowloris against a real `bfd-node --dev` (docs/http.md "The server", docs/reliability.md).

500 sockets open connections to the node's HTTP port and send a request head one header line a
second, never finishing it; each one the node closes is reopened at once. Meanwhile an honest
client sends 200 `GET /v1/info`, each on a new connection, 20 a second. Checks: every honest
request is answered 200 and their p99 latency is under 500 ms; the node closes the slow sockets
itself (the head deadline), so they are reopened during the run; the node is healthy at the end.
Prints p50/p99/max of the honest requests and what the attack saw.

Usage: slowloris_test.py BFD_NODE [ATTACK_SOCKETS] [HONEST_REQUESTS]
"""
import http.client
import os
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bfdcheck import fail, failures, free_port, ok, wait_for  # noqa: E402

node_bin = sys.argv[1]
ATTACKERS = int(sys.argv[2]) if len(sys.argv) > 2 else 500
HONEST = int(sys.argv[3]) if len(sys.argv) > 3 else 200
HONEST_PER_SECOND = 20
P99_LIMIT_MS = 500.0
work = tempfile.mkdtemp(prefix="bfd-slowloris-")


port = free_port()


def get(path, timeout=10.0):
    """(status, seconds) of one GET on a new connection; status 0 on a transport error."""
    start = time.monotonic()
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        c.close()
        return r.status, time.monotonic() - start
    except (OSError, http.client.HTTPException):
        return 0, time.monotonic() - start


class slowloris:
    """ATTACKERS sockets in one thread: each sends a request head a line a second, never ending it,
    and is reopened when the node closes it."""

    def __init__(self, count):
        self.count = count
        self.sel = selectors.DefaultSelector()
        self.stop = threading.Event()
        self.open = 0
        self.peak = 0
        self.closed_by_node = 0
        self.lifetimes = []  # seconds from connect to the node's close
        self.refused = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def connect(self):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect_ex(("127.0.0.1", port))
        except OSError:
            self.refused += 1
            s.close()
            return
        self.sel.register(s, selectors.EVENT_READ, {"at": time.monotonic(), "next": 0.0, "sent": 0})
        self.open += 1
        self.peak = max(self.peak, self.open)

    def drop(self, s, by_node):
        data = self.sel.get_key(s).data
        self.sel.unregister(s)
        s.close()
        self.open -= 1
        if by_node:
            self.closed_by_node += 1
            self.lifetimes.append(time.monotonic() - data["at"])

    def run(self):
        for _ in range(self.count):
            self.connect()
        while not self.stop.is_set():
            now = time.monotonic()
            for key, _ in self.sel.select(timeout=0.1):
                s = key.fileobj
                try:
                    chunk = s.recv(4096)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    chunk = b""
                if not chunk:  # the node closed it (or answered and closed): reopen
                    self.drop(s, True)
                    self.connect()
            for key in list(self.sel.get_map().values()):
                d = key.data
                if now < d["next"]:
                    continue
                line = b"GET /v1/info HTTP/1.1\r\nHost: x\r\n" if d["sent"] == 0 else b"X-Slow-%d: y\r\n" % d["sent"]
                try:
                    key.fileobj.send(line)
                    d["sent"] += 1
                    d["next"] = now + 1.0
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    self.drop(key.fileobj, True)
                    self.connect()
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()


node = subprocess.Popen(
    [node_bin, "--dev", "--data-dir", os.path.join(work, "data"), "--http", "127.0.0.1:%d" % port,
     "--log-level", "warn"],
    stdout=open(os.path.join(work, "node.log"), "w"), stderr=subprocess.STDOUT)
attack = None
try:
    if not wait_for(60, lambda: get("/healthz", 2.0)[0] == 200):
        fail("the node did not serve /healthz within 60 s (log: %s)" % os.path.join(work, "node.log"))
        raise SystemExit(1)
    ok("node up on port %d" % port)
    baseline = sorted(get("/v1/info")[1] for _ in range(10))
    attack = slowloris(ATTACKERS)
    attack.thread.start()
    wait_for(10, lambda: attack.open >= ATTACKERS)
    time.sleep(1.0)  # every slow socket has sent its first line
    print("attack: %d slow sockets open" % attack.open)
    latencies = []
    statuses = {}
    start = time.monotonic()
    for i in range(HONEST):
        due = start + i / HONEST_PER_SECOND
        if due > time.monotonic():
            time.sleep(due - time.monotonic())
        status, seconds = get("/v1/info")
        statuses[status] = statuses.get(status, 0) + 1
        latencies.append(seconds * 1000.0)
    # Let the head deadline close the sockets opened last as well.
    wait_for(8, lambda: attack.closed_by_node >= ATTACKERS)
    attack.stop.set()
    attack.thread.join(10)
    latencies.sort()
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print("honest GET /v1/info under %d slowloris sockets: %d requests, statuses %s, p50 %.1f ms, p99 %.1f ms, "
          "max %.1f ms (without the attack: p50 %.1f ms)"
          % (ATTACKERS, HONEST, statuses, p50, p99, latencies[-1], baseline[len(baseline) // 2] * 1000.0))
    life = sorted(attack.lifetimes)
    print("attack: peak %d open, %d closed by the node (slow socket lifetime p50 %.1f s, max %.1f s), %d refused"
          % (attack.peak, attack.closed_by_node, life[len(life) // 2] if life else 0, life[-1] if life else 0,
             attack.refused))
    if statuses.get(200, 0) != HONEST:
        fail("%d of %d honest requests were not answered 200: %s" % (HONEST - statuses.get(200, 0), HONEST, statuses))
    else:
        ok("every honest request answered 200")
    if p99 >= P99_LIMIT_MS:
        fail("honest p99 %.1f ms >= %.0f ms" % (p99, P99_LIMIT_MS))
    else:
        ok("honest p99 %.1f ms < %.0f ms" % (p99, P99_LIMIT_MS))
    if attack.peak < ATTACKERS:
        fail("only %d of %d slow sockets were open at once" % (attack.peak, ATTACKERS))
    if attack.closed_by_node < ATTACKERS:
        fail("the node closed only %d slow sockets: the head deadline does not hold" % attack.closed_by_node)
    elif life and (life[0] < 4.0 or life[-1] > 15.0):
        fail("slow sockets lived %.1f..%.1f s: the head deadline is 5 s after the first byte" % (life[0], life[-1]))
    else:
        ok("the node closed every slow socket at its head deadline")
    if get("/healthz")[0] != 200:
        fail("the node is not healthy after the attack")
finally:
    if attack:
        attack.stop.set()
    node.terminate()
    try:
        node.wait(15)
    except subprocess.TimeoutExpired:
        node.kill()
        node.wait()
    if not failures:
        shutil.rmtree(work, ignore_errors=True)

if failures:
    print("slowloris: %d failure(s)" % len(failures), file=sys.stderr)
    sys.exit(1)
print("slowloris: ok")
