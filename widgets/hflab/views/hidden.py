"""`HiddenStateView(trace)`: how each token's hidden state changes from layer to layer.

    >>> tr = hflab.trace(hflab.models.load("smollm2"), "The capital of France is")
    >>> view = hflab.HiddenStateView(tr)
    >>> view.norms.shape          # (31, 5)   [layers+1, tokens]
    >>> view.lens["tokens"][-1]   # top-5 next tokens read from the last layer, per position

Five panels: the norm of every state (heatmap), cosine similarity between layers and between
tokens, each token's path in a 2-D PCA projection, and the logit lens (decoders and masked LMs).
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import numpy as np
import traitlets

from ..tracing import require_trace
from .hidden_data import (
    TOKEN_COS_MAX,
    layer_cosine,
    lens_subset,
    norms,
    pca_paths,
    token_cosine,
    token_cosine_blocks,
)

STATIC = Path(__file__).parent / "static"


def _f32(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, dtype=np.float32).tobytes()


def _blocks_note(n: int) -> str:
    """What the token-cosine panel shows for a long input ('' when it shows every pair)."""
    block = -(-n // TOKEN_COS_MAX)
    if block == 1:
        return ""
    return (f"긴 입력: 토큰 유사도는 {block}토큰씩 묶은 블록의 평균 (정확한 평균) · long input: token cosine is "
            f"shown as exact means over blocks of {block} consecutive tokens ({n} tokens).")


class HiddenStateView(anywidget.AnyWidget):
    """Hidden states of a `Trace`, as numbers (attributes) and as an interactive widget.

    Attributes a learner can use directly: `norms` [L+1, N], `layer_cos` [L+1, L+1],
    `paths` [L+1, N, 2] (PCA), `lens` (logit lens dict, or None with `lens_note` saying why),
    and `token_cos(layer)` -> [N, N].
    """

    _esm = STATIC / "hidden.js"
    _css = STATIC / "hidden.css"

    meta = traitlets.Dict().tag(sync=True)
    tokens = traitlets.List().tag(sync=True)
    norms_bytes = traitlets.Bytes().tag(sync=True)  # float32 [L+1, N]
    layer_cos_bytes = traitlets.Bytes().tag(sync=True)  # float32 [L+1, L+1]
    paths_bytes = traitlets.Bytes().tag(sync=True)  # float32 [L+1, N, 2]
    lens_data = traitlets.Dict().tag(sync=True)
    panel = traitlets.Unicode("norms").tag(sync=True)
    layer = traitlets.Int(0).tag(sync=True)

    def __init__(self, trace, *, side: str = "encoder", positions: list[int] | None = None, top_k: int = 5,
                 **kwargs):
        require_trace(trace, "HiddenStateView")
        self.trace = trace
        if side == "decoder" and trace.decoder_hidden_states is None:
            raise ValueError("Only encoder-decoder traces have a decoder side.")
        self.hidden = trace.decoder_hidden_states if side == "decoder" else trace.hidden_states  # [L+1, N, D]
        labels = trace.decoder_tokens if side == "decoder" else trace.tokens
        self.norms = norms(self.hidden)
        self.layer_cos = layer_cosine(self.hidden)
        self.paths, ratio = pca_paths(self.hidden)
        self.lens, self.lens_note = None, ""
        if side == "decoder" or trace.lens is None:
            self.lens_note = trace.lens_note or (
                "로짓 렌즈는 디코더 전용/마스크 LM 모델에서만 · logit lens: decoder-only and masked-LM models only.")
        else:
            self.lens = lens_subset(trace.lens, positions, top_k)
        n_layers, n = self.hidden.shape[:2]
        meta = {"model": str(trace.model_name), "kind": trace.kind, "side": side, "layers": int(n_layers),
                "tokens": int(n), "pca_ratio": [round(float(r), 4) for r in ratio], "lens_note": self.lens_note,
                "token_cos_note": _blocks_note(n)}
        super().__init__(meta=meta, tokens=[str(t) for t in labels], norms_bytes=_f32(self.norms),
                         layer_cos_bytes=_f32(self.layer_cos), paths_bytes=_f32(self.paths),
                         lens_data=self.lens or {}, **kwargs)
        self.on_msg(self._on_request)

    def token_cos(self, layer: int) -> np.ndarray:
        """[N, N] cosine similarity between tokens after `layer` (0 = embeddings)."""
        return token_cosine(self.hidden, layer)

    def token_cos_bytes(self, layer: int) -> tuple[dict, bytes]:
        """One layer's token-token cosine as uint8 (byte = (cos + 1) / 2 * 255), for the browser.

        Past TOKEN_COS_MAX tokens it is the exact mean over blocks of `header["block"]` tokens.
        """
        if not 0 <= layer < self.hidden.shape[0]:
            raise IndexError(f"layer {layer} out of range 0..{self.hidden.shape[0] - 1}")
        cos, block = token_cosine_blocks(self.hidden, layer)
        np.clip(cos, -1, 1, out=cos)  # in place: at 2048 a side each pass is 16 MB
        cos += 1
        cos *= 127.5
        data = np.rint(cos, out=cos).astype(np.uint8).tobytes()
        return {"type": "token_cos", "layer": layer, "shape": list(cos.shape), "block": block,
                "tokens": int(self.hidden.shape[1])}, data

    def _on_request(self, _widget, msg, _buffers):
        try:
            if msg.get("type") != "token_cos":
                raise ValueError(f"unknown request {msg.get('type')!r}")
            header, data = self.token_cos_bytes(int(msg["layer"]))
            header["id"] = msg.get("id")
            self.send(header, buffers=[data])
        except Exception as err:  # shown in the widget
            self.send({"type": "error", "id": msg.get("id"), "message": f"{type(err).__name__}: {err}"})


__all__ = ["HiddenStateView"]
