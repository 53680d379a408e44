"""Choose minilm-qa's training recipe on a held-out slice of the TRAIN split only.

The test split (data/qa/test.jsonl) is never read here. Every fifth context of train.jsonl (100
contexts, 400 questions) is held out; each setting trains on the other 400 contexts and is scored
on the held-out questions through hflab's question-answering pipeline, with the recipe's own
exact match and token F1. `hflab.recipes.qa.RECIPE` is the setting chosen here.

    HF_HUB_OFFLINE=1 nice python benchmarks/recipe_qa.py --setting base
    HF_HUB_OFFLINE=1 python benchmarks/recipe_qa.py --summary   # the table of what has run

Each run appends one JSON line (setting, figures, training wall and CPU seconds) to
benchmarks/results/recipe_qa.jsonl.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from results_log import append

RESULTS = Path(__file__).parent / "results" / "recipe_qa.jsonl"
HELD_OUT_EVERY = 5

SETTINGS = {
    # name -> (learning rate, epochs, batch size, frozen lower layers)
    "lr1e-4-ep2-f0": dict(learning_rate=1e-4, num_train_epochs=2, per_device_train_batch_size=32, frozen_layers=0),
    "lr2e-4-ep2-f0": dict(learning_rate=2e-4, num_train_epochs=2, per_device_train_batch_size=32, frozen_layers=0),
    "lr2e-4-ep2-f2": dict(learning_rate=2e-4, num_train_epochs=2, per_device_train_batch_size=32, frozen_layers=2),
    "lr3e-4-ep2-f2": dict(learning_rate=3e-4, num_train_epochs=2, per_device_train_batch_size=32, frozen_layers=2),
    "lr3e-4-ep1-f2": dict(learning_rate=3e-4, num_train_epochs=1, per_device_train_batch_size=32, frozen_layers=2),
    "lr2e-4-ep1-f2": dict(learning_rate=2e-4, num_train_epochs=1, per_device_train_batch_size=32, frozen_layers=2),
    "lr2e-4-ep2-f3": dict(learning_rate=2e-4, num_train_epochs=2, per_device_train_batch_size=32, frozen_layers=3),
    "lr2e-4-ep2-f2-bs16": dict(learning_rate=2e-4, num_train_epochs=2, per_device_train_batch_size=16, frozen_layers=2),
    "lr3e-4-ep3-f3": dict(learning_rate=3e-4, num_train_epochs=3, per_device_train_batch_size=32, frozen_layers=3),
}


def split_train(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """(fit, held_out): whole contexts go to one side, every HELD_OUT_EVERY-th context held out."""
    def context_number(row):
        return int(row["id"].split("-")[1])

    fit = [r for r in rows if context_number(r) % HELD_OUT_EVERY != 0]
    held_out = [r for r in rows if context_number(r) % HELD_OUT_EVERY == 0]
    return fit, held_out


def run(name: str, threads: int) -> dict:
    import hflab
    from hflab.recipes import qa

    torch.set_num_threads(threads)
    setting = SETTINGS[name]
    fit, held_out = split_train(qa.qa_rows("train"))
    model, tokenizer = qa.minilm_for_qa(setting["frozen_layers"])
    training = qa.train_qa(model, tokenizer, fit, budget_s=3600, **setting)
    scored_from = time.process_time()
    figures, by_kind = qa.score_pipeline(hflab.pipeline("question-answering", model=model, tokenizer=tokenizer),
                                         held_out)
    result = {"setting": name, **setting, "held_out": figures, "held_out_by_kind": by_kind,
              "fit_examples": len(fit), "held_out_examples": len(held_out),
              "train_seconds": training["seconds"], "train_cpu_seconds": training["cpu_seconds"],
              "score_cpu_seconds": round(time.process_time() - scored_from, 1), "threads": threads}
    append(RESULTS, result, echo=False)
    return result


def summary() -> None:
    if not RESULTS.exists():
        print("nothing has run yet")
        return
    print(f"{'setting':22} {'EM':>6} {'F1':>6} {'train CPU-s':>12} {'train wall-s':>13}")
    for line in RESULTS.read_text().splitlines():
        r = json.loads(line)
        print(f"{r['setting']:22} {r['held_out']['exact_match']:6.3f} {r['held_out']['f1']:6.3f} "
              f"{r['train_cpu_seconds']:12.1f} {r['train_seconds']:13.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setting", choices=sorted(SETTINGS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args()
    if args.setting:
        result = run(args.setting, args.threads)
        print(json.dumps(result, indent=1))
    summary()


if __name__ == "__main__":
    main()
