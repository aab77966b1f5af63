"""The one table every part of `make bench` reports into, and its JSON copy in .bench/results.json."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Row:
    part: str  # a..e, as in bench/__main__.py
    measure: str
    value: float | str  # a number in `unit`, or what happened instead ("413 not supported")
    unit: str = ""
    floor: float | None = None  # what `value` is compared with, in the same unit
    target: str = ""  # e.g. "<= 1.3x" or "== 1"; empty: reported, not judged
    ok: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.floor and isinstance(self.value, (int, float)):
            return self.value / self.floor
        return None


def print_table(rows: list[Row]) -> None:
    header = ("part", "measure", "value", "floor", "ratio", "target", "pass", "note")
    lines = [header] + [(r.part, r.measure, _number(r.value, r.unit), _number(r.floor, r.unit),
                         f"{r.ratio:.2f}x" if r.ratio is not None else "", r.target,
                         {True: "pass", False: "FAIL", None: ""}[r.ok], r.note) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    for n, line in enumerate(lines):
        cells = [cell.rjust(w) if i in (2, 3, 4) else cell.ljust(w) for i, (cell, w) in enumerate(zip(line, widths))]
        print("  ".join(cells + [line[-1]]).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths) + "  ----")


def write_json(rows: list[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([{**asdict(r), "ratio": r.ratio} for r in rows], indent=1) + "\n")


def _number(value: float | str | None, unit: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    shown = f"{value:,.0f}" if value >= 100 or float(value).is_integer() else f"{value:.2f}"
    return f"{shown} {unit}".strip()
