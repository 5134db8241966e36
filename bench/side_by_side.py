#!/usr/bin/env python3
"""Side by side: masterplan on PostgreSQL and on SQLite, PostGraphile v5 over
the same PostgreSQL tables, and PostgreSQL alone, answering the same three
questions. Prints req/s, p50, p99, the server's peak RSS, SQL statements per
request and each figure's ratio to PostGraphile's, measured in the same run
(this machine is shared: compare ratios, not absolute figures).

It creates a fresh PostgreSQL database, loads the bundled plan with
`masterplan migrate` and `seed`, records --values KPI values through the
`recordKpiValues` mutation (with an admin token from `masterplan token
create`), and does the same in a fresh SQLite file. Then it starts each
server as its own process on its own port, masterplan with its response
cache off (`--cache-size-mb 0`) and, as extra rows, on; checks that every
server's answers hold the same data; and runs every scenario against every
server with wrk (`-t1 -c16 --latency`; PostgreSQL alone with `pgbench -f`
and one json_agg statement per scenario) for --seconds, in --rounds
interleaved rounds (the order of the servers rotates each round). Each
figure is the median over the rounds; each ratio the median of the rounds'
ratios.

Statements per request: masterplan's own count
(`masterplan_sql_statements_total` on `/metrics`: every statement diesel
runs, BEGIN/COMMIT included); PostGraphile's every `client.query` call of its
pool (bench/postgraphile/graphile.config.mjs counts them); pgbench's one
statement per transaction. For the servers on PostgreSQL also the committed
transactions per request from `pg_stat_database` (a statement outside a
transaction is one), the same yardstick for all, counted after the rounds
over 100 requests in a row per server and scenario (PostgreSQL reports these
counts late: the runner waits 11 s after each).

    cargo build --release -p masterplan
    python3 bench/side_by_side.py [--seconds 10] [--rounds 3] [--values 2000]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust), its client tools
(createdb, psql, pgbench), wrk, and npm: PostGraphile (and Node 22, which it
needs) is installed with `npm ci` into bench/postgraphile when missing.
"""
import argparse
import datetime
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PGL_DIR = os.path.join(HERE, "postgraphile")

# The three questions, as masterplan and PostGraphile ask them. PostGraphile
# orders by indexed columns only: KPIs come in their natural (insertion)
# order, which is masterplan's by position for a seeded plan. Values: the
# last 10, oldest first in masterplan, newest first in PostGraphile (the
# check compares them as sets). planId is a BigInt, sent as a string.
MASTERPLAN = {
    "reporting": """{ measures(first: 100) { nodes { code title status
        workingGroup { code name }
        goals { text status timing { dueOn } }
        kpis { name unit latestValue { observedOn value }
               values(last: 10) { nodes { observedOn value } } } } } }""",
    "no values": """{ measures(first: 100) { nodes { code title status
        workingGroup { code name }
        goals { text status timing { dueOn } }
        kpis { name unit } } } }""",
    "widget": """{ measure(code: "1.2") { code title status
        goals { text status timing { dueOn } } } }""",
}

POSTGRAPHILE = {
    "reporting": """{ allMeasures(orderBy: POSITION_ASC) { nodes { code title status
        workingGroupByWorkingGroupId { code name }
        goalsByMeasureId(orderBy: POSITION_ASC) { nodes { text status dueOn } }
        kpisByMeasureId { nodes { name unit
          latest: kpiValuesByKpiId(orderBy: OBSERVED_ON_DESC, first: 1) { nodes { observedOn value } }
          values: kpiValuesByKpiId(orderBy: OBSERVED_ON_DESC, first: 10) { nodes { observedOn value } } } } } } }""",
    "no values": """{ allMeasures(orderBy: POSITION_ASC) { nodes { code title status
        workingGroupByWorkingGroupId { code name }
        goalsByMeasureId(orderBy: POSITION_ASC) { nodes { text status dueOn } }
        kpisByMeasureId { nodes { name unit } } } } }""",
    "widget": """{ measureByPlanIdAndCode(planId: "PLAN_ID", code: "1.2") { code title status
        goalsByMeasureId(orderBy: POSITION_ASC) { nodes { text status dueOn } } } }""",
}

