"""The numbers behind AttentionView, computed in Python: compact bytes per head, per-head
statistics, overview thumbnails and attention rollout.

Weights travel to the browser as uint8, one head at a time: value = byte / 255 * scale, where
scale is that head's largest weight (so a 2048-token head is 4 MB, not 16 MB of float32 or
~40 MB of JSON). Values under scale / 510 round to 0; the statistics use the float weights.
"""

from __future__ import annotations

import numpy as np
from scipy.special import entr  # -p log p, 0 where p = 0

MEAN_HEAD = -1  # "head" index meaning the mean over all heads of a layer
STATS_MAX_ROWS = 512  # longer inputs: statistics averaged over this many evenly spaced query rows


def head_matrix(att: np.ndarray, layer: int, head: int) -> np.ndarray:
    """One head's weights [queries, keys] as float32 (head = -1: mean over the layer's heads)."""
    if not 0 <= layer < att.shape[0]:
        raise IndexError(f"layer {layer} out of range 0..{att.shape[0] - 1}")
    if head == MEAN_HEAD:
        return att[layer].astype(np.float32).mean(axis=0)
    if not 0 <= head < att.shape[1]:
        raise IndexError(f"head {head} out of range 0..{att.shape[1] - 1}")
    return att[layer, head].astype(np.float32)


def quantize(matrix: np.ndarray) -> tuple[bytes, float]:
    """[q, k] float -> (q*k uint8 bytes, scale) with value ≈ byte / 255 * scale."""
    scale = float(matrix.max()) if matrix.size else 0.0
    if scale <= 0:
        return bytes(matrix.size), 0.0
    q = np.rint(np.clip(matrix, 0, None) * (255.0 / scale)).astype(np.uint8)
    return q.tobytes(), scale


def dequantize(data: bytes, shape: tuple[int, int], scale: float) -> np.ndarray:
    """The inverse of `quantize` (what the browser computes), for tests and save_png."""
    return np.frombuffer(data, dtype=np.uint8).reshape(shape).astype(np.float32) * (scale / 255.0)


def _bins(n: int, size: int) -> np.ndarray:
    return np.linspace(0, n, size + 1).astype(int)[:-1]


def _pool(matrix: np.ndarray, tq: int, tk: int) -> np.ndarray:
    """Block means of a [q, k] matrix down to [tq, tk]."""
    rq, rk = _bins(matrix.shape[0], tq), _bins(matrix.shape[1], tk)
    sums = np.add.reduceat(np.add.reduceat(matrix, rq, axis=0), rk, axis=1)
    counts = np.outer(np.diff(np.append(rq, matrix.shape[0])), np.diff(np.append(rk, matrix.shape[1])))
    return sums / counts


def thumbnails(att: np.ndarray, size: int = 32) -> tuple[bytes, int, int]:
    """Every head downsampled to at most size x size, each scaled to its own maximum.

    Returns (uint8 bytes laid out [layers, heads, tq, tk], tq, tk).
    """
    layers, heads, nq, nk = att.shape
    tq, tk = min(size, nq), min(size, nk)
    out = np.zeros((layers, heads, tq, tk), dtype=np.uint8)
    for layer in range(layers):
        for head in range(heads):
            pooled = _pool(att[layer, head].astype(np.float32), tq, tk)  # [tq, tk]
            top = pooled.max()
            if top > 0:
                out[layer, head] = np.rint(pooled * (255.0 / top))
    return out.tobytes(), tq, tk


def head_statistics(att: np.ndarray, special_keys: np.ndarray | None) -> dict:
    """Per-head numbers a learner can compare, each a [layers][heads] list:

    - entropy: mean over queries of -Σ p log p (nats); low = the head looks at few tokens;
    - distance: mean over queries of Σ p |q - k| (in tokens); high = the head looks far away
      (for cross-attention, positions in two different sequences: read it loosely);
    - special: mean share of attention that goes to special tokens ([CLS], [SEP], <s>, ...).
    Inputs longer than STATS_MAX_ROWS use evenly spaced query rows (noted in `rows`).
    """
    layers, heads, nq, nk = att.shape
    rows = np.unique(np.linspace(0, nq - 1, min(nq, STATS_MAX_ROWS)).astype(int))
    dist = np.abs(rows[:, None] - np.arange(nk)[None, :]).astype(np.float32)  # [r, k]
    special = np.zeros(nk, np.float32) if special_keys is None else np.asarray(special_keys, np.float32)[:nk]
    every_row = len(rows) == nq
    ent, far, spec = (np.zeros((layers, heads), np.float32) for _ in range(3))
    for layer in range(layers):
        p = att[layer] if every_row else att[layer][:, rows]  # [H, r, k]
        p = p.astype(np.float32, copy=False)
        ent[layer] = entr(p).sum(-1).mean(-1)
        far[layer] = (p * dist).sum(-1).mean(-1)
        spec[layer] = (p @ special).mean(-1)
    r3 = lambda a: np.round(a, 3).tolist()  # noqa: E731
    return {"entropy": r3(ent), "distance": r3(far), "special": r3(spec), "rows": int(len(rows)), "of_rows": int(nq)}


class Rollout:
    """Attention rollout (Abnar & Zuidema, 2020): how much each output position draws on each
    input token through all layers up to `layer`, mixing in the residual path as 0.5 * I.

    Computed lazily layer by layer and cached (at 2048 tokens each step is a 2048^3 matmul).
    """

    def __init__(self, att: np.ndarray):
        self.att = att
        self._steps: list[np.ndarray] = []  # cumulative products [n, n], one per layer done

    def upto(self, layer: int) -> np.ndarray:
        """Rollout through layers 0..layer: [n, n] float32, rows sum to 1."""
        n = self.att.shape[-1]
        while len(self._steps) <= layer:
            a = self.att[len(self._steps)].astype(np.float32).mean(axis=0)  # [n, n]
            a = 0.5 * a + 0.5 * np.eye(n, dtype=np.float32)
            a /= a.sum(-1, keepdims=True)
            prev = self._steps[-1] if self._steps else None
            self._steps.append(a if prev is None else a @ prev)
        return self._steps[layer]
