"""hflab.compare: the side-by-side table, CKA across tokenizers, and the ModelComparison widget.

Fast: no training. The "real" model here is the packaged MiniLM with a fresh two-label head,
saved to a folder the way a learner saves a model; the other is the DistilBERT-SST-2 stand-in.
"""

from __future__ import annotations

import hflab
import numpy as np
import pytest
from hflab.compare import ROW_KEYS, compare, linear_cka
from hflab.similarity import tokens_to_spans, word_spans

TEXTS = ["What a lovely film, I would watch it again!", "The soup was cold and the waiter was rude.",
         "<script>alert('boo')</script> is not a review."]


@pytest.fixture(scope="module")
def minilm_classifier_folder(tmp_path_factory):
    """MiniLM's real encoder with a new (untrained) 2-label head, saved as a local model folder."""
    from hflab.models.packaged import minilm_folder
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, set_seed

    set_seed(0)
    folder = tmp_path_factory.mktemp("minilm-head")
    model = AutoModelForSequenceClassification.from_pretrained(
        minilm_folder(), num_labels=2, id2label={0: "NEGATIVE", 1: "POSITIVE"})
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(minilm_folder()).save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="module")
def table(minilm_classifier_folder):
    return compare(["distilbert-sst2", minilm_classifier_folder], TEXTS, task="text-classification", runs=3)


def test_rows_have_the_documented_keys_and_types(table):
    rows = table.rows()
    assert len(rows) == 2
    for row in rows:
        assert set(row) == set(ROW_KEYS)
        for key, kind in ROW_KEYS.items():
            assert isinstance(row[key], kind), (key, row[key])
        assert len(row["outputs"]) == len(row["predictions"]) == len(TEXTS)
        assert all(p in ("POSITIVE", "NEGATIVE") for p in row["predictions"])
        assert row["latency_ms"] > 0 and row["parameters"] > 0
        assert row["memory_mb"] >= row["parameters"] * 4 / 2**20 * 0.99  # float32 weights at least
        assert row["disk_mb"] is not None and row["disk_mb"] > 0
        assert row["accuracy"] is None  # no labels given


def test_real_and_standin_are_told_apart(table):
    standin, real = table.rows()
    assert standin["model"] == "distilbert-sst2" and standin["source"] == "tiny" and standin["real"] is False
    assert real["source"] == "local" and real["real"] is True
    assert real["parameters"] > 20_000_000 > standin["parameters"]  # MiniLM's 22 M vs a ~1 M stand-in


def test_rows_are_copies(table):
    table.rows()[0]["outputs"].clear()
    assert len(table.rows()[0]["outputs"]) == len(TEXTS)


def test_html_escapes_inputs(table):
    html = table._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "distilbert-sst2" in html and "stand-in" in html


def test_agreement_and_plots(table):
    agreement = table.agreement()
    assert agreement.shape == (2, 2) and np.allclose(np.diag(agreement), 1.0)
    first, second = table.rows()
    same = np.mean([a == b for a, b in zip(first["predictions"], second["predictions"], strict=True)])
    assert agreement[0, 1] == pytest.approx(same)
    for figure in (table.plot_latency_vs_size(), table.plot_agreement()):
        assert figure.axes and figure.axes[0].get_title()


def test_labels_give_accuracy(minilm_classifier_folder):
    labels = ["POSITIVE", "NEGATIVE", "NEGATIVE"]
    rows = compare("distilbert-sst2", TEXTS, labels=labels, runs=1).rows()
    expected = np.mean([p == y for p, y in zip(rows[0]["predictions"], labels, strict=True)])
    assert rows[0]["accuracy"] == pytest.approx(expected)


def test_models_of_another_task_are_refused_plainly():
    with pytest.raises(ValueError, match="feature-extraction model"):
        compare(["distilbert-sst2", "minilm"], TEXTS[:1], task="text-classification")


# --- CKA -------------------------------------------------------------------------------------
def test_linear_cka_ignores_rotation_and_scale():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 8))
    rotation, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    assert linear_cka(x, 3.0 * x @ rotation) == pytest.approx(1.0, abs=1e-9)
    assert linear_cka(x, rng.normal(size=(50, 8))) < 0.5


