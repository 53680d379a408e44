"""HiddenStateView: its numbers are right and it renders from Python for every trace kind."""

from __future__ import annotations

import hflab
import numpy as np
import pytest


@pytest.fixture(scope="module")
def smollm2_trace():
    return hflab.trace(hflab.models.load("smollm2", quiet=True), "The capital of France is")


def test_numbers(smollm2_trace):
    tr = smollm2_trace
    view = hflab.HiddenStateView(tr)
    L1, n, _ = tr.hidden_states.shape
    assert view.norms.shape == (L1, n)
    np.testing.assert_allclose(view.norms[4], np.linalg.norm(tr.hidden_states[4], axis=-1), rtol=1e-5)
    np.testing.assert_allclose(np.diag(view.layer_cos), 1.0, atol=1e-5)  # a layer with itself
    np.testing.assert_allclose(view.layer_cos, view.layer_cos.T, atol=1e-5)
    cos = view.token_cos(3)
    assert cos.shape == (n, n)
    np.testing.assert_allclose(np.diag(cos), 1.0, atol=1e-5)
    assert view.paths.shape == (L1, n, 2)  # [layers+1, tokens, 2]
    header, data = view.token_cos_bytes(3)
    assert header["shape"] == [n, n] and len(data) == n * n


def test_logit_lens_decoder(smollm2_trace):
    tr = smollm2_trace
    view = hflab.HiddenStateView(tr)
    lens = view.lens
    assert len(lens["ids"]) == tr.hidden_states.shape[0]  # one row per layer, embeddings included
    for j, pos in enumerate(lens["positions"]):
        assert lens["ids"][-1][j][0] == int(tr.logits[pos].argmax())  # last layer = the model's own answer
    assert lens["tokens"][-1][-1][0].strip("Ġ ") == "Paris"
    assert view.get_state()["lens_data"]["tokens"] == lens["tokens"]
    assert tr.lens is not None and not hasattr(tr, "model")  # computed at trace time: the trace is plain data
    two = hflab.HiddenStateView(tr, positions=[lens["positions"][-1]], top_k=3).lens
    assert two["tokens"][-1][0] == lens["tokens"][-1][-1][:3]
    with pytest.raises(ValueError, match="lens_positions"):
        hflab.HiddenStateView(tr, positions=[999])


def test_logit_lens_matches_a_lens_by_hand(smollm2_trace):
    """Middle layers are read through the model's final norm, then its LM head (the usual logit lens)."""
    import torch

    lm = hflab.models.load("smollm2", quiet=True).model
    tr = smollm2_trace
    with torch.no_grad():
        hs = torch.from_numpy(tr.hidden_states[:, -1])  # [L+1, D] at the last position
        by_hand = lm.lm_head(lm.model.norm(hs[:-1])).softmax(-1)  # every layer but the last
    top = by_hand.topk(5, dim=-1)
    for layer in range(tr.hidden_states.shape[0] - 1):
        assert tr.lens["ids"][layer][-1][:5] == top.indices[layer].tolist()
        np.testing.assert_allclose(tr.lens["probs"][layer][-1][:5], top.values[layer].numpy(), atol=1e-3)


def test_logit_lens_masked_lm():
    m = hflab.models.load("distilroberta", quiet=True)
    tr = hflab.trace(m, "The capital of France is <mask>.")
    view = hflab.HiddenStateView(tr)
    mask_pos = int(np.flatnonzero(tr.input_ids == m.tokenizer.mask_token_id)[0])
    assert view.lens["positions"] == [mask_pos]
    assert view.lens["ids"][-1][0][0] == int(tr.logits[mask_pos].argmax())


def test_every_kind_renders_with_a_note_where_no_lens():
    from PIL import Image

    traces = [
        hflab.trace(hflab.models.load("minilm", quiet=True), "no <b>lm</b> head here"),
        hflab.trace(hflab.models.load("gpt2", quiet=True), "Hello there"),
        hflab.trace(hflab.models.load("t5-small", quiet=True), "translate English to German: hi", max_new_tokens=3),
        hflab.trace(hflab.models.load("vit-base", quiet=True), Image.new("RGB", (32, 32))),
        hflab.trace(hflab.models.load("wav2vec2-960h", quiet=True), np.zeros(8000, np.float32)),
    ]
    for tr in traces:
        view = hflab.HiddenStateView(tr)
        state = view.get_state()
        L1, n = tr.hidden_states.shape[:2]
        assert state["meta"]["layers"] == L1 and state["tokens"] == [str(t) for t in tr.tokens]
        assert len(state["norms_bytes"]) == 4 * L1 * n  # float32 bytes, not JSON
        if tr.kind == "decoder":
            assert view.lens is not None
        else:
            assert view.lens is None and ("head" in view.lens_note or "decoder-only" in view.lens_note)
    assert "<" in "".join(hflab.HiddenStateView(traces[0]).tokens)  # markup in a token stays text
    dec = hflab.HiddenStateView(traces[2], side="decoder")
    assert dec.norms.shape == traces[2].decoder_hidden_states.shape[:2]


def test_request_handler(smollm2_trace):
    view = hflab.HiddenStateView(smollm2_trace)
    sent = []
    view.send = lambda content, buffers=None: sent.append((content, buffers))
    view._on_request(view, {"type": "token_cos", "layer": 2, "id": 1}, [])
    header, buffers = sent[-1]
    got = np.frombuffer(buffers[0], np.uint8).reshape(header["shape"]) / 127.5 - 1
    np.testing.assert_allclose(got, view.token_cos(2), atol=1 / 127)
    view._on_request(view, {"type": "nope", "id": 2}, [])
    assert sent[-1][0]["type"] == "error"


def test_long_input_token_cosine_is_exact_block_means():
    """Past TOKEN_COS_MAX tokens the token-cosine panel gets block means: the same numbers a learner
    would get by averaging the full [N, N] matrix over blocks, and the widget says so."""
    from hflab.views import hidden_data

    rng = np.random.default_rng(0)
    hs = rng.standard_normal((3, 40, 16)).astype(np.float32)
    blocks, size = hidden_data.token_cosine_blocks(hs, 1, size=10)
    assert size == 4 and blocks.shape == (10, 10)
    full = hidden_data.token_cosine(hs, 1)
    np.testing.assert_allclose(blocks, full.reshape(10, 4, 10, 4).mean(axis=(1, 3)), atol=1e-6)
    uneven, size = hidden_data.token_cosine_blocks(hs[:, :38], 1, size=10)  # last block shorter
    assert size == 4 and uneven.shape == (10, 10)
    np.testing.assert_allclose(uneven[-1, -1], full[36:38, 36:38].mean(), atol=1e-6)
