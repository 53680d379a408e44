"""hflab.train: the data set builders, the metrics, the time budget, and the three models trained here."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import hflab
import numpy as np
import pytest
import torch
from hflab import train
from hflab._paths import data_path, is_complete


@pytest.fixture(scope="module")
def minilm_tokenizer():
    from hflab.models.packaged import minilm_folder
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(minilm_folder())


# --- data sets -------------------------------------------------------------------------------
def test_sentiment_dataset_matches_the_jsonl(minilm_tokenizer):
    rows = [json.loads(line) for line in data_path("sentiment", "train.jsonl").read_text().splitlines() if line]
    dataset = train.sentiment_dataset(minilm_tokenizer, "train", max_length=48)
    assert len(dataset) == len(rows) >= 600
    for index in (0, len(rows) // 2, len(rows) - 1):
        item = dataset[index]
        assert set(item) >= {"input_ids", "attention_mask", "labels"}
        assert item["labels"] == (1 if rows[index]["label"] == "POSITIVE" else 0)
        assert 2 < len(item["input_ids"]) <= 48
        assert item["input_ids"] == minilm_tokenizer(rows[index]["text"], truncation=True, max_length=48)["input_ids"]
    labels = [dataset[i]["labels"] for i in range(len(dataset))]
    assert 0.4 < np.mean(labels) < 0.6  # balanced


def test_digits_split_is_fixed_and_stratified():
    first, second = train.digits_split(), train.digits_split()
    x_train, y_train = first["train"]
    x_test, y_test = first["test"]
    assert x_train.shape == (1437, 8, 8) and x_test.shape == (360, 8, 8)
    assert x_train.dtype == np.uint8 and x_train.max() == 255
    assert np.array_equal(x_test, second["test"][0]) and np.array_equal(y_test, second["test"][1])
    assert sorted(set(y_test.tolist())) == list(range(10))
    assert np.bincount(y_test).min() >= 30


def test_digit_image_is_dark_ink_on_white_at_32px():
    blank = train.digit_image(np.zeros((8, 8), dtype=np.uint8))
    assert blank.size == (32, 32) and blank.mode == "RGB"
    assert np.asarray(blank).min() == 255  # no ink: white paper
    ink = np.zeros((8, 8), dtype=np.uint8)
    ink[:, 3:5] = 255  # a vertical stroke
    pixels = np.asarray(train.digit_image(ink))[..., 0]
    assert pixels[:, 14:18].mean() < 60 and pixels[:, :8].mean() > 240


def test_digits_dataset_gives_normalised_pixels_and_labels():
    processor = train.digits_image_processor("vit")
    dataset = train.digits_dataset(processor, "test")
    assert len(dataset) == 360
    item = dataset[0]
    assert item["pixel_values"].shape == (3, 32, 32)
    assert -1.0001 <= float(item["pixel_values"].min()) < 0 < float(item["pixel_values"].max()) <= 1.0001
    assert item["labels"] == int(train.digits_split()["test"][1][0])
    convnext = train.digits_dataset(train.digits_image_processor("convnext"), "test")[0]["pixel_values"]
    assert torch.allclose(convnext, item["pixel_values"], atol=0.05)  # no crop: both see the whole digit


# --- metrics ---------------------------------------------------------------------------------
def test_compute_metrics_on_known_predictions():
    from transformers import EvalPrediction

    logits = np.array([[2.0, 0.1], [0.3, 0.9], [0.8, 0.2], [0.1, 0.7]])  # predicts 0, 1, 0, 1
    labels = np.array([0, 1, 1, 1])
    metrics = train.compute_metrics(EvalPrediction(predictions=logits, label_ids=labels))
    assert metrics["accuracy"] == pytest.approx(0.75)
    # class 0: precision 1/2, recall 1 -> F1 2/3; class 1: precision 1, recall 2/3 -> F1 0.8
    assert metrics["f1"] == pytest.approx((2 / 3 + 0.8) / 2)
    tupled = train.compute_metrics(EvalPrediction(predictions=(logits, np.zeros(3)), label_ids=labels))
    assert tupled == metrics


# --- the time budget -------------------------------------------------------------------------
class _SlowModel(torch.nn.Module):
    """Each step takes at least 50 ms, so a budget of a fraction of a second ends a long run early."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 2)

    def forward(self, x, labels=None):
        time.sleep(0.05)
        logits = self.linear(x)
        return {"loss": torch.nn.functional.cross_entropy(logits, labels), "logits": logits}


