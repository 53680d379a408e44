"""Models trained here: training time and test accuracy, side by side with what they replace.

    HF_HUB_OFFLINE=1 python benchmarks/bench_training.py [--retrain]
    HF_HUB_OFFLINE=1 python benchmarks/bench_training.py --sentiment-seeds 1 2   # how much the seed moves it

Loads "sentiment", "digits-vit" and "digits-convnext" from the cache, training them first when
they are not there (--retrain: into a throw-away HFLAB_HOME, so every time printed is fresh).
Then, through `hflab.compare` on the held-out test splits:
- sentiment: the MiniLM fine-tuned here vs the distilbert-sst2 stand-in (random weights: near chance);
- digits: ViT vs ConvNeXT, accuracy, parameters, latency.
Training times are wall-clock on this machine; the load average beside them says how busy it was.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def train_or_load(keys: list[str]) -> dict:
    import hflab
    from hflab.train import training_report

    reports = {}
    for key in keys:
        started = time.perf_counter()
        loaded = hflab.models.load(key, quiet=True)
        report = training_report(loaded.path) or {}
        report["load_or_build_s"] = time.perf_counter() - started
        reports[key] = report
    return reports


def table(title: str, comparison, reports: dict) -> str:
    header = ["model", "real?", "test acc.", "train s", "train CPU s", "params", "ms / input", "disk MB"]
    lines = [title, " | ".join(header)]
    for row in comparison.rows():
        report = reports.get(row["model"], {})
        lines.append(" | ".join([
            row["model"],
            "trained here" if row["source"] == "trained" else ("stand-in" if not row["real"] else row["source"]),
            f"{row['accuracy']:.3f}",
            f"{report['train_seconds']:.0f}" if "train_seconds" in report else "–",
            f"{report['train_cpu_seconds']:.0f}" if "train_cpu_seconds" in report else "–",
            f"{row['parameters']:,}",
            f"{row['latency_ms']:.1f}",
            f"{row['disk_mb']:.1f}" if row["disk_mb"] is not None else "–",
        ]))
    return "\n".join(lines)


def sentiment_seeds(seeds: list[int]) -> None:
    from hflab import train

    print(f"before: {load_average()}")
    for seed in seeds:
        train.SEED = seed  # the builders read the module's seed when they run
        with tempfile.TemporaryDirectory(prefix="hflab-seed-") as folder:
            report = train.build_sentiment(folder)
        print(f"seed {seed}: test accuracy {report['test_accuracy']:.3f}, {report['train_seconds']:.0f} s "
              f"with {report['torch_threads']} threads ({load_average()})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--retrain", action="store_true", help="train again in a throw-away HFLAB_HOME")
    parser.add_argument("--sentiment-seeds", type=int, nargs="+", metavar="SEED",
                        help="only train the sentiment recipe again with these seeds (the catalog uses 0) "
                             "into throw-away folders, and print each test accuracy")
    args = parser.parse_args()
    if args.sentiment_seeds:
        sentiment_seeds(args.sentiment_seeds)
        return
    if args.retrain:
        os.environ["HFLAB_HOME"] = tempfile.mkdtemp(prefix="hflab-bench-")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import hflab
    from hflab.train import digit_images, sentiment_examples

    print(f"before: {load_average()}")
    reports = train_or_load(["sentiment", "digits-vit", "digits-convnext"])
    print(f"after training / loading: {load_average()}\n")

    test = sentiment_examples("test")
    sentiment = hflab.compare(["sentiment", "distilbert-sst2"], [row["text"] for row in test],
                              labels=[row["label"] for row in test], runs=1)
    print(table(f"Sentiment, data/sentiment/test.jsonl ({len(test)} sentences)", sentiment, reports))
    print()
    images, labels = digit_images("test")
    digits = hflab.compare(["digits-vit", "digits-convnext"], images, labels=[str(y) for y in labels], runs=1)
    print(table(f"Digits, scikit-learn test split ({len(images)} images, 32x32)", digits, reports))
    agreement = digits.agreement()[0, 1]
    print(f"\nViT and ConvNeXT agree on {agreement:.1%} of the test digits.")
    print(f"end: {load_average()}")


if __name__ == "__main__":
    main()
