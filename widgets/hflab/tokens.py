"""`hflab.tokens`: teach a tokenizer new words and give the model a sensible embedding for each.

    result = hflab.tokens.add(tokenizer, model, ["ChatGPT", "트랜스포머"], sample_text="ChatGPT loves 트랜스포머")
    result.before   # ['chat', '##gp', '##t', 'loves', ...]   how the text split before
    result.after    # ['chatgpt', 'loves', ...]                and after
    result.new_ids  # {'ChatGPT': 30522, ...}

A new row in the embedding matrix starts as the mean of the rows of the pieces the old tokenizer
split the word into, so the model begins from roughly what it "read" before instead of noise.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import torch
from torch import nn

__all__ = ["add", "TokensAdded"]


@dataclass
class TokensAdded:
    """What `add` did: the tokens added and skipped, their ids, and a sample text before and after."""

    added: list[str]
    skipped: dict[str, str]            # token -> why it was skipped
    new_ids: dict[str, int]
    pieces: dict[str, list[str]]       # token -> the pieces the old tokenizer split it into
    sample_text: str
    before: list[str]
    after: list[str]
    vocab_sizes: tuple[int, int]       # tokenizer length before, after
    embedding_rows: tuple[int, int]    # input embedding rows before, after
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"added {len(self.added)} token(s): "
                 + (", ".join(f"{t!r} -> id {self.new_ids[t]} (was {' + '.join(self.pieces[t])})"
                              for t in self.added) or "none")]
        lines += [f"skipped {t!r}: {why}" for t, why in self.skipped.items()]
        lines += [f"before ({len(self.before)} tokens): {' | '.join(self.before)}",
                  f"after  ({len(self.after)} tokens): {' | '.join(self.after)}",
                  f"embeddings: {self.embedding_rows[0]:,} -> {self.embedding_rows[1]:,} rows"]
        return "\n".join(lines + self.notes)

    def __repr__(self) -> str:
        return f"TokensAdded(added={self.added!r}, new_ids={self.new_ids!r}, skipped={list(self.skipped)!r})"

    def _repr_html_(self) -> str:
        def chips(tokens: list[str], new: set[str]) -> str:
            style = "display:inline-block;margin:1px;padding:0 4px;border-radius:3px;font-family:monospace;"
            return "".join(
                f'<span style="{style}background:{"#ffe08a" if t in new else "#e8eef7"}">{html.escape(t)}</span>'
                for t in tokens)

        new = set(self.after) - set(self.before)
        rows = "".join(
            f"<tr><td>{html.escape(t)}</td><td>{self.new_ids[t]}</td><td>{html.escape(' + '.join(self.pieces[t]))}</td></tr>"
            for t in self.added)
        skipped = "".join(f"<li>{html.escape(t)}: {html.escape(why)}</li>" for t, why in self.skipped.items())
        return (f"<div><table><tr><th>token</th><th>id</th><th>was split into</th></tr>{rows}</table>"
                + (f"<ul>{skipped}</ul>" if skipped else "")
                + f"<p>before ({len(self.before)}): {chips(self.before, set())}</p>"
                + f"<p>after ({len(self.after)}): {chips(self.after, new)}</p>"
                + f"<p>embeddings: {self.embedding_rows[0]:,} &rarr; {self.embedding_rows[1]:,} rows</p></div>")


def _token_text(token) -> str:
    content = getattr(token, "content", token)  # tokenizers.AddedToken keeps its text in .content
    if not isinstance(content, str):
        raise TypeError(f"new tokens must be strings, got {token!r} ({type(token).__name__})")
    if not content.strip():
        raise ValueError(f"a new token must contain something besides spaces, got {content!r}")
    return content


def _checked_tokens(new_tokens) -> list[str]:
    if isinstance(new_tokens, str):
        new_tokens = [new_tokens]  # one word, not its letters
    if new_tokens is None or not hasattr(new_tokens, "__iter__"):
        raise TypeError("new_tokens must be a list of strings, e.g. ['ChatGPT', '트랜스포머']")
    texts = list(dict.fromkeys(_token_text(t) for t in new_tokens))  # order kept, repeats dropped
    if not texts:
        raise ValueError("new_tokens is empty: give at least one token to add")
    return texts


def _unpack(tokenizer, model, new_tokens):
    """Accept add(tokenizer, model, tokens) and add(loaded, tokens) / add(loaded, model, tokens)."""
    inner_model = getattr(tokenizer, "model", None)
    if isinstance(inner_model, nn.Module):  # an hflab Loaded
        loaded = tokenizer
        if new_tokens is None and not isinstance(model, nn.Module):
            model, new_tokens = None, model
        return loaded.tokenizer, model if model is not None else loaded.model, new_tokens
    if not isinstance(model, nn.Module):
        raise TypeError("add(tokenizer, model, new_tokens) needs the model too (or pass what hflab.models.load() gives)")
    return tokenizer, model, new_tokens


def _pieces(tokenizer, text: str) -> tuple[list[int], list[str]]:
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    return ids, tokenizer.convert_ids_to_tokens(ids)


def _skip_reason(tokenizer, text: str) -> str | None:
    if text in tokenizer.get_vocab():
        return "already in the vocabulary"
    ids, pieces = _pieces(tokenizer, text)
    if len(ids) == 1 and ids[0] != tokenizer.unk_token_id:
        return f"already a single token ({pieces[0]!r}, id {ids[0]})"
    return None


def _set_rows_to_piece_means(matrix: torch.Tensor, piece_ids: dict[int, list[int]]) -> None:
    """matrix: [vocab, dim] (or a bias [vocab]); row new_id <- mean of rows piece_ids[new_id]."""
    with torch.no_grad():
        for new_id, ids in piece_ids.items():
            matrix[new_id] = matrix[ids].mean(dim=0)


def _initialize(model: nn.Module, piece_ids: dict[int, list[int]]) -> list[str]:
    notes = []
    inputs = model.get_input_embeddings()
    _set_rows_to_piece_means(inputs.weight, piece_ids)
    outputs = model.get_output_embeddings()
    if outputs is not None and outputs.weight.data_ptr() != inputs.weight.data_ptr():
        _set_rows_to_piece_means(outputs.weight, piece_ids)  # an untied output layer: [vocab, dim] too
        notes.append("output embeddings are not tied to the input ones: their new rows were set the same way")
    bias = getattr(outputs, "bias", None) if outputs is not None else None
    if bias is not None and bias.shape[0] == outputs.weight.shape[0]:
        _set_rows_to_piece_means(bias, piece_ids)
    return notes


def add(tokenizer, model=None, new_tokens=None, *, show: bool = True, sample_text: str | None = None) -> TokensAdded:
    """Add `new_tokens` to `tokenizer`, grow `model`'s embeddings, and start each new row as the mean
    of the embeddings of the pieces the old tokenizer split that token into.

    Tokens the tokenizer already has (or already reads as one token) are skipped, with a note.
    `sample_text` (default: the tokens joined by spaces) is tokenized before and after; `show=True`
    prints that. Tokenizer and model change in place. Gives back a TokensAdded (renders as HTML in
    a notebook): .added, .skipped, .new_ids, .pieces, .before, .after.
    """
    from .models import forget

    tokenizer, model, new_tokens = _unpack(tokenizer, model, new_tokens)
    texts = _checked_tokens(new_tokens)
    sample_text = " ".join(texts) if sample_text is None else sample_text
    before = tokenizer.tokenize(sample_text)
    skipped = {t: why for t in texts if (why := _skip_reason(tokenizer, t)) is not None}
    to_add = [t for t in texts if t not in skipped]
    old_pieces = {t: _pieces(tokenizer, t) for t in to_add}
    vocab_before, rows_before = len(tokenizer), model.get_input_embeddings().weight.shape[0]

    tokenizer.add_tokens(to_add)
    new_ids = {t: tokenizer.convert_tokens_to_ids(t) for t in to_add}
    rows_needed = max(len(tokenizer), rows_before, *(i + 1 for i in new_ids.values()))
    if rows_needed != rows_before:
        model.resize_token_embeddings(rows_needed, mean_resizing=False)  # our init below replaces theirs
    notes = _initialize(model, {new_ids[t]: old_pieces[t][0] for t in to_add}) if to_add else []
    forget(model)
    after = tokenizer.tokenize(sample_text)
    if any(t in ("Ġ", "▁") for t in after):
        notes.append("the space before a new token stays a token of its own ('Ġ'/'▁'): added tokens match the "
                     "text exactly; add the token with its leading space too if that matters")

    result = TokensAdded(to_add, skipped, new_ids, {t: old_pieces[t][1] for t in to_add}, sample_text, before,
                         after, (vocab_before, len(tokenizer)),
                         (rows_before, model.get_input_embeddings().weight.shape[0]), notes)
    if show:
        print(result)
    return result
