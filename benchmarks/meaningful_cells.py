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

With `--weights-check`, every notebook runs a second time with stand-ins built from another random
seed (a second HFLAB_HOME whose real and trained models are the first one's). A stand-in cell whose
output is byte for byte the same under both random initialisations (a shape, a config value, an
identity such as "conv == matmul: True", a receptive field measured by gradients) does not depend
on the weights: it is "structure", a true statement about the architecture, and counts as
meaningful; a stand-in cell whose output changes with the weights (scores, labels, attention maps)
stays "stand-in". Every cell is compared this way, so a cell that only shows what an earlier
stand-in computed (a widget over its trace: compared by the widget's saved state) is caught too.

The table prints three shares of meaningful + structure cells: of all code cells; of the course's code
cells (all but the learner's answer cells, nbgrader solution cells that hold `answer = ...` until the
learner writes there); and of the cells with output.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
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


WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
SECOND_SEED = 1
SECOND_HOME = "/tmp/hflab-standins-seed1"


_MODEL_REF = re.compile(r"IPY_MODEL_[0-9a-f]+")
_ADDRESS = re.compile(r" at 0x[0-9a-f]+")
_SPEEDUP = re.compile(r"\d+(?:\.\d+)?배 (?:느립|빠릅)")  # "2.4배 느립니다": a measured speed ratio
_SECONDS = re.compile(r"\d+(?:\.\d+)?\s*(?:초|ms|밀리초)")
_PROGRESS_TIME = re.compile(r"\[\d+:\d\d(<|&lt;|\\u003c)[^\]]*\]")


def _widget_state(nb, model_id: str, seen: set | None = None) -> str:
    """A widget's saved state and its children's, with the per-run model ids taken out."""
    seen = set() if seen is None else seen
    states = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    if model_id in seen or model_id not in states:
        return ""
    seen.add(model_id)
    text = json.dumps(states[model_id].get("state", {}), sort_keys=True, ensure_ascii=False)
    children = "".join(_widget_state(nb, ref[len("IPY_MODEL_"):], seen) for ref in _MODEL_REF.findall(text))
    return _MODEL_REF.sub("IPY_MODEL", text) + children


def _signature(outputs, nb) -> str:
    """Everything a cell showed, as one comparable string (a widget by its saved state)."""
    parts = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            text = output.get("text", "")
            if output.get("name") == "stderr":  # warnings and progress bars, not answers: not compared (a
                continue  # warning may print a set, whose order changes from one Python process to the next)
            if parts and parts[-1][0] == output.get("name"):  # one stream, however the kernel chunked it
                parts[-1] = (parts[-1][0], parts[-1][1] + text)
            else:
                parts.append((output.get("name"), text))
        elif kind == "error":
            parts.append(("error", output.get("ename", "") + output.get("evalue", "")))
        else:
            data = dict(output.get("data", {}))
            widget = data.pop(WIDGET_MIME, None)
            if widget is not None:
                data[WIDGET_MIME] = _widget_state(nb, widget.get("model_id", ""))
            parts.append(("data", json.dumps(data, sort_keys=True, ensure_ascii=False)))
    return _normalized(json.dumps(parts, ensure_ascii=False))  # "12.15초" stays findable


def _normalized(text: str) -> str:
    """What differs between two runs by construction, not by the weights: the two cache folders, and the
    elapsed time and speed a progress bar prints ("[00:00<00:00, 23537.53it/s]", also inside tqdm's widget),
    the memory address in a default repr ("<... object at 0x7f45...>"), and a cell's own timings ("12.15초",
    "2.4배 느립니다")."""
    from hflab._paths import home

    for folder in (SECOND_HOME, str(home())):
        text = text.replace(folder, "<HFLAB_HOME>")
    text = _SPEEDUP.sub("<ratio>", _SECONDS.sub("<seconds>", _PROGRESS_TIME.sub("[time]", text)))
    return _ADDRESS.sub(" at 0x", text)


@contextmanager
def _home(path: str | None):
    """Run kernels with HFLAB_HOME=path (None: as it is)."""
    before = os.environ.get("HFLAB_HOME")
    if path:
        os.environ["HFLAB_HOME"] = path
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("HFLAB_HOME", None)
        else:
            os.environ["HFLAB_HOME"] = before


def second_seed_home(folder: str = SECOND_HOME) -> str:
    """An HFLAB_HOME whose random stand-ins come from another seed; real and trained models are shared."""
    from hflab._paths import home as hflab_home

    main, home = hflab_home(), Path(folder)
    home.mkdir(parents=True, exist_ok=True)
    for shared in ("packaged", "trained", "downloads"):
        link = home / shared
        if (main / shared).exists() and not link.exists():
            link.symlink_to(main / shared)
    build = (f"import hflab.models.standins as s; s.SEED = {SECOND_SEED}\n"
             "from hflab import models\n"
             "for e in models.catalog():\n"
             "    if e.source == 'tiny': models.load(e.key, offline=True, quiet=True, standin=True)\n")
    subprocess.run([sys.executable, "-c", build], check=True, env={**os.environ, "HFLAB_HOME": str(home)})
    return str(home)


def _run(nb, path: Path, timeout: int, home: str | None = None):
    run, originals = _instrumented(nb)
    with _home(home):
        NotebookClient(run, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    return run, originals


def classify(path: Path, timeout: int = 600, second_home: str | None = None, keep: str | None = None,
             reuse: bool = False) -> list[dict]:
    nb = nbformat.read(path, as_version=4)
    kept = [Path(keep) / f"{path.stem}.seed{seed}.ipynb" for seed in (0, SECOND_SEED)] if keep else []
    if reuse and all(f.exists() for f in kept):  # classify the runs kept earlier (after changing the rules)
        run, other = (nbformat.read(f, as_version=4) for f in kept)
        return _rows(nb, run, other if second_home else None, _instrumented(nb)[1])
    run, originals = _run(nb, path, timeout)
    other = _run(nb, path, timeout, second_home)[0] if second_home else None
    if keep:  # the executed notebooks, to look at what differed
        Path(keep).mkdir(parents=True, exist_ok=True)
        nbformat.write(run, Path(keep) / f"{path.stem}.seed0.ipynb")
        if other is not None:
            nbformat.write(other, Path(keep) / f"{path.stem}.seed{SECOND_SEED}.ipynb")
    return _rows(nb, run, other, originals)


def _rows(nb, run, other, originals) -> list[dict]:
    rows = []
    for index, position in originals:
        cell_out = run.cells[position].get("outputs", [])
        probe = _text_of(run.cells[position + 1].get("outputs", []))
        seen = json.loads(probe.split(MARK, 1)[1].splitlines()[0])
        text = _text_of(cell_out)
        flagged = seen["standin"] or "random stand-in for" in text
        # Every cell is compared, not only those where a stand-in ran: a cell that only shows what an earlier
        # stand-in produced (an AttentionView of its trace) changes with the weights too.
        changes = other is not None and _signature(cell_out, run) != _signature(
            other.cells[position].get("outputs", []), other)
        if not text.strip() and not changes:
            kind = "silent"
        elif changes or (flagged and other is None):
            kind = "stand-in"
        elif flagged:
            kind = "structure"  # a stand-in ran, and its output is the same whatever its random weights
        else:
            kind = "meaningful"
        role = nb.cells[index].metadata.get("hflab", {}).get("role")
        rows.append({"cell": index, "kind": kind, "answer_cell": role == "answer", "first_line": nb.cells[index].source.splitlines()[0][:70]
                     if nb.cells[index].source else ""})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="notebooks or folders of notebooks")
    parser.add_argument("--cells", action="store_true", help="list every cell's class too")
    parser.add_argument("--json", help="also write the per-cell classes to this file")
    parser.add_argument("--weights-check", action="store_true",
                        help="run each notebook again with stand-ins from another seed; weight-independent "
                             "stand-in cells count as meaningful (\"structure\")")
    parser.add_argument("--keep", help="write the executed notebooks (both runs) to this folder")
    parser.add_argument("--reuse", action="store_true", help="classify the runs in --keep instead of running again")
    args = parser.parse_args(argv)
    second_home = (SECOND_HOME if args.reuse else second_seed_home()) if args.weights_check else None
    notebooks = []
    for given in map(Path, args.paths):
        notebooks += sorted(given.glob("*.ipynb")) if given.is_dir() else [given]
    kinds = ("meaningful", "structure", "stand-in", "silent")
    print(f"{'notebook':<40} {'code':>5} {'meaningful':>10} {'structure':>9} {'stand-in':>8} {'silent':>6} "
          f"{'answer':>6} {'% of all':>8} {'% of course':>11} {'% of shown':>10} {'s':>5}")
    totals = dict.fromkeys(("code", "answer", *kinds), 0)
    everything = {}

    def line(name, counts, code, answers, seconds=""):
        good = counts["meaningful"] + counts["structure"]  # structure: true whatever the weights
        shown = code - counts["silent"]
        course = code - answers  # without the learner's own answer cells (nbgrader's solution cells, empty by design)
        print(f"{name:<40} {code:>5} {counts['meaningful']:>10} {counts['structure']:>9} {counts['stand-in']:>8} "
              f"{counts['silent']:>6} {answers:>6} {100 * good / max(1, code):>7.0f}% {100 * good / max(1, course):>10.0f}% "
              f"{100 * good / max(1, shown):>9.0f}% {seconds:>5}")

    for path in notebooks:
        started = time.monotonic()
        rows = classify(path, second_home=second_home, keep=args.keep, reuse=args.reuse)
        everything[str(path)] = rows
        counts = {kind: sum(r["kind"] == kind for r in rows) for kind in kinds}
        answers = sum(r["answer_cell"] for r in rows)
        totals["code"] += len(rows)
        totals["answer"] += answers
        for kind, n in counts.items():
            totals[kind] += n
        line(path.name, counts, len(rows), answers, f"{time.monotonic() - started:.0f}")
        if args.cells:
            for row in rows:
                print(f"    [{row['cell']:>3}] {row['kind']:<10} {row['first_line']}")
    line("total", totals, totals["code"], totals["answer"])
    if args.json:
        Path(args.json).write_text(json.dumps(everything, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
