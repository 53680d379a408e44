"""Turning what a learner passes to `hflab.trace` into model inputs, and naming each position.

Text becomes token ids (with character offsets and a special-token mask), an image becomes
pixel values (positions named "[CLS]", "p(0,0)", ...), a waveform becomes input values
(positions named by time, "0.02s"). Clear errors for empty text and for inputs too long.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

# tokenizers that know no limit report this huge sentinel as model_max_length
_NO_LIMIT = 1_000_000


class TraceInputError(ValueError):
    """The input cannot be traced as given (empty, too long, wrong type for this model)."""


@dataclass
class Prepared:
    """Model inputs (batch of one) and, for text, what each token is."""

    inputs: dict[str, torch.Tensor]
    text: str | None = None
    special_mask: np.ndarray | None = None  # [N] bool
    offsets: list[tuple[int, int]] | None = None  # [N] character spans into `text`


def display_name(model) -> str:
    """How messages name a model: its Hub id (config.name_or_path), never a local folder's path."""
    name = str(getattr(model.config, "name_or_path", "") or "")
    if not name or os.path.isabs(name) or os.path.exists(name) or name.startswith((".", "~")):
        return type(model).__name__
    return name


def _reserved_positions(model) -> int:
    """Position slots a model keeps for itself: RoBERTa-style embeddings number positions from
    padding_idx + 1 (so 514 position embeddings hold 512 tokens)."""
    for module in model.modules():
        pad = getattr(module, "padding_idx", None)
        if isinstance(pad, int) and isinstance(getattr(module, "position_embeddings", None), torch.nn.Embedding):
            return pad + 1
    return 0


def max_tokens(model, tokenizer) -> int | None:
    """The most tokens this model (and its tokenizer) accepts, or None when it names no limit.

    The one place that decides the token budget (trace and the pipelines both ask it):
    position embeddings minus the slots RoBERTa-family models reserve; for models with relative
    positions (T5) the tokenizer's model_max_length.
    """
    cfg = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    limits = [getattr(cfg, name, None) for name in ("max_position_embeddings", "n_positions")]
    limits = [v - _reserved_positions(model) for v in limits if isinstance(v, int) and v > 0]
    if model.config.is_encoder_decoder or not limits:  # relative positions: the tokenizer's word counts
        tl = getattr(tokenizer, "model_max_length", None)
        if isinstance(tl, int) and tl < _NO_LIMIT:
            limits.append(tl)
    return min(limits) if limits else None


def _batch_of_one(inputs: dict) -> dict[str, torch.Tensor]:
    out = {}
    for name, value in dict(inputs).items():
        if not isinstance(value, torch.Tensor):
            value = torch.as_tensor(np.asarray(value))
        if value.dim() == 1 or (name in ("pixel_values",) and value.dim() == 3):
            value = value.unsqueeze(0)
        if value.shape[0] != 1:
            raise TraceInputError(f"trace() looks at one example at a time; {name!r} has a batch of {value.shape[0]}.")
        out[name] = value
    return out


def prepare_text(text: str, tokenizer, model, *, truncation: bool = False, max_length: int | None = None,
                 name: str | None = None) -> Prepared:
    """Tokenize `text` for a model; refuse empty or over-long text with a message that says what to do."""
    if tokenizer is None:
        raise TraceInputError("Text needs a tokenizer: pass a Loaded model (hflab.models.load) or tokenizer=...")
    if not text or not text.strip():
        raise TraceInputError("trace() got empty text: give it at least one word, e.g. hflab.trace(m, '안녕하세요').")
    limit = max_tokens(model, tokenizer)
    if max_length is not None:
        limit = min(limit, max_length) if limit else max_length
    kw = dict(return_tensors="pt", return_special_tokens_mask=True)
    if getattr(tokenizer, "is_fast", False):
        kw["return_offsets_mapping"] = True
    if truncation and limit:
        kw.update(truncation=True, max_length=limit)
    enc = tokenizer(text, **kw)
    n = enc["input_ids"].shape[1]
    if limit and n > limit:
        name = name or display_name(model)
        raise TraceInputError(
            f"The text is {n} tokens long but {name} reads at most {limit}. Shorten the text, or call "
            f"hflab.trace(m, text, truncation=True) to keep the first {limit} tokens.")
    special = enc.pop("special_tokens_mask")[0].numpy().astype(bool)
    offsets = [tuple(map(int, p)) for p in enc.pop("offset_mapping")[0].tolist()] if "offset_mapping" in enc else None
    return Prepared(_batch_of_one(enc), text, special, offsets)


