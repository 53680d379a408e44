"""Unit-test set-up: `online` tests are skipped unless this process is really online (environment: ../conftest.py);
the fixtures the recipe tests share (`trained_pipeline`, `trained_report`)."""

from __future__ import annotations

import pytest
import torch


def pytest_collection_modifyitems(config, items):
    from hflab.models import is_offline
    from huggingface_hub import constants

    # huggingface_hub froze HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE at import: if either was set, every
    # download here is offline whatever the test unsets later, so the test would not be online.
    if constants.HF_HUB_OFFLINE or is_offline():
        skip_online = pytest.mark.skip(
            reason="needs the Hugging Face Hub: run `HF_HUB_OFFLINE=0 python -m pytest -m online` with Hub "
                   "access and without TRANSFORMERS_OFFLINE")
        for item in items:
            if "online" in item.keywords:
                item.add_marker(skip_online)


@pytest.fixture
def one_thread():
    """Many small forward passes: on a shared CPU one torch thread is several times faster than many."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def trained_pipeline(request):
    """The test module's trained model through `hflab.pipeline(TASK, model=KEY)`, as a learner calls it.

    The module names its model with two constants, TASK and KEY. The first load trains the model into
    HFLAB_HOME (in CI: once); the module's tests share this one pipeline. `.loaded` is the model bundle.
    """
    import hflab

    return hflab.pipeline(request.module.TASK, model=request.module.KEY)


@pytest.fixture(scope="module")
def trained_report(trained_pipeline) -> dict:
    """What the recipe's build() recorded in hflab_training.json: test figures beside the stand-in's, seconds, size."""
    from hflab.train import training_report

    return training_report(trained_pipeline.loaded.path)
