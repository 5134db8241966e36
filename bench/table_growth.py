#!/usr/bin/env python3
"""The reporting question on small and on 10× tables: does the same
25-measure answer cost more when the tables around it grow?

Two databases per backend (PostgreSQL and SQLite), each made with
`masterplan migrate` and `seed`:
- small: the bundled plan and --values KPI values (recorded through
  `recordKpiValues`, spread over its KPIs), as in bench/side_by_side.py;
- grown: the bundled plan with --growth × --values KPI values on the same
  KPIs (each KPI's history that many times as long), plus --growth − 1
  copies of the plan without values, loaded with `masterplan import` under
  other slugs: every table (plans, working groups, measures, goals, KPIs,
  KPI values) --growth times the small one's size, and all the extra
  values on the KPIs asked for (the worst case for "the last 10 values").

Masterplan (response cache off) serves each database as its own process; wrk
(`-t1 -c16`) asks each the reporting question of bench/side_by_side.py for
the bundled plan (`filter: { plan: … }`: the same 25 measures, their goals,
KPIs, latest value and last 10 values) for --seconds, in --rounds
interleaved rounds. Prints req/s, p50, p99 and statements per request for
each, and per backend grown ÷ small (the median of the rounds' ratios:
compare within one run, this machine is shared).

    cargo build --release -p masterplan
    python3 bench/table_growth.py [--seconds 8] [--rounds 3] [--growth 10]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust), its client tools
and wrk.
"""
import argparse
import datetime
import json
import os
import shutil
import statistics
import sys
import tempfile

from side_by_side import (MASTERPLAN, add_load_arguments, fmt, masterplan_cli, post, prepare, psql,
                          record_values, rotated, run, start_masterplan, wrk)

SLUG = "dortmund-arbeiten-4-0"
REPORTING = MASTERPLAN["reporting"].replace(
    "measures(first: 100)", f'measures(first: 100, filter: {{ plan: "{SLUG}" }})')


def copies(binary, url, growth, tmp):
    """Plan files: the small database's plan under `growth - 1` other slugs."""
    plan = json.loads(masterplan_cli(binary, url, "export", "--format", "json", "--plan", SLUG))
    paths = []
    for n in range(2, growth + 1):
        copy = json.loads(json.dumps(plan))
        copy["plan"]["slug"] = f"{SLUG}-copy-{n}"
        copy["plan"]["title"] = f"{plan['plan']['title']} (copy {n})"
        for measure in copy["measures"]:
            for kpi in measure["kpis"]:
                kpi["values"] = []
        path = os.path.join(tmp, f"copy-{n}.json")
        with open(path, "w") as f:
            json.dump(copy, f)
        paths.append(path)
    return paths


def shape(answer):
    """Measures, KPIs and values per KPI: what must match between small and grown."""
    measures = answer["measures"]["nodes"]
    return (len(measures), sum(len(m["kpis"]) for m in measures),
            tuple(sorted({len(k["values"]["nodes"]) for m in measures for k in m["kpis"]})))


def main():
    parser = argparse.ArgumentParser()
    add_load_arguments(parser, seconds=8)
    parser.add_argument("--growth", type=int, default=10)
    parser.add_argument("--binary", default="target/release/masterplan")
    parser.add_argument("--keep", action="store_true", help="keep the databases and SQLite files")
    args = parser.parse_args()
    for tool in ("wrk", "psql", "createdb"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing")

    tmp = tempfile.mkdtemp(prefix="table-growth-")
    dbs = {size: f"masterplan_growth_{size}_{os.getpid()}" for size in ("small", "grown")}
    urls = {("PostgreSQL", size): f"postgres://postgres@127.0.0.1:5432/{db}" for size, db in dbs.items()}
    urls.update({("SQLite", size): f"sqlite://{tmp}/{size}.db" for size in dbs})
    for db in dbs.values():
        run("createdb", "-h", "127.0.0.1", "-U", "postgres", db)
    servers = {}
    try:
        for backend in ("PostgreSQL", "SQLite"):
            small, grown = urls[(backend, "small")], urls[(backend, "grown")]
            tokens = {size: prepare(args.binary, urls[(backend, size)]) for size in dbs}
            for size, total in (("small", args.values), ("grown", args.values * args.growth)):
                server = start_masterplan(f"{backend} {size}", args.binary, urls[(backend, size)], 0)
                recorded, kpis = record_values(server.port, tokens[size], total)
                server.stop()
                print(f"{backend} {size}: {recorded} KPI values on the bundled plan's {kpis} KPIs", flush=True)
            for path in copies(args.binary, small, args.growth, tmp):
                masterplan_cli(args.binary, grown, "import", path)
            print(f"{backend} grown: {args.growth - 1} copies of the plan imported (without values)", flush=True)
        for db in dbs.values():
            psql(db, "VACUUM ANALYZE")
        counts = {size: psql(db, "SELECT (SELECT count(*) FROM measures) || ' measures, ' || "
                                 "(SELECT count(*) FROM kpis) || ' KPIs, ' || "
                                 "(SELECT count(*) FROM kpi_values) || ' KPI values'")
                  for size, db in dbs.items()}
        for size, text in counts.items():
            print(f"PostgreSQL {size}: {text}")

        for key, url in urls.items():
            servers[key] = start_masterplan(" ".join(key), args.binary, url, 0)
        shapes = {key: shape(post(s.port, REPORTING)) for key, s in servers.items()}
        if len(set(shapes.values())) != 1:
            sys.exit(f"the answers differ in shape: {shapes}")
        print(f"every server answers {shapes[key][0]} measures, {shapes[key][1]} KPIs, "
              f"values per KPI {shapes[key][2]}")

        body = json.dumps({"query": " ".join(REPORTING.split())})
        for s in servers.values():
            wrk(s, body, 2, args.connections, tmp)
        keys = list(servers)
        rounds = []
        for r in range(args.rounds):
            results = {}
            for key in rotated(keys, r):
                results[key] = wrk(servers[key], body, args.seconds, args.connections, tmp)
                print(f"  round {r + 1} {' '.join(key):<18} {results[key]['rps']:>8.0f} req/s", flush=True)
            rounds.append(results)

        load = os.getloadavg()
        print(f"\n{datetime.date.today()}, {os.cpu_count()} CPUs, load average at the end "
              f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; wrk -t1 -c{args.connections}, "
              f"{args.rounds} × {args.seconds} s; medians over the rounds; grown: {args.growth}× tables")
        header = (f"| {'backend':<10} | {'tables':<6} | {'req/s':>7} | {'÷small':>6} | {'p50 ms':>7} "
                  f"| {'p99 ms':>7} | {'stmts/req':>9} | {'RSS MB':>6} |")
        print(header)
        print("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
        for key in keys:
            med = {k: statistics.median(r[key][k] for r in rounds) for k in ("rps", "p50", "p99", "stmts")}
            rss = max(r[key]["rss"] for r in rounds)
            small = (key[0], "small")
            per_round = statistics.median(r[key]["rps"] / r[small]["rps"] for r in rounds)
            print(f"| {key[0]:<10} | {key[1]:<6} | {med['rps']:>7.0f} | {fmt(per_round, 3):>6} | "
                  f"{med['p50']:>7.2f} | {med['p99']:>7.2f} | {med['stmts']:>9.2f} | {rss:>6.0f} |")
    finally:
        for s in servers.values():
            s.stop()
        if args.keep:
            print("kept: " + ", ".join(urls.values()))
        else:
            for db in dbs.values():
                run("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", db)
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
