"""`hflab.compare(models, inputs)`: the same inputs through several models, side by side.

    >>> table = hflab.compare(["sentiment", "distilbert-sst2"], ["What a lovely film!", "Cold soup."])
    >>> table                      # renders as an HTML table in a notebook
    >>> table.rows()               # the same, as a list of plain dicts (no pandas needed)
    >>> table.plot_latency_vs_size(); table.plot_agreement()

Each row holds one model's outputs on the inputs, its latency (median of `runs` warm runs),
parameter count, memory, size on disk, and whether it is a real model or a random stand-in.
This module also holds `cka` (layer-by-layer similarity of two models' hidden states) and
`vision_focus` / `plot_focus` (what an image classifier looks at).
"""

from __future__ import annotations

import statistics
import sys
import time
import types
from html import escape
from pathlib import Path

import numpy as np
import torch

from .focus import Focus, plot_focus, vision_focus
from .models import Loaded
from .similarity import Similarity, cka, hidden_state_similarity, linear_cka
from .tasks.table import normalize_task, task_info

__all__ = ["compare", "Comparison", "cka", "hidden_state_similarity", "linear_cka", "Similarity",
           "vision_focus", "plot_focus", "Focus", "ROW_KEYS"]

# What every row of `Comparison.rows()` holds, and the type of each value.
ROW_KEYS = {
    "model": str,          # the catalog key (or the Hub id / folder name)
    "hub_id": (str, type(None)),
    "source": str,         # "hub", "packaged", "trained", "tiny" or "local"
    "real": bool,          # False for a random stand-in: its outputs mean nothing
    "task": str,
    "outputs": list,       # one short readable string per input
    "predictions": list,   # one label (str) per input, what agreement and accuracy compare; None if none
    "latency_ms": float,   # median over the runs of the time for one input, warm
    "parameters": int,
    "memory_mb": float,    # parameters + buffers in memory
    "disk_mb": (float, type(None)),  # the folder the model was loaded from; None when unknown
    "accuracy": (float, type(None)),  # share of predictions equal to `labels`, when labels are given
}
MAX_INPUT_COLUMNS = 8  # the table shows the outputs on the first few inputs; .rows() has them all


# ---------------------------------------------------------------------------------------------
# running a model
# ---------------------------------------------------------------------------------------------
def _as_loaded(model, task: str | None):
    from . import models

    if isinstance(model, Loaded):
        return model
    return models.load(str(model), task=task, quiet=True)


def _pipeline_runner(loaded, task: str):
    """hflab.pipeline for this model, or None when hflab.tasks is not there or does not run the task."""
    try:
        from .tasks import InputError, pipeline
    except ImportError:
        return None
    try:
        return pipeline(task, model=loaded)
    except InputError:
        return None


def _forward_runner(loaded, task: str):
    """A direct forward pass: the top label of a classifier, or the shape of what the model returns."""
    model = loaded.model

    def run(one_input):
        if isinstance(one_input, str):
            encoded = loaded.tokenizer(one_input, return_tensors="pt", truncation=True)
        else:
            from .tasks.images import to_image

            encoded = loaded.processor(images=to_image(one_input), return_tensors="pt")
        with torch.no_grad():
            outputs = model(**encoded)
        logits = getattr(outputs, "logits", None)
        if logits is not None and logits.dim() == 2:  # [1, labels]: a classifier
            probs = logits.softmax(dim=-1)[0]
            best = int(probs.argmax())
            return [{"label": model.config.id2label.get(best, str(best)), "score": float(probs[best])}]
        hidden = logits if logits is not None else outputs[0]
        return {"shape": list(hidden.shape)}

    return run


def _runner(loaded, task: str):
    return _pipeline_runner(loaded, task) or _forward_runner(loaded, task)


def _answer(output) -> dict | None:
    """The part of a pipeline's output that holds its answer (the top one when it is a list)."""
    while isinstance(output, list) and output:
        output = output[0]
    return output if isinstance(output, dict) else None


def prediction_of(output, task: str) -> str | None:
    """The label or text a pipeline output settles on, for agreement and accuracy; None for vectors.

    It is the first of the task's output keys (see hflab.tasks.table) the answer holds.
    """
    answer = _answer(output)
    if answer is None:
        return None
    # a plain forward pass (no pipeline for the task) gives a classifier's {"label", "score"}
    for key in task_info(task).output_keys + ("label",):
        if key in answer:
            return str(answer[key]).strip()
    return None


