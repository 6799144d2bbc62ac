#!/usr/bin/env python3
"""The checks of tools/chaos/bfd-chaos can fail (docs/chaos.md): each invariant is fed a fake node
(a small HTTP server answering /v1/info, /v1/blocks/{h} and /v1/accounts/{a} from a table) that
breaks it, and must report the violation by name; an honest pair of fake nodes reports none. The
runner's TCP proxy is checked against a local echo server: bytes pass, a cut closes the open
connection and refuses new ones, a heal lets them through again, and a delay holds each chunk.

Last, bfd-node refuses a BFD_TEST_CLOCK_OFFSET_MS that is not a bounded integer, naming it.

Usage: chaos_checks_test.py REPO_ROOT BFD_NODE
"""
import http.server
import importlib.machinery
import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
import types

root = sys.argv[1]
loader = importlib.machinery.SourceFileLoader("bfd_chaos", os.path.join(root, "tools/chaos/bfd-chaos"))
spec = importlib.util.spec_from_loader("bfd_chaos", loader)
chaos = importlib.util.module_from_spec(spec)
loader.exec_module(chaos)

failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


class FakeNode:
    """Serves `self.routes[path]` as JSON (404 for a path not in the table)."""

    def __init__(self):
        self.routes = {}
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = outer.routes.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/json")
                data = json.dumps(body if body is not None else {"error": {"code": "not_found"}}).encode()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def chain(self, final, hashes, txs=None):
        self.routes["/v1/info"] = {"final": {"height": final}, "head": {"height": final}}
        for h, x in hashes.items():
            self.routes["/v1/blocks/%d" % h] = {"hash": x, "height": h, "transactions": (txs or {}).get(h, [])}


def runner(nodes):
    args = types.SimpleNamespace(nodes=len(nodes), seed=1, poll_interval=0.1)
    c = chaos.Chaos(args)
    for n, fake in zip(c.nodes, nodes):
        n.http_port = fake.port
        n.state = "up"
    return c


def kinds(c):
    return sorted(set(k for k, _ in c.violations))


transfer = {"id": "11" * 32, "kind": "transfer", "sender_address": "bfd" + "1" * 40, "to": "bfd" + "2" * 40,
            "amount_units": 5, "fee_units": 10000, "nonce": 0}

# Two honest nodes: one chain, no violation.
x, y = FakeNode(), FakeNode()
x.chain(3, {1: "aa", 2: "bb", 3: "cc"}, {2: [transfer]})
y.chain(2, {1: "aa", 2: "bb"}, {2: [transfer]})
c = runner([x, y])
for n in c.nodes:
    c.poll_node(n)
check(kinds(c) == [] and c.checks["final_block_hash"] == 5, "two nodes with one chain: no violation (%s)" % c.violations)
check(c.final_count[transfer["id"]] == 1, "a transfer in one final block is counted once")

# Conflicting final blocks at one height.
y.chain(2, {1: "aa", 2: "b2"})
c = runner([x, y])
for n in c.nodes:
    c.poll_node(n)
check(kinds(c) == ["conflicting_final_blocks"], "different hashes at final height 2 are reported (%s)" % kinds(c))

# A final height that goes back.
c = runner([x])
c.poll_node(c.nodes[0])
x.chain(2, {1: "aa", 2: "bb"})
c.poll_node(c.nodes[0])
check(kinds(c) == ["final_height_regressed"], "final height 3 then 2 is reported (%s)" % kinds(c))

# One transaction in two final blocks.
x.chain(3, {1: "aa", 2: "bb", 3: "cc"}, {2: [transfer], 3: [transfer]})
c = runner([x])
c.poll_node(c.nodes[0])
check(kinds(c) == ["tx_final_twice"], "a transaction final at heights 2 and 3 is reported (%s)" % kinds(c))

