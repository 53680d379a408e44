"""`hflab.trace`: one forward pass that keeps everything a learner may want to look at.

    >>> tr = hflab.trace(hflab.models.load("minilm"), "The cat sat on the mat.")
    >>> tr.tokens            # ['[CLS]', 'the', 'cat', ...]
    >>> tr.attentions.shape  # (6, 12, N, N)   [layers, heads, query, key]
    >>> tr.hidden_states.shape  # (7, N, 384) [layers+1, tokens, hidden]

It works for encoders (BERT), decoders (Llama, GPT-2), encoder-decoders (T5, BART: the answer is
generated greedily and every step's attentions are kept), ViT (patches) and Wav2Vec2 (frames).
Transformers v5 only returns attention weights under eager attention, so `trace` switches the
model to eager for the pass and back afterwards, and checks that its outputs equal the model's
plain forward pass: if they differ it raises instead of showing wrong pictures.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ._trace_inputs import (
    Prepared,
    TraceInputError,
    frame_labels,
    patch_labels,
    prepare,
    special_mask_for,
    token_labels,
)

__all__ = ["Trace", "trace", "TraceInputError", "TraceMismatchError", "eager_attention"]

# Above this many bytes of float32 attention weights the trace keeps them as float16 (half the memory).
FLOAT16_ABOVE_BYTES = 1 << 30


class TraceMismatchError(RuntimeError):
    """The traced pass disagrees with the model's plain forward pass (so the trace would be wrong)."""


@dataclass
class Trace:
    """What one traced forward pass gives back (numpy arrays, batch dimension dropped).

    For encoder-decoders `tokens`/`attentions`/`hidden_states` are the encoder's; the decoder's are
    in `decoder_tokens`, `decoder_attentions` [L, H, T, T], `decoder_hidden_states` [L+1, T, D] and
    `cross_attentions` [L, H, T, N] (row t = the step that produced generated token t+1).
    """

    model_name: str
    kind: str  # "encoder", "decoder", "encoder-decoder", "vision" or "audio"
    tokens: list[str]  # [N] tokens, patch labels ("[CLS]", "p(0,0)") or frame labels ("0.02s")
    attentions: np.ndarray  # [layers, heads, N, N]
    hidden_states: np.ndarray  # [layers+1, N, hidden]
    logits: np.ndarray | None  # [N, vocab] for LM heads, [T, vocab] for encoder-decoders, [classes] for classifiers
    special_mask: np.ndarray  # [N] bool: True for [CLS], [SEP], <s>, ...
    input_ids: np.ndarray | None = None  # [N]
    text: str | None = None
    offsets: list[tuple[int, int]] | None = None  # [N] character spans of each token in `text`
    decoder_tokens: list[str] | None = None  # [T]
    decoder_input_ids: np.ndarray | None = None  # [T]
    decoder_attentions: np.ndarray | None = None  # [layers, heads, T, T]
    cross_attentions: np.ndarray | None = None  # [layers, heads, T, N]
    decoder_hidden_states: np.ndarray | None = None  # [layers+1, T, hidden]
    decoder_special_mask: np.ndarray | None = None  # [T] bool
    generated_text: str | None = None
    num_kv_heads: int | None = None  # grouped-query attention: heads share this many key/value heads
    max_abs_diff: float = 0.0  # traced vs plain forward pass, on the checked output
    model: Any = field(default=None, repr=False)  # kept for the logit lens (HiddenStateView)
    tokenizer: Any = field(default=None, repr=False)

    @property
    def num_layers(self) -> int:
        return int(self.attentions.shape[0])

    @property
    def num_heads(self) -> int:
        return int(self.attentions.shape[1])

    @property
    def kinds(self) -> list[str]:
        """Which attentions this trace holds: ["encoder"], ["decoder"] or ["encoder", "decoder", "cross"]."""
        if self.kind == "encoder-decoder":
            return ["encoder", "decoder", "cross"]
        return ["decoder"] if self.kind == "decoder" else ["encoder"]

    def attention(self, which: str | None = None) -> np.ndarray:
        """Attention weights of one kind ("encoder", "decoder", "cross"): [layers, heads, queries, keys]."""
        which = which or self.kinds[0]
        if self.kind != "encoder-decoder" or which == "encoder":
            return self.attentions
        return self.decoder_attentions if which == "decoder" else self.cross_attentions

    def labels(self, which: str | None = None) -> tuple[list[str], list[str]]:
        """(query labels, key labels) for one attention kind."""
        which = which or self.kinds[0]
        if self.kind != "encoder-decoder" or which == "encoder":
            return self.tokens, self.tokens
        if which == "decoder":
            return self.decoder_tokens, self.decoder_tokens
        return self.decoder_tokens, self.tokens

    def specials(self, which: str | None = None) -> np.ndarray:
        """[keys] bool: which keys of this attention kind are special tokens."""
        if self.kind == "encoder-decoder" and (which or "encoder") == "decoder":
            return self.decoder_special_mask
        return self.special_mask

    def __repr__(self) -> str:
        shape = "x".join(map(str, self.attentions.shape))
        return (f"Trace({self.model_name!r}, kind={self.kind!r}, tokens={len(self.tokens)}, attentions={shape}, "
                f"max_abs_diff={self.max_abs_diff:.2e})")


