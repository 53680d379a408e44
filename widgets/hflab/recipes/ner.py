"""`minilm-ner`: the real MiniLM encoder fine-tuned to find people, organisations, places and the rest.

Data: data/ner/ (written by data/make_ner.py): English sentences from six domains, each word
tagged in IOB2 over CoNLL-2003's four types (O, B-PER, I-PER, B-ORG, ..., I-MISC). The test
split's templates and names never occur in train, so its score says how well the model finds
names it has never seen, from their context alone (MiniLM is uncased: capitals are no clue).

Every word piece gets a tag: a word's first piece keeps its word's tag and the pieces after it
continue it (B-ORG -> I-ORG). Then the `token-classification` pipeline with
``aggregation_strategy="simple"`` joins the pieces of one name into one entity, as it does for
the Hub's CoNLL checkpoints ([{"entity_group": "ORG", "word": "hugging face", ...}]).

The metric is entity-level micro F1 (CoNLL's): an entity counts only when its span and its type
are both exactly right. It is written out here (`entity_scores`) rather than taken from seqeval.
"""

from __future__ import annotations

import json
import tempfile
import time

import torch

from ..train import BUILD_BUDGET_S, SEED, TimeBudget, cpu_threads, finish_build, training_arguments

LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
TYPES = ("PER", "ORG", "LOC", "MISC")
MAX_LENGTH = 48  # word pieces; the longest training sentence needs about 40
STANDIN = "bert-ner"
# Chosen on a development split made of TRAIN's own templates and names (benchmarks/recipe_ner.py):
# 2 epochs at 2e-4 scored dev F1 0.910, as well as 3 epochs at 1e-4 (0.899) or 3e-4 (0.892), in 2/3 of
# their time. The test split is scored once, at the end of build().
RECIPE = dict(num_train_epochs=2, learning_rate=2e-4, per_device_train_batch_size=32, weight_decay=0.01,
              warmup_steps=0.1)


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------
def ner_rows(split: str = "train") -> list[dict]:
    """The course's NER sentences: a list of {"tokens": [words], "tags": [IOB2 tags], "domain"}.

    split: "train" (3,000 sentences) or "test" (600), the two files in data/ner/.
    """
    from .._paths import data_path

    if split not in ("train", "test"):
        raise ValueError(f'split must be "train" or "test", not {split!r}')
    with open(data_path("ner", f"{split}.jsonl"), encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def piece_labels(word_ids: list, tags: list[str], *, every_piece: bool = True) -> list[int]:
    """One label id per word piece: -100 for [CLS]/[SEP] (ignored by the loss), the word's tag for its
    first piece, and for the pieces after it I-<type> (or -100 when `every_piece` is False)."""
    labels, previous = [], None
    for word in word_ids:
        if word is None:
            labels.append(-100)
        elif word != previous:
            labels.append(LABELS.index(tags[word]))
        elif not every_piece:
            labels.append(-100)
        else:
            labels.append(LABELS.index(tags[word].replace("B-", "I-")))
        previous = word
    return labels


def encode(tokenizer, rows: list[dict], *, every_piece: bool = True, max_length: int = MAX_LENGTH) -> list[dict]:
    """Rows as model inputs: each {"input_ids", "attention_mask", "labels"} (one label per word piece)."""
    examples = []
    for row in rows:
        encoded = tokenizer(row["tokens"], is_split_into_words=True, truncation=True, max_length=max_length)
        labels = piece_labels(encoded.word_ids(), row["tags"], every_piece=every_piece)
        examples.append({"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"],
                         "labels": labels})
    return examples


# ---------------------------------------------------------------------------------------------
# the metric
# ---------------------------------------------------------------------------------------------
def spans(tags: list[str]) -> set[tuple[int, int, str]]:
    """The entities in a tag sequence as (first word, last word + 1, type), read the way conlleval
    reads them: an I-X that does not continue an X (after O, or after another type) starts one."""
    found, start, kind = set(), None, None
    for index, tag in enumerate([*tags, "O"]):  # the "O" closes an entity that runs to the end
        prefix, _, tag_kind = tag.partition("-")
        continues = prefix == "I" and tag_kind == kind
        if kind is not None and not continues:
            found.add((start, index, kind))
            kind = None
        if prefix in ("B", "I") and not continues:
            start, kind = index, tag_kind
    return found


def entity_scores(gold: list[list[str]], predicted: list[list[str]]) -> dict:
    """Entity-level micro precision, recall and F1 (exact span and type), and F1 per type.

    gold, predicted: one list of IOB2 tags per sentence, word by word.
    Returns {"entity_f1", "precision", "recall", "f1_PER", "f1_ORG", "f1_LOC", "f1_MISC"}.
    """
    counts = {kind: [0, 0, 0] for kind in TYPES}  # right, predicted, gold
    for gold_tags, predicted_tags in zip(gold, predicted, strict=True):
        truth, guess = spans(gold_tags), spans(predicted_tags)
        for span in guess:
            counts.setdefault(span[2], [0, 0, 0])[1] += 1
            counts[span[2]][0] += span in truth
        for span in truth:
            counts[span[2]][2] += 1

    def f1(right, made, real):
        precision, recall = right / max(made, 1), right / max(real, 1)
        return precision, recall, 2 * precision * recall / max(precision + recall, 1e-9)

    precision, recall, overall = f1(*(sum(c[i] for c in counts.values()) for i in range(3)))
    scores = {"entity_f1": overall, "precision": precision, "recall": recall}
    scores.update({f"f1_{kind}": f1(*counts[kind])[2] for kind in TYPES})
    return {name: round(value, 4) for name, value in scores.items()}


