"""The numbers behind HiddenStateView: norms, cosine similarities, PCA paths and the logit lens.

All take hidden states shaped [layers+1, tokens, dim] (row 0 = the embeddings).
"""

from __future__ import annotations

import numpy as np

PCA_FIT_ROWS = 20_000  # states used to fit the 2-D projection (all of them are projected)


def norms(hs: np.ndarray) -> np.ndarray:
    """[layers+1, tokens]: the length of each token's state after each layer."""
    return np.linalg.norm(hs.astype(np.float32), axis=-1)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def layer_cosine(hs: np.ndarray) -> np.ndarray:
    """[layers+1, layers+1]: cosine between two layers' states of the same token, averaged over tokens."""
    u = _unit(hs.astype(np.float32))  # [L+1, N, D]
    return np.einsum("lnd,mnd->lm", u, u) / hs.shape[1]


def token_cosine(hs: np.ndarray, layer: int) -> np.ndarray:
    """[tokens, tokens]: cosine between the states of two tokens after `layer`."""
    u = _unit(hs[layer].astype(np.float32))  # [N, D]
    return u @ u.T


def pca_paths(hs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each token's path through the layers in 2-D: ([layers+1, tokens, 2], explained variance ratio [2]).

    One projection for all layers (fitted on every state, or an even sample of PCA_FIT_ROWS), so
    positions are comparable from layer to layer.
    """
    flat = hs.reshape(-1, hs.shape[-1]).astype(np.float64)  # [(L+1)*N, D]
    fit = flat[np.linspace(0, len(flat) - 1, min(len(flat), PCA_FIT_ROWS)).astype(int)]
    mean = fit.mean(0)
    _, sing, vt = np.linalg.svd(fit - mean, full_matrices=False)
    var = sing**2
    ratio = var[:2] / var.sum() if var.sum() > 0 else np.zeros(2)
    coords = (flat - mean) @ vt[:2].T  # [(L+1)*N, 2]
    return coords.reshape(hs.shape[0], hs.shape[1], 2).astype(np.float32), ratio.astype(np.float32)


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
