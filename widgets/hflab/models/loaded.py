"""`Loaded`: the one record of "what loaded" — a model, its preprocessing parts, and where they came from.

`hflab.models.load()` gives one back; `hflab.pipeline()` keeps one (`pipe.loaded`) to say what
answered; `trace`, `compare`, `heads` and `tokens` accept one in place of a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PART_NAMES = ("tokenizer", "image_processor", "feature_extractor")


@dataclass
class Loaded:
    """model, processor, key, hub_id, source, task, path; and .tokenizer / .image_processor /
    .feature_extractor, taken from the processor (or given separately, in `parts`).

    source: "hub", "packaged", "trained", "tiny" (a random stand-in), "local" (a folder), or
    "object" (a model object the caller passed, which hflab did not load).
    """

    model: Any
    processor: Any  # a tokenizer, an image processor, a feature extractor, or a processor holding several
    key: str | None = None  # the catalog key (a folder's name for "local")
    hub_id: str | None = None
    source: str = "object"
    task: str | None = None
    path: str | None = None  # the local folder it was read from, or the Hub id
    parts: dict = field(default_factory=dict, repr=False)  # tokenizer= etc. given by the caller: they win
    # the name the caller asked for, when another model answered for it (offline, "real first")
    requested: str | None = None

    @property
    def is_standin(self) -> bool:
        """True for a random stand-in: its outputs have the right format but mean nothing."""
        return self.source == "tiny"

    @property
    def name(self) -> str:
        """How messages name the model: its Hub id, its catalog key, a folder's name — never a long path."""
        return self.hub_id or self.key or model_name(self.model)

    @property
    def tokenizer(self):
        return self._part("tokenizer")

    @property
    def image_processor(self):
        return self._part("image_processor")

    @property
    def feature_extractor(self):
        return self._part("feature_extractor")

    def _part(self, name: str):
        if self.parts.get(name) is not None:
            return self.parts[name]
        return split_processor(self.processor)[name]

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.model.parameters())
        return (f"Loaded(key={self.key!r}, hub_id={self.hub_id!r}, source={self.source!r}, "
                f"model={type(self.model).__name__}, params={n:,}, processor={type(self.processor).__name__})")


def split_processor(processor) -> dict:
    """{"tokenizer": ..., "image_processor": ..., "feature_extractor": ...} from whatever `processor` is."""
    from transformers import PreTrainedTokenizerBase
    from transformers.feature_extraction_utils import FeatureExtractionMixin
    from transformers.image_processing_utils import ImageProcessingMixin

    parts = dict.fromkeys(PART_NAMES)
    if isinstance(processor, PreTrainedTokenizerBase):
        parts["tokenizer"] = processor
    elif isinstance(processor, ImageProcessingMixin):
        parts["image_processor"] = processor
    elif isinstance(processor, FeatureExtractionMixin):
        parts["feature_extractor"] = processor
    elif processor is not None:  # a ProcessorMixin bundles several
        parts = {name: getattr(processor, name, None) for name in PART_NAMES}
    return parts


def model_name(model) -> str:
    """A short name for a model object: the folder's name, not the whole (often site-packages) path."""
    where = getattr(model, "name_or_path", "") or getattr(getattr(model, "config", None), "_name_or_path", "")
    if where and Path(where).is_absolute():
        return Path(where).name
    return where or type(model).__name__
