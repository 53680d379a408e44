"""`hflab.pipeline(task, model=None, **kwargs)`: a drop-in for `transformers.pipeline`."""

from __future__ import annotations

import importlib

from ..models import Loaded, resolve
from .base import TaskPipeline
from .errors import InputError
from .native import NativePipeline
from .resolving import resolve_model
from .table import TASKS, UnknownTaskError, normalize_task


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
    loaded = resolve_model(name, model, tokenizer=tokenizer, processor=processor,
                           image_processor=image_processor, feature_extractor=feature_extractor)
    cls = pipeline_class(name, loaded)
    try:
        return cls(name, loaded, task_name=task if isinstance(task, str) else name, **kwargs)
    except TypeError as err:  # an argument the task does not take
        raise InputError(f"pipeline({name!r}) got an argument it does not take: {err}.",
                         "check the keyword names against the task's documentation.") from None


def pipeline_class(task: str, loaded: Loaded | None = None) -> type[TaskPipeline]:
    """The class that runs `task`: hflab's own where v5 has no pipeline (the table names it), else NativePipeline.

    A class whose model decides may say so with `for_model(loaded)` (fill-mask: a causal LM gets hflab's
    candidate scoring, a masked LM transformers' own pipeline).
    """
    where = TASKS[task].pipeline_class
    if where is None:
        return NativePipeline
    module, _, name = where.partition(":")
    cls = getattr(importlib.import_module(module, package=__package__), name)
    return cls.for_model(loaded) if loaded is not None and hasattr(cls, "for_model") else cls


def _task_name(task, model) -> str:
    if task is None:
        entry = _entry_of(model)
        if entry is None:
            raise InputError("No task given, and the model does not say which task it does.",
                             "pass the task first, e.g. pipeline('sentiment-analysis', model=...).")
        task = entry.task
    try:
        return normalize_task(task)
    except UnknownTaskError as err:
        raise InputError(str(err), "pick one of the task names listed above.") from None


def _entry_of(model):
    if isinstance(model, Loaded):
        return resolve(model.key) if model.key else None
    if isinstance(model, str):
        return resolve(model)
    return None
