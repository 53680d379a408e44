"""`hflab.heads`: switch attention heads off (mask), cut them out (prune), and rank them (importance).

Transformers v5 removed `head_mask` and `prune_heads`. This module brings both back:

    with hflab.heads.mask(model, {0: [3, 7], 5: [0]}):  # heads 3 and 7 of layer 0, head 0 of layer 5
        out = model(**inputs)                           # ... now contribute nothing
    hflab.heads.prune(model, {0: [3, 7]})               # gone for good: fewer weights, same output as masking
    scores = hflab.heads.importance(model, inputs)      # numpy [layers, heads]: what masking each head costs

How it works. Every attention block ends with an output projection (BERT `attention.output.dense`,
DistilBERT `out_lin`, Llama `o_proj`, GPT-2 `c_proj`) whose input is the heads' outputs laid side by
side, `[batch, seq, heads * head_dim]`. Masking zeroes a head's slice of that input with a forward
pre-hook, exactly what v4's `head_mask=0` did. Pruning deletes the same slice from the weights.

Head numbers are the model's original ones: after pruning head 3 of layer 0, head 4 is still "4".
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

__all__ = ["AttentionBlock", "attention_blocks", "mask", "prune", "importance", "least_important", "plot",
           "PruneResult", "UnsupportedModelError", "PruneError"]

CROSS_ATTENTION_NAMES = ("crossattention", "cross_attn", "encoder_attn")


class UnsupportedModelError(TypeError):
    """hflab.heads does not know where this model keeps its attention heads."""


class PruneError(ValueError):
    """These heads cannot be cut out of this model (mask them instead)."""


# ---------------------------------------------------------------------------------------------
# finding the attention blocks
# ---------------------------------------------------------------------------------------------
@dataclass
class AttentionBlock:
    """One self-attention block: the layers that make its heads and the projection that mixes them."""

    layer: int
    name: str               # e.g. "encoder.layer.0.attention"
    family: str             # "bert", "distilbert", "llama" or "gpt2"
    attention: nn.Module    # the module whose head counts the forward pass reads
    query: nn.Module        # for GPT-2 the fused c_attn (query, key and value in one)
    key: nn.Module | None
    value: nn.Module | None
    output: nn.Module       # input: [batch, seq, heads * head_dim]
    head_dim: int

    @property
    def num_heads(self) -> int:
        """Query heads present now (fewer than the config says once some are pruned)."""
        return _in_features(self.output) // self.head_dim

    @property
    def heads_per_kv(self) -> int:
        """Query heads sharing one key/value head (grouped-query attention); 1 elsewhere."""
        return getattr(self.attention, "num_key_value_groups", 1)


def _in_features(layer: nn.Module) -> int:
    # nn.Linear stores [out, in]; GPT-2's Conv1D stores [in, out].
    return layer.weight.shape[0] if type(layer).__name__ == "Conv1D" else layer.weight.shape[1]


def _as_block(name: str, module: nn.Module) -> AttentionBlock | None:
    has = lambda m, *names: all(hasattr(m, n) for n in names)  # noqa: E731
    if has(module, "self", "output") and has(module.self, "query", "key", "value", "attention_head_size") \
            and hasattr(module.output, "dense"):  # BERT, RoBERTa, ELECTRA, MiniLM ...
        s = module.self
        return AttentionBlock(-1, name, "bert", s, s.query, s.key, s.value, module.output.dense,
                              s.attention_head_size)
    if has(module, "q_lin", "k_lin", "v_lin", "out_lin", "attention_head_size"):  # DistilBERT
        m = module
        return AttentionBlock(-1, name, "distilbert", m, m.q_lin, m.k_lin, m.v_lin, m.out_lin, m.attention_head_size)
    if has(module, "q_proj", "k_proj", "v_proj", "o_proj", "head_dim", "num_key_value_groups"):  # Llama, Qwen2 ...
        m = module
        return AttentionBlock(-1, name, "llama", m, m.q_proj, m.k_proj, m.v_proj, m.o_proj, m.head_dim)
    if has(module, "c_attn", "c_proj", "head_dim", "split_size") and not getattr(module, "is_cross_attention", False):
        return AttentionBlock(-1, name, "gpt2", module, module.c_attn, None, None, module.c_proj, module.head_dim)
    return None


def _model_of(model_or_loaded) -> nn.Module:
    if isinstance(model_or_loaded, nn.Module):
        return model_or_loaded
    inner = getattr(model_or_loaded, "model", None)  # an hflab Loaded
    if isinstance(inner, nn.Module):
        return inner
    raise TypeError(f"expected a PyTorch model or what hflab.models.load() returns, got {type(model_or_loaded).__name__}")


def attention_blocks(model_or_loaded) -> list[AttentionBlock]:
    """The self-attention blocks of a model, in layer order (block.layer is its index)."""
    model = _model_of(model_or_loaded)
    blocks = []
    for name, module in model.named_modules():
        if any(part in name.lower() for part in CROSS_ATTENTION_NAMES):
            continue
        block = _as_block(name, module)
        if block is not None:
            block.layer = len(blocks)
            blocks.append(block)
    if not blocks:
        raise UnsupportedModelError(
            f"hflab.heads found no attention heads it knows in {type(model).__name__}. It handles BERT-family "
            "(BERT, RoBERTa, DistilBERT, MiniLM), Llama-family (Llama, SmolLM, Qwen2, Mistral) and GPT-2 models.")
    return blocks


# ---------------------------------------------------------------------------------------------
# head numbers: original numbers -> positions in today's (maybe pruned) weights
# ---------------------------------------------------------------------------------------------
def _pruned_heads(model: nn.Module) -> dict[int, list[int]]:
    recorded = getattr(model.config, "pruned_heads", None) or {}
    return {int(layer): sorted(int(h) for h in heads) for layer, heads in recorded.items()}  # JSON keys are str


def _present_heads(model: nn.Module, block: AttentionBlock) -> list[int]:
    """Original numbers of the heads still in `block`, in the order their weights sit."""
    gone = set(_pruned_heads(model).get(block.layer, []))
    total = block.num_heads + len(gone)
    return [h for h in range(total) if h not in gone]


def _as_int(value, what: str) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an integer, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an integer, got {value!r}") from None


def _positions(model: nn.Module, blocks: list[AttentionBlock], heads) -> dict[int, list[int]]:
    """Check `{layer: [head, ...]}` and turn it into {layer: [positions in today's weights]}."""
    if not isinstance(heads, Mapping):
        raise TypeError("heads must be a dict {layer: [head, ...]}, e.g. {0: [3, 7], 5: [0]}")
    plan: dict[int, list[int]] = {}
    for layer, numbers in heads.items():
        layer = _as_int(layer, "a layer number")
        if not 0 <= layer < len(blocks):
            raise IndexError(f"layer {layer} does not exist: {type(model).__name__} has {len(blocks)} attention "
                             f"layers, numbered 0..{len(blocks) - 1}")
        if isinstance(numbers, (int, np.integer)) and not isinstance(numbers, bool):
            numbers = [numbers]
        present = _present_heads(model, blocks[layer])
        positions = []
        for number in numbers:
            number = _as_int(number, f"a head number (layer {layer})")
            if number not in present:
                total = len(present) + len(_pruned_heads(model).get(layer, []))
                if 0 <= number < total:
                    raise IndexError(f"head {number} of layer {layer} was pruned already")
                raise IndexError(f"layer {layer} has heads 0..{total - 1}; there is no head {number}")
            positions.append(present.index(number))
        if positions:
            plan[layer] = sorted(set(positions))
    return plan


# ---------------------------------------------------------------------------------------------
# mask: hooks that scale each head's slice of the output projection's input
# ---------------------------------------------------------------------------------------------
def _scale_heads_hook(gates: torch.Tensor, head_dim: int):
    """A forward pre-hook multiplying head h's slice by gates[h] (gates: [heads])."""

    def hook(module, args):
        x, *rest = args                                   # x: [batch, seq, heads * head_dim]
        scale = gates.to(x.dtype).repeat_interleave(head_dim)  # [heads * head_dim]
        return (x * scale, *rest)

    return hook


@contextmanager
def _gated(blocks: list[AttentionBlock], gates: dict[int, torch.Tensor]) -> Iterator[None]:
    handles = []
    try:
        for layer, layer_gates in gates.items():
            block = blocks[layer]
            handles.append(block.output.register_forward_pre_hook(_scale_heads_hook(layer_gates, block.head_dim)))
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def mask(model, heads: Mapping) -> Iterator[nn.Module]:
    """Within the `with` block, the given heads contribute nothing; on exit (or an error) all is as before.

        with hflab.heads.mask(model, {layer: [head, ...]}) as masked:
            out = masked(**inputs)

    Gives back the model itself (`model` may also be what `hflab.models.load()` returned).
    """
    model = _model_of(model)
    blocks = attention_blocks(model)
    gates = {}
    for layer, positions in _positions(model, blocks, heads).items():
        layer_gates = torch.ones(blocks[layer].num_heads)
        layer_gates[positions] = 0.0
        gates[layer] = layer_gates.to(blocks[layer].output.weight.device)
    with _gated(blocks, gates):
        yield model


# ---------------------------------------------------------------------------------------------
# prune: weight surgery
# ---------------------------------------------------------------------------------------------
@dataclass
class PruneResult:
    """What `prune` did: heads removed per layer (original numbers) and the parameter counts."""

    removed: dict[int, list[int]]
    parameters_before: int
    parameters_after: int

    def __repr__(self) -> str:
        n = sum(len(h) for h in self.removed.values())
        saved = self.parameters_before - self.parameters_after
        share = saved / self.parameters_before if self.parameters_before else 0.0
        return (f"PruneResult(removed {n} heads in {len(self.removed)} layers: {self.parameters_before:,} -> "
                f"{self.parameters_after:,} parameters, -{saved:,} ({share:.1%}))")


def _head_columns(positions: list[int], head_dim: int, device) -> torch.Tensor:
    """Indices of the features belonging to the heads at `positions`: [len(positions) * head_dim]."""
    return torch.cat([torch.arange(p * head_dim, (p + 1) * head_dim, device=device) for p in positions])


def _replace(module: nn.Module, name: str, tensor: torch.Tensor) -> None:
    old = getattr(module, name)
    setattr(module, name, nn.Parameter(tensor.detach().clone().contiguous(), requires_grad=old.requires_grad))


def _keep_outputs(linear: nn.Linear, index: torch.Tensor) -> None:
    _replace(linear, "weight", linear.weight[index])        # [out, in] -> [kept, in]
    if linear.bias is not None:
        _replace(linear, "bias", linear.bias[index])
    linear.out_features = len(index)


def _keep_inputs(linear: nn.Linear, index: torch.Tensor) -> None:
    _replace(linear, "weight", linear.weight[:, index])     # [out, in] -> [out, kept]
    linear.in_features = len(index)


def _prune_qkv_block(block: AttentionBlock, keep: list[int]) -> None:
    """BERT / RoBERTa / DistilBERT: every head has its own query, key and value rows."""
    cols = _head_columns(keep, block.head_dim, block.output.weight.device)
    for linear in (block.query, block.key, block.value):
        _keep_outputs(linear, cols)
    _keep_inputs(block.output, cols)
    if block.family == "bert":
        block.attention.num_attention_heads = len(keep)
        block.attention.all_head_size = len(keep) * block.head_dim
    else:
        block.attention.n_heads = len(keep)


def _prune_gpt2_block(block: AttentionBlock, keep: list[int]) -> None:
    """GPT-2: c_attn is one Conv1D [in, 3 * width] holding query, key and value side by side."""
    width = block.num_heads * block.head_dim
    cols = _head_columns(keep, block.head_dim, block.output.weight.device)
    fused = torch.cat([cols, cols + width, cols + 2 * width])
    c_attn, c_proj = block.query, block.output
    _replace(c_attn, "weight", c_attn.weight[:, fused])      # [in, 3 * kept_width]
    _replace(c_attn, "bias", c_attn.bias[fused])
    c_attn.nf = len(fused)
    _replace(c_proj, "weight", c_proj.weight[cols, :])       # [kept_width, out]
    c_proj.nx = len(cols)
    block.attention.num_heads = len(keep)
    block.attention.split_size = len(cols)


def _gqa_groups_after(block: AttentionBlock, keep: list[int]) -> tuple[list[int], int]:
    """Key/value heads still used after keeping query heads `keep`, and query heads per KV head."""
    per_kv = block.heads_per_kv
    counts: dict[int, int] = {}
    for position in keep:
        counts[position // per_kv] = counts.get(position // per_kv, 0) + 1
    if len(set(counts.values())) > 1:
        groups = ", ".join(f"KV head {g}: query heads {g * per_kv}..{(g + 1) * per_kv - 1}"
                           for g in range(block.num_heads // per_kv))
        left = ", ".join(f"{counts.get(g, 0)}" for g in range(block.num_heads // per_kv))
        raise PruneError(
            f"layer {block.layer} uses grouped-query attention: each key/value head is shared by {per_kv} query "
            f"heads (positions today: {groups}). Pruning must leave every remaining group the same number of "
            f"query heads, but this request leaves {left} per group. Remove whole groups, or the same number "
            "of heads from each group - or use hflab.heads.mask(...), which works for any heads.")
    return sorted(counts), next(iter(counts.values()))


def _prune_llama_block(block: AttentionBlock, keep: list[int]) -> None:
    """Llama-family: query heads go; a key/value head goes only when none of its query heads is left."""
    kv_kept, per_kv_after = _gqa_groups_after(block, keep)
    device = block.output.weight.device
    q_cols = _head_columns(keep, block.head_dim, device)
    kv_cols = _head_columns(kv_kept, block.head_dim, device)
    _keep_outputs(block.query, q_cols)
    _keep_outputs(block.key, kv_cols)
    _keep_outputs(block.value, kv_cols)
    _keep_inputs(block.output, q_cols)
    block.attention.num_key_value_groups = per_kv_after  # read by repeat_kv in eager and SDPA attention


_PRUNERS = {"bert": _prune_qkv_block, "distilbert": _prune_qkv_block, "gpt2": _prune_gpt2_block,
            "llama": _prune_llama_block}


def _count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _check_prunable(blocks: list[AttentionBlock], plan: dict[int, list[int]]) -> None:
    """Refuse before touching any weight, so a refused request leaves the model whole."""
    for layer, positions in plan.items():
        block = blocks[layer]
        keep = [p for p in range(block.num_heads) if p not in positions]
        if not keep:
            raise PruneError(f"pruning every head of layer {layer} would leave the layer no attention at all; "
                             "keep at least one (or mask them all with hflab.heads.mask).")
        if block.family == "llama":
            _gqa_groups_after(block, keep)


def prune(model, heads: Mapping) -> PruneResult:
    """Cut heads out of the weights for good: `{layer: [head, ...]}` with the model's original head numbers.

    Query/key/value rows and output-projection columns of those heads are deleted, so the model is
    smaller and faster, and its output equals what `mask` gives for the same heads. The model changes
    in place; `model.config.pruned_heads` records what was removed. Works for BERT-family models,
    GPT-2, and Llama-family models as far as grouped-query attention allows (see PruneError).
    Gives back a PruneResult (heads removed, parameters before and after).
    """
    from .models import forget

    model = _model_of(model)
    blocks = attention_blocks(model)
    plan = _positions(model, blocks, heads)
    _check_prunable(blocks, plan)
    before = _count_parameters(model)
    removed = {}
    record = _pruned_heads(model)
    for layer, positions in plan.items():
        block = blocks[layer]
        present = _present_heads(model, block)
        removed[layer] = [present[p] for p in positions]
        keep = [p for p in range(block.num_heads) if p not in positions]
        _PRUNERS[block.family](block, keep)
        record[layer] = sorted(set(record.get(layer, [])) | set(removed[layer]))
    model.config.pruned_heads = record
    forget(model)
    return PruneResult(removed, before, _count_parameters(model))


# ---------------------------------------------------------------------------------------------
# importance: what each head costs when it is switched off
# ---------------------------------------------------------------------------------------------
def _prepare_inputs(model_or_loaded, model: nn.Module, inputs, tokenizer) -> dict:
    if isinstance(inputs, (str, list, tuple)):
        tokenizer = tokenizer or getattr(model_or_loaded, "tokenizer", None)
        if tokenizer is None:
            raise TypeError("to score heads on text, pass tokenizer=... (or the object hflab.models.load() gives)")
        inputs = tokenizer(inputs if isinstance(inputs, str) else list(inputs), return_tensors="pt", padding=True)
    if not isinstance(inputs, Mapping):
        raise TypeError("inputs must be text or a dict of tensors (what a tokenizer returns with return_tensors='pt')")
    device = next(model.parameters()).device
    return {k: v.to(device) if torch.is_tensor(v) else v for k, v in inputs.items()}


def _token_weights(inputs: dict, like: torch.Tensor) -> torch.Tensor:
    """[batch, seq] weights: 1 for real tokens, 0 for padding."""
    attention = inputs.get("attention_mask")
    if attention is None:
        return torch.ones(like.shape[:2], device=like.device)
    return attention.to(like.dtype)


def _output_change(reference, changed, inputs: dict) -> float:
    """How far the masked output moved: loss increase, else KL of next-token/class distributions,
    else 1 - cosine of the hidden states (averaged over real tokens)."""
    if getattr(reference, "loss", None) is not None:
        return float(changed.loss - reference.loss)
    logits = getattr(reference, "logits", None)
    if logits is not None:
        p_log, q_log = logits.float().log_softmax(-1), changed.logits.float().log_softmax(-1)
        kl = (p_log.exp() * (p_log - q_log)).sum(-1)          # [batch, seq] or [batch]
        if kl.dim() == 2:
            weights = _token_weights(inputs, kl)
            return float((kl * weights).sum() / weights.sum())
        return float(kl.mean())
    ref, new = reference.last_hidden_state.float(), changed.last_hidden_state.float()
    distance = 1 - torch.nn.functional.cosine_similarity(ref, new, dim=-1)   # [batch, seq]
    weights = _token_weights(inputs, distance)
    return float((distance * weights).sum() / weights.sum())


def _mask_scores(model, blocks, inputs, scores: np.ndarray) -> None:
    with torch.no_grad():
        reference = model(**inputs)
        for block in blocks:
            for position, head in enumerate(_present_heads(model, block)):
                gates = torch.ones(block.num_heads, device=block.output.weight.device)
                gates[position] = 0.0
                with _gated(blocks, {block.layer: gates}):
                    scores[block.layer, head] = _output_change(reference, model(**inputs), inputs)


def _gradient_scores(model, blocks, inputs, scores: np.ndarray) -> None:
    """Michel et al. (2019): |d loss / d gate| with every head's gate at 1 - one backward pass for all heads."""
    if "labels" not in inputs and type(model).__name__.endswith("ForCausalLM"):
        inputs = {**inputs, "labels": inputs["input_ids"]}
    gates = {b.layer: torch.ones(b.num_heads, device=b.output.weight.device, requires_grad=True) for b in blocks}
    with _gated(blocks, gates), torch.enable_grad():
        loss = getattr(model(**inputs), "loss", None)
        if loss is None:
            raise ValueError("method='gradient' needs a loss: pass labels in inputs (a model without a task "
                             "head has none), or use method='mask'.")
        grads = torch.autograd.grad(loss, [gates[b.layer] for b in blocks])
    for block, grad in zip(blocks, grads, strict=True):
        scores[block.layer, _present_heads(model, block)] = grad.abs().cpu().numpy()


def importance(model, inputs, *, method: str = "mask", tokenizer=None) -> np.ndarray:
    """Score every head by what switching it off costs on `inputs` (text, or a dict of tensors).

    method="mask": one forward pass per head with that head masked; the score is the loss increase
    when `inputs` hold labels, else the KL divergence of the output distribution (models with logits),
    else 1 - cosine similarity of the last hidden states. method="gradient": Michel et al. (2019),
    |d loss / d head gate| from one backward pass (needs labels, or a causal LM).
    Gives back a numpy array [layers, heads]; heads already pruned are NaN. Higher = more important.
    """
    loaded = model
    model = _model_of(model)
    blocks = attention_blocks(model)
    inputs = _prepare_inputs(loaded, model, inputs, tokenizer)
    width = max(len(_present_heads(model, b)) + len(_pruned_heads(model).get(b.layer, [])) for b in blocks)
    scores = np.full((len(blocks), width), np.nan)   # [layers, heads]
    was_training = model.training
    model.eval()
    try:
        if method == "mask":
            _mask_scores(model, blocks, inputs, scores)
        elif method == "gradient":
            _gradient_scores(model, blocks, inputs, scores)
        else:
            raise ValueError(f"method must be 'mask' or 'gradient', got {method!r}")
    finally:
        model.train(was_training)
    return scores


def least_important(scores: np.ndarray, share: float) -> dict[int, list[int]]:
    """The `share` (0..1) of heads with the lowest scores, as {layer: [head, ...]} for mask/prune.

    Every layer keeps at least its most important head, so the result can always be pruned.
    """
    if not 0 <= share < 1:
        raise ValueError(f"share must be in [0, 1), got {share}")
    present = [(scores[layer, head], layer, head) for layer in range(scores.shape[0])
               for head in range(scores.shape[1]) if not np.isnan(scores[layer, head])]
    best_head = {}  # layer -> its highest-scoring head, never picked
    for _score, layer, head in sorted(present):
        best_head[layer] = head
    candidates = sorted(entry for entry in present if best_head[entry[1]] != entry[2])
    chosen = candidates[: int(round(share * len(present)))]
    picked: dict[int, list[int]] = {}
    for _, layer, head in chosen:
        picked.setdefault(int(layer), []).append(int(head))
    return {layer: sorted(heads) for layer, heads in sorted(picked.items())}


def plot(scores: np.ndarray, ax=None, title: str = "head importance"):
    """A layers x heads heatmap of `scores` (matplotlib); gives back the Axes."""
    import matplotlib.pyplot as plt

    from hflab._env import ensure_korean_font

    ensure_korean_font()  # Hangul labels, even without hflab.setup()

    if ax is None:
        _, ax = plt.subplots(figsize=(0.45 * scores.shape[1] + 2, 0.35 * scores.shape[0] + 1.5))
    image = ax.imshow(np.ma.masked_invalid(scores), cmap="viridis", aspect="auto")
    ax.set_xlabel("head")
    ax.set_ylabel("layer")
    ax.set_title(title)
    ax.figure.colorbar(image, ax=ax)
    return ax
