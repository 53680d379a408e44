"""Keeping the course's notebooks clean, and the cells every notebook starts with.

`hflab-clean-notebooks [PATH ...]` strips outputs, execution counts and widget state in place.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

REPO = "hflab-course/hflab"  # where the course lives on GitHub (Colab badges point here)
NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"

COLAB_INSTALL = """\
# Colab에서만 실행됩니다: 강좌 저장소를 받아 hflab을 설치합니다. (로컬에서는 아무 일도 하지 않아요.)
import sys
if "google.colab" in sys.modules:
    !git clone --depth 1 https://github.com/{repo} /content/hflab
    %pip install -q -e /content/hflab
    sys.path.insert(0, "/content/hflab/widgets")"""

SETUP = """\
import hflab

hflab.setup();  # the banner is enough; the returned dict stays quiet"""


def colab_badge(relative_path: str) -> str:
    url = f"https://colab.research.google.com/github/{REPO}/blob/main/notebooks/{relative_path}"
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"


def start_cells(relative_path: str, title: str, intro: str) -> list:
    """The first cells of a course notebook: title + badge, Colab-only install, setup()."""
    v4 = nbformat.v4
    return [
        v4.new_markdown_cell(f"# {title}\n\n{colab_badge(relative_path)}\n\n{intro}"),
        v4.new_code_cell(COLAB_INSTALL.format(repo=REPO)),
        v4.new_code_cell(SETUP),
    ]


def write_notebook(path: Path, cells: list) -> None:
    """Write a clean notebook (Python 3 kernel, no outputs)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    nb.cells = cells
    clean(nb)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def clean(nb) -> bool:
    """Strip outputs, execution counts and widget state from a notebook object; True if it changed."""
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "code":
            if cell.get("outputs") or cell.get("execution_count") is not None:
                changed = True
            cell.outputs = []
            cell.execution_count = None
        for key in ("execution", "collapsed", "scrolled"):
            if key in cell.get("metadata", {}):
                cell.metadata.pop(key)
                changed = True
        if "id" in cell and not isinstance(cell["id"], str):
            cell.pop("id")
    if "widgets" in nb.metadata:
        nb.metadata.pop("widgets")
        changed = True
    return changed


def dirty_notebooks(root: Path = NOTEBOOKS_DIR) -> list[Path]:
    """Notebooks under `root` that hold outputs, execution counts or widget state."""
    return [p for p in sorted(root.rglob("*.ipynb"))
            if ".ipynb_checkpoints" not in p.parts and clean(nbformat.read(str(p), as_version=4))]


def clean_cli(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    paths = [Path(a) for a in argv] or [NOTEBOOKS_DIR]
    files = [f for p in paths for f in (sorted(p.rglob("*.ipynb")) if p.is_dir() else [p])]
    for f in files:
        if ".ipynb_checkpoints" in f.parts:
            continue
        nb = nbformat.read(str(f), as_version=4)
        if clean(nb):
            nbformat.write(nb, str(f))
            print(f"cleaned {f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(clean_cli())
