"""Unit-test set-up: `online` tests are skipped while the Hub is unreachable (environment: ../conftest.py)."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    from hflab.models import is_offline

    if is_offline():
        skip_online = pytest.mark.skip(reason="needs the Hugging Face Hub (run online to include)")
        for item in items:
            if "online" in item.keywords:
                item.add_marker(skip_online)