# PostgreSQL alone: one statement building the same JSON (masterplan's field
# names), as a client that knew the tables would send it.
GOALS_SQL = """(SELECT coalesce(json_agg(json_build_object('text', g.text, 'status', g.status,
        'timing', json_build_object('dueOn', g.due_on)) ORDER BY g.position), '[]')
     FROM goals g WHERE g.measure_id = m.id AND g.archived_at IS NULL)"""
VALUES_SQL = """,
       'latestValue', (SELECT json_build_object('observedOn', v.observed_on, 'value', v.value)
          FROM kpi_values v WHERE v.kpi_id = k.id ORDER BY v.observed_on DESC LIMIT 1),
       'values', json_build_object('nodes', (SELECT coalesce(json_agg(json_build_object(
            'observedOn', v.observed_on, 'value', v.value) ORDER BY v.observed_on), '[]')
          FROM (SELECT observed_on, value FROM kpi_values v WHERE v.kpi_id = k.id
                ORDER BY v.observed_on DESC LIMIT 10) v))"""
MEASURES_SQL = """SELECT json_build_object('measures', json_build_object('nodes',
  coalesce(json_agg(json_build_object('code', m.code, 'title', m.title, 'status', m.status,
    'workingGroup', json_build_object('code', w.code, 'name', w.name),
    'goals', {goals},
    'kpis', (SELECT coalesce(json_agg(json_build_object('name', k.name, 'unit', k.unit{values})
              ORDER BY k.position), '[]')
             FROM kpis k WHERE k.measure_id = m.id AND k.archived_at IS NULL))
    ORDER BY m.position), '[]')))
FROM measures m JOIN working_groups w ON w.id = m.working_group_id
WHERE m.archived_at IS NULL;
"""
SQL = {
    "reporting": MEASURES_SQL.format(goals=GOALS_SQL, values=VALUES_SQL),
    "no values": MEASURES_SQL.format(goals=GOALS_SQL, values=""),
    "widget": """SELECT json_build_object('measure', (SELECT json_build_object('code', m.code,
    'title', m.title, 'status', m.status, 'goals', {goals})
  FROM measures m WHERE m.code = '1.2' AND m.archived_at IS NULL));
""".format(goals=GOALS_SQL),
}

