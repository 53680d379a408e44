"""`hflab.heads`: switch attention heads off (mask), cut them out (prune), and rank them (importance).

Transformers v5 removed `head_mask` and `prune_heads`. This module brings both back:

    with hflab.heads.mask(model, {0: [3, 7], 5: [0]}):  # heads 3 and 7 of layer 0, head 0 of layer 5
        out = model(**inputs)                           # ... now contribute nothing
    hflab.heads.prune(model, {0: [3, 7]})               # gone for good: fewer weights, same output as masking
    scores = hflab.heads.importance(model, inputs)      # numpy [layers, heads]: what masking each head costs

How it works. Every attention block ends with an output projection (BERT `attention.output.dense`,
DistilBERT `out_lin`, Llama `o_proj`, GPT-2 `c_proj`, GPT-NeoX/Phi/Falcon/BLOOM `dense`, OPT/BART
`out_proj`, T5 `o`, ModernBERT `Wo`) whose input is the heads' outputs laid side by side,
`[batch, seq, heads * head_dim]`. Masking zeroes a head's slice of that input with a forward
pre-hook, exactly what v4's `head_mask=0` did. Pruning deletes the same slice from the output
projection's input columns, and the head's rows from the query, key and value projections that feed it.

Layers are the model's self-attention blocks in the order they run; an encoder-decoder's encoder
layers come first, then its decoder's (cross-attention is left alone). Head numbers are the model's
original ones: after pruning head 3 of layer 0, head 4 is still "4".
"""

from __future__ import annotations

import dataclasses
import inspect
import operator
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

__all__ = ["AttentionBlock", "attention_blocks", "mask", "prune", "importance", "least_important", "plot",
           "PruneResult", "UnsupportedModelError", "PruneError"]

CROSS_ATTENTION_NAMES = ("crossattention", "cross_attn", "encoder_attn", "encdecattention")

# The names transformers gives an attention block's parts (the first match wins).
SEPARATE_QKV_NAMES = (("query", "key", "value"), ("q_proj", "k_proj", "v_proj"), ("q_lin", "k_lin", "v_lin"),
                      ("query_proj", "key_proj", "value_proj"), ("q", "k", "v"))
FUSED_QKV_NAMES = ("c_attn", "qkv_proj", "Wqkv", "query_key_value")
OUTPUT_NAMES = ("o_proj", "out_proj", "dense", "c_proj", "out_lin", "Wo", "o")
HEAD_DIM_NAMES = ("head_dim", "attention_head_size", "head_size", "key_value_proj_dim")
HEAD_COUNT_NAMES = ("num_heads", "num_attention_heads", "n_heads", "n_head")
KV_HEAD_COUNT_NAMES = ("num_key_value_heads", "num_kv_heads")
EXTRA_PER_HEAD_NAMES = ("pos_query_proj", "pos_key_proj")  # DeBERTa: relative positions, one slice per head


class UnsupportedModelError(TypeError):
    """hflab.heads does not know where this model keeps its attention heads."""


class PruneError(ValueError):
    """These heads cannot be cut out of this model (mask them instead)."""


