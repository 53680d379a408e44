"""hflab.recipes.fill_mask: the MLM head trained here on the real MiniLM ("minilm-mlm").

Loading the key trains it once into HFLAB_HOME (CI starts with an empty cache). The test figures
were recorded by build() on the held-out sentences; the fresh sentences below are in no data file.
"""

from __future__ import annotations

import hflab
import pytest
from hflab.recipes import fill_mask
from hflab.tasks.text import use_own_mask_token
from hflab.train import training_report

pytestmark = pytest.mark.slow

# Fresh sentences (in no train or test file), each with an answer a learner would call obvious.
FRESH = {
    "Paris is the capital of [MASK].": {"france"},
    "The sun rises in the east and sets in the [MASK].": {"west"},
    "She drank a cup of hot [MASK] before she went to work.": {"coffee", "tea", "water", "milk"},
    "Monday, Tuesday and [MASK] are days of the week.": {"wednesday", "thursday", "friday", "sunday", "saturday"},
    "I can't find my keys; I think I left them in the [MASK].": {"car", "kitchen", "house", "office", "room"},
}


@pytest.fixture(scope="module")
def loaded():
    return hflab.models.load("minilm-mlm")


@pytest.fixture(scope="module")
def report(loaded):
    return training_report(loaded.path)


@pytest.fixture(scope="module")
def fill(loaded):
    return hflab.pipeline("fill-mask", model=loaded)


def test_it_is_the_real_encoder_with_a_trained_head(loaded, report):
    assert loaded.source == "trained" and not loaded.is_standin
    assert type(loaded.model).__name__ == "BertForMaskedLM" and loaded.tokenizer.mask_token == "[MASK]"
    assert report["model"] == "minilm-mlm" and report["standin"] == "distilroberta"
    assert report["test_examples"] >= 500 and report["content_words"] >= 200 and report["function_words"] >= 200
    assert not report["stopped_by_budget"]


def test_held_out_figures_are_what_a_learner_calls_working(report):
    test = report["test"]
    # measured (benchmarks/recipe_fill_mask.py prints the build's figures): see data/README.md
    assert test["top5"] >= 0.55 and test["top1"] >= 0.35
    assert test["function_top5"] >= 0.70  # "the", "of", "and": the easy half
    assert test["content_top5"] >= 0.35  # nouns, verbs, adjectives: the hard half


def test_the_random_standin_is_far_below(report):
    ours, theirs = report["test"], report["standin_test"]
    assert theirs["top5"] <= 0.05 and theirs["top5"] < ours["top5"] / 5


def test_test_sentences_were_never_trained_on():
    train = set(fill_mask.train_sentences())
    test = fill_mask.test_sentences()
    assert len(test) >= 250 and not train & set(test)


@pytest.mark.parametrize("text", list(FRESH))
def test_fresh_sentences_have_the_obvious_word_in_the_top_five(fill, text):
    predictions = fill(text, top_k=5)
    assert len(predictions) == 5 and set(predictions[0]) == {"score", "token", "token_str", "sequence"}
    words = [p["token_str"].strip().lower() for p in predictions]
    assert FRESH[text] & set(words), words
    assert "[MASK]" not in predictions[0]["sequence"]


def test_the_seeds_roberta_mask_is_read_as_mask(fill, capsys):
    seed_text = "Paris is the capital of <mask>."
    predictions = fill(seed_text, top_k=5)
    said = capsys.readouterr().out
    assert "[MASK]" in said and "<mask>" in said and len(said.strip().splitlines()) == 1
    assert predictions == fill("Paris is the capital of [MASK].", top_k=5)
    batch = fill([seed_text, "The sun sets in the <mask>."], top_k=2)
    assert len(batch) == 2 and all(len(answers) == 2 for answers in batch)


def test_swap_goes_both_ways_and_leaves_the_own_token_alone(capsys):
    roberta = hflab.models.load("distilroberta", offline=True, quiet=True).tokenizer
    assert use_own_mask_token("A [MASK] day.", roberta) == "A <mask> day."
    assert "<mask>" in capsys.readouterr().out
    assert use_own_mask_token(["A <mask> day.", "No mask here."], roberta) == ["A <mask> day.", "No mask here."]
    assert capsys.readouterr().out == ""  # nothing swapped, nothing said
    standin = hflab.pipeline("fill-mask", model="distilroberta")
    assert len(standin("A [MASK] day.", top_k=3)) == 3  # a BERT-style mask reaches RoBERTa as <mask>


def test_a_text_without_any_mask_says_what_to_do(fill):
    with pytest.raises(Exception, match="(?i)mask"):
        fill("There is no blank in this sentence.")
