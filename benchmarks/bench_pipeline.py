"""hflab.pipeline against plain transformers.pipeline: same model objects, same inputs, same run.

    HF_HUB_OFFLINE=1 python benchmarks/bench_pipeline.py [--repeats 30]

For each case both pipelines are built around the very same model and preprocessor objects
(loaded once by hflab.models.load), then called alternately so both see the same machine load.
Printed per case: cold time (load from disk, build, first call), build time and first call around
already-loaded objects, median repeated-call time, and the per-call ratio hflab / transformers
(target: at most 1.05).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
warnings.filterwarnings("ignore")


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def cases():
    """(name, task, catalog key, model_class, input) for each comparison."""
    import hflab

    text = "Hugging Face is the best thing since sliced bread!"
    cat = str(hflab.data_path("images", "cat.jpg"))
    return [
        ("text-classification, distilbert-sst2 stand-in", "text-classification", "distilbert-sst2", None, text),
        ("text-classification, MiniLM (real weights, 22M)", "text-classification", "minilm",
         "AutoModelForSequenceClassification", text),
        ("image-classification, vit-base stand-in (path)", "image-classification", "vit-base", None, cat),
    ]


def plain_pipeline(task, loaded):
    """transformers.pipeline built from the same objects, as a learner would without hflab."""
    import transformers

    kwargs = {k: getattr(loaded, k) for k in ("tokenizer", "image_processor", "feature_extractor")
              if getattr(loaded, k) is not None}
    return transformers.pipeline(task, model=loaded.model, **kwargs)


def compare(task, key, model_class, data, repeats):
    import hflab
    import torch
    import transformers

    torch.set_num_threads(1)  # a shared CPU: one thread gives steadier numbers
    # cold: from nothing in memory to the first answer (hflab first, so transformers gets a warm disk cache)
    hflab.models.clear_memory_cache()
    cold_ours = _timed(lambda: hflab.pipeline(task, model=key if model_class is None else
                                              hflab.models.load(key, model_class=model_class, quiet=True))(data))[0]
    folder = hflab.models.load(key, model_class=model_class, quiet=True).path
    cold_plain = _timed(lambda: transformers.pipeline(task, model=folder)(data))[0]
    # warm: both wrap the very same loaded objects
    loaded = hflab.models.load(key, model_class=model_class, quiet=True)
    plain_pipeline(task, loaded), hflab.pipeline(task, model=loaded)  # lazy imports, paid once
    build_plain, plain = _timed(lambda: plain_pipeline(task, loaded))
    build_ours, ours = _timed(lambda: hflab.pipeline(task, model=loaded))
    first_ours, out_ours = _timed(lambda: ours(data))
    first_plain, out_plain = _timed(lambda: plain(data))
    assert out_plain == out_ours, (out_plain, out_ours)  # same model, same input: same answer
    t_plain, t_ours = [], []
    for i in range(repeats):
        order = [(plain, t_plain), (ours, t_ours)]
        for pipe, bucket in (order if i % 2 == 0 else order[::-1]):
            bucket.append(_timed(lambda p=pipe: p(data))[0])
    return {
        "cold": (cold_plain, cold_ours),
        "build": (build_plain, build_ours),
        "first": (first_plain, first_ours),
        "median": (statistics.median(t_plain), statistics.median(t_ours)),
        "ratio": statistics.median(t_ours) / statistics.median(t_plain),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    rows = []
    _, task, key, model_class, data = cases()[0]
    compare(task, key, model_class, data, 2)  # warm-up: imports and first-use costs, not timed
    for name, task, key, model_class, data in cases():
        rows.append((name, compare(task, key, model_class, data, args.repeats)))
    ms = lambda s: f"{1000 * s:8.1f}"  # noqa: E731
    print(f"\nhflab.pipeline vs transformers.pipeline ({args.repeats} alternating calls each, times in ms)")
    header = (f"{'case':50s} | {'cold tf':>8s} {'cold hf':>8s} | {'build tf':>8s} {'build hf':>8s} | "
              f"{'1st tf':>8s} {'1st hf':>8s} | {'call tf':>8s} {'call hf':>8s} | ratio")
    print(header)
    print("-" * len(header))
    for name, r in rows:
        print(f"{name:50s} | {ms(r['cold'][0])} {ms(r['cold'][1])} | {ms(r['build'][0])} {ms(r['build'][1])} | "
              f"{ms(r['first'][0])} {ms(r['first'][1])} | {ms(r['median'][0])} {ms(r['median'][1])} | "
              f"{r['ratio']:.3f}x")
    worst = max(r["ratio"] for _, r in rows)
    print(f"\nworst per-call ratio: {worst:.3f}x (target <= 1.05x). tf = transformers.pipeline, hf = hflab.pipeline;"
          "\ncold = load from disk + build + first call (transformers.pipeline given the same local folder);"
          "\nbuild / 1st = wrapping the same loaded objects, then the first call; call = median repeated call.")


if __name__ == "__main__":
    main()
