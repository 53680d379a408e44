"""Pruning attention heads of all-MiniLM-L6-v2: speed, size and how far the embeddings move.

    HF_HUB_OFFLINE=1 python benchmarks/bench_heads.py [--runs 15] [--threads 1] [--batch 16]

Heads are ranked once with hflab.heads.importance on a few calibration sentences; the least
important 25% / 50% are then masked (hooks, v4's head_mask) or pruned (weight surgery, v4's
prune_heads; v5 has neither). Random picks of the same size show what the ranking buys.
Speed: median forward time over --runs passes of the same batch, after two warm-up passes.
Change: cosine similarity of the mean-pooled sentence embeddings (the model's own pooling)
to the unpruned model's, averaged over the evaluation sentences.

Coverage (printed last, or alone with --coverage): mask and prune on the 28 tiny random architectures
of tests/tiny_architectures.py, beside what transformers itself offers there (`head_mask`,
`prune_heads`), with the largest |pruned - masked| logit difference per architecture.
"""

from __future__ import annotations

import argparse
import copy
import inspect
import os
import statistics
import sys
import time
from contextlib import nullcontext
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import hflab  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from hflab import heads  # noqa: E402

CALIBRATION = [
    "The cat sat quietly on the warm windowsill.",
    "Transformers read a whole sentence at once.",
    "Seoul is the capital of South Korea.",
    "She paid for the tickets with her credit card.",
]
EVALUATION = [
    "A dog is running across the green field.",
    "The stock market fell sharply on Monday morning.",
    "Attention heads learn different patterns of reading.",
    "He forgot his umbrella and got soaked in the rain.",
    "The recipe needs two eggs, flour and a pinch of salt.",
    "Pruning removes weights that the model barely uses.",
    "Our train to Busan leaves at seven in the evening.",
    "Neural networks are trained with gradient descent.",
    "The museum opens late on Fridays during the summer.",
    "Please send me the report before the meeting.",
    "Small models run well on a laptop without a GPU.",
    "The children built a snowman in the park.",
    "Language models predict the next word in a text.",
    "The old bridge was closed for repairs last year.",
    "Coffee prices rose after a poor harvest in Brazil.",
    "The orchestra played Beethoven's fifth symphony.",
]


def mean_pooled(model, inputs) -> torch.Tensor:
    """Sentence embeddings as sentence-transformers makes them for this model: [batch, 384]."""
    with torch.no_grad():
        states = model(**inputs).last_hidden_state              # [batch, seq, 384]
    weights = inputs["attention_mask"].unsqueeze(-1).to(states.dtype)
    return (states * weights).sum(1) / weights.sum(1)


def forward_ms(model, inputs, context) -> float:
    with context(), torch.no_grad():
        start = time.perf_counter()
        model(**inputs)
        return 1000 * (time.perf_counter() - start)


def median_ms(variants: list[tuple], inputs, runs: int) -> list[float]:
    """Median forward time of each (model, context) variant, timed in turns (round-robin) so
    load from other processes falls on every variant alike; two warm-up rounds first."""
    times = [[] for _ in variants]
    for round_ in range(runs + 2):
        for i, (model, context) in enumerate(variants):
            ms = forward_ms(model, inputs, context)
            if round_ >= 2:
                times[i].append(ms)
    return [statistics.median(t) for t in times]


def size(model) -> tuple[int, float]:
    params = list(model.parameters())
    return sum(p.numel() for p in params), sum(p.numel() * p.element_size() for p in params) / 2**20


def random_pick(scores: np.ndarray, like: dict[int, list[int]], seed: int = 0) -> dict[int, list[int]]:
    """As many heads as `like`, chosen at random (one head per layer always kept)."""
    rng = np.random.default_rng(seed)
    return heads.least_important(rng.random(scores.shape), sum(map(len, like.values())) / scores.size)


def embeddings(model, inputs, context) -> torch.Tensor:
    with context():
        return mean_pooled(model, inputs)


def logits(model, inputs) -> torch.Tensor:
    with torch.no_grad():
        return model(**inputs).logits


def coverage_row(name: str, build) -> tuple[str, bool, bool, str]:
    """One architecture: (printed row, mask works, prune works, transformers' own way)."""
    model, inputs = build(name)
    blocks = heads.attention_blocks(model)
    native = [what for what, there in (("head_mask", "head_mask" in inspect.signature(model.forward).parameters),
                                       ("prune_heads", hasattr(model, "prune_heads"))) if there]
    plan = {0: [0, 1], len(blocks) - 1: [1, 3]}  # a whole key/value group, then one head of each group
    base = logits(model, inputs)
    with heads.mask(model, plan):
        masked = logits(model, inputs)
    mask_ok = (masked - base).abs().max().item() > 1e-2 and torch.equal(logits(model, inputs), base)
    try:
        result = heads.prune(model, plan)
    except heads.PruneError as refusal:
        why = str(refusal).split(": ", 1)[1].split(". Use")[0]
        prune, gap, sizes = "refused (mask)", "-", why
    else:
        gap = f"{(logits(model, inputs) - masked).abs().max().item():.1e}"
        prune, sizes = "yes", f"{result.parameters_before:,} -> {result.parameters_after:,}"
    row = (f"{name:11} {type(model).__name__:33} {blocks[0].layout:8} {'yes' if mask_ok else 'NO':4} "
           f"{prune:14} {gap:>8}  {sizes}")
    return row, mask_ok, prune == "yes", ", ".join(native) or "none"


