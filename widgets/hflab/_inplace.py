"""Models changed in place (pruned heads, added tokens) must not come back from `load()` as originals.

`hflab.models.load` keeps the last few models in memory, so a second `load("minilm")` in a notebook
returns the very same object. After `heads.prune` or `tokens.add` that object is no longer the
checkpoint it was loaded from; forgetting it makes the next `load()` read the original again.
"""

from __future__ import annotations


def forget_cached(model) -> None:
    """Drop every in-memory `load()` entry holding `model` (the files on disk are untouched)."""
    from . import models

    with models._lock:
        stale = [key for key, loaded in models._memory.items() if loaded.model is model]
        for key in stale:
            del models._memory[key]
