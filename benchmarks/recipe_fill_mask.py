"""Choose the fill-mask recipe (hflab.recipes.fill_mask) on the TRAINING sentences only.

Every tenth training sentence is held out as a validation slice; each setting trains on the rest
and is scored top-1 / top-5 (content and function words) on the slice, the way build() scores
the test sentences. The test sentences are never read here.

    HF_HUB_OFFLINE=1 nice python benchmarks/recipe_fill_mask.py                  # the main groups
    HF_HUB_OFFLINE=1 nice python benchmarks/recipe_fill_mask.py layers lastlayer  # chosen groups

The frozen part of the encoder runs once; its outputs are shared by the settings. Prints one line per setting: validation figures and training CPU seconds.
"""

from __future__ import annotations

import sys
import time

import torch
from hflab.recipes import fill_mask as fm

# (group, name, settings for fit()); unnamed settings are the build's (hflab.recipes.fill_mask)
SETTINGS = [
    ("head", "read layer 4, head only (lr 2e-3)", dict(read_layer=4, top_layers=0, learning_rate=2e-3)),
    ("head", "read layer 6, head only (lr 2e-3)", dict(read_layer=6, top_layers=0, learning_rate=2e-3)),
    ("top", "layer 6 trained with the head", dict(top_layers=1)),
    ("top", "layers 5-6 trained with the head", dict(top_layers=2)),
    ("top3", "layers 4-6 trained with the head", dict(top_layers=3)),
    ("epochs", "3 epochs", dict(epochs=3)),
    ("lr", "lr 2e-4", dict(learning_rate=2e-4)),
    ("lr", "lr 1e-3", dict(learning_rate=1e-3)),
]
DEFAULT_GROUPS = ["head", "top"]


def main(groups: list[str]) -> None:
    from hflab.models.packaged import minilm_folder
    from transformers import AutoTokenizer, BertModel

    torch.set_num_threads(2)
    groups = groups or DEFAULT_GROUPS
    fit_sentences, validation = fm.validation_split(fm.train_sentences())
    tokenizer = AutoTokenizer.from_pretrained(minilm_folder())
    items = fm.masked_words(validation, tokenizer)
    print(f"{len(fit_sentences)} sentences to fit, {len(validation)} held out ({len(items)} masked words: "
          f"{sum(i['kind'] == 'content' for i in items)} content); build: layer {fm.READ_LAYER}, "
          f"{fm.TOP_LAYERS} top layers trained, {fm.EPOCHS} epochs, lr {fm.LEARNING_RATE}", flush=True)
    cpu = time.process_time()
    # the frozen encoder's outputs, computed once: at masked pieces (head only) and whole sentences (layers trained)
    encoder = BertModel.from_pretrained(minilm_folder(), add_pooling_layer=False)
    pieces = {s["read_layer"] for g, _, s in SETTINGS if g in groups and s.get("top_layers") == 0}
    shared = fm.encoder_features(encoder, tokenizer, fit_sentences, layers=tuple(pieces)) if pieces else {}
    below = {fm.READ_LAYER - s.get("top_layers", fm.TOP_LAYERS) for g, _, s in SETTINGS
             if g in groups and s.get("top_layers") != 0}
    whole = fm.encoder_features(encoder, tokenizer, fit_sentences, layers=tuple(below),
                                whole_sentences=True) if below else {}
    print(f"encoder outputs: {time.process_time() - cpu:.0f} CPU s", flush=True)
    for group, name, settings in SETTINGS:
        if group not in groups:
            continue
        settings = {"read_layer": fm.READ_LAYER, **settings}
        top = settings.get("top_layers", fm.TOP_LAYERS)
        features = whole[fm.READ_LAYER - top] if top else shared[settings["read_layer"]]
        cpu = time.process_time()
        # no time budget here: a busy machine must not cut one setting short and not another
        model, tokenizer, facts = fm.fit(fit_sentences, features=features, budget_s=float("inf"), **settings)
        figures = fm.score(model, tokenizer, items)
        print(f"[{group}] {name:36s} top1 {figures['top1']:.3f} top5 {figures['top5']:.3f} | content "
              f"{figures['content_top1']:.3f}/{figures['content_top5']:.3f} function "
              f"{figures['function_top1']:.3f}/{figures['function_top5']:.3f} | train CPU "
              f"{facts['train_cpu_seconds']:.0f} s, all CPU {time.process_time() - cpu:.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
