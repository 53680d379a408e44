"""Choose the recipes of `scene-depth` and `scene-captioner` on held-out TRAIN seeds only.

(The captioner's current recipe comes from `benchmarks/recipe_captioner.py`; these were its first settings.)

The test scenes (seeds from `scenes.TEST_SEED`) are never made here. Each setting is trained on the
first 80 % of the build's training seeds and scored on the other 20 %; `hflab.recipes.depth` and
`hflab.recipes.captioner` then train the chosen setting on all of their training seeds.

    HF_HUB_OFFLINE=1 nice python benchmarks/recipe_depth_caption.py depth      # or: caption
    HF_HUB_OFFLINE=1 python benchmarks/recipe_depth_caption.py --summary      # the table of what has run

Each setting appends one JSON line (setting, validation figures, training wall and CPU seconds) to
benchmarks/results/recipe_depth_caption.jsonl. Training runs on one thread, as the builds do.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from hflab.recipes import captioner, depth, scenes
from results_log import append, latest
from transformers.utils import logging as hf_logging

RESULTS = Path(__file__).parent / "results" / "recipe_depth_caption.jsonl"
HELD_OUT = 0.2  # the last 20 % of the training seeds score each setting
# Compared settings run to the end: a wall-clock budget on a shared machine would cut them at random points.
NO_BUDGET = float("inf")

DEPTH_SETTINGS = {
    "glpn-e4-lr3e-3": dict(kind="glpn", epochs=4, learning_rate=3e-3, batch_size=32),
    # DPT costs about twice GLPN's CPU time per picture: at 2 epochs both get the same training time
    "dpt-e2-lr3e-3": dict(kind="dpt", epochs=2, learning_rate=3e-3, batch_size=32),
    # objects are a few % of the pixels: the first GLPN placed them too far, near the room behind them
    "glpn-e4-lr3e-3-objects5": dict(kind="glpn", epochs=4, learning_rate=3e-3, batch_size=32, object_weight=5.0),
}
CAPTION_SETTINGS = {
    "w64-e3d2-ep12": dict(width=64, encoder_layers=3, decoder_layers=2, epochs=12, learning_rate=2e-3, batch_size=32),
    "w96-e3d2-ep12": dict(width=96, heads=3, encoder_layers=3, decoder_layers=2, epochs=12, learning_rate=2e-3,
                          batch_size=32),
}


def split(total: int) -> tuple[list, list]:
    """(fit scenes, validation scenes): seeds 0 .. total-1 only, the build's training seeds."""
    fit = round(total * (1 - HELD_OUT))
    return scenes.make_scenes(fit, 0, depth.SIZE), scenes.make_scenes(total - fit, fit, depth.SIZE)


def run_depth(names) -> None:
    fit, held_out = split(depth.TRAIN_SCENES)
    for name in names:
        setting = dict(DEPTH_SETTINGS[name])
        started, cpu = time.monotonic(), time.process_time()
        model, processor, _ = depth.train_model(setting.pop("kind"), fit, budget_s=NO_BUDGET, **setting)
        seconds, cpu_seconds = time.monotonic() - started, time.process_time() - cpu
        record("depth", name, depth.score(model, processor, held_out), seconds, cpu_seconds, len(fit), len(held_out),
               sum(p.numel() for p in model.parameters()))


def run_caption(names) -> None:
    fit, held_out = split(captioner.TRAIN_SCENES)
    for name in names:
        started, cpu = time.monotonic(), time.process_time()
        model, processor, _ = captioner.train_model(fit, budget_s=NO_BUDGET, **CAPTION_SETTINGS[name])
        seconds, cpu_seconds = time.monotonic() - started, time.process_time() - cpu
        record("caption", name, captioner.score(model, processor, held_out), seconds, cpu_seconds, len(fit),
               len(held_out), sum(p.numel() for p in model.parameters()))


def record(model: str, name: str, figures: dict, seconds: float, cpu_seconds: float, fit: int, held_out: int,
           parameters: int) -> None:
    row = {"model": model, "setting": name, "validation": {k: round(v, 4) for k, v in figures.items()},
           "train_seconds": round(seconds, 1), "train_cpu_seconds": round(cpu_seconds, 1), "fit_scenes": fit,
           "held_out_scenes": held_out, "parameters": parameters, "threads": torch.get_num_threads()}
    append(RESULTS, row)


def summary() -> None:
    """The latest run of every setting, one line each."""
    for (model, name), row in sorted(latest(RESULTS, key=lambda row: (row["model"], row["setting"])).items()):
        figures = "  ".join(f"{k} {v:.3f}" for k, v in row["validation"].items())
        print(f"{model:8s} {name:22s} {figures}  | train {row['train_cpu_seconds']:.0f} CPU-s, "
              f"{row['parameters']:,} weights" + (f"  ({row['note']})" if row.get("note") else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", choices=("depth", "caption"))
    parser.add_argument("--settings", nargs="*", help="names of the settings to run (default: all)")
    parser.add_argument("--summary", action="store_true", help="print the table of the recorded runs")
    args = parser.parse_args()
    if args.summary or args.model is None:
        summary()
        return
    torch.set_num_threads(1)  # as the builds train
    hf_logging.set_verbosity_error()
    if args.model == "depth":
        run_depth(args.settings or list(DEPTH_SETTINGS))
    else:
        run_caption(args.settings or list(CAPTION_SETTINGS))


if __name__ == "__main__":
    main()