@torch.no_grad()
def predict_tags(model, tokenizer, rows: list[dict], batch_size: int = 64) -> list[list[str]]:
    """The model's tag for every word of every row (its first piece's label; "O" past the length limit).

    Works for any token classifier with IOB2 labels in its config (the trained model and the stand-in).
    """
    model.eval()
    names = model.config.id2label
    predicted = []
    for first in range(0, len(rows), batch_size):
        batch = rows[first:first + batch_size]
        encoded = tokenizer([row["tokens"] for row in batch], is_split_into_words=True, truncation=True,
                            max_length=MAX_LENGTH, padding=True, return_tensors="pt")
        best = model(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"]).logits.argmax(-1)
        for i, row in enumerate(batch):
            tags, previous = ["O"] * len(row["tokens"]), None
            for position, word in enumerate(encoded.word_ids(i)):
                if word is not None and word != previous:
                    tags[word] = names[int(best[i, position])]
                previous = word
            predicted.append(tags)
    return predicted


def score(model, tokenizer, rows: list[dict]) -> dict:
    """entity_scores of a model on rows (see entity_scores for the keys)."""
    return entity_scores([row["tags"] for row in rows], predict_tags(model, tokenizer, rows))


# ---------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------
def fine_tune(train_rows: list[dict], *, budget_s: float, every_piece: bool = True, freeze_embeddings: bool = True,
              callbacks: tuple = (), **overrides):
    """MiniLM + a new 9-label head, trained with `Trainer` on `train_rows`.

    Returns (model, tokenizer, budget) — budget.elapsed / .cpu_seconds / .stopped_early say how it went.
    overrides: TrainingArguments that replace RECIPE's (the benchmark compares several);
    callbacks: more `TrainerCallback`s (the benchmark scores its development split after every epoch).
    """
    from transformers import (
        AutoModelForTokenClassification,
        AutoTokenizer,
        DataCollatorForTokenClassification,
        Trainer,
        set_seed,
    )

    from ..models.packaged import minilm_folder
    from ..train import ExamplesDataset

    set_seed(SEED)  # the new head starts from the same random weights every time
    folder = minilm_folder()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForTokenClassification.from_pretrained(
        folder, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
        label2id={name: i for i, name in enumerate(LABELS)}, use_safetensors=True)
    if freeze_embeddings:
        # The word embeddings (11.7 M of MiniLM's 22.7 M weights) stay as pretrained: it is cheaper,
        # and a word the training sentences never showed keeps the meaning MiniLM learned for it.
        model.get_input_embeddings().weight.requires_grad_(False)
    train_set = ExamplesDataset(encode(tokenizer, train_rows, every_piece=every_piece))
    budget = TimeBudget(budget_s)
    settings = {**RECIPE, **overrides}
    with tempfile.TemporaryDirectory(prefix="hflab-ner-") as scratch, cpu_threads(torch.get_num_threads()):
        trainer = Trainer(model=model, train_dataset=train_set, callbacks=[budget, *callbacks],
                          data_collator=DataCollatorForTokenClassification(tokenizer),
                          args=training_arguments(scratch, train_sampling_strategy="group_by_length",
                                                  **settings))
        trainer.train()
    model.eval()
    return model, tokenizer, budget


def build(out_dir, budget_s: float = BUILD_BUDGET_S) -> dict:
    """Train `minilm-ner` on data/ner/train.jsonl, score it and the stand-in once on test, save all in out_dir."""
    from .. import models

    started, cpu_started = time.monotonic(), time.process_time()
    train_rows, test_rows = ner_rows("train"), ner_rows("test")
    model, tokenizer, budget = fine_tune(train_rows, budget_s=budget_s)
    with cpu_threads(torch.get_num_threads()):
        test = score(model, tokenizer, test_rows)  # the test split's one and only use
        standin = models.load(STANDIN, offline=True, quiet=True)
        standin_test = score(standin.model, standin.processor, test_rows)
    return finish_build(out_dir, model, tokenizer, {
        "model": "minilm-ner", "test": test, "standin": STANDIN, "standin_test": standin_test,
        "standin_note": "a random BERT with CoNLL-2003's nine labels: the same tag names, untrained weights",
        "train_examples": len(train_rows), "test_examples": len(test_rows),
        "torch_threads": torch.get_num_threads(), "seed": SEED, "labels": LABELS,
        "recipe": ("MiniLM (all-MiniLM-L6-v2) + a linear token head, word embeddings frozen, every word piece "
                   f"labelled, {RECIPE['num_train_epochs']} epochs, learning rate {RECIPE['learning_rate']}, "
                   f"batch {RECIPE['per_device_train_batch_size']}, max {MAX_LENGTH} pieces; settings chosen on a "
                   "development split of train's own templates and names (benchmarks/recipe_ner.py)"),
    }, started=started, cpu_started=cpu_started, budget=budget)
