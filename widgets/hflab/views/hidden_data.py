"""The numbers behind HiddenStateView: norms, cosine similarities, PCA paths and the logit lens.

All take hidden states shaped [layers+1, tokens, dim] (row 0 = the embeddings).
"""

from __future__ import annotations

import numpy as np
import torch

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
# logit lens
# ---------------------------------------------------------------------------------------------
class NoLogitLens(ValueError):
    """This model has no language-model head to read the hidden states with."""


def _final_norm(model):
    base = getattr(model, "base_model", model)
    for name in ("norm", "ln_f", "final_layernorm", "final_layer_norm", "layer_norm"):
        module = getattr(base, name, None)
        if isinstance(module, torch.nn.Module):
            return module
    return None


def lens_reader(trace):
    """A function hidden [P, D] -> logits [P, V] for every layer but the last, and one for the last.

    Decoders: the final norm then the LM head (the last layer's state is already normed in v5).
    Masked LMs: the model's MLM head (BERT's `cls`, RoBERTa's `lm_head`) on every layer.
    """
    model = trace.model
    if model is None:
        raise NoLogitLens("The trace holds no model; trace again with hflab.trace(model, ...).")
    name = type(model).__name__
    if trace.kind == "decoder" and model.get_output_embeddings() is not None:
        head, norm = model.get_output_embeddings(), _final_norm(model)
        if norm is None:
            raise NoLogitLens(f"{name}: no final norm found to read middle layers with.")
        return (lambda x: head(norm(x))), head
    mlm = getattr(model, "cls", None) if name.endswith("ForMaskedLM") else None
    mlm = mlm if mlm is not None else (getattr(model, "lm_head", None) if name.endswith("ForMaskedLM") else None)
    if trace.kind == "encoder" and mlm is not None:
        return mlm, mlm
    raise NoLogitLens(
        f"The logit lens reads hidden states with a language-model head; {name} ({trace.kind}) has none. "
        "Use a ...ForCausalLM (e.g. 'smollm2', 'gpt2') or ...ForMaskedLM (e.g. 'distilroberta') model.")


def default_positions(trace, count: int = 16) -> list[int]:
    """Where to read the lens: [MASK] positions for masked LMs, else the last `count` tokens."""
    n = trace.hidden_states.shape[1]
    tok = trace.tokenizer
    mask_id = getattr(tok, "mask_token_id", None) if tok is not None else None
    if trace.kind == "encoder" and mask_id is not None and trace.input_ids is not None:
        masked = [int(i) for i in np.flatnonzero(trace.input_ids == mask_id)]
        if masked:
            return masked[:count]
    return list(range(max(0, n - count), n))


def logit_lens(trace, positions: list[int] | None = None, k: int = 5) -> dict:
    """Top-k next tokens (decoders) or fillers (masked LMs) read from every layer.

    Returns {"positions": [P], "ids": [L+1][P][k], "probs": [L+1][P][k], "tokens": [L+1][P][k]}.
    Raises NoLogitLens for models without a language-model head.
    """
    middle, last = lens_reader(trace)
    positions = default_positions(trace) if positions is None else [int(p) for p in positions]
    hs = torch.from_numpy(np.ascontiguousarray(trace.hidden_states[:, positions])).float()  # [L+1, P, D]
    out_ids, out_probs = [], []
    with torch.no_grad():
        for layer in range(hs.shape[0]):
            reader = last if layer == hs.shape[0] - 1 else middle
            probs = torch.softmax(reader(hs[layer]).float(), dim=-1)  # [P, V]
            top = probs.topk(k, dim=-1)
            out_ids.append(top.indices.tolist())
            out_probs.append(np.round(top.values.numpy(), 4).tolist())
    tok = trace.tokenizer
    names = [[[str(t) for t in (tok.convert_ids_to_tokens(row) if tok is not None else row)] for row in layer]
             for layer in out_ids]
    return {"positions": positions, "ids": out_ids, "probs": out_probs, "tokens": names}
