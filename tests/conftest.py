"""Unit-test set-up: `online` tests are skipped while the Hub is unreachable (environment: ../conftest.py)."""

from __future__ import annotations

import pytest
import torch


def pytest_collection_modifyitems(config, items):
    from hflab.models import is_offline

    if is_offline():
        skip_online = pytest.mark.skip(reason="needs the Hugging Face Hub (run online to include)")
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
