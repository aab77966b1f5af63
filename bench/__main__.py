"""`make bench`: every part of the benchmark in one run, printed as one table and written to .bench/results.json.

  a  cold start of each handler vs import boto3 + a DynamoDB client        (bench.cold)
  b  warm handler time, DynamoDB stubbed, vs orjson loads + dumps          (bench.handlers)
  c  DynamoDB requests per interaction                                     (bench.handlers)
  d  items read per search page, 1,000 vs 10,000 studies                   (bench.search)
  e  create / read / update of a 10,000-instance study over HTTP           (bench.large)

Progress goes to stderr. Exits 1 if any target is missed, naming which.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from bench import cold, handlers, large, search
from bench.table import print_table, write_json

RESULTS = Path(__file__).resolve().parent.parent / ".bench/results.json"


def main() -> int:
    rows = []
    for name, part in (("a cold start", cold.run), ("b+c handlers", handlers.run), ("d search", search.run),
                       ("e large study", large.run)):
        started = time.monotonic()
        rows += part()
        print(f"bench: {name} took {time.monotonic() - started:.0f} s", file=sys.stderr)
    rows.sort(key=lambda row: row.part)  # stable: each part keeps its own order
    print_table(rows)
    write_json(rows, RESULTS)
    missed = [f"{row.part}: {row.measure}" for row in rows if row.ok is False]
    print(f"\nwritten to {RESULTS.parent.name}/{RESULTS.name}")
    if missed:
        print(f"{len(missed)} target(s) missed:\n  " + "\n  ".join(missed))
        return 1
    print("every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
