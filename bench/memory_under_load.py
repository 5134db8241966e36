#!/usr/bin/env python3
"""Memory under load: starts `masterplan serve` (release build, SQLite with
the bundled plan), sends the heaviest query the default limits allow from
16 connections for 60 s, and prints the server's RSS before, at its peak,
at the end, and after 10 s and 30 s of quiet; also req/s, the response size, and
the peak as a ratio of the idle RSS (this machine is shared: compare
figures of one run). Issue 12's goal: peak RSS < 150 MB, returned afterwards.

    cargo build --release -p masterplan
    python3 bench/memory_under_load.py [--seconds 60] [--connections 16]
"""
import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

# Aliases of every measure with its texts, goals and KPIs: as many as the
# default complexity, depth, field and alias limits allow (found by trying).
PART = "nodes { code title description responsibleUnit partners status " \
       "goals { text category timing { phrase kind dueOn } status } " \
       "kpis { name description unit valueType direction targets { value dueOn } } }"


def heavy(aliases):
    return "{ " + " ".join(f"m{i}: measures(first: 100) {{ {PART} }}" for i in range(aliases)) + " }"


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--binary", default="target/release/masterplan")
    args = parser.parse_args()

    port = free_port()
    db = os.path.join(tempfile.mkdtemp(), "bench.db")
    server = subprocess.Popen(
        [args.binary, "serve", "--listen", f"127.0.0.1:{port}"],
        env={**os.environ, "DATABASE_URL": f"sqlite://{db}", "RUST_LOG": "warn"},
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.1)
        probe = http.client.HTTPConnection("127.0.0.1", port)
        for aliases in range(50, 0, -1):
            body = json.dumps({"query": heavy(aliases)})
            probe.request("POST", "/graphql", body, {"Content-Type": "application/json"})
            answer = probe.getresponse().read()
            errors = json.loads(answer).get("errors")
            if not errors:
                break
        else:
            sys.exit(f"even one alias is refused: {errors}")
        print(f"heaviest allowed: {aliases} aliases of every measure")
        idle = rss_mb(server.pid)
        stop = time.monotonic() + args.seconds
        counts = [0] * args.connections
        peak = [idle]

        def client(i):
            conn = http.client.HTTPConnection("127.0.0.1", port)
            while time.monotonic() < stop:
                conn.request("POST", "/graphql", body, {"Content-Type": "application/json"})
                conn.getresponse().read()
                counts[i] += 1

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.connections)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            peak[0] = max(peak[0], rss_mb(server.pid))
            time.sleep(0.2)
        end = rss_mb(server.pid)
        time.sleep(10)
        after = rss_mb(server.pid)
        time.sleep(20)
        later = rss_mb(server.pid)
        total = sum(counts)
        print(f"response {len(answer) / 1e6:.2f} MB, request {len(body)} B")
        print(f"{total} requests in {args.seconds} s at {args.connections} connections: {total / args.seconds:.1f} req/s")
        print(f"RSS MB: idle {idle:.0f}, peak {peak[0]:.0f}, end {end:.0f}, after 10 s {after:.0f}, after 30 s {later:.0f}")
        print(f"peak / idle = {peak[0] / idle:.2f}, after 30 s / idle = {later / idle:.2f}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
