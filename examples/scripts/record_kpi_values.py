#!/usr/bin/env python3
"""Record KPI values from a CSV file in one idempotent batch.

Usage:
    MASTERPLAN_TOKEN=<secret> python3 record_kpi_values.py values.csv \
        [--url http://127.0.0.1:8080/graphql]

The CSV file (UTF-8, comma-separated, first line the header) has the columns

    plan           plan slug; may be empty while the server holds one plan
    measure        measure code, e.g. 1.2
    measure_title  the measure's title, only for a measure without a code
                   ("DMS und E-Akte"); leave `measure` empty then
    kpi            the KPI's name, exactly as in the plan
    observed_on    the day the value was observed, YYYY-MM-DD
    value          the value, a number (a decimal point, not a comma)
    note           optional
    source         optional: where the value comes from (a report, a system)

The script first sends the whole file as a dry run. If the server finds
problems it prints every one with the CSV line it is about and exits with
status 1; nothing is written. Otherwise it records the batch: each (KPI, day)
gets the row's value, so running the same file again changes nothing.

The API token (role EDITOR or ADMIN) comes from the environment variable
MASTERPLAN_TOKEN; the endpoint from --url or MASTERPLAN_URL.
"""

import argparse
import csv
import os
import sys

from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.requests import RequestsHTTPTransport

COLUMNS = ["plan", "measure", "measure_title", "kpi", "observed_on", "value", "note", "source"]

RECORD = gql(
    """
    mutation Record($input: RecordKpiValuesInput!) {
      recordKpiValues(input: $input) {
        inserted updated unchanged dryRun
        userErrors { field message code }
      }
    }
    """
)


def read_rows(path):
    """The CSV rows as (line number, row) pairs, and the problems found locally."""
    rows, problems = [], []
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ["kpi", "observed_on", "value"] if c not in (reader.fieldnames or [])]
        if missing:
            problems.append((1, f"the header lacks the column(s) {', '.join(missing)}"))
            return rows, problems
        unknown = [c for c in reader.fieldnames if c not in COLUMNS]
        if unknown:
            problems.append((1, f"unknown column(s) {', '.join(unknown)}; expected {', '.join(COLUMNS)}"))
        for row in reader:
            rows.append((reader.line_num, row))
    return rows, problems


def text(row, column):
    value = (row.get(column) or "").strip()
    return value or None


def to_input(line, row, problems):
    """One row as a KpiValueInput; None (with a problem) when it cannot be sent."""
    try:
        value = float((row.get("value") or "").strip())
    except ValueError:
        problems.append((line, f"value: {row.get('value')!r} is not a number"))
        return None
    key = {"name": text(row, "kpi") or ""}
    if text(row, "plan"):
        key["plan"] = text(row, "plan")
    if text(row, "measure"):
        key["measure"] = text(row, "measure")
    if text(row, "measure_title"):
        key["measureTitle"] = text(row, "measure_title")
    return {
        "kpi": key,
        "observedOn": (row.get("observed_on") or "").strip(),
        "value": value,
        "note": text(row, "note"),
        "source": text(row, "source"),
    }


def report(payload, lines):
    """Prints every user error with its CSV line; True when there were any."""
    errors = payload["userErrors"]
    for error in errors:
        field = error["field"]
        # ["input", "values", "3", "observedOn"]: row 3 of the batch.
        if len(field) >= 3 and field[1] == "values" and field[2].isdigit():
            where = f"line {lines[int(field[2])]}"
            column = ".".join(field[3:])
        else:
            where = "batch"
            column = ".".join(field[1:])
        print(f"{where}: {column}: {error['message']} ({error['code']})", file=sys.stderr)
    return bool(errors)


def main():
    parser = argparse.ArgumentParser(description="Record KPI values from a CSV file.")
    parser.add_argument("csv", help="the CSV file (see the header of this script)")
    parser.add_argument(
        "--url",
        default=os.environ.get("MASTERPLAN_URL", "http://127.0.0.1:8080/graphql"),
        help="the GraphQL endpoint (default: $MASTERPLAN_URL or http://127.0.0.1:8080/graphql)",
    )
    args = parser.parse_args()
    token = os.environ.get("MASTERPLAN_TOKEN")
    if not token:
        print("set MASTERPLAN_TOKEN to the secret of an EDITOR or ADMIN token", file=sys.stderr)
        return 2

    rows, problems = read_rows(args.csv)
    values, lines = [], []
    for line, row in rows:
        value = to_input(line, row, problems)
        if value is not None:
            values.append(value)
            lines.append(line)
    if problems:
        for line, message in problems:
            print(f"line {line}: {message}", file=sys.stderr)
        return 1
    if not values:
        print("the file holds no values")
        return 0

    transport = RequestsHTTPTransport(
        url=args.url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
        retries=2,
    )
    client = Client(transport=transport, fetch_schema_from_transport=False)
    try:
        for dry_run in (True, False):
            RECORD.variable_values = {"input": {"dryRun": dry_run, "values": values}}
            payload = client.execute(RECORD)["recordKpiValues"]
            if report(payload, lines):
                print(f"{len(payload['userErrors'])} problem(s); nothing was written", file=sys.stderr)
                return 1
    except TransportQueryError as err:
        print(f"the server refused the request: {err}", file=sys.stderr)
        return 1
    print(
        f"recorded {len(values)} values: {payload['inserted']} inserted, "
        f"{payload['updated']} updated, {payload['unchanged']} unchanged"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