# ---------------------------------------------------------------------------------------------
# model facts
# ---------------------------------------------------------------------------------------------
def model_kind(model) -> str:
    """"encoder-decoder", "vision", "audio", "decoder" (causal self-attention) or "encoder"."""
    if getattr(model.config, "is_encoder_decoder", False):
        return "encoder-decoder"
    if model.main_input_name == "pixel_values":
        return "vision"
    if model.main_input_name in ("input_values", "input_features"):
        return "audio"
    causal = [m.is_causal for m in model.modules() if isinstance(getattr(m, "is_causal", None), bool)]
    if causal:
        return "decoder" if any(causal) else "encoder"
    return "decoder" if type(model).__name__.endswith(("ForCausalLM", "LMHeadModel")) else "encoder"


def _model_name(model) -> str:
    return getattr(model.config, "name_or_path", "") or type(model).__name__


def _num_kv_heads(model) -> int | None:
    cfg = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    kv, heads = getattr(cfg, "num_key_value_heads", None), getattr(cfg, "num_attention_heads", None)
    return int(kv) if kv and heads and kv != heads else None


@contextmanager
def eager_attention(model):
    """Run the model with eager attention (the only kind that returns weights in v5), then restore."""
    before = getattr(model.config, "_attn_implementation", None)
    switch = before is not None and before != "eager"
    if switch:
        if hasattr(model, "set_attn_implementation"):
            model.set_attn_implementation("eager")
        else:
            model.config._attn_implementation = "eager"
    try:
        yield before
    finally:
        if switch:
            if hasattr(model, "set_attn_implementation"):
                model.set_attn_implementation(before)
            else:
                model.config._attn_implementation = before


# ---------------------------------------------------------------------------------------------
# capturing attentions
# ---------------------------------------------------------------------------------------------
def _self_attention_class(model):
    """The module class whose output[1] is a layer's self-attention weights, when the model names one."""
    for module in model.modules():
        rec = (getattr(module, "_can_record_outputs", None) or {}).get("attentions")
        if isinstance(rec, type):
            return rec
        if rec is not None and getattr(rec, "index", None) == 1 and getattr(rec, "layer_name", "x") is None:
            return rec.target_class
    return None


def _attn_dtype(n_layers: int, n_heads: int, n: int) -> np.dtype:
    return np.float16 if n_layers * n_heads * n * n * 4 > FLOAT16_ABOVE_BYTES else np.float32


@contextmanager
def _hooked_attentions(model, n_layers: int, n_heads: int, n: int):
    """Collect each layer's weights as it is computed, converted at once to numpy (lean on memory:
    2048 tokens x 30 layers x 9 heads would be 4.5 GB in float32 if the model collected them)."""
    cls = _self_attention_class(model)
    captured: list[np.ndarray] = []
    dtype = _attn_dtype(n_layers, n_heads, n)

    def keep(_module, _args, output):
        w = output[1] if isinstance(output, tuple) and len(output) > 1 else None
        if isinstance(w, torch.Tensor) and w.dim() == 4:
            captured.append(w[0].detach().to(torch.float32).numpy().astype(dtype, copy=False))  # [H, q, k]

    handles = [m.register_forward_hook(keep) for m in model.modules() if cls is not None and isinstance(m, cls)]
    try:
        yield captured
    finally:
        for h in handles:
            h.remove()


def _stack(layers, dtype=None) -> np.ndarray | None:
    """A tuple of [1, H, q, k] tensors -> [L, H, q, k] numpy (or [1, N, D] -> [L+1, N, D])."""
    if not layers or any(t is None for t in layers):
        return None
    arrays = [t[0].detach().to(torch.float32).numpy() for t in layers]
    out = np.stack(arrays)
    return out.astype(dtype, copy=False) if dtype is not None else out