def test_word_alignment_across_two_different_tokenizers():
    minilm = hflab.models.load("minilm", quiet=True).tokenizer  # WordPiece, lower-case
    gpt2 = hflab.models.load("gpt2", quiet=True).tokenizer  # byte-level BPE
    text = "Unbelievably, tokenization differs!"
    spans = word_spans(text)
    assert [text[s:e] for s, e in spans] == ["Unbelievably", ",", "tokenization", "differs", "!"]
    for tokenizer in (minilm, gpt2):
        encoded = tokenizer(text, return_offsets_mapping=True)
        groups = tokens_to_spans(encoded["offset_mapping"], spans)
        assert all(groups), tokenizer  # every word is covered by at least one token
        for (start, end), tokens in zip(spans, groups, strict=True):
            pieces = tokenizer.convert_ids_to_tokens([encoded["input_ids"][i] for i in tokens])
            joined = "".join(p.replace("##", "").replace("Ġ", "") for p in pieces)
            assert joined.lower() == text[start:end].lower()


def test_cka_of_a_model_with_itself_is_one():
    similarity = hflab.compare.cka("minilm", "minilm", TEXTS[:2])
    assert similarity.matrix.shape == (7, 7)  # embeddings + 6 layers
    assert np.allclose(np.diag(similarity.matrix), 1.0, atol=1e-5)
    assert np.allclose(similarity.matrix, similarity.matrix.T, atol=1e-6)
    assert similarity.matrix[0, 6] < 0.999  # the embeddings are not the last layer


def test_cka_of_different_models_is_below_one():
    similarity = hflab.compare.cka("minilm", "gpt2", TEXTS[:2])  # different tokenizers, widths and weights
    assert similarity.matrix.shape[0] == 7
    assert np.all(similarity.matrix < 1 - 1e-3) and np.all(similarity.matrix > 0)
    assert similarity.words[:3] == ["What", "a", "lovely"]
    assert similarity.plot().axes


# --- the widget ------------------------------------------------------------------------------
def test_model_comparison_driven_from_python(minilm_classifier_folder):
    from hflab.views.comparison import ModelComparison

    view = ModelComparison(["distilbert-sst2", minilm_classifier_folder], TEXTS[:2])
    assert view.task == "text-classification"
    assert view.models == ["distilbert-sst2", minilm_classifier_folder]
    assert view.model_select.value == ("distilbert-sst2",)  # catalog keys are picked in the list
    assert "sentiment" in [key for _, key in view.model_select.options]
    view.runs = 1
    result = view.compare()
    assert view.error is None, view.error
    assert result is view.result and len(result.rows()) == 2
    assert "<table>" in view.table.value and "distilbert-sst2" in view.table.value
    for plot in (view.latency_plot, view.agreement_plot):
        assert bytes(plot.value).startswith(b"\x89PNG")
    assert view.similarity is not None and bytes(view.extra_plot.value).startswith(b"\x89PNG")


def test_model_comparison_shows_a_bad_model_id_as_an_error():
    from hflab.views.comparison import ModelComparison

    view = ModelComparison(["distilbert-sst2"], ["Fine."])
    view.models = ["distilbert-sst2", "no-such-org/no-such-model"]
    assert view.compare() is None
    assert "no-such-org/no-such-model" in view.error
    assert "오류" in view.error_box.value and view.table.value == ""


def test_hflab_compare_is_callable_and_holds_cka():
    import hflab.views.comparison  # noqa: F401 - binds the module to hflab.compare first

    assert callable(hflab.compare) and callable(hflab.compare.cka) and callable(hflab.compare.vision_focus)
    assert hflab.compare("distilbert-sst2", "Fine.", runs=1).rows()[0]["model"] == "distilbert-sst2"


@pytest.mark.parametrize(("call", "says"), [
    (lambda: compare(123, TEXTS), "catalog keys"),
    (lambda: compare(["distilbert-sst2", 7], TEXTS), "catalog keys"),
    (lambda: compare("distilbert-sst2", 42), "a text, an image or a list"),
    (lambda: compare("distilbert-sst2", TEXTS, task=3), "task name"),
    (lambda: compare("distilbert-sst2", TEXTS, runs="5"), "whole number"),
])
def test_compare_says_what_to_pass_for_a_wrong_argument(call, says):
    with pytest.raises(TypeError, match=says):
        call()


@pytest.mark.parametrize(("kwargs", "says"), [({"models": 123}, "catalog keys"), ({"task": 5}, "task name"),
                                              ({"models": ["sentiment"], "inputs": 3.5}, "a text, an image")])
def test_model_comparison_says_what_to_pass_for_a_wrong_argument(kwargs, says):
    from hflab.views.comparison import ModelComparison

    with pytest.raises(TypeError, match=says) as err:
        ModelComparison(**kwargs)
    assert "ModelComparison(" in str(err.value)