# Balances: the right one passes, a wrong balance or nonce is reported.
addr = transfer["sender_address"]
x.routes["/v1/accounts/" + addr] = {"address": addr, "balance_units": 100, "nonce": 1}
c = runner([x])
c.check_account(c.nodes[0], addr, 100, 1)
check(kinds(c) == [], "a balance equal to the final transfers' sum passes")
c.check_account(c.nodes[0], addr, 99, 1)
c.check_account(c.nodes[0], addr, 100, 2)
check(kinds(c) == ["wrong_balance"] and len(c.violations) == 2, "a wrong balance and a wrong nonce are reported")

# An admitted transfer that is never final is lost; a final transfer the runner never signed is unexpected.
x.chain(2, {1: "aa", 2: "bb"}, {2: [transfer]})
c = runner([x])
c.args.recover_timeout = 1
c.senders = [{"address": addr, "key": "", "next": 1, "nonces": {}}]
c.recipients = []
c.txs["22" * 32] = {"id": "22" * 32, "sender": addr, "nonce": 1, "submits": 1}
c.accepted.add("22" * 32)
c.poll_node(c.nodes[0])
x.routes["/v1/accounts/" + addr] = {"address": addr, "balance_units": chaos.GENESIS_UNITS - 10005, "nonce": 1}
c.final_checks()
check(kinds(c) == ["lost_transaction", "unexpected_transaction"], "a lost and an unexpected transaction are reported (%s)" % kinds(c))

# A stall: no node passes the target after the heal.
c = runner([x])
c.args.recover_timeout = 0.5
c.nodes[0].final, c.nodes[0].seen_at = 2, time.monotonic()
check(c.wait_recovery(time.monotonic(), "test") is None and kinds(c) == ["finality_stall"], "a finality stall is reported")

# The proxy, in front of an echo server.
echo = socket.socket()
echo.bind(("127.0.0.1", 0))
echo.listen(8)


def serve_echo():
    while True:
        conn, _ = echo.accept()

        def pump(s):
            while True:
                data = s.recv(4096)
                if not data:
                    s.close()
                    return
                s.sendall(data)
        threading.Thread(target=pump, args=(conn,), daemon=True).start()


threading.Thread(target=serve_echo, daemon=True).start()
proxy = chaos.Proxy()
port = proxy.add("a", "b", echo.getsockname()[1])


def round_trip(s, data=b"ping"):
    s.sendall(data)
    got = b""
    while len(got) < len(data):
        chunk = s.recv(4096)
        if not chunk:
            return None
        got += chunk
    return got


s = socket.create_connection(("127.0.0.1", port), timeout=3)
check(round_trip(s) == b"ping", "bytes pass the proxy")
proxy.set_cut([("a", "b")], True)
try:
    closed = round_trip(s) is None
except OSError:
    closed = True
check(closed, "a cut closes the open connection")
s2 = socket.create_connection(("127.0.0.1", port), timeout=3)
try:
    refused = round_trip(s2) is None
except OSError:
    refused = True
check(refused, "a cut link refuses new connections")
proxy.set_cut([("a", "b")], False)
s3 = socket.create_connection(("127.0.0.1", port), timeout=3)
check(round_trip(s3) == b"ping", "a healed link passes bytes again")
proxy.set_delay([("a", "b")], 300)
t = time.monotonic()
ok = round_trip(s3) == b"ping"
took = time.monotonic() - t
check(ok and took >= 0.55, "a 300 ms delay each way holds a round trip for %.2f s (>= 0.6 s)" % took)
proxy.close()

# bfd-node's clock skew hook takes only an integer within an hour, either way.
for bad in ["abc", "12ms", "3600001", "-3600001"]:
    env = dict(os.environ, BFD_TEST_CLOCK_OFFSET_MS=bad)
    out = subprocess.run([sys.argv[2], "--topology", "/nonexistent/topology.toml", "--node", "a"], env=env,
                         capture_output=True, text=True, timeout=30)
    check(out.returncode != 0 and "BFD_TEST_CLOCK_OFFSET_MS: expected an integer" in out.stderr,
          "bfd-node refuses BFD_TEST_CLOCK_OFFSET_MS=%s (exit %d)" % (bad, out.returncode))

if failures:
    print("chaos_checks: %d check(s) failed" % len(failures))
    sys.exit(1)
print("chaos_checks: all checks passed")
