"""Extractive question answering trained here: the real MiniLM encoder + a start/end head, fine-tuned on
the course's SQuAD-style questions (data/qa/, written by data/make_qa.py).

    >>> qa = hflab.pipeline("question-answering", model="minilm-qa")
    >>> qa(question="What is the name of the repository?",
    ...    context="The name of the repository is huggingface/transformers")
    {'score': ..., 'start': 30, 'end': 54, 'answer': 'huggingface/transformers'}

The model reads "[CLS] question [SEP] context [SEP]" and scores every context token twice: as the
answer's first token (start logit) and as its last (end logit). Training shows it the right pair;
the pipeline picks the best-scoring span and cuts it out of the original context by character
offsets, so the answer keeps the context's capitals even though the tokenizer lowercases.

Scored as SQuAD is: exact match and token F1 after normalising both answers (lowercase, no
punctuation, no articles), on the test split, whose names, numbers and wordings train never shows.
"""

from __future__ import annotations

import collections
import json
import re
import string
import tempfile
import time
from pathlib import Path

import torch

from ..train import (
    BUILD_BUDGET_S,
    SEED,
    ExamplesDataset,
    TimeBudget,
    cpu_threads,
    finish_build,
    training_arguments,
)

MODEL_KEY = "minilm-qa"
STANDIN_KEY = "distilbert-squad"
MAX_LENGTH = 128  # the longest question + context in data/qa/ is 84 tokens

