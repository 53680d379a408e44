"""AttentionView exports: a PNG (matplotlib) and a standalone HTML page (no kernel, no network).

The HTML page inlines the widget's own ES module and its data (uint8 heads as base64) inside
`<script type="application/json">` blocks, with every "<" written as \\u003c so no token text
(say `</script><img src=x onerror=...>`) can close the block or become markup.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from .attention_data import MEAN_HEAD, head_matrix


def _mpl_safe(label: str) -> str:
    """Token text for matplotlib: "$" would start mathtext, so escape it."""
    return str(label).replace("$", r"\$")


def save_png(view, path, *, dpi: int = 150) -> Path:
    """Draw the view's current head as a heatmap with token labels (up to 64 per axis)."""
    from matplotlib.figure import Figure

    tr, kind = view.trace, view.kind
    matrix = head_matrix(tr.attention(kind), view.layer, view.head)  # [q, k]
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
    head = "mean of heads" if view.head == MEAN_HEAD else f"head {view.head}"
    ax.set_title(_mpl_safe(f"{tr.model_name} — {kind} attention, layer {view.layer}, {head}"), fontsize=9)
    ax.set_xlabel("key (attended to)")
    ax.set_ylabel("query (attending)")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=dpi)
    return path


def _packed(header: dict, data: bytes) -> dict:
    return {**header, "b64": base64.b64encode(data).decode("ascii")}


def _chosen_heads(view, max_bytes: int) -> tuple[list[tuple[str, int, int]], int, int]:
    """Which (kind, layer, head) go into the page: current head first, then layer means, then all."""
    tr = view.trace
    order = [(view.kind, view.layer, view.head)]
    for kind in tr.kinds:
        layers, heads = tr.attention(kind).shape[:2]
        order += [(kind, layer, MEAN_HEAD) for layer in range(layers)]
        order += [(kind, layer, head) for layer in range(layers) for head in range(heads)]
    chosen, used, seen = [], 0, set()
    for item in order:
        if item in seen:
            continue
        seen.add(item)
        size = int(tr.attention(item[0]).shape[2] * tr.attention(item[0]).shape[3])
        if chosen and used + size > max_bytes:
            continue
        chosen.append(item)
        used += size
    total = len(seen)
    return chosen, len(chosen), total


def page_data(view, max_bytes: int) -> dict:
    """Everything the page needs: widget state, the chosen heads, thumbnails, rollouts."""
    tr = view.trace
    chosen, n_in, n_all = _chosen_heads(view, max_bytes)
    heads = {f"{k}/{layer}/{head}": _packed(*view.head_bytes(k, layer, head)) for k, layer, head in chosen}
    thumbs = {k: _packed(*view.thumbs_bytes(k)) for k in tr.kinds}
    rollout = {}
    for k in tr.kinds:
        if k == "cross":
            continue
        layers, _, n, _ = tr.attention(k).shape
        wanted = range(layers) if n * n * layers <= max_bytes // 4 else sorted({view.layer, layers - 1})
        rollout.update({f"{k}/{layer}": _packed(*view.rollout_bytes(k, layer)) for layer in wanted})
    note = "" if n_in == n_all else (
        f"이 페이지에는 {n_all}개 중 {n_in}개 헤드(층별 평균 포함)만 담았습니다 — this page holds {n_in} of "
        f"{n_all} head views (layer means first); open the notebook for all of them.")
    state = {name: getattr(view, name) for name in ("meta", "tokens", "stats", "kind", "view", "layer", "head",
                                                    "threshold", "focus")}
    state["meta"] = {**state["meta"], "page_note": note}
    return {"state": state, "heads": heads, "thumbs": thumbs, "rollout": rollout}


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


def save_html(view, path, *, max_bytes: int = 8 << 20) -> Path:
    """Write the standalone page; returns its path."""
    from .attention import STATIC as static
    page = _PAGE.format(
        title=html.escape(f"hflab AttentionView — {view.trace.model_name}"),
        css=(static / "attention.css").read_text(encoding="utf-8").replace("</", "<\\/"),
        data=json_for_script(page_data(view, max_bytes)),
        code=json_for_script((static / "attention.js").read_text(encoding="utf-8")),
    )
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path
