"""`hflab.train`: the few helpers the course needs around 🤗 `Trainer`, and the three models it trains.

The notebooks call `Trainer` and `TrainingArguments` themselves; this module only supplies what
would distract from them:

- data sets: `sentiment_dataset(tokenizer, "train")` (the course's English sentiment sentences,
  tokenized) and `digits_dataset(image_processor, "train")` (scikit-learn's 8x8 handwritten digits,
  upsampled to RGB images);
- `compute_metrics`: accuracy and macro F1 for `Trainer(compute_metrics=...)`;
- `TimeBudget`: a `TrainerCallback` that stops training when its time is spent, and says so;
- the builders the model catalog calls the first time a learner loads "sentiment", "digits-vit"
  or "digits-convnext" (`build_sentiment(out_dir)` ...). Each saves the model, its tokenizer or
  image processor, and `hflab_training.json` (test accuracy, training time) into `out_dir`;
- `finish_build(out_dir, model, processor, report, ...)`: the end every recipe in `hflab.recipes`
  shares: save, measure (parameters, size, seconds) and `save_report`.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from transformers import TrainerCallback

SEED = 0
# The builders' time budget is a safety net, not the plan: on an idle 2-core laptop each model
# finishes in about a minute; the budget only stops a run on a machine far busier than that.
BUILD_BUDGET_S = 600
TRAINING_REPORT = "hflab_training.json"
SENTIMENT_LABELS = {0: "NEGATIVE", 1: "POSITIVE"}
DIGIT_LABELS = {i: str(i) for i in range(10)}
DIGITS_IMAGE_SIZE = 32  # the 8x8 digits are upsampled 4x, so patches and convolutions have room


# ---------------------------------------------------------------------------------------------
# data sets
# ---------------------------------------------------------------------------------------------
class ExamplesDataset(torch.utils.data.Dataset):
    """A list of ready model inputs (dicts of tensors or lists), one per example, for `Trainer`."""

    def __init__(self, examples: list[dict]):
        self.examples = examples

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, index: int) -> dict:
        return self.examples[index]


def sentiment_examples(split: str = "train") -> list[dict]:
    """The course's sentiment sentences: a list of {"text", "label" ("POSITIVE"/"NEGATIVE"), "domain"}.

    split: "train" (3,738 sentences) or "test" (168): the two files in data/sentiment/.
    """
    from ._paths import data_path

    if split not in ("train", "test"):
        raise ValueError(f'split must be "train" or "test", not {split!r}')
    path = data_path("sentiment", f"{split}.jsonl")
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def sentiment_dataset(tokenizer, split: str = "train", max_length: int = 64, *,
                      rows: list[dict] | None = None) -> ExamplesDataset:
    """Tokenized sentiment sentences: each item {"input_ids", "attention_mask", ..., "labels" (0 or 1)}.

    rows: sentences to use instead of the split's (for instance one fold of the train split).
    Items are not padded; pass `DataCollatorWithPadding(tokenizer)` to `Trainer` to pad each batch.
    """
    label_ids = {name: i for i, name in SENTIMENT_LABELS.items()}
    examples = []
    for row in sentiment_examples(split) if rows is None else rows:
        encoded = tokenizer(row["text"], truncation=True, max_length=max_length)
        examples.append({**encoded, "labels": label_ids[row["label"]]})
    return ExamplesDataset(examples)


def digits_split(test_size: float = 0.2, seed: int = SEED) -> dict:
    """scikit-learn's digits, split once and for all: {"train": (images, labels), "test": (...)}.

    images: uint8 array [n, 8, 8] (0 = background, 255 = ink); labels: int array [n].
    The split is stratified and fixed by `seed`, so every model is tested on the same 360 digits.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = np.round(digits.images * (255 / 16)).astype(np.uint8)  # [1797, 8, 8], 0..16 -> 0..255
    x_train, x_test, y_train, y_test = train_test_split(
        images, digits.target, test_size=test_size, random_state=seed, stratify=digits.target)
    return {"train": (x_train, y_train), "test": (x_test, y_test)}


def digit_image(pixels: np.ndarray, size: int = DIGITS_IMAGE_SIZE):
    """One 8x8 digit as a PIL RGB image of `size` x `size`, dark ink on white paper, like a scan."""
    from PIL import Image

    ink = Image.fromarray(255 - pixels, mode="L")
    return ink.resize((size, size), Image.Resampling.BILINEAR).convert("RGB")


def digit_images(split: str = "test") -> tuple[list, np.ndarray]:
    """The digits of a split as PIL images (32x32 RGB) and their labels [n]."""
    images, labels = digits_split()[split]
    return [digit_image(pixels) for pixels in images], labels