RECORD = """mutation Record($input: RecordKpiValuesInput!) {
  recordKpiValues(input: $input) { inserted updated unchanged userErrors { field message code } } }"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server on port {port} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"nothing listens on port {port} after {seconds} s")


def post(port, query, variables=None, token=None, path="/graphql"):
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables or {}})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", path, body, headers)
    answer = json.loads(conn.getresponse().read())
    conn.close()
    if answer.get("errors"):
        sys.exit(f"port {port}: {answer['errors']}")
    return answer["data"]


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def psql(db, sql):
    return run("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-XAtq", "-c", sql).strip()


def rss_mb(pid, field="VmRSS"):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


# --- Loading the data ----------------------------------------------------


def masterplan_cli(binary, url, *args):
    return run(binary, "--database-url", url, *args)


def prepare(binary, url):
    """Migrates, seeds and makes an admin token; returns its secret."""
    masterplan_cli(binary, url, "migrate")
    masterplan_cli(binary, url, "seed")
    out = masterplan_cli(binary, url, "token", "create", "--name", "side-by-side", "--role", "ADMIN")
    return out.strip().splitlines()[-1].strip()


def value_rows(kpis, total):
    """`total` monthly values spread over the KPIs, each fitting its type."""
    rows = []
    for k, (key, value_type, unit) in enumerate(kpis):
        n = total // len(kpis) + (1 if k < total % len(kpis) else 0)
        for i in range(n):
            day = datetime.date(2021 + i // 12, i % 12 + 1, 1)
            if value_type == "MILESTONE":
                value = 1.0 if i >= 2 * n // 3 else 0.0
            elif value_type == "PERCENT":
                value = min(100.0, 5 + 1.5 * i)
            else:
                value = float(100 + 10 * i + k % 7)
            rows.append({"kpi": key, "observedOn": day.isoformat(), "value": value,
                         "source": "bench/side_by_side.py"})
    return rows


def record_values(port, token, total):
    data = post(port, "{ measures(first: 100) { nodes { code title kpis { name valueType unit } } } }")
    kpis = []
    for m in data["measures"]["nodes"]:
        for k in m["kpis"]:
            key = {"name": k["name"]}
            key.update({"measure": m["code"]} if m["code"] else {"measureTitle": m["title"]})
            kpis.append((key, k["valueType"], k["unit"]))
    rows = value_rows(kpis, total)
    inserted = 0
    for start in range(0, len(rows), 200):
        result = post(port, RECORD, {"input": {"values": rows[start:start + 200]}}, token)["recordKpiValues"]
        if result["userErrors"]:
            sys.exit(f"recordKpiValues: {result['userErrors'][:3]}")
        inserted += result["inserted"] + result["updated"] + result["unchanged"]
    return inserted, len(kpis)


# --- The servers -----------------------------------------------------------


class Server:
    def __init__(self, name, cmd, env, port, cwd=None, stats=None):
        self.name, self.port, self.stats = name, port, stats
        self.proc = subprocess.Popen(cmd, env={**os.environ, **env}, cwd=cwd,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        threading.Thread(target=self._drain, daemon=True).start()
        wait_for_port(port, self.proc)

    def _drain(self):
        self.log = []
        for line in self.proc.stderr:
            self.log = (self.log + [line.decode(errors="replace")])[-20:]

    def statements(self):
        return self.stats(self) if self.stats else None

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def masterplan_statements(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("masterplan_sql_statements_total"))


def postgraphile_statements(server):
    with urllib.request.urlopen(f"http://127.0.0.1:{server.stats_port}/", timeout=10) as r:
        return float(r.read())


def start_masterplan(name, binary, url, cache_mb):
    port = free_port()
    return Server(name, [binary, "serve", "--no-seed", "--listen", f"127.0.0.1:{port}",
                         "--cache-size-mb", str(cache_mb)],
                  {"DATABASE_URL": url, "RUST_LOG": "warn"}, port, stats=masterplan_statements)


def ensure_postgraphile():
    if not os.path.isdir(os.path.join(PGL_DIR, "node_modules")):
        print("npm ci in bench/postgraphile (PostGraphile v5 and Node 22) …", flush=True)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PGL_DIR, check=True)
    node = os.path.join(PGL_DIR, "node_modules", ".bin", "node")
    cli = os.path.join(PGL_DIR, "node_modules", "postgraphile", "dist", "cli-run.js")
    with open(os.path.join(PGL_DIR, "node_modules", "postgraphile", "package.json")) as f:
        version = json.load(f)["version"]
    return node, cli, (run(node, "--version").strip(), version)


def start_postgraphile(node, cli, url):
    port, stats_port = free_port(), free_port()
    server = Server("PostGraphile", [node, cli, "-C", "graphile.config.mjs"],
                    {"DATABASE_URL": url, "PORT": str(port), "STATS_PORT": str(stats_port),
                     "NODE_ENV": "production"},
                    port, cwd=PGL_DIR, stats=postgraphile_statements)
    server.stats_port = stats_port
    wait_for_port(stats_port, server.proc)
    return server


# --- The check -------------------------------------------------------------


def pairs(values):
    return sorted((v["observedOn"], float(v["value"])) for v in values)


def normal_measure(m, wg, goals, due, kpis):
    out = {"code": m["code"], "title": m["title"], "status": m["status"],
           "goals": [(g["text"], g["status"], due(g)) for g in goals(m)]}
    if wg:
        out["workingGroup"] = (wg(m)["code"], wg(m)["name"])
    if kpis:
        out["kpis"] = [kpis(k) for k in (m["kpis"] if "kpis" in m else m["kpisByMeasureId"]["nodes"])]
    return out


def normalise_masterplan(scenario, data):
    def kpi(k):
        out = (k["name"], k["unit"])
        if scenario == "reporting":
            latest = k["latestValue"]
            out += (latest and pairs([latest])[0], pairs(k["values"]["nodes"]))
        return out
    goals = lambda m: m["goals"]  # noqa: E731
    due = lambda g: g["timing"]["dueOn"]  # noqa: E731
    if scenario == "widget":
        return [normal_measure(data["measure"], None, goals, due, None)]
    return [normal_measure(m, lambda m: m["workingGroup"], goals, due, kpi)
            for m in data["measures"]["nodes"]]


def normalise_postgraphile(scenario, data):
    def kpi(k):
        out = (k["name"], k["unit"])
        if scenario == "reporting":
            latest = k["latest"]["nodes"]
            out += (latest and pairs(latest)[0] or None, pairs(k["values"]["nodes"]))
        return out
    goals = lambda m: m["goalsByMeasureId"]["nodes"]  # noqa: E731
    due = lambda g: g["dueOn"]  # noqa: E731
    if scenario == "widget":
        return [normal_measure(data["measureByPlanIdAndCode"], None, goals, due, None)]
    return [normal_measure(m, lambda m: m["workingGroupByWorkingGroupId"], goals, due, kpi)
            for m in data["allMeasures"]["nodes"]]


def counts(measures):
    kpis = [k for m in measures for k in m.get("kpis", [])]
    return {"measures": len(measures), "goals": sum(len(m["goals"]) for m in measures),
            "KPIs": len(kpis), "latest values": sum(1 for k in kpis if len(k) > 2 and k[2]),
            "values": sum(len(k[3]) for k in kpis if len(k) > 3)}


def check(servers, db, plan_id):
    print("\nSame data? (counts of each answer; equal: the normalised answers are identical)")
    for scenario in MASTERPLAN:
        answers = {}
        for s in servers:
            if s.name == "PostGraphile":
                query = POSTGRAPHILE[scenario].replace("PLAN_ID", str(plan_id))
                answers[s.name] = normalise_postgraphile(scenario, post(s.port, query))
            else:
                answers[s.name] = normalise_masterplan(scenario, post(s.port, MASTERPLAN[scenario]))
        answers["PostgreSQL alone"] = normalise_masterplan(scenario, json.loads(psql(db, SQL[scenario])))
        reference = answers["PostGraphile"]
        for name, answer in answers.items():
            same = "equal" if answer == reference else "DIFFERENT from PostGraphile's"
            shown = ", ".join(f"{v} {k}" for k, v in counts(answer).items() if v)
            print(f"  {scenario:<10} {name:<24} {shown}: {same}")
        if any(a != reference for a in answers.values()):
            sys.exit("the answers differ; not measuring")


# --- Measuring -------------------------------------------------------------


def duration_ms(text):
    for unit, factor in (("us", 1e-3), ("ms", 1.0), ("s", 1e3), ("m", 6e4)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


class Sampler(threading.Thread):
    """Peak VmRSS of a process while a load runs."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, rss_mb(pid), threading.Event()
        self.start()

    def run(self):
        while not self.done.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.2)

    def stop(self):
        self.done.set()
        self.join()
        return max(self.peak, rss_mb(self.pid))


