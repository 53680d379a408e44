"""Where hflab keeps things: its cache (HFLAB_HOME) and the course's data folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def home() -> Path:
    """The disk cache for built stand-ins, trained models and converted checkpoints."""
    path = Path(os.environ.get("HFLAB_HOME", Path.home() / ".cache" / "hflab")).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """The course's `data/` folder (sample inputs, the corpus stand-in tokenizers learn from)."""
    candidates = []
    if os.environ.get("HFLAB_DATA"):
        candidates.append(Path(os.environ["HFLAB_DATA"]))
    candidates.append(PACKAGE_DIR.parents[1] / "data")  # editable install: <repo>/widgets/hflab
    candidates.append(Path.cwd() / "data")
    candidates.append(Path.cwd().parent / "data")
    for path in candidates:
        if (path / "README.md").exists():
            return path
    raise FileNotFoundError(
        "hflab could not find the course's data/ folder. Install the course with "
        "`pip install -e .` from a clone of the repository, or set HFLAB_DATA to the data/ folder."
    )


def data_path(*parts: str) -> Path:
    """A file inside data/, e.g. data_path("images", "cat.jpg")."""
    path = data_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"{path} is not in the course's data/ folder.")
    return path


@contextmanager
def atomic_dir(target: Path, stamp: str = "ok"):
    """Yield a temporary folder beside `target`; move it into place only if the block finishes.

    An interrupted build leaves a `*.tmp-*` folder behind, never a half-written `target`,
    so the next run simply builds again. `stamp` is written into the `.complete` marker: a
    builder whose recipe changes gives a new stamp, and `is_complete(folder, stamp)` then sees
    the old folder as out of date.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".tmp-", dir=target.parent))
    try:
        yield tmp
        (tmp / ".complete").write_text(stamp + "\n")
        tmp.chmod(0o755)  # mkdtemp makes it private; the cache is an ordinary folder
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def is_complete(folder: Path, stamp: str | None = None) -> bool:
    """Whether `folder` was fully built (and, given a `stamp`, by the builder that writes that stamp)."""
    marker = Path(folder) / ".complete"
    if not marker.exists():
        return False
    return stamp is None or marker.read_text().strip() == stamp
