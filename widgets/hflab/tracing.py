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

import numpy as np
import torch

from . import _trace_readings as readings
from ._attention_store import AttentionCollector, approximation_note
from ._trace_inputs import (
    Prepared,
    TraceInputError,
    display_name,
    frame_labels,
    patch_labels,
    prepare,
    special_mask_for,
    token_labels,
)

__all__ = ["Trace", "trace", "TraceInputError", "TraceMismatchError", "eager_attention", "Rollout", "rollout"]

Rollout, rollout = readings.Rollout, readings.rollout
CHECK_PREFIX = 128  # long causal inputs are checked on their first this-many positions (same code path, a fraction of the cost)
LENS_POSITIONS = 16  # positions the logit lens reads by default (the last ones, or every [MASK])
LENS_TOP_K = 10
LOGITS_FLOAT16_ABOVE_BYTES = 1 << 26  # [N, vocab] logits above 64 MB are kept as float16

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
    checked: str = ""  # what the check compared, e.g. "logits of all 12 tokens"
    lens: dict | None = None  # logit lens: {"positions": [P], "ids"/"probs"/"tokens": [L+1][P][k]}
    lens_note: str = ""  # why there is no lens, when there is none
    _rollouts: dict = field(default_factory=dict, repr=False, compare=False)

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

    def approximation(self, which: str | None = None) -> str:
        """What the stored attentions of one kind leave out, in words ('' when every weight is kept)."""
        return approximation_note(self.attention(which))

    def rollout(self, layer: int | None = None, which: str | None = None) -> np.ndarray:
        """Attention rollout through layers 0..layer (default: all) of a self-attention kind: [n, n]."""
        which = which or self.kinds[0]
        if which == "cross":
            raise ValueError("Rollout follows self-attention through the layers; pick encoder or decoder.")
        if which not in self._rollouts:
            self._rollouts[which] = Rollout(self.attention(which))
        return self._rollouts[which].upto(self.attention(which).shape[0] - 1 if layer is None else layer)

    def __repr__(self) -> str:
        shape = "x".join(map(str, self.attentions.shape))
        return (f"Trace({self.model_name!r}, kind={self.kind!r}, tokens={len(self.tokens)}, attentions={shape}, "
                f"max_abs_diff={self.max_abs_diff:.2e})")


def require_trace(value, widget: str) -> Trace:
    """`value` if it is a Trace; else a TypeError that says what to pass (for the views)."""
    if not isinstance(value, Trace):
        raise TypeError(f"{widget} needs what hflab.trace(...) returns, not a {type(value).__name__}: "
                        f"tr = hflab.trace(hflab.models.load('minilm'), 'The cat sat.'); hflab.{widget}(tr)")
    return value


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
# capturing attentions, layer by layer
# ---------------------------------------------------------------------------------------------
def _self_attention_modules(model) -> list[torch.nn.Module]:
    """The modules whose output[1] is a layer's self-attention weights, when the model names them
    (transformers' `_can_record_outputs`); [] when it does not (then the model collects them itself)."""
    for module in model.modules():
        rec = (getattr(module, "_can_record_outputs", None) or {}).get("attentions")
        if rec is None:
            continue
        cls = rec if isinstance(rec, type) else getattr(rec, "target_class", None)
        index = 1 if isinstance(rec, type) else getattr(rec, "index", None)
        suffix = None if isinstance(rec, type) else getattr(rec, "layer_name", None)
        if cls is None or index != 1:
            return []
        return [m for name, m in model.named_modules()
                if isinstance(m, cls) and (suffix is None or name.endswith(suffix.lstrip(".")))]
    return []


@contextmanager
def _collected_attentions(model, causal: bool = False):
    """Keep each layer's weights compactly the moment it is computed: the model never holds all
    layers at once (2048 tokens x 30 layers x 9 heads would be 4.5 GB in float32).
    Yields a dict whose "store" is an AttentionCollector once the first layer arrived."""
    modules = _self_attention_modules(model)
    box: dict = {"ok": bool(modules)}

    def keep(_module, _args, output):
        w = output[1] if isinstance(output, tuple) and len(output) > 1 else None
        if not (isinstance(w, torch.Tensor) and w.dim() == 4 and w.shape[0] == 1):
            box["ok"] = False
            return
        if "store" not in box:
            box["store"] = AttentionCollector(len(modules), *w.shape[1:], causal=causal)
        box["ok"] = box["ok"] and box["store"].add(w[0])

    handles = [m.register_forward_hook(keep) for m in modules]
    try:
        yield box
    finally:
        for h in handles:
            h.remove()


def _stack_attentions(layers) -> np.ndarray | None:
    """A tuple of [1, H, q, k] tensors -> the compact store [L, H, q, k]."""
    if not layers or any(t is None for t in layers):
        return None
    collector = AttentionCollector(len(layers), *layers[0].shape[1:])
    for t in layers:
        collector.add(t[0])
    return collector.store


