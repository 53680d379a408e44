"""Keeping the course's notebooks clean, and the cells every notebook starts with.

`hflab-clean-notebooks [PATH ...]` strips outputs, execution counts and widget state in place.
`hflab-repo-address [--check]` points every notebook's Colab badge and install cell at the
repository named in pyproject.toml (`[project.urls] Repository`), the one place it is written.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = ROOT / "notebooks"
PYPROJECT = ROOT / "pyproject.toml"
GITHUB = re.compile(r"^https://github\.com/(?P<repo>[\w.-]+/[\w.-]+?)(?:\.git)?/?$")
BADGE_URL = re.compile(r"https://colab\.research\.google\.com/github/[^)\s]+?\.ipynb")
CLONE_URL = re.compile(r"(?<=git clone --depth 1 )https://github\.com/\S+(?= /content/hflab)")


def repository(pyproject: Path | None = None) -> str:
    """'owner/name' of the course on GitHub, from pyproject.toml's `[project.urls] Repository`."""
    pyproject = pyproject or PYPROJECT
    if pyproject.exists():
        try:
            import tomllib
        except ImportError:  # Python 3.10: read the installed metadata instead
            tomllib = None
        if tomllib is not None:
            url = tomllib.loads(pyproject.read_text())["project"]["urls"]["Repository"]
            return _owner_and_name(url)
    from importlib.metadata import metadata

    urls = dict(u.split(", ", 1) for u in metadata("hflab").get_all("Project-URL") or [])
    return _owner_and_name(urls["Repository"])


def _owner_and_name(url: str) -> str:
    match = GITHUB.match(url.strip())
    if not match:
        raise ValueError(f"[project.urls] Repository must be a GitHub address like "
                         f"https://github.com/OWNER/NAME (Colab opens notebooks from GitHub), not {url!r}.")
    return match["repo"]

COLAB_INSTALL = """\
# Colab에서만 실행됩니다: 강좌 저장소를 받아 hflab을 설치합니다. (로컬에서는 아무 일도 하지 않습니다.)
import sys
if "google.colab" in sys.modules:
    !git clone --depth 1 https://github.com/{repo} /content/hflab
    %pip install -q -e /content/hflab
    sys.path.insert(0, "/content/hflab/widgets")"""

SETUP = """\
import hflab

hflab.setup();  # the banner is enough; the returned dict stays quiet"""


def colab_url(relative_path: str, repo: str | None = None) -> str:
    """The address Colab opens a notebook from (`relative_path` under notebooks/, e.g. '00_start/00-1_start.ipynb')."""
    return f"https://colab.research.google.com/github/{repo or repository()}/blob/main/notebooks/{relative_path}"


def colab_badge(relative_path: str, repo: str | None = None) -> str:
    return (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"({colab_url(relative_path, repo)})")


def start_cells(relative_path: str, title: str, intro: str) -> list:
    """The first cells of a course notebook: title + badge, Colab-only install, setup()."""
    v4 = nbformat.v4
    return [
        v4.new_markdown_cell(f"# {title}\n\n{colab_badge(relative_path)}\n\n{intro}"),
        v4.new_code_cell(COLAB_INSTALL.format(repo=repository())),
        v4.new_code_cell(SETUP),
    ]


# ---------------------------------------------------------------------------------------------
# one repository address: pyproject.toml -> every notebook's badge and install cell
# ---------------------------------------------------------------------------------------------
def _with_repo_address(nb, relative_path: str, repo: str) -> tuple[list[str], list[str]]:
    """Point `nb`'s badges and clone lines at `repo` in place; (what disagreed, what is missing)."""
    wrong, found = [], {"badge": False, "install": False}
    expected = {"badge": colab_url(relative_path, repo), "install": f"https://github.com/{repo}"}
    for cell in nb.cells:
        for what, pattern in (("badge", BADGE_URL), ("install", CLONE_URL)):
            for match in pattern.finditer(cell.source):
                found[what] = True
                if match.group(0) != expected[what]:
                    wrong.append(f"{what}: {match.group(0)}")
            cell.source = pattern.sub(expected[what], cell.source)
    return wrong, [f"{what}: none" for what, seen in found.items() if not seen]


def repo_address_mismatches(root: Path = NOTEBOOKS_DIR, repo: str | None = None) -> dict[str, list[str]]:
    """Notebook (relative to `root`) -> the badge or install addresses that are not the repository's."""
    repo = repo or repository()
    problems = {}
    for path in _notebooks(root):
        relative = path.relative_to(root).as_posix()
        wrong, missing = _with_repo_address(nbformat.read(str(path), as_version=4), relative, repo)
        if wrong or missing:
            problems[relative] = wrong + missing
    return problems


def set_repo_address(root: Path = NOTEBOOKS_DIR, repo: str | None = None) -> list[Path]:
    """Rewrite every notebook under `root` whose badge or install cell names another address; the rewritten ones."""
    repo = repo or repository()
    changed = []
    for path in _notebooks(root):
        nb = nbformat.read(str(path), as_version=4)
        wrong, _missing = _with_repo_address(nb, path.relative_to(root).as_posix(), repo)
        if wrong:
            nbformat.write(nb, str(path))
            changed.append(path)
    return changed


def repo_address_cli(argv: list[str] | None = None) -> int:
    """`hflab-repo-address [--check] [NOTEBOOKS_DIR]`: notebooks follow pyproject.toml's Repository URL."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="hflab-repo-address",
        description="Point every notebook's Colab badge and install cell at pyproject.toml's "
                    "[project.urls] Repository (change the address there when the course is published elsewhere).")
    parser.add_argument("notebooks", nargs="?", type=Path, default=NOTEBOOKS_DIR,
                        help="the folder of notebooks (default: the course's notebooks/)")
    parser.add_argument("--check", action="store_true",
                        help="rewrite nothing; list the notebooks that disagree and exit 1 if any do")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    root = args.notebooks
    repo = repository()
    if args.check:
        problems = repo_address_mismatches(root, repo)
        for relative, what in problems.items():
            print(f"{relative}: {'; '.join(what)}")
        print(f"{len(problems)} notebook(s) disagree with {repo} (pyproject.toml [project.urls] Repository)"
              + (": run hflab-repo-address" if problems else ""))
        return 1 if problems else 0
    changed = set_repo_address(root, repo)
    for path in changed:
        print(f"rewrote {path}")
    print(f"{len(changed)} notebook(s) rewritten; every badge and install cell points at github.com/{repo}")
    return 0


def _notebooks(root: Path) -> list[Path]:
    return [p for p in sorted(Path(root).rglob("*.ipynb")) if ".ipynb_checkpoints" not in p.parts]


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
