#!/usr/bin/env python3
"""A peg send carried by a bridge whose node got the send's block by a reorganisation after a
partition (issue 17, ctest integration_peg_sync).

Two bfd-node processes from config/three-nodes.toml adapted (plain TCP on free ports, 400 ms
slots, peg = true, chain 2 only): node a runs delegates 01-04 (7/9 of the mainchain's power, so it
finalizes alone, and every validator of chain 2), node c runs delegates 05-06 and replicates
chain 2; the bridge of pair 1-2 runs on c only. Each node reaches the other through a TCP proxy of
this test (each node's copy of the topology names the proxy's port for the other), so a partition
is a switch in the proxy. Steps:
  1. both up and linked, then the proxy cuts them apart: c keeps producing the mainchain in its
     own slots (a fork of its own, never final), a finalizes alone;
  2. alice sends 5 BFDT to bob on chain 2 through a (bfd-cli peg send): final on a, unseen by c;
  3. once c's fork is higher than a's final block holding the send, the partition heals: c
     catches up from a and switches to a's branch, so the send's block is applied on c together
     with the blocks around it, never alone as its head (the case that lost outboxes);
  4. c's bridge carries the message: it is `delivered` on a (bob's vouchers minted on chain 2 and
     the acknowledgement home), c's log never says an outbox was not available, and after both
     stop, `bfd-node --check-storage` finds each data directory sound (it checks every `o`
     record against its block's outbox_root and that no block with peg traffic lacks one).
Every wait is bounded (polling). Usage: peg_sync_test.py BFD_NODE BFD_CLI REPO_ROOT [--keep]
"""
import json
import os
import re
import shutil
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

UNIT = 100_000_000


