"""hflab.trace equals the model's own forward pass, for every kind of model the course traces."""

from __future__ import annotations

import hflab
import numpy as np
import pytest
import torch
from hflab._attention_store import CausalAttention
from hflab.tracing import TraceInputError, TraceMismatchError, eager_attention


@pytest.fixture(scope="module")
def minilm():
    return hflab.models.load("minilm", quiet=True)


@pytest.fixture(scope="module")
def smollm2():
    return hflab.models.load("smollm2", quiet=True)


def _plain(model, **inputs):
    with torch.no_grad():
        return model(**inputs, output_hidden_states=True, output_attentions=True)


def _stacked(layers):
    return np.stack([t[0].float().numpy() for t in layers])


def test_minilm_encoder_matches_forward(minilm):
    text = "The cat sat on the mat."
    tr = hflab.trace(minilm, text)
    enc = minilm.tokenizer(text, return_tensors="pt")
    ref = _plain(minilm.model, **enc)
    n = enc["input_ids"].shape[1]
    assert tr.kind == "encoder"
    assert tr.attentions.shape == (6, 12, n, n)  # [L, H, N, N]
    assert tr.hidden_states.shape == (7, n, 384)  # [L+1, N, D]
    np.testing.assert_allclose(tr.attentions, _stacked(ref.attentions), atol=1e-6)
    np.testing.assert_allclose(tr.hidden_states, _stacked(ref.hidden_states), atol=1e-5)
    assert tr.tokens[0] == "[CLS]" and tr.tokens[-1] == "[SEP]"
    assert tr.special_mask.tolist() == [True] + [False] * (n - 2) + [True]
    assert tr.offsets[2] == (4, 7) and text[slice(*tr.offsets[2])] == "cat"
    np.testing.assert_allclose(tr.attentions.sum(-1), 1.0, atol=1e-5)  # rows are distributions


def test_smollm2_decoder_gqa_and_logits(smollm2):
    text = "The capital of France is"
    tr = hflab.trace(smollm2, text)
    enc = smollm2.tokenizer(text, return_tensors="pt")
    ref = _plain(smollm2.model, **enc)
    n = enc["input_ids"].shape[1]
    assert tr.kind == "decoder"
    assert tr.attentions.shape == (30, 9, n, n)  # one map per query head, though only 3 KV heads
    assert tr.num_kv_heads == 3
    np.testing.assert_allclose(tr.logits, ref.logits[0].numpy(), atol=1e-4)
    np.testing.assert_allclose(tr.attentions, _stacked(ref.attentions), atol=1e-6)
    assert np.allclose(np.triu(tr.attentions[0, 0], k=1), 0)  # causal: no attention to the future
    assert smollm2.tokenizer.decode(int(tr.logits[-1].argmax())).strip() == "Paris"


def test_eager_switched_and_restored(minilm):
    model = minilm.model
    model.set_attn_implementation("sdpa")
    try:
        tr = hflab.trace(model, "hello world", tokenizer=minilm.tokenizer)
        assert model.config._attn_implementation == "sdpa"  # restored
        assert tr.attentions.shape[:2] == (6, 12)
        with eager_attention(model):
            assert model.config._attn_implementation == "eager"
        assert model.config._attn_implementation == "sdpa"
    finally:
        model.set_attn_implementation("eager")


def test_mismatch_raises(minilm, monkeypatch):
    import hflab.tracing as tracing

    real = tracing._checked_output
    calls = {"n": 0}

    def tampered(out):  # the second call sees the traced pass: pretend it came out different
        calls["n"] += 1
        value = real(out)
        return value + 1.0 if calls["n"] == 2 else value

    monkeypatch.setattr(tracing, "_checked_output", tampered)
    with pytest.raises(TraceMismatchError):
        hflab.trace(minilm, "hello world")


def test_gpt2_standin():
    m = hflab.models.load("gpt2", quiet=True)
    tr = hflab.trace(m, "Hello there my friend")
    enc = m.tokenizer("Hello there my friend", return_tensors="pt")
    ref = _plain(m.model, **enc)
    L, H = m.model.config.n_layer, m.model.config.n_head
    n = enc["input_ids"].shape[1]
    assert tr.kind == "decoder" and tr.attentions.shape == (L, H, n, n)
    np.testing.assert_allclose(tr.logits, ref.logits[0].numpy(), atol=1e-4)
    np.testing.assert_allclose(tr.hidden_states, _stacked(ref.hidden_states), atol=1e-5)