def summary_of(output, task: str) -> str:
    """One short line for the table: "POSITIVE (0.98)", a generated text, or a shape."""
    answer = _answer(output)
    prediction = prediction_of(output, task)
    if prediction is not None:
        score = answer.get("score")
        text = prediction if len(prediction) <= 80 else prediction[:77] + "..."
        return f"{text} ({score:.2f})" if isinstance(score, (int, float)) else text
    if answer is not None and "shape" in answer:
        return "vector " + "×".join(str(n) for n in answer["shape"])
    shape = np.shape(output) if isinstance(output, list) else ()
    return ("vector " + "×".join(str(n) for n in shape)) if shape else type(output).__name__


def median_latency_ms(run, inputs: list, runs: int) -> float:
    """The median over `runs` passes of the time for one input (ms), after a warm-up pass elsewhere."""
    times = []
    for _ in range(max(1, runs)):
        start = time.perf_counter()
        for one_input in inputs:
            run(one_input)
        times.append((time.perf_counter() - start) / len(inputs))
    return 1000 * statistics.median(times)


# ---------------------------------------------------------------------------------------------
# sizes
# ---------------------------------------------------------------------------------------------
def memory_mb(model) -> float:
    """Parameters + buffers in memory, in MiB."""
    tensors = list(model.parameters()) + list(model.buffers())
    return sum(t.numel() * t.element_size() for t in tensors) / 2**20


def _model_folder(loaded) -> Path | None:
    path = Path(str(loaded.path)).expanduser()
    if path.is_dir():
        return path
    if loaded.hub_id:  # loaded from the Hub: its files sit in the local Hub cache
        try:
            from huggingface_hub import snapshot_download

            return Path(snapshot_download(loaded.hub_id, local_files_only=True))
        except Exception:  # noqa: BLE001 - not in the cache: the size is unknown, not an error
            return None
    return None


def disk_mb(loaded) -> float | None:
    """The size of the folder the model was loaded from, in MiB (None when there is no such folder)."""
    folder = _model_folder(loaded)
    if folder is None:
        return None
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


# ---------------------------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------------------------
def _input_label(one_input, index: int) -> str:
    if isinstance(one_input, str):
        return one_input if len(one_input) <= 60 else one_input[:57] + "..."
    return f"입력 {index + 1} ({type(one_input).__name__})"


