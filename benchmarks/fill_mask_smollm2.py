"""fill-mask offline: smollm2 scoring candidates vs the MiniLM MLM recipe vs the random stand-in.

    HF_HUB_OFFLINE=1 nice python benchmarks/fill_mask_smollm2.py test [--every K] [--minilm-folder DIR]
    HF_HUB_OFFLINE=1 nice python benchmarks/fill_mask_smollm2.py choose [--every K] # settings, on TRAIN only

Offline, `hflab.pipeline("fill-mask")` answers with SmolLM2-135M-Instruct, a causal LM that scores
candidate words by the likelihood of the whole sentence (hflab.tasks.fill_mask). It is scored on
the SAME masked words as the MiniLM masked-LM recipe (hflab.recipes.fill_mask): in each held-out
sentence (data/mlm/test.txt and the sentiment TEST split) up to two content and two function
words, chosen by `masked_words` with the recipe's seed, masked one at a time. top-1 / top-5: the
word (lower-cased) is the first / among the first five `token_str`s (stripped, lower-cased).
A word smollm2 cannot spell as one token can never be proposed: it counts as missed, and the
share of such words is printed ("one-token words").

`choose` compares the candidate settings on the held-out tenth of the TRAINING sentences (the
recipe's `validation_split`); `test` scores the test sentences with the module's settings, once.
`--every K` scores every K-th item only (the CPU is shared; the full test set is ~1,100 calls).
The MiniLM recipe is scored on the same items when a build of it is at hand (--minilm-folder, or
HFLAB_HOME/trained/minilm-mlm; it is not in the catalog), else its last build's test figures
(2026-12-02, all 1,141 items) are quoted. Seconds per call: wall
and CPU (process_time), torch on 2 threads. Results: benchmarks/results/fill_mask_smollm2.jsonl.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch
from hflab.recipes import fill_mask as recipe
from hflab.tasks import fill_mask as causal

# the MiniLM MLM recipe's test figures from its last build (build_cpu_seconds 480.8; not in the catalog)
MINILM_RECIPE_TEST = {"top1": 0.1288, "top5": 0.2568, "content_top1": 0.0017, "content_top5": 0.0087,
                      "function_top1": 0.2566, "function_top5": 0.5062}
SETTINGS = {  # name -> module constants for `choose`
    "50 after the left text": {},
    "100 after the left text": {"CANDIDATES": 100},
    "50 + blank prompt for every mask": {"BLANK_PROMPT_EVERY_MASK": True},
    "50, 24 finalists": {"FINALISTS": 24},
}
COLUMNS = ("top1", "top5", "content_top1", "content_top5", "function_top1", "function_top5")
RESULTS = Path(__file__).parent / "results" / "fill_mask_smollm2.jsonl"


def items_of(sentences: list[str], every: int) -> list[dict]:
    from hflab.models.packaged import minilm_folder
    from transformers import AutoTokenizer

    items = recipe.masked_words(sentences, AutoTokenizer.from_pretrained(minilm_folder()))
    return items[::every]


def score_pipeline(pipe, items: list[dict]) -> dict:
    """The recipe's figures for a fill-mask pipeline, plus seconds per call and the one-token share."""
    hits, walls, cpus, one_token = [], [], [], 0
    for item in items:
        text = recipe.with_mask(item, "<mask>")
        wall, cpu = time.perf_counter(), time.process_time()
        answers = pipe(text, top_k=5)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        words = [a["token_str"].strip().lower() for a in answers]
        hits.append((item["kind"], item["word"] in words[:1], item["word"] in words[:5]))
        one_token += _one_token(pipe.tokenizer, item)
    figures = {}
    for kind in (None, "content", "function"):
        chosen = [h for h in hits if kind is None or h[0] == kind]
        prefix = f"{kind}_" if kind else ""
        for k, column in ((1, 1), (5, 2)):
            figures[f"{prefix}top{k}"] = round(sum(h[column] for h in chosen) / max(len(chosen), 1), 4)
    return {**figures, "one_token_words": round(one_token / len(items), 4), "items": len(items),
            "wall_s_per_call": round(statistics.mean(walls), 3), "cpu_s_per_call": round(statistics.mean(cpus), 3),
            "wall_s_median": round(statistics.median(walls), 3), "cpu_s_median": round(statistics.median(cpus), 3)}


def _one_token(tokenizer, item: dict) -> bool:
    """Whether the LM can propose the item's word: it is one token as it stands in the sentence."""
    spaced = item["start"] > 0 and item["sentence"][item["start"] - 1] == " "
    word = item["sentence"][item["start"]:item["end"]]
    return len(tokenizer((" " if spaced else "") + word, add_special_tokens=False)["input_ids"]) == 1


