"""The course's notebooks: ordered, clean, with a Colab path. (Their exercises: test_exercises.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from hflab.notebook_tools import NOTEBOOKS_DIR, clean, dirty_notebooks

NOTEBOOKS = sorted(p for p in NOTEBOOKS_DIR.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
CHAPTERS = ["00", "01", "02", "03", "04", "05", "06", "10", "20", "30", "40", "50"]


def test_every_chapter_of_the_outline_has_a_notebook():
    found = {p.parent.name[:2] for p in NOTEBOOKS}
    assert set(CHAPTERS) <= found, f"missing chapters: {sorted(set(CHAPTERS) - found)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_named_and_started_like_the_others(path: Path):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+", path.parent.name), path.parent.name
    assert re.fullmatch(rf"{path.parent.name[:2]}-\d+_[a-z0-9_]+\.ipynb", path.name), path.name
    nb = nbformat.read(str(path), as_version=4)
    first_md = nb.cells[0].source
    relative = path.relative_to(NOTEBOOKS_DIR).as_posix()
    assert "colab.research.google.com" in first_md and relative in first_md, "Colab badge for this notebook"
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert 'if "google.colab" in sys.modules' in code[0], "first code cell installs only in Colab"
    assert "hflab.setup()" in code[1]
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert sum("\uac00" <= ch <= "\ud7a3" for ch in text) > 300, "the prose is Korean"
    assert "정리" in text, "a recap section"


def test_notebooks_are_committed_without_outputs_or_widget_state():
    assert dirty_notebooks() == [], "run `hflab-clean-notebooks` before committing"


def test_cleaner_strips_outputs_and_widget_state():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1 + 1")
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "2"}, execution_count=1)]
    cell.execution_count = 1
    nb.cells = [cell]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    assert clean(nb) is True
    assert nb.cells[0].outputs == [] and nb.cells[0].execution_count is None and "widgets" not in nb.metadata
    assert clean(nb) is False