@pytest.mark.parametrize("key,text", [
    ("t5-small", "translate English to German: The house is small."),
    ("distilbart-cnn", "The city council met on Monday to discuss the new park."),
])
def test_seq2seq_step_by_step(key, text):
    m = hflab.models.load(key, quiet=True)
    tr = hflab.trace(m, text, max_new_tokens=6)
    enc = m.tokenizer(text, return_tensors="pt")
    n = enc["input_ids"].shape[1]
    cfg = m.model.config
    L_dec = getattr(cfg, "num_decoder_layers", None) or cfg.decoder_layers
    t = len(tr.decoder_tokens)
    assert tr.kind == "encoder-decoder"
    assert tr.attentions.shape[2:] == (n, n)
    assert tr.decoder_attentions.shape[0] == L_dec and tr.decoder_attentions.shape[2:] == (t, t)
    assert tr.cross_attentions.shape[2:] == (t, n)  # [L, H, steps, source tokens]
    assert tr.hidden_states.shape[:2] == (tr.attentions.shape[0] + 1, n)
    assert tr.decoder_hidden_states.shape[:2] == (L_dec + 1, t)
    # generation's own step-by-step cross attention equals our rows
    with torch.no_grad():
        gen = m.model.generate(**enc, max_new_tokens=6, do_sample=False, num_beams=1,
                               return_dict_in_generate=True, output_attentions=True)
    assert gen.sequences[0, :t].tolist() == tr.decoder_input_ids.tolist()
    for step, per_layer in enumerate(gen.cross_attentions[:t]):
        ours = tr.cross_attentions[:, :, step]  # [L, H, n]
        theirs = np.stack([a[0, :, -1].float().numpy() for a in per_layer])
        np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_vit_patch_labels():
    from PIL import Image

    m = hflab.models.load("vit-base", quiet=True)
    tr = hflab.trace(m, Image.new("RGB", (64, 48), (200, 10, 10)))
    grid = m.model.config.image_size // m.model.config.patch_size
    n = 1 + grid * grid
    assert tr.kind == "vision"
    assert tr.tokens[:3] == ["[CLS]", "p(0,0)", "p(0,1)"] and tr.tokens[-1] == f"p({grid - 1},{grid - 1})"
    assert tr.attentions.shape[2:] == (n, n) and tr.hidden_states.shape[1] == n
    assert tr.special_mask[0] and not tr.special_mask[1:].any()
    pixels = m.processor(images=Image.new("RGB", (64, 48), (200, 10, 10)), return_tensors="pt")
    np.testing.assert_allclose(tr.logits, _plain(m.model, **pixels).logits[0].numpy(), atol=1e-5)


def test_wav2vec2_frame_labels():
    m = hflab.models.load("wav2vec2-960h", quiet=True)
    wave = np.sin(np.arange(16000) / 10).astype(np.float32)  # 1 s at 16 kHz
    tr = hflab.trace(m, wave)
    assert tr.kind == "audio"
    assert tr.tokens[:3] == ["0.00s", "0.02s", "0.04s"]
    assert len(tr.tokens) == tr.attentions.shape[2] == 49  # 20 ms frames
    inputs = m.processor(wave, sampling_rate=16000, return_tensors="pt")
    np.testing.assert_allclose(tr.logits, _plain(m.model, **inputs).logits[0].numpy(), atol=1e-5)


def test_tokenized_dict_input(minilm):
    enc = minilm.tokenizer("a tokenized input", return_tensors="pt")
    tr = hflab.trace(minilm, enc)
    assert tr.tokens == minilm.tokenizer.convert_ids_to_tokens(enc["input_ids"][0])
    assert tr.special_mask[0] and tr.special_mask[-1]


def test_bad_inputs(minilm):
    with pytest.raises(TraceInputError, match="empty"):
        hflab.trace(minilm, "   ")
    long_text = "word " * 600
    with pytest.raises(TraceInputError, match=r"at most 512.*truncation=True"):
        hflab.trace(minilm, long_text)
    assert len(hflab.trace(minilm, long_text, truncation=True).tokens) == 512
    with pytest.raises(TraceInputError, match="batch"):
        hflab.trace(minilm, minilm.tokenizer(["a", "b"], return_tensors="pt"))
    with pytest.raises(TypeError):
        hflab.trace("minilm", "text")


def test_image_model_refuses_text():
    with pytest.raises(TraceInputError, match="vision"):
        hflab.trace(hflab.models.load("vit-base", quiet=True), "a cat")


@pytest.mark.slow
def test_smollm2_2048_tokens(smollm2):
    ids = torch.randint(100, 40000, (1, 2048))
    tr = hflab.trace(smollm2, {"input_ids": ids, "attention_mask": torch.ones_like(ids)})
    assert tr.attentions.shape == (30, 9, 2048, 2048)
    assert tr.attentions.dtype == np.float16  # 4.5 GB in float32: kept at half size
    assert isinstance(tr.attentions, CausalAttention)  # and only the lower triangle: half again
    assert tr.attentions.nbytes < 1.2e9
    assert tr.hidden_states.shape == (31, 2048, 576)