def digits_dataset(image_processor, split: str = "train") -> ExamplesDataset:
    """Digits ready for a vision model: each item {"pixel_values" [3, 32, 32], "labels" (0..9)}."""
    images, labels = digit_images(split)
    pixel_values = image_processor(images=images, return_tensors="pt")["pixel_values"]  # [n, 3, H, W]
    return ExamplesDataset([{"pixel_values": pixels, "labels": int(label)}
                            for pixels, label in zip(pixel_values, labels, strict=True)])


# ---------------------------------------------------------------------------------------------
# metrics and the time budget
# ---------------------------------------------------------------------------------------------
def compute_metrics(eval_pred) -> dict:
    """For `Trainer(compute_metrics=...)`: {"accuracy": float, "f1": float (macro F1)} from logits."""
    from sklearn.metrics import f1_score

    logits, labels = eval_pred.predictions, eval_pred.label_ids
    if isinstance(logits, tuple):  # some models also return hidden states
        logits = logits[0]
    predictions = np.asarray(logits).argmax(axis=-1)
    labels = np.asarray(labels)
    return {"accuracy": float((predictions == labels).mean()),
            "f1": float(f1_score(labels, predictions, average="macro"))}


class TimeBudget(TrainerCallback):
    """Stops `Trainer` once `seconds` of training have passed, so a class never waits forever.

    After training, `.elapsed` is the time spent and `.stopped_early` says whether the budget ended it.
    """

    def __init__(self, seconds: float):
        self.seconds = float(seconds)
        self.started = None
        self.elapsed = 0.0
        self.cpu_seconds = 0.0  # CPU time this process spent: on a busy machine, far less than .elapsed
        self.stopped_early = False

    def on_train_begin(self, args, state, control, **kwargs):
        self.started = time.monotonic()
        self._cpu_started = time.process_time()
        self.stopped_early = False

    def on_step_end(self, args, state, control, **kwargs):
        self.elapsed = time.monotonic() - self.started
        if self.elapsed > self.seconds and not control.should_training_stop:
            self.stopped_early = True
            control.should_training_stop = True
            print(f"[hflab] time budget of {self.seconds:.0f} s spent after step {state.global_step} "
                  f"of {state.max_steps}: training stops here.")
        return control

    def on_train_end(self, args, state, control, **kwargs):
        self.elapsed = time.monotonic() - self.started
        self.cpu_seconds = time.process_time() - self._cpu_started

    def figures(self) -> dict:
        """What a training report records of this budget: train_seconds, train_cpu_seconds, stopped_by_budget."""
        return {"train_seconds": round(self.elapsed, 1), "train_cpu_seconds": round(self.cpu_seconds, 1),
                "stopped_by_budget": self.stopped_early}


# ---------------------------------------------------------------------------------------------
# the course's own models
# ---------------------------------------------------------------------------------------------
def training_arguments(output_dir: str, **overrides):
    """`TrainingArguments` the way the course trains: fixed seed, a progress bar, no checkpoints, no trackers."""
    from transformers import TrainingArguments

    settings = dict(
        output_dir=output_dir,  # a temporary folder: nothing is written into the course's repository
        seed=SEED,
        data_seed=SEED,
        save_strategy="no",
        report_to="none",
        logging_strategy="epoch",
        disable_tqdm=False,
        # A GPU when there is one; otherwise the CPU (never Apple's MPS, which is slower for models this small).
        use_cpu=not torch.cuda.is_available(),
        dataloader_num_workers=0,
    )
    settings.update(overrides)
    return TrainingArguments(**settings)


def idle_cores() -> int:
    """How many CPU cores are free right now (at least 1): all of them, less the recent load."""
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return max(1, min(torch.get_num_threads(), round(cores - load)))


