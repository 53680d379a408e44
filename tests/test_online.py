"""Online fidelity: the same code against the real Hub checkpoints.

Marked `online`: skipped when the Hub is unreachable or HF_HUB_OFFLINE=1 (as in CI here).
With Hub access run `HF_HUB_OFFLINE=0 python -m pytest -m online` to execute every notebook and the
catalog against the real checkpoints instead of the offline stand-ins.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from hflab import models
from hflab.notebook_tools import NOTEBOOKS_DIR

pytestmark = pytest.mark.online

NOTEBOOKS = sorted(p for p in NOTEBOOKS_DIR.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


@pytest.mark.parametrize("entry", [e for e in models.catalog() if e.hub_id and e.source == "tiny"],
                         ids=lambda e: e.key)
def test_real_checkpoint_loads_with_the_standins_classes(entry):
    real = models.load(entry.hub_id, offline=False, quiet=True)
    assert real.source == "hub"
    assert real.key == entry.key


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_against_the_real_checkpoints(path: Path):
    from nbclient import NotebookClient

    nb = nbformat.read(str(path), as_version=4)
    env_backup = os.environ.pop("HF_HUB_OFFLINE", None)
    try:
        NotebookClient(nb, timeout=1200, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        if env_backup is not None:
            os.environ["HF_HUB_OFFLINE"] = env_backup