# Chosen on a held-out slice of TRAIN (benchmarks/recipe_qa.py); the test split is scored once, in build().
# chosen on the held-out fifth of train (benchmarks/recipe_qa.py): 2 epochs at 2e-4 -> EM 0.922 / F1 0.933,
# 1 epoch at 3e-4 -> 0.728 / 0.761; the second epoch costs about twice the time and is worth it
RECIPE = dict(learning_rate=2e-4, num_train_epochs=2, per_device_train_batch_size=32, frozen_layers=2)


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------
def qa_rows(split: str = "train") -> list[dict]:
    """The course's questions: [{"id", "context", "question", "answers": {"text", "answer_start"}, "kind"}]."""
    from .._paths import data_path

    if split not in ("train", "test"):
        raise ValueError(f'split must be "train" or "test", not {split!r}')
    with open(data_path("qa", f"{split}.jsonl"), encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def answer_tokens(encoding, index: int, start_char: int, end_char: int) -> tuple[int, int]:
    """The first and last token of the answer's characters, or (0, 0) — [CLS] — if it was cut off."""
    sequence_ids = encoding.sequence_ids(index)
    offsets = encoding["offset_mapping"][index]
    context = [i for i, s in enumerate(sequence_ids) if s == 1]
    if not context or offsets[context[0]][0] > start_char or offsets[context[-1]][1] < end_char:
        return 0, 0
    start = next(i for i in context if offsets[i][1] > start_char)
    end = next(i for i in reversed(context) if offsets[i][0] < end_char)
    return start, end


def qa_dataset(tokenizer, rows: list[dict], max_length: int = MAX_LENGTH) -> ExamplesDataset:
    """Tokenized pairs: each item {"input_ids", "token_type_ids", "attention_mask", "start_positions", "end_positions"}."""
    encoding = tokenizer([r["question"] for r in rows], [r["context"] for r in rows], truncation="only_second",
                         max_length=max_length, return_offsets_mapping=True)
    examples = []
    for index, row in enumerate(rows):
        start_char = row["answers"]["answer_start"][0]
        start, end = answer_tokens(encoding, index, start_char, start_char + len(row["answers"]["text"][0]))
        item = {key: encoding[key][index] for key in encoding if key != "offset_mapping"}
        examples.append({**item, "start_positions": start, "end_positions": end})
    return ExamplesDataset(examples)


# ---------------------------------------------------------------------------------------------
# metrics (SQuAD v1.1's, written out)
# ---------------------------------------------------------------------------------------------
def normalize_answer(text: str) -> str:
    """Lowercase, drop punctuation and the articles a/an/the, squeeze spaces: 'The Lisbon Fair!' -> 'lisbon fair'."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def exact_match(prediction: str, truth: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(truth))


def token_f1(prediction: str, truth: str) -> float:
    """Overlap of the two answers' words: harmonic mean of precision and recall (0 when nothing is shared)."""
    predicted, true = normalize_answer(prediction).split(), normalize_answer(truth).split()
    if not predicted or not true:
        return float(predicted == true)
    shared = sum((collections.Counter(predicted) & collections.Counter(true)).values())
    if shared == 0:
        return 0.0
    precision, recall = shared / len(predicted), shared / len(true)
    return 2 * precision * recall / (precision + recall)


def squad_scores(predictions: list[str], rows: list[dict]) -> dict:
    """{"exact_match", "f1"} averaged over the questions; each takes the best over its gold answers."""
    em = [max(exact_match(p, t) for t in r["answers"]["text"]) for p, r in zip(predictions, rows, strict=True)]
    f1 = [max(token_f1(p, t) for t in r["answers"]["text"]) for p, r in zip(predictions, rows, strict=True)]
    return {"exact_match": round(sum(em) / len(em), 4), "f1": round(sum(f1) / len(f1), 4)}


def answer_all(qa, rows: list[dict]) -> list[str]:
    """What `qa` (hflab's question-answering pipeline) answers to every row, as a learner would ask it."""
    return [qa(question=r["question"], context=r["context"])["answer"] for r in rows]


def score_pipeline(qa, rows: list[dict]) -> tuple[dict, dict]:
    """(overall {"exact_match", "f1"}, the same per kind of context) of `qa` on `rows`."""
    with cpu_threads(1):  # one question at a time: a single thread beats two that wait for each other
        predictions = answer_all(qa, rows)
    by_kind = {}
    for kind in sorted({r["kind"] for r in rows}):
        chosen = [i for i, r in enumerate(rows) if r["kind"] == kind]
        by_kind[kind] = squad_scores([predictions[i] for i in chosen], [rows[i] for i in chosen])
    return squad_scores(predictions, rows), by_kind


# ---------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------
def minilm_for_qa(frozen_layers: int = RECIPE["frozen_layers"]):
    """(model, tokenizer): packaged MiniLM with a new start/end head; embeddings and the lowest layers frozen."""
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer, set_seed

    from ..models.packaged import minilm_folder

    set_seed(SEED)  # the new head starts from the same random weights every time
    folder = minilm_folder()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForQuestionAnswering.from_pretrained(folder, use_safetensors=True)
    # Frozen parts need no backward pass: the embeddings (half of MiniLM's weights) and the lowest
    # layers stay as pretrained. benchmarks/recipe_qa.py measured what that costs in accuracy.
    model.base_model.embeddings.requires_grad_(False)
    for layer in model.base_model.encoder.layer[:frozen_layers]:
        layer.requires_grad_(False)
    return model, tokenizer


def train_reader(model, train_set, collator, *, budget_s: float, learning_rate: float, num_train_epochs: float,
                 per_device_train_batch_size: int, **_ignored) -> dict:
    """Fine-tune an extractive reader (this module's and docqa's) on `train_set` with Trainer.

    Returns {"seconds", "cpu_seconds", "stopped_by_budget", "epochs"}.
    """
    from transformers import Trainer, set_seed

    set_seed(SEED)
    budget = TimeBudget(budget_s)
    with tempfile.TemporaryDirectory(prefix="hflab-reader-") as scratch:
        args = training_arguments(scratch, learning_rate=learning_rate, num_train_epochs=num_train_epochs,
                                  per_device_train_batch_size=per_device_train_batch_size, weight_decay=0.01,
                                  warmup_steps=0.1, disable_tqdm=True,
                                  # inputs of similar length share a batch: less padding, less wasted compute
                                  train_sampling_strategy="group_by_length")
        trainer = Trainer(model=model, args=args, train_dataset=train_set, data_collator=collator,
                          callbacks=[budget])
        trainer.train()
    model.eval()
    return {"seconds": round(budget.elapsed, 1), "cpu_seconds": round(budget.cpu_seconds, 1),
            "stopped_by_budget": budget.stopped_early, "epochs": round(float(trainer.state.epoch or 0), 2)}


def train_qa(model, tokenizer, train_rows: list[dict], *, budget_s: float, **recipe) -> dict:
    """Fine-tune `model` on `train_rows` with Trainer; returns {"seconds", "cpu_seconds", "stopped_by_budget", "epochs"}."""
    from transformers import DataCollatorWithPadding

    return train_reader(model, qa_dataset(tokenizer, train_rows), DataCollatorWithPadding(tokenizer),
                        budget_s=budget_s, **recipe)


def build(out_dir, budget_s: float = BUILD_BUDGET_S) -> dict:
    """Train minilm-qa on data/qa/train.jsonl, score it and the stand-in on test.jsonl, save into `out_dir`."""
    import hflab
    from hflab import models

    started, cpu_started = time.monotonic(), time.process_time()
    out_dir = Path(out_dir)
    threads = torch.get_num_threads()  # every core torch would use anyway: the same machine trains the same model
    with cpu_threads(threads):
        model, tokenizer = minilm_for_qa(RECIPE["frozen_layers"])
        training = train_qa(model, tokenizer, qa_rows("train"), budget_s=budget_s, **RECIPE)
        test_rows = qa_rows("test")  # its one and only use: the figures below
        test, test_by_kind = score_pipeline(
            hflab.pipeline("question-answering", model=model, tokenizer=tokenizer), test_rows)
        standin = models.load(STANDIN_KEY, offline=True, quiet=True)
        standin_test, _ = score_pipeline(hflab.pipeline("question-answering", model=standin), test_rows)
    return finish_build(out_dir, model, tokenizer, {
        "model": MODEL_KEY, "test": test, "test_by_kind": test_by_kind,
        "standin": STANDIN_KEY, "standin_test": standin_test,
        "standin_note": "random weights: its spans are guesses",
        "train_seconds": training["seconds"], "train_cpu_seconds": training["cpu_seconds"],
        "stopped_by_budget": training["stopped_by_budget"], "epochs": training["epochs"],
        "train_examples": len(qa_rows("train")), "test_examples": len(test_rows),
        "seed": SEED, "torch_threads": threads, "max_length": MAX_LENGTH,
        "recipe": (f"MiniLM-L6 (packaged all-MiniLM-L6-v2) + a start/end head, word embeddings and the lowest "
                   f"{RECIPE['frozen_layers']} layers frozen, {RECIPE['num_train_epochs']} epochs, lr "
                   f"{RECIPE['learning_rate']}, batch {RECIPE['per_device_train_batch_size']}; settings chosen on "
                   "a held-out slice of the train contexts (benchmarks/recipe_qa.py)"),
    }, started=started, cpu_started=cpu_started, size_of="files")
