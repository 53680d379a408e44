"""AttentionView exports: a PNG (matplotlib) and a standalone HTML page (no kernel, no network).

The HTML page inlines the widget's own ES module and the answers to a chosen set of requests
(`attention_protocol`: the same answers the live widget sends, uint8 as base64) inside
`<script type="application/json">` blocks, with every "<" written as \\u003c so no token text
(say `</script><img src=x onerror=...>`) can close the block or become markup.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from .attention_data import MEAN_HEAD, head_matrix
from .attention_protocol import request_key

STATIC = Path(__file__).parent / "static"


def _mpl_safe(label: str) -> str:
    """Token text for matplotlib: "$" would start mathtext, so escape it."""
    return str(label).replace("$", r"\$")


def save_png(tr, path, *, kind: str, layer: int, head: int, dpi: int = 150) -> Path:
    """Draw one head of a trace as a heatmap with token labels (up to 64 per axis)."""
    from matplotlib.figure import Figure

    matrix = head_matrix(tr.attention(kind), layer, head)  # [q, k]
    queries, keys = tr.labels(kind)
    fig = Figure(figsize=(7, 6.2))
    ax = fig.add_subplot()
    image = ax.imshow(matrix, cmap="Blues", vmin=0, aspect="auto", interpolation="nearest")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    for axis, labels, ticks in ((ax.set_yticks, queries, matrix.shape[0]), (ax.set_xticks, keys, matrix.shape[1])):
        if ticks <= 64:
            axis(range(ticks), [_mpl_safe(t) for t in labels], fontsize=6)
    if matrix.shape[1] <= 64:
        ax.tick_params(axis="x", labelrotation=90)
    which = "mean of heads" if head == MEAN_HEAD else f"head {head}"
    ax.set_title(_mpl_safe(f"{tr.model_name} — {kind} attention, layer {layer}, {which}"), fontsize=9)
    ax.set_xlabel("key (attended to)")
    ax.set_ylabel("query (attending)")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=dpi)
    return path


def _packed(header: dict, data: bytes) -> dict:
    return {**header, "b64": base64.b64encode(data).decode("ascii")}


def _wanted_requests(trace, state: dict) -> list[dict]:
    """Requests worth saving, most wanted first: what the page opens on, thumbnails, layer means,
    every head, then rollouts."""
    first = {"type": "head", "kind": state["kind"], "layer": state["layer"], "head": state["head"]}
    wanted = [first] + [{"type": "thumbs", "kind": k} for k in trace.kinds]
    wanted += [{"type": "rollout", "kind": k, "layer": trace.attention(k).shape[0] - 1}
               for k in trace.kinds if k != "cross"]
    if state["view"] == "rollout" and state["kind"] != "cross":
        wanted.insert(1, {"type": "rollout", "kind": state["kind"], "layer": state["layer"]})
    for kind in trace.kinds:
        layers, heads = trace.attention(kind).shape[:2]
        wanted += [{"type": "head", "kind": kind, "layer": layer, "head": MEAN_HEAD} for layer in range(layers)]
        wanted += [{"type": "head", "kind": kind, "layer": layer, "head": h}
                   for layer in range(layers) for h in range(heads)]
    for kind in (k for k in trace.kinds if k != "cross"):
        wanted += [{"type": "rollout", "kind": kind, "layer": layer} for layer in range(trace.attention(kind).shape[0])]
    return wanted


def page_data(answers, state: dict, max_bytes: int) -> dict:
    """The page's data: the widget's state and the answers to as many requests as fit in max_bytes.

    answers: an AttentionAnswers (the object that answers the live widget's requests).
    """
    saved, used, heads_all, heads_in = {}, 0, 0, 0
    for request in _wanted_requests(answers.trace, state):
        key = request_key(request)
        if key in saved:
            continue
        size = answers.sizes(request)
        heads_all += request["type"] == "head"
        if saved and used + size > max_bytes:
            continue
        try:
            saved[key] = _packed(*answers.answer(request))
        except ValueError:  # e.g. rollout of a very long input: the page says "not saved"
            continue
        used += size
        heads_in += request["type"] == "head"
    note = "" if heads_in == heads_all else (
        f"이 페이지에는 {heads_all}개 중 {heads_in}개 헤드(층별 평균 포함)만 담았습니다 — this page holds {heads_in} of "
        f"{heads_all} head views (layer means first); open the notebook for all of them.")
    return {"state": {**state, "meta": {**state["meta"], "page_note": note}}, "answers": saved}


def json_for_script(value) -> str:
    """JSON that is safe inside <script type="application/json">: no "<", ">" or "&" survive raw."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_PAGE = """<!doctype html>
<html lang="ko"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
</head><body>
<div id="hflab-root"></div>
<script type="application/json" id="hflab-data">{data}</script>
<script type="application/json" id="hflab-code">{code}</script>
<script type="module">
const root = document.getElementById("hflab-root");
try {{
  const data = JSON.parse(document.getElementById("hflab-data").textContent);
  const code = JSON.parse(document.getElementById("hflab-code").textContent);
  const url = URL.createObjectURL(new Blob([code], {{type: "text/javascript"}}));
  const mod = await import(url);
  mod.default.render({{model: mod.staticModel(data), el: root}});
}} catch (err) {{
  const box = document.createElement("div");
  box.className = "hflab-error";
  box.textContent = "hflab AttentionView failed: " + err;
  root.appendChild(box);
}}
</script>
</body></html>
"""


def save_html(answers, state: dict, path, *, max_bytes: int = 8 << 20) -> Path:
    """Write the standalone page for a view's state, from the protocol's answers; returns its path."""
    page = _PAGE.format(
        title=html.escape(f"hflab AttentionView — {answers.trace.model_name}"),
        css=(STATIC / "attention.css").read_text(encoding="utf-8").replace("</", "<\\/"),
        data=json_for_script(page_data(answers, state, max_bytes)),
        code=json_for_script((STATIC / "attention.js").read_text(encoding="utf-8")),
    )
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path
