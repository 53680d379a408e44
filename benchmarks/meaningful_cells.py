"""Count, per notebook, the code cells whose output means something offline.

    HF_HUB_OFFLINE=1 python benchmarks/meaningful_cells.py notebooks/10_audio notebooks/20_vision ...

Each notebook runs top to bottom (offline, in a fresh kernel) with a probe after every code cell. A
module-level forward hook records which models ran during the cell: a model read from the random
stand-ins' cache (`HFLAB_HOME/tiny/`) or any other (real, packaged, trained here, or built in the
cell). Every code cell then falls in one class:

- "stand-in": a random stand-in ran or was loaded (its output is a shape or a format, not an answer);
- "meaningful": it printed, drew or returned something, and no stand-in was involved (a real or
  trained-here model answered, or plain computation);
- "silent": no output at all (imports, definitions, a learner's `answer = ...`).

The table prints both shares: meaningful of all code cells, and meaningful of the cells with output.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

MARK = "__hflab_probe__"

INSTRUMENT = f"""
import json as _probe_json
import torch as _probe_torch
from transformers import PreTrainedModel as _ProbePreTrained

_probe_seen = {{"standin": False, "model": False}}

def _probe_hook(module, args):
    if isinstance(module, _ProbePreTrained):
        where = str(getattr(module, "name_or_path", "") or getattr(module.config, "_name_or_path", ""))
        _probe_seen["standin" if "/tiny/" in where else "model"] = True

_probe_torch.nn.modules.module.register_module_forward_pre_hook(_probe_hook)

def _probe_report():
    print("{MARK}" + _probe_json.dumps(_probe_seen))
    _probe_seen.update(standin=False, model=False)
"""


def _instrumented(nb):
    """A copy of `nb` with the instrument cell first and a probe after each code cell; and the map back."""
    out = copy.deepcopy(nb)
    cells = [nbformat.v4.new_code_cell(INSTRUMENT)]
    originals = []
    for index, cell in enumerate(nb.cells):
        cells.append(copy.deepcopy(cell))
        if cell.cell_type == "code":
            originals.append((index, len(cells) - 1))
            cells.append(nbformat.v4.new_code_cell("_probe_report()"))
    out.cells = cells
    return out, originals


def _text_of(outputs) -> str:
    parts = []
    for output in outputs:
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif "data" in output:
            parts.append(str(output["data"].get("text/plain", "")) + " [rich]")
        elif output.get("output_type") == "error":
            parts.append("ERROR " + output.get("ename", ""))
    return "".join(parts)


def classify(path: Path, timeout: int = 600) -> list[dict]:
    nb = nbformat.read(path, as_version=4)
    run, originals = _instrumented(nb)
    NotebookClient(run, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    rows = []
    for index, position in originals:
        cell_out = run.cells[position].get("outputs", [])
        probe = _text_of(run.cells[position + 1].get("outputs", []))
        seen = json.loads(probe.split(MARK, 1)[1].splitlines()[0])
        text = _text_of(cell_out)
        if seen["standin"] or "random stand-in for" in text:
            kind = "stand-in"
        elif text.strip():
            kind = "meaningful"
        else:
            kind = "silent"
        rows.append({"cell": index, "kind": kind, "first_line": nb.cells[index].source.splitlines()[0][:70]
                     if nb.cells[index].source else ""})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="notebooks or folders of notebooks")
    parser.add_argument("--cells", action="store_true", help="list every cell's class too")
    parser.add_argument("--json", help="also write the per-cell classes to this file")
    args = parser.parse_args(argv)
    notebooks = []
    for given in map(Path, args.paths):
        notebooks += sorted(given.glob("*.ipynb")) if given.is_dir() else [given]
    print(f"{'notebook':<48} {'code':>5} {'meaningful':>10} {'stand-in':>8} {'silent':>6} "
          f"{'% of all':>8} {'% of shown':>10} {'s':>5}")
    totals = {"code": 0, "meaningful": 0, "stand-in": 0, "silent": 0}
    everything = {}
    for path in notebooks:
        started = time.monotonic()
        rows = classify(path)
        everything[str(path)] = rows
        counts = {kind: sum(r["kind"] == kind for r in rows) for kind in ("meaningful", "stand-in", "silent")}
        shown = counts["meaningful"] + counts["stand-in"]
        totals["code"] += len(rows)
        for kind, n in counts.items():
            totals[kind] += n
        print(f"{path.name:<48} {len(rows):>5} {counts['meaningful']:>10} {counts['stand-in']:>8} "
              f"{counts['silent']:>6} {100 * counts['meaningful'] / max(1, len(rows)):>7.0f}% "
              f"{100 * counts['meaningful'] / max(1, shown):>9.0f}% {time.monotonic() - started:>5.0f}")
        if args.cells:
            for row in rows:
                print(f"    [{row['cell']:>3}] {row['kind']:<10} {row['first_line']}")
    shown = totals["meaningful"] + totals["stand-in"]
    print(f"{'total':<48} {totals['code']:>5} {totals['meaningful']:>10} {totals['stand-in']:>8} "
          f"{totals['silent']:>6} {100 * totals['meaningful'] / max(1, totals['code']):>7.0f}% "
          f"{100 * totals['meaningful'] / max(1, shown):>9.0f}%")
    if args.json:
        Path(args.json).write_text(json.dumps(everything, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
