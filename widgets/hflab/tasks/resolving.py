"""`model=` -> the model object and its preprocessing parts, through hflab's catalog.

Done once, when a pipeline is built, so calls pay nothing for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError

SEQ2SEQ_TASKS = ("summarization", "translation", "text2text-generation")


@dataclass
class Resolved:
    """The model and the parts a pipeline needs, plus where they came from."""

    model: Any
    processor: Any  # what load() gave: a tokenizer, an image processor, a feature extractor or a processor
    tokenizer: Any = None
    image_processor: Any = None
    feature_extractor: Any = None
    key: str | None = None
    hub_id: str | None = None
    source: str = "object"  # "hub", "packaged", "trained", "tiny", "local" or "object" (given by the caller)

    @property
    def is_standin(self) -> bool:
        return self.source == "tiny"


def resolve_model(task: str, model=None, *, tokenizer=None, processor=None, image_processor=None,
                  feature_extractor=None) -> Resolved:
    """None -> the task's default; a key, Hub id or folder -> hflab.models.load; a Loaded or a model object."""
    from .. import models

    if model is None:
        loaded = _load(models.default_for(task).key, task)
    elif isinstance(model, models.Loaded):
        loaded = model
    elif isinstance(model, (str, Path)):
        loaded = _load(str(model), task)
    elif hasattr(model, "config") and hasattr(model, "forward"):
        loaded = None
    else:
        raise InputError(f"model= has type {type(model).__name__}.",
                         "pass a catalog key (see hflab.models.catalog()), a Hub id, a folder, "
                         "a Loaded from hflab.models.load() or a transformers model object.")
    if loaded is not None:
        resolved = Resolved(loaded.model, loaded.processor, key=loaded.key, hub_id=loaded.hub_id,
                            source=loaded.source)
    else:
        given = processor or tokenizer or image_processor or feature_extractor
        resolved = Resolved(model, given if given is not None else _processor_beside(model))
    _split_processor(resolved)
    for name, part in (("tokenizer", tokenizer), ("image_processor", image_processor),
                       ("feature_extractor", feature_extractor)):
        if part is not None:  # what the caller passes wins
            setattr(resolved, name, part)
    if processor is not None:
        resolved.processor = processor
    return resolved


def _model_class_for(task: str, entry) -> str | None:
    """The Auto class to load `entry` with for `task` (None: the entry's own class)."""
    from ..models import _TASK_MODEL_CLASS

    if entry is None or entry.task == task:
        return None
    if task in SEQ2SEQ_TASKS and entry.model_class == "AutoModelForSeq2SeqLM":
        return None
    return _TASK_MODEL_CLASS.get(task)


def _load(name: str, task: str):
    from .. import models

    entry = models.resolve(name)
    try:
        return models.load(name, task=task, model_class=_model_class_for(task, entry))
    except models.UnknownModelError as err:
        raise InputError(str(err), "pick a model from hflab.models.catalog(task) or pass a local folder.") from None


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


def _split_processor(resolved: Resolved) -> None:
    """Fill .tokenizer / .image_processor / .feature_extractor from whatever .processor is."""
    from transformers import PreTrainedTokenizerBase
    from transformers.feature_extraction_utils import FeatureExtractionMixin
    from transformers.image_processing_utils import ImageProcessingMixin

    proc = resolved.processor
    if isinstance(proc, PreTrainedTokenizerBase):
        resolved.tokenizer = proc
    elif isinstance(proc, ImageProcessingMixin):
        resolved.image_processor = proc
    elif isinstance(proc, FeatureExtractionMixin):
        resolved.feature_extractor = proc
    elif proc is not None:  # a ProcessorMixin bundles several
        resolved.tokenizer = getattr(proc, "tokenizer", None)
        resolved.image_processor = getattr(proc, "image_processor", None)
        resolved.feature_extractor = getattr(proc, "feature_extractor", None)
