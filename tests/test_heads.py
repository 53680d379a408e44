"""hflab.heads: masking switches heads off and leaves nothing behind; pruning equals masking; importance ranks."""

from __future__ import annotations

import copy
import dataclasses

import hflab
import numpy as np
import pytest
import torch
from hflab import heads
from transformers import (
    BertConfig,
    BertModel,
    DistilBertConfig,
    DistilBertModel,
    GPT2Config,
    GPT2LMHeadModel,
    LlamaConfig,
    LlamaForCausalLM,
    RobertaConfig,
    RobertaForSequenceClassification,
)

# ---------------------------------------------------------------------------------------------
# models and helpers
# ---------------------------------------------------------------------------------------------
pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


@pytest.fixture(scope="module")
def minilm():
    """The real MiniLM (6 layers x 12 heads) with a private copy of the model, so pruning here
    never touches the one hflab.models.load() hands to other tests."""
    loaded = hflab.models.load("minilm", quiet=True)
    return dataclasses.replace(loaded, model=copy.deepcopy(loaded.model))


@pytest.fixture(scope="module")
def minilm_inputs(minilm):
    return minilm.tokenizer(["The cat sat on the mat.", "Heads can go."], return_tensors="pt", padding=True)


def tiny(kind: str) -> torch.nn.Module:
    torch.manual_seed(0)
    common = dict(vocab_size=100)
    if kind == "bert":
        model = BertModel(BertConfig(**common, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                     intermediate_size=64))
    elif kind == "distilbert":
        model = DistilBertModel(DistilBertConfig(**common, dim=32, n_layers=2, n_heads=4, hidden_dim=64))
    elif kind == "roberta":
        model = RobertaForSequenceClassification(RobertaConfig(**common, hidden_size=32, num_hidden_layers=2,
                                                               num_attention_heads=4, intermediate_size=64))
    elif kind == "gpt2":
        model = GPT2LMHeadModel(GPT2Config(**common, n_embd=32, n_layer=2, n_head=4, bos_token_id=0,
                                           eos_token_id=0))
    elif kind == "llama":  # grouped-query attention: 6 query heads share 2 key/value heads
        model = LlamaForCausalLM(LlamaConfig(**common, hidden_size=48, num_hidden_layers=2, num_attention_heads=6,
                                             num_key_value_heads=2, intermediate_size=64))
    else:
        raise ValueError(kind)
    for p in model.parameters():  # weights far from the tiny init, so each head matters visibly
        torch.nn.init.normal_(p, std=0.3) if p.dim() > 1 else None
    return model.eval()


TINY_INPUTS = {"input_ids": torch.tensor([[5, 17, 42, 8, 99, 3, 61], [7, 7, 23, 54, 2, 0, 0]]),
               "attention_mask": torch.tensor([[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0, 0]])}


def run(model, inputs) -> torch.Tensor:
    with torch.no_grad():
        out = model(**inputs)
    logits = getattr(out, "logits", None)
    return logits if logits is not None else out.last_hidden_state


def hook_count(model) -> int:
    return sum(len(m._forward_pre_hooks) + len(m._forward_hooks) for m in model.modules())


def params(model) -> int:
    return sum(p.numel() for p in model.parameters())


def zero_output_columns(model, layer: int, head: int):
    """A copy of `model` whose output projection ignores `head` of `layer`: what masking must equal."""
    model = copy.deepcopy(model)
    block = heads.attention_blocks(model)[layer]
    d = block.head_dim
    with torch.no_grad():
        if type(block.output).__name__ == "Conv1D":  # GPT-2's weight: [in, out]
            block.output.weight[head * d:(head + 1) * d, :] = 0
        else:  # nn.Linear weight: [out, in]
            block.output.weight[:, head * d:(head + 1) * d] = 0
    return model


# ---------------------------------------------------------------------------------------------
# mask
# ---------------------------------------------------------------------------------------------
def test_mask_changes_minilm_output_and_restores_it_exactly(minilm, minilm_inputs):
    model = minilm.model
    hooks_before = hook_count(model)
    base = run(model, minilm_inputs)
    with heads.mask(minilm, {0: [0, 5], 5: [11]}) as masked:  # a Loaded works; the model comes back
        assert masked is model
        changed = run(model, minilm_inputs)
        assert hook_count(model) == hooks_before + 2
    assert (changed - base).abs().max() > 1e-3
    assert torch.equal(run(model, minilm_inputs), base)
    assert hook_count(model) == hooks_before