def xacts(db):
    return float(psql("postgres", "SELECT xact_commit + xact_rollback FROM pg_stat_database "
                                  f"WHERE datname = '{db}'"))


# A busy backend reports its counts at most once a second and an idle one
# after 10 s: each count waits that long after its requests.
STATS_DELAY = 11


def count_transactions(servers, bodies, db, requests=100):
    """PostgreSQL's committed transactions per request, for each server on
    PostgreSQL and scenario: `requests` requests one after another, then
    quiet until the backends have reported."""
    print(f"\ncounting PostgreSQL transactions: {requests} requests per server and scenario, "
          f"{STATS_DELAY} s of quiet after each …", flush=True)
    time.sleep(STATS_DELAY)
    last = xacts(db)
    time.sleep(STATS_DELAY)
    now = xacts(db)
    print(f"  with no requests: {now - last:.0f} transactions in {STATS_DELAY} s")
    last, found = now, {}
    for s in servers:
        if "SQLite" in s.name:
            continue
        for scenario in MASTERPLAN:
            conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
            for _ in range(requests):
                conn.request("POST", "/graphql", bodies[(s.name, scenario)],
                             {"Content-Type": "application/json", "Accept": "application/json"})
                conn.getresponse().read()
            conn.close()
            time.sleep(STATS_DELAY)
            now = xacts(db)
            found[(s.name, scenario)] = (now - last) / requests
            last = now
    return found


