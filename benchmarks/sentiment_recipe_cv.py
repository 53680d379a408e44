"""Choose the sentiment model's training recipe by k-fold cross-validation on the TRAIN split only.

The test split (data/sentiment/test.jsonl) is never read here: every recipe is scored on held-out
folds of train.jsonl, and `hflab.train.build_sentiment` then trains the chosen recipe on all the
train sentences. The test split gives one final number, once.

    HF_HUB_OFFLINE=1 python benchmarks/sentiment_recipe_cv.py --recipe base --fold 0 --threads 1
    HF_HUB_OFFLINE=1 python benchmarks/sentiment_recipe_cv.py --summary   # table of what has run

Each run appends one JSON line (recipe, fold, accuracy after every epoch, seconds) to
benchmarks/results/sentiment_cv.jsonl; --summary averages the folds per recipe and epoch.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch
from transformers import TrainerCallback


class EpochAveraging(TrainerCallback):
    """Ends training with the average of the weights the model had at the end of each epoch from
    `first_epoch` on (a simple form of stochastic weight averaging).

    The idea: late epochs wander around a good solution, and their average may sit nearer its
    middle. Here it did not pay: "bs16-3ep-avg" scored below "bs16-3ep" (see --summary), so the
    course's recipe does not use it.
    """

    def __init__(self, first_epoch: int = 2):
        self.first_epoch = first_epoch
        self.averaged = 0
        self._sum: dict | None = None

    def on_train_begin(self, args, state, control, **kwargs):
        self.averaged, self._sum = 0, None

    def on_epoch_end(self, args, state, control, model=None, **kwargs):
        if model is None or round(state.epoch or 0) < self.first_epoch:
            return
        with torch.no_grad():
            weights = {name: p.detach().float() for name, p in model.named_parameters()}
            if self._sum is None:
                self._sum = {name: w.clone() for name, w in weights.items()}
            else:
                for name, w in weights.items():
                    self._sum[name] += w
        self.averaged += 1

    def on_train_end(self, args, state, control, model=None, **kwargs):
        if model is None or not self.averaged:
            return
        with torch.no_grad():
            for name, p in model.named_parameters():
                p.copy_((self._sum[name] / self.averaged).to(p.dtype))
        self._sum = None


RESULTS = Path(__file__).parent / "results" / "sentiment_cv.jsonl"
FOLDS = 4

# name -> TrainingArguments overrides (the epochs are the most any fold runs; every epoch is scored)
RECIPES = {
    "base": dict(num_train_epochs=5, learning_rate=1e-4, per_device_train_batch_size=8, weight_decay=0.01,
                 warmup_steps=0.1),
    "lr5e-5": dict(num_train_epochs=6, learning_rate=5e-5, per_device_train_batch_size=8, weight_decay=0.01,
                   warmup_steps=0.1),
    "bs16": dict(num_train_epochs=6, learning_rate=1e-4, per_device_train_batch_size=16, weight_decay=0.01,
                 warmup_steps=0.1),
    "lr2e-4-bs16": dict(num_train_epochs=6, learning_rate=2e-4, per_device_train_batch_size=16,
                        weight_decay=0.01, warmup_steps=0.1),
    # the word embeddings (half of MiniLM's 22.7M weights) stay as pretrained: less to update per step
    "frozen-emb": dict(num_train_epochs=5, learning_rate=1e-4, per_device_train_batch_size=8, weight_decay=0.01,
                       warmup_steps=0.1, freeze_word_embeddings=True),
    "frozen-emb-bs16": dict(num_train_epochs=4, learning_rate=1e-4, per_device_train_batch_size=16,
                            weight_decay=0.01, warmup_steps=0.1, freeze_word_embeddings=True,
                            train_sampling_strategy="group_by_length"),
    "bs16-4ep": dict(num_train_epochs=4, learning_rate=1e-4, per_device_train_batch_size=16, weight_decay=0.01,
                     warmup_steps=0.1, train_sampling_strategy="group_by_length"),
    "bs32-5ep": dict(num_train_epochs=5, learning_rate=1.5e-4, per_device_train_batch_size=32, weight_decay=0.01,
                     warmup_steps=0.1, train_sampling_strategy="group_by_length"),
    # the same, ending with the average of the weights after epochs 2, 3, ... (EpochAveraging, below)
    "bs16-3ep": dict(num_train_epochs=3, learning_rate=1e-4, per_device_train_batch_size=16, weight_decay=0.01,
                     warmup_steps=0.1, train_sampling_strategy="group_by_length"),
    "bs16-3ep-avg": dict(num_train_epochs=3, learning_rate=1e-4, per_device_train_batch_size=16,
                         weight_decay=0.01, warmup_steps=0.1, train_sampling_strategy="group_by_length",
                         average_from_epoch=2),
    "bs16-4ep-avg": dict(num_train_epochs=4, learning_rate=1e-4, per_device_train_batch_size=16,
                         weight_decay=0.01, warmup_steps=0.1, train_sampling_strategy="group_by_length",
                         average_from_epoch=2),
    "frozen-emb-bs16-4ep-avg": dict(num_train_epochs=4, learning_rate=1e-4, per_device_train_batch_size=16,
                                    weight_decay=0.01, warmup_steps=0.1, freeze_word_embeddings=True,
                                    train_sampling_strategy="group_by_length", average_from_epoch=2),
    # fast enough for 3,738 sentences in under 3 minutes on 2 cores (benchmarks/bench_training.py)
    "fe-bs32-3ep": dict(num_train_epochs=3, learning_rate=1.5e-4, per_device_train_batch_size=32,
                        weight_decay=0.01, warmup_steps=0.1, freeze_word_embeddings=True,
                        train_sampling_strategy="group_by_length"),
    "fe-bs16-2ep": dict(num_train_epochs=2, learning_rate=1e-4, per_device_train_batch_size=16,
                        weight_decay=0.01, warmup_steps=0.1, freeze_word_embeddings=True,
                        train_sampling_strategy="group_by_length"),
    "bs16-2ep": dict(num_train_epochs=2, learning_rate=1e-4, per_device_train_batch_size=16, weight_decay=0.01,
                     warmup_steps=0.1, train_sampling_strategy="group_by_length"),
    # also freezes the embedding layer and the lowest 2 of the 6 layers: no backward pass through them
    "fl2-bs32-4ep": dict(num_train_epochs=4, learning_rate=2e-4, per_device_train_batch_size=32,
                         weight_decay=0.01, warmup_steps=0.1, freeze_lower_layers=2,
                         train_sampling_strategy="group_by_length"),
    "fe-bs32-3ep-lr2e-4": dict(num_train_epochs=3, learning_rate=2e-4, per_device_train_batch_size=32,
                               weight_decay=0.01, warmup_steps=0.1, freeze_word_embeddings=True,
                               train_sampling_strategy="group_by_length"),
}
ROUND_ONE_LINES = 672  # train.jsonl's first 672 lines were written with the test split, in the same style


def folds(rows: list[dict], k: int = FOLDS) -> list[list[dict]]:
    """k folds, each balanced by domain and label: the i-th sentence of each group goes to fold i % k."""
    seen: dict = {}
    out: list[list[dict]] = [[] for _ in range(k)]
    for row in rows:
        group = (row["domain"], row["label"])
        seen[group] = seen.get(group, -1) + 1
        out[seen[group] % k].append(row)
    return out


def run(recipe: str, fold: int, threads: int, seed: int) -> dict:
    from hflab import train
    from hflab.models.packaged import minilm_folder
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
        set_seed,
    )

    torch.set_num_threads(threads)
    # the train split only; each row keeps its line number, to score the folds by writing round
    rows = [dict(row, line=i) for i, row in enumerate(train.sentiment_examples("train"))]
    parts = folds(rows)
    held_out = parts[fold]
    fit = [row for i, part in enumerate(parts) if i != fold for row in part]
    folder = minilm_folder()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    labels = {name: i for i, name in train.SENTIMENT_LABELS.items()}
    fit_set = train.sentiment_dataset(tokenizer, max_length=48, rows=fit)
    held_out_set = train.sentiment_dataset(tokenizer, max_length=48, rows=held_out)
    collate = DataCollatorWithPadding(tokenizer)

    set_seed(seed)
    model = AutoModelForSequenceClassification.from_pretrained(
        folder, num_labels=2, id2label=train.SENTIMENT_LABELS, label2id=labels, use_safetensors=True)
    recipe_args = dict(RECIPES[recipe])
    if recipe_args.pop("freeze_word_embeddings", False):
        model.get_input_embeddings().weight.requires_grad_(False)
    lower = recipe_args.pop("freeze_lower_layers", 0)
    if lower:
        for part in (model.bert.embeddings, *model.bert.encoder.layer[:lower]):
            part.requires_grad_(False)
    first_averaged = recipe_args.pop("average_from_epoch", None)
    callbacks = [EpochAveraging(first_averaged)] if first_averaged else []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        args = train.training_arguments(scratch, seed=seed, data_seed=seed, eval_strategy="epoch",
                                        per_device_eval_batch_size=64, disable_tqdm=True, **recipe_args)
        trainer = Trainer(model=model, args=args, train_dataset=fit_set, eval_dataset=held_out_set,
                          data_collator=collate, compute_metrics=train.compute_metrics, callbacks=callbacks)
        trainer.train()
    # predicted here in order (Trainer's length grouping would also reorder its predictions)
    model.eval()
    predicted = []
    with torch.no_grad():
        for start in range(0, len(held_out_set), 64):
            batch = collate(held_out_set.examples[start:start + 64])
            predicted += model(**batch).logits.argmax(-1).tolist()
    correct = [int(p == item["labels"]) for p, item in zip(predicted, held_out_set.examples, strict=True)]
    by_epoch = [round(e["eval_accuracy"], 4) for e in trainer.state.log_history if "eval_accuracy" in e]
    return {"recipe": recipe, "fold": fold, "seed": seed, "train_rows": len(fit), "held_out": len(held_out),
            "accuracy_by_epoch": by_epoch, "seconds": round(time.monotonic() - started, 1), "threads": threads,
            # after the last epoch: which held-out lines of train.jsonl the model got right
            "held_out_lines": [r["line"] for r in held_out], "correct": correct}


def summary() -> None:
    import numpy as np

    runs = [json.loads(line) for line in RESULTS.read_text().splitlines() if line.strip()]
    keys = sorted({(r["recipe"], r["train_rows"] + r["held_out"]) for r in runs})
    print("mean held-out accuracy over the folds: after each epoch; of the final model (after any\n"
          "averaging); and of the final model on round-one lines only (written like the test split)")
    print(f"{'recipe':<24} {'rows':>5} {'runs':>4}  {'epoch 1, 2, ...':<35} {'final':>5} {'round1':>6} {'s/run':>5}")
    for recipe, total in keys:
        mine = [r for r in runs if r["recipe"] == recipe and r["train_rows"] + r["held_out"] == total]
        depth = min(len(r["accuracy_by_epoch"]) for r in mine)
        curve = np.mean([r["accuracy_by_epoch"][:depth] for r in mine], axis=0)
        seconds = np.mean([r["seconds"] for r in mine])
        scored = [r for r in mine if "correct" in r]
        final = round_one = "-"
        if scored:
            final = f"{np.mean([c for r in scored for c in r['correct']]):.3f}"
            first = [c for r in scored for line, c in zip(r["held_out_lines"], r["correct"], strict=True)
                     if line < ROUND_ONE_LINES]
            round_one = f"{np.mean(first):.3f}"
        print(f"{recipe:<24} {total:>5} {len(mine):>4}  {' '.join(f'{a:.3f}' for a in curve):<35} "
              f"{final:>5} {round_one:>6} {seconds:>5.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", choices=sorted(RECIPES))
    parser.add_argument("--fold", type=int, choices=range(FOLDS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args()
    if args.summary:
        summary()
        return 0
    if args.recipe is None or args.fold is None:
        parser.error("give --recipe and --fold, or --summary")
    result = run(args.recipe, args.fold, args.threads, args.seed)
    RESULTS.parent.mkdir(exist_ok=True)
    with RESULTS.open("a") as out:
        out.write(json.dumps(result) + "\n")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
