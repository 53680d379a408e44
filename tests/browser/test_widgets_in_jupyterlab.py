"""Every hflab widget, rendered by real JupyterLab in headless Chromium.

What a person would notice: a widget that is blank or shows an error box, a click or a slider
that changes nothing, a console error, a script fetched from the internet, or an HTML token that
runs instead of being shown as text.
"""

from __future__ import annotations

import pytest
from notebook_page import assert_changed, assert_drawn, pixels, run_all_cells

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 420_000


@pytest.fixture(scope="module")
def lab_page(lab, new_page, artifacts):
    base, token, _root = lab
    page, watch = new_page()
    try:
        run_all_cells(page, f"{base}/lab/tree/widgets_demo.ipynb?token={token}", timeout_ms=RUN_TIMEOUT_MS)
    finally:
        page.screenshot(path=str(artifacts / "notebook_full.png"), full_page=True)
    page.wait_for_timeout(1000)
    yield page, watch
    page.screenshot(path=str(artifacts / "notebook_end.png"), full_page=True)


def test_no_widget_failed_to_render(lab_page):
    page, _ = lab_page
    assert page.locator("[data-testid=hflab-error]").count() == 0
    assert page.get_by_text("Error displaying widget").count() == 0
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
                        has_text="Traceback").count() == 0


def test_attention_view_draws_and_reacts(lab_page, artifacts):
    page, _ = lab_page
    view = page.locator("[data-testid=hflab-attention]").first
    view.scroll_into_view_if_needed()
    view.screenshot(path=str(artifacts / "attention_head_view.png"))
    svg = view.locator("[data-testid=attention-svg]")
    before = assert_drawn(svg, "attention head view")

    view.locator("[data-testid=layer-select]").select_option("3")
    page.wait_for_timeout(800)
    assert_changed(before, pixels(svg), "choosing layer 3")

    before = pixels(svg)
    view.locator("[data-testid=threshold-slider]").fill("0.3")
    page.wait_for_timeout(500)
    assert_changed(before, pixels(svg), "moving the threshold slider")

    view.locator("[data-testid=view-matrix]").click()
    canvas = view.locator("[data-testid=attention-canvas]")
    canvas.wait_for(timeout=10_000)
    matrix = assert_drawn(canvas, "attention matrix")
    view.locator("[data-testid=head-select]").select_option("5")
    page.wait_for_timeout(800)
    assert_changed(matrix, pixels(canvas), "choosing head 5")

    view.locator("[data-testid=view-grid]").click()
    grid = view.locator("[data-testid=attention-grid]")
    grid.wait_for(timeout=10_000)
    assert_drawn(grid, "layer x head overview")
    view.screenshot(path=str(artifacts / "attention_grid.png"))


def test_html_in_a_token_stays_text(lab_page):
    page, _ = lab_page
    assert page.evaluate("window.__hflab_xss") is None
    view = page.locator("[data-testid=hflab-attention]").first
    view.locator("[data-testid=view-head]").click()
    page.wait_for_timeout(300)
    # BERT's tokenizer splits the payload into "<", "im", "##g", ...: the pieces must show as text
    labels = view.locator("[data-testid=attention-svg]").text_content()
    assert "<" in labels and ">" in labels and "window" in labels
    assert page.locator("img[onerror]").count() == 0


def test_hidden_state_view_draws_and_reacts(lab_page, artifacts):
    page, _ = lab_page
    stage = page.locator("[data-testid=hidden-stage]").first
    stage.scroll_into_view_if_needed()
    before = assert_drawn(stage, "hidden-state view")
    root = stage.locator("xpath=..")
    buttons = root.locator("button.hflab-tab")
    assert buttons.count() >= 3
    buttons.nth(1).click()
    page.wait_for_timeout(600)
    assert_changed(before, pixels(stage), "switching the hidden-state panel")
    root.screenshot(path=str(artifacts / "hidden_view.png"))


def test_task_runner_runs_from_the_browser(lab_page, artifacts):
    page, _ = lab_page
    run = page.get_by_role("button", name="실행(Run)").first
    run.scroll_into_view_if_needed()
    run.click()
    page.get_by_text("POSITIVE").first.wait_for(timeout=120_000)
    page.locator(".jp-OutputArea-output").filter(has=run).first.screenshot(path=str(artifacts / "task_runner.png"))
    assert page.locator("b", has_text="lovely").count() == 0, "HTML from the input text was rendered"


def test_model_comparison_renders_its_table(lab_page, artifacts):
    page, _ = lab_page
    table = page.locator(".hflab-comparison table").first
    table.wait_for(timeout=120_000)
    table.scroll_into_view_if_needed()
    assert table.locator("tr").count() >= 3  # header + two models
    assert_drawn(table, "comparison table")
    table.screenshot(path=str(artifacts / "model_comparison.png"))


def test_no_console_errors_and_nothing_left_127_0_0_1(lab_page):
    _, watch = lab_page
    assert watch.external_requests == [], f"requests left 127.0.0.1: {watch.external_requests[:5]}"
    assert watch.console_errors == [], f"browser console errors: {watch.console_errors[:5]}"


def test_save_html_export_draws_offline_without_running_html(tmp_path, new_page, artifacts):
    import hflab

    tr = hflab.trace(hflab.models.load("minilm", quiet=True),
                     "Tokens like <img src=x onerror=window.__hflab_xss=1> stay text.")
    path = hflab.AttentionView(tr).save_html(tmp_path / "attention.html")
    page, watch = new_page(allow_file=True)
    page.goto(path.resolve().as_uri())
    view = page.locator("[data-testid=hflab-attention]")
    view.wait_for(timeout=20_000)
    assert_drawn(view.locator("[data-testid=attention-svg]"), "exported head view")
    view.locator("[data-testid=view-matrix]").click()
    assert_drawn(view.locator("[data-testid=attention-canvas]"), "exported matrix")
    view.screenshot(path=str(artifacts / "save_html_export.png"))
    assert page.evaluate("window.__hflab_xss") is None
    assert watch.external_requests == [] and watch.console_errors == []