def _run_with_budget(tmp_path, seconds: float, max_steps: int):
    from transformers import Trainer

    data = train.ExamplesDataset([{"x": torch.randn(2), "labels": i % 2} for i in range(16)])
    budget = train.TimeBudget(seconds)
    args = train.training_arguments(str(tmp_path), max_steps=max_steps, per_device_train_batch_size=2,
                                    logging_strategy="no", disable_tqdm=True)
    trainer = Trainer(model=_SlowModel(), args=args, train_dataset=data, callbacks=[budget])
    trainer.train()
    return budget, trainer.state.global_step


def test_time_budget_stops_a_long_run(tmp_path, capsys):
    budget, steps = _run_with_budget(tmp_path, seconds=0.4, max_steps=400)
    assert budget.stopped_early
    assert 1 <= steps < 400
    assert budget.elapsed >= 0.4
    assert "time budget" in capsys.readouterr().out
    assert not any(tmp_path.iterdir())  # save_strategy="no": no checkpoint written


def test_time_budget_lets_a_short_run_finish(tmp_path):
    budget, steps = _run_with_budget(tmp_path, seconds=120, max_steps=4)
    assert steps == 4 and not budget.stopped_early


# --- finish_build: the end every recipe's build() shares ----------------------------------------
def _small_model_and_processor():
    from transformers import BertConfig, BertForSequenceClassification, ViTImageProcessor

    torch.manual_seed(0)
    config = BertConfig(vocab_size=1000, hidden_size=64, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, num_labels=2)
    return BertForSequenceClassification(config).eval(), ViTImageProcessor(size={"height": 32, "width": 32})


def _finished_budget(seconds: float, cpu_seconds: float) -> train.TimeBudget:
    budget = train.TimeBudget(600)
    budget.elapsed, budget.cpu_seconds = seconds, cpu_seconds
    return budget


RECIPE_REPORT = {"model": "toy", "test": {"accuracy": 0.9}, "standin": "tiny-toy", "standin_test": {"accuracy": 0.5},
                 "train_examples": 10, "test_examples": 4, "seed": 0, "recipe": "a toy, for the unit tests"}


def test_finish_build_saves_the_model_and_a_report_with_seconds_and_size(tmp_path, capsys):
    from transformers import AutoImageProcessor, AutoModelForSequenceClassification

    model, processor = _small_model_and_processor()
    started, cpu_started = time.monotonic() - 2.0, time.process_time()
    report = train.finish_build(tmp_path, model, processor, RECIPE_REPORT, started=started,
                                cpu_started=cpu_started, budget=_finished_budget(1.234, 0.56),
                                size_of="files", megabyte=10**6, digits=3)

    assert train.training_report(tmp_path) == report  # what was returned is what was written
    assert report.items() >= RECIPE_REPORT.items()  # the recipe's own keys, untouched
    assert report["train_seconds"] == 1.2 and report["train_cpu_seconds"] == 0.6
    assert report["stopped_by_budget"] is False
    assert 2.0 <= report["build_seconds"] < 60 and report["build_cpu_seconds"] >= 0
    assert report["parameters"] == sum(p.numel() for p in model.parameters())
    saved = [path for path in tmp_path.iterdir() if path.name != train.TRAINING_REPORT]
    assert {path.name for path in saved} == {"config.json", "model.safetensors", "preprocessor_config.json"}
    assert report["size_mb"] == round(sum(path.stat().st_size for path in saved) / 1e6, 3) > 0.1
    assert "toy: test accuracy 0.900 (random stand-in tiny-toy: accuracy 0.500)" in capsys.readouterr().out

    again = AutoModelForSequenceClassification.from_pretrained(tmp_path)  # the saved folder loads as it was
    assert torch.equal(again.classifier.weight, model.classifier.weight)
    assert AutoImageProcessor.from_pretrained(tmp_path).size == {"height": 32, "width": 32}


