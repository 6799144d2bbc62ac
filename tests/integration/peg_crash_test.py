#!/usr/bin/env python3
"""The two-way peg under crashes (issue 17, ctest integration_peg_crash).

A real `bfd-node --dev --sidechains 1` (random port, its own data directory) while peg transfers
flow both ways through the real bfd-cli: alice (account-00) sends 3 BFDT at a time from the
mainchain to bob (account-01) on sidechain 2, bob returns 1 voucher (peg/1/BFDT) at a time; one
send in four has a timeout 4 blocks past the destination's head, so some are refunded. Meanwhile
the node is killed with SIGKILL and restarted CYCLES times (at random moments, every other one
right after a peg submission went out), and stopped with SIGSTOP / resumed with SIGCONT once.
After a bounded drain:
  - every message each chain sent (ids below GET /v1/chains/{c}/peg `sent`) is in a final state:
    `delivered` with exactly one receipt on the destination acknowledged `success`, or `refunded`
    with no receipt; nothing is in flight on either chain;
  - the conservation rule of docs/peg.md: the mainchain's BFDT escrow for chain 2 equals chain 2's
    supply of peg/1/BFDT, and both equal 3 x (out delivered) - 1 x (back delivered) in BFDT;
  - balances: alice's mainchain balance is her first one minus her fees (nonce x 0.0001) minus
    that escrow; bob's balance on chain 2 is his first one minus his fees (bob is the only voucher
    holder: his vouchers are the supply); /metrics' bfd_peg_conservation_ok{pair="1-2"} is 1;
  - bfd-node --check-storage finds the store sound.
Every wait is bounded (polling); the figures are printed at the end (one `figures:` line).
Usage: peg_crash_test.py BFD_NODE BFD_CLI [--seed N] [--cycles N] [--keep]
"""
import argparse
import json
import os
import random
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

UNIT = 100_000_000
FEE_UNITS = 10_000  # bfd-cli's default fee, 0.0001
OUT_UNITS = 3 * UNIT
BACK_UNITS = 1 * UNIT


class Node:
    def __init__(self, binary, work, port):
        self.binary, self.work, self.port = binary, work, port
        self.url = f"http://127.0.0.1:{port}"
        self.proc = None
        self.starts = 0
        self.log = open(os.path.join(work, "node.log"), "ab")

    def start(self):
        self.starts += 1
        self.log.write(f"\n===== peg_crash_test: start {self.starts} =====\n".encode())
        self.log.flush()
        self.proc = subprocess.Popen(
            [self.binary, "--dev", "--data-dir", os.path.join(self.work, "data"), "--http",
             f"127.0.0.1:{self.port}", "--slot-ms", "300", "--delegates", "6", "--work-bits", "0",
             "--sidechains", "1"], stdout=self.log, stderr=subprocess.STDOUT)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                return self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return self.proc.wait(timeout=30)
        return self.proc.returncode if self.proc else None

    def get(self, path, timeout=5):
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as r:
                return json.loads(r.read().decode())
        except urllib.error.HTTPError as e:
            try:
                return json.loads(e.read().decode())
            except Exception:
                return None
        except Exception:
            return None

    def text(self, path, timeout=5):
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as r:
                return r.read().decode()
        except Exception:
            return None


def final_height(node, chain):
    j = node.get(f"/v1/chains/{chain}/info")
    try:
        return j["final"]["height"]
    except Exception:
        return None


def up(node, min_height=2):
    def ready():
        a, b = final_height(node, 1), final_height(node, 2)
        return a is not None and b is not None and a >= min_height and b >= min_height
    return wait_for(45, ready, step=0.3)


