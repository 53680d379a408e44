"""What the JupyterLab and Notebook 7 browser tests share: running the demo notebook, judging pixels."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def run_all_cells(page, url: str, done_text: str = "ALL CELLS DONE", timeout_ms: int = 420_000) -> None:
    """Open a notebook page, wait for its kernel, run every cell and wait for the last one's output."""
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function("window.jupyterapp !== undefined && document.querySelector('.jp-Notebook .jp-Cell')",
                           timeout=120_000)
    # run only once the notebook's kernel is up: a run before that asks "Select Kernel" instead
    page.wait_for_function(
        "(() => { const w = window.jupyterapp.shell.currentWidget;"
        " const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;"
        " return !!k && k.status === 'idle'; })()", timeout=120_000)
    # fire and forget: the command's promise settles only when every cell has run
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.locator(".jp-OutputArea-output", has_text=done_text).wait_for(timeout=timeout_ms)


def pixels(locator) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(locator.screenshot())).convert("L"), dtype=np.float32)


def assert_drawn(locator, what: str) -> np.ndarray:
    """Not blank: a real picture has many non-background pixels and some contrast."""
    px = pixels(locator)
    inked = float((px < 235).mean())
    assert px.std() > 8 and inked > 0.01, f"{what} looks blank (std={px.std():.1f}, inked={inked:.3f})"
    return px


def assert_changed(before: np.ndarray, after: np.ndarray, what: str) -> None:
    if before.shape != after.shape:
        return  # the view resized: it changed
    assert float(np.abs(before - after).mean()) > 0.5, f"{what} did not change the view"
