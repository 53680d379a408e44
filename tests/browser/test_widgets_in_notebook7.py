"""The widgets in Notebook 7 (`jupyter notebook`), the other front end a learner may open.

Notebook 7 is built from JupyterLab's parts but has its own shell, page layout and extension
loading: AttentionView and TaskRunner must draw and react there too, and the page must reach
nothing but the server on 127.0.0.1.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from notebook_page import assert_changed, assert_drawn, pixels, run_all_cells

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def own_errors(notebook7, new_page) -> set[str]:
    """The errors Notebook 7 raises by itself on its file browser, hflab nowhere on the page.

    (notebook 7.6.5 with jupyterlab 4.6.6 throws "Cannot read properties of undefined (reading
    'schema')" from notebook_core.js while loading settings, on any page.)
    """
    base, token, _root = notebook7
    page, watch = new_page()
    page.goto(f"{base}/tree?token={token}", wait_until="domcontentloaded")
    page.wait_for_function("window.jupyterapp !== undefined", timeout=120_000)
    page.wait_for_timeout(5000)
    assert watch.external_requests == []
    return set(watch.console_errors)


@pytest.fixture(scope="module")
def nb7_page(notebook7, new_page, artifacts):
    base, token, _root = notebook7
    page, watch = new_page()
    try:
        run_all_cells(page, f"{base}/notebooks/widgets_demo.ipynb?token={token}")
    finally:
        page.screenshot(path=str(artifacts / "notebook7_full.png"), full_page=True)
    page.wait_for_timeout(1000)
    yield page, watch


def test_it_is_notebook_7_and_no_widget_failed(nb7_page):
    page, _ = nb7_page
    assert page.locator("#main-panel, .jp-NotebookPanel").count() >= 1
    assert page.evaluate("window.jupyterapp.name") == "Jupyter Notebook"
    assert page.locator("[data-testid=hflab-error]").count() == 0
    assert page.get_by_text("Error displaying widget").count() == 0


def test_attention_view_draws_and_reacts(nb7_page, artifacts):
    page, _ = nb7_page
    view = page.locator("[data-testid=hflab-attention]").first
    view.scroll_into_view_if_needed()
    svg = view.locator("[data-testid=attention-svg]")
    before = assert_drawn(svg, "attention head view (Notebook 7)")
    view.locator("[data-testid=layer-select]").select_option("3")
    page.wait_for_timeout(800)
    assert_changed(before, pixels(svg), "choosing layer 3 (Notebook 7)")

    view.locator("[data-testid=view-matrix]").click()
    canvas = view.locator("[data-testid=attention-canvas]")
    canvas.wait_for(timeout=10_000)
    matrix = assert_drawn(canvas, "attention matrix (Notebook 7)")
    view.locator("[data-testid=head-select]").select_option("5")
    page.wait_for_timeout(800)
    assert_changed(matrix, pixels(canvas), "choosing head 5 (Notebook 7)")
    view.screenshot(path=str(artifacts / "notebook7_attention.png"))


def test_task_runner_draws_and_runs_from_the_browser(nb7_page, artifacts):
    page, _ = nb7_page
    run = page.get_by_role("button", name="실행(Run)").first
    run.scroll_into_view_if_needed()
    runner = page.locator(".jp-OutputArea-output").filter(has=run).first
    before = assert_drawn(runner, "TaskRunner (Notebook 7)")
    run.click()
    page.get_by_text("POSITIVE").first.wait_for(timeout=120_000)
    page.wait_for_timeout(500)
    assert_changed(before, pixels(runner), "running the TaskRunner (Notebook 7)")
    runner.screenshot(path=str(artifacts / "notebook7_task_runner.png"))
    assert page.locator("b", has_text="lovely").count() == 0, "HTML from the input text was rendered"


def test_every_request_stayed_on_127_0_0_1_and_hflab_added_no_error(nb7_page, own_errors):
    _, watch = nb7_page
    assert watch.urls, "no request was recorded"
    hosts = {urlparse(url).hostname for url in watch.urls if urlparse(url).scheme not in ("data", "blob")}
    assert hosts <= {"127.0.0.1", "localhost"}, f"requests left 127.0.0.1: {sorted(hosts)}"
    assert watch.external_requests == []
    added = [e for e in watch.console_errors if e not in own_errors]
    assert added == [], f"browser console errors beyond Notebook 7's own: {added[:5]}"
