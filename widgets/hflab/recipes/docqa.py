"""Document question answering trained here: LayoutLM whose text weights are the real MiniLM's,
fine-tuned on invoices and receipts the course renders and reads with tesseract (data/docqa/,
written by data/make_docqa.py).

    >>> dqa = hflab.pipeline("document-question-answering", model="layoutlm-docs")
    >>> dqa(image=hflab.data_path("documents", "invoice.png"), question="What is the total amount?")
    [{'score': ..., 'answer': '17,000', 'start': ..., 'end': ...}]

LayoutLM is BERT plus four more embedding tables for where each word sits on the page: its box's
left, top, right and bottom edge (x, y on a 0..1000 grid) and its height and width. MiniLM shares
BERT's vocabulary and shape, so every text weight (word, position and token-type embeddings, the
embedding LayerNorm, the six encoder layers) is copied from it. The 2-D tables are new and start at
zero: before training the model reads a page exactly as MiniLM would, and training teaches it where
on the page answers sit.

The model reads "[CLS] question words [SEP] OCR words [SEP]" (each OCR word with its box) and scores
every document token as the answer's first and last token; like the pipeline, we decode the best
span of at most 15 tokens and answer with the OCR words it covers. Scored as exact match after
SQuAD's normalisation, on test documents whose layouts, vendors, customers and values train never
shows.
"""

from __future__ import annotations

import json
import re
import string
import time
from pathlib import Path

import numpy as np
import torch

from ..train import (
    BUILD_BUDGET_S,
    SEED,
    ExamplesDataset,
    cpu_threads,
    finish_build,
)
from .qa import train_reader

MODEL_KEY = "layoutlm-docs"
STANDIN_KEY = "layoutlm-invoices"
MAX_LENGTH = 512  # what the pipeline reads in one window (MiniLM's position table); our pages need far less
MAX_ANSWER_TOKENS = 15  # the pipeline's max_answer_len
SEP_BOX, OTHER_BOX = [1000] * 4, [0] * 4  # the boxes the pipeline gives [SEP] and question/[CLS] tokens
LAYOUT_TABLES = ("x_position_embeddings", "y_position_embeddings", "h_position_embeddings",
                 "w_position_embeddings")

