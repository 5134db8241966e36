#!/usr/bin/env python3
"""Two or more builds of masterplan, side by side on the same data: did a
change make the bench's questions faster, slower or leaner?

One PostgreSQL database and one SQLite file, each made by the last build
given (`masterplan migrate`, `seed`, and --values KPI values recorded through
`recordKpiValues`, as in bench/side_by_side.py). Every build then serves each
of them as its own process (response cache off), the answers are checked to
hold the same data, and wrk (`-t1 -c16`) asks each server each question of
bench/side_by_side.py for --seconds, in --rounds interleaved rounds (the
order rotates each round). Prints req/s, p50, p99, peak RSS and statements per
request, and each build's req/s ÷ the first build's on the same backend (the
median of the rounds' ratios: compare within one run, this machine is shared).

    git worktree add /tmp/before HEAD~1
    (cd /tmp/before && cargo build --release -p masterplan)
    cargo build --release -p masterplan
    python3 bench/compare_builds.py /tmp/before/target/release/masterplan \\
        target/release/masterplan [--seconds 8] [--rounds 3]

The builds must share the database schema (the first build's migrations a
prefix of the last's). Needs PostgreSQL on 127.0.0.1:5432 (user postgres,
trust), its client tools and wrk.
"""
import argparse
import datetime
import json
import os
import shutil
import statistics
import sys
import tempfile

from side_by_side import (MASTERPLAN, add_load_arguments, fmt, normalise_masterplan, post, prepare,
                          psql, record_values, rotated, run, start_masterplan, wrk)

BACKENDS = ("PostgreSQL", "SQLite")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("builds", nargs="+", help="masterplan binaries; the first is the baseline")
    add_load_arguments(parser, seconds=8)
    parser.add_argument("--scenario", action="append", choices=list(MASTERPLAN),
                        help="a question to ask (repeatable); default: all")
    args = parser.parse_args()
    if len(args.builds) < 2:
        sys.exit("give two builds or more")
    for tool in ("wrk", "psql", "createdb"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing")
    scenarios = args.scenario or list(MASTERPLAN)
    labels = [f"{i + 1}: {b}" for i, b in enumerate(args.builds)]

    tmp = tempfile.mkdtemp(prefix="compare-builds-")
    db = f"masterplan_compare_{os.getpid()}"
    urls = {"PostgreSQL": f"postgres://postgres@127.0.0.1:5432/{db}", "SQLite": f"sqlite://{tmp}/bench.db"}
    run("createdb", "-h", "127.0.0.1", "-U", "postgres", db)
    servers = {}
    try:
        newest = args.builds[-1]
        for backend, url in urls.items():
            token = prepare(newest, url)
            loader = start_masterplan(f"{backend} loader", newest, url, 0)
            recorded, kpis = record_values(loader.port, token, args.values)
            loader.stop()
            print(f"{backend}: {recorded} KPI values on {kpis} KPIs", flush=True)
        psql(db, "VACUUM ANALYZE")
        for backend, url in urls.items():
            for label, binary in zip(labels, args.builds):
                servers[(backend, label)] = start_masterplan(f"{label} on {backend}", binary, url, 0)
        for scenario in scenarios:
            answers = {key: normalise_masterplan(scenario, post(s.port, MASTERPLAN[scenario]))
                       for key, s in servers.items()}
            if any(a != answers[(BACKENDS[0], labels[0])] for a in answers.values()):
                sys.exit(f"{scenario}: the builds' answers differ; not measuring")
        print(f"every server answers the same ({', '.join(scenarios)})", flush=True)

        bodies = {s: json.dumps({"query": " ".join(MASTERPLAN[s].split())}) for s in scenarios}
        for scenario in scenarios:
            for s in servers.values():
                wrk(s, bodies[scenario], 2, args.connections, tmp)
        keys = list(servers)
        rounds = []
        for r in range(args.rounds):
            results = {}
            for scenario in scenarios:
                for key in rotated(keys, r):
                    results[(scenario, key)] = wrk(servers[key], bodies[scenario], args.seconds,
                                                   args.connections, tmp)
                    print(f"  round {r + 1} {scenario:<10} {key[1]} on {key[0]:<11} "
                          f"{results[(scenario, key)]['rps']:>8.0f} req/s", flush=True)
            rounds.append(results)

        load = os.getloadavg()
        print(f"\n{datetime.date.today()}, {os.cpu_count()} CPUs, load average at the end "
              f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; wrk -t1 -c{args.connections}, "
              f"{args.rounds} × {args.seconds} s; medians over the rounds; ÷1: the median of the "
              "rounds' ratios to build 1 on the same backend")
        width = max(len(label) for label in labels)
        header = (f"| {'scenario':<10} | {'backend':<10} | {'build':<{width}} | {'req/s':>7} | {'÷1':>5} "
                  f"| {'p50 ms':>7} | {'p99 ms':>7} | {'RSS MB':>6} | {'stmts/req':>9} |")
        print(header)
        print("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
        for scenario in scenarios:
            for backend, label in keys:
                runs = [r[(scenario, (backend, label))] for r in rounds]
                med = {k: statistics.median(run_[k] for run_ in runs) for k in ("rps", "p50", "p99", "stmts")}
                first = [r[(scenario, (backend, labels[0]))]["rps"] for r in rounds]
                ratio = statistics.median(run_["rps"] / f for run_, f in zip(runs, first))
                rss = max(run_["rss"] for run_ in runs)
                print(f"| {scenario:<10} | {backend:<10} | {label:<{width}} | {med['rps']:>7.0f} | "
                      f"{fmt(ratio, 3):>5} | {med['p50']:>7.2f} | {med['p99']:>7.2f} | {rss:>6.0f} | "
                      f"{med['stmts']:>9.2f} |")
    finally:
        for s in servers.values():
            s.stop()
        run("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", db)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
