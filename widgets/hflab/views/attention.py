"""`AttentionView(trace)`: look at every attention head of a traced model, in the notebook.

    >>> tr = hflab.trace(hflab.models.load("minilm"), "The cat sat on the mat.")
    >>> view = hflab.AttentionView(tr)       # shows itself when it is the cell's last line
    >>> view.layer, view.head = 2, 5         # or pick them in the widget
    >>> view.save_png("head.png"); view.save_html("attention.html")

Four views: lines between tokens (like bertviz), a heatmap, a grid of every layer x head, and
attention rollout. The JavaScript ships inside hflab (no CDN, no build step). Weights travel
as uint8, one head per request, so a 2048-token trace stays quick to browse.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

from .._trace_readings import ROLLOUT_MAX_TOKENS
from ..tracing import require_trace
from . import attention_export
from .attention_data import MEAN_HEAD, head_statistics
from .attention_protocol import AttentionAnswers

STATIC = attention_export.STATIC
VIEWS = ("head", "matrix", "grid", "rollout")


def _no_rollout(tr) -> str:
    """Why the rollout tab is off for this trace ('' when it is offered)."""
    n = max(tr.attention(k).shape[-1] for k in tr.kinds if k != "cross")
    if n <= ROLLOUT_MAX_TOKENS:
        return ""
    return (f"롤아웃은 {ROLLOUT_MAX_TOKENS}토큰까지만 제공 · rollout is offered up to {ROLLOUT_MAX_TOKENS} tokens "
            f"(this trace has {n}: each layer would be an {n}^3 matrix product, minutes per layer).")


class AttentionView(anywidget.AnyWidget):
    """An interactive view of a `Trace`'s attentions (encoder, decoder and cross attention).

    Python-side state a learner can read or set: `kind`, `view`, `layer`, `head` (-1 = mean of
    the layer's heads), `threshold` (hide weights below it), `focus` (a token index or -1).
    `stats` holds per-head entropy, mean distance and share of attention to special tokens.
    """

    _esm = STATIC / "attention.js"
    _css = STATIC / "attention.css"

    meta = traitlets.Dict().tag(sync=True)  # model name, sizes per kind, notes
    tokens = traitlets.Dict().tag(sync=True)  # {kind: {"query": [...], "key": [...], "special": [...]}}
    stats = traitlets.Dict().tag(sync=True)  # {kind: {"entropy": [L][H], "distance": ..., "special": ...}}
    kind = traitlets.Unicode().tag(sync=True)
    view = traitlets.Unicode("head").tag(sync=True)
    layer = traitlets.Int(0).tag(sync=True)
    head = traitlets.Int(0).tag(sync=True)
    threshold = traitlets.Float(0.0).tag(sync=True)
    focus = traitlets.Int(-1).tag(sync=True)

    def __init__(self, trace, *, kind: str | None = None, layer: int = 0, head: int = 0, view: str = "head",
                 threshold: float = 0.0, **kwargs):
        require_trace(trace, "AttentionView")
        self.trace = trace
        kinds = trace.kinds
        kind = kind or kinds[0]
        if kind not in kinds:
            raise ValueError(f"This trace has {kinds} attention, not {kind!r}.")
        if view not in VIEWS:
            raise ValueError(f"view must be one of {VIEWS}")
        self.answers = AttentionAnswers(trace)
        super().__init__(meta=self._meta(), tokens=self._tokens(), stats=self._stats(), kind=kind, view=view,
                         layer=layer, head=head, threshold=threshold, **kwargs)
        self.on_msg(self._on_request)

    # ---- state sent once ------------------------------------------------------------------
    def _meta(self) -> dict:
        tr = self.trace
        sizes = {k: list(tr.attention(k).shape) for k in tr.kinds}  # [L, H, q, k]
        note = ""
        if tr.num_kv_heads:
            group = tr.num_heads // tr.num_kv_heads
            note = (f"grouped-query attention: {tr.num_heads} query heads share {tr.num_kv_heads} key/value heads "
                    f"(heads {group}·g … {group}·g+{group - 1} use KV head g)")
        approx = " ".join(dict.fromkeys(n for n in (tr.approximation(k) for k in tr.kinds) if n))
        return {"model": str(tr.model_name), "kind": tr.kind, "kinds": tr.kinds, "sizes": sizes,
                "kv_heads": tr.num_kv_heads, "note": note, "approximation": approx, "no_rollout": _no_rollout(tr),
                "generated": tr.generated_text or ""}

    def _tokens(self) -> dict:
        out = {}
        for k in self.trace.kinds:
            q, key = self.trace.labels(k)
            special = self.trace.specials("decoder" if k == "decoder" else "encoder")
            out[k] = {"query": [str(t) for t in q], "key": [str(t) for t in key],
                      "special": [bool(s) for s in special]}
        return out

    def _stats(self) -> dict:
        tr = self.trace
        return {k: head_statistics(tr.attention(k), tr.specials("decoder" if k == "decoder" else "encoder"))
                for k in tr.kinds}

    # ---- data sent on request (the protocol lives in attention_protocol) ------------------
    def head_bytes(self, kind: str, layer: int, head: int) -> tuple[dict, bytes]:
        """One head as (header, uint8 bytes [q*k]); head=-1 gives the mean of the layer's heads."""
        return self.answers.head(kind, layer, head)

    def thumbs_bytes(self, kind: str) -> tuple[dict, bytes]:
        """Every head of one kind, downsampled: (header, uint8 bytes [L, H, tq, tk])."""
        return self.answers.thumbs(kind)

    def rollout_bytes(self, kind: str, layer: int) -> tuple[dict, bytes]:
        """Attention rollout through layers 0..layer (self-attention kinds only)."""
        return self.answers.rollout(kind, layer)

    def answer(self, msg: dict) -> tuple[dict, bytes]:
        """What the widget sends back for one request from the browser (save_html stores the same)."""
        return self.answers.answer({"kind": self.kind, **msg})

    def _on_request(self, _widget, msg, _buffers):
        try:
            header, data = self.answer(msg)
            header["id"] = msg.get("id")
            self.send(header, buffers=[data])
        except Exception as err:  # shown in the widget, not lost in a log
            self.send({"type": "error", "id": msg.get("id"), "message": f"{type(err).__name__}: {err}"})

    # ---- exports ---------------------------------------------------------------------------
    def save_png(self, path, *, dpi: int = 150) -> Path:
        """The current head (kind, layer, head) as a heatmap PNG with token labels (for slides)."""
        return attention_export.save_png(self.trace, path, kind=self.kind, layer=self.layer, head=self.head, dpi=dpi)

    def save_html(self, path, *, max_bytes: int = 8 << 20) -> Path:
        """A standalone page with this view and its data inlined: no kernel, no network needed.

        Heads beyond `max_bytes` of uint8 data are left out (the page says which it holds).
        """
        return attention_export.save_html(self.answers, self.state_for_page(), path, max_bytes=max_bytes)

    def state_for_page(self) -> dict:
        """The synced state the exported page starts from (what the widget would show now)."""
        return {name: getattr(self, name) for name in ("meta", "tokens", "stats", "kind", "view", "layer", "head",
                                                       "threshold", "focus")}

    def initial_payload_bytes(self) -> int:
        """Bytes the browser receives to draw the first picture: synced state + first head + thumbnails."""
        import json

        state = self.get_state()
        size = sum(len(json.dumps(v, separators=(",", ":"))) for k, v in state.items() if k not in ("_esm", "_css"))
        size += len((STATIC / "attention.js").read_bytes()) + len((STATIC / "attention.css").read_bytes())
        size += len(self.head_bytes(self.kind, self.layer, self.head)[1])
        size += len(self.thumbs_bytes(self.kind)[1])
        return size


__all__ = ["AttentionView", "MEAN_HEAD"]