def minilm_recipe_figures(items: list[dict], folder: str | None) -> tuple[dict, str]:
    """The MiniLM recipe on these items when a build of it is at hand (--minilm-folder, or HFLAB_HOME), else
    the test figures of its last build (all 1,141 items)."""
    from hflab._paths import home

    where = Path(folder) if folder else home() / "trained" / recipe.KEY
    if (where / "model.safetensors").exists():
        from transformers import AutoModelForMaskedLM, AutoTokenizer

        model = AutoModelForMaskedLM.from_pretrained(where, use_safetensors=True).eval()
        return recipe.score(model, AutoTokenizer.from_pretrained(where), items), f"its build in {where}, same items"
    return MINILM_RECIPE_TEST, "its last build's report (2026-12-02), all 1,141 items"


def row(name: str, figures: dict) -> str:
    return f"{name:34s} " + " ".join(f"{figures[c]:>8.3f}" for c in COLUMNS)


def choose(every: int) -> None:
    import hflab

    _, held_out = recipe.validation_split(recipe.train_sentences())
    items = items_of(held_out, every)
    print(f"choose: {len(items)} masked words of {len(held_out)} held-out TRAINING sentences (every {every})")
    pipe = hflab.pipeline("fill-mask", model="smollm2")
    defaults = {name: getattr(causal, name) for name in ("CANDIDATES", "FINALISTS", "BLANK_PROMPT_EVERY_MASK")}
    print(f"{'setting':34s} " + " ".join(f"{c:>8s}" for c in ("top1", "top5", "cont1", "cont5", "func1", "func5"))
          + "   cpu s/call")
    for name, settings in SETTINGS.items():
        for constant, value in {**defaults, **settings}.items():
            setattr(causal, constant, value)
        figures = score_pipeline(pipe, items)
        print(row(name, figures) + f"   {figures['cpu_s_per_call']:.2f}", flush=True)
        _save({"mode": "choose", "setting": name, **settings, **figures})
    for constant, value in defaults.items():
        setattr(causal, constant, value)


def test(every: int, minilm_folder: str | None = None) -> None:
    import hflab

    items = items_of(recipe.test_sentences(), every)
    print(f"test: {len(items)} masked words of {len({i['sentence'] for i in items})} held-out sentences "
          f"({sum(i['kind'] == 'content' for i in items)} content), the MiniLM recipe's items"
          + (f" (every {every}-th)" if every > 1 else ""))
    pipe = hflab.pipeline("fill-mask")  # offline: smollm2, as a learner gets it
    ours = score_pipeline(pipe, items)
    standin = hflab.models.load(recipe.STANDIN, offline=True, quiet=True)
    theirs = recipe.score(standin.model, standin.processor, items)
    minilm, where = minilm_recipe_figures(items, minilm_folder)
    print(f"{'':34s} " + " ".join(f"{c:>8s}" for c in ("top1", "top5", "cont1", "cont5", "func1", "func5")))
    print(row("smollm2 scoring candidates", ours))
    print(row("MiniLM MLM recipe (not shipped)", minilm) + f"   <- {where}")
    print(row("distilroberta stand-in (random)", theirs))
    print(f"smollm2: {ours['one_token_words']:.0%} of the words are one smollm2 token (the others cannot be "
          f"proposed); per call {ours['wall_s_per_call']:.2f} s wall, {ours['cpu_s_per_call']:.2f} s CPU "
          f"(median {ours['wall_s_median']:.2f} / {ours['cpu_s_median']:.2f}), torch threads {torch.get_num_threads()}")
    _save({"mode": "test", "every": every, "smollm2": ours, "minilm_recipe": minilm, "minilm_source": where,
           "standin": theirs, "settings": {n: getattr(causal, n) for n in
                                           ("CANDIDATES", "START_CANDIDATES", "FIRST_CUT_TOKENS", "FINALISTS",
                                            "BLANK_PROMPT_EVERY_MASK")}})


def _save(record: dict) -> None:
    RESULTS.parent.mkdir(exist_ok=True)
    record = {**record, "load_average_1min": round(__import__("os").getloadavg()[0], 2)}
    with open(RESULTS, "a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("test", "choose"))
    parser.add_argument("--every", type=int, default=1, help="score every K-th masked word only")
    parser.add_argument("--minilm-folder", help="a build of the MiniLM recipe (default: HFLAB_HOME/trained/minilm-mlm)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    if args.mode == "test":
        test(args.every, args.minilm_folder)
    else:
        choose(args.every)
