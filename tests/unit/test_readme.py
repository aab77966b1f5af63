"""The README's search matrix states the same facts as the CapabilityStatement: both come from the
one parameter table."""
from __future__ import annotations

from pathlib import Path

from fhirimaging.search.parameters import PARAMETERS

README = Path(__file__).resolve().parents[2] / "README.md"


def matrix_row(p) -> str:
    modifiers = ", ".join(":[type]" if m == "type" else f":{m}" for m in p.modifiers)
    expression = p.expression.replace("|", "\\|")
    prefixes = f" {' '.join(p.comparators)} " if p.comparators else " "
    return f"| `{p.code}` | {p.type} | `{expression}` | {modifiers} |{prefixes}|"


def test_readme_search_matrix_lists_exactly_the_supported_parameters():
    section = README.read_text().split("\n## Search\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.rstrip() for line in section.splitlines() if line.startswith("| `")
            and line.split("`")[1] in PARAMETERS]
    assert rows == [matrix_row(p) for p in PARAMETERS.values()]