class Comparison:
    """The result of `compare()`: a table that renders in a notebook, `.rows()`, and two plots."""

    def __init__(self, task: str, inputs: list, rows: list[dict], raw_outputs: dict):
        self.task = task
        self.inputs = inputs
        self._rows = rows
        self.raw_outputs = raw_outputs  # model -> the untouched outputs, one per input

    def rows(self) -> list[dict]:
        """One plain dict per model (keys: see `ROW_KEYS`), copies the caller may change."""
        return [{**row, "outputs": list(row["outputs"]), "predictions": list(row["predictions"])}
                for row in self._rows]

    @property
    def models(self) -> list[str]:
        return [row["model"] for row in self._rows]

    def agreement(self) -> np.ndarray:
        """[models, models]: the share of inputs on which two models give the same prediction."""
        n = len(self._rows)
        matrix = np.full((n, n), np.nan)
        for i, a in enumerate(self._rows):
            for j, b in enumerate(self._rows):
                pairs = [(x, y) for x, y in zip(a["predictions"], b["predictions"], strict=True)
                         if x is not None and y is not None]
                if pairs:
                    matrix[i, j] = sum(x == y for x, y in pairs) / len(pairs)
        return matrix

    # --- display ------------------------------------------------------------------------------
    def _columns(self) -> list[tuple[str, str]]:
        columns = [("model", "모델 (model)"), ("kind", "종류 (real / stand-in)"), ("parameters", "파라미터 (params)"),
                   ("memory_mb", "메모리 MB"), ("disk_mb", "디스크 MB"), ("latency_ms", "지연 ms (median)")]
        if any(row["accuracy"] is not None for row in self._rows):
            columns.append(("accuracy", "정확도 (accuracy)"))
        return columns

    @staticmethod
    def _cell(row: dict, key: str) -> str:
        value = row.get(key)
        if key == "kind":
            return f"실제 real ({row['source']})" if row["real"] else "스탠드인 stand-in (random)"
        if value is None:
            return "–"
        if key == "parameters":
            return f"{value:,}"
        if key == "accuracy":
            return f"{value:.3f}"
        if isinstance(value, float):
            return f"{value:.1f}" if value >= 1 else f"{value:.3f}"
        return str(value)

    def _repr_html_(self) -> str:
        columns = self._columns()
        head = "".join(f"<th>{escape(title)}</th>" for _, title in columns)
        shown = self.inputs[:MAX_INPUT_COLUMNS]
        head += "".join(f"<th title='{escape(str(x))}'>{escape(_input_label(x, i))}</th>"
                        for i, x in enumerate(shown))
        if len(self.inputs) > len(shown):
            head += f"<th>… (+{len(self.inputs) - len(shown)})</th>"
        body = []
        for row in self._rows:
            cells = "".join(f"<td>{escape(self._cell(row, key))}</td>" for key, _ in columns)
            cells += "".join(f"<td>{escape(out)}</td>" for out in row["outputs"][:len(shown)])
            if len(self.inputs) > len(shown):
                cells += "<td>…</td>"
            style = " style='color:#888'" if not row["real"] else ""
            body.append(f"<tr{style}>{cells}</tr>")
        note = ("<p><small>스탠드인(stand-in)은 무작위 가중치라 출력에 의미가 없습니다 "
                "(random weights: outputs mean nothing).</small></p>") if any(not r["real"] for r in self._rows) else ""
        return (f"<div class='hflab-comparison'><p><b>{escape(self.task)}</b></p>"
                f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}</div>")

    def __repr__(self) -> str:
        columns = self._columns()
        lines = [" | ".join(title for _, title in columns)]
        lines += [" | ".join(self._cell(row, key) for key, _ in columns) for row in self._rows]
        return "\n".join(lines)

    # --- plots --------------------------------------------------------------------------------
    def plot_latency_vs_size(self, ax=None):
        """Latency (ms) against parameter count, stand-ins hollow; returns the matplotlib Figure."""
        import matplotlib.pyplot as plt

        from hflab._env import ensure_korean_font

        ensure_korean_font()  # Hangul labels, even without hflab.setup()

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3.6))
        for row in self._rows:
            face = "tab:blue" if row["real"] else "none"
            ax.scatter(row["parameters"], row["latency_ms"], s=60, facecolors=face, edgecolors="tab:blue")
            ax.annotate(row["model"], (row["parameters"], row["latency_ms"]), textcoords="offset points",
                        xytext=(5, 4), fontsize=8)
        ax.set_xscale("log")
        ax.set_xlabel("파라미터 수 (parameters, log)")
        ax.set_ylabel("지연 (ms / input)")
        ax.set_title("크기 대 속도 (latency vs size; hollow = stand-in)")
        ax.grid(alpha=0.3)
        return ax.figure

    def plot_agreement(self, ax=None):
        """A heatmap of `agreement()`; returns the matplotlib Figure."""
        import matplotlib.pyplot as plt

        from hflab._env import ensure_korean_font

        ensure_korean_font()  # Hangul labels, even without hflab.setup()

        matrix = self.agreement()
        if ax is None:
            size = 1.2 + 0.9 * len(self._rows)
            _, ax = plt.subplots(figsize=(size + 1, size))
        image = ax.imshow(matrix, vmin=0, vmax=1, cmap="Blues")
        names = self.models
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
        ax.set_yticks(range(len(names)), names)
        for i in range(len(names)):
            for j in range(len(names)):
                text = "–" if np.isnan(matrix[i, j]) else f"{matrix[i, j]:.2f}"
                ax.text(j, i, text, ha="center", va="center", color="black", fontsize=9)
        ax.set_title(f"예측 일치율 (agreement, {len(self.inputs)} inputs)")
        ax.figure.colorbar(image, ax=ax, fraction=0.046)
        ax.figure.tight_layout()
        return ax.figure


# ---------------------------------------------------------------------------------------------
# compare()
# ---------------------------------------------------------------------------------------------
def _check_task(loaded, task: str) -> None:
    """A catalog model made for another task would fail deep inside; say so plainly instead."""
    from .models import catalog

    if loaded.source == "local" or loaded.task == task:
        return
    if any(entry.key == loaded.key for entry in catalog(task)):
        return  # e.g. t5-small, which the catalog lists for several text-to-text tasks
    raise ValueError(f"{loaded.key!r} is a {loaded.task} model, not a {task} one: compare models of one task "
                     f"(see hflab.models.catalog({task!r})).")


