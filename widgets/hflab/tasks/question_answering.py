"""Extractive question answering, which transformers v5 dropped as a pipeline, on AutoModelForQuestionAnswering.

    >>> qa = hflab.pipeline("question-answering")
    >>> qa(question="What is the name of the repository?",
    ...    context="The name of the repository is huggingface/transformers")
    {'score': 0.93, 'start': 30, 'end': 54, 'answer': 'huggingface/transformers'}

The answer is always a slice of the context: ``context[start:end] == answer``. A context longer
than the model reads is cut into overlapping windows (``doc_stride`` tokens shared), and the
best span over all windows wins, as in transformers v4.
"""

from __future__ import annotations

import inspect

from .base import TaskPipeline, unknown_options
from .errors import InputError
from .text import check_text

PREPROCESS_OPTIONS = ("max_seq_len", "doc_stride")
POSTPROCESS_OPTIONS = ("top_k", "max_answer_len", "handle_impossible_answer", "align_to_words")


class QuestionAnsweringPipeline(TaskPipeline):
    """qa(question=..., context=...) -> {score, start, end, answer}; lists or dicts give a list back.

    The steps, as transformers v4's own QA pipeline: `preprocess` cuts the context into windows
    of `max_seq_len` tokens, `_forward` scores every token as an answer's start and end,
    `postprocess` picks the best spans over all windows and maps them back to characters.
    """

    def _setup(self) -> None:
        if self.tokenizer is None or not getattr(self.tokenizer, "is_fast", False):
            raise InputError("question-answering needs a fast tokenizer (it maps tokens back to characters).",
                             "load the model with its tokenizer.json, e.g. a catalog key like 'distilbert-squad'.")
        self._forward_args = set(inspect.signature(self.model.forward).parameters)
        self._question_first = self.tokenizer.padding_side == "right"

    def _gather_inputs(self, inputs=None, *args, kwargs: dict):
        """Every v4 call form: qa(question=, context=), qa(q, c), qa({...}), qa([{...}, ...]), lists of questions."""
        args = ((inputs,) if inputs is not None else ()) + args
        pairs, single = _examples(args, kwargs)
        return pairs, not single

    def _sanitize_parameters(self, **options):
        unknown_options(self.task_name, options, PREPROCESS_OPTIONS + POSTPROCESS_OPTIONS,
                        "call it as qa(question=..., context=...), with options such as top_k=3")
        preprocess = {k: v for k, v in options.items() if k in PREPROCESS_OPTIONS}
        postprocess = {k: v for k, v in options.items() if k in POSTPROCESS_OPTIONS}
        return preprocess, {}, postprocess

    def preprocess(self, pair, max_seq_len: int = 384, doc_stride: int = 128):
        """(question, context) -> the tokenized windows over the context."""
        question, context = pair
        tok = self.tokenizer
        max_seq_len = min(max_seq_len, tok.model_max_length or max_seq_len)
        question_len = len(tok(question, add_special_tokens=False)["input_ids"])
        room = max_seq_len - question_len - tok.num_special_tokens_to_add(pair=True)
        if room < 8:
            raise InputError(f"The question is {question_len} tokens long; the model reads {max_seq_len} in all.",
                             "ask a shorter question.")
        doc_stride = min(doc_stride, room // 2)  # the tokenizer needs room for new tokens in each window
        first, second = (question, context) if self._question_first else (context, question)
        encoding = tok(first, second, truncation="only_second" if self._question_first else "only_first",
                       max_length=max_seq_len, stride=doc_stride, return_overflowing_tokens=True,
                       return_offsets_mapping=True, padding=True, return_tensors="pt")
        encoding.pop("overflow_to_sample_mapping", None)
        return {"encoding": encoding, "context": context, "context_index": 1 if self._question_first else 0}

    def _forward(self, model_inputs):
        """Start and end logits for every token of every window: [windows, tokens] each."""
        import torch

        encoding = model_inputs["encoding"]
        with torch.no_grad():
            output = self.model(**{k: v for k, v in encoding.items() if k in self._forward_args})
        return {**model_inputs, "start_logits": output.start_logits, "end_logits": output.end_logits}

    def postprocess(self, outputs, top_k: int = 1, max_answer_len: int = 15, handle_impossible_answer: bool = False,
                    align_to_words: bool = True):
        """The best `top_k` spans of the context, as v4 dicts."""
        encoding, context, context_index = outputs["encoding"], outputs["context"], outputs["context_index"]
        candidates, null_score = [], None
        for feature in range(encoding["input_ids"].shape[0]):
            # extra candidates: word alignment can map several token spans onto one answer
            spans, null = _best_spans(encoding, feature, context_index, outputs["start_logits"][feature],
                                      outputs["end_logits"][feature], 3 * top_k + 5, max_answer_len)
            null_score = null if null_score is None else min(null_score, null)
            for score, s, e in spans:
                start, end = _char_span(encoding, feature, s, e, context_index, align_to_words)
                candidates.append((score, start, end))
        answers = _top_unique(candidates, top_k, context)
        if handle_impossible_answer and null_score is not None and (not answers or null_score > answers[0]["score"]):
            answers = [{"score": null_score, "start": 0, "end": 0, "answer": ""}] + answers[: top_k - 1]
        if not answers:
            answers = [{"score": 0.0, "start": 0, "end": 0, "answer": ""}]
        return answers[0] if top_k == 1 else answers


def _examples(args, kwargs):
    """All the v4 call forms -> ([(question, context), ...], single?)."""
    question, context = kwargs.pop("question", None), kwargs.pop("context", None)
    for name in ("X", "data"):  # v4's old names for the positional input
        if name in kwargs:
            args = (kwargs.pop(name),) + args
    if question is None and len(args) == 2 and all(isinstance(a, str) for a in args):
        question, context = args
    elif question is None and len(args) == 1:
        item = args[0]
        if isinstance(item, dict):
            return [_pair(item)], True
        if isinstance(item, (list, tuple)) and item and all(isinstance(i, dict) for i in item):
            return [_pair(i) for i in item], False
        raise InputError(f"question-answering cannot read a {type(item).__name__}.",
                         "call it as qa(question='...', context='...') or with {'question':..., 'context':...}.")
    elif args:
        raise InputError("question-answering got positional arguments it cannot read.",
                         "call it as qa(question='...', context='...').")
    if question is None or context is None:
        raise InputError("question-answering needs both a question and a context.",
                         "call it as qa(question='Who?', context='The text that holds the answer.').")
    if isinstance(question, str) and isinstance(context, str):
        return [(check_text(question, "question"), check_text(context, "context"))], True
    questions = list(question) if isinstance(question, (list, tuple)) else None
    contexts = list(context) if isinstance(context, (list, tuple)) else None
    if questions is not None and contexts is None:
        contexts = [context] * len(questions)
    elif contexts is not None and questions is None:
        questions = [question] * len(contexts)
    if questions is None or len(questions) != len(contexts) or not questions:
        raise InputError("question and context lists must be non-empty and the same length.",
                         "pass one context per question (or one context for all questions).")
    return [(check_text(q, "question"), check_text(c, "context")) for q, c in zip(questions, contexts, strict=True)], False


def _pair(item: dict):
    if "question" not in item or "context" not in item:
        raise InputError(f"A question-answering dict needs 'question' and 'context' keys, got {sorted(item)}.",
                         "pass {'question': '...', 'context': '...'}.")
    return check_text(item["question"], "question"), check_text(item["context"], "context")


def _best_spans(encoding, feature, context_index, start_logits, end_logits, top_k, max_answer_len):
    """[(score, start_token, end_token)] inside the context of one window, and the no-answer score."""
    import torch

    sequence_ids = encoding.sequence_ids(feature)
    outside = torch.tensor([s != context_index for s in sequence_ids])  # [tokens]
    cls_index = 0
    start = start_logits.masked_fill(outside, float("-inf"))
    end = end_logits.masked_fill(outside, float("-inf"))
    if bool(outside.all()):
        return [], None
    start_p, end_p = start.softmax(-1), end.softmax(-1)  # [tokens]
    null = float(start_logits.softmax(-1)[cls_index] * end_logits.softmax(-1)[cls_index])
    scores = start_p[:, None] * end_p[None, :]  # [start, end]
    # only end >= start, and at most max_answer_len tokens
    scores = torch.triu(scores) - torch.triu(scores, diagonal=max_answer_len)
    k = min(top_k, int((scores > 0).sum()) or 1)
    best = torch.topk(scores.flatten(), k)
    n = scores.shape[1]
    return [(float(v), int(i) // n, int(i) % n) for v, i in zip(best.values, best.indices, strict=True) if v > 0], null


def _char_span(encoding, feature, start_token, end_token, context_index, align_to_words):
    """Token span -> character span in the context (whole words when align_to_words)."""
    offsets = encoding["offset_mapping"][feature]
    start, end = int(offsets[start_token][0]), int(offsets[end_token][1])
    if align_to_words:
        start_word = encoding.token_to_word(feature, start_token)
        end_word = encoding.token_to_word(feature, end_token)
        if start_word is not None and end_word is not None:
            start = encoding.word_to_chars(feature, start_word, sequence_index=context_index)[0]
            end = encoding.word_to_chars(feature, end_word, sequence_index=context_index)[1]
    return start, end


def _top_unique(candidates, top_k, context):
    """The best `top_k` distinct character spans, as v4 answer dicts."""
    answers, seen = [], set()
    for score, start, end in sorted(candidates, key=lambda c: -c[0]):
        if (start, end) in seen:
            continue
        seen.add((start, end))
        answers.append({"score": score, "start": start, "end": end, "answer": context[start:end]})
        if len(answers) == top_k:
            break
    return answers
