"""hflab.trace on any model a learner brings: 28 architectures, tiny and random, built offline.

For each one: trace keeps the model's head (logits equal the plain forward pass), the logit lens
is read for causal and masked LMs, encoder-decoders of BART's family trace like T5's, and both
views build from the trace.
"""

from __future__ import annotations

import hflab
import numpy as np
import pytest
import torch
from tiny_architectures import ARCHITECTURES, build, kind


def _to_sdpa(model) -> None:
    """Learners' models usually run SDPA: trace must switch to eager and back by itself."""
    try:
        model.set_attn_implementation("sdpa")
    except (ValueError, ImportError):  # this architecture has eager attention only
        pass


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_trace_keeps_the_head_and_views_build(name, one_thread):
    model, inputs = build(name)
    _to_sdpa(model)
    before = model.config._attn_implementation
    source = {k: v for k, v in inputs.items() if k != "decoder_input_ids"}
    tr = hflab.trace(model, source, max_new_tokens=4)
    assert model.config._attn_implementation == before
    n = source["input_ids"].shape[1]
    layers, heads = 2, 4
    assert tr.kind == kind(name)
    assert tr.attentions.shape == (layers, heads, n, n)
    np.testing.assert_allclose(tr.attentions.sum(-1), 1.0, atol=1e-4)
    assert tr.hidden_states.shape[:2] == (layers + 1, n)
    assert tr.logits is not None, "the LM head was dropped"
    with torch.no_grad():
        if tr.kind == "encoder-decoder":
            plain = model(**source, decoder_input_ids=torch.from_numpy(tr.decoder_input_ids)[None])
            t = len(tr.decoder_tokens)
            assert tr.decoder_attentions.shape == (layers, heads, t, t)
            assert tr.cross_attentions.shape == (layers, heads, t, n)
        else:
            plain = model(**source)
    assert tr.logits.shape == plain.logits[0].shape  # [positions, vocabulary]
    np.testing.assert_allclose(tr.logits, plain.logits[0].float().numpy(), atol=1e-4)

    if tr.kind == "encoder-decoder":
        assert tr.lens is None and "decoder-only" in tr.lens_note
    else:  # causal and masked LMs: the lens reads every layer, and its last row is the model's answer
        assert tr.lens is not None, tr.lens_note
        assert len(tr.lens["ids"]) == layers + 1
        for j, pos in enumerate(tr.lens["positions"]):
            assert tr.lens["ids"][-1][j][0] == int(tr.logits[pos].argmax())

    view = hflab.AttentionView(tr, kind=tr.kinds[-1])
    assert view.get_state()["meta"]["kinds"] == tr.kinds
    header, data = view.answer({"type": "head", "layer": layers - 1, "head": heads - 1})
    assert len(data) == np.prod(header["shape"])
    hidden = hflab.HiddenStateView(tr)
    assert hidden.norms.shape == (layers + 1, n)
    if tr.kind == "encoder-decoder":
        assert hflab.HiddenStateView(tr, side="decoder").norms.shape[0] == layers + 1
