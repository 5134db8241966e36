#!/usr/bin/env python3
"""Many WebSocket subscribers, one change: starts `masterplan serve` (release
build, a fresh SQLite file with the bundled plan), opens N WebSocket
connections (`graphql-transport-ws`) from several client processes, each
subscribing to `changes(entityTypes: [KPI_VALUE])`, and reports

- how long it took until every subscription was open (as the clients see it
  and as the server counts it in `masterplan_active_subscriptions`), the
  server's RSS before and with everyone connected;
- the server's CPU over 10 s of quiet with everyone subscribed (% of one
  core; the goal is about 0: nothing polls; the keep-alive pings every 15 s
  per connection are counted and shown);
- then, ROUNDS times a few seconds apart, records one KPI value over
  `POST /graphql` (admin token) and measures, from just before the request
  (t0) to each subscriber's receipt of its `next` message, the first, p50,
  p99 and last latency (goal: p99 < 1 s), the server's CPU seconds for the
  round, its RSS afterwards, and the clients' own CPU (the clients share
  the machine with the server: when they saturate it, latencies include
  their queueing);
- the RSS once everyone has disconnected (2 s and 13 s later: the server
  trims its heap every 10 s while quiet).

Every step has a timeout; problems are printed, and the server's warnings
and errors (its standard error at RUST_LOG=warn) are shown at the end. The
admin token comes from `masterplan token create`, run before `serve` (it
creates and migrates the new database; `serve` then seeds it).

The machine is shared: each phase also shows the CPU of interrupts and of
other processes (from /proc/stat), which explains most of the noise.
`--wait-quiet 300` waits for the machine to calm down first;
`--keepalive-ms 120000` keeps the server's pings out of the idle figure;
`--pin` puts the server on core 0 and the clients on core 1.

    cargo build --release -p masterplan
    pip install websockets==17.4
    python3 bench/subscribers.py [--subscribers 10000] [--processes 4] [--rounds 3]

Python packages: websockets 17.4 (tested with CPython 3.11.7); the rest is
the standard library.
"""
import argparse
import asyncio
import http.client
import json
import multiprocessing
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

try:
    import websockets
    from websockets.asyncio.client import connect as ws_connect
    from websockets.exceptions import ConnectionClosed
except ImportError:  # pragma: no cover - told to the user
    sys.exit("this benchmark needs the `websockets` package: pip install websockets==17.4")

PROTOCOL = "graphql-transport-ws"
SUBSCRIPTION = "subscription { changes(entityTypes: [KPI_VALUE]) { cursor } }"
MUTATION = (
    'mutation { recordKpiValues(input: { values: [{ kpi: { measure: "1.2", '
    'name: "Anzahl der digitalen Verwaltungsleistungen im Portal" }, '
    'observedOn: "%s", value: %d }] }) { inserted } }'
)
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- helpers

def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid):
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        # The command name may hold spaces: fields count from after its ")".
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_busy():
    """(busy, total, irq) jiffies of all cores, from /proc/stat; irq counts
    hard and soft interrupts (loopback TCP is processed in softirqs, which
    no process's utime/stime includes)."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values), values[5] + values[6]


def busy_percent(before, after):
    busy, total = after[0] - before[0], after[1] - before[1]
    return 100.0 * busy / total if total else 0.0


def busy_seconds(before, after):
    """CPU seconds the machine spent between the two, less interrupts."""
    return ((after[0] - before[0]) - (after[2] - before[2])) / CLK_TCK


def irq_seconds(before, after):
    return (after[2] - before[2]) / CLK_TCK


def nofile_limit(pid):
    with open(f"/proc/{pid}/limits") as limits:
        for line in limits:
            if line.startswith("Max open files"):
                return " ".join(line.split()[3:5])
    return "?"


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(sorted_values, p):
    """Nearest rank."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(-(-p * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


def http_request(port, method, path, body=None, headers=None, timeout=15):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body, headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def active_subscriptions(port):
    """(subscriptions, stream connections) the server counts for WebSockets."""
    status, body = http_request(port, "GET", "/metrics", timeout=10)
    if status != 200:
        raise RuntimeError(f"/metrics answered HTTP {status}")
    text = body.decode()

    def gauge(name):
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name) and 'transport="websocket"' in line:
                total += float(line.rsplit(None, 1)[1])
        return int(total)

    return gauge("masterplan_active_subscriptions"), gauge("masterplan_stream_connections")


class Failure(Exception):
    pass


# ---------------------------------------------------------------- clients

