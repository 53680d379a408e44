"""Unit-test set-up: `online` tests are skipped unless this process is really online (environment: ../conftest.py)."""

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