def prepare_image(image, processor) -> Prepared:
    """An image (PIL or HxWxC array) -> pixel_values [1, C, H, W]."""
    if processor is None:
        raise TraceInputError("An image needs its image processor: pass a Loaded model or processor=...")
    return Prepared(_batch_of_one(processor(images=image, return_tensors="pt")))


def prepare_audio(wave, processor, sampling_rate: int | None) -> Prepared:
    """A mono waveform [samples] -> input_values [1, samples] (or input_features for Whisper)."""
    if processor is None:
        raise TraceInputError("A waveform needs its feature extractor: pass a Loaded model or processor=...")
    fe = getattr(processor, "feature_extractor", processor)
    wave = np.asarray(wave, dtype=np.float32)
    if wave.ndim != 1 or wave.size == 0:
        raise TraceInputError(f"Audio must be a non-empty mono waveform (1-D array); got shape {wave.shape}.")
    sr = sampling_rate or fe.sampling_rate
    return Prepared(_batch_of_one(fe(wave, sampling_rate=sr, return_tensors="pt")))


def prepare(inputs: Any, kind: str, model, processor, tokenizer, **kw) -> Prepared:
    """Dispatch on what was passed: str, a tokenized dict, an image, or a waveform."""
    if isinstance(inputs, str):
        if kind in ("vision", "audio"):
            raise TraceInputError(f"This is a {kind} model; give it an image or a waveform, not text.")
        return prepare_text(inputs, tokenizer, model, truncation=kw.get("truncation", False),
                            max_length=kw.get("max_length"), name=kw.get("name"))
    if isinstance(inputs, dict) or hasattr(inputs, "keys"):
        batch = _batch_of_one({k: v for k, v in dict(inputs).items()
                               if k not in ("special_tokens_mask", "offset_mapping")})
        if kind not in ("vision", "audio") and batch.get("input_ids") is not None and batch["input_ids"].shape[1] == 0:
            raise TraceInputError("trace() got an empty input_ids tensor.")
        return Prepared(batch)
    if kind == "vision":
        return prepare_image(inputs, processor)
    if kind == "audio":
        return prepare_audio(inputs, processor, kw.get("sampling_rate"))
    raise TraceInputError(f"trace() does not know what to do with a {type(inputs).__name__} for a {kind} model; "
                          "pass text (str) or a tokenized dict.")


def token_labels(ids: list[int], tokenizer) -> list[str]:
    """The tokenizer's own name for each id ("##ing", "Ġthe"), or "#id" without a tokenizer."""
    if tokenizer is None:
        return [f"#{i}" for i in ids]
    return [str(t) for t in tokenizer.convert_ids_to_tokens(ids)]


def special_mask_for(ids: list[int], tokenizer) -> np.ndarray:
    """True where an id is one of the tokenizer's special tokens ([CLS], </s>, <pad>, ...)."""
    special = set(getattr(tokenizer, "all_special_ids", []) or []) if tokenizer is not None else set()
    return np.array([i in special for i in ids], dtype=bool)


def patch_labels(model, n: int) -> list[str]:
    """ViT positions: "[CLS]" then "p(row,col)" over the patch grid (generic "p<i>" if it does not fit)."""
    cfg = model.config
    size, patch = getattr(cfg, "image_size", None), getattr(cfg, "patch_size", None)
    size = size[0] if isinstance(size, (list, tuple)) else size
    patch = patch[0] if isinstance(patch, (list, tuple)) else patch
    grid = size // patch if size and patch else 0
    extra = n - grid * grid
    if grid and extra in (0, 1, 2):
        lead = ["[CLS]", "[DIST]"][:extra]
        return lead + [f"p({r},{c})" for r in range(grid) for c in range(grid)]
    return [f"p{i}" for i in range(n)]


def frame_labels(model, processor, n: int) -> list[str]:
    """Audio positions named by their start time: "0.00s", "0.02s", ... (stride of the conv stack)."""
    cfg = model.config
    fe = getattr(processor, "feature_extractor", processor)
    sr = getattr(fe, "sampling_rate", 16000) or 16000
    stride = int(np.prod(getattr(cfg, "conv_stride", [320])))
    if getattr(cfg, "model_type", "") == "whisper":  # 10 ms mel hop, halved by the conv stride 2
        stride = 2 * getattr(fe, "hop_length", 160)
    return [f"{i * stride / sr:.2f}s" for i in range(n)]