def test_mask_is_undone_after_an_exception(minilm, minilm_inputs):
    model = minilm.model
    hooks_before = hook_count(model)
    base = run(model, minilm_inputs)
    with pytest.raises(RuntimeError, match="inside"):
        with heads.mask(model, {1: [2, 3]}):
            raise RuntimeError("boom inside the with-block")
    assert hook_count(model) == hooks_before
    assert torch.equal(run(model, minilm_inputs), base)


@pytest.mark.parametrize("kind", ["bert", "distilbert", "roberta", "gpt2", "llama"])
def test_mask_equals_removing_the_heads_share_of_the_output_projection(kind):
    model = tiny(kind)
    with heads.mask(model, {1: [2]}):
        masked = run(model, TINY_INPUTS)
    expected = run(zero_output_columns(model, 1, 2), TINY_INPUTS)
    assert (masked - run(model, TINY_INPUTS)).abs().max() > 1e-3
    torch.testing.assert_close(masked, expected, atol=1e-5, rtol=1e-5)


def test_mask_on_smollm2_grouped_query_attention():
    loaded = hflab.models.load("smollm2", quiet=True)
    model = loaded.model
    inputs = loaded.tokenizer("The capital of France is", return_tensors="pt")
    hooks_before = hook_count(model)
    base = run(model, inputs)
    with heads.mask(loaded, {0: [0, 1], 29: [8]}):
        changed = run(model, inputs)
    assert (changed - base).abs().max() > 1e-2
    assert torch.equal(run(model, inputs), base)
    assert hook_count(model) == hooks_before


@pytest.mark.parametrize("request_, error, words", [
    ({6: [0]}, IndexError, "6 attention layers"),
    ({0: [12]}, IndexError, "heads 0..11"),
    ({0: ["3"]}, TypeError, "integer"),
    ({0: [True]}, TypeError, "integer"),
    ([0, 1], TypeError, "dict"),
])
def test_mask_rejects_bad_layer_and_head_numbers(minilm, request_, error, words):
    hooks_before = hook_count(minilm.model)
    with pytest.raises(error, match=words):
        with heads.mask(minilm.model, request_):
            pass
    assert hook_count(minilm.model) == hooks_before


def test_unknown_architecture_is_refused_clearly():
    with pytest.raises(heads.UnsupportedModelError, match="BERT-family"):
        heads.attention_blocks(torch.nn.Sequential(torch.nn.Linear(4, 4)))


# ---------------------------------------------------------------------------------------------
# prune
# ---------------------------------------------------------------------------------------------
def per_head_parameters(block) -> int:
    hidden = block.query.weight.shape[1]
    return 4 * block.head_dim * hidden + 3 * block.head_dim  # q/k/v rows with bias + output columns


def test_pruned_minilm_equals_masked_and_is_smaller(minilm, minilm_inputs):
    model = copy.deepcopy(minilm.model)
    plan = {0: [1, 4], 3: [0, 5, 11], 5: [7]}
    with heads.mask(model, plan):
        masked = run(model, minilm_inputs)
    before = params(model)
    result = heads.prune(model, plan)
    assert params(model) == before - 6 * per_head_parameters(heads.attention_blocks(minilm.model)[0])
    assert (result.parameters_before, result.parameters_after) == (before, params(model))
    torch.testing.assert_close(run(model, minilm_inputs), masked, atol=1e-4, rtol=0)
    assert model.config.pruned_heads == {0: [1, 4], 3: [0, 5, 11], 5: [7]}
    assert heads.attention_blocks(model)[3].num_heads == 9


@pytest.mark.parametrize("kind", ["bert", "distilbert", "roberta", "gpt2"])
def test_pruned_equals_masked_on_tiny_models(kind):
    model = tiny(kind)
    plan = {0: [0, 3], 1: [1]}
    with heads.mask(model, plan):
        masked = run(model, TINY_INPUTS)
    before, one_head = params(model), per_head_parameters(heads.attention_blocks(model)[0]) if kind != "gpt2" else None
    heads.prune(model, plan)
    torch.testing.assert_close(run(model, TINY_INPUTS), masked, atol=1e-4, rtol=0)
    if one_head is not None:
        assert params(model) == before - 3 * one_head
    else:  # GPT-2: c_attn columns (with bias) and c_proj rows, 32 wide, head_dim 8
        assert params(model) == before - 3 * (3 * (32 * 8 + 8) + 8 * 32)


