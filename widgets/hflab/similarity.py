"""Do two models represent the same text alike, layer by layer? Linear CKA on their hidden states.

    >>> sim = hflab.compare.cka("minilm", "sentiment", ["A lovely film.", "The soup was cold."])
    >>> sim.matrix          # [layers of A + 1, layers of B + 1], 1.0 = the same geometry
    >>> sim.plot()

Two models rarely cut a sentence into the same tokens. So both are brought to the same units
first: the words of the text (by character positions), each word the average of the tokens that
cover it (the tokenizers' `offset_mapping`). Then for every pair of layers, linear CKA (Kornblith
et al., 2019) compares the two [words, hidden] matrices; it ignores rotations and scale, so models
of different widths can be compared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import torch

WORD = re.compile(r"\w+|[^\w\s]")  # a word, or one punctuation mark


def word_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) character positions of each word and punctuation mark in `text`."""
    return [m.span() for m in WORD.finditer(text)]


def tokens_to_spans(offsets, spans) -> list[list[int]]:
    """For each span, the indices of the tokens whose characters overlap it.

    offsets: [(start, end)] per token, as a fast tokenizer's `offset_mapping` gives; special tokens
    ((0, 0)) cover no character and belong to no span.
    """
    covering = []
    for span_start, span_end in spans:
        covering.append([i for i, (start, end) in enumerate(offsets)
                         if end > start and start < span_end and end > span_start])
    return covering


def linear_cka(x, y) -> float:
    """Linear CKA between x [n, d1] and y [n, d2] (the same n examples): 1.0 for the same geometry."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    x = x - x.mean(axis=0, keepdims=True)
    y = y - y.mean(axis=0, keepdims=True)
    cross = np.linalg.norm(y.T @ x) ** 2
    norm = np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y)
    return float(cross / norm) if norm > 0 else float("nan")


def _as_loaded(model):
    from . import models

    return model if isinstance(model, models.Loaded) else models.load(model, quiet=True)


def hidden_states_by_span(loaded, text: str, spans) -> tuple[np.ndarray, list[bool]]:
    """Every layer's hidden state for each span: [layers + 1, spans, hidden], plus which spans had tokens.

    A span no token covers (e.g. cut off by truncation) gets zeros and `False`.
    """
    tokenizer = loaded.tokenizer
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError(f"{loaded.key}: CKA needs a fast tokenizer (offset_mapping) to line up words.")
    encoded = tokenizer(text, return_offsets_mapping=True, truncation=True, return_tensors="pt")
    offsets = encoded.pop("offset_mapping")[0].tolist()
    with torch.no_grad():
        outputs = loaded.model(**encoded, output_hidden_states=True)
    layers = outputs.hidden_states if getattr(outputs, "hidden_states", None) else outputs.encoder_hidden_states
    hidden = torch.stack(layers)[:, 0].float().numpy()  # [layers + 1, tokens, hidden]
    covering = tokens_to_spans(offsets, spans)
    by_span = np.zeros((hidden.shape[0], len(spans), hidden.shape[2]))
    for j, tokens in enumerate(covering):
        if tokens:
            by_span[:, j] = hidden[:, tokens].mean(axis=1)  # sub-tokens of one word: their average
    return by_span, [bool(tokens) for tokens in covering]


@dataclass
class Similarity:
    """What `cka()` gives back: `.matrix` [layers of A + 1, layers of B + 1] and the words it used."""

    matrix: np.ndarray
    model_a: str
    model_b: str
    words: list[str]

    def plot(self, ax=None):
        """A heatmap of the matrix (row 0 / column 0 = the embeddings); returns the matplotlib Figure."""
        import matplotlib.pyplot as plt

        from hflab._env import ensure_korean_font

        ensure_korean_font()  # Hangul labels, even without hflab.setup()

        if ax is None:
            _, ax = plt.subplots(figsize=(4.8, 4.0))
        image = ax.imshow(self.matrix, vmin=0, vmax=1, cmap="viridis", origin="lower")
        ax.set_xlabel(f"{self.model_b} 층 (layer)")
        ax.set_ylabel(f"{self.model_a} 층 (layer)")
        ax.set_title(f"은닉 상태 유사도 (linear CKA, {len(self.words)} words)")
        ax.figure.colorbar(image, ax=ax, fraction=0.046)
        return ax.figure

    def _repr_html_(self) -> str:
        from html import escape

        diag = np.diag(self.matrix) if self.matrix.shape[0] == self.matrix.shape[1] else None
        extra = f", diagonal mean {np.nanmean(diag):.3f}" if diag is not None else ""
        return (f"<b>CKA</b> {escape(self.model_a)} × {escape(self.model_b)}: "
                f"matrix {self.matrix.shape[0]}×{self.matrix.shape[1]}, {len(self.words)} words{escape(extra)}")


def cka(model_a, model_b, text) -> Similarity:
    """Per-layer linear CKA between two models' hidden states on the same text (a string or a list).

    Words are the units, so the tokenizers may differ. More words give a steadier estimate:
    with a handful of words, CKA is high for almost any pair of layers.
    """
    a, b = _as_loaded(model_a), _as_loaded(model_b)
    texts = [text] if isinstance(text, str) else list(text)
    parts_a, parts_b, words = [], [], []
    for one_text in texts:
        spans = word_spans(one_text)
        states_a, kept_a = hidden_states_by_span(a, one_text, spans)
        states_b, kept_b = hidden_states_by_span(b, one_text, spans)
        keep = [i for i in range(len(spans)) if kept_a[i] and kept_b[i]]
        parts_a.append(states_a[:, keep])
        parts_b.append(states_b[:, keep])
        words += [one_text[spans[i][0]:spans[i][1]] for i in keep]
    if len(words) < 3:
        raise ValueError("CKA needs at least 3 words that both models can see; give a longer text.")
    states_a = np.concatenate(parts_a, axis=1)  # [layers_a + 1, words, hidden_a]
    states_b = np.concatenate(parts_b, axis=1)  # [layers_b + 1, words, hidden_b]
    matrix = np.array([[linear_cka(layer_a, layer_b) for layer_b in states_b] for layer_a in states_a])
    return Similarity(matrix, a.key, b.key, words)


hidden_state_similarity = cka
