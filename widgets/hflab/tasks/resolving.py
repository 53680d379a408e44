"""`model=` -> a `Loaded` record (the model, its preprocessing parts, where they came from), via the catalog.

Done once, when a pipeline is built, so calls pay nothing for it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..models import Loaded, UnknownModelError, catalog, default_for, load, loaded_of, resolve
from .errors import InputError
from .table import TASKS

PART_NAMES = ("tokenizer", "image_processor", "feature_extractor")


def resolve_model(task: str, model=None, *, tokenizer=None, processor=None, image_processor=None,
                  feature_extractor=None) -> Loaded:
    """None -> the task's default; a key, Hub id or folder -> hflab.models.load; a Loaded or a model object."""
    given = {"tokenizer": tokenizer, "image_processor": image_processor, "feature_extractor": feature_extractor}
    if model is None:
        loaded = _load(default_for(task).key, task)
    elif isinstance(model, Loaded):
        loaded = model
    elif isinstance(model, (str, Path)):
        loaded = _load(str(model), task)
    elif hasattr(model, "config") and hasattr(model, "forward"):
        loaded = _record_of(model, processor, given)
    else:
        raise InputError(f"model= has type {type(model).__name__}.",
                         "pass a catalog key (see hflab.models.catalog()), a Hub id, a folder, "
                         "a Loaded from hflab.models.load() or a transformers model object.")
    parts = {name: part for name, part in given.items() if part is not None}
    if processor is not None or parts:  # what the caller passes wins; the cached record stays as it was
        loaded = dataclasses.replace(loaded, processor=processor if processor is not None else loaded.processor,
                                     parts={**loaded.parts, **parts})
    return loaded


def _record_of(model, processor, given) -> Loaded:
    """A model object: hflab's own record when hflab loaded it (so a stand-in still says so), else a new one."""
    known = loaded_of(model)
    if known is not None:
        return known
    if processor is None and all(part is None for part in given.values()):
        processor = _processor_beside(model)
    return Loaded(model, processor)


def _model_class_for(task: str, entry) -> str | None:
    """The Auto class to load `entry` with for `task` (None: the entry's own class)."""
    if entry is None or entry.serves(task):
        return None
    return TASKS[task].model_class


def _load(name: str, task: str) -> Loaded:
    model_class = _model_class_for(task, resolve(name))
    try:
        return load(name, task=task, model_class=model_class)
    except UnknownModelError as err:
        raise InputError(str(err), "pick a model from hflab.models.catalog(task) or pass a local folder.") from None
    except ValueError as err:
        if "Unrecognized configuration class" not in str(err):
            raise
        # transformers' answer lists ~40 config classes; what the learner needs is which models can do the task
        keys = ", ".join(repr(e.key) for e in catalog(task)) or "none offline"
        raise InputError(f"{name} cannot do {task}: its architecture has no {model_class} head.",
                         f"pick a model made for {task} (offline: {keys}; online: e.g. "
                         f"{TASKS[task].default_hub_id!r}).") from None



def _processor_beside(model):
    """A model object given alone: its processor from the folder it was loaded from, if local."""
    import transformers

    where = getattr(model, "name_or_path", "") or getattr(model.config, "_name_or_path", "")
    if where and Path(where).is_dir():
        for cls in ("AutoProcessor", "AutoTokenizer", "AutoImageProcessor", "AutoFeatureExtractor"):
            try:
                return getattr(transformers, cls).from_pretrained(where)
            except (OSError, ValueError, KeyError, TypeError):
                continue
    raise InputError("A model object was given without its tokenizer or processor.",
                     "pass tokenizer=... (text), image_processor=... (images), feature_extractor=... (audio) "
                     "or processor=..., or pass a catalog key or a Loaded from hflab.models.load().")
