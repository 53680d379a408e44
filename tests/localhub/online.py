"""A separate Python process that is online against the test Hub, and the checks it runs.

Why a process and not patched flags: huggingface_hub reads HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE,
HF_ENDPOINT and HF_HOME once, at import, into module constants that other modules copy (default
arguments such as ``endpoint=constants.ENDPOINT``, cache paths, transformers' own offline check).
The pytest process imported them offline (root conftest.py). Patching a few of those copies would
leave others behind and test a state no learner has; a fresh interpreter started with the
environment a learner's kernel has reads them the way a notebook does.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

OFFLINE_FLAGS = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "HFLAB_OFFLINE")


def online_environment(hub_url: str, hf_home: str) -> dict[str, str]:
    """os.environ without any offline flag, with HF_ENDPOINT on the test Hub and a fresh HF_HOME."""
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_FLAGS and k != "HF_HUB_CACHE"}
    env.update(HF_ENDPOINT=hub_url, HF_HOME=hf_home, HF_HUB_DISABLE_TELEMETRY="1",
               HF_HUB_DISABLE_XET="1", HF_HUB_ETAG_TIMEOUT="5", HF_HUB_DOWNLOAD_TIMEOUT="20")
    return env


@contextlib.contextmanager
def _environment(env: dict[str, str]):
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def start_worker(env: dict[str, str]) -> ProcessPoolExecutor:
    """One spawned interpreter that imports huggingface_hub and hflab with `env` (and keeps them)."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
    with _environment(env):
        state = pool.submit(hub_state).result(timeout=300)  # the process starts here, inside `env`
    assert state["endpoint"] == env["HF_ENDPOINT"], state
    return pool


# --- what the worker runs (module-level functions: they travel by name) --------------------------
def _printed(fn, *args, **kwargs):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        value = fn(*args, **kwargs)
    return value, out.getvalue()


def hub_state() -> dict:
    import torch
    from huggingface_hub import constants

    torch.set_num_threads(1)  # a shared CI CPU: one thread is faster for these small models
    return {"endpoint": constants.ENDPOINT, "hub_offline": constants.HF_HUB_OFFLINE,
            "cache": constants.HF_HUB_CACHE, "env_offline": [k for k in OFFLINE_FLAGS if k in os.environ],
            "python": sys.executable}


def setup_banner() -> dict:
    import hflab

    info, printed = _printed(hflab.setup)
    return {"offline": info["offline"], "printed": printed}


def load(name: str, *, forget_memory: bool = False) -> dict:
    from hflab import models

    if forget_memory:
        models.clear_memory_cache()
    loaded, printed = _printed(models.load, name)
    return {"source": loaded.source, "key": loaded.key, "path": loaded.path, "printed": printed,
            "model": type(loaded.model).__name__, "processor": type(loaded.processor).__name__,
            "offline": models.is_offline()}


def run_pipeline(task: str) -> dict:
    import hflab

    from .seed_calls import SEED_CALLS

    model, call, looks_right = SEED_CALLS[task]
    pipe, printed = _printed(hflab.pipeline, task, model=model)
    out, printed_call = _printed(call, pipe)
    return {"source": pipe.source, "standin": pipe.is_standin, "hub_id": pipe.resolved.hub_id,
            "looks_right": bool(looks_right(out)), "printed": printed + printed_call, "output": repr(out)[:300]}
