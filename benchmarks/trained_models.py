"""Every model this course trains here, side by side with the random stand-in it replaces offline.

    HF_HUB_OFFLINE=1 python benchmarks/trained_models.py            # the models already built
    HF_HUB_OFFLINE=1 python benchmarks/trained_models.py --build    # build (train) the missing ones first

Per model: training time (wall and CPU seconds), its test-split figures, the stand-in's figures on
the same split, parameters and size on disk — all read from the `hflab_training.json` that each
builder writes when it trains (the test split is scored there, once).
"""

from __future__ import annotations

import argparse
import json
import sys

from hflab import models
from hflab.train import TRAINING_REPORT


def _figures(values) -> str:
    if not isinstance(values, dict):
        return "-"
    return ", ".join(f"{name} {value:.3f}" if isinstance(value, float) else f"{name} {value}"
                     for name, value in values.items())


def _older_standin_figures(key: str) -> tuple[str, dict] | None:
    """The first three recipes predate "standin_test" in the report: score their stand-ins here, on the same test split."""
    from hflab import pipeline
    from hflab.train import digit_images, sentiment_examples

    if key == "sentiment":
        rows = sentiment_examples("test")
        classify = pipeline("sentiment-analysis", model="distilbert-sst2")
        predicted = [out["label"] for out in classify([row["text"] for row in rows])]
        right = sum(p == row["label"] for p, row in zip(predicted, rows, strict=True))
        return "distilbert-sst2", {"accuracy": right / len(rows)}
    if key.startswith("digits-"):
        standin = "vit-base" if key == "digits-vit" else "convnext-tiny"
        images, labels = digit_images("test")
        classify = pipeline("image-classification", model=standin)
        right = sum(out[0]["label"] == str(label) for out, label in zip(classify(images), labels, strict=True))
        return standin + " (ImageNet labels)", {"accuracy": right / len(labels)}
    return None


def _size_mb(folder) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="train the models not built yet")
    args = parser.parse_args(argv)
    rows = []
    for entry in models.catalog():
        if entry.source != "trained":
            continue
        try:
            folder = models.local_folder(entry, build=args.build)
        except FileNotFoundError:
            rows.append((entry.key, None, None))
            continue
        path = folder / TRAINING_REPORT
        rows.append((entry.key, folder, json.loads(path.read_text()) if path.exists() else {}))
    print(f"{'model':<16} {'task':<28} {'train s':>7} {'cpu s':>6} {'MB':>6}  test  |  random stand-in on the same split")
    for key, folder, report in rows:
        entry = models.resolve(key)
        if folder is None:
            print(f"{key:<16} {entry.task:<28} (not built: run with --build)")
            continue
        test = report.get("test") or {"accuracy": report.get("test_accuracy")}
        standin_key, standin = report.get("standin", "-"), report.get("standin_test")
        older = _older_standin_figures(key) if standin is None else None
        if older is not None:
            standin_key, standin = older
        print(f"{key:<16} {entry.task:<28} {report.get('train_seconds', float('nan')):>7.0f} "
              f"{report.get('train_cpu_seconds', float('nan')):>6.0f} {_size_mb(folder):>6.1f}  "
              f"{_figures(test)}  |  {standin_key}: {_figures(standin)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
