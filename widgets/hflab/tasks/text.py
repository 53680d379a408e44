"""Text inputs: refuse empty text, say so when a long text has to be cut, speak the model's mask token."""

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


# The two ways the course's models spell a masked word: RoBERTa's (the seed's) and BERT's.
MASK_SPELLINGS = ("<mask>", "[MASK]")


def use_own_mask_token(texts, tokenizer):
    """`texts` (a string or a list) with the other family's mask token swapped for the tokenizer's own.

    The seed writes "<mask>" (RoBERTa); a BERT model such as MiniLM reads "[MASK]" (and the other
    way round). A text that already has the tokenizer's own token is left as it is. Says so in one
    line; a text with no mask token at all is refused with what to write.
    """
    own = getattr(tokenizer, "mask_token", None)
    if own is None:
        return texts
    swapped = []

    def swap(text: str) -> str:
        for other in MASK_SPELLINGS:
            if own not in text and other != own and other in text:
                swapped.append(other)
                text = text.replace(other, own)
        if own not in text:
            raise InputError(f"The text has no mask token ({own}): {text[:60]!r}.",
                             f"write {own} where the missing word goes, e.g. \"Paris is the capital of {own}.\"")
        return text

    result = [swap(t) for t in texts] if isinstance(texts, list) else swap(texts)
    if swapped:
        print(f"[hflab] this model's mask token is {own}: {swapped[0]} in the text was read as {own}.")
    return result
