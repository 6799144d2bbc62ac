#!/usr/bin/env python3
"""Attacks a node's peer port (127.0.0.1 only) the ways an outside tester did, and more:
the 32-byte BASP header announcing 4 GiB - 1, random garbage, truncated TLS handshakes, plain
non-TLS bytes, and an authenticated peer (a node's own certificate) sending the 4 GiB header.
Prints one line per phase. Usage: peer_gate_attack.py PORT TLS_DIR IMPERSONATE SECONDS"""
import os
import socket
import ssl
import struct
import sys
import threading
import time

port = int(sys.argv[1])
tls_dir = sys.argv[2]
impersonate = sys.argv[3]
garbage_seconds = float(sys.argv[4])
HOST = "127.0.0.1"
HUGE = struct.pack(">BBBBIQQQ", 1, 0, 0, 0, 0xFFFFFFFF, 0, 0, 0)


def closed_quickly(sock, limit=5.0):
    """True if the other side closes the connection within `limit` seconds."""
    sock.settimeout(limit)
    try:
        while sock.recv(4096):
            pass
        return True
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError) as e:
        return not isinstance(e, socket.timeout)


def phase_huge_header():
    closed = 0
    for _ in range(3):
        s = socket.create_connection((HOST, port), timeout=5)
        s.sendall(HUGE)
        closed += closed_quickly(s)
        s.close()
    print(f"huge-header: 3 sent, {closed} closed by the node", flush=True)


def phase_garbage(seconds):
    stop = time.time() + seconds
    counts = {"connections": 0, "bytes": 0}
    lock = threading.Lock()

    def worker():
        while time.time() < stop:
            sent = 0
            try:
                s = socket.create_connection((HOST, port), timeout=2)
                # Reset on close: thousands of client sockets in TIME_WAIT would use up this
                # machine's ephemeral ports, which the nodes and the test's curl need too.
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                while sent < (1 << 20) and time.time() < stop:
                    sent += s.send(os.urandom(16384))
                s.close()
            except OSError:
                pass
            with lock:
                counts["connections"] += 1
                counts["bytes"] += sent
            time.sleep(0.005)  # at most ~200 connections a second per worker

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"garbage: {counts['connections']} connections, {counts['bytes']} random bytes", flush=True)


def client_hello():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def phase_truncated_tls(n=50, hold=2.0):
    hello = client_hello()
    socks = []
    for _ in range(n):
        try:
            s = socket.create_connection((HOST, port), timeout=2)
            s.sendall(hello[: len(hello) // 2])
            socks.append(s)
        except OSError:
            pass
    time.sleep(hold)
    for s in socks:
        s.close()
    print(f"truncated-tls: {len(socks)} half ClientHellos held {hold} s", flush=True)


def phase_plain_basp():
    # A well-formed small BASP frame, but no TLS: must never reach CAF.
    s = socket.create_connection((HOST, port), timeout=5)
    s.sendall(struct.pack(">BBBBIQQQ", 1, 0, 0, 0, 4, 0, 0, 0) + b"\0\0\0\0")
    closed = closed_quickly(s)
    s.close()
    print(f"plain-basp: closed by the node: {closed}", flush=True)


def phase_authenticated(times=4):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.load_verify_locations(os.path.join(tls_dir, "ca.pem"))
    ctx.load_cert_chain(os.path.join(tls_dir, impersonate + ".crt"), os.path.join(tls_dir, impersonate + ".key"))
    results = []
    for _ in range(times):
        try:
            raw = socket.create_connection((HOST, port), timeout=5)
            s = ctx.wrap_socket(raw)
            s.sendall(HUGE)
            results.append("closed" if closed_quickly(s) else "open")
            s.close()
        except (OSError, ssl.SSLError) as e:
            results.append("refused")
    print(f"authenticated-as-{impersonate}: {' '.join(results)}", flush=True)


phase_huge_header()
phase_plain_basp()
phase_truncated_tls()
phase_garbage(garbage_seconds)
phase_authenticated()
