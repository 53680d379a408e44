"""fill-mask offline: smollm2, a causal LM, scores candidate words (hflab.tasks.fill_mask).

Fresh sentences written for this test (not in data/, not used to choose any setting), with the
answers a learner would call right; transformers' output format; the one line that says which
model answered and how; the catalog key that still gives the random masked-LM stand-in; bad input.
"""

from __future__ import annotations

import hflab
import pytest
from hflab.tasks import InputError
from hflab.tasks.factory import pipeline_class
from hflab.tasks.fill_mask import CausalFillMaskPipeline
from hflab.tasks.native import NativePipeline

KEYS = {"score", "token", "token_str", "sequence"}


@pytest.fixture(scope="module")
def fill():
    return hflab.pipeline("fill-mask")


def words(answers) -> list[str]:
    return [a["token_str"].strip() for a in answers]


@pytest.mark.parametrize(("text", "right"), [
    ("Paris is the capital of <mask>.", {"France"}),
    ("The cat sat on the [MASK].", {"mat"}),
    ("She plays the <mask> in the school orchestra.", {"violin", "piano", "cello", "flute", "trumpet", "drums"}),
    ("I drank a cup of hot <mask> this morning.", {"coffee", "tea", "chocolate", "cocoa"}),
    ("<mask> sun rises in the east.", {"The"}),  # a mask at the start: no left text at all
])
def test_fresh_sentences_get_the_word_a_learner_expects(fill, text, right):
    answers = fill(text, top_k=5)
    assert words(answers)[0] in right, answers


def test_the_seeds_sentence_gets_a_word_that_fits(fill):
    answers = fill("Hugging Face is a community-based open-source <mask> for machine learning.", top_k=5)
    assert {"platform", "library", "framework", "software", "community"} & set(words(answers)[:3]), answers


def test_output_has_transformers_format_and_scores_are_probabilities_among_candidates(fill):
    text = "Paris is the capital of <mask>."
    answers = fill(text)  # top_k defaults to 5, as in transformers
    assert len(answers) == 5 and all(set(a) == KEYS for a in answers)
    assert all(isinstance(a["token"], int) and isinstance(a["token_str"], str) and isinstance(a["score"], float)
               for a in answers)
    scores = [a["score"] for a in answers]
    assert scores == sorted(scores, reverse=True) and 0.0 < sum(scores) <= 1.0 + 1e-6
    best = answers[0]
    assert best["sequence"] == "Paris is the capital of France." and best["token_str"] == " France"
    assert fill.tokenizer.decode([best["token"]]) == best["token_str"]  # the token id is smollm2's own
    assert answers[0]["score"] > 0.5  # the model is sure, and says so


def test_bert_and_roberta_mask_spellings_give_the_same_answer(fill):
    assert fill("Paris is the capital of [MASK].", top_k=3) == fill("Paris is the capital of <mask>.", top_k=3)


def test_top_k_and_targets(fill):
    assert len(fill("The cat sat on the <mask>.", top_k=2)) == 2
    answers = fill("Paris is the capital of <mask>.", targets=["Germany", "France", "banana"])
    assert words(answers) == ["France", "Germany", "banana"]  # only the targets, best first
    one = fill("Paris is the capital of <mask>.", targets="Spain", top_k=3)
    assert words(one) == ["Spain"] and one[0]["sequence"] == "Paris is the capital of Spain."
    # a long rest of the sentence: only the best candidates read all of it, and the targets always do
    long = fill("She plays the <mask> in the school orchestra every Friday after her lessons.", targets=["banana", "piano"])
    assert words(long) == ["piano", "banana"]


def test_several_masks_give_one_list_each_filled_left_to_right(fill):
    answers = fill("The <mask> of France is <mask>.", top_k=3)
    assert isinstance(answers, list) and len(answers) == 2 and all(len(a) == 3 for a in answers)
    first, second = answers
    assert all(set(a) == KEYS for a in first + second)
    assert first[0]["sequence"].endswith(" is <mask>.")  # the later mask stays as written
    assert second[0]["sequence"].startswith(f"The{first[0]['token_str']} of France is")  # the earlier one filled


def test_a_list_of_texts_gives_one_answer_list_each(fill):
    answers = fill(["Paris is the capital of <mask>.", "The cat sat on the <mask>."], top_k=1)
    assert [words(a) for a in answers] == [["France"], ["mat"]]


def test_one_line_says_which_real_model_answered_and_how(capsys):
    pipe = hflab.pipeline("fill-mask")
    said = capsys.readouterr().out.strip().splitlines()
    assert len(said) == 1 and "SmolLM2-135M-Instruct" in said[0] and "causal LM" in said[0]
    assert "not a masked LM" in said[0] and not pipe.is_standin and pipe.source == "packaged"
    hub = hflab.pipeline("fill-mask", model="distilbert/distilroberta-base")  # the seed's Hub id, offline
    said = capsys.readouterr().out.strip().splitlines()
    assert len(said) == 1 and "distilbert/distilroberta-base is not available offline" in said[0]
    assert "SmolLM2-135M-Instruct" in said[0] and "not a masked LM" in said[0]
    assert isinstance(hub, CausalFillMaskPipeline) and hub.loaded.key == "smollm2"


def test_the_catalog_key_still_gives_the_random_masked_lm_standin(capsys):
    standin = hflab.pipeline("fill-mask", model="distilroberta")
    assert "random stand-in" in capsys.readouterr().out
    assert isinstance(standin, NativePipeline) and standin.is_standin
    assert type(standin.model).__name__ == "RobertaForMaskedLM"
    answers = standin("Paris is the capital of <mask>.", top_k=2)  # transformers' own pipeline answers
    assert len(answers) == 2 and all(set(a) == KEYS for a in answers)
    assert hflab.models.load("distilbert/distilroberta-base", standin=True, quiet=True).source == "tiny"


def test_a_masked_lm_keeps_transformers_pipeline():
    loaded = hflab.models.load("distilroberta", quiet=True)
    assert pipeline_class("fill-mask", loaded) is NativePipeline
    assert pipeline_class("fill-mask", hflab.models.load("smollm2", quiet=True)) is CausalFillMaskPipeline


@pytest.mark.parametrize(("call", "says"), [
    (lambda f: f("Paris is the capital of France."), "no mask token"),
    (lambda f: f(""), "empty"),
    (lambda f: f("   "), "empty"),
    (lambda f: f("A <mask> day. " + "The museum opens at nine and closes at five. " * 900), "too long"),
    (lambda f: f("A <mask> day.", top_k=0), "top_k"),
    (lambda f: f("A <mask> day.", targets=[]), "targets"),
    (lambda f: f("A <mask> day.", temperature=0.5), "unexpected"),
    (lambda f: f(None), "needs text"),
])
def test_bad_input_says_what_to_do(fill, call, says):
    with pytest.raises(InputError, match=says) as err:
        call(fill)
    assert err.value.fix  # and what to do instead
