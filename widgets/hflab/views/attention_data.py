"""The numbers behind AttentionView, computed in Python: compact bytes per head, per-head
statistics and overview thumbnails. (Attention rollout is computed by `hflab.tracing`;
`Rollout` is re-exported here for notebooks that import it from this module.)

Weights travel to the browser as uint8, one head at a time: value = byte / 255 * scale, where
scale is that head's largest weight (so a 2048-token head is 4 MB, not 16 MB of float32 or
~40 MB of JSON). Values under scale / 510 round to 0; the statistics use the float weights.
"""

from __future__ import annotations

import numpy as np
from scipy.special import entr  # -p log p, 0 where p = 0

from .._attention_store import TopKAttention, head, layer_mean
from .._trace_readings import Rollout

MEAN_HEAD = -1  # "head" index meaning the mean over all heads of a layer
STATS_MAX_ROWS = 512  # longer inputs: statistics averaged over this many evenly spaced query rows


def head_matrix(att, layer: int, head_index: int) -> np.ndarray:
    """One head's weights [queries, keys] as float32 (head = -1: mean over the layer's heads)."""
    head_matrix_bounds(att, layer, head_index)
    if head_index == MEAN_HEAD:
        return layer_mean(att, layer)
    return head(att, layer, head_index)


def head_bytes(att, layer: int, head_index: int) -> tuple[bytes, float, tuple[int, int]]:
    """One head (or the layer mean) quantized like `quantize(head_matrix(...))`: (bytes, scale, shape).

    A top-k store is quantized from its kept weights without building a float32 [q, k] matrix
    (at 8192 tokens that matrix alone is 268 MB and quantizing it takes most of a second).
    """
    if not isinstance(att, TopKAttention):
        matrix = head_matrix(att, layer, head_index)
        return (*quantize(matrix), matrix.shape)
    head_matrix_bounds(att, layer, head_index)
    values, indices = att.rows(layer, head_index)  # [q, k] each; keys within a row are distinct
    values = values.astype(np.float32)
    scale = float(values.max()) if values.size else 0.0
    out = np.zeros(att.shape[2:], np.uint8)
    if scale > 0:  # the same float32 steps as `quantize`, on the kept entries only
        values *= 255.0 / scale
        values += 0.5
        np.put_along_axis(out, indices, values.astype(np.uint8), axis=-1)
    return out.tobytes(), scale, att.shape[2:]


def head_matrix_bounds(att, layer: int, head_index: int) -> None:
    """IndexError naming the valid range when `layer` or `head_index` (-1 = mean) is outside it."""
    if not 0 <= layer < att.shape[0]:
        raise IndexError(f"layer {layer} out of range 0..{att.shape[0] - 1}")
    if head_index != MEAN_HEAD and not 0 <= head_index < att.shape[1]:
        raise IndexError(f"head {head_index} out of range 0..{att.shape[1] - 1}")


def quantize(matrix: np.ndarray) -> tuple[bytes, float]:
    """[q, k] float -> (q*k uint8 bytes, scale) with value ≈ byte / 255 * scale."""
    scale = float(matrix.max()) if matrix.size else 0.0
    if scale <= 0:
        return bytes(matrix.size), 0.0
    q = np.clip(matrix, 0, None)
    q *= 255.0 / scale
    q += 0.5  # round to nearest on the cast below (weights are >= 0)
    return q.astype(np.uint8).tobytes(), scale


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
        for h in range(heads):
            if isinstance(att, TopKAttention):  # block means of the full weights, taken at trace time
                pooled = att.pooled[layer, h][:tq, :tk] if (att.tq, att.tk) == (tq, tk) else _pool_topk(att, layer, h, tq, tk)
            else:
                pooled = _pool(att[layer, h].astype(np.float32), tq, tk)  # [tq, tk]
            top = pooled.max()
            if top > 0:
                out[layer, h] = np.rint(pooled * (255.0 / top))
    return out.tobytes(), tq, tk


def _pool_topk(att: TopKAttention, layer: int, h: int, tq: int, tk: int) -> np.ndarray:
    """Block means of one top-k head without building the dense matrix: [tq, tk]."""
    nq, nk = att.shape[2:]
    rows = np.repeat(np.arange(nq, dtype=np.int64) * tq // nq, att.k)  # block of each kept weight's query
    cols = (att.indices[layer, h].ravel().astype(np.int64) * tk) // nk
    sums = np.bincount(rows * tk + cols, weights=att.values[layer, h].ravel(), minlength=tq * tk)
    counts = np.outer(np.bincount(np.arange(nq) * tq // nq, minlength=tq), np.bincount(np.arange(nk) * tk // nk, minlength=tk))
    return sums.reshape(tq, tk) / counts


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
        if isinstance(att, TopKAttention):  # kept weights only (the rest is spread thin: little entropy lost)
            p = att.values[layer][:, rows].astype(np.float32)  # [H, r, k]
            keys = att.indices[layer][:, rows]  # [H, r, k]
            ent[layer] = entr(p).sum(-1).mean(-1)
            far[layer] = (p * np.abs(rows[None, :, None] - keys)).sum(-1).mean(-1)
            spec[layer] = (p * special[keys]).sum(-1).mean(-1)
            continue
        p = att[layer] if every_row else att[layer][:, rows]  # [H, r, k]
        p = p.astype(np.float32, copy=False)
        ent[layer] = entr(p).sum(-1).mean(-1)
        far[layer] = (p * dist).sum(-1).mean(-1)
        spec[layer] = (p @ special).mean(-1)
    r3 = lambda a: np.round(a, 3).tolist()  # noqa: E731
    return {"entropy": r3(ent), "distance": r3(far), "special": r3(spec), "rows": int(len(rows)), "of_rows": int(nq)}


__all__ = ["MEAN_HEAD", "Rollout", "head_matrix", "head_bytes", "quantize", "dequantize", "thumbnails", "head_statistics"]