# ---------------------------------------------------------------------------------------------
# finding the attention blocks
# ---------------------------------------------------------------------------------------------
@dataclass
class AttentionBlock:
    """One self-attention block: the layers that make its heads and the projection that mixes them.

    layout says how query, key and value come out of the block's input:
      "separate"  three projections (BERT `query/key/value`, Llama `q_proj/k_proj/v_proj`, T5 `q/k/v`);
      "thirds"    one fused projection: all queries, then all keys, then all values
                  (GPT-2 `c_attn`, Phi-3 `qkv_proj`, ModernBERT `Wqkv`, Falcon-7B's multi-query `query_key_value`);
      "grouped"   one fused projection, key/value group by group: [its queries, its key, its value]
                  (GPT-NeoX, BLOOM and Falcon `query_key_value`; a group is one head unless Falcon shares keys).
    """

    layer: int
    name: str               # e.g. "encoder.layer.0.attention"
    layout: str             # "separate", "thirds" or "grouped"
    attention: nn.Module    # the module whose head counts the forward pass reads
    query: nn.Module        # the fused projection when layout is "thirds" or "grouped"
    key: nn.Module | None
    value: nn.Module | None
    output: nn.Module       # input: [batch, seq, heads * head_dim]
    head_dim: int
    call: int = 0           # ALBERT runs one block in several layers: this layer is its call number `call`
    calls: int = 1          # ... of `calls` per forward pass

    @property
    def num_heads(self) -> int:
        """Query heads present now (fewer than the config says once some are pruned)."""
        return _in_features(self.output) // self.head_dim

    @property
    def num_kv_heads(self) -> int:
        """Key/value heads present now (fewer than query heads under grouped-query or multi-query attention)."""
        if self.layout == "separate":
            return _out_features(self.key) // self.head_dim
        # fused width = (queries + 2 * key/value heads) * head_dim, in both fused layouts
        return (_out_features(self.query) // self.head_dim - self.num_heads) // 2

    @property
    def heads_per_kv(self) -> int:
        """Query heads sharing one key/value head (grouped-query attention); 1 elsewhere."""
        return self.num_heads // self.num_kv_heads


def _is_conv1d(layer: nn.Module) -> bool:
    return type(layer).__name__ == "Conv1D"  # GPT-2's projection: weight [in, out], the transpose of nn.Linear


def _in_features(layer: nn.Module) -> int:
    return layer.weight.shape[0] if _is_conv1d(layer) else layer.weight.shape[1]


def _out_features(layer: nn.Module) -> int:
    return layer.weight.shape[1] if _is_conv1d(layer) else layer.weight.shape[0]


def _child(module: nn.Module, names) -> tuple[str, nn.Module] | tuple[None, None]:
    for name in names:
        child = getattr(module, name, None)
        if isinstance(child, nn.Module) and hasattr(child, "weight"):
            return name, child
    return None, None


def _first_int(module: nn.Module, names) -> int | None:
    for name in names:
        value = getattr(module, name, None)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _as_block(name: str, module: nn.Module) -> AttentionBlock | None:
    """The block `module` is, or None. Exact: every width must add up, or it is not taken for a block."""
    attention = module
    _, output = _child(module, OUTPUT_NAMES)
    if hasattr(module, "self") and hasattr(getattr(module, "output", None), "dense"):  # BERT's self + output.dense
        attention, output = module.self, module.output.dense
    if output is None or getattr(attention, "is_cross_attention", False):
        return None
    head_dim = _first_int(attention, HEAD_DIM_NAMES)
    if head_dim is None or _in_features(output) % head_dim:
        return None
    heads = _in_features(output) // head_dim
    for q_name, k_name, v_name in SEPARATE_QKV_NAMES:
        parts = [getattr(attention, n, None) for n in (q_name, k_name, v_name)]
        if all(isinstance(p, nn.Module) and hasattr(p, "weight") for p in parts):
            query, key, value = parts
            if _out_features(query) != heads * head_dim or _out_features(key) != _out_features(value) \
                    or _out_features(key) % head_dim or heads % (_out_features(key) // head_dim):
                return None
            return AttentionBlock(-1, name, "separate", attention, query, key, value, output, head_dim)
    fused_name, fused = _child(attention, FUSED_QKV_NAMES)
    if fused is None:
        return None
    # Falcon-7B: one key and one value for all heads, after all the queries
    multi_query = getattr(attention, "multi_query", False) and not getattr(attention, "new_decoder_architecture", False)
    layout = "grouped" if fused_name == "query_key_value" and not multi_query else "thirds"
    width = _out_features(fused) // head_dim - heads   # = 2 * key/value heads
    if _out_features(fused) % head_dim or width <= 0 or width % 2 or heads % (width // 2):
        return None
    return AttentionBlock(-1, name, layout, attention, fused, None, None, output, head_dim)


def _model_of(model_or_loaded) -> nn.Module:
    if isinstance(model_or_loaded, nn.Module):
        return model_or_loaded
    inner = getattr(model_or_loaded, "model", None)  # an hflab Loaded
    if isinstance(inner, nn.Module):
        return inner
    raise TypeError(f"expected a PyTorch model or what hflab.models.load() returns, got {type(model_or_loaded).__name__}")


def _in_running_order(model: nn.Module, blocks: list[AttentionBlock]) -> list[AttentionBlock]:
    """ALBERT keeps `num_hidden_groups` groups of `inner_group_num` layers and runs them for
    `num_hidden_layers` layers (one group, reused, by default): list each run as its own layer."""
    config = getattr(model, "config", None)
    groups, inner = getattr(config, "num_hidden_groups", None), getattr(config, "inner_group_num", None)
    if not (groups and inner) or len(blocks) != groups * inner:
        return blocks
    layers = config.num_hidden_layers
    per_group = layers // groups                       # how often each group runs
    ran = []
    for i in range(layers):
        group = int(i / (layers / groups))            # as AlbertTransformer.forward picks it
        for j in range(inner):
            ran.append(dataclasses.replace(blocks[group * inner + j], call=i - group * per_group, calls=per_group))
    return ran


def attention_blocks(model_or_loaded) -> list[AttentionBlock]:
    """The self-attention blocks of a model, in layer order (block.layer is its index)."""
    model = _model_of(model_or_loaded)
    blocks = []
    for name, module in model.named_modules():
        if any(part in name.lower() for part in CROSS_ATTENTION_NAMES):
            continue
        block = _as_block(name, module)
        if block is not None:
            blocks.append(block)
    if not blocks:
        raise UnsupportedModelError(
            f"hflab.heads found no attention heads it knows in {type(model).__name__}: no block with query/key/value "
            "projections (separate or fused) and an output projection over heads * head_dim. It handles BERT-family "
            "(BERT, RoBERTa, DistilBERT, ALBERT, ELECTRA, DeBERTa, ModernBERT), GPT-2, GPT-NeoX, GPT-J, "
            "Llama-family (Llama, Mistral, Qwen, Gemma, OLMo, Phi), Falcon, OPT, BLOOM, T5 and BART-family models.")
    blocks = _in_running_order(model, blocks)
    for layer, block in enumerate(blocks):
        block.layer = layer
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
class _HeadGate:
    """A forward pre-hook multiplying head h's slice of the output projection's input by gates[h].

    For a block that runs in several layers (ALBERT) it acts on its own layer's call only."""

    def __init__(self, gates: torch.Tensor, block: AttentionBlock):
        self.gates, self.head_dim, self.call, self.calls = gates, block.head_dim, block.call, block.calls
        self.seen = 0

    def __call__(self, module, args):
        seen, self.seen = self.seen, self.seen + 1
        if seen % self.calls != self.call:
            return None
        x, *rest = args                                               # x: [batch, seq, heads * head_dim]
        scale = self.gates.to(x.dtype).repeat_interleave(self.head_dim)  # [heads * head_dim]
        return (x * scale, *rest)


def _restart_counts(hooks: list[_HeadGate]):
    def restart(module, args):
        for hook in hooks:
            hook.seen = 0

    return restart


@contextmanager
def _gated(model: nn.Module, blocks: list[AttentionBlock], gates: dict[int, torch.Tensor]) -> Iterator[None]:
    hooks = [_HeadGate(layer_gates, blocks[layer]) for layer, layer_gates in gates.items()]
    handles = []
    try:
        for hook, layer in zip(hooks, gates, strict=True):
            handles.append(blocks[layer].output.register_forward_pre_hook(hook))
        if any(hook.calls > 1 for hook in hooks):  # count calls from each forward pass's start
            handles.append(model.register_forward_pre_hook(_restart_counts(hooks)))
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def mask(model, heads: Mapping) -> Iterator[nn.Module]:
    """Within the `with` block, the given heads contribute nothing; on exit (or an error) all is as before.

        with hflab.heads.mask(model, {layer: [head, ...]}) as masked:
            out = masked(**inputs)

    Works on any model whose attention ends in an output projection over the heads side by side
    (every family hflab.heads knows, pruned or not). Gives back the model itself (`model` may also
    be what `hflab.models.load()` returned).
    """
    model = _model_of(model)
    blocks = attention_blocks(model)
    gates = {}
    for layer, positions in _positions(model, blocks, heads).items():
        layer_gates = torch.ones(blocks[layer].num_heads)
        layer_gates[positions] = 0.0
        gates[layer] = layer_gates.to(blocks[layer].output.weight.device)
    with _gated(model, blocks, gates):
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


# Attention classes whose forward pass reads a head count that pruning cannot change per layer.
_CANNOT_PRUNE = {
    "Phi3Attention": "Phi-3 splits its fused qkv_proj at config.num_attention_heads * head_dim, one number "
                     "shared by every layer, so a layer cannot have fewer query heads than the others",
    "T5Attention": "T5 computes its relative-position bias once, for every head, in the first layer and "
                   "reuses it in all layers, so a layer cannot have fewer heads than the others",
}


def _prune_refusal(block: AttentionBlock) -> str | None:
    """Why this block's heads cannot be cut out of its weights (None: they can)."""
    if block.calls > 1:
        return ("ALBERT shares one attention block's weights between its layers, so cutting a head out "
                "of one layer would cut it out of all of them")
    if getattr(block.attention, "slow_but_exact", False) and getattr(block.attention, "pretraining_tp", 1) > 1:
        return ("this BLOOM splits its output projection into config.pretraining_tp slices of the full hidden "
                "size (slow_but_exact=True); set model.config.slow_but_exact = False first")
    return _CANNOT_PRUNE.get(type(block.attention).__name__)


def _head_rows(positions: list[int], head_dim: int, start: int = 0) -> torch.Tensor:
    """Feature indices of the heads at `positions`, counted from `start`: [len(positions) * head_dim]."""
    if not positions:
        return torch.zeros(0, dtype=torch.long)
    return torch.cat([torch.arange(start + p * head_dim, start + (p + 1) * head_dim) for p in positions])


def _replace(module: nn.Module, name: str, tensor: torch.Tensor) -> None:
    old = getattr(module, name)
    setattr(module, name, nn.Parameter(tensor.detach().clone().contiguous(), requires_grad=old.requires_grad))


def _keep_outputs(layer: nn.Module, index: torch.Tensor) -> None:
    """Keep only the output features `index` of a projection (nn.Linear [out, in], Conv1D [in, out])."""
    index = index.to(layer.weight.device)
    if _is_conv1d(layer):
        _replace(layer, "weight", layer.weight[:, index])
        layer.nf = len(index)
    else:
        _replace(layer, "weight", layer.weight[index])
        layer.out_features = len(index)
    if layer.bias is not None:
        _replace(layer, "bias", layer.bias[index])


def _keep_inputs(layer: nn.Module, index: torch.Tensor) -> None:
    """Keep only the input features `index` of a projection; its bias (one per output) stays."""
    index = index.to(layer.weight.device)
    if _is_conv1d(layer):
        _replace(layer, "weight", layer.weight[index, :])
        layer.nx = len(index)
    else:
        _replace(layer, "weight", layer.weight[:, index])
        layer.in_features = len(index)


def _gqa_groups_after(block: AttentionBlock, keep: list[int]) -> tuple[list[int], int]:
    """Key/value heads still used after keeping query heads `keep`, and query heads per KV head."""
    per_kv = block.heads_per_kv
    counts: dict[int, int] = {}
    for position in keep:
        counts[position // per_kv] = counts.get(position // per_kv, 0) + 1
    if len(set(counts.values())) > 1:
        groups = ", ".join(f"KV head {g}: query heads {g * per_kv}..{(g + 1) * per_kv - 1}"
                           for g in range(block.num_kv_heads))
        left = ", ".join(f"{counts.get(g, 0)}" for g in range(block.num_kv_heads))
        raise PruneError(
            f"layer {block.layer} uses grouped-query attention: each key/value head is shared by {per_kv} query "
            f"heads (positions today: {groups}). Pruning must leave every remaining group the same number of "
            f"query heads, but this request leaves {left} per group. Remove whole groups, or the same number "
            "of heads from each group - or use hflab.heads.mask(...), which works for any heads.")
    return sorted(counts), next(iter(counts.values()))


def _fused_rows(block: AttentionBlock, keep: list[int], kv_kept: list[int]) -> torch.Tensor:
    """Rows of the fused query/key/value projection that the kept heads use."""
    d, heads, kv_heads = block.head_dim, block.num_heads, block.num_kv_heads
    if block.layout == "thirds":  # [queries | keys | values]
        return torch.cat([_head_rows(keep, d), _head_rows(kv_kept, d, heads * d),
                          _head_rows(kv_kept, d, (heads + kv_heads) * d)])
    per_kv = block.heads_per_kv   # "grouped": per key/value head, [its per_kv queries, key, value]
    rows = []
    for group in kv_kept:
        queries = [p % per_kv for p in keep if p // per_kv == group]
        rows.append(_head_rows([*queries, per_kv, per_kv + 1], d, group * (per_kv + 2) * d))
    return torch.cat(rows)


def _set_head_counts(attention: nn.Module, heads: int, kv_heads: int, per_kv: int, head_dim: int) -> None:
    """Tell the attention module its new head counts, under whichever names its forward pass reads."""
    for name in HEAD_COUNT_NAMES:
        if hasattr(attention, name):
            setattr(attention, name, heads)
    for name in KV_HEAD_COUNT_NAMES:
        if hasattr(attention, name):
            setattr(attention, name, kv_heads)
    if hasattr(attention, "num_key_value_groups"):  # read by repeat_kv in eager and SDPA attention
        attention.num_key_value_groups = per_kv
    for name in ("all_head_size", "split_size"):     # BERT's query width; GPT-2's c_attn split
        if hasattr(attention, name):
            setattr(attention, name, heads * head_dim)


def _slice_alibi(module, args, kwargs):
    """BLOOM and Falcon build ALiBi biases once for all the model's heads (BLOOM: [batch * heads, 1, keys];
    Falcon: [batch, heads, 1, keys], and folded into its attention mask [batch, heads, queries, keys]).
    A pruned layer takes the biases of the heads it kept."""
    if kwargs.get("alibi") is None:
        return None
    kept, total = module.hflab_alibi_heads.to(kwargs["alibi"].device), module.hflab_alibi_total
    sliced = dict(kwargs)
    for name in ("alibi", "attention_mask"):
        bias = kwargs.get(name)
        if bias is None or total == 1:
            continue
        if bias.dim() == 4 and bias.shape[1] == total:               # [batch, heads, ...]
            sliced[name] = bias[:, kept]
        elif bias.dim() == 3 and name == "alibi":                    # [batch * heads, 1, keys]
            per_head = bias.view(-1, total, *bias.shape[1:])[:, kept]
            sliced[name] = per_head.reshape(-1, *bias.shape[1:])
    return args, sliced


def _prune_block(block: AttentionBlock, keep: list[int], kept_heads: list[int], total_heads: int) -> None:
    """Cut every head but the ones at positions `keep` out of `block`'s weights.

    Query heads go with their query rows and their output-projection columns; a key/value head goes
    only when no query head is left in its group. `kept_heads` are their original numbers (of `total_heads`).
    """
    kv_kept, per_kv_after = _gqa_groups_after(block, keep)
    d = block.head_dim
    if block.layout == "separate":
        _keep_outputs(block.query, _head_rows(keep, d))
        _keep_outputs(block.key, _head_rows(kv_kept, d))
        _keep_outputs(block.value, _head_rows(kv_kept, d))
        for name in EXTRA_PER_HEAD_NAMES:
            if isinstance(getattr(block.attention, name, None), nn.Module):
                _keep_outputs(getattr(block.attention, name), _head_rows(keep, d))
    else:
        _keep_outputs(block.query, _fused_rows(block, keep, kv_kept))
    _keep_inputs(block.output, _head_rows(keep, d))
    _set_head_counts(block.attention, len(keep), len(kv_kept), per_kv_after, d)
    attention = block.attention
    if "alibi" in inspect.signature(attention.forward).parameters:
        attention.hflab_alibi_heads, attention.hflab_alibi_total = torch.tensor(kept_heads), total_heads
        if not getattr(attention, "hflab_alibi_hooked", False):
            attention.register_forward_pre_hook(_slice_alibi, with_kwargs=True)
            attention.hflab_alibi_hooked = True


def _count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _check_prunable(model: nn.Module, blocks: list[AttentionBlock], plan: dict[int, list[int]]) -> None:
    """Refuse before touching any weight, so a refused request leaves the model whole."""
    for layer, positions in plan.items():
        block = blocks[layer]
        refusal = _prune_refusal(block)
        if refusal:
            numbers = [_present_heads(model, block)[p] for p in positions]
            raise PruneError(f"hflab.heads.prune cannot cut heads out of {type(block.attention).__name__} (layer "
                             f"{layer}): {refusal}. Use hflab.heads.mask(model, {{{layer}: {numbers}}}) instead: "
                             "it switches the same heads off with hooks and works on this model.")
        keep = [p for p in range(block.num_heads) if p not in positions]
        if not keep:
            raise PruneError(f"pruning every head of layer {layer} would leave the layer no attention at all; "
                             "keep at least one (or mask them all with hflab.heads.mask).")
        _gqa_groups_after(block, keep)


def prune(model, heads: Mapping) -> PruneResult:
    """Cut heads out of the weights for good: `{layer: [head, ...]}` with the model's original head numbers.

    For each head, its `head_dim` rows of the query, key and value projections (separate, or fused
    as in GPT-2's `c_attn` and GPT-NeoX's `query_key_value`) and its `head_dim` input columns of the
    output projection (`o_proj`, `out_proj`, `dense`, `c_proj`, `attention.output.dense`) are deleted,
    so the model is smaller and faster, and its output equals what `mask` gives for the same heads.
    Under grouped-query attention a key/value head goes once all its query heads are gone (see PruneError).
    Works for BERT-family models (not ALBERT, whose layers share weights), GPT-2, GPT-NeoX, GPT-J,
    Llama-family, Phi, OPT, Falcon, BLOOM and BART-family; T5 and Phi-3 are refused (use `mask`).
    The model changes in place; `model.config.pruned_heads` records what was removed.
    Gives back a PruneResult (heads removed, parameters before and after).
    """
    from .models import forget

    model = _model_of(model)
    blocks = attention_blocks(model)
    plan = _positions(model, blocks, heads)
    _check_prunable(model, blocks, plan)
    before = _count_parameters(model)
    removed = {}
    record = _pruned_heads(model)
    for layer, positions in plan.items():
        block = blocks[layer]
        present = _present_heads(model, block)
        removed[layer] = [present[p] for p in positions]
        keep = [p for p in range(block.num_heads) if p not in positions]
        _prune_block(block, keep, [present[p] for p in keep], len(present) + len(record.get(layer, [])))
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
    """[batch, seq] weights: 1 for real tokens, 0 for padding (an encoder-decoder's logits follow its decoder)."""
    seq2seq = "decoder_input_ids" in inputs or "labels" in inputs and "decoder_attention_mask" in inputs
    attention = inputs.get("decoder_attention_mask" if seq2seq else "attention_mask")
    if attention is None or attention.shape != like.shape[:2]:
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
                with _gated(model, blocks, {block.layer: gates}):
                    scores[block.layer, head] = _output_change(reference, model(**inputs), inputs)


def _gradient_scores(model, blocks, inputs, scores: np.ndarray) -> None:
    """Michel et al. (2019): |d loss / d gate| with every head's gate at 1 - one backward pass for all heads."""
    if "labels" not in inputs and type(model).__name__.endswith("ForCausalLM"):
        inputs = {**inputs, "labels": inputs["input_ids"]}
    gates = {b.layer: torch.ones(b.num_heads, device=b.output.weight.device, requires_grad=True) for b in blocks}
    with _gated(model, blocks, gates), torch.enable_grad():
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