def _stack(layers) -> np.ndarray | None:
    """A tuple of [1, N, D] tensors -> [L+1, N, D] float32 numpy."""
    if not layers or any(t is None for t in layers):
        return None
    return np.stack([t[0].detach().to(torch.float32).numpy() for t in layers])


def _take_hidden(out) -> np.ndarray:
    """out.hidden_states as [L+1, N, D] float32 numpy, letting go of each tensor once copied
    (at 2048 tokens the model's copy and ours would both be held otherwise)."""
    layers = list(out.hidden_states)
    out.hidden_states = None
    first = layers[0][0]
    hidden = np.empty((len(layers), *first.shape), np.float32)
    for i in range(len(layers)):
        hidden[i] = layers[i][0].detach().float().numpy()
        layers[i] = None
    return hidden


def _logits_array(logits: torch.Tensor | None) -> np.ndarray | None:
    if logits is None:
        return None
    big = logits[0].numel() * 4 > LOGITS_FLOAT16_ABOVE_BYTES
    return logits[0].detach().to(torch.float16 if big else torch.float32).numpy()


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


def _plain_reference(model, inputs: dict, kind: str) -> tuple[torch.Tensor, int | None, str]:
    """The model's own output to check against: (output, rows compared or None for all, description).

    A causal model's output at position t depends on positions <= t only, so a long input is
    checked on its first CHECK_PREFIX tokens: the same numbers, without a second full pass.
    """
    ids = inputs.get("input_ids")
    n = ids.shape[1] if ids is not None else None
    if kind == "decoder" and n is not None and n > CHECK_PREFIX:
        prefix = {k: (v[:, :CHECK_PREFIX] if isinstance(v, torch.Tensor) and v.dim() == 2 and v.shape[1] == n else v)
                  for k, v in inputs.items()}
        return _checked_output(model(**prefix)), CHECK_PREFIX, f"first {CHECK_PREFIX} of {n} positions"
    return _checked_output(model(**inputs)), None, f"all {n} positions" if n else "the whole output"


# ---------------------------------------------------------------------------------------------
# the traced passes
# ---------------------------------------------------------------------------------------------
def _trace_single(model, prep: Prepared, kind: str, check: bool) -> dict:
    """Encoders, decoders, ViT, Wav2Vec2: one forward pass with hidden states and attentions."""
    inputs = prep.inputs
    want_lens = readings.lens_capable(model)
    with torch.no_grad():
        plain, rows, checked = _plain_reference(model, inputs, kind) if check else (None, None, "")
        with eager_attention(model):
            norm_hooks, norm_seen = readings.final_norm_tracker(model) if want_lens else ([], {})
            try:
                with _collected_attentions(model, causal=kind == "decoder") as box:
                    out = model(**inputs, output_hidden_states=True)
            finally:
                for h in norm_hooks:
                    h.remove()
            hidden = _take_hidden(out)  # [L+1, N, D]
            if box["ok"] and "store" in box and box["store"].complete:
                attentions = box["store"].store  # [L, H, N, N]
            else:  # no hookable attention module: let the model collect the weights itself
                box.clear()
                out = model(**inputs, output_hidden_states=True, output_attentions=True)
                attentions = _stack_attentions(out.attentions)
    if attentions is None:
        raise TraceMismatchError(f"{type(model).__name__} returned no attention weights even under eager attention.")
    diff = 0.0
    if check:
        traced = _checked_output(out)
        diff = _compare(plain, traced if rows is None else traced[:, :rows], "output")
    norm = readings.final_norm(norm_seen, torch.from_numpy(hidden[-1])[None]) if want_lens else None
    logits = _logits_array(getattr(out, "logits", None))
    del out, plain  # the model's own copies (logits alone are 400 MB at 2048 tokens on smollm2)
    parts = dict(attentions=attentions, hidden_states=hidden, max_abs_diff=diff, checked=checked, logits=logits)
    if want_lens:
        parts["lens_inputs"] = (logits, norm)
    return parts


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
        attentions=_stack_attentions(out.encoder_attentions), hidden_states=_stack(out.encoder_hidden_states),
        decoder_attentions=_stack_attentions(out.decoder_attentions),
        cross_attentions=_stack_attentions(out.cross_attentions),
        decoder_hidden_states=_stack(out.decoder_hidden_states), logits=_logits_array(out.logits),
        decoder_input_ids=decoder_ids[0].numpy(), generated=generated[0], max_abs_diff=diff,
        checked=f"every generated step ({decoder_ids.shape[1]})" if check else "")