def test_finish_build_measures_weights_in_mib_by_default(tmp_path):
    model, processor = _small_model_and_processor()
    report = train.finish_build(tmp_path, model, processor, {**RECIPE_REPORT, "train_seconds": 3.0}, digits=4)
    assert report["size_mb"] == round(report["parameters"] * 4 / 2**20, 4)
    assert report["train_seconds"] == 3.0 and "build_seconds" not in report  # no clock given, none recorded


def test_finish_build_refuses_a_report_missing_required_keys(tmp_path):
    model, processor = _small_model_and_processor()
    incomplete = {key: value for key, value in RECIPE_REPORT.items() if key != "recipe"}
    with pytest.raises(ValueError, match="recipe"):
        train.finish_build(tmp_path, model, processor, incomplete, budget=_finished_budget(1, 1))
    with pytest.raises(ValueError, match="train_seconds"):  # without a budget, the recipe must say it
        train.finish_build(tmp_path, model, processor, RECIPE_REPORT)
    assert train.training_report(tmp_path) is None
    with pytest.raises(ValueError, match="cpu_started"):
        train.finish_build(tmp_path, model, processor, RECIPE_REPORT, started=time.monotonic())
    with pytest.raises(ValueError, match="size_of"):
        train.finish_build(tmp_path, model, processor, RECIPE_REPORT, size_of="disk")


# --- the three models, trained for real (once, in a fresh cache) -----------------------------
@pytest.fixture(scope="module")
def fresh_home(tmp_path_factory):
    """A new, empty HFLAB_HOME, so the catalog really trains the models (and the tests see it do so)."""
    import os

    before = os.environ.get("HFLAB_HOME")
    os.environ["HFLAB_HOME"] = str(tmp_path_factory.mktemp("hflab-home"))
    hflab.models.clear_memory_cache()
    yield
    hflab.models.clear_memory_cache()
    trained_here = Path(os.environ["HFLAB_HOME"]) / "trained"
    if before is None:
        os.environ.pop("HFLAB_HOME")
    else:
        os.environ["HFLAB_HOME"] = before
    # Keep what these tests trained, so the notebooks that run later don't train it all again.
    for folder in trained_here.glob("*"):
        target = hflab.models.home() / "trained" / folder.name
        stamp = (folder / ".complete").read_text().strip() if (folder / ".complete").exists() else None
        if stamp and not is_complete(target, stamp):
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(folder, target)


def _trained(key: str) -> tuple:
    started = time.monotonic()
    loaded = hflab.models.load(key)
    report = train.training_report(loaded.path)
    print(f"\n{key}: built and loaded in {time.monotonic() - started:.0f} s; report {report}")
    return loaded, report


