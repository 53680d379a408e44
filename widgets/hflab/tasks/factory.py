"""`hflab.pipeline(task, model=None, **kwargs)`: a drop-in for `transformers.pipeline`."""

from __future__ import annotations

from .base import TaskPipeline
from .captioning import CaptioningPipeline
from .errors import InputError
from .native import NATIVE_TASKS, NativePipeline
from .question_answering import QuestionAnsweringPipeline
from .resolving import resolve_model
from .seq2seq import Seq2SeqPipeline

# tasks transformers v5 no longer has as pipelines, run here on the Auto classes it kept
REIMPLEMENTED = {
    "question-answering": QuestionAnsweringPipeline,
    "summarization": Seq2SeqPipeline,
    "translation": Seq2SeqPipeline,
    "text2text-generation": Seq2SeqPipeline,
    "image-to-text": CaptioningPipeline,
}


def pipeline(task: str | None = None, model=None, *, tokenizer=None, processor=None, image_processor=None,
             feature_extractor=None, **kwargs) -> TaskPipeline:
    """A ready-to-call pipeline for `task`, with v4's output format for every task of the course.

    task:  a transformers task name or alias ("sentiment-analysis", "ner", "translation_en_to_fr", ...).
    model: None (the task's default), a catalog key ("gpt2"), a Hub id ("openai-community/gpt2"),
           a local folder, a `hflab.models.load(...)` result, or a model object (then pass its
           tokenizer= / image_processor= / feature_extractor= / processor= too).
    kwargs: passed on, as transformers.pipeline would (e.g. top_k=3, aggregation_strategy="simple").

    Offline, Hub ids resolve to hflab's packaged, trained or stand-in models; `.is_standin` says
    when a random stand-in answers (right format, meaningless values).
    """
    name = _task_name(task, model)
    resolved = resolve_model(name, model, tokenizer=tokenizer, processor=processor,
                             image_processor=image_processor, feature_extractor=feature_extractor)
    cls = REIMPLEMENTED.get(name, NativePipeline)
    try:
        return cls(name, resolved, task_name=task if isinstance(task, str) else name, **kwargs)
    except TypeError as err:  # an argument the task does not take
        raise InputError(f"pipeline({name!r}) got an argument it does not take: {err}.",
                         "check the keyword names against the task's documentation.") from None


def _task_name(task, model) -> str:
    from ..task_names import UnknownTaskError, normalize_task

    if task is None:
        entry = _entry_of(model)
        if entry is None:
            raise InputError("No task given, and the model does not say which task it does.",
                             "pass the task first, e.g. pipeline('sentiment-analysis', model=...).")
        task = entry.task
    try:
        name = normalize_task(task)
    except UnknownTaskError as err:
        raise InputError(str(err), "pick one of the task names listed above.") from None
    if name not in NATIVE_TASKS and name not in REIMPLEMENTED:
        raise InputError(f"hflab.pipeline does not run {name!r}.",
                         f"use one of: {', '.join(sorted(NATIVE_TASKS + tuple(REIMPLEMENTED)))}.")
    return name


def _entry_of(model):
    from .. import models

    if isinstance(model, models.Loaded):
        return models.resolve(model.key)
    if isinstance(model, str):
        return models.resolve(model)
    return None
