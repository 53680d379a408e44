"""What every `hflab.pipeline(...)` gives back, in the shape of transformers' own `Pipeline`.

A call runs four steps, as in transformers' `pipelines/base.py`:

    _sanitize_parameters(**kwargs) -> (preprocess_params, forward_params, postprocess_params)
    preprocess(one_input, **preprocess_params)   -> model inputs (tensors)
    _forward(model_inputs, **forward_params)      -> model outputs
    postprocess(model_outputs, **postprocess_params) -> the answer for that one input

`__call__` does the rest once, here: it merges the call's options with those given when the
pipeline was built, runs the steps on each input, and gives one answer for one input or a list
for a list.
"""

from __future__ import annotations

from ..models import Loaded
from .errors import InputError


class TaskPipeline:
    """Call it like a transformers pipeline; read .model, .tokenizer, .processor, .task, .source, .is_standin.

    `NativePipeline` hands the call to a transformers v5 pipeline; the tasks v5 removed
    (question answering, summarization, translation, text2text, captioning) subclass this and
    implement the four steps.
    """

    def __init__(self, task: str, loaded: Loaded, *, task_name: str | None = None, device=None, **options):
        self.task = task  # normalized: "text-classification" for "sentiment-analysis"
        self.task_name = task_name or task  # as the learner wrote it
        self.loaded = loaded
        self.model = loaded.model
        self.processor = loaded.processor
        self.tokenizer = loaded.tokenizer
        self.image_processor = loaded.image_processor
        self.feature_extractor = loaded.feature_extractor
        if device is not None:
            self.model.to(device)
        self._setup()
        # options given at build time are every call's defaults, as in transformers
        self._preprocess_params, self._forward_params, self._postprocess_params = self._sanitize_parameters(**options)

    # --- what answered ------------------------------------------------------------------------
    @property
    def resolved(self) -> Loaded:
        """The same record as `.loaded` (its older name, still read by tests/test_train.py and tests/localhub)."""
        return self.loaded

    @property
    def source(self) -> str:
        """Where the model came from: "hub", "packaged", "trained", "tiny", "local" or "object"."""
        return self.loaded.source

    @property
    def is_standin(self) -> bool:
        """True when a random stand-in answered: the output has the right format, but means nothing."""
        return self.loaded.is_standin

    @property
    def model_name(self) -> str:
        """The Hub id or catalog key of the model (a folder's name for a local one)."""
        return self.loaded.name

    # --- the call -----------------------------------------------------------------------------
    def __call__(self, inputs=None, *args, **kwargs):
        """One input -> its answer; a list of inputs -> a list of answers (one per input)."""
        items, is_list = self._gather_inputs(inputs, *args, kwargs=kwargs)
        preprocess_params, forward_params, postprocess_params = self._sanitize_parameters(**kwargs)
        preprocess_params = {**self._preprocess_params, **preprocess_params}
        forward_params = {**self._forward_params, **forward_params}
        postprocess_params = {**self._postprocess_params, **postprocess_params}
        answers = [self.run_single(item, preprocess_params, forward_params, postprocess_params) for item in items]
        return answers if is_list else answers[0]

    def run_single(self, item, preprocess_params: dict, forward_params: dict, postprocess_params: dict):
        model_inputs = self.preprocess(item, **preprocess_params)
        model_outputs = self._forward(model_inputs, **forward_params)
        return self.postprocess(model_outputs, **postprocess_params)

    def _gather_inputs(self, inputs, *args, kwargs: dict):
        """(the inputs as a list, whether a list was given). Subclasses read their call forms here
        (and pop what they read from `kwargs`); the default: a list or tuple is a batch."""
        if args:
            raise InputError(f"{self.task_name} got {len(args)} extra positional arguments.",
                             "pass one input, or a list of inputs, then options by name.")
        if inputs is None:
            raise InputError(f"{self.task_name} needs an input.", "call it with what the task reads, e.g. pipe(x).")
        if isinstance(inputs, (list, tuple)):
            if not inputs:
                raise InputError("The list of inputs is empty.", "give at least one input.")
            return list(inputs), True
        return [inputs], False

    # --- the four steps, each task's own --------------------------------------------------------
    def _setup(self) -> None:
        """At build time: refuse a model or processor the task cannot use; note what the steps need."""

    def _sanitize_parameters(self, **kwargs) -> tuple[dict, dict, dict]:  # pragma: no cover - every task has its own
        raise NotImplementedError

    def preprocess(self, item, **params):  # pragma: no cover
        raise NotImplementedError

    def _forward(self, model_inputs, **params):  # pragma: no cover
        raise NotImplementedError

    def postprocess(self, model_outputs, **params):  # pragma: no cover
        raise NotImplementedError

    def __repr__(self) -> str:
        kind = "random stand-in" if self.is_standin else self.source
        return (f"{type(self).__name__}(task={self.task_name!r}, model={self.model_name!r}, "
                f"class={type(self.model).__name__}, source={kind!r})")


def unknown_options(task_name: str, given, known, example: str) -> None:
    """InputError naming the options a task does not take, and the ones it does."""
    unknown = set(given) - set(known)
    if unknown:
        raise InputError(f"{task_name} got unexpected arguments {sorted(unknown)}.",
                         f"{example}; its options: {', '.join(sorted(known))}.")
