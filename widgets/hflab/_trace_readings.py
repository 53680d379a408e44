"""What `trace` reads off a traced pass besides the raw tensors: attention rollout and the logit lens.

Both are computed here and only here; the views draw what these give back.

- Attention rollout (Abnar & Zuidema, 2020): multiply each layer's head-averaged attention, with
  the residual path mixed in as 0.5 * I, from the first layer up.
- Logit lens (nostalgebraist, 2020): read every layer's hidden state with the model's own output
  head, as if the model stopped there. Computed at trace time, with the model, so the `Trace`
  stays plain data.
"""

from __future__ import annotations

import numpy as np
import torch

from ._attention_store import TopKAttention, layer_mean

ROLLOUT_MAX_TOKENS = 2048  # each rollout step is an n^3 matrix product: 8192 tokens would take minutes per layer


# ---------------------------------------------------------------------------------------------
# attention rollout
# ---------------------------------------------------------------------------------------------
def rollout_step(mean_attention: np.ndarray) -> np.ndarray:
    """One layer's mixing matrix: 0.5 * head-mean attention + 0.5 * I, rows renormalised. [n, n]"""
    n = mean_attention.shape[-1]
    a = 0.5 * mean_attention.astype(np.float32) + 0.5 * np.eye(n, dtype=np.float32)
    return a / a.sum(-1, keepdims=True)


class Rollout:
    """Attention rollout through layers 0..layer of a [layers, heads, n, n] attention store.

    Computed lazily layer by layer and cached (at 2048 tokens each step is a 2048^3 product).
    `Rollout(tr.attentions).upto(tr.num_layers - 1)` -> [n, n] float32, rows sum to 1.
    """

    def __init__(self, att):
        n = att.shape[-1]
        if att.shape[-2] != n:
            raise ValueError("Rollout follows self-attention (queries = keys); cross-attention has none.")
        if n > ROLLOUT_MAX_TOKENS:
            raise ValueError(f"Rollout over {n} tokens needs {n}^3 work per layer (minutes each); "
                             f"trace at most {ROLLOUT_MAX_TOKENS} tokens to see it.")
        self.att = att
        self._steps: list[np.ndarray] = []  # cumulative products [n, n], one per layer done

    @property
    def approximate(self) -> bool:
        return isinstance(self.att, TopKAttention)

    def upto(self, layer: int) -> np.ndarray:
        """Rollout through layers 0..layer: [n, n] float32, rows sum to 1."""
        if not 0 <= layer < self.att.shape[0]:
            raise IndexError(f"layer {layer} out of range 0..{self.att.shape[0] - 1}")
        while len(self._steps) <= layer:
            step = rollout_step(layer_mean(self.att, len(self._steps)))
            self._steps.append(step if not self._steps else step @ self._steps[-1])
        return self._steps[layer]


def rollout(attentions) -> np.ndarray:
    """Rollout through every layer: [layers, heads, n, n] (numpy or torch) -> [n, n]."""
    if isinstance(attentions, torch.Tensor):
        attentions = attentions.detach().float().numpy()
    return Rollout(attentions).upto(attentions.shape[0] - 1)


# ---------------------------------------------------------------------------------------------
# logit lens
# ---------------------------------------------------------------------------------------------
class _HiddenInstead(torch.nn.Module):
    """Stands in for a model's base (body) for one call and returns the given hidden states,
    so the model's own head code (MLM transform, LM head, soft-capping, scaling) reads them."""

    def __init__(self, hidden: torch.Tensor, like: torch.nn.Module):
        super().__init__()
        self.hidden = hidden
        self.config = like.config

    def forward(self, *args, **kwargs):
        from transformers.modeling_outputs import BaseModelOutputWithPastAndCrossAttentions as Output

        return Output(last_hidden_state=self.hidden)  # the widest base output: every head finds its fields

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:  # OPT calls self.model.decoder(...): any sub-part answers for the body
            return self