def _measure(loaded, inputs: list, task: str, runs: int, labels) -> tuple[dict, list]:
    run = _runner(loaded, task)
    outputs = [run(one_input) for one_input in inputs]  # also the warm-up run
    predictions = [prediction_of(output, task) for output in outputs]
    accuracy = None
    if labels is not None:
        accuracy = float(np.mean([p == str(label) for p, label in zip(predictions, labels, strict=True)]))
    row = {
        "model": loaded.key,
        "hub_id": loaded.hub_id,
        "source": loaded.source,
        "real": loaded.source != "tiny",
        "task": task,
        "outputs": [summary_of(output, task) for output in outputs],
        "predictions": predictions,
        "latency_ms": float(median_latency_ms(run, inputs, runs)),
        "parameters": int(sum(p.numel() for p in loaded.model.parameters())),
        "memory_mb": float(memory_mb(loaded.model)),
        "disk_mb": disk_mb(loaded),
        "accuracy": accuracy,
    }
    return row, outputs


def _check_arguments(models, inputs, task, runs) -> None:
    """A TypeError that says what to pass, before a wrong type fails somewhere deep inside."""
    names = models if isinstance(models, (list, tuple)) else [models]
    if not all(isinstance(m, (str, Path, Loaded)) for m in names):
        raise TypeError(f"compare(models=...) takes catalog keys, Hub ids or folders (str), or hflab.models.load() "
                        f"results, e.g. compare(['sentiment', 'distilbert-sst2'], texts); got {models!r}.")
    if isinstance(inputs, (int, float, bool, dict)) or inputs is None:
        raise TypeError(f"compare(models, inputs=...) takes a text, an image or a list of them, e.g. "
                        f"['What a lovely film!'], not {type(inputs).__name__}.")
    if task is not None and not isinstance(task, str):
        raise TypeError(f"compare(task=...) takes a task name such as 'text-classification', not {task!r}.")
    if not isinstance(runs, int) or isinstance(runs, bool) or runs < 1:
        raise TypeError(f"compare(runs=...) takes a whole number of timed runs (1 or more), not {runs!r}.")


def compare(models, inputs, task: str | None = None, runs: int = 5, labels=None) -> Comparison:
    """Run the same inputs through each model and put the results side by side.

    models: catalog keys, Hub ids, folders or `hflab.models.load(...)` results (one or more).
    inputs: one input or a list (texts, or images: paths, PIL images, arrays).
    task:   the task to run; by default the first model's.
    runs:   how many timed passes the latency is the median of (after one warm-up pass).
    labels: the right answer per input, optional; adds an "accuracy" column.
    Returns a `Comparison`: shows as a table, `.rows()` gives plain dicts (keys: `ROW_KEYS`).
    """
    _check_arguments(models, inputs, task, runs)
    if not isinstance(models, (list, tuple)):
        models = [models]
    if not models:
        raise ValueError("compare() needs at least one model, e.g. compare(['sentiment', 'distilbert-sst2'], text).")
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if not inputs:
        raise ValueError("compare() needs at least one input.")
    if labels is not None and len(labels) != len(inputs):
        raise ValueError(f"labels has {len(labels)} entries for {len(inputs)} inputs.")
    loaded = [_as_loaded(m, task) for m in models]
    task = normalize_task(task or loaded[0].task)
    for one in loaded:
        _check_task(one, task)
    rows, raw = [], {}
    for one in loaded:
        row, outputs = _measure(one, inputs, task, runs, labels)
        rows.append(row)
        raw[one.key] = outputs
    return Comparison(task, inputs, rows, raw)


# `hflab.compare` is both this module and the function learners call: `hflab.compare(models, inputs)`
# and `hflab.compare.cka(...)` must both work, whichever of the two Python bound to the name first.
compare.Comparison = Comparison
compare.cka = cka
compare.hidden_state_similarity = hidden_state_similarity
compare.vision_focus = vision_focus
compare.plot_focus = plot_focus
compare.ROW_KEYS = ROW_KEYS


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return compare(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