@contextmanager
def cpu_threads(count: int):
    """Let torch use `count` threads inside the block. On a busy CPU, or for a tiny model, one thread
    is faster than several: threads that wait for each other burn the time they were meant to save."""
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def train_and_save(model, processor, train_set, test_set, out_dir, *, budget_s: float, collator=None,
                   threads: int | None = None, **training_overrides) -> dict:
    """Train with `Trainer`, test once, save model + processor + hflab_training.json into `out_dir`.

    Returns the report: {"test_accuracy", "test_f1", "train_seconds", "stopped_by_budget", ...}.
    """
    from transformers import Trainer, set_seed

    # The same script runs on several GPUs unchanged: `accelerate launch train_script.py` starts one
    # process per GPU, and Trainer splits each batch across them (DistributedDataParallel).
    set_seed(SEED)
    budget = TimeBudget(budget_s)
    threads = threads or idle_cores()
    with tempfile.TemporaryDirectory(prefix="hflab-trainer-") as scratch, cpu_threads(threads):
        trainer = Trainer(model=model, args=training_arguments(scratch, **training_overrides),
                          train_dataset=train_set, eval_dataset=test_set, data_collator=collator,
                          compute_metrics=compute_metrics, callbacks=[budget])
        trainer.train()
        metrics = trainer.evaluate(test_set)  # the test split's one and only use
    model.eval()
    report = {
        "test_accuracy": round(metrics["eval_accuracy"], 4),
        "test_f1": round(metrics["eval_f1"], 4),
        **budget.figures(),
        "epochs": round(float(trainer.state.epoch or 0), 2),
        "train_examples": len(train_set),
        "test_examples": len(test_set),
        "seed": SEED,
        "device": str(trainer.args.device),
        "torch_threads": threads,
        "load_average_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }
    save_model(out_dir, model, processor)
    _write_report(out_dir, report)
    print(f"[hflab] test accuracy {report['test_accuracy']:.3f} after {report['train_seconds']:.0f} s "
          f"of training ({report['epochs']} epochs).")
    return report


def training_report(folder) -> dict | None:
    """What a builder recorded about its training (test accuracy, seconds, ...), or None."""
    path = Path(folder) / TRAINING_REPORT
    return json.loads(path.read_text()) if path.exists() else None


def build_sentiment(out_dir, budget_s: float = BUILD_BUDGET_S) -> dict:
    """Fine-tune the real MiniLM encoder, plus a new 2-label head, on the course's sentiment sentences."""
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        set_seed,
    )

    from .models.packaged import minilm_folder

    set_seed(SEED)  # the new classification head starts from the same random weights every time
    folder = minilm_folder()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(
        folder, num_labels=2, id2label=SENTIMENT_LABELS, label2id={v: k for k, v in SENTIMENT_LABELS.items()},
        use_safetensors=True)
    # The word embeddings (11.7 M of MiniLM's 22.7 M weights) stay as pretrained: updating them
    # costs time at every step and, in cross-validation, bought no accuracy.
    model.get_input_embeddings().weight.requires_grad_(False)
    return train_and_save(
        model, tokenizer, sentiment_dataset(tokenizer, "train", max_length=48),
        sentiment_dataset(tokenizer, "test", max_length=48), out_dir,
        budget_s=budget_s, collator=DataCollatorWithPadding(tokenizer),
        # every core torch would use anyway, whatever the load: the same machine trains the same model
        threads=torch.get_num_threads(),
        # The recipe was chosen by 4-fold cross-validation on the train split alone
        # (benchmarks/sentiment_recipe_cv.py); the test split is only scored once, at the end.
        num_train_epochs=3, learning_rate=1.5e-4, per_device_train_batch_size=32, weight_decay=0.01,
        warmup_steps=0.1,
        # sentences of similar length share a batch: less padding, less wasted compute
        train_sampling_strategy="group_by_length", per_device_eval_batch_size=64)


def digits_image_processor(kind: str):
    """The image processor saved with a digits model: 32x32, pixel values scaled to [-1, 1]."""
    from transformers import ConvNextImageProcessor, ViTImageProcessor

    common = dict(image_mean=[0.5] * 3, image_std=[0.5] * 3)
    if kind == "convnext":
        # crop_pct=1.0: resize to 32 and keep the whole digit (ImageNet's default would crop its edges)
        return ConvNextImageProcessor(size={"shortest_edge": DIGITS_IMAGE_SIZE}, crop_pct=1.0, **common)
    return ViTImageProcessor(size={"height": DIGITS_IMAGE_SIZE, "width": DIGITS_IMAGE_SIZE}, **common)


def _train_digits(model, kind: str, out_dir, budget_s: float, **training_overrides) -> dict:
    processor = digits_image_processor(kind)
    return train_and_save(
        model, processor, digits_dataset(processor, "train"), digits_dataset(processor, "test"), out_dir,
        budget_s=budget_s, threads=1,  # models this small: one thread beats two (no waiting on each other)
        per_device_train_batch_size=32, per_device_eval_batch_size=256, warmup_steps=0.1, weight_decay=0.05,
        **training_overrides)


def build_digits_vit(out_dir, budget_s: float = BUILD_BUDGET_S) -> dict:
    """A small ViT (32x32 images, 8x8 patches, 4 layers, 148 k parameters) trained from scratch on the digits."""
    from transformers import ViTConfig, ViTForImageClassification, set_seed

    set_seed(SEED)
    config = ViTConfig(
        # 4x4 = 16 patches + [CLS]; each patch covers 2x2 pixels of the original 8x8 digit
        image_size=DIGITS_IMAGE_SIZE, patch_size=8, num_channels=3,
        hidden_size=64, num_hidden_layers=4, num_attention_heads=4, intermediate_size=128,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
        num_labels=10, id2label=DIGIT_LABELS, label2id={v: k for k, v in DIGIT_LABELS.items()})
    model = ViTForImageClassification(config)
    # a transformer learns from scratch slowly: more epochs than the ConvNeXT needs
    return _train_digits(model, "vit", out_dir, budget_s, num_train_epochs=20, learning_rate=3e-3)