def wrk(server, body, seconds, connections, tmp):
    script = os.path.join(tmp, f"{server.port}.lua")
    with open(script, "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                'wrk.headers["Accept"] = "application/json"\n'
                f"wrk.body = [==[{body}]==]\n")
    before = server.statements()
    sampler = Sampler(server.proc.pid)
    out = run("wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", "-s", script,
              f"http://127.0.0.1:{server.port}/graphql")
    peak = sampler.stop()
    statements = server.statements() - before
    if "Non-2xx" in out or "Socket errors" in out:
        sys.exit(f"{server.name}: wrk saw failures:\n{out}\n{''.join(server.log)}")
    fields = {}
    for line in out.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            fields["rps"] = float(words[1])
        elif len(words) >= 2 and words[1] == "requests" and words[2] == "in":
            fields["requests"] = int(words[0])
        elif len(words) == 2 and words[0] in ("50%", "99%"):
            fields["p" + words[0][:-1]] = duration_ms(words[1])
    n = fields["requests"]
    fields["rss"] = peak
    fields["stmts"] = statements / n
    return fields


def pgbench(db, sql, seconds, connections, tmp):
    script = os.path.join(tmp, "query.sql")
    with open(script, "w") as f:
        f.write(sql)
    prefix = os.path.join(tmp, f"pgbench{time.monotonic_ns()}")
    out = run("pgbench", "-n", "-h", "127.0.0.1", "-U", "postgres", "-c", str(connections), "-j", "1",
              "-T", str(seconds), "-f", script, "-l", "--log-prefix", prefix, db)
    latencies = []
    for name in os.listdir(tmp):
        path = os.path.join(tmp, name)
        if path.startswith(prefix):
            with open(path) as f:
                latencies += [int(line.split()[2]) / 1000 for line in f]
            os.remove(path)
    latencies.sort()
    tps = next(float(line.split()[2]) for line in out.splitlines() if line.startswith("tps ="))
    pick = lambda p: latencies[round((len(latencies) - 1) * p)]  # noqa: E731
    return {"rps": tps, "p50": pick(0.5), "p99": pick(0.99), "rss": None, "stmts": 1.0}


def fmt(value, digits):
    return "–" if value is None else f"{value:.{digits}f}"


def ratio(rounds, name, scenario, key):
    vals = []
    for r in rounds:
        mine, theirs = r[(name, scenario)][key], r[("PostGraphile", scenario)][key]
        if mine is not None and theirs:
            vals.append(mine / theirs)
    return statistics.median(vals) if vals else None