class Sub:
    __slots__ = ("ws", "events", "closed")

    def __init__(self, ws):
        self.ws = ws
        self.events = []
        self.closed = None


class Client:
    """The subscriptions of one client process and their readers."""

    def __init__(self, port, count, concurrency, timeout):
        self.uri = f"ws://127.0.0.1:{port}/graphql"
        self.count = count
        self.concurrency = concurrency
        self.timeout = timeout
        self.subs = []
        self.errors = {}
        self.got = 0          # subscriptions with an event since the last mark
        self.extra = 0        # further events since the last mark
        self.pings = 0
        self.unexpected = {}  # other messages, by type
        self.readers = []

    def error(self, what):
        self.errors[what] = self.errors.get(what, 0) + 1

    async def open_one(self, gate):
        async with gate:
            try:
                ws = await ws_connect(
                    self.uri,
                    subprotocols=[PROTOCOL],
                    open_timeout=self.timeout,
                    close_timeout=5,
                    ping_interval=None,
                    compression=None,
                    proxy=None,
                    max_queue=64,
                )
            except Exception as exc:  # noqa: BLE001 - counted and reported
                self.error(f"connect: {type(exc).__name__}: {exc}"[:200])
                return
            try:
                await ws.send('{"type":"connection_init","payload":{}}')
                while True:
                    answer = json.loads(await asyncio.wait_for(ws.recv(), self.timeout))
                    if answer.get("type") == "ping":
                        await ws.send('{"type":"pong"}')
                        continue
                    break
                if answer.get("type") != "connection_ack":
                    raise Failure(f"connection_init answered {json.dumps(answer)[:150]}")
                await ws.send(json.dumps({
                    "id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}))
            except Exception as exc:  # noqa: BLE001 - counted and reported
                self.error(f"init: {type(exc).__name__}: {exc}"[:200])
                await ws.close()
                return
            sub = Sub(ws)
            self.subs.append(sub)
            self.readers.append(asyncio.create_task(self.read(sub)))

    async def read(self, sub):
        ws = sub.ws
        try:
            async for raw in ws:
                now = time.time()
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "next":
                    if "errors" in message.get("payload", {}):
                        self.error(f"next with errors: {json.dumps(message)[:200]}")
                    if not sub.events:
                        self.got += 1
                    else:
                        self.extra += 1
                    sub.events.append(now)
                elif kind == "ping":
                    self.pings += 1
                    await ws.send('{"type":"pong"}')
                elif kind == "pong":
                    pass
                else:
                    self.unexpected[kind] = self.unexpected.get(kind, 0) + 1
                    if kind in ("error", "complete"):
                        self.error(f"{kind}: {json.dumps(message)[:200]}")
        except ConnectionClosed as closed:
            sub.closed = f"closed: {closed}"[:200]
        except Exception as exc:  # noqa: BLE001 - counted and reported
            sub.closed = f"reader: {type(exc).__name__}: {exc}"[:200]
        if sub.closed is None:
            sub.closed = f"closed: {ws.close_code} {ws.close_reason}"[:200]

    async def open_all(self):
        gate = asyncio.Semaphore(self.concurrency)
        await asyncio.gather(*(self.open_one(gate) for _ in range(self.count)))

    def mark(self):
        for sub in self.subs:
            sub.events.clear()
        self.got = 0
        self.extra = 0

    async def collect(self, deadline):
        alive = sum(1 for s in self.subs if s.closed is None)
        while self.got < alive and time.time() < deadline:
            await asyncio.sleep(0.005)
            alive = sum(1 for s in self.subs if s.closed is None)
        return [s.events[0] for s in self.subs if s.events]

    def closed_reasons(self):
        reasons = {}
        for sub in self.subs:
            if sub.closed is not None:
                reasons[sub.closed] = reasons.get(sub.closed, 0) + 1
        return reasons

    async def close_all(self):
        await asyncio.wait_for(
            asyncio.gather(*(s.ws.close() for s in self.subs), return_exceptions=True),
            timeout=30)


async def client_main(pipe, port, count, concurrency, timeout):
    loop = asyncio.get_running_loop()
    client = Client(port, count, concurrency, timeout)
    started = time.time()
    cpu = time.process_time()
    limit = timeout + count * 0.2
    try:
        await asyncio.wait_for(client.open_all(), timeout=limit)
    except asyncio.TimeoutError:
        client.error(f"gave up on the connections still opening after {limit:.0f} s")
    pipe.send(("opened", len(client.subs), client.errors, time.time() - started,
               time.process_time() - cpu))
    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        if command[0] == "mark":
            client.mark()
            pipe.send(("marked", time.process_time(), client.pings))
        elif command[0] == "collect":
            times = await client.collect(command[1])
            pipe.send(("collected", times, client.extra, time.process_time(), client.pings,
                       client.closed_reasons(), client.errors, client.unexpected))
        elif command[0] == "stop":
            try:
                await client.close_all()
            except asyncio.TimeoutError:
                pass
            for reader in client.readers:
                reader.cancel()
            pipe.send(("stopped",))
            return


def client_process(pipe, port, count, concurrency, timeout, cpus):
    try:
        if cpus:
            os.sched_setaffinity(0, cpus)
        raise_nofile()
        asyncio.run(client_main(pipe, port, count, concurrency, timeout))
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        try:
            pipe.send(("crashed", f"{type(exc).__name__}: {exc}"))
        except Exception:  # noqa: BLE001
            pass
        raise


class Clients:
    """The client processes, driven over pipes."""

    def __init__(self, port, total, processes, concurrency, timeout, cpus=None):
        ctx = multiprocessing.get_context("fork")
        self.pipes = []
        self.procs = []
        for i in range(processes):
            count = total // processes + (1 if i < total % processes else 0)
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=client_process,
                               args=(child, port, count, concurrency, timeout, cpus), daemon=True)
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)

    def send(self, *command):
        for pipe in self.pipes:
            pipe.send(command)

    def receive(self, expected, timeout):
        answers = []
        deadline = time.time() + timeout
        for i, pipe in enumerate(self.pipes):
            if not pipe.poll(max(0.0, deadline - time.time())):
                raise Failure(f"client process {i} did not answer within {timeout:.0f} s "
                              f"(waiting for `{expected}`)")
            answer = pipe.recv()
            if answer[0] == "crashed":
                raise Failure(f"client process {i} crashed: {answer[1]}")
            if answer[0] != expected:
                raise Failure(f"client process {i} answered {answer[0]!r}, not {expected!r}")
            answers.append(answer)
        return answers

    def stop(self):
        try:
            self.send("stop")
            self.receive("stopped", 60)
        except (Failure, OSError, EOFError) as exc:
            print(f"  (stopping the clients: {exc})")
        for proc in self.procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
                proc.join(5)


# ---------------------------------------------------------------- server

def start_server(binary, port, env, log, pin=False):
    server = subprocess.Popen(
        [binary, "serve", "--listen", f"127.0.0.1:{port}"],
        env=env, stdout=subprocess.DEVNULL, stderr=log,
        preexec_fn=(lambda: os.sched_setaffinity(0, {0})) if pin else None)
    deadline = time.time() + 120
    while time.time() < deadline:
        if server.poll() is not None:
            raise Failure(f"the server exited with status {server.returncode} while starting")
        try:
            status, _ = http_request(port, "GET", "/readyz", timeout=2)
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    raise Failure("the server was not ready within 120 s")


def create_token(binary, env):
    result = subprocess.run(
        [binary, "token", "create", "--name", "bench", "--role", "ADMIN"],
        env=env, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise Failure(f"`token create` failed ({result.returncode}): "
                      f"{result.stderr.strip() or result.stdout.strip()}")
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    if not lines:
        raise Failure("`token create` printed no secret")
    return lines[-1].strip()


def record_value(port, token, observed_on, value):
    body = json.dumps({"query": MUTATION % (observed_on, value)})
    status, answer = http_request(port, "POST", "/graphql", body, {
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        result = json.loads(answer)
    except ValueError:
        raise Failure(f"recordKpiValues: HTTP {status}, not JSON: {answer[:200]!r}")
    inserted = ((result.get("data") or {}).get("recordKpiValues") or {}).get("inserted")
    if status != 200 or result.get("errors") or inserted != 1:
        raise Failure(f"recordKpiValues: HTTP {status}: {json.dumps(result)[:300]}")


# ---------------------------------------------------------------- the benchmark

def merge(into, counts):
    for key, n in counts.items():
        into[key] = into.get(key, 0) + n


def run(args, server, port, token):
    pid = server.pid
    rss_idle = rss_mb(pid)
    print(f"server pid {pid}, open-files limit {nofile_limit(pid)}, "
          f"RSS before connecting {rss_idle:.1f} MB")
    report = {"rss_idle": rss_idle}

    started = time.time()
    busy0 = machine_busy()
    server_cpu0 = cpu_seconds(pid)
    clients = Clients(port, args.subscribers, args.processes, args.concurrency, args.timeout,
                      {1} if args.pin else None)
    try:
        opened = clients.receive("opened", args.timeout + args.subscribers * 0.2 + 30)
        clients_done = time.time() - started
        connected = sum(a[1] for a in opened)
        errors = {}
        for a in opened:
            merge(errors, a[2])
        client_cpu = sum(a[4] for a in opened)
        print(f"{connected} of {args.subscribers} clients acknowledged and subscribed after "
              f"{clients_done:.2f} s")
        if errors:
            print("  connection errors:")
            for what, n in sorted(errors.items(), key=lambda kv: -kv[1])[:10]:
                print(f"    {n} x {what}")
        # The server counts a subscription once it has started: wait for all.
        deadline = time.time() + args.timeout
        while True:
            try:
                subs, streams = active_subscriptions(port)
            except (OSError, RuntimeError) as exc:
                raise Failure(f"the server does not answer GET /metrics ({exc}) with "
                              f"{connected} WebSockets open: see its log above")
            if subs >= connected or time.time() > deadline:
                break
            time.sleep(0.05)
        all_subscribed = time.time() - started
        busy1 = machine_busy()
        busy = busy_percent(busy0, busy1)
        server_cpu = cpu_seconds(pid) - server_cpu0
        report.update(connected=connected, connect_s=clients_done, subscribed_s=all_subscribed,
                      server_subs=subs)
        print(f"  the server counts {subs} subscriptions on {streams} WebSockets after "
              f"{all_subscribed:.2f} s")
        others = busy_seconds(busy0, busy1) - server_cpu - client_cpu
        print(f"  during connecting: server CPU {server_cpu:.2f} s, clients' CPU "
              f"{client_cpu:.2f} s, machine busy {busy:.0f}% of {os.cpu_count()} cores "
              f"(interrupts {irq_seconds(busy0, busy1):.1f} s, other processes "
              f"~{max(others, 0):.1f} CPU s)")
        if connected == 0:
            raise Failure("no subscriber could connect")
        if subs < connected:
            print(f"  PROBLEM: the server counts only {subs} subscriptions of {connected} "
                  f"after {args.timeout:.0f} s")

        time.sleep(2)
        rss_connected = rss_mb(pid)
        report["rss_connected"] = rss_connected
        print(f"RSS with all connected {rss_connected:.1f} MB "
              f"({(rss_connected - rss_idle) * 1024 / max(connected, 1):.1f} KB per subscriber)")

        # Quiet: nobody changes anything.
        clients.send("mark")
        marked = clients.receive("marked", 30)
        pings0 = sum(a[2] for a in marked)
        client_cpu0 = sum(a[1] for a in marked)
        busy0 = machine_busy()
        cpu0 = cpu_seconds(pid)
        time.sleep(args.quiet_seconds)
        idle_cpu = cpu_seconds(pid) - cpu0
        busy1 = machine_busy()
        busy = busy_percent(busy0, busy1)
        clients.send("collect", time.time())
        quiet = clients.receive("collected", 30)
        client_idle = sum(a[3] for a in quiet) - client_cpu0
        others = busy_seconds(busy0, busy1) - idle_cpu - client_idle
        pings = sum(a[4] for a in quiet) - pings0
        stray = sum(len(a[1]) for a in quiet)
        report["idle_cpu_pct"] = 100 * idle_cpu / args.quiet_seconds
        print(f"idle {args.quiet_seconds:.0f} s: server CPU {idle_cpu:.2f} s = "
              f"{report['idle_cpu_pct']:.2f}% of one core; clients' CPU {client_idle:.2f} s, "
              f"machine busy {busy:.0f}% (interrupts {irq_seconds(busy0, busy1):.2f} s, other "
              f"processes ~{max(others, 0):.1f} CPU s); "
              f"{pings} keep-alive pings answered meanwhile"
              + (f"; {stray} unexpected events" if stray else ""))

        rounds = []
        for r in range(args.rounds):
            if r:
                time.sleep(args.gap)
            clients.send("mark")
            marked = clients.receive("marked", 30)
            client_cpu0 = sum(a[1] for a in marked)
            pings0 = sum(a[2] for a in marked)
            observed_on = f"2026-05-{r + 1:02d}"
            busy0 = machine_busy()
            cpu0 = cpu_seconds(pid)
            t0 = time.time()
            record_value(port, token, observed_on, 123 + r)
            answered = time.time() - t0
            clients.send("collect", t0 + args.timeout)
            collected = clients.receive("collected", args.timeout + 30)
            done = time.time()
            server_cpu = cpu_seconds(pid) - cpu0
            busy1 = machine_busy()
            busy = busy_percent(busy0, busy1)
            client_cpu = sum(a[3] for a in collected) - client_cpu0
            others = max(0.0, busy_seconds(busy0, busy1) - server_cpu - client_cpu)
            pings = sum(a[4] for a in collected) - pings0
            times = sorted(t for a in collected for t in a[1])
            extra = sum(a[2] for a in collected)
            closed, errs, unexpected = {}, {}, {}
            for a in collected:
                merge(closed, a[5])
                merge(errs, a[6])
                merge(unexpected, a[7])
            lat = [1000 * (t - t0) for t in times]
            row = {
                "round": r + 1, "observedOn": observed_on, "got": len(times),
                "of": connected, "mutation_ms": 1000 * answered,
                "first": lat[0] if lat else float("nan"),
                "p50": percentile(lat, 50), "p99": percentile(lat, 99),
                "last": lat[-1] if lat else float("nan"),
                "server_cpu": server_cpu, "client_cpu": client_cpu, "busy": busy,
                "wall": done - t0, "others": others, "irq": irq_seconds(busy0, busy1), "rss": rss_mb(pid), "extra": extra, "pings": pings,
            }
            rounds.append(row)
            print(f"round {r + 1} ({observed_on}): {row['got']}/{connected} got it; "
                  f"mutation answered in {row['mutation_ms']:.0f} ms; latency ms first "
                  f"{row['first']:.0f}, p50 {row['p50']:.0f}, p99 {row['p99']:.0f}, last "
                  f"{row['last']:.0f}; server CPU {server_cpu:.2f} s, clients' CPU "
                  f"{client_cpu:.2f} s, interrupts {row['irq']:.2f} s, other processes "
                  f"~{others:.2f} s, machine busy {busy:.0f}% over "
                  f"{row['wall']:.2f} s; "
                  f"RSS {row['rss']:.1f} MB"
                  + (f"; {extra} extra events" if extra else "")
                  + (f"; {pings} pings" if pings else ""))
            if closed:
                print("  closed connections: " + "; ".join(
                    f"{n} x {what}" for what, n in sorted(closed.items(), key=lambda kv: -kv[1])[:5]))
            if errs:
                print("  errors: " + "; ".join(
                    f"{n} x {what}" for what, n in sorted(errs.items(), key=lambda kv: -kv[1])[:5]))
            if unexpected:
                print(f"  other messages: {unexpected}")
        report["rounds"] = rounds
    finally:
        stop_started = time.time()
        clients.stop()
    # Memory once everybody is gone.
    deadline = time.time() + 30
    streams = None
    while time.time() < deadline:
        try:
            _, streams = active_subscriptions(port)
        except (OSError, RuntimeError):
            break
        if streams == 0:
            break
        time.sleep(0.1)
    gone = time.time() - stop_started
    time.sleep(2)
    report["rss_after"] = rss_mb(pid)
    time.sleep(11)  # the server trims its heap every 10 s while quiet
    report["rss_later"] = rss_mb(pid)
    print(f"all disconnected after {gone:.1f} s ({streams} WebSockets still counted); "
          f"RSS {report['rss_after']:.1f} MB 2 s later, {report['rss_later']:.1f} MB 13 s later")
    return report


def table(args, report):
    n = report.get("connected", 0)
    print()
    print(f"== {n} subscribers ({args.processes} client processes, "
          f"{os.cpu_count()} cores shared with the server) ==")
    print(f"connect all: {report.get('connect_s', float('nan')):.2f} s "
          f"(server counts all: {report.get('subscribed_s', float('nan')):.2f} s)")
    print(f"RSS MB: before {report['rss_idle']:.1f}, connected "
          f"{report.get('rss_connected', float('nan')):.1f}, after last round "
          f"{report['rounds'][-1]['rss'] if report.get('rounds') else float('nan'):.1f}, "
          f"after disconnect {report.get('rss_after', float('nan')):.1f} (+2 s), "
          f"{report.get('rss_later', float('nan')):.1f} (+13 s)")
    print(f"idle server CPU: {report.get('idle_cpu_pct', float('nan')):.2f}% of one core "
          f"over {args.quiet_seconds:.0f} s")
    print()
    print("round  got/of        first    p50    p99   last (ms)  srv CPU s  cli CPU s"
          "  irq s  other CPU s  busy  RSS MB")
    for row in report.get("rounds", []):
        print(f"{row['round']:>5}  {row['got']:>6}/{row['of']:<6} {row['first']:>6.0f} "
              f"{row['p50']:>6.0f} {row['p99']:>6.0f} {row['last']:>6.0f}      "
              f"{row['server_cpu']:>9.2f}  {row['client_cpu']:>9.2f}  {row['irq']:>5.2f}  "
              f"{row['others']:>11.2f}  "
              f"{row['busy']:>3.0f}%  "
              f"{row['rss']:>6.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument("--concurrency", type=int, default=50,
                        help="connections each client process opens at once")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--gap", type=float, default=3.0, help="seconds between rounds")
    parser.add_argument("--quiet-seconds", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds for each connection step and for each event")
    parser.add_argument("--binary", default="target/release/masterplan")
    parser.add_argument("--keepalive-ms", type=int,
                        help="the server's ping interval (MASTERPLAN_KEEPALIVE_MS; default "
                             "the server's, 15000): a long one shows the idle CPU without pings")
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                        help="wait up to this long for the machine to be under 15%% busy")
    parser.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE",
                        help="more environment for the server (repeatable)")
    parser.add_argument("--pin", action="store_true",
                        help="run the server on core 0 and the clients on core 1")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"{args.binary} is missing: cargo build --release -p masterplan")
    if args.pin and os.cpu_count() < 2:
        sys.exit("--pin needs two cores")
    if args.subscribers < 1 or args.processes < 1:
        sys.exit("--subscribers and --processes must be at least 1")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    per_process = -(-args.subscribers // args.processes) + 64
    if hard != resource.RLIM_INFINITY and hard < per_process:
        sys.exit(f"each client process needs about {per_process} open files; the hard "
                 f"limit is {hard}: use more --processes")
    built = time.strftime("%Y-%m-%d %H:%M", time.localtime(os.path.getmtime(args.binary)))
    print(f"{args.binary} built {built}; "
          f"websockets {websockets.__version__}, Python {sys.version.split()[0]}; "
          f"open-files limit here {soft}/{hard} (clients raise theirs to the hard limit)")

    workdir = tempfile.mkdtemp(prefix="masterplan-subscribers-")
    db = os.path.join(workdir, "bench.db")
    log_path = os.path.join(workdir, "server.log")
    env = {**os.environ, "DATABASE_URL": f"sqlite://{db}", "RUST_LOG": "warn"}
    if args.keepalive_ms:
        env["MASTERPLAN_KEEPALIVE_MS"] = str(args.keepalive_ms)
    for item in args.server_env:
        key, sep, value = item.partition("=")
        if not sep:
            sys.exit(f"--server-env takes KEY=VALUE, not {item!r}")
        env[key] = value
    waited = time.time()
    while True:
        before = machine_busy()
        time.sleep(1)
        load = busy_percent(before, machine_busy())
        if load <= 15 or time.time() - waited > args.wait_quiet:
            break
    print(f"machine busy {load:.0f}% of {os.cpu_count()} cores before starting"
          + (" (other processes: figures below are noisy)" if load > 10 else ""))
    port = free_port()
    server = None
    report = None
    failed = None
    try:
        with open(log_path, "wb") as log:
            # `token create` migrates a new database itself, and `serve` then
            # seeds it (it seeds an empty plan table, and tokens are no plan).
            token = create_token(args.binary, env)
            server = start_server(args.binary, port, env, log, args.pin)
            report = run(args, server, port, token)
    except Failure as exc:
        failed = str(exc)
    except OSError as exc:
        failed = f"{type(exc).__name__}: {exc}"
    except KeyboardInterrupt:
        failed = "interrupted"
    finally:
        if server is not None:
            if server.poll() is not None:
                failed = (failed or "") + f" (the server exited with status {server.returncode})"
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        try:
            with open(log_path, errors="replace") as log:
                lines = [line.rstrip() for line in log]
        except OSError:
            lines = []
        noteworthy = [line for line in lines if re.search(r"WARN|ERROR|panick", line)]
        if noteworthy:
            print(f"\nserver log: {len(noteworthy)} warnings/errors, first ones:")
            for line in noteworthy[:10]:
                print(f"  {line[:300]}")
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if report and report.get("rounds"):
        table(args, report)
    if failed:
        sys.exit(f"FAILED: {failed}")
    rounds = report["rounds"]
    if any(row["got"] < row["of"] for row in rounds):
        sys.exit("FAILED: some subscribers did not get the change")


if __name__ == "__main__":
    main()