# ---------------------------------------------------------------------------------------------
# checking against the plain forward pass
# ---------------------------------------------------------------------------------------------
def _checked_output(out) -> torch.Tensor:
    for name in ("logits", "last_hidden_state"):
        value = getattr(out, name, None)
        if isinstance(value, torch.Tensor):
            return value
    return out[0]


def _compare(plain: torch.Tensor, traced: torch.Tensor, what: str) -> float:
    """Raise TraceMismatchError unless traced ≈ plain; return the largest absolute difference."""
    if plain.shape != traced.shape:
        raise TraceMismatchError(f"{what}: traced shape {tuple(traced.shape)} != plain {tuple(plain.shape)}")
    diff = (plain.float() - traced.float()).abs().max().item() if plain.numel() else 0.0
    scale = max(1.0, plain.float().abs().max().item())
    if not diff <= 1e-3 * scale:  # eager vs SDPA round differently, never by more than this
        raise TraceMismatchError(
            f"{what}: the traced pass differs from the plain forward pass by {diff:.3g} "
            f"(scale {scale:.3g}). The attentions would not describe what the model computes.")
    return diff


# ---------------------------------------------------------------------------------------------
# the traced passes
# ---------------------------------------------------------------------------------------------
def _trace_single(model, prep: Prepared, kind: str, check: bool) -> dict:
    """Encoders, decoders, ViT, Wav2Vec2: one forward pass with hidden states and attentions."""
    inputs = prep.inputs
    with torch.no_grad():
        plain = model(**inputs) if check else None
        with eager_attention(model):
            probe = inputs.get("input_ids", inputs.get("attention_mask"))
            n_guess = probe.shape[1] if probe is not None else 0
            n_layers = model.config.get_text_config().num_hidden_layers
            n_heads = model.config.get_text_config().num_attention_heads
            with _hooked_attentions(model, n_layers, n_heads, n_guess) as captured:
                out = model(**inputs, output_hidden_states=True)
            hidden = _stack(out.hidden_states)  # [L+1, N, D]
            n = hidden.shape[1]
            if len(captured) == n_layers and all(a.shape[1:] == (n, n) for a in captured):
                attentions = np.stack(captured)  # [L, H, N, N]
            else:  # the model has no hookable attention class: let it collect the weights itself
                del captured[:]
                out = model(**inputs, output_hidden_states=True, output_attentions=True)
                attentions = _stack(out.attentions, _attn_dtype(n_layers, n_heads, n))
    if attentions is None:
        raise TraceMismatchError(f"{type(model).__name__} returned no attention weights even under eager attention.")
    diff = _compare(_checked_output(plain), _checked_output(out), "output") if check else 0.0
    logits = getattr(out, "logits", None)
    return dict(attentions=attentions, hidden_states=hidden, max_abs_diff=diff,
                logits=None if logits is None else logits[0].float().numpy())


def _trace_seq2seq(model, prep: Prepared, check: bool, max_new_tokens: int) -> dict:
    """Encoder-decoders: generation (greedy), then one teacher-forced pass over the generated tokens.

    With causal decoder masks, row t of that pass is exactly what step t of generation saw, so
    every step's decoder self-attention and cross-attention are kept. The check compares each
    row's logits with the raw logits generate() computed at that step.
    """
    inputs = prep.inputs
    with torch.no_grad(), eager_attention(model):
        gen = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False, num_beams=1,
                             return_dict_in_generate=True, output_logits=True)
        generated = gen.sequences  # [1, T+1]: start token + generated tokens
        decoder_ids = generated[:, :-1] if generated.shape[1] > 1 else generated  # [1, T]
        out = model(**inputs, decoder_input_ids=decoder_ids, output_hidden_states=True, output_attentions=True)
    diff = 0.0
    if check:
        with torch.no_grad():
            plain = model(**inputs, decoder_input_ids=decoder_ids)
        diff = _compare(plain.logits, out.logits, "decoder logits")
        steps = torch.stack([step[0] for step in gen.logits])[: out.logits.shape[1]]  # [T, V]
        diff = max(diff, _compare(steps, out.logits[0, : steps.shape[0]], "step-by-step logits"))
    return dict(
        attentions=_stack(out.encoder_attentions), hidden_states=_stack(out.encoder_hidden_states),
        decoder_attentions=_stack(out.decoder_attentions), cross_attentions=_stack(out.cross_attentions),
        decoder_hidden_states=_stack(out.decoder_hidden_states), logits=out.logits[0].float().numpy(),
        decoder_input_ids=decoder_ids[0].numpy(), generated=generated[0], max_abs_diff=diff)


