"""Online fidelity: the same code against the real Hub checkpoints.

Marked `online`: skipped when the Hub is unreachable or an offline flag (HF_HUB_OFFLINE,
TRANSFORMERS_OFFLINE) is set, as in CI here (tests/conftest.py). With Hub access run
`HF_HUB_OFFLINE=0 python -m pytest -m online` to execute every notebook and the catalog against the
real checkpoints instead of the offline stand-ins. The notebook kernels start with no offline flag
at all. (The same path against a Hub on 127.0.0.1, run here: tests/test_localhub.py.)
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from hflab import models
from hflab.notebook_tools import NOTEBOOKS_DIR
from localhub.online import OFFLINE_FLAGS

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
    online_env = {k: v for k, v in os.environ.items() if k not in OFFLINE_FLAGS}
    NotebookClient(nb, timeout=1200, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute(env=online_env)
    printed = "\n".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                        for out in cell.get("outputs", []) if out.get("output_type") == "stream")
    assert "random stand-in" not in printed, "a notebook loaded a stand-in while online"
