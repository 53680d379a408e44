"""Packaging: one dependency list, and the README's commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _environment_lines() -> list[str]:
    text = (ROOT / "environment.yml").read_text()
    return [line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip()]


def test_environment_yml_installs_this_project_and_nothing_else():
    lines = _environment_lines()
    assert "- python=3.11" in lines
    pip_items = [line[2:].strip() for line in lines[lines.index("- pip:") + 1:] if line.startswith("- ")]
    assert pip_items == ["-e .[dev]"], "environment.yml must install the project (deps live in pyproject)"
    conda_items = [line[2:].strip() for line in lines[: lines.index("- pip:")] if line.startswith("- ")]
    names = {re.split(r"[=<>]", item)[0] for item in conda_items if item not in ("conda-forge",)}
    assert names == {"python", "pip"}, f"conda deps duplicate pyproject's: {names}"


def test_pyproject_builds_hflab_from_widgets_and_has_dev_extra():
    data = _pyproject()
    assert data["project"]["name"] == "hflab"
    assert data["tool"]["setuptools"]["packages"]["find"]["where"] == ["widgets"]
    dev = " ".join(data["project"]["optional-dependencies"]["dev"])
    for tool in ("pytest", "nbmake", "ruff"):
        assert tool in dev
    torch_req = next(d for d in data["project"]["dependencies"] if d.startswith("torch"))
    assert "==" not in torch_req, "keep torch a range; CI installs the CPU wheel first"


def test_widget_javascript_is_packaged():
    data = _pyproject()
    patterns = data["tool"]["setuptools"]["package-data"]["hflab"]
    assert "views/static/*.js" in patterns
    loads_remote = re.compile(r"""(import\s*\(?[^;]*?["']https?:|from\s*["']https?:|fetch\(\s*["']https?:"""
                              r"""|src\s*=\s*["']https?:|cdn\.|unpkg|jsdelivr)""", re.I)
    scripts = list((ROOT / "widgets" / "hflab" / "views" / "static").glob("*.js"))
    assert scripts, "the widgets ship their JavaScript inside the package"
    for js in scripts:
        found = loads_remote.search(js.read_text())
        assert found is None, f"{js.name} loads code from the network: {found.group(0)!r}"


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:bash|sh)\n(.*?)```", readme, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_ci_runs_exactly_the_readme_install_and_test_commands():
    commands = _readme_commands()
    install = next(c for c in commands if c.startswith("pip install"))
    test = next(c for c in commands if "pytest" in c)
    ci = (ROOT / ".ci" / "run").read_text()
    assert install in ci and test in ci
    assert ci.index("pip install torch==2.13.0") < ci.index(install), "torch CPU wheel must come first"
    assert "apt-get update" in ci


# --- one repository address --------------------------------------------------------------------
def test_every_notebook_points_at_the_repository_of_pyproject():
    from hflab.notebook_tools import repo_address_mismatches, repository

    url = _pyproject()["project"]["urls"]["Repository"]
    assert url == f"https://github.com/{repository()}"
    assert repo_address_mismatches() == {}, "run `hflab-repo-address` to point the notebooks at pyproject's address"


def test_a_notebook_with_another_address_fails_the_check_and_is_rewritten(tmp_path, capsys, monkeypatch):
    import shutil

    import nbformat
    from hflab import notebook_tools
    from hflab.notebook_tools import NOTEBOOKS_DIR, repo_address_mismatches, set_repo_address

    copies = tmp_path / "notebooks"
    for relative in ("00_start/00-1_start.ipynb", "20_vision/20-1_image_classification.ipynb"):
        (copies / relative).parent.mkdir(parents=True)
        shutil.copy(NOTEBOOKS_DIR / relative, copies / relative)
    moved = "someone-else/hflab-fork"
    problems = repo_address_mismatches(copies, repo=moved)
    assert set(problems) == {"00_start/00-1_start.ipynb", "20_vision/20-1_image_classification.ipynb"}
    assert all(any(p.startswith("badge:") for p in what) and any(p.startswith("install:") for p in what)
               for what in problems.values())

    before = nbformat.read(str(copies / "00_start/00-1_start.ipynb"), as_version=4)
    assert len(set_repo_address(copies, repo=moved)) == 2
    assert repo_address_mismatches(copies, repo=moved) == {}
    after = nbformat.read(str(copies / "00_start/00-1_start.ipynb"), as_version=4)
    assert f"colab.research.google.com/github/{moved}/blob/main/notebooks/00_start/00-1_start.ipynb" \
        in after.cells[0].source
    assert f"git clone --depth 1 https://github.com/{moved} /content/hflab" in after.cells[1].source
    assert [c.source for c in after.cells[2:]] == [c.source for c in before.cells[2:]]  # nothing else moved
    assert set_repo_address(copies, repo=moved) == []  # a second run has nothing to do

    # the command reads the address from pyproject.toml and fails while a notebook disagrees
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "hflab"\n\n[project.urls]\nRepository = "https://github.com/a/b"\n')
    monkeypatch.setattr(notebook_tools, "PYPROJECT", pyproject)
    assert notebook_tools.repository() == "a/b"
    assert notebook_tools.repo_address_cli(["--check", str(copies)]) == 1
    assert "2 notebook(s) disagree with a/b" in capsys.readouterr().out
    assert notebook_tools.repo_address_cli([str(copies)]) == 0
    assert notebook_tools.repo_address_cli(["--check", str(copies)]) == 0
