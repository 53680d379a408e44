"""How a `Trace` keeps attention weights: whole matrices when they fit, the strongest keys per row when not.

A 2048-token trace of a 30-layer x 9-head model is 1.1 G weights (4.5 GB in float32); at 8192
tokens it would be 72 GB. So each layer is stored as it is computed, in one of two forms:

- dense: a numpy array [layers, heads, queries, keys], float32 for short inputs, float16 when
  float32 would pass `FLOAT16_ABOVE_BYTES` (weights in [0, 1] keep about 3 significant digits);
- `CausalAttention`: a causal model's self-attention, float16, lower triangle only (exact: the
  rest is 0), when a dense store would be float16;
- `TopKAttention`: for each query row only its `k` largest weights (float16) and their key
  indices, plus the exact mass of everything left out (float32, computed from the full row
  before it is dropped). What a view draws from it is stated as an approximation.

`head(att, layer, head)` and `layer_mean(att, layer)` read either form as dense float32.
"""

from __future__ import annotations

import numpy as np
import torch

FLOAT16_ABOVE_BYTES = 1 << 28  # 256 MB of float32 weights: above this, keep float16
TOPK_ABOVE_BYTES = 5 << 29  # 2.5 GB of float16 weights: above this, keep per-row top-k
TOPK_KEYS = 64  # keys kept per query row in top-k form
THUMB_SIZE = 32  # the all-heads grid shows each head as at most this many x this many block means