class Sender(threading.Thread):
    """Runs one bfd-cli peg send after another (one at a time: the key's nonces stay in order)."""

    def __init__(self, name, cli, node, args_for, may_send, rng, submitted):
        super().__init__(daemon=True)
        self.name_, self.cli, self.node, self.args_for = name, cli, node, args_for
        self.may_send, self.rng, self.submitted = may_send, rng, submitted
        self.stop = threading.Event()
        self.runs = 0
        self.proc = None

    def run(self):
        k = 0
        while not self.stop.is_set():
            if not self.may_send():
                time.sleep(0.3)
                continue
            k += 1
            blocks = 4 if k % 4 == 0 else 1000
            env = dict(os.environ, BFD_NODE=self.node.url)
            self.proc = subprocess.Popen([self.cli] + self.args_for(blocks) + ["--timeout", "12"], env=env,
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            self.runs += 1
            # The submission goes out within the first ~0.2 s of the command: the chaos loop may
            # take this as its moment to kill the node.
            self.submitted.set()
            try:
                self.proc.communicate(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.communicate()
            time.sleep(self.rng.uniform(0.05, 0.4))


def peg_of(node, chain):
    return node.get(f"/v1/chains/{chain}/peg")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("node_bin")
    ap.add_argument("cli")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--cycles", type=int, default=6)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    print(f"seed {seed} (rerun with --seed {seed})", flush=True)
    rng = random.Random(seed)
    node_bin, cli = os.path.realpath(a.node_bin), os.path.realpath(a.cli)
    work = tempfile.mkdtemp(prefix="bfd-peg-crash-")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    node = Node(node_bin, work, port)
    t0 = time.monotonic()
    try:
        run(node, cli, work, rng, a.cycles, t0)
    finally:
        node.stop()
        if failures:
            print("--- last lines of node.log ---", file=sys.stderr)
            with open(os.path.join(work, "node.log"), "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
            print("\n".join(lines[-40:]), file=sys.stderr)
            for p in sorted(os.listdir(os.path.join(work, "data", "bridges")) if os.path.isdir(
                    os.path.join(work, "data", "bridges")) else []):
                with open(os.path.join(work, "data", "bridges", p)) as f:
                    print(f"--- {p} ---\n{f.read()}", file=sys.stderr)
        if a.keep or failures:
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print(f"peg under crashes: all checks passed ({time.monotonic() - t0:.1f} s)")
    return 0


def key_address(cli, path):
    out = subprocess.run([cli, "key", "show", path], capture_output=True, text=True, timeout=30).stdout
    for line in out.splitlines():
        if line.startswith("address: "):
            return line.split(": ", 1)[1].strip()
    raise SystemExit(f"no address in bfd-cli key show {path}: {out}")


def run(node, cli, work, rng, cycles, t0):
    node.start()
    if not up(node):
        fail("the dev node did not finalize height 2 on both chains within 45 s")
        return
    keys = os.path.join(work, "data", "keys")
    alice = key_address(cli, os.path.join(keys, "account-00.json"))
    bob = key_address(cli, os.path.join(keys, "account-01.json"))
    a0 = node.get(f"/v1/chains/1/accounts/{alice}")
    b0 = node.get(f"/v1/chains/2/accounts/{bob}")
    ok(f"dev node up on port {node.port}; alice {a0['balance_units']} units (nonce {a0['nonce']}), "
       f"bob {b0['balance_units']} on chain 2")

    supply_seen = [0]

    def bob_may_send():
        p = peg_of(node, 2)
        if not p:
            return False
        sup = sum(v["supply_units"] for v in p["vouchers"] if v["denom"] == "peg/1/BFDT")
        supply_seen[0] = sup
        return sup >= 2 * BACK_UNITS  # leave room: a return in flight burned one already

    submitted = threading.Event()
    out = Sender("out", cli, node, lambda blocks: [
        "peg", "send", "--to-chain", "2", "--to", bob, "--amount", "3", "--key",
        os.path.join(keys, "account-00.json"), "--timeout-blocks", str(blocks)], lambda: True, rng, submitted)
    back = Sender("back", cli, node, lambda blocks: [
        "peg", "send", "--chain", "2", "--to-chain", "1", "--to", alice, "--amount", "1", "--denom",
        "peg/1/BFDT", "--key", os.path.join(keys, "account-01.json"), "--timeout-blocks", str(blocks)],
        bob_may_send, rng, submitted)
    out.start()
    back.start()

    # --- chaos: CYCLES kill -9 / restart cycles, one SIGSTOP / SIGCONT in the middle ------------
    downtime = []
    stop_at = cycles // 2
    for c in range(1, cycles + 1):
        if c % 2 == 0:
            submitted.clear()
            submitted.wait(timeout=10)
            time.sleep(rng.uniform(0.0, 0.25))
            moment = "right after a peg submission"
        else:
            time.sleep(rng.uniform(1.0, 3.5))
            moment = "at a random moment"
        if c == stop_at:
            node.proc.send_signal(signal.SIGSTOP)
            time.sleep(rng.uniform(1.5, 3.0))
            node.proc.send_signal(signal.SIGCONT)
            ok("SIGSTOP, then SIGCONT after a pause")
            time.sleep(rng.uniform(0.5, 1.5))
        node.kill9()
        t = time.monotonic()
        node.start()
        if not up(node, 1):
            fail(f"cycle {c}: the node did not come back within 45 s")
            out.stop.set()
            back.stop.set()
            return
        downtime.append(time.monotonic() - t)
        ok(f"cycle {c}: kill -9 {moment}, back in {downtime[-1]:.1f} s "
           f"(final {final_height(node, 1)} / {final_height(node, 2)})")
    # Let traffic run a little on the last incarnation, then stop the senders.
    time.sleep(1.5)
    out.stop.set()
    back.stop.set()
    out.join(timeout=60)
    back.join(timeout=60)

    # --- drain: nothing in flight on either chain, bounded --------------------------------------
    t_drain = time.monotonic()

    def drained():
        p1, p2 = peg_of(node, 1), peg_of(node, 2)
        return p1 and p2 and p1["in_flight"] == 0 and p2["in_flight"] == 0 and (p1, p2)

    def sent_now():
        p1, p2 = peg_of(node, 1), peg_of(node, 2)
        return (p1 and p1["sent"], p2 and p2["sent"])
    # 40 s from the last new message: a send the senders made before they stopped may still be
    # included during the drain (seen once under a loaded CI run: alice's last send became final
    # about 290 blocks after it was made; the cause is not pinned), and its message needs its own
    # time to be carried. A message that stays in flight 40 s after the last one appeared fails.
    res, sent_before = None, sent_now()
    while True:
        res = wait_for(40, drained, step=0.3)
        if res or time.monotonic() - t_drain > 120:
            break
        sent_after = sent_now()
        if sent_after == sent_before:
            break
        print(f"  new messages during the drain (sent {sent_before} -> {sent_after}): 40 s more", flush=True)
        sent_before = sent_after
    drain_s = time.monotonic() - t_drain
    if not res:
        p1, p2 = peg_of(node, 1), peg_of(node, 2)
        fail(f"still in flight after a {drain_s:.0f} s drain (40 s after the last new message): chain 1 {p1 and p1['in_flight']}, chain 2 {p2 and p2['in_flight']}")
        for chain, p in ((1, p1), (2, p2)):
            for seq in range(p["sent"] if p else 0):
                m = node.get(f"/v1/peg/messages/{chain}:{seq}")
                if m and m.get("state") == "in_flight":
                    print(f"  in flight: {json.dumps(m)}", file=sys.stderr)
        return
    p1, p2 = res
    ok(f"drained in {drain_s:.1f} s: nothing in flight on chain 1 or 2")

    # --- every message reached one final state, exactly once ------------------------------------
    counts = {}
    for chain, dest in ((1, 2), (2, 1)):
        for seq in range(p1["sent"] if chain == 1 else p2["sent"]):
            mid = f"{chain}:{seq}"
            m = node.get(f"/v1/peg/messages/{mid}")
            state = m and m.get("state")
            recv = (m or {}).get("received_on")
            counts[(chain, state)] = counts.get((chain, state), 0) + 1
            if state == "delivered":
                if recv != [{"chain": dest, "acknowledged": "success"}]:
                    fail(f"{mid} delivered, but its receipts are {recv}")
            elif state == "refunded":
                if recv != []:
                    fail(f"{mid} refunded, but received on {recv}")
            else:
                fail(f"{mid}: state {state}: {m}")
    out_del, out_ref = counts.get((1, "delivered"), 0), counts.get((1, "refunded"), 0)
    back_del, back_ref = counts.get((2, "delivered"), 0), counts.get((2, "refunded"), 0)
    ok(f"mainchain -> 2: {p1['sent']} messages, {out_del} delivered, {out_ref} refunded; "
       f"2 -> mainchain: {p2['sent']} messages, {back_del} delivered, {back_ref} refunded")
    if p1["sent"] < 3 or p2["sent"] < 1:
        fail(f"too little traffic to mean anything: {p1['sent']} out, {p2['sent']} back")
    if out_ref + back_ref == 0:
        print("note: no message was refunded this run", flush=True)

    # --- conservation and balances ---------------------------------------------------------------
    escrow = sum(e["value_units"] for e in p1["escrows"] if e["denom"] == "BFDT" and e["counterparty"] == 2)
    supply = sum(v["supply_units"] for v in p2["vouchers"] if v["denom"] == "peg/1/BFDT")
    expected = out_del * OUT_UNITS - back_del * BACK_UNITS
    if not (escrow == supply == expected):
        fail(f"conservation: escrow {escrow} on the mainchain, supply {supply} on chain 2, expected {expected}")
    else:
        ok(f"escrow = voucher supply = 3 x {out_del} - 1 x {back_del} BFDT = {escrow} units")
    a1 = node.get(f"/v1/chains/1/accounts/{alice}")
    b1 = node.get(f"/v1/chains/2/accounts/{bob}")
    want_a = a0["balance_units"] - (a1["nonce"] - a0["nonce"]) * FEE_UNITS - escrow
    if a1["balance_units"] != want_a:
        fail(f"alice: {a1['balance_units']} units, expected {want_a} (nonce {a1['nonce']})")
    if a1["nonce"] - a0["nonce"] != p1["sent"]:
        fail(f"alice made {a1['nonce'] - a0['nonce']} transactions but chain 1 sent {p1['sent']} messages")
    want_b = b0["balance_units"] - (b1["nonce"] - b0["nonce"]) * FEE_UNITS
    if b1["balance_units"] != want_b:
        fail(f"bob on chain 2: {b1['balance_units']} units, expected {want_b} (nonce {b1['nonce']})")
    if b1["nonce"] - b0["nonce"] != p2["sent"]:
        fail(f"bob made {b1['nonce'] - b0['nonce']} transactions but chain 2 sent {p2['sent']} messages")
    if not failures:
        ok(f"balances exact: alice {a1['balance_units']} (nonce {a1['nonce']}), bob {b1['balance_units']} "
           f"and {supply} voucher units")
    metrics = node.text("/metrics") or ""
    if 'bfd_peg_conservation_ok{pair="1-2"} 1' not in metrics:
        fail("/metrics: bfd_peg_conservation_ok{pair=\"1-2\"} is not 1")
    restarts = [l for l in metrics.splitlines() if l.startswith("bfd_actor_restarts_total{actor=\"bridge-1-2\"}")]

    rc = node.stop()
    if rc != 0:
        fail(f"the node stopped with exit code {rc}")
    chk = subprocess.run([node.binary, "--check-storage", "--data-dir", os.path.join(work, "data")],
                         capture_output=True, text=True, timeout=120)
    if chk.returncode != 0:
        fail(f"--check-storage: {chk.stdout[-400:]} {chk.stderr[-400:]}")
    else:
        ok("--check-storage: sound")
    with open(os.path.join(work, "node.log"), "rb") as f:
        log = f.read().decode(errors="replace")
    recarries = log.count("carrying it again")
    unavailable = log.count("outbox not available")
    print(f"figures: cycles={cycles} sigstop=1 sends_out={p1['sent']} (cli runs {out.runs}) "
          f"delivered_out={out_del} refunded_out={out_ref} sends_back={p2['sent']} (cli runs {back.runs}) "
          f"delivered_back={back_del} refunded_back={back_ref} restart_s_max={max(downtime):.1f} "
          f"drain_s={drain_s:.1f} recarries={recarries} outbox_unavailable={unavailable} "
          f"bridge_restarts={restarts[0].split()[-1] if restarts else '?'} total_s={time.monotonic() - t0:.1f}",
          flush=True)


if __name__ == "__main__":
    sys.exit(main())
