"""The numbers behind HiddenStateView: norms, cosine similarities, PCA paths and the logit lens.

All take hidden states shaped [layers+1, tokens, dim] (row 0 = the embeddings).
"""

from __future__ import annotations

import numpy as np

PCA_FIT_ROWS = 20_000  # states used to fit the 2-D projection (all of them are projected)


TOKEN_COS_MAX = 1024  # longer inputs: token cosine is sent as block means, at most this many a side (the canvas shows <= 640 px)


def norms(hs: np.ndarray) -> np.ndarray:
    """[layers+1, tokens]: the length of each token's state after each layer."""
    hs = np.asarray(hs, np.float32)  # no copy for float32 (8192 tokens: 585 MB of states)
    return np.sqrt(np.einsum("lnd,lnd->ln", hs, hs))


def _unit(x: np.ndarray) -> np.ndarray:
    length = np.sqrt(np.einsum("...d,...d->...", x, x))[..., None]  # no squared copy of x
    return x / np.maximum(length, 1e-12)


def layer_cosine(hs: np.ndarray) -> np.ndarray:
    """[layers+1, layers+1]: cosine between two layers' states of the same token, averaged over tokens."""
    u = _unit(np.asarray(hs, np.float32)).reshape(hs.shape[0], -1)  # [L+1, N*D]: one matrix product
    return (u @ u.T) / hs.shape[1]  # numpy does A @ A.T as a symmetric product (half the work)


def token_cosine(hs: np.ndarray, layer: int) -> np.ndarray:
    """[tokens, tokens]: cosine between the states of two tokens after `layer`."""
    u = _unit(hs[layer].astype(np.float32))  # [N, D]
    return u @ u.T


def token_cosine_blocks(hs: np.ndarray, layer: int, size: int = TOKEN_COS_MAX) -> tuple[np.ndarray, int]:
    """([blocks, blocks], tokens per block): `token_cosine` averaged over blocks of consecutive tokens.

    The mean cosine between two blocks is the dot product of their mean unit vectors, so this is
    exact and costs blocks^2 instead of tokens^2 (8192 tokens: 4 per block, 16x less work).
    """
    n = hs.shape[1]
    block = -(-n // size)  # ceil
    if block == 1:
        return token_cosine(hs, layer), 1
    starts = np.arange(0, n, block)
    counts = np.diff(np.append(starts, n))[:, None]
    means = np.add.reduceat(_unit(np.asarray(hs[layer], np.float32)), starts, axis=0) / counts  # [B, D]
    return means @ means.T, block


def pca_paths(hs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each token's path through the layers in 2-D: ([layers+1, tokens, 2], explained variance ratio [2]).

    One projection for all layers (fitted on every state, or an even sample of PCA_FIT_ROWS), so
    positions are comparable from layer to layer.
    """
    flat = hs.reshape(-1, hs.shape[-1])  # [(L+1)*N, D], no copy
    fit = flat[np.linspace(0, len(flat) - 1, min(len(flat), PCA_FIT_ROWS)).astype(int)].astype(np.float64)
    mean = fit.mean(0)
    centered = fit - mean
    # the principal axes are the covariance's eigenvectors: a [D, D] problem, not an SVD of [rows, D]
    var, vecs = np.linalg.eigh(centered.T @ centered)  # ascending
    var = np.clip(var[::-1], 0, None)
    ratio = var[:2] / var.sum() if var.sum() > 0 else np.zeros(2)
    axes = vecs[:, ::-1][:, :2]  # [D, 2]
    # project without a float64 copy of every state (8192 tokens: 1.2 GB): x @ axes - mean @ axes
    coords = flat.astype(np.float32, copy=False) @ axes.astype(np.float32) - (mean @ axes).astype(np.float32)
    return coords.reshape(hs.shape[0], hs.shape[1], 2), ratio.astype(np.float32)


# ---------------------------------------------------------------------------------------------
# logit lens (computed by hflab.trace; here only chosen from)
# ---------------------------------------------------------------------------------------------
def lens_subset(lens: dict, positions: list[int] | None, k: int) -> dict:
    """The trace's logit lens cut to `positions` (default: all it read) and the top `k` of each.

    Raises ValueError naming what to trace again when a position or k was not read at trace time.
    """
    have = lens["positions"]
    positions = have if positions is None else [int(p) for p in positions]
    missing = [p for p in positions if p not in have]
    if missing:
        raise ValueError(f"The trace read the logit lens at positions {have}, not {missing}: trace again with "
                         f"hflab.trace(model, text, lens_positions={positions}).")
    stored_k = len(lens["ids"][0][0]) if lens["ids"] and lens["ids"][0] else 0
    if k > stored_k:
        raise ValueError(f"The trace kept the top {stored_k} tokens per layer; trace again with lens_top_k={k}.")
    cols = [have.index(p) for p in positions]
    pick = lambda rows: [[row[c][:k] for c in cols] for row in rows]  # noqa: E731  [L+1][P][k]
    return {"positions": positions, "ids": pick(lens["ids"]), "probs": pick(lens["probs"]),
            "tokens": pick(lens["tokens"])}
