"""hflab: the widget kit of a Korean course on Hugging Face Transformers v5.

A learner needs only a few names:

    import hflab
    hflab.setup()                                   # banner, seeds, device, Korean font
    hflab.models.load("minilm")                     # any catalog key or Hub id, online or offline
    hflab.pipeline("sentiment-analysis")            # every task of the course, v4 output formats
    tr = hflab.trace(model_or_loaded, "some text")  # attentions, hidden states, logits
    hflab.AttentionView(tr); hflab.HiddenStateView(tr); hflab.TaskRunner(); hflab.ModelComparison()
"""

from __future__ import annotations

import importlib

from . import models
from ._env import setup
from ._paths import data_path

__version__ = "0.1.0"

# Heavier parts load on first use so `import hflab` stays quick.
_LAZY = {
    "pipeline": ("hflab.tasks", "pipeline"),
    "trace": ("hflab.tracing", "trace"),
    "Trace": ("hflab.tracing", "Trace"),
    "AttentionView": ("hflab.views.attention", "AttentionView"),
    "HiddenStateView": ("hflab.views.hidden", "HiddenStateView"),
    "TaskRunner": ("hflab.views.taskrunner", "TaskRunner"),
    "ModelComparison": ("hflab.views.comparison", "ModelComparison"),
    "compare": ("hflab.compare", "compare"),
}
_SUBMODULES = {"heads", "tokens", "train", "bertviz", "tasks", "tracing", "views", "exercises"}


def __getattr__(name: str):
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f"hflab.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'hflab' has no attribute {name!r}")


__all__ = ["setup", "models", "data_path", "__version__", *_LAZY, *sorted(_SUBMODULES)]
