"""The test Hub's repositories: one per Hub id of the catalog, under that exact id.

Each is the catalog's offline folder for that entry (a `save_pretrained` folder with safetensors:
the packaged real weights, or the tiny stand-in), built once into HFLAB_HOME like every offline
load. The weights are stand-ins: these repositories test the online *path*, not the checkpoints.
"""

from __future__ import annotations

from .server import Repo


def hub_entries():
    from hflab import models

    return [e for e in models.catalog() if e.hub_id]


def build_repos() -> dict[str, Repo]:
    """Repo id -> `Repo`, served straight from the offline folders (they are read, never changed)."""
    from hflab import models

    repos = {}
    for entry in hub_entries():
        folder = models.local_folder(entry)
        repo = Repo.from_folder(entry.hub_id, folder)
        assert any(name.endswith(".safetensors") for name in repo.files), f"{folder} has no safetensors"
        repos[entry.hub_id] = repo
    return repos