def build_digits_convnext(out_dir, budget_s: float = BUILD_BUDGET_S) -> dict:
    """A small ConvNeXT (3 stages, 16/32/64 channels, 61 k parameters) trained from scratch on the digits."""
    from transformers import ConvNextConfig, ConvNextForImageClassification, set_seed

    set_seed(SEED)
    config = ConvNextConfig(
        # stem: 2x2 patches -> 16x16 feature map; each later stage halves it (8x8, 4x4)
        num_channels=3, patch_size=2, num_stages=3, hidden_sizes=[16, 32, 64], depths=[1, 1, 1],
        image_size=DIGITS_IMAGE_SIZE, drop_path_rate=0.0,
        num_labels=10, id2label=DIGIT_LABELS, label2id={v: k for k, v in DIGIT_LABELS.items()})
    model = ConvNextForImageClassification(config)
    return _train_digits(model, "convnext", out_dir, budget_s, num_train_epochs=8, learning_rate=3e-3)


# ---------------------------------------------------------------------------------------------
# the report every recipe in hflab.recipes writes
# ---------------------------------------------------------------------------------------------
REPORT_KEYS = ("model", "test", "standin", "standin_test", "train_seconds", "train_examples", "test_examples",
               "parameters", "seed", "recipe")


def save_report(out_dir, report: dict) -> dict:
    """Write a recipe's `hflab_training.json` and say its test figures in one line, beside the stand-in's.

    report: at least REPORT_KEYS. "test" and "standin_test" map a metric name ("entity_f1",
    "exact_match", "map50", ...) to its value on the same held-out test split; "standin" names the
    catalog key of the random stand-in the trained model replaces offline; "recipe" is one sentence
    on how it was trained and how its settings were chosen (on train data only).
    """
    missing = [key for key in REPORT_KEYS if key not in report]
    if missing:
        raise ValueError(f"a training report needs {', '.join(missing)}")
    report = {**report, "torch_version": torch.__version__,
              "load_average_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None}
    _write_report(out_dir, report)
    figures = ", ".join(f"{name} {value:.3f}" for name, value in report["test"].items())
    theirs = ", ".join(f"{name} {value:.3f}" for name, value in report["standin_test"].items())
    print(f"[hflab] {report['model']}: test {figures} (random stand-in {report['standin']}: {theirs}) "
          f"after {report['train_seconds']:.0f} s of training.")
    return report


def _write_report(out_dir, report: dict) -> None:
    (Path(out_dir) / TRAINING_REPORT).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


def save_model(out_dir, model, processor) -> Path:
    """Save `model` and its tokenizer / image processor / feature extractor into `out_dir` (safetensors)."""
    out_dir = Path(out_dir)
    model.save_pretrained(out_dir)
    processor.save_pretrained(out_dir)
    return out_dir


def finish_build(out_dir, model, processor, report: dict, *, started: float | None = None,
                 cpu_started: float | None = None, budget: TimeBudget | None = None, size_of: str = "weights",
                 megabyte: int = 2**20, digits: int = 1) -> dict:
    """The end of every recipe's `build()`: save model + processor into `out_dir`, add the figures every
    build measures the same way to `report`, and `save_report` it. Returns the saved report.

    Always added: "parameters" and "size_mb". With `budget` (the `TimeBudget` that trained the model):
    "train_seconds", "train_cpu_seconds", "stopped_by_budget". With `started` and `cpu_started`
    (`time.monotonic()` and `time.process_time()` when build() began): "build_seconds", "build_cpu_seconds".

    size_of: "weights" (the parameters' bytes) or "files" (the saved folder's bytes), in units of
    `megabyte` bytes rounded to `digits`. The recipes came to measure size in these different ways
    before this helper existed; each keeps its own, so the reports of cached builds stay what they were.
    """
    if size_of not in ("weights", "files"):
        raise ValueError(f'size_of must be "weights" or "files", not {size_of!r}')
    if (started is None) != (cpu_started is None):
        raise ValueError("give both started (time.monotonic()) and cpu_started (time.process_time()), or neither")
    out_dir = save_model(out_dir, model, processor)
    figures = {"parameters": sum(p.numel() for p in model.parameters())}
    if budget is not None:
        figures.update(budget.figures())
    if started is not None:
        figures["build_seconds"] = round(time.monotonic() - started, 1)
        figures["build_cpu_seconds"] = round(time.process_time() - cpu_started, 1)
    if size_of == "weights":
        size = sum(p.numel() * p.element_size() for p in model.parameters())
    else:  # measured before the report is written, as the recipes always did
        size = sum(path.stat().st_size for path in out_dir.iterdir() if path.is_file())
    figures["size_mb"] = round(size / megabyte, digits)
    return save_report(out_dir, {**report, **figures})
