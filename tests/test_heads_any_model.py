"""hflab.heads on 28 architectures a learner might bring: mask works on all of them and leaves nothing
behind; prune equals mask where the weights allow it, and elsewhere refuses and points to mask."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import transformers
from hflab import heads
from test_heads import zero_output_columns
from tiny_architectures import ARCHITECTURES, build, config, inputs_for, kind

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py

# Where pruning cannot change one layer's head count on its own (see heads._prune_refusal).
REFUSES_PRUNE = {"ALBERT": "shares one attention block", "T5": "relative-position bias", "Phi-3": "qkv_proj"}
PRUNES = [name for name in ARCHITECTURES if name not in REFUSES_PRUNE]


def run(model, inputs) -> torch.Tensor:
    with torch.no_grad():
        return model(**inputs).logits


def hook_count(model) -> int:
    return sum(len(m._forward_pre_hooks) + len(m._forward_hooks) for m in model.modules())


def params(model) -> int:
    return sum(p.numel() for p in model.parameters())


def plan_for(model) -> dict[int, list[int]]:
    """Layer 0 loses heads 0 and 1, the last layer heads 1 and 3: with 4 query heads over 2 key/value
    heads that is one whole group, then one head from each group (both prunable under GQA)."""
    return {0: [0, 1], len(heads.attention_blocks(model)) - 1: [1, 3]}


# ---------------------------------------------------------------------------------------------
# mask: every architecture
# ---------------------------------------------------------------------------------------------
def test_the_list_covers_28_architectures():
    assert len(ARCHITECTURES) == 28 and len(PRUNES) == 25


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_mask_changes_the_output_and_is_undone(name):
    model, inputs = build(name)
    hooks_before, base = hook_count(model), run(model, inputs)
    blocks = heads.attention_blocks(model)
    assert len(blocks) == (4 if name in ("T5", "BART", "mBART", "Pegasus", "Marian") else 2)
    assert all(b.num_heads == 4 and b.head_dim == 8 for b in blocks)
    with heads.mask(model, plan_for(model)) as masked:
        assert masked is model
        changed = run(model, inputs)
    assert (changed - base).abs().max() > 1e-2
    assert torch.equal(run(model, inputs), base)
    assert hook_count(model) == hooks_before


@pytest.mark.parametrize("name", [n for n in ARCHITECTURES if n != "ALBERT"])
def test_mask_switches_off_exactly_that_heads_slice(name):
    model, inputs = build(name)
    last = len(heads.attention_blocks(model)) - 1
    with heads.mask(model, {last: [2]}):
        masked = run(model, inputs)
    torch.testing.assert_close(masked, run(zero_output_columns(model, last, 2), inputs), atol=1e-5, rtol=1e-5)


def test_albert_masks_each_layer_of_its_shared_block_on_its_own():
    model, inputs = build("ALBERT")  # one attention block, run as layer 0 and as layer 1
    blocks = heads.attention_blocks(model)
    assert blocks[0].output is blocks[1].output
    with heads.mask(model, {0: [2]}):
        first = run(model, inputs)
    with heads.mask(model, {1: [2]}):
        second = run(model, inputs)
    with heads.mask(model, {0: [2], 1: [2]}):
        both = run(model, inputs)
    assert (first - second).abs().max() > 1e-2
    for _ in range(2):  # the call count starts again with every forward pass
        torch.testing.assert_close(both, run(zero_output_columns(model, 0, 2), inputs), atol=1e-5, rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# prune: equals mask where the weights allow it
# ---------------------------------------------------------------------------------------------
def check_pruned_equals_masked(model, inputs, plan) -> float:
    with heads.mask(model, plan):
        masked = run(model, inputs)
    before_blocks = [b.num_heads for b in heads.attention_blocks(model)]
    before, hidden = params(model), model.config.get_text_config().hidden_size
    result = heads.prune(model, plan)
    pruned = run(model, inputs)
    torch.testing.assert_close(pruned, masked, atol=1e-4, rtol=0)
    removed = sum(len(h) for h in plan.values())
    # each head takes at least its query rows and output columns: 2 * head_dim * hidden
    assert params(model) <= before - removed * 2 * 8 * hidden
    assert (result.parameters_before, result.parameters_after) == (before, params(model))
    after_blocks = [b.num_heads for b in heads.attention_blocks(model)]
    assert after_blocks == [n - len(plan.get(i, [])) for i, n in enumerate(before_blocks)]
    assert model.config.pruned_heads == plan
    return float((pruned - masked).abs().max())


@pytest.mark.parametrize("name", PRUNES)
def test_pruned_equals_masked_and_still_generates(name):
    model, inputs = build(name)
    check_pruned_equals_masked(model, inputs, plan_for(model))
    if kind(name) == "encoder":
        return
    generated = model.generate(**{k: v for k, v in inputs.items() if k != "decoder_input_ids"},
                               max_new_tokens=3, do_sample=False)
    assert generated.shape[1] >= 3


@pytest.mark.parametrize("name", PRUNES)
def test_heads_keep_their_numbers_after_pruning(name):
    model, inputs = build(name)
    original = copy.deepcopy(model)
    heads.prune(model, {0: [0, 1]})
    with heads.mask(model, {0: [3]}):      # "3" is still the original head 3
        after_prune = run(model, inputs)
    with heads.mask(original, {0: [0, 1, 3]}):
        expected = run(original, inputs)
    torch.testing.assert_close(after_prune, expected, atol=1e-4, rtol=0)


@pytest.mark.parametrize("variant, settings", [
    ("Falcon-40B: grouped keys", dict(new_decoder_architecture=True, num_kv_heads=2)),
    ("Falcon-RW: ALiBi", dict(multi_query=False, alibi=True)),
    ("Falcon: a key per head", dict(multi_query=False)),
])
def test_falcon_layouts_prune(variant, settings):
    cfg = config("Falcon")
    for key, value in settings.items():
        setattr(cfg, key, value)
    torch.manual_seed(0)
    model = transformers.FalconForCausalLM(cfg).eval()
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1:
                p.normal_(0.0, 0.2)
    check_pruned_equals_masked(model, inputs_for("Falcon"), plan_for(model))


def test_bloom_pruned_layers_keep_their_own_alibi_slopes():
    model, inputs = build("BLOOM")
    with heads.mask(model, {0: [0]}):
        masked = run(model, inputs)
    heads.prune(model, {0: [0]})   # heads 1..3 keep slopes 1..3, not 0..2
    torch.testing.assert_close(run(model, inputs), masked, atol=1e-4, rtol=0)
    heads.prune(model, {0: [2]})   # a second cut reads the first from config.pruned_heads
    with heads.mask(model, {0: [1]}):
        after = run(model, inputs)
    fresh, _ = build("BLOOM")
    with heads.mask(fresh, {0: [0, 1, 2]}):
        expected = run(fresh, inputs)
    torch.testing.assert_close(after, expected, atol=1e-4, rtol=0)


# ---------------------------------------------------------------------------------------------
# prune: refused clearly, model left whole
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(REFUSES_PRUNE))
def test_prune_refuses_and_names_mask(name):
    model, inputs = build(name)
    before, base = params(model), run(model, inputs)
    with pytest.raises(heads.PruneError, match=rf"{REFUSES_PRUNE[name]}.*hflab\.heads\.mask\(model, \{{0: \[0\]\}}\)"):
        heads.prune(model, {0: [0]})
    assert params(model) == before and torch.equal(run(model, inputs), base)
    assert not getattr(model.config, "pruned_heads", None)


# ---------------------------------------------------------------------------------------------
# importance: every architecture
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ARCHITECTURES)
def test_importance_scores_every_head(name):
    model, inputs = build(name)
    scores = heads.importance(model, inputs)
    layers = len(heads.attention_blocks(model))
    assert scores.shape == (layers, 4) and np.isfinite(scores).all() and (scores > 0).all()
    assert heads.least_important(scores, 0.25)  # a plan mask (and prune, where it works) accepts


def test_bloom_split_into_tensor_parallel_slices_is_refused():
    cfg = config("BLOOM")
    cfg.pretraining_tp, cfg.slow_but_exact = 2, True
    model = transformers.BloomForCausalLM(cfg).eval()
    with pytest.raises(heads.PruneError, match="slow_but_exact.*hflab.heads.mask"):
        heads.prune(model, {0: [1]})
