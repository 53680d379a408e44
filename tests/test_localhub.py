"""The online path, against a Hugging Face Hub on 127.0.0.1 (tests/localhub/).

These tests are what a learner with internet gets: `models.load` and `hflab.pipeline` download
the course's Hub ids into the Hugging Face cache, a second load reads the cache, `setup()` says
online, three notebooks run top to bottom online, and when the Hub fails (a download cut halfway,
the Hub gone) the course falls back offline and says so in one line.

They run in a second Python process started online (see localhub/online.py for why), with
HF_ENDPOINT on the test Hub and a fresh HF_HOME. The test Hub serves the catalog's offline folders
under the real Hub ids: the path is real, the weights are stand-ins. Keep the order: the last
test takes the Hub away and leaves that process offline.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import nbformat
import pytest
from hflab import models
from hflab.notebook_tools import NOTEBOOKS_DIR
from localhub import online as worker
from localhub.repos import build_repos, hub_entries
from localhub.seed_calls import SEED_CALLS
from localhub.server import LocalHub

pytestmark = pytest.mark.localhub

STANDIN_LINE = "random stand-in"
FALLBACK_LINE = "Hub 연결 실패"
ONLINE_BANNER = "온라인(online: Hub)"
ONLINE_NOTEBOOKS = ["10_audio/10-1_audio_classification_asr.ipynb", "20_vision/20-1_image_classification.ipynb",
                    "30_nlp/30-1_classify_ner_qa.ipynb"]


@pytest.fixture(scope="session")
def hub():
    """The test Hub, filled with one repository per catalog Hub id; stopped at the end of the session."""
    local_hub = LocalHub(build_repos()).start()
    yield local_hub
    local_hub.stop()


@pytest.fixture(scope="session")
def hf_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hf_home")


@pytest.fixture(scope="session")
def online(hub, hf_home):
    """Run a function of localhub.online in the online process: online(fn, *args) -> its result."""
    pool = worker.start_worker(worker.online_environment(hub.url, str(hf_home)))
    yield lambda fn, *args, **kwargs: pool.submit(fn, *args, **kwargs).result(timeout=600)
    pool.shutdown(cancel_futures=True)


def snapshot(hf_home: Path, repo) -> Path:
    return hf_home / "hub" / ("models--" + repo.repo_id.replace("/", "--")) / "snapshots" / repo.commit


def forget_download(hf_home: Path, repo) -> None:
    """Remove one repository from the Hugging Face cache, as if it had never been downloaded."""
    shutil.rmtree(hf_home / "hub" / ("models--" + repo.repo_id.replace("/", "--")), ignore_errors=True)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def weight_files(repo) -> list[str]:
    return [name for name in repo.files if name.endswith(".safetensors")]


def test_the_test_process_is_online_against_the_test_hub(hub, online, hf_home):
    state = online(worker.hub_state)
    assert state["hub_offline"] is False and state["env_offline"] == []
    assert state["endpoint"] == hub.url and state["cache"] == str(hf_home / "hub")


def test_setup_says_online(online):
    banner = online(worker.setup_banner)
    assert banner["offline"] is False
    assert ONLINE_BANNER in banner["printed"], banner["printed"]


@pytest.mark.parametrize("entry", hub_entries(), ids=lambda e: e.key)
def test_every_catalog_hub_id_loads_from_the_hub_into_the_hf_cache(entry, hub, online, hf_home):
    hub.clear_requests()
    loaded = online(worker.load, entry.hub_id)
    assert loaded["source"] == "hub" and loaded["key"] == entry.key and loaded["path"] == entry.hub_id
    assert STANDIN_LINE not in loaded["printed"] and FALLBACK_LINE not in loaded["printed"], loaded["printed"]
    repo = hub.repos[entry.hub_id]
    for name in weight_files(repo):  # downloaded from the Hub's CDN, byte for byte, into the HF cache
        assert f"/blobs/{repo.files[name].sha256}" in hub.downloads()
        assert sha256(snapshot(hf_home, repo) / name) == repo.files[name].sha256


def test_a_second_load_reads_the_hf_cache_and_downloads_nothing(hub, online):
    hub.clear_requests()
    for entry in hub_entries():
        loaded = online(worker.load, entry.hub_id, forget_memory=True)
        assert loaded["source"] == "hub" and STANDIN_LINE not in loaded["printed"]
    assert hub.downloads() == []


@pytest.mark.parametrize("task", sorted(SEED_CALLS))
def test_every_seed_task_answers_with_the_hub_checkpoint(task, online):
    answer = online(worker.run_pipeline, task)
    assert answer["source"] == "hub" and not answer["standin"], answer
    assert STANDIN_LINE not in answer["printed"], answer["printed"]
    assert answer["looks_right"], answer["output"]


@pytest.mark.parametrize("relative", ONLINE_NOTEBOOKS, ids=lambda p: Path(p).stem)
def test_notebook_runs_top_to_bottom_online(relative, hub, tmp_path):
    """Each notebook downloads into its own empty HF cache, so every model it loads must come from the Hub."""
    from nbclient import NotebookClient

    path = NOTEBOOKS_DIR / relative
    nb = nbformat.read(str(path), as_version=4)
    hub.clear_requests()
    env = worker.online_environment(hub.url, str(tmp_path / "hf_home"))
    env.pop("HFLAB_STRICT_CHECKS", None)  # exercise answers are the offline nbmake run's concern; this is the Hub path
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
                   ).execute(env=env)
    printed = "\n".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                        for out in cell.get("outputs", []) if out.get("output_type") == "stream")
    assert ONLINE_BANNER in printed
    assert STANDIN_LINE not in printed and FALLBACK_LINE not in printed
    assert any(p.startswith("/blobs/") for p in hub.downloads()), "the notebook downloaded no weights"


def test_a_download_cut_halfway_leaves_nothing_half_written(hub, online, hf_home):
    entry = models.resolve("vit-base")
    repo = hub.repos[entry.hub_id]
    forget_download(hf_home, repo)
    (name,) = weight_files(repo)
    cut = hub.cut(entry.hub_id, name)
    try:
        broken = online(worker.load, entry.hub_id, forget_memory=True)
    finally:
        hub.heal()
    # offline, the Hub id answers with the real model of its task: the ViT trained here on digits
    assert broken["source"] == "trained" and broken["key"] == "digits-vit", broken
    assert FALLBACK_LINE in broken["printed"] and "not available offline" in broken["printed"], broken
    assert not (snapshot(hf_home, repo) / name).exists(), "a half-downloaded file is in the cache"
    blobs = snapshot(hf_home, repo).parents[1] / "blobs"
    assert not (blobs / cut.sha256).exists()

    hub.clear_requests()
    again = online(worker.load, entry.hub_id, forget_memory=True)
    assert again["source"] == "hub" and FALLBACK_LINE not in again["printed"]
    assert sha256(snapshot(hf_home, repo) / name) == cut.sha256
    assert f"/blobs/{cut.sha256}" in hub.downloads()
    assert sorted(p.name for p in blobs.glob("*.incomplete")) == [], "a partial download was left behind"


def test_the_hub_going_away_falls_back_offline_with_one_clear_line(hub, online, hf_home):
    """Last: the Hub stops answering mid-session; a model not downloaded yet loads offline, and stays so."""
    entry = models.resolve("distilbert-sst2")
    forget_download(hf_home, hub.repos[entry.hub_id])
    hub.stop()
    try:
        gone = online(worker.load, entry.hub_id, forget_memory=True)
        banner = online(worker.setup_banner)
    finally:
        hub.start()
    # offline now, the Hub id answers as it does offline: with the course's trained sentiment model
    assert gone["source"] == "trained" and gone["key"] == "sentiment", gone
    fallback = [line for line in gone["printed"].splitlines() if FALLBACK_LINE in line]
    assert len(fallback) == 1 and "unreachable" in fallback[0] and entry.hub_id in fallback[0], gone["printed"]
    assert f"{entry.hub_id} is not available offline" in gone["printed"]  # and says which model answers
    assert gone["offline"] is True and banner["offline"] is True and "오프라인" in banner["printed"]
