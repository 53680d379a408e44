"""Text inputs: refuse empty text, and say so when a long text has to be cut."""

from __future__ import annotations

import warnings

from .errors import InputError


class LongInputWarning(UserWarning):
    """A text longer than the model can read was truncated (its end was not seen)."""


def check_text(text, name: str = "text") -> str:
    """The text itself, or InputError when it is not a non-empty string."""
    if not isinstance(text, str):
        raise InputError(f"`{name}` must be a string, got {type(text).__name__}.",
                         f"pass the text itself, e.g. {name}=\"Hugging Face is great\" (a list for a batch).")
    if not text.strip():
        raise InputError(f"`{name}` is empty.", "give at least one word of text.")
    return text


def check_texts(texts, name: str = "text"):
    """A string or a list of strings, each checked; the same shape comes back."""
    if isinstance(texts, (list, tuple)):
        if not texts:
            raise InputError(f"`{name}` is an empty list.", "give at least one text.")
        return [check_text(t, name) for t in texts]
    return check_text(texts, name)


def is_too_long(text: str, tokenizer, max_tokens: int | None) -> bool:
    """True when `text` needs more than `max_tokens` tokens. Cheap for short texts: no tokenizing."""
    if max_tokens is None or len(text) < max_tokens // 4:
        return False  # byte-level BPE spends at most ~3 tokens on a character (e.g. Hangul)
    return len(tokenizer(text, add_special_tokens=True, verbose=False)["input_ids"]) > max_tokens


def warn_truncated(text: str, max_tokens: int, what: str = "model") -> None:
    warnings.warn(
        f"The text ({len(text)} characters) is longer than the {what} reads ({max_tokens} tokens): "
        f"it was truncated, and the end was not seen. Split it into parts to use all of it.",
        LongInputWarning, stacklevel=3)