def lens_capable(model) -> bool:
    """Causal and masked language models carry an output head the lens can read with."""
    name = type(model).__name__
    return name.endswith(("ForCausalLM", "LMHeadModel", "ForMaskedLM")) and model.get_output_embeddings() is not None


def _read_with_head(model, hidden: torch.Tensor) -> torch.Tensor:
    """The model's own logits for hidden states [P, D] as if its body had produced them: [P, V]."""
    prefix = model.base_model_prefix
    body = getattr(model, prefix)
    setattr(model, prefix, _HiddenInstead(hidden[None], body))
    try:
        ids = torch.zeros((1, hidden.shape[0]), dtype=torch.long)
        return model(input_ids=ids).logits[0].float()
    finally:
        setattr(model, prefix, body)


def final_norm_tracker(model):
    """Hooks that remember the last norm module outside the layer stack that ran, and its output.

    Returns (handles, seen) with seen = {"module": ..., "output": ...} after the pass.
    """
    seen: dict = {}

    def remember(module, _args, output):
        if isinstance(output, torch.Tensor):
            seen["module"], seen["output"] = module, output

    handles = []
    for name, module in model.base_model.named_modules():
        in_layer = any(part.isdigit() for part in name.split("."))
        if name and not in_layer and "norm" in type(module).__name__.lower():
            handles.append(module.register_forward_hook(remember))
    return handles, seen


def final_norm(seen: dict, last_hidden: torch.Tensor):
    """The base model's final norm if it made the last hidden state, else None (post-norm models)."""
    module, output = seen.get("module"), seen.get("output")
    if module is None or output is None or output.shape != last_hidden.shape:
        return None
    return module if torch.allclose(output.float(), last_hidden.float(), atol=1e-5) else None


def default_positions(kind: str, input_ids, mask_token_id, n: int, count: int = 16) -> list[int]:
    """Where to read the lens: [MASK] positions for masked LMs, else the last `count` tokens."""
    if kind == "encoder" and mask_token_id is not None and input_ids is not None:
        masked = [int(i) for i in np.flatnonzero(np.asarray(input_ids) == mask_token_id)]
        if masked:
            return masked[:count]
    return list(range(max(0, n - count), n))


def logit_lens(model, hidden_states: np.ndarray, logits: np.ndarray, norm, positions: list[int],
               tokenizer, k: int) -> dict:
    """Top-k tokens read from every layer at `positions` with the model's own head.

    hidden_states [L+1, N, D]; logits [N, V] (the model's output, used as the last layer's reading,
    and to check the head was found: reading the last layer must give the same logits).
    Middle layers go through the final norm first when the model has one (`norm`).
    Returns {"positions": [P], "ids": [L+1][P][k], "probs": [L+1][P][k], "tokens": [L+1][P][k]}.
    Raises ValueError when the reading of the last layer disagrees with the model's logits.
    """
    hs = torch.from_numpy(np.ascontiguousarray(hidden_states[:, positions])).float()  # [L+1, P, D]
    out_ids, out_probs = [], []
    with torch.no_grad():
        check = _read_with_head(model, hs[-1])
        truth = torch.from_numpy(np.asarray(logits[positions], dtype=np.float32))
        if not torch.allclose(check, truth, atol=1e-3 * max(1.0, float(truth.abs().max()))):
            raise ValueError(f"{type(model).__name__}: reading the last layer with its head does not give its logits.")
        for layer in range(hs.shape[0]):
            state = hs[layer] if norm is None or layer == hs.shape[0] - 1 else norm(hs[layer])
            read = truth if layer == hs.shape[0] - 1 else _read_with_head(model, state)
            top = torch.softmax(read, dim=-1).topk(k, dim=-1)
            out_ids.append(top.indices.tolist())
            out_probs.append(np.round(top.values.numpy(), 4).tolist())
    names = [[[str(t) for t in (tokenizer.convert_ids_to_tokens(row) if tokenizer is not None else row)]
              for row in layer] for layer in out_ids]
    return {"positions": [int(p) for p in positions], "ids": out_ids, "probs": out_probs, "tokens": names}