# One epoch is what the CPU budget allows; the learning rate is to be confirmed on held-out layouts of TRAIN
# (benchmarks/recipe_docqa.py: its run did not finish on the shared machine). Test is scored once, in build().
RECIPE = dict(learning_rate=2e-4, num_train_epochs=1, per_device_train_batch_size=16, frozen_layers=0,
              train_layout=True)


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------
def documents(split: str = "train") -> list[dict]:
    """The rendered documents as tesseract read them: [{"id", "kind", "layout", "font", "words",
    "boxes" (0..1000, one [x0, y0, x1, y1] per word), "qas": [{"field", "question", "answer", "start", "end"}]}]."""
    from .._paths import data_path

    if split not in ("train", "test"):
        raise ValueError(f'split must be "train" or "test", not {split!r}')
    with open(data_path("docqa", f"{split}.jsonl"), encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def questions(docs: list[dict]) -> list[dict]:
    """One row per question: {"question", "answer", "start", "end", "field", "words", "boxes", "doc"}."""
    return [{**qa, "words": d["words"], "boxes": d["boxes"], "doc": d["id"], "layout": d["layout"]}
            for d in docs for qa in d["qas"]]


def encode(tokenizer, question: str, words: list[str], boxes: list[list[int]], max_length: int = MAX_LENGTH,
           stride: int | None = None):
    """Tokenize as the document-QA pipeline does for LayoutLM: the question split on spaces, the OCR
    words as the second sequence, cut into windows of `max_length` tokens. Returns the encoding and,
    per window, its token boxes [tokens, 4]."""
    encoding = tokenizer(text=question.split(), text_pair=words, is_split_into_words=True,
                         truncation="only_second", max_length=max_length,
                         stride=min(max_length // 2, 256) if stride is None else stride,
                         return_overflowing_tokens=True, return_token_type_ids=True)
    encoding.pop("overflow_to_sample_mapping", None)
    token_boxes = []
    for window, ids in enumerate(encoding["input_ids"]):
        token_boxes.append([boxes[word] if sequence == 1 else SEP_BOX if token == tokenizer.sep_token_id
                            else OTHER_BOX for token, sequence, word in
                            zip(ids, encoding.sequence_ids(window), encoding.word_ids(window), strict=True)])
    return encoding, token_boxes


def training_example(tokenizer, row: dict, max_length: int = MAX_LENGTH) -> dict | None:
    """Model inputs plus the answer's first and last token (start/end_positions), or None if it was cut off."""
    encoding, token_boxes = encode(tokenizer, row["question"], row["words"], row["boxes"], max_length)
    word_ids, sequence_ids = encoding.word_ids(0), encoding.sequence_ids(0)
    in_document = [i for i, s in enumerate(sequence_ids) if s == 1]
    starts = [i for i in in_document if word_ids[i] == row["start"]]
    ends = [i for i in in_document if word_ids[i] == row["end"]]
    if not starts or not ends:
        return None
    return {"input_ids": encoding["input_ids"][0], "token_type_ids": encoding["token_type_ids"][0],
            "attention_mask": encoding["attention_mask"][0], "bbox": token_boxes[0],
            "start_positions": starts[0], "end_positions": ends[-1]}


def docqa_dataset(tokenizer, rows: list[dict], max_length: int = MAX_LENGTH) -> ExamplesDataset:
    examples = [training_example(tokenizer, row, max_length) for row in rows]
    return ExamplesDataset([e for e in examples if e is not None])


def pad_batch(items: list[dict]) -> dict:
    """Pad a batch to its longest example: ids/masks with 0, boxes with [0, 0, 0, 0]. Tensors [batch, tokens(, 4)]."""
    longest = max(len(item["input_ids"]) for item in items)
    batch = {}
    for key, filler in (("input_ids", 0), ("token_type_ids", 0), ("attention_mask", 0), ("bbox", OTHER_BOX)):
        batch[key] = torch.tensor([list(item[key]) + [filler] * (longest - len(item[key])) for item in items])
    for key in ("start_positions", "end_positions"):
        if key in items[0]:
            batch[key] = torch.tensor([item[key] for item in items])
    return batch


# ---------------------------------------------------------------------------------------------
# decoding and scoring (the pipeline's own span selection)
# ---------------------------------------------------------------------------------------------
def normalize_answer(text: str) -> str:
    """SQuAD's normalisation: lowercase, no punctuation, no articles, single spaces ('$1,234.50' -> '123450')."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


@torch.no_grad()
def answer_rows(model, tokenizer, rows: list[dict], batch_size: int = 32) -> list[str]:
    """The answer the v5 document-question-answering pipeline would give to each row (its word_boxes
    already OCR'd), computed in batches: each window's best span (`select_starts_ends`, at most
    15 tokens, document tokens only), the best-scoring window wins, and the answer is its words."""
    from transformers.pipelines.document_question_answering import select_starts_ends

    windows = []  # (row index, input dict, p_mask, word_ids)
    for index, row in enumerate(rows):
        encoding, token_boxes = encode(tokenizer, row["question"], row["words"], row["boxes"],
                                       tokenizer.model_max_length)
        for w, ids in enumerate(encoding["input_ids"]):
            p_mask = [s != 1 for s in encoding.sequence_ids(w)]
            for i, token in enumerate(ids):  # the pipeline leaves [CLS] unmasked, as in extractive QA
                if token == tokenizer.cls_token_id:
                    p_mask[i] = False
            item = {"input_ids": ids, "token_type_ids": encoding["token_type_ids"][w],
                    "attention_mask": encoding["attention_mask"][w], "bbox": token_boxes[w]}
            windows.append((index, item, p_mask, encoding.word_ids(w)))
    best: dict[int, tuple[float, str]] = {}
    model.eval()
    for first in range(0, len(windows), batch_size):
        chunk = windows[first:first + batch_size]
        outputs = model(**pad_batch([item for _, item, _, _ in chunk]))
        for row_i, (index, item, p_mask, word_ids) in enumerate(chunk):
            length = len(item["input_ids"])
            starts, ends, scores, _ = select_starts_ends(
                outputs.start_logits[row_i:row_i + 1, :length].numpy(),
                outputs.end_logits[row_i:row_i + 1, :length].numpy(),
                p_mask, np.ones((1, length), dtype=np.int64), max_answer_len=MAX_ANSWER_TOKENS)
            for start, end, score in zip(starts, ends, scores, strict=True):
                if word_ids[start] is None or word_ids[end] is None:
                    continue
                text = " ".join(rows[index]["words"][word_ids[start]:word_ids[end] + 1])
                if index not in best or float(score) > best[index][0]:
                    best[index] = (float(score), text)
    return [best.get(i, (0.0, ""))[1] for i in range(len(rows))]


def exact_match(predictions: list[str], rows: list[dict]) -> float:
    hits = [normalize_answer(p) == normalize_answer(r["answer"]) for p, r in zip(predictions, rows, strict=True)]
    return round(sum(hits) / len(hits), 4)


def score(model, tokenizer, rows: list[dict]) -> tuple[dict, dict]:
    """({"exact_match"}, {field: exact match}) of the model on `rows`, decoded as the pipeline decodes."""
    predictions = answer_rows(model, tokenizer, rows)
    by_field = {}
    for name in sorted({r["field"] for r in rows}):
        chosen = [i for i, r in enumerate(rows) if r["field"] == name]
        by_field[name] = exact_match([predictions[i] for i in chosen], [rows[i] for i in chosen])
    return {"exact_match": exact_match(predictions, rows)}, by_field


# ---------------------------------------------------------------------------------------------
# the model: LayoutLM from MiniLM
# ---------------------------------------------------------------------------------------------
def layoutlm_from_minilm(frozen_layers: int = 0, train_layout: bool = True):
    """(LayoutLMForQuestionAnswering, MiniLM's fast tokenizer): every text weight copied from the packaged
    MiniLM, the four 2-D position tables zero (so it starts as MiniLM), a new start/end head."""
    from transformers import AutoModel, AutoTokenizer, LayoutLMConfig, LayoutLMForQuestionAnswering, set_seed

    from ..models.packaged import minilm_folder

    set_seed(SEED)  # the new head starts from the same random weights every time
    folder = minilm_folder()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    minilm = AutoModel.from_pretrained(folder, use_safetensors=True)
    text = minilm.config
    config = LayoutLMConfig(
        vocab_size=text.vocab_size, hidden_size=text.hidden_size, num_hidden_layers=text.num_hidden_layers,
        num_attention_heads=text.num_attention_heads, intermediate_size=text.intermediate_size,
        hidden_act=text.hidden_act, max_position_embeddings=text.max_position_embeddings,
        type_vocab_size=text.type_vocab_size, layer_norm_eps=text.layer_norm_eps, pad_token_id=text.pad_token_id,
        max_2d_position_embeddings=1024)  # boxes run 0..1000
    model = LayoutLMForQuestionAnswering(config)
    missing, unexpected = model.layoutlm.load_state_dict(minilm.state_dict(), strict=False)
    new = {f"embeddings.{table}.weight" for table in LAYOUT_TABLES}
    if set(missing) - new or unexpected:  # anything else unmatched would be a silently random weight
        raise RuntimeError(f"MiniLM -> LayoutLM: missing {sorted(set(missing) - new)}, unexpected {unexpected}")
    embeddings = model.layoutlm.embeddings
    for table in LAYOUT_TABLES:
        getattr(embeddings, table).weight.data.zero_()
        getattr(embeddings, table).weight.requires_grad_(train_layout)
    # The word embeddings (11.7 M of the 22.7 M weights) stay as pretrained: updating them costs time
    # at every step, and the answers' words are mostly numbers and names it has never seen anyway.
    embeddings.word_embeddings.requires_grad_(False)
    for layer in model.layoutlm.encoder.layer[:frozen_layers]:
        layer.requires_grad_(False)
    tokenizer.model_max_length = MAX_LENGTH
    return model, tokenizer


def train_docqa(model, tokenizer, train_rows: list[dict], *, budget_s: float, **recipe) -> dict:
    """Fine-tune `model` on `train_rows` as qa.train_reader does (pages of similar length share a batch);
    returns {"seconds", "cpu_seconds", "stopped_by_budget", "epochs", "examples"}."""
    dataset = docqa_dataset(tokenizer, train_rows)
    return {**train_reader(model, dataset, pad_batch, budget_s=budget_s, **recipe), "examples": len(dataset)}


def build(out_dir, budget_s: float = BUILD_BUDGET_S) -> dict:
    """Train layoutlm-docs on data/docqa/train.jsonl, score it and the stand-in on test.jsonl, save into `out_dir`."""
    from hflab import models

    started, cpu_started = time.monotonic(), time.process_time()
    out_dir = Path(out_dir)
    threads = torch.get_num_threads()  # every core torch would use anyway: the same machine trains the same model
    with cpu_threads(threads):
        model, tokenizer = layoutlm_from_minilm(RECIPE["frozen_layers"], RECIPE["train_layout"])
        train_rows = questions(documents("train"))
        training = train_docqa(model, tokenizer, train_rows, budget_s=budget_s, **RECIPE)
        test_docs = documents("test")  # its one and only use: the figures below
        test_rows = questions(test_docs)
        test, test_by_field = score(model, tokenizer, test_rows)
        standin = models.load(STANDIN_KEY, offline=True, quiet=True)
        standin_test, _ = score(standin.model, standin.tokenizer, test_rows)
    return finish_build(out_dir, model, tokenizer, {
        "model": MODEL_KEY, "test": test, "test_by_field": test_by_field,
        "standin": STANDIN_KEY, "standin_test": standin_test,
        "standin_note": "random weights and a RoBERTa tokenizer: its spans are guesses",
        "train_seconds": training["seconds"], "train_cpu_seconds": training["cpu_seconds"],
        "stopped_by_budget": training["stopped_by_budget"], "epochs": training["epochs"],
        "train_examples": training["examples"], "train_documents": len(documents("train")),
        "test_examples": len(test_rows), "test_documents": len(test_docs),
        "seed": SEED, "torch_threads": threads,
        "recipe": (f"LayoutLM with MiniLM-L6's text weights (packaged all-MiniLM-L6-v2) and zero-initialised 2-D "
                   f"position tables{'' if RECIPE['train_layout'] else ' (kept at zero)'}, word embeddings "
                   f"frozen{', lowest %d layers frozen' % RECIPE['frozen_layers'] if RECIPE['frozen_layers'] else ''}"
                   f", {RECIPE['num_train_epochs']} epochs, lr {RECIPE['learning_rate']}, batch "
                   f"{RECIPE['per_device_train_batch_size']}; one epoch is what the 2-core CPU budget allows; "
                   "benchmarks/recipe_docqa.py compares settings on held-out layouts of the train split"),
    }, started=started, cpu_started=cpu_started, size_of="files")