def _read_lens(model, tokenizer, tr: Trace, lens_inputs, positions, top_k: int) -> tuple[dict | None, str]:
    """The logit lens for a decoder or masked LM (computed now, while the model is at hand)."""
    name = type(model).__name__
    if tr.kind == "encoder-decoder":
        return None, ("로짓 렌즈는 디코더 전용/마스크 LM 모델에서만 · logit lens: decoder-only and masked-LM models "
                      "only (an encoder-decoder's layers also read the source through cross-attention).")
    if lens_inputs is None:
        return None, (f"로짓 렌즈는 언어 모델 헤드가 있어야 읽을 수 있어요 · the logit lens reads hidden states with "
                      f"a language-model head; {name} ({tr.kind}) has none. Use a ...ForCausalLM (e.g. 'smollm2', "
                      "'gpt2') or ...ForMaskedLM (e.g. 'distilroberta') model.")
    logits, norm = lens_inputs
    n = tr.hidden_states.shape[1]
    if positions is None:
        mask_id = getattr(tokenizer, "mask_token_id", None) if tokenizer is not None else None
        positions = readings.default_positions(tr.kind, tr.input_ids, mask_id, n, LENS_POSITIONS)
    positions = [int(p) % n if -n <= int(p) < n else _bad_position(p, n) for p in positions]
    try:
        return readings.logit_lens(model, tr.hidden_states, logits, norm, positions, tokenizer, top_k), ""
    except (ValueError, AttributeError, TypeError, RuntimeError) as err:  # the head's code did not fit
        return None, f"로짓 렌즈를 읽지 못했어요 · no logit lens for {name}: {type(err).__name__}: {err}"


def _bad_position(p, n: int):
    raise IndexError(f"lens position {p} is outside the {n} traced positions")


# ---------------------------------------------------------------------------------------------
# the public function
# ---------------------------------------------------------------------------------------------
def _unpack(model_or_loaded, processor, tokenizer):
    """(model, processor, tokenizer, name) from a transformers model or what hflab.models.load() gave.

    A transformers model is used as it is (with its head); only a non-module wrapper such as
    hflab's `Loaded` is opened via its `.model` attribute.
    """
    model = model_or_loaded
    if not isinstance(model, torch.nn.Module):
        model = getattr(model_or_loaded, "model", None)
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"trace() needs a transformers model or what hflab.models.load(...) returns, "
                        f"not a {type(model_or_loaded).__name__}: e.g. hflab.trace(hflab.models.load('minilm'), 'text').")
    processor = processor or getattr(model_or_loaded, "processor", None)
    tokenizer = tokenizer or getattr(model_or_loaded, "tokenizer", None)
    if tokenizer is None and processor is not None:
        tokenizer = getattr(processor, "tokenizer", None) or (processor if hasattr(processor, "convert_ids_to_tokens") else None)
    name = getattr(model_or_loaded, "hub_id", None) or getattr(model_or_loaded, "key", None) or display_name(model)
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
          check: bool = True, lens_positions: list[int] | None = None, lens_top_k: int = LENS_TOP_K) -> Trace:
    """Trace one input through a model and return a `Trace` (tokens, attentions, hidden states, logits).

    model_or_loaded: any transformers model (its head is kept) or what hflab.models.load() returns.
    inputs: text (str), a tokenized dict (batch of one), a PIL image / HxWxC array (vision) or a
    mono waveform array (audio; `sampling_rate` defaults to the feature extractor's).
    Encoder-decoders generate up to `max_new_tokens` greedily and trace every step.
    Decoders and masked LMs also get the logit lens (`tr.lens`): the `lens_top_k` tokens each
    layer would predict at `lens_positions` (default: every [MASK], else the last 16 positions).
    `check=True` compares with the model's plain forward pass and raises TraceMismatchError on a
    difference. Raises TraceInputError for empty or too-long text (use truncation=True to cut).
    """
    model, processor, tokenizer, name = _unpack(model_or_loaded, processor, tokenizer)
    kind = model_kind(model)
    prep = prepare(inputs, kind, model, processor, tokenizer, truncation=truncation, max_length=max_length,
                   sampling_rate=sampling_rate, name=name)
    was_training = model.training
    model.eval()
    try:
        if kind == "encoder-decoder":
            parts = _trace_seq2seq(model, prep, check, max_new_tokens)
        else:
            parts = _trace_single(model, prep, kind, check)
        n = parts["hidden_states"].shape[1]
        labels, special, ids = _position_labels(kind, model, processor, tokenizer, prep, n)
        tr = Trace(model_name=name, kind=kind, tokens=labels, attentions=parts["attentions"],
                   hidden_states=parts["hidden_states"], logits=parts["logits"], special_mask=special,
                   input_ids=ids, text=prep.text, offsets=prep.offsets, num_kv_heads=_num_kv_heads(model),
                   max_abs_diff=parts["max_abs_diff"], checked=parts["checked"])
        with torch.no_grad():
            tr.lens, tr.lens_note = _read_lens(model, tokenizer, tr, parts.get("lens_inputs"), lens_positions,
                                               lens_top_k)
    finally:
        model.train(was_training)
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
