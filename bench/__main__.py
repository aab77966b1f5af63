"""`make bench`: every part of the benchmark in one run, printed as one table and written to .bench/results.json.

  a  cold start of each handler vs import boto3 + a DynamoDB client        (bench.cold)
  b  warm handler time, DynamoDB stubbed, vs orjson loads + dumps          (bench.handlers)
  c  DynamoDB requests per interaction                                     (bench.handlers)
  d  items read per search page, 1,000 vs 10,000 studies                   (bench.search)
  e  create / read / update of a 10,000-instance study over HTTP           (bench.large)
  f  hostile requests over HTTP, and /metadata answered beside them        (bench.hostile)

`python -m bench f` (or `make bench PARTS=f`) runs only the parts named; `b` and `c` are one part.
Progress goes to stderr. Exits 1 if any target is missed, naming which.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from bench import cold, handlers, hostile, large, search
from bench.table import print_table, write_json

RESULTS = Path(__file__).resolve().parent.parent / ".bench/results.json"
PARTS = (("a cold start", cold.run), ("b+c handlers", handlers.run), ("d search", search.run),
         ("e large study", large.run), ("f hostile requests", hostile.run))


def main(selected: list[str]) -> int:
    letters = set("".join(selected).replace(",", ""))
    if unknown := letters - set("abcdef"):
        print(f"bench: no part {', '.join(sorted(unknown))}; the parts are a to f", file=sys.stderr)
        return 2
    rows = []
    for name, part in PARTS:
        if letters and not letters & set(name.split()[0].replace("+", "")):
            continue
        started = time.monotonic()
        rows += part()
        print(f"bench: {name} took {time.monotonic() - started:.0f} s", file=sys.stderr)
    rows.sort(key=lambda row: row.part)  # stable: each part keeps its own order
    print_table(rows)
    # A run of some parts does not overwrite the whole table.
    results = RESULTS.with_name(f"results-{''.join(sorted(letters))}.json") if letters else RESULTS
    write_json(rows, results)
    missed = [f"{row.part}: {row.measure}" for row in rows if row.ok is False]
    print(f"\nwritten to {results.parent.name}/{results.name}")
    if missed:
        print(f"{len(missed)} target(s) missed:\n  " + "\n  ".join(missed))
        return 1
    print("every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