def test_prune_keeps_original_head_numbers(minilm, minilm_inputs):
    original = minilm.model
    model = copy.deepcopy(original)
    heads.prune(model, {2: [1]})
    with heads.mask(model, {2: [2]}):      # "2" is still the original head 2
        after_prune = run(model, minilm_inputs)
    with heads.mask(original, {2: [1, 2]}):
        expected = run(original, minilm_inputs)
    torch.testing.assert_close(after_prune, expected, atol=1e-4, rtol=0)
    with pytest.raises(IndexError, match="pruned already"):
        heads.prune(model, {2: [1]})


def test_llama_prune_follows_grouped_query_attention():
    model = tiny("llama")  # 6 query heads in 2 groups of 3 (key/value heads 0 and 1)
    plan = {0: [0, 1, 2], 1: [1, 4]}  # layer 0: a whole group; layer 1: one head from each group
    with heads.mask(model, plan):
        masked = run(model, TINY_INPUTS)
    before = params(model)
    heads.prune(model, plan)
    torch.testing.assert_close(run(model, TINY_INPUTS), masked, atol=1e-4, rtol=0)
    d, hidden = 8, 48
    # every query head: q rows + o columns; the whole group in layer 0 also takes its k and v rows
    assert params(model) == before - 5 * 2 * d * hidden - 2 * d * hidden
    out = model.generate(TINY_INPUTS["input_ids"][:1], max_new_tokens=3, do_sample=False)
    assert out.shape == (1, 10)


def test_llama_prune_refuses_uneven_groups_and_leaves_the_model_whole():
    model = tiny("llama")
    before, base = params(model), run(model, TINY_INPUTS)
    with pytest.raises(heads.PruneError, match="grouped-query attention.*mask"):
        heads.prune(model, {0: [5], 1: [0, 1]})
    assert params(model) == before
    assert torch.equal(run(model, TINY_INPUTS), base)


def test_prune_refuses_to_empty_a_layer():
    model = tiny("bert")
    with pytest.raises(heads.PruneError, match="every head of layer 1"):
        heads.prune(model, {1: [0, 1, 2, 3]})


def test_pruning_a_loaded_model_makes_load_read_the_original_again():
    loaded = hflab.models.load("minilm", quiet=True)
    full = params(loaded.model)
    heads.prune(loaded, {0: [0]})
    fresh = hflab.models.load("minilm", quiet=True)
    assert fresh.model is not loaded.model and params(fresh.model) == full


# ---------------------------------------------------------------------------------------------
# importance
# ---------------------------------------------------------------------------------------------
def test_importance_ranks_heads_by_what_masking_them_costs(minilm):
    inputs = minilm.tokenizer("Paris is the capital of France.", return_tensors="pt")
    scores = heads.importance(minilm, inputs)
    assert scores.shape == (6, 12) and np.isfinite(scores).all()
    top = np.unravel_index(np.argmax(scores), scores.shape)
    low = np.unravel_index(np.argmin(scores), scores.shape)
    base = run(minilm.model, inputs)

    def moved(layer, head):
        with heads.mask(minilm.model, {int(layer): [int(head)]}):
            return float((run(minilm.model, inputs) - base).norm())

    assert moved(*top) > 3 * moved(*low)


def test_importance_marks_pruned_heads_and_picks_prunable_sets():
    model = tiny("bert")
    heads.prune(model, {0: [2]})
    scores = heads.importance(model, TINY_INPUTS)
    assert scores.shape == (2, 4) and np.isnan(scores[0, 2]) and np.isfinite(np.delete(scores[0], 2)).all()
    picked = heads.least_important(scores, 0.5)  # half of the 7 heads left, rounded
    assert sum(len(h) for h in picked.values()) == 4
    assert len(picked.get(0, [])) < 3 and len(picked.get(1, [])) < 4 and 2 not in picked.get(0, [])
    heads.prune(model, picked)  # always prunable: every layer keeps its best head


def test_gradient_importance_needs_a_loss():
    model = tiny("llama")  # a causal LM: its own inputs are the labels
    scores = heads.importance(model, TINY_INPUTS, method="gradient")
    assert scores.shape == (2, 6) and np.isfinite(scores).all() and (scores > 0).any()
    with pytest.raises(ValueError, match="labels"):
        heads.importance(tiny("bert"), TINY_INPUTS, method="gradient")