def test_causal_store_keeps_the_lower_triangle_exactly(monkeypatch):
    """A causal model's long-input store keeps rows' first t+1 weights only; unpacked, every head is
    the dense float16 store's, bit for bit, and the views read it like a dense array."""
    import hflab._attention_store as store
    from hflab.views.attention_data import head_bytes, quantize

    m = hflab.models.load("gpt2", quiet=True)
    text = "one two three four five six seven eight nine ten " * 4
    full = hflab.trace(m, text)
    monkeypatch.setattr(store, "FLOAT16_ABOVE_BYTES", 0)
    tr = hflab.trace(m, text)
    att = tr.attentions
    assert isinstance(att, CausalAttention) and att.shape == full.attentions.shape
    n = att.shape[-1]
    assert att.nbytes == att.shape[0] * att.shape[1] * n * (n + 1) // 2 * 2  # half of a dense float16 store
    dense16 = full.attentions.astype(np.float16)
    assert np.array_equal(np.asarray(att), dense16)  # every layer and head round-trips exactly
    assert np.array_equal(att[1, 0], dense16[1, 0]) and np.array_equal(att[1], dense16[1])
    assert "lower triangle" in tr.approximation()
    assert head_bytes(att, 1, -1)[0] == quantize(dense16[1].astype(np.float32).mean(0))[0]
    view = hflab.AttentionView(tr)
    header, data = view.answer({"type": "rollout", "layer": 1})
    assert header["shape"] == [n, n]
    bert = hflab.trace(hflab.models.load("minilm", quiet=True), text)  # not causal: stays dense
    assert isinstance(bert.attentions, np.ndarray) and bert.attentions.dtype == np.float16


def test_roberta_family_truncation_fits_its_positions():
    """distilroberta has 514 position embeddings but numbers positions from padding_idx + 1: 512 fit."""
    from hflab._trace_inputs import max_tokens

    m = hflab.models.load("distilroberta", quiet=True)
    assert max_tokens(m.model, m.tokenizer) == 512
    tr = hflab.trace(m, "a long sentence about nothing " * 200, truncation=True)
    assert len(tr.tokens) == 512 and tr.tokens[-1] == m.tokenizer.eos_token
    with pytest.raises(TraceInputError, match=r"distilroberta.*at most 512"):
        hflab.trace(m, "a long sentence " * 300)


def test_messages_name_the_model_not_a_folder(minilm):
    """A packaged model loads from a site-packages folder; messages still say which model it is."""
    with pytest.raises(TraceInputError) as err:
        hflab.trace(minilm, "word " * 600)
    assert "all-MiniLM-L6-v2" in str(err.value) and "site-packages" not in str(err.value)
    raw = minilm.model  # a bare model: its class name, never the folder it came from
    with pytest.raises(TraceInputError) as err:
        hflab.trace(raw, "word " * 600, tokenizer=minilm.tokenizer)
    assert "but BertModel reads at most 512" in str(err.value) and "site-packages" not in str(err.value)


def test_raw_causal_lm_keeps_its_head(smollm2):
    """A LlamaForCausalLM has its base in `.model`: trace must not unwrap it (no head, no lens)."""
    tr = hflab.trace(smollm2.model, "The capital of France is", tokenizer=smollm2.tokenizer)
    assert tr.logits is not None and tr.logits.shape[-1] == smollm2.model.config.vocab_size
    assert tr.lens is not None and tr.lens["tokens"][-1][-1][0].strip("Ġ ") == "Paris"


def test_trace_is_plain_data(smollm2):
    import pickle

    tr = hflab.trace(smollm2, "The capital of France is")
    fields = vars(tr)
    assert not any(isinstance(v, torch.nn.Module) for v in fields.values())
    assert not any(type(v).__module__.startswith("transformers") for v in fields.values())  # no tokenizer either
    assert len(pickle.dumps(tr)) < 5_000_000  # arrays and labels only (the model is 500 MB)


def _hflab_imports() -> dict[str, set[str]]:
    """Module -> hflab modules it imports anywhere (module level and inside functions)."""
    import ast
    from pathlib import Path

    root = Path(hflab.__file__).parent
    names = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        names[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    graph = {}
    for module, (path, is_package) in names.items():
        package = module if is_package else module.rsplit(".", 1)[0]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in names else base for a in node.names]
            else:
                continue
            edges |= {t for t in targets if t in names and t != module}
        graph[module] = edges
    return graph


@pytest.mark.parametrize("start", ["hflab.tracing", "hflab.views.attention", "hflab.views.hidden",
                                   "hflab.views.attention_export", "hflab.views.attention_protocol"])
def test_no_import_cycle(start):
    graph = _hflab_imports()
    assert "hflab.views.attention_protocol" in graph["hflab.views.attention_export"]  # function imports read too
    # depth-first search for a path that comes back to a module already on it
    path, on_path, done = [], set(), set()

    def visit(module):
        path.append(module)
        on_path.add(module)
        for nxt in sorted(graph.get(module, ())):
            if nxt in on_path:
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(nxt):] + [nxt]))
            if nxt not in done:
                visit(nxt)
        on_path.discard(path.pop())
        done.add(module)

    visit(start)
