"""How the keyword classifier's head settings were chosen: on the TRAIN clips only.

Leave-one-accent-out cross-validation: each of the 5 training accents is held out once, the head
trains on the other 4 and is scored on the held-out accent (a new speaker, as in the test split).
The test split is never synthesized here.

    HF_HUB_OFFLINE=1 nice python benchmarks/recipe_keywords.py [--cache /tmp/keywords_train.pt]

Prints one line per setting: mean (and worst) validation accuracy over the 5 held-out accents.
The encoder is frozen, so the pooled hidden states are computed once (and cached with --cache).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from hflab.recipes import keywords as kw
from hflab.train import cpu_threads

SETTINGS = {  # name -> (head config, training overrides); kw.HEAD and kw.TRAINING hold the chosen one
    "weighted sum of 5 layers, proj 256, lr 3e-3, 40 ep": ({"use_weighted_layer_sum": True}, {"num_train_epochs": 40}),
    "last layer, proj 256, lr 3e-3, 40 ep": ({"use_weighted_layer_sum": False}, {"num_train_epochs": 40}),
    "last layer, proj 64, 40 ep": ({"use_weighted_layer_sum": False, "classifier_proj_size": 64},
                                   {"num_train_epochs": 40}),
    "last layer, lr 1e-2, 40 ep": ({"use_weighted_layer_sum": False}, {"learning_rate": 1e-2, "num_train_epochs": 40}),
    "last layer, lr 1e-3, 40 ep": ({"use_weighted_layer_sum": False}, {"learning_rate": 1e-3, "num_train_epochs": 40}),
    "last layer, 80 epochs": ({"use_weighted_layer_sum": False}, {"num_train_epochs": 80}),
    "chosen: last layer, proj 256, lr 3e-3, 20 ep": ({"use_weighted_layer_sum": False}, {"num_train_epochs": 20}),
    "last layer, weight decay 0.1, 40 ep": ({"use_weighted_layer_sum": False},
                                            {"weight_decay": 0.1, "num_train_epochs": 40}),
}


def train_states(cache: Path | None):
    """Pooled encoder states of the train clips [n, 5, 384], their labels and accents."""
    if cache is not None and cache.exists():
        return torch.load(cache)
    takes = kw.plan("train")
    audio = kw.synthesize(takes)
    data = {"pooled": kw.pooled_states(kw.keyword_model(), audio),
            "labels": [kw.WORDS.index(t.word) for t in takes],
            "accents": [t.voice.split("+")[0] for t in takes]}
    if cache is not None:
        torch.save(data, cache)
    return data


def cross_validate(data, head: dict, training: dict) -> list[float]:
    pooled, labels, accents = data["pooled"], np.array(data["labels"]), np.array(data["accents"])
    accuracies = []
    for accent in kw.TRAIN_ACCENTS:
        held = accents == accent
        model = kw.keyword_model({**kw.HEAD, **head})
        trainer, _ = kw.train_head(model, pooled[~held], labels[~held], budget_s=600, training=training,
                                   eval_pooled=pooled[held], eval_labels=labels[held])
        with cpu_threads(1):
            accuracies.append(trainer.evaluate()["eval_accuracy"])
    return accuracies


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="where to keep the pooled train states between runs")
    args = parser.parse_args()
    torch.set_num_threads(2)
    data = train_states(args.cache)
    print(f"{len(data['labels'])} train clips, leave one of {len(kw.TRAIN_ACCENTS)} accents out")
    for name, (head, training) in SETTINGS.items():
        started = time.process_time()
        accuracies = cross_validate(data, head, training)
        print(f"{name:45s} accuracy {np.mean(accuracies):.3f} (worst accent {min(accuracies):.3f})  "
              f"{time.process_time() - started:.0f} CPU-s", flush=True)


if __name__ == "__main__":
    main()