def block_means(weights: torch.Tensor, tq: int, tk: int) -> torch.Tensor:
    """[H, q, k] -> [H, tq, tk] means over blocks (block edges as numpy's linspace(0, n, t+1) sets them)."""
    _, nq, nk = weights.shape
    if nq % tq == 0 and nk % tk == 0:  # the common case (8192 tokens): one reshape, no copies
        return weights.reshape(-1, tq, nq // tq, tk, nk // tk).mean(dim=(2, 4))
    rq = torch.from_numpy(np.linspace(0, nq, tq + 1).astype(np.int64)[:-1])
    rk = torch.from_numpy(np.linspace(0, nk, tk + 1).astype(np.int64)[:-1])
    q_bin = torch.bucketize(torch.arange(nq), rq, right=True) - 1
    k_bin = torch.bucketize(torch.arange(nk), rk, right=True) - 1
    sums = torch.zeros(weights.shape[0], nq, tk).index_add_(2, k_bin, weights.float())
    sums = torch.zeros(weights.shape[0], tq, tk).index_add_(1, q_bin, sums)
    counts = torch.bincount(q_bin, minlength=tq)[:, None] * torch.bincount(k_bin, minlength=tk)[None, :]
    return sums / counts


class TopKAttention:
    """Attention weights [layers, heads, queries, keys] kept as the `k` largest keys of every row.

    values [L, H, Q, k] float16, indices [L, H, Q, k] int32, rest [L, H, Q] float32 (the exact
    weight of the keys not kept: 1 - sum of the kept ones, up to rounding of the model's softmax).
    """

    approximate = True

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def __init__(self, shape: tuple[int, int, int, int], k: int):
        layers, heads, nq, nk = shape
        self.shape = tuple(int(s) for s in shape)
        self.k = min(k, nk)
        self.values = np.zeros((layers, heads, nq, self.k), np.float16)
        self.indices = np.zeros((layers, heads, nq, self.k), np.int32)
        self.rest = np.zeros((layers, heads, nq), np.float32)
        # the mean of each layer's heads, taken from the full weights and kept the same way (a mean
        # of top-k rows would need a dense [q, k] sum per request: seconds at 8192 tokens)
        self.mean_values = np.zeros((layers, 1, nq, self.k), np.float16)
        self.mean_indices = np.zeros((layers, 1, nq, self.k), np.int32)
        self.mean_rest = np.zeros((layers, 1, nq), np.float32)
        # exact block means of every head (the overview grid), from the full weights as well
        self.tq, self.tk = min(THUMB_SIZE, nq), min(THUMB_SIZE, nk)
        self.pooled = np.zeros((layers, heads, self.tq, self.tk), np.float32)

    ndim = 4
    dtype = np.dtype(np.float16)

    @property
    def nbytes(self) -> int:
        parts = (self.values, self.indices, self.rest, self.mean_values, self.mean_indices, self.mean_rest, self.pooled)
        return sum(p.nbytes for p in parts)

    def put(self, layer: int, weights: torch.Tensor) -> None:
        """Keep one layer's weights [heads, queries, keys] (float tensor, rows summing to 1)."""
        self._keep(weights, self.values, self.indices, self.rest, layer)
        self._keep(weights.mean(0, keepdim=True), self.mean_values, self.mean_indices, self.mean_rest, layer)
        self.pooled[layer] = block_means(weights, self.tq, self.tk).numpy()

    def _keep(self, weights: torch.Tensor, values, indices, rest, layer: int) -> None:
        top = torch.topk(weights, self.k, dim=-1)  # values/indices [H, Q, k]
        values[layer] = top.values.to(torch.float16).numpy()
        indices[layer] = top.indices.to(torch.int32).numpy()
        rest[layer] = (weights.sum(-1) - top.values.sum(-1)).clamp_min(0).numpy()

    def rows(self, layer: int, head: int) -> tuple[np.ndarray, np.ndarray]:
        """(values [Q, k] float16, key indices [Q, k]) of one head; head = -1: the layer's mean."""
        if head == -1:
            return self.mean_values[layer, 0], self.mean_indices[layer, 0]
        return self.values[layer, head], self.indices[layer, head]

    def head(self, layer: int, head: int) -> np.ndarray:
        """One head (-1: the layer's mean) as dense float32 [queries, keys]: kept weights in place, left-out keys 0."""
        _, _, nq, nk = self.shape
        values, indices = self.rows(layer, head)
        out = np.zeros((nq, nk), np.float32)
        np.put_along_axis(out, indices, values.astype(np.float32), axis=-1)
        return out

    def describe(self) -> str:
        rest = 100 * float(self.rest.mean())
        return (f"긴 입력: 행마다 가장 큰 {self.k}개 가중치만 저장 (나머지 평균 {rest:.1f}%는 그리지 않음; 헤드 평균도 "
                f"정확한 평균의 상위 {self.k}개, 전체 격자는 정확한 블록 평균) · long input: each query row keeps its "
                f"{self.k} largest weights; the rest (on average {rest:.1f}% of a row) is left out of the pictures. "
                f"The mean of heads keeps the {self.k} largest of the exact mean; the all-heads grid is exact.")

    def __getitem__(self, index):
        if isinstance(index, tuple) and len(index) == 2 and all(isinstance(i, (int, np.integer)) for i in index):
            return self.head(int(index[0]), int(index[1]))
        raise TypeError("A top-k attention store gives whole heads only: att[layer, head] -> [queries, keys].")

    def __repr__(self) -> str:
        return f"TopKAttention(shape={self.shape}, k={self.k}, {self.nbytes / 1e6:.0f} MB)"


class CausalAttention:
    """Causal self-attention weights [layers, heads, n, n] kept as their lower triangle (float16).

    Above the diagonal a causal model's weights are exactly 0 (the mask makes softmax give 0), so
    keeping rows' first t+1 weights only halves the store and loses nothing. `att[layer]` and
    `att[layer, head]` unpack to dense float16 numpy arrays, equal to the dense store's.
    """

    approximate = False
    ndim = 4
    dtype = np.dtype(np.float16)

    def __init__(self, shape: tuple[int, int, int, int]):
        layers, heads, n, _ = shape
        self.shape = tuple(int(s) for s in shape)
        self.packed = np.zeros((layers, heads, n * (n + 1) // 2), np.float16)
        self._flat: np.ndarray | None = None

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def nbytes(self) -> int:
        return self.packed.nbytes

    @property
    def flat(self) -> np.ndarray:
        """Row-major positions i * n + j of the kept weights (j <= i), in packing order."""
        if self._flat is None:
            n = self.shape[-1]
            rows, cols = np.tril_indices(n)
            self._flat = rows.astype(np.int64) * n + cols
        return self._flat

    def put(self, layer: int, weights: torch.Tensor) -> bool:
        """Keep one layer's weights [heads, n, n]; False (nothing kept) when they are not causal."""
        n = self.shape[-1]
        if n > 1 and bool(weights[:, 0, 1:].any()):  # the first query sees itself only: a cheap test
            return False
        flat = weights.reshape(weights.shape[0], n * n)[:, torch.from_numpy(self.flat)]
        self.packed[layer] = flat.to(torch.float16).numpy()
        return True

    def unpack(self, layer: int, heads=slice(None)) -> np.ndarray:
        """Dense float16 weights of one layer: [heads, n, n] (or [n, n] for one head index)."""
        n = self.shape[-1]
        packed = self.packed[layer, heads]
        out = np.zeros((*packed.shape[:-1], n * n), np.float16)
        out[..., self.flat] = packed
        return out.reshape(*packed.shape[:-1], n, n)

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)):
            return self.unpack(int(index))
        if isinstance(index, tuple) and len(index) == 2 and all(isinstance(i, (int, np.integer)) for i in index):
            return self.unpack(int(index[0]), int(index[1]))
        return np.asarray(self)[index]

    def __array__(self, dtype=None, copy=None):
        dense = np.stack([self.unpack(layer) for layer in range(self.shape[0])])
        return dense if dtype is None else dense.astype(dtype)

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        return f"CausalAttention(shape={self.shape}, lower triangle float16, {self.nbytes / 1e6:.0f} MB)"


class AttentionCollector:
    """Receives each layer's weights as the model computes them and stores them compactly."""

    def __init__(self, layers: int, heads: int, nq: int, nk: int, *, top_k: int | None = None, causal: bool = False):
        top_k = TOPK_KEYS if top_k is None else top_k
        self.shape = (layers, heads, nq, nk)
        full = layers * heads * nq * nk
        self.layer = 0
        if full * 2 > TOPK_ABOVE_BYTES and nk > top_k:
            self.store = TopKAttention(self.shape, top_k)
        elif causal and nq == nk and full * 4 > FLOAT16_ABOVE_BYTES:  # float16 either way: keep half of it
            self.store = CausalAttention(self.shape)
        else:
            dtype = np.float16 if full * 4 > FLOAT16_ABOVE_BYTES else np.float32
            self.store = np.empty(self.shape, dtype)

    def add(self, weights: torch.Tensor) -> bool:
        """Keep one layer ([heads, queries, keys]); False when it does not fit the expected shape."""
        if self.layer >= self.shape[0] or tuple(weights.shape) != self.shape[1:]:
            return False
        weights = weights.detach()
        if isinstance(self.store, TopKAttention):
            self.store.put(self.layer, weights.float())
        elif isinstance(self.store, CausalAttention):
            if not self.store.put(self.layer, weights):
                return False
        else:  # torch converts to float16 several times faster than numpy does
            self.store[self.layer] = weights.to(torch.float16 if self.store.dtype == np.float16 else torch.float32).numpy()
        self.layer += 1
        return True

    @property
    def complete(self) -> bool:
        return self.layer == self.shape[0]


def head(att, layer: int, head_index: int) -> np.ndarray:
    """One head's weights as float32 [queries, keys] from either form of store."""
    if isinstance(att, TopKAttention):
        return att.head(layer, head_index)
    return np.asarray(att[layer, head_index], dtype=np.float32)


def layer_mean(att, layer: int) -> np.ndarray:
    """The mean of a layer's heads, float32 [queries, keys]."""
    if isinstance(att, TopKAttention):  # the top-k of the exact mean, kept at trace time
        return att.head(layer, -1)
    return att[layer].astype(np.float32).mean(axis=0)  # a CausalAttention unpacks the layer here


def approximation_note(att) -> str:
    """What the store leaves out, in words ('' when it keeps every weight)."""
    if isinstance(att, TopKAttention):
        return att.describe()
    if isinstance(att, CausalAttention):
        return ("긴 입력: 가중치를 float16으로, 인과 마스크의 아래 삼각형만 저장 (위쪽은 정확히 0) · long input: weights kept as "
                "float16 (about 3 significant digits), lower triangle only (above it a causal model's weights are exactly 0).")
    if getattr(att, "dtype", None) == np.float16:
        return "긴 입력: 가중치를 float16으로 저장 · long input: weights kept as float16 (about 3 significant digits)."
    return ""