@pytest.mark.slow
def test_sentiment_model_trains_and_answers_the_default_pipeline(fresh_home):
    loaded, report = _trained("sentiment")
    assert loaded.source == "trained" and not loaded.is_standin
    assert loaded.model.config.id2label == {0: "NEGATIVE", 1: "POSITIVE"}
    assert not report["stopped_by_budget"]

    classifier = hflab.pipeline("sentiment-analysis")  # offline: the default is the model trained here
    assert classifier.resolved.key == "sentiment" and not classifier.is_standin
    # Sentences in neither split, several from outside its six domains (concerts, museums, trains).
    new = {"I loved every minute of this concert, the band was on fire.": "POSITIVE",
           "This vacuum cleaner is quiet, light and picks up everything.": "POSITIVE",
           "The museum guide was funny, patient and knew every painting by heart.": "POSITIVE",
           "Our holiday cottage was spotless, cosy and had a stunning view of the lake.": "POSITIVE",
           "The new bike lane makes my commute safer and faster.": "POSITIVE",
           "A wonderful podcast episode that I have already shared with three friends.": "POSITIVE",
           "The plumber came on a Sunday, fixed the leak in minutes and charged a fair price.": "POSITIVE",
           "These running shoes are the most comfortable pair I have ever owned.": "POSITIVE",
           "The concert hall's acoustics were breathtaking.": "POSITIVE",
           "The theme park was well organised and the queues were short.": "POSITIVE",
           "The train was late again and nobody bothered to apologise.": "NEGATIVE",
           "The update deleted my notes and support never answered.": "NEGATIVE",
           "The hotel pool was closed for the whole week and nobody told us.": "NEGATIVE",
           "The museum was overcrowded, overpriced and half the rooms were shut.": "NEGATIVE",
           "My new umbrella turned inside out in the first light breeze.": "NEGATIVE",
           "The podcast host interrupts every guest and never lets them finish.": "NEGATIVE",
           "The taxi driver took a long detour and then demanded a tip.": "NEGATIVE",
           "This printer jams on every second page.": "NEGATIVE",
           "The concert started an hour late and the sound was muddy.": "NEGATIVE",
           "The theme park rides kept breaking down, and we spent the day in queues.": "NEGATIVE"}
    answers = classifier(list(new))
    right = [a["label"] == label for a, label in zip(answers, new.values(), strict=True)]
    assert np.mean(right) >= 0.85, [text for text, ok in zip(new, right, strict=True) if not ok]

    test_rows = train.sentiment_examples("test")
    predictions = classifier([row["text"] for row in test_rows])
    accuracy = np.mean([p["label"] == row["label"] for p, row in zip(predictions, test_rows, strict=True)])
    assert accuracy == pytest.approx(report["test_accuracy"], abs=0.01)  # the pipeline agrees with Trainer
    assert accuracy >= 0.90  # the target; measured 0.929 on a 2-core machine (benchmarks/README.md)


def _digits_accuracy(key: str) -> float:
    images, labels = train.digit_images("test")
    classify = hflab.pipeline("image-classification", model=key)
    predictions = classify(images, top_k=1)
    return float(np.mean([p[0]["label"] == str(label) for p, label in zip(predictions, labels, strict=True)]))


@pytest.mark.slow
@pytest.mark.parametrize("key, model_type", [("digits-vit", "vit"), ("digits-convnext", "convnext")])
def test_digits_models_train_to_90_percent(fresh_home, key, model_type):
    loaded, report = _trained(key)
    assert loaded.model.config.model_type == model_type and loaded.source == "trained"
    assert loaded.model.config.id2label[7] == "7"
    assert report["test_accuracy"] >= 0.90 and not report["stopped_by_budget"]
    assert _digits_accuracy(key) == pytest.approx(report["test_accuracy"], abs=0.01)


@pytest.mark.slow
def test_vit_and_convnext_side_by_side(fresh_home):
    from hflab.compare import vision_focus
    from hflab.views.comparison import ModelComparison

    view = ModelComparison(["digits-vit", "digits-convnext"])
    assert view.task == "image-classification"
    view.digit_count = 60
    result = view.compare()
    assert view.error is None, view.error
    rows = {row["model"]: row for row in result.rows()}
    assert set(rows) == {"digits-vit", "digits-convnext"}
    assert all(row["accuracy"] >= 0.85 and row["real"] for row in rows.values())
    assert "digits-convnext" in view.table.value and bytes(view.extra_plot.value).startswith(b"\x89PNG")

    image = train.digit_images("test")[0][0]
    vit, convnext = vision_focus("digits-vit", image), vision_focus("digits-convnext", image)
    assert vit.method == "attention rollout" and convnext.method == "gradient saliency"
    for focus in (vit, convnext):
        assert focus.heatmap.shape == (32, 32) and focus.heatmap.max() == pytest.approx(1.0)
        assert focus.heatmap.min() == pytest.approx(0.0)
