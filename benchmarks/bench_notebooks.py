"""Each course notebook's offline run time, top to bottom, in a fresh kernel.

    HF_HUB_OFFLINE=1 python benchmarks/bench_notebooks.py [notebooks/03_*/...]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def run(path: Path) -> float:
    nb = nbformat.read(str(path), as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def main(argv: list[str]) -> list[tuple[str, float]]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").rglob("*.ipynb"))
    paths = [p for p in paths if ".ipynb_checkpoints" not in p.parts]
    rows = []
    print(f"{'notebook':<58}{'offline run (s)':>16}")
    for p in paths:
        seconds = run(p)
        rows.append((p.relative_to(ROOT / "notebooks").as_posix(), seconds))
        print(f"{rows[-1][0]:<58}{seconds:>16.1f}", flush=True)
    print(f"{'total':<58}{sum(s for _, s in rows):>16.1f}")
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