def print_coverage() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from tiny_architectures import ARCHITECTURES, build

    print(f"\nhflab.heads on {len(ARCHITECTURES)} tiny random architectures (4 heads of 8, 2 layers; 2 + 2 for "
          "encoder-decoders); plan: layer 0 heads 0,1 + last layer heads 1,3")
    print(f"{'model':11} {'class':33} {'layout':8} {'mask':4} {'prune':14} {'|p - m|':>8}  parameters / why refused")
    masks = prunes = 0
    natives = set()
    for name in ARCHITECTURES:
        row, mask_ok, prune_ok, native = coverage_row(name, build)
        print(row)
        masks, prunes = masks + mask_ok, prunes + prune_ok
        natives.add(native)
    print(f"hflab.heads: mask works on {masks} of {len(ARCHITECTURES)} architectures, prune on {prunes} "
          f"(the others refuse and point to mask); transformers {transformers.__version__} itself offers: "
          f"{' / '.join(sorted(natives))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 keeps timings steady)")
    parser.add_argument("--batch", type=int, default=16, help="evaluation sentences per short batch")
    parser.add_argument("--long", type=int, default=256, help="tokens per sequence in the long batch (4 of them)")
    parser.add_argument("--coverage", action="store_true", help="only the 28-architecture mask/prune table")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.coverage:
        print_coverage()
        return

    loaded = hflab.models.load("minilm", quiet=True)
    original = copy.deepcopy(loaded.model).eval()
    tok = loaded.tokenizer
    inputs = tok(EVALUATION[: args.batch], return_tensors="pt", padding=True)
    reference = mean_pooled(original, inputs)

    start = time.perf_counter()
    scores = heads.importance(original, tok(CALIBRATION, return_tensors="pt", padding=True))
    ranking_s = time.perf_counter() - start

    total = scores.size
    variants = [("original", original, nullcontext, total)]
    for share in (0.25, 0.5):
        plan = heads.least_important(scores, share)
        kept = total - sum(map(len, plan.values()))
        pruned, chance = copy.deepcopy(original), copy.deepcopy(original)
        heads.prune(pruned, plan)
        heads.prune(chance, random_pick(scores, plan))
        variants += [(f"masked {share:.0%} least important", original,
                      lambda plan=plan: heads.mask(original, plan), kept),
                     (f"pruned {share:.0%} least important", pruned, nullcontext, kept),
                     (f"pruned {share:.0%} random heads", chance, nullcontext, kept)]

    print(f"all-MiniLM-L6-v2 (6 layers x 12 heads), {args.threads} thread(s), median of {args.runs} runs "
          f"taken in turns; torch {torch.__version__}; head ranking: {ranking_s:.1f} s ({total} masked passes)")
    long_inputs = tok([" ".join(EVALUATION * 4)] * 4, return_tensors="pt", truncation=True, max_length=args.long)
    timings = {}
    for label, batch in (("short", inputs), ("long", long_inputs)):
        timings[label] = median_ms([(m, c) for _, m, c, _ in variants], batch, args.runs)
    short_shape, long_shape = tuple(inputs["input_ids"].shape), tuple(long_inputs["input_ids"].shape)
    print(f"ms per batch: short = {short_shape[0]} x {short_shape[1]} tokens, long = {long_shape[0]} x "
          f"{long_shape[1]} tokens; cosine = mean-pooled embeddings of the short batch vs the original's")
    print(f"{'model':31} {'heads':>5} {'parameters':>11} {'MB':>5} {'short ms':>8} {'x':>5} "
          f"{'long ms':>8} {'x':>5} {'cosine':>7}")
    for i, (name, model, context, kept) in enumerate(variants):
        params, mb = size(model)
        cosine = torch.nn.functional.cosine_similarity(embeddings(model, inputs, context), reference, -1).mean()
        short, long = timings["short"][i], timings["long"][i]
        print(f"{name:31} {kept:5d} {params:11,d} {mb:5.1f} {short:8.1f} {timings['short'][0] / short:4.2f}x "
              f"{long:8.1f} {timings['long'][0] / long:4.2f}x {cosine.item():7.4f}")
    print_coverage()


if __name__ == "__main__":
    main()