def add_load_arguments(parser, seconds):
    """The load options every runner in bench/ takes."""
    parser.add_argument("--seconds", type=int, default=seconds, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--connections", type=int, default=16, help="wrk's connections")
    parser.add_argument("--values", type=int, default=2000, help="KPI values recorded")


def rotated(items, r):
    """`items` starting at the r-th: each round starts with another server."""
    return items[r % len(items):] + items[: r % len(items)]


def main():
    parser = argparse.ArgumentParser()
    add_load_arguments(parser, seconds=10)
    parser.add_argument("--binary", default="target/release/masterplan")
    parser.add_argument("--no-cached", action="store_true", help="skip the rows with masterplan's cache on")
    parser.add_argument("--keep", action="store_true", help="keep the database and the SQLite file")
    args = parser.parse_args()
    for tool in ("wrk", "pgbench", "psql", "createdb", "npm"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing")
    node, cli, (node_version, pgl_version) = ensure_postgraphile()

    tmp = tempfile.mkdtemp(prefix="side-by-side-")
    db = f"masterplan_side_by_side_{os.getpid()}"
    pg_url = f"postgres://postgres@127.0.0.1:5432/{db}"
    sqlite_url = f"sqlite://{tmp}/bench.db"
    run("createdb", "-h", "127.0.0.1", "-U", "postgres", db)
    servers = []
    try:
        pg_token, sqlite_token = prepare(args.binary, pg_url), prepare(args.binary, sqlite_url)
        mp_pg = start_masterplan("masterplan PostgreSQL", args.binary, pg_url, 0)
        mp_sqlite = start_masterplan("masterplan SQLite", args.binary, sqlite_url, 0)
        servers += [mp_pg, mp_sqlite]
        for server, token in ((mp_pg, pg_token), (mp_sqlite, sqlite_token)):
            recorded, kpis = record_values(server.port, token, args.values)
            print(f"{server.name}: recorded {recorded} KPI values of {kpis} KPIs through recordKpiValues")
        psql(db, "VACUUM ANALYZE")
        # Started after the writes: a SQLite server does not hear of another
        # process's commits, so its cache would keep the empty answers.
        if not args.no_cached:
            servers.append(start_masterplan("masterplan PG, cache", args.binary, pg_url, 64))
            servers.append(start_masterplan("masterplan SQLite, cache", args.binary, sqlite_url, 64))
        servers.append(start_postgraphile(node, cli, pg_url))
        plan_id = psql(db, "SELECT id FROM plans")
        check(servers, db, plan_id)

        bodies = {}
        for s in servers:
            for scenario in MASTERPLAN:
                query = (POSTGRAPHILE[scenario].replace("PLAN_ID", plan_id) if s.name == "PostGraphile"
                         else MASTERPLAN[scenario])
                bodies[(s.name, scenario)] = json.dumps({"query": " ".join(query.split())})
        print(f"\nwarming up, then {args.rounds} rounds of {args.seconds} s per server and scenario, "
              f"{args.connections} connections …", flush=True)
        for s in servers:
            for scenario in MASTERPLAN:
                wrk(s, bodies[(s.name, scenario)], 2, args.connections, tmp)
        names = [s.name for s in servers] + ["PostgreSQL alone"]
        rounds = []
        for r in range(args.rounds):
            results = {}
            for scenario in MASTERPLAN:
                for name in rotated(names, r):
                    if name == "PostgreSQL alone":
                        results[(name, scenario)] = pgbench(db, SQL[scenario], args.seconds,
                                                            args.connections, tmp)
                    else:
                        s = next(s for s in servers if s.name == name)
                        results[(name, scenario)] = wrk(s, bodies[(name, scenario)], args.seconds,
                                                        args.connections, tmp)
                    print(f"  round {r + 1} {scenario:<10} {name:<26} "
                          f"{results[(name, scenario)]['rps']:>9.0f} req/s", flush=True)
            rounds.append(results)
        transactions = count_transactions(servers, bodies, db)
        for scenario in MASTERPLAN:
            transactions[("PostgreSQL alone", scenario)] = 1.0

        load = os.getloadavg()
        print(f"\n{datetime.date.today()}, {os.cpu_count()} CPUs, load average at the end "
              f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; PostGraphile {pgl_version} on Node {node_version}; "
              f"wrk -t1 -c{args.connections}, {args.rounds} × {args.seconds} s; "
              "medians over the rounds; ×PGL: the median of the rounds' ratios to PostGraphile's")
        header = (f"| {'scenario':<10} | {'server':<24} | {'req/s':>7} | {'×PGL':>5} | {'p50 ms':>7} | {'×PGL':>5} "
                  f"| {'p99 ms':>7} | {'×PGL':>5} | {'RSS MB':>6} | {'×PGL':>5} | {'stmts/req':>9} "
                  f"| {'PG xacts/req':>12} |")
        print(header)
        print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
        for scenario in MASTERPLAN:
            for name in names:
                med = {k: (statistics.median(v) if None not in (v := [r[(name, scenario)][k] for r in rounds])
                           else None) for k in ("rps", "p50", "p99", "stmts")}
                med["xacts"] = transactions.get((name, scenario))
                rss = max(r[(name, scenario)]["rss"] or 0 for r in rounds) or None
                rss_ratio = (rss / max(r[("PostGraphile", scenario)]["rss"] for r in rounds)) if rss else None
                print(f"| {scenario:<10} | {name:<24} | {med['rps']:>7.0f} | "
                      f"{fmt(ratio(rounds, name, scenario, 'rps'), 2):>5} | {med['p50']:>7.2f} | "
                      f"{fmt(ratio(rounds, name, scenario, 'p50'), 2):>5} | {med['p99']:>7.2f} | "
                      f"{fmt(ratio(rounds, name, scenario, 'p99'), 2):>5} | {fmt(rss, 0):>6} | "
                      f"{fmt(rss_ratio, 2):>5} | {fmt(med['stmts'], 2):>9} | {fmt(med['xacts'], 2):>12} |")
        print("\nRSS: the peak VmRSS sampled during the scenario's runs (PostgreSQL's own "
              "backends are not counted for any row).")
    finally:
        for s in servers:
            s.stop()
        if args.keep:
            print(f"kept: {pg_url} and {sqlite_url}")
        else:
            run("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", db)
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
