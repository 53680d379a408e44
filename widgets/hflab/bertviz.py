"""`hflab.bertviz`: draw a `Trace` with bertviz, for those who know and want bertviz.

    >>> tr = hflab.trace(hflab.models.load("minilm"), "The cat sat on the mat.")
    >>> hflab.bertviz.head_view(tr)        # or model_view(tr)

bertviz (1.4.1) builds one HTML page holding every attention weight as JSON text, and loads
require.js and d3 from a CDN (cdnjs.cloudflare.com) when it runs: offline, or in a classroom
that blocks CDNs, it shows nothing. Its page also grows with the square of the input (54 MB at
128 tokens, 869 MB at 512 on MiniLM), so these wrappers refuse long inputs and point you to
`hflab.AttentionView`, which ships its JavaScript inside hflab and sends one head at a time.
"""

from __future__ import annotations

import torch

from .tracing import require_trace

MAX_TOKENS = 256  # above this, bertviz builds hundreds of MB of HTML and freezes the browser tab


class TooLongForBertviz(ValueError):
    """The trace is too long for bertviz to draw without freezing the notebook."""


def _check_length(trace, max_tokens: int) -> None:
    require_trace(trace, "bertviz.head_view")
    longest = max(len(trace.tokens), len(trace.decoder_tokens or []))
    if longest > max_tokens:
        raise TooLongForBertviz(
            f"This trace has {longest} tokens; bertviz would build an HTML page of roughly "
            f"{estimate_html_bytes(trace) / 1e6:,.0f} MB and freeze the tab (limit here: {max_tokens}). "
            "Use hflab.AttentionView(trace) instead — it sends one head at a time — or trace a shorter "
            "text (pass max_tokens=... to override at your own risk).")


def estimate_html_bytes(trace) -> float:
    """A rough size of bertviz's page: ~46 bytes per attention weight (its JSON writes each weight as
    a full-precision float, twice; measured: 54 MB for 6 x 12 heads x 128 x 128 tokens)."""
    return float(sum(trace.attention(k).size for k in trace.kinds)) * 46.0


def _layers(att) -> tuple[torch.Tensor, ...]:
    """[L, H, q, k] numpy -> what bertviz expects: a tuple of L tensors [1, H, q, k] (float32)."""
    return tuple(torch.from_numpy(att[i].astype("float32"))[None] for i in range(att.shape[0]))


def _safe(tokens) -> list[str]:
    """bertviz writes tokens into a <script> as JSON: keep "</script>" in a token from closing it."""
    return [str(t).replace("</", "<\u200b/").replace("<!--", "<\u200b!--") for t in tokens]


def _kwargs(trace) -> dict:
    if trace.kind == "encoder-decoder":
        return dict(encoder_attention=_layers(trace.attentions), decoder_attention=_layers(trace.decoder_attentions),
                    cross_attention=_layers(trace.cross_attentions), encoder_tokens=_safe(trace.tokens),
                    decoder_tokens=_safe(trace.decoder_tokens))
    return dict(attention=_layers(trace.attentions), tokens=_safe(trace.tokens))


def head_view(trace, *, max_tokens: int = MAX_TOKENS, **kw):
    """bertviz's head view of the trace (lines between tokens). Extra keywords go to bertviz,
    e.g. html_action="return" gives back the HTML object instead of displaying it.
    Needs network access to cdnjs.cloudflare.com in the browser (require.js, d3)."""
    from bertviz import head_view as _head_view

    _check_length(trace, max_tokens)
    return _head_view(**_kwargs(trace), **kw)


def model_view(trace, *, max_tokens: int = MAX_TOKENS, **kw):
    """bertviz's model view (a thumbnail per layer x head). Same limits and CDN needs as head_view."""
    from bertviz import model_view as _model_view

    _check_length(trace, max_tokens)
    return _model_view(**_kwargs(trace), **kw)


__all__ = ["head_view", "model_view", "TooLongForBertviz", "MAX_TOKENS", "estimate_html_bytes"]