class Proxy:
    """A TCP relay from a local port to `target`; cut() drops every connection and refuses new
    ones until heal()."""

    def __init__(self, target):
        self.target, self.cut_off, self.socks, self.lock = target, False, set(), threading.Lock()
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                down, _ = self.server.accept()
            except OSError:
                return
            if self.cut_off:
                down.close()
                continue
            try:
                up = socket.create_connection(("127.0.0.1", self.target), timeout=5)
                up.settimeout(None)
            except OSError:
                down.close()
                continue
            with self.lock:
                self.socks.update((down, up))
            for src, dst in ((down, up), (up, down)):
                threading.Thread(target=self.pump, args=(src, dst), daemon=True).start()

    def pump(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            self.drop(s)

    def drop(self, s):
        with self.lock:
            self.socks.discard(s)
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()

    def cut(self):
        self.cut_off = True
        with self.lock:
            live = list(self.socks)
        for s in live:
            self.drop(s)

    def heal(self):
        self.cut_off = False

    def close(self):
        self.cut()
        self.server.close()


def topology(src, work, peer_ports, http_ports, bridge_key):
    """three-nodes.toml with node b folded into a, chain 2 on a and c, and the bridge on c."""
    t = open(src).read()
    t = t[:t.index("\n[[chains]]\nid = 3")] + "\n"               # chain 2 only
    t = re.sub(r"\ntls = \{[^\n]*\}", "", t)                       # plain TCP (loopback only)
    t = t.replace("slot_ms = 1000", "slot_ms = 400").replace("work_bits = 8", "work_bits = 0")
    t = re.sub(r"(registry_authority = \"[0-9a-f]+\")", r"\1\npeg = true", t)
    t = re.sub(r"\n\[\[nodes\]\]\nname = \"b\"\n(?:[^\n]+\n)+", "\n", t)  # node b's entry
    t = re.sub(r"\n\[\[http\]\]\nnode = \"b\"\nport = 8082\n", "\n", t)
    t = t.replace('node = "b"', 'node = "a"')                      # b's delegates run on a
    t = t.replace('nodes = ["a", "b"]', 'nodes = ["a", "c"]')
    for n, i in (("a", 0), ("c", 2)):
        t = t.replace(f"port = {7101 + i}", f"port = {peer_ports[n]}").replace(f"port = {8081 + i}",
                                                                            f"port = {http_ports[n]}")
        t = t.replace(f'data_dir = "bfd-data/three-nodes/{n}"', f'data_dir = "{work}/data/{n}"')
    return t + f'\n[[bridges]]\nsidechain = 2\nnodes = ["c"]\nkey_file = "{bridge_key}"\n'


class Node:
    def __init__(self, binary, work, name, http_port):
        self.binary, self.work, self.name = binary, work, name
        self.url = f"http://127.0.0.1:{http_port}"
        self.proc = None
        self.log_path = os.path.join(work, f"{name}.log")
        self.log = open(self.log_path, "ab")

    def start(self, topology_path, what):
        self.log.write(f"\n===== peg_sync_test: start ({what}) =====\n".encode())
        self.log.flush()
        self.proc = subprocess.Popen([self.binary, "--topology", topology_path, "--node", self.name],
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=self.work)

    def stop(self):
        """SIGTERM, bounded; returns the exit code."""
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.terminate()
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(timeout=20)

    def get(self, path):
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as r:
                return json.loads(r.read().decode())
        except urllib.error.HTTPError as e:
            try:
                return json.loads(e.read().decode())
            except Exception:
                return None
        except Exception:
            return None

    def heights(self, chain):
        """(head, final) of a chain on this node, or None."""
        j = self.get(f"/v1/chains/{chain}/info")
        try:
            return j["head"]["height"], j["final"]["height"]
        except Exception:
            return None

    def block_hash(self, chain, height):
        j = self.get(f"/v1/chains/{chain}/blocks/{height}")
        return j.get("hash") if isinstance(j, dict) else None


def key_address(cli, path):
    out = subprocess.run([cli, "key", "show", path], capture_output=True, text=True, timeout=30).stdout
    for line in out.splitlines():
        if line.startswith("address: "):
            return line.split(": ", 1)[1].strip()
    raise SystemExit(f"no address in bfd-cli key show {path}: {out}")


def at_least(node, chain, head=None, final=None):
    h = node.heights(chain)
    return h and (head is None or h[0] >= head) and (final is None or h[1] >= final) and h


def run(node_bin, cli, root, work, t0):
    peer = {"a": free_port(), "c": free_port()}
    http = {"a": free_port(), "c": free_port()}
    to_a, to_c = Proxy(peer["a"]), Proxy(peer["c"])
    proxies = [to_a, to_c]
    cfg = os.path.join(work, "cfg")
    os.makedirs(cfg)
    os.symlink(os.path.join(root, "config", "keys"), os.path.join(cfg, "keys"))
    subprocess.run([cli, "key", "new", "--out", os.path.join(cfg, "bridge.json")], check=True,
                   capture_output=True, timeout=30)
    src = os.path.join(root, "config", "three-nodes.toml")
    # Each node's copy: its own port, and the proxy's for the other node.
    tops = {"a": os.path.join(cfg, "peg-sync-a.toml"), "c": os.path.join(cfg, "peg-sync-c.toml")}
    for n, seen in (("a", {"a": peer["a"], "c": to_c.port}), ("c", {"a": to_a.port, "c": peer["c"]})):
        with open(tops[n], "w") as f:
            f.write(topology(src, work, seen, http, "bridge.json"))
    a, c = Node(node_bin, work, "a", http["a"]), Node(node_bin, work, "c", http["c"])
    nodes = [a, c]
    try:
        a.start(tops["a"], "a")
        c.start(tops["c"], "c")
        if not (wait_for(40, lambda: at_least(a, 1, final=2) and at_least(a, 2, final=2) and at_least(c, 1, final=2))):
            fail("the two nodes did not finalize height 2 of chains 1 and 2 within 40 s")
            return
        ok(f"a and c up and linked ({time.monotonic() - t0:.1f} s)")

        # --- 1. the partition -------------------------------------------------------------------
        for p in proxies:
            p.cut()
        ok(f"a and c cut apart (c's head and final: {c.heights(1)})")

        # --- 2. the send, final on a ------------------------------------------------------------
        keys = os.path.join(cfg, "keys", "three-nodes")
        alice_key = os.path.join(keys, "account-01.json")
        bob = key_address(cli, os.path.join(keys, "account-02.json"))
        sent_before = (a.get("/v1/chains/1/peg") or {}).get("sent", 0)
        send = subprocess.Popen([cli, "peg", "send", "--to-chain", "2", "--to", bob, "--amount", "5", "--key",
                                 alice_key, "--timeout", "60"], env=dict(os.environ, BFD_NODE=a.url),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=work)
        def final_send():
            h = a.heights(1)
            return h and (a.get("/v1/chains/1/peg") or {}).get("sent", 0) > sent_before and h[1]
        final_with_send = wait_for(20, final_send)
        if not final_with_send:
            fail("alice's peg send was not final on a within 20 s")
            return
        mid = f"1:{sent_before}"
        ok(f"peg send {mid} final on a by #{final_with_send}, while c is cut off")

        # --- 3. c's own fork above the send's block, then the heal ---------------------------------
        if not wait_for(25, lambda: at_least(c, 1, head=final_with_send + 2)):
            fail(f"c's own fork did not pass #{final_with_send + 1} within 25 s: {c.heights(1)}")
            return
        c_head, c_final = c.heights(1) or (0, 0)
        if c_final >= final_with_send:
            fail(f"c finalized #{c_final} while cut off")
        forked = c.block_hash(1, final_with_send) != a.block_hash(1, final_with_send)
        if not forked:
            fail(f"c's block #{final_with_send} is a's: c was not cut off")
        ok(f"c's own fork reached #{c_head} (final #{c_final}); its block #{final_with_send} differs from a's")
        t_heal = time.monotonic()
        for p in proxies:
            p.heal()

        # --- 4. carried by c's bridge -------------------------------------------------------------
        def delivered():
            m = a.get(f"/v1/peg/messages/{mid}")
            return m and m.get("state") == "delivered" and m
        m = wait_for(45, delivered, step=0.3)
        carried_s = time.monotonic() - t_heal
        if not m:
            fail(f"{mid} not delivered within 45 s of the heal: {a.get(f'/v1/peg/messages/{mid}')}")
        elif m.get("received_on") != [{"chain": 2, "acknowledged": "success"}]:
            fail(f"{mid} delivered, but its receipts are {m.get('received_on')}")
        else:
            ok(f"{mid} delivered by c's bridge {carried_s:.1f} s after the heal")
        same = wait_for(20, lambda: c.block_hash(1, final_with_send) == a.block_hash(1, final_with_send))
        if not same:
            fail(f"c's block #{final_with_send} is still not a's")
        vouchers = (c.get(f"/v1/chains/2/peg") or {}).get("vouchers", [])
        supply = sum(v["supply_units"] for v in vouchers if v["denom"] == "peg/1/BFDT")
        if supply < 5 * UNIT:
            fail(f"chain 2's supply of peg/1/BFDT on c is {supply} units, expected at least {5 * UNIT}")
        try:
            out, _ = send.communicate(timeout=70)
        except subprocess.TimeoutExpired:
            send.kill()
            out, _ = send.communicate()
        if send.returncode != 0 or '"state": "delivered"' not in out:
            fail(f"bfd-cli peg send: rc {send.returncode}: {out[-300:]}")
    finally:
        for p in proxies:
            p.close()
        for n in nodes:
            rc = n.stop()
            if rc not in (0, None):
                fail(f"node {n.name} exited with {rc} on SIGTERM")
    if failures:
        return
    with open(c.log_path, "rb") as f:
        log = f.read().decode(errors="replace")
    if "outbox not available" in log:
        fail("c's bridge logged an outbox it could not get: "
             + next(l for l in log.splitlines() if "outbox not available" in l))
    else:
        ok("c's bridge never lacked an outbox")
    for n in ("a", "c"):
        chk = subprocess.run([node_bin, "--check-storage", "--topology", tops[n], "--node", n], capture_output=True,
                             text=True, timeout=120, cwd=work)
        if chk.returncode != 0:
            fail(f"--check-storage of {n}: {chk.stdout[-600:]} {chk.stderr[-300:]}")
    if not failures:
        ok("--check-storage: both data directories sound, every outbox record matching its block")
    print(f"figures: heal_to_delivered_s={carried_s:.1f} c_fork_head={c_head} send_final_by={final_with_send} "
          f"total_s={time.monotonic() - t0:.1f}", flush=True)


def main():
    args = [x for x in sys.argv[1:] if x != "--keep"]
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    node_bin, cli, root = (os.path.realpath(x) for x in args)
    work = tempfile.mkdtemp(prefix="bfd-peg-sync-")
    t0 = time.monotonic()
    try:
        run(node_bin, cli, root, work, t0)
    except Exception as e:  # a broken step is a failure with its cause, not a hang
        fail(f"{type(e).__name__}: {e}")
    if failures:
        for n in ("a", "c"):
            p = os.path.join(work, f"{n}.log")
            if os.path.exists(p):
                with open(p, "rb") as f:
                    lines = f.read().decode(errors="replace").splitlines()
                print(f"--- last lines of {n}.log ---\n" + "\n".join(lines[-30:]), file=sys.stderr)
    if "--keep" in sys.argv or failures:
        print(f"work directory kept: {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print(f"peg send carried after a partition: all checks passed ({time.monotonic() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
