"""The recipe benchmarks' results files (benchmarks/results/*.jsonl): one JSON row per run.

    from results_log import append, latest   # a script run as `python benchmarks/<name>.py`
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path


def append(path: Path, row: dict, *, echo: bool = True) -> None:
    """Add one run's row at the end of `path` (printed too, unless echo=False)."""
    if echo:
        print(json.dumps(row), flush=True)
    path.parent.mkdir(exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")


def latest(path: Path, key: Callable[[dict], object] = lambda row: row["setting"]) -> dict:
    """key -> the last row with that key (a setting run twice: its last run counts), in first-run order."""
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        rows[key(row)] = row
    return rows
