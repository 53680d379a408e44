"""Real JupyterLab and Notebook 7 + headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Each server listens on 127.0.0.1 with a random port and token; the page may reach nothing else:
every request to another host is refused and recorded, so a widget that pulls a script from a
CDN fails the test instead of rendering by luck.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("HFLAB_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
LOCAL_HOSTS = {"127.0.0.1", "localhost", ""}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def _jupyter(root: Path, app: list[str]):
    """Start a Jupyter server app on 127.0.0.1 serving `root`; yield (base_url, token); stop it after."""
    shutil.copy(Path(__file__).with_name("widgets_demo.ipynb"), root / "widgets_demo.ipynb")
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    log = open(root / "jupyter.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", *app, "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--ServerApp.open_browser=False", "--allow-root"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
        if proc.poll() is not None:
            break
    else:
        proc.terminate()
        raise RuntimeError(f"{app[0]} did not start: " + (root / "jupyter.log").read_text()[-2000:])
    if proc.poll() is not None:
        raise RuntimeError(f"{app[0]} exited: " + (root / "jupyter.log").read_text()[-2000:])
    yield base, token
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 serving a copy of the demo notebook; yields (base_url, token, root)."""
    root = tmp_path_factory.mktemp("lab")
    app = ["jupyterlab", "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
           "--LabApp.extension_manager=readonly",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    for base, token in _jupyter(root, app):
        yield base, token, root


@pytest.fixture(scope="session")
def notebook7(tmp_path_factory):
    """A Notebook 7 server (`jupyter notebook`) on 127.0.0.1 serving the same demo notebook; like `lab`."""
    root = tmp_path_factory.mktemp("notebook7")
    app = ["notebook", "--JupyterNotebookApp.expose_app_in_browser=True"]
    for base, token in _jupyter(root, app):
        yield base, token, root


class PageWatch:
    """Records console errors, page errors and every request that tried to leave 127.0.0.1."""

    def __init__(self, page, allow_file: bool = False):
        self.console_errors: list[str] = []
        self.external_requests: list[str] = []
        self.urls: list[str] = []  # every request and websocket the page opened, local or not
        self.allow_file = allow_file
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("websocket", lambda ws: self.urls.append(ws.url))
        page.on("console", self._on_console)
        page.on("pageerror", lambda err: self.console_errors.append(f"pageerror: {err}"))
        page.route("**/*", self._route)

    def _on_console(self, msg):
        if msg.type == "error":
            self.console_errors.append(msg.text)

    def _route(self, route):
        url = route.request.url
        parsed = urlparse(url)
        local = parsed.scheme in ("data", "blob") or (parsed.scheme == "file" and self.allow_file) or (
            parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname in LOCAL_HOSTS)
        if local:
            route.continue_()
        else:
            self.external_requests.append(url)
            route.abort()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (CI installs it in .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def new_page(browser):
    contexts = []

    def make(allow_file: bool = False, **context_kwargs):
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, **context_kwargs)
        contexts.append(context)
        page = context.new_page()
        return page, PageWatch(page, allow_file=allow_file)

    yield make
    for c in contexts:
        c.close()
