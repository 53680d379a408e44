"""Shared test set-up: the whole suite runs offline, the way CI and a classroom without Hub access do."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402


def pytest_collection_modifyitems(config, items):
    from hflab.models import is_offline

    if is_offline():
        skip_online = pytest.mark.skip(reason="needs the Hugging Face Hub (run online to include)")
        for item in items:
            if "online" in item.keywords:
                item.add_marker(skip_online)
