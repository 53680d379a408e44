"""What every `hflab.pipeline(...)` gives back: a callable that knows its model and where it came from."""

from __future__ import annotations

from .resolving import Resolved


class TaskPipeline:
    """Call it like a transformers pipeline; read .model, .tokenizer, .processor, .task, .is_standin.

    Subclasses implement `__call__`: `NativePipeline` wraps a transformers v5 pipeline, the others
    (question answering, summarization, translation, text2text, captioning) run the task on the
    Auto classes v5 kept, and return the v4 output format.
    """

    def __init__(self, task: str, resolved: Resolved, *, task_name: str | None = None):
        self.task = task  # normalized: "text-classification" for "sentiment-analysis"
        self.task_name = task_name or task  # as the learner wrote it
        self.resolved = resolved
        self.model = resolved.model
        self.processor = resolved.processor
        self.tokenizer = resolved.tokenizer
        self.image_processor = resolved.image_processor
        self.feature_extractor = resolved.feature_extractor

    @property
    def source(self) -> str:
        """Where the model came from: "hub", "packaged", "trained", "tiny", "local" or "object"."""
        return self.resolved.source

    @property
    def is_standin(self) -> bool:
        """True when a random stand-in answered: the output has the right format, but means nothing."""
        return self.resolved.is_standin

    @property
    def model_name(self) -> str:
        r = self.resolved
        return r.hub_id or r.key or getattr(self.model, "name_or_path", "") or type(self.model).__name__

    def __call__(self, *args, **kwargs):  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def __repr__(self) -> str:
        kind = "random stand-in" if self.is_standin else self.source
        return (f"{type(self).__name__}(task={self.task_name!r}, model={self.model_name!r}, "
                f"class={type(self.model).__name__}, source={kind!r})")
