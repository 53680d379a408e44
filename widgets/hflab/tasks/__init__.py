"""`hflab.tasks`: every task of the course through one `pipeline()`, with the output format the seed shows.

    >>> from hflab import pipeline
    >>> classifier = pipeline("sentiment-analysis")
    >>> classifier("Hugging Face is the best thing since sliced bread!")
    [{'label': 'POSITIVE', 'score': 0.99}]

Where transformers v5 still has the pipeline, hflab hands it the model it resolved; where v5
removed it (question answering, summarization, translation, text2text, image captioning), the
task runs here on the Auto classes v5 kept, in transformers' own four steps (see `base.py`).
What each task is, reads and returns: `table.py`.
"""

from __future__ import annotations

import importlib

# Loaded on first use: `hflab.models` reads `hflab.tasks.table`, and importing that must not
# pull in the pipelines (torch, PIL, and `hflab.models` itself).
_LAZY = {
    "pipeline": "factory",
    "InputError": "errors",
    "LongInputWarning": "text",
    "TaskPipeline": "base",
    "NativePipeline": "native",
    "to_image": "images",
    "to_audio": "audio",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = list(_LAZY)
