"""The one request protocol of AttentionView: what the browser asks for, and the bytes it gets back.

Three requests, each answered by (header dict, uint8 bytes):

    {"type": "head", "kind": k, "layer": l, "head": h}   one head [q, k] (h = -1: mean of the layer)
    {"type": "thumbs", "kind": k}                        every head downsampled [L, H, tq, tk]
    {"type": "rollout", "kind": k, "layer": l}           rollout through layers 0..l [n, n]

Weights travel as uint8: value = byte / 255 * header["scale"]. The live widget answers requests
with `AttentionAnswers.answer`; `save_html` stores the answers to a chosen set of requests under
`request_key(request)` (attention.js's `requestKey` builds the same string) so the page replays them.
"""

from __future__ import annotations

from .attention_data import MEAN_HEAD, head_bytes, quantize, thumbnails

REQUEST_FIELDS = {"head": ("kind", "layer", "head"), "thumbs": ("kind",), "rollout": ("kind", "layer")}


def request_key(request: dict) -> str:
    """"head/encoder/2/5", "thumbs/encoder", "rollout/decoder/3": the name of one answer."""
    kind = request.get("type")
    if kind not in REQUEST_FIELDS:
        raise ValueError(f"unknown request {kind!r}; expected one of {sorted(REQUEST_FIELDS)}")
    return "/".join([kind, *(str(request[f]) for f in REQUEST_FIELDS[kind])])


class AttentionAnswers:
    """Answers AttentionView's requests for one `Trace` (plain data in, bytes out; thumbnails cached)."""

    def __init__(self, trace):
        self.trace = trace
        self._thumbs: dict[str, tuple[bytes, int, int]] = {}

    def answer(self, request: dict) -> tuple[dict, bytes]:
        """(header, bytes) for one request; raises ValueError/IndexError for a bad one."""
        what, kind = request.get("type"), request.get("kind")
        if kind not in self.trace.kinds:
            raise ValueError(f"unknown attention kind {kind!r}; this trace has {self.trace.kinds}")
        if what == "head":
            return self.head(kind, int(request["layer"]), int(request["head"]))
        if what == "thumbs":
            return self.thumbs(kind)
        if what == "rollout":
            return self.rollout(kind, int(request["layer"]))
        raise ValueError(f"unknown request {what!r}; expected one of {sorted(REQUEST_FIELDS)}")

    def head(self, kind: str, layer: int, head: int) -> tuple[dict, bytes]:
        data, scale, shape = head_bytes(self.trace.attention(kind), layer, head)  # [q, k] uint8
        return {"type": "head", "kind": kind, "layer": layer, "head": head, "scale": scale,
                "shape": list(shape)}, data

    def thumbs(self, kind: str) -> tuple[dict, bytes]:
        if kind not in self._thumbs:
            self._thumbs[kind] = thumbnails(self.trace.attention(kind))
        data, tq, tk = self._thumbs[kind]
        layers, heads = self.trace.attention(kind).shape[:2]
        return {"type": "thumbs", "kind": kind, "shape": [layers, heads, tq, tk]}, data

    def rollout(self, kind: str, layer: int) -> tuple[dict, bytes]:
        roll = self.trace.rollout(layer, kind)  # [n, n]
        data, scale = quantize(roll)
        return {"type": "rollout", "kind": kind, "layer": layer, "scale": scale, "shape": list(roll.shape)}, data

    def sizes(self, request: dict) -> int:
        """Bytes the answer to `request` will carry, without computing it."""
        att = self.trace.attention(request["kind"])
        if request["type"] == "thumbs":
            return int(att.shape[0] * att.shape[1] * min(32, att.shape[2]) * min(32, att.shape[3]))
        return int(att.shape[2] * att.shape[3])


__all__ = ["AttentionAnswers", "request_key", "REQUEST_FIELDS", "MEAN_HEAD"]
