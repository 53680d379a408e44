"""How long each tiny stand-in takes to build, and how big it is.

    python benchmarks/standin_build_times.py            # every stand-in
    python benchmarks/standin_build_times.py gpt2 detr  # just these keys

Each stand-in is built into a fresh temporary folder (not the HFLAB_HOME cache), twice in one
process: the first build includes training or loading its tokenizer; the second shows the cost
once the tokenizer is cached in memory, which is what building several stand-ins in one
session pays. The real checkpoints' download sizes are given for comparison.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
import time
from pathlib import Path

from hflab.models import catalog


def builder_of(entry):
    """The build function an entry names ("module:function"), as hflab.models.local_folder calls it."""
    module, _, name = entry.builder.partition(":")
    return getattr(importlib.import_module(module), name)


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def time_build(build) -> tuple[float, float, float]:
    """(first build s, second build s, folder MB) for one builder."""
    seconds = []
    for _ in range(2):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            build(Path(tmp))
            seconds.append(time.perf_counter() - start)
            size = folder_mb(Path(tmp))
    return seconds[0], seconds[1], size


def main(keys: list[str]) -> None:
    entries = [e for e in catalog() if e.source == "tiny" and (not keys or e.key in keys)]
    warm_up, _, _ = time_build(builder_of(entries[0]))  # the first build in a process also pays imports
    print(f"(warm-up: the first build in this process took {warm_up:.2f}s, most of it importing torch code)")
    print(f"{'stand-in':<18} {'Hub id':<58} {'1st build':>9} {'2nd build':>9} {'size':>8}")
    total = 0.0
    for entry in entries:
        first, second, size = time_build(builder_of(entry))
        total += first
        print(f"{entry.key:<18} {entry.hub_id:<58} {first:>8.2f}s {second:>8.2f}s {size:>6.1f}MB")
    print(f"{'all':<18} {'':<58} {total:>8.2f}s")


if __name__ == "__main__":
    main(sys.argv[1:])
