"""Choose the NER model's training settings on TRAIN material only, then print the comparison.

data/make_ner.py's `development_split()` makes two sets out of the train split's own templates and
names, held apart the way the test split is held apart from train: a quarter of each domain's
training templates and a quarter of the training names go to `dev_val` (600 sentences), the rest
to `dev_train` (1,800). The test split (data/ner/test.jsonl) is never read here;
`hflab.recipes.ner.build` trains the chosen settings on all of train.jsonl and scores test once.

    HF_HUB_OFFLINE=1 nice python benchmarks/recipe_ner.py base lr5e-5 --threads 1  # each ~130 CPU-s
    python benchmarks/recipe_ner.py --summary                          # the table of what has run

What it chose (`--summary`, December 2026, one torch thread on a shared 2-core machine): every word
piece labelled beats first-piece-only labels (epoch 1: 0.768 vs 0.716); a learning rate of 3e-4 is
too high (0.892); 2 epochs at 2e-4 (dev F1 0.910, 63 CPU-s) match 3 epochs at 1e-4 (0.899) or the
first 3 of 4 epochs at 1e-4 / 2e-4 (0.911 / 0.919) in two thirds of the time, so the recipe is
2 epochs at 2e-4. (These runs used round 1 of the training sentences; round 2, added afterwards
to data/make_ner.py, is not part of the development split and the settings were not chosen again.)
PER is the hardest type on dev (about 0.80): first names alone ("Call Ines") and
surnames after titles carry little context.

Every run scores dev_val after each epoch (entity-level F1, exact span and type) and appends one
JSON line to benchmarks/results/recipe_ner.jsonl. The learning rate decays over a run's full length,
so an epoch-2 figure of a 4-epoch run only approximates a 2-epoch run.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

from results_log import append, latest
from transformers import TrainerCallback

RESULTS = Path(__file__).parent / "results" / "recipe_ner.jsonl"

# name -> fine_tune() keyword arguments (TrainingArguments, every_piece, freeze_embeddings)
SETTINGS = {
    "base": dict(num_train_epochs=4, learning_rate=1e-4, per_device_train_batch_size=32),
    "lr5e-5": dict(num_train_epochs=4, learning_rate=5e-5, per_device_train_batch_size=32),
    "lr2e-4": dict(num_train_epochs=4, learning_rate=2e-4, per_device_train_batch_size=32),
    "bs16": dict(num_train_epochs=4, learning_rate=1e-4, per_device_train_batch_size=16),
    "first-piece": dict(num_train_epochs=4, learning_rate=1e-4, per_device_train_batch_size=32, every_piece=False),
    "unfrozen": dict(num_train_epochs=4, learning_rate=1e-4, per_device_train_batch_size=32,
                     freeze_embeddings=False),
    "2ep-lr2e-4": dict(num_train_epochs=2, learning_rate=2e-4, per_device_train_batch_size=32),
    "3ep-lr1e-4": dict(num_train_epochs=3, learning_rate=1e-4, per_device_train_batch_size=32),
    "3ep-lr2e-4": dict(num_train_epochs=3, learning_rate=2e-4, per_device_train_batch_size=32),
    "3ep-lr3e-4": dict(num_train_epochs=3, learning_rate=3e-4, per_device_train_batch_size=32),
}


def development_split() -> tuple[list[dict], list[dict]]:
    """make_ner.development_split(), loaded from data/make_ner.py (a script, not a module of the kit)."""
    from hflab._paths import data_dir

    spec = importlib.util.spec_from_file_location("make_ner", data_dir() / "make_ner.py")
    make_ner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_ner)
    return make_ner.development_split()


class ScoreEachEpoch(TrainerCallback):
    """Scores the development rows at the end of every epoch; `.figures` holds one dict per epoch."""

    def __init__(self, rows: list[dict]):
        from hflab.models.packaged import minilm_folder
        from transformers import AutoTokenizer

        self.rows, self.figures = rows, []
        self.tokenizer = AutoTokenizer.from_pretrained(minilm_folder())

    def on_epoch_end(self, args, state, control, model=None, **kwargs):
        from hflab.recipes.ner import score

        self.figures.append({"epoch": round(state.epoch), **score(model, self.tokenizer, self.rows)})
        model.train()  # score() switched it to eval mode
        print(f"  epoch {round(state.epoch)}: dev entity F1 {self.figures[-1]['entity_f1']:.3f}")


def run(name: str) -> dict:
    from hflab.recipes.ner import fine_tune

    dev_train, dev_val = development_split()
    scorer = ScoreEachEpoch(dev_val)
    started, cpu = time.monotonic(), time.process_time()
    # a generous time budget: on a shared machine a run may take many times its CPU seconds in wall time
    _, _, budget = fine_tune(dev_train, budget_s=4 * 3600, callbacks=(scorer,), **SETTINGS[name])
    record = {"setting": name, **SETTINGS[name], "epochs": scorer.figures, "dev_train": len(dev_train),
              "dev_val": len(dev_val), "train_seconds": round(budget.elapsed, 1), "stopped_by_budget": budget.stopped_early,
              "cpu_seconds": round(time.process_time() - cpu), "wall_seconds": round(time.monotonic() - started, 1)}
    append(RESULTS, record, echo=False)
    return record


def summary() -> None:
    if not RESULTS.exists():
        sys.exit(f"nothing has run yet: {RESULTS} does not exist")
    print(f"{'setting':<14}{'epoch':>6}{'dev F1':>8}{'PER':>7}{'ORG':>7}{'LOC':>7}{'MISC':>7}{'train CPU-s':>13}")
    def cell(value, width):  # a figure a stopped run never measured prints as "-"
        return f"{value:>{width}.3f}" if isinstance(value, float) else f"{'-':>{width}}"

    for name, record in latest(RESULTS).items():
        for figures in record["epochs"]:
            print(f"{name:<14}{figures['epoch']:>6}{cell(figures['entity_f1'], 8)}"
                  + "".join(cell(figures.get(f"f1_{kind}"), 7) for kind in ("PER", "ORG", "LOC", "MISC"))
                  + f"{record.get('cpu_seconds', '-'):>13}")
        if record.get("note"):
            print(f"{'':<14}note: {record['note']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("settings", nargs="*", help=f"settings to run: {', '.join(SETTINGS)}")
    parser.add_argument("--summary", action="store_true", help="print the table of every setting that has run")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (1 on a shared machine: threads waiting for each other waste CPU)")
    arguments = parser.parse_args()
    unknown = [name for name in arguments.settings if name not in SETTINGS]
    if unknown:
        parser.error(f"unknown setting {', '.join(unknown)}; choose from {', '.join(SETTINGS)}")
    if arguments.threads:
        import torch

        torch.set_num_threads(arguments.threads)
    for name in arguments.settings:
        print(f"{name}: {SETTINGS[name]}")
        record = run(name)
        print(f"{name}: best dev F1 {max(e['entity_f1'] for e in record['epochs']):.3f}, "
              f"{record['cpu_seconds']:.0f} CPU-s")
    if arguments.summary or not arguments.settings:
        summary()


if __name__ == "__main__":
    main()
