"""hflab.tokens.add: new tokens change the tokenization, embeddings grow, new rows start as piece means."""

from __future__ import annotations

import copy
import dataclasses

import hflab
import pytest
import torch
from hflab import tokens
from transformers import LlamaConfig, LlamaForCausalLM


def private_copy(key: str):
    """A Loaded whose tokenizer and model are this test's own (adding tokens changes both in place)."""
    loaded = hflab.models.load(key, quiet=True)
    return dataclasses.replace(loaded, model=copy.deepcopy(loaded.model), processor=copy.deepcopy(loaded.tokenizer))


pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


@pytest.fixture(scope="module")
def minilm_source():
    return hflab.models.load("minilm", quiet=True)


def piece_mean(weight: torch.Tensor, tokenizer, text: str) -> torch.Tensor:
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    return weight[ids].mean(dim=0)


def test_add_on_minilm(minilm_source):
    loaded = private_copy("minilm")
    tok, model = loaded.tokenizer, loaded.model
    old_tok, old_weight = minilm_source.tokenizer, minilm_source.model.get_input_embeddings().weight.detach()
    text = "ChatGPT reads transformers and hflab"
    result = tokens.add(tok, model, ["ChatGPT", "hflab", "transformers", "hflab"], sample_text=text, show=False)

    assert result.added == ["ChatGPT", "hflab"] and "transformers" in result.skipped
    assert result.before != result.after and len(result.after) < len(result.before)
    assert "chatgpt" in result.after and "hflab" in result.after      # uncased: the token is matched lowercased
    assert model.get_input_embeddings().weight.shape == (30522 + 2, 384)
    new_weight = model.get_input_embeddings().weight.detach()
    for token in result.added:
        torch.testing.assert_close(new_weight[result.new_ids[token]], piece_mean(old_weight, old_tok, token))
    torch.testing.assert_close(new_weight[:30522], old_weight)         # old rows untouched

    inputs = tok(text, return_tensors="pt")
    assert result.new_ids["ChatGPT"] in inputs["input_ids"][0].tolist()
    with torch.no_grad():
        out = model(**inputs).last_hidden_state
    assert torch.isfinite(out).all()


def test_add_on_smollm2_decoder_with_tied_embeddings():
    loaded = private_copy("smollm2")
    old = hflab.models.load("smollm2", quiet=True)
    old_weight = old.model.get_input_embeddings().weight.detach()
    result = tokens.add(loaded, ["hflab", "트랜스포머"], sample_text="I like hflab and 트랜스포머", show=False)
    model, tok = loaded.model, loaded.tokenizer

    assert len(result.after) < len(result.before)
    assert model.get_input_embeddings().weight.shape[0] == 49152 + 2
    assert model.get_output_embeddings().weight.data_ptr() == model.get_input_embeddings().weight.data_ptr()
    row = model.get_input_embeddings().weight[result.new_ids["트랜스포머"]].detach()
    torch.testing.assert_close(row, piece_mean(old_weight, old.tokenizer, "트랜스포머"))

    inputs = tok("I like hflab", return_tensors="pt")
    with torch.no_grad():
        logits = model(**inputs).logits
    assert logits.shape[-1] == 49152 + 2 and torch.isfinite(logits).all()


def test_untied_output_embeddings_get_piece_means_too(minilm_source):
    tok = copy.deepcopy(minilm_source.tokenizer)
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=len(tok), hidden_size=16, num_hidden_layers=1,
                                         num_attention_heads=2, intermediate_size=32, tie_word_embeddings=False))
    old_out = model.get_output_embeddings().weight.detach().clone()
    result = tokens.add(tok, model, ["ChatGPT"], show=False)
    new_out = model.get_output_embeddings().weight.detach()
    assert new_out.shape[0] == len(tok)
    torch.testing.assert_close(new_out[result.new_ids["ChatGPT"]], piece_mean(old_out, minilm_source.tokenizer,
                                                                              "ChatGPT"))


def test_everything_already_known_changes_nothing(minilm_source):
    tok = copy.deepcopy(minilm_source.tokenizer)
    model = copy.deepcopy(minilm_source.model)
    result = tokens.add(tok, model, ["hello", "Hello"], show=False)
    assert result.added == [] and set(result.skipped) == {"hello", "Hello"}
    assert len(tok) == 30522 and model.get_input_embeddings().weight.shape[0] == 30522
    assert result.before == result.after


def test_show_prints_before_and_after_and_html_is_escaped(minilm_source, capsys):
    tok = copy.deepcopy(minilm_source.tokenizer)
    model = copy.deepcopy(minilm_source.model)
    result = tokens.add(tok, model, ["<b>x</b>"], sample_text="a <b>x</b> here")
    printed = capsys.readouterr().out
    assert "before (" in printed and "after  (" in printed and "<b>x</b>" in printed
    page = result._repr_html_()
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page


@pytest.mark.parametrize("new_tokens, error, words", [
    ([], ValueError, "empty"),
    ([3], TypeError, "strings"),
    (["ok", None], TypeError, "strings"),
    (["  "], ValueError, "besides spaces"),
    (None, TypeError, "list of strings"),
])
def test_bad_token_lists_are_refused_before_anything_changes(minilm_source, new_tokens, error, words):
    tok = copy.deepcopy(minilm_source.tokenizer)
    model = copy.deepcopy(minilm_source.model)
    with pytest.raises(error, match=words):
        tokens.add(tok, model, new_tokens, show=False)
    assert len(tok) == 30522 and model.get_input_embeddings().weight.shape[0] == 30522


def test_missing_model_is_a_clear_error(minilm_source):
    with pytest.raises(TypeError, match="needs the model"):
        tokens.add(copy.deepcopy(minilm_source.tokenizer), ["ChatGPT"])