# ---------------------------------------------------------------------------------------------
# the public function
# ---------------------------------------------------------------------------------------------
def _unpack(model_or_loaded, processor, tokenizer):
    model = getattr(model_or_loaded, "model", model_or_loaded)
    if not isinstance(model, torch.nn.Module):
        raise TypeError("trace() needs a model or what hflab.models.load() returned.")
    processor = processor or getattr(model_or_loaded, "processor", None)
    tokenizer = tokenizer or getattr(model_or_loaded, "tokenizer", None)
    if tokenizer is None and processor is not None:
        tokenizer = getattr(processor, "tokenizer", None) or (processor if hasattr(processor, "convert_ids_to_tokens") else None)
    name = getattr(model_or_loaded, "hub_id", None) or getattr(model_or_loaded, "key", None) or _model_name(model)
    return model, processor, tokenizer, name


def _position_labels(kind, model, processor, tokenizer, prep: Prepared, n: int):
    """(labels [N], special mask [N], input ids [N] or None) for the encoder side / the only side."""
    ids = prep.inputs.get("input_ids")
    if ids is not None and kind not in ("vision", "audio"):
        ids = ids[0].tolist()
        special = prep.special_mask if prep.special_mask is not None else special_mask_for(ids, tokenizer)
        return token_labels(ids, tokenizer), special, np.array(ids)
    if kind == "vision" or "pixel_values" in prep.inputs:
        labels = patch_labels(model, n)
        return labels, np.array([lab.startswith("[") for lab in labels]), None
    return frame_labels(model, processor, n), np.zeros(n, dtype=bool), None


def trace(model_or_loaded, inputs, *, processor=None, tokenizer=None, truncation: bool = False,
          max_length: int | None = None, sampling_rate: int | None = None, max_new_tokens: int = 20,
          check: bool = True) -> Trace:
    """Trace one input through a model and return a `Trace` (tokens, attentions, hidden states, logits).

    inputs: text (str), a tokenized dict (batch of one), a PIL image / HxWxC array (vision) or a
    mono waveform array (audio; `sampling_rate` defaults to the feature extractor's).
    Encoder-decoders generate up to `max_new_tokens` greedily and trace every step.
    `check=True` compares with the model's plain forward pass and raises TraceMismatchError on a
    difference. Raises TraceInputError for empty or too-long text (use truncation=True to cut).
    """
    model, processor, tokenizer, name = _unpack(model_or_loaded, processor, tokenizer)
    kind = model_kind(model)
    prep = prepare(inputs, kind, model, processor, tokenizer, truncation=truncation, max_length=max_length,
                   sampling_rate=sampling_rate)
    was_training = model.training
    model.eval()
    try:
        if kind == "encoder-decoder":
            parts = _trace_seq2seq(model, prep, check, max_new_tokens)
        else:
            parts = _trace_single(model, prep, kind, check)
    finally:
        model.train(was_training)
    n = parts["hidden_states"].shape[1]
    labels, special, ids = _position_labels(kind, model, processor, tokenizer, prep, n)
    tr = Trace(model_name=name, kind=kind, tokens=labels, attentions=parts["attentions"],
               hidden_states=parts["hidden_states"], logits=parts["logits"], special_mask=special,
               input_ids=ids, text=prep.text, offsets=prep.offsets, num_kv_heads=_num_kv_heads(model),
               max_abs_diff=parts["max_abs_diff"], model=model, tokenizer=tokenizer)
    if kind == "encoder-decoder":
        dec_ids = parts["decoder_input_ids"].tolist()
        tr.decoder_input_ids = parts["decoder_input_ids"]
        tr.decoder_tokens = token_labels(dec_ids, tokenizer)
        tr.decoder_special_mask = special_mask_for(dec_ids, tokenizer)
        tr.decoder_attentions = parts["decoder_attentions"]
        tr.cross_attentions = parts["cross_attentions"]
        tr.decoder_hidden_states = parts["decoder_hidden_states"]
        if tokenizer is not None:
            tr.generated_text = tokenizer.decode(parts["generated"], skip_special_tokens=True)
    return tr
