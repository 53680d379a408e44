"""minilm-ner: the NER data set, the entity-level F1, and the model trained from them (hflab.recipes.ner).

The first tests need no model. The `slow` ones load "minilm-ner" through the catalog, which trains
it once into HFLAB_HOME (about 1.5 min on a quiet 2-core machine) and reuses it afterwards.
"""

from __future__ import annotations

import importlib.util

import hflab
import pytest
from hflab._paths import data_dir, data_path
from hflab.recipes import ner
from hflab.tasks.errors import InputError


def _make_ner():
    spec = importlib.util.spec_from_file_location("make_ner", data_dir() / "make_ner.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the data --------------------------------------------------------------------------------
def test_the_committed_data_is_what_make_ner_writes():
    make_ner = _make_ner()
    for split, rows in zip(("train", "test"), make_ner.make_all(), strict=True):
        written = data_path("ner", f"{split}.jsonl").read_text(encoding="utf-8")
        assert written == "".join(make_ner.line(row) for row in rows)


def test_test_names_and_templates_never_occur_in_train():
    make_ner = _make_ner()
    train, test = ner.ner_rows("train"), ner.ner_rows("test")
    assert len(train) == 3000 and len(test) == 600
    names = {split: {text.lower() for row in rows for _, text in make_ner.entities(row)}
             for split, rows in (("train", train), ("test", test))}
    assert len(names["test"]) > 400 and not names["train"] & names["test"]
    assert not (names["train"] | names["test"]) & make_ner.FRESH  # the fresh examples below stay fresh
    templates = [{t for group in groups for ts in group.values() for t in ts}
                 for groups in ((make_ner.TRAIN_TEMPLATES, make_ner.ROUND_2_TEMPLATES), (make_ner.TEST_TEMPLATES,))]
    assert len(templates[1]) >= 30 and not templates[0] & templates[1]
    for rows in (train, test):
        assert {row["domain"] for row in rows} == set(make_ner.DOMAINS)
        for row in rows:
            assert len(row["tokens"]) == len(row["tags"]) and set(row["tags"]) <= set(ner.LABELS)
            assert all(not tag.startswith("I-") or previous[2:] == tag[2:]  # IOB2: I- only continues
                       for previous, tag in zip(["O", *row["tags"]], row["tags"], strict=False))
        kinds = [kind for row in rows for kind, _ in make_ner.entities(row)]
        assert all(0.15 < kinds.count(kind) / len(kinds) < 0.35 for kind in ner.TYPES)  # balanced types


def test_every_word_piece_is_labelled_and_continuations_are_inside_tags():
    from hflab.models.packaged import minilm_folder
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(minilm_folder())
    row = {"tokens": ["Quillon", "Robotics", "hired", "Beatrix", "."],
           "tags": ["B-ORG", "I-ORG", "O", "B-PER", "O"]}
    example = ner.encode(tokenizer, [row])[0]
    pieces = tokenizer.convert_ids_to_tokens(example["input_ids"])
    tags = [ner.LABELS[i] if i >= 0 else None for i in example["labels"]]
    assert tags[0] is None and tags[-1] is None  # [CLS], [SEP]
    assert pieces[1] != "quillon" and tags[1] == "B-ORG"  # "quillon" is split into pieces ...
    assert pieces[2].startswith("##") and tags[2] == "I-ORG"  # ... and its second piece continues the name
    first_only = ner.encode(tokenizer, [row], every_piece=False)[0]["labels"]
    assert first_only[2] == -100


# --- the metric ------------------------------------------------------------------------------
def test_spans_read_iob2_like_conlleval():
    assert ner.spans(["B-PER", "I-PER", "O", "B-LOC"]) == {(0, 2, "PER"), (3, 4, "LOC")}
    assert ner.spans(["B-ORG", "B-ORG"]) == {(0, 1, "ORG"), (1, 2, "ORG")}  # two names side by side
    assert ner.spans(["O", "I-MISC", "I-MISC"]) == {(1, 3, "MISC")}  # a stray I- opens an entity
    assert ner.spans(["B-PER", "I-LOC"]) == {(0, 1, "PER"), (1, 2, "LOC")}  # a type change ends one


def test_entity_f1_counts_exact_span_and_type_only():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    assert ner.entity_scores(gold, gold)["entity_f1"] == 1.0
    # PER cut short (wrong span), LOC right, ORG called MISC (wrong type): 1 right of 3 guessed, of 3 real
    guess = [["B-PER", "O", "O", "B-LOC"], ["B-MISC", "O"]]
    scores = ner.entity_scores(gold, guess)
    assert scores["precision"] == scores["recall"] == pytest.approx(1 / 3, abs=1e-4)
    assert scores["f1_LOC"] == 1.0 and scores["f1_PER"] == scores["f1_ORG"] == 0.0
    assert ner.entity_scores(gold, [["O"] * 4, ["O"] * 2])["entity_f1"] == 0.0


def test_ner_rows_says_which_splits_exist():
    with pytest.raises(ValueError, match='"train" or "test"'):
        ner.ner_rows("validation")


# --- the trained model -----------------------------------------------------------------------
TASK, KEY = "ner", "minilm-ner"  # trained_pipeline and trained_report (conftest.py) load it (CI: trains it once)


@pytest.mark.slow
def test_the_test_split_scores_far_above_the_random_standin(trained_pipeline, trained_report):
    loaded, report = trained_pipeline.loaded, trained_report
    assert loaded.source == "trained" and loaded.model.config.id2label == dict(enumerate(ner.LABELS))
    assert not report["stopped_by_budget"]
    # Measured 0.939 (PER 0.974, ORG 0.925, LOC 0.970, MISC 0.876) with names and templates train never had.
    assert report["test"]["entity_f1"] >= 0.85
    assert all(report["test"][f"f1_{kind}"] >= 0.75 for kind in ner.TYPES)
    assert report["standin"] == "bert-ner" and report["standin_test"]["entity_f1"] < 0.10
    # the saved folder is the model that was scored
    rows = ner.ner_rows("test")
    assert ner.score(loaded.model, loaded.processor, rows)["entity_f1"] == pytest.approx(
        report["test"]["entity_f1"], abs=0.005)


# Sentences in neither split, with names kept out of both (make_ner.FRESH). The first is the seed's.
# The first five were written before any model ran; the model trained on round 1 of the data alone got
# only two right, which led to round 2. The last three were written after round 2, before a model
# trained on it ran.
FRESH_EXAMPLES = {
    "Hugging Face is a French company based in New York City.":
        {("ORG", "hugging face"), ("MISC", "french"), ("LOC", "new york city")},
    "Kenji Watanabe flew to Tallinn to meet engineers from Ferrari.":
        {("PER", "kenji watanabe"), ("LOC", "tallinn"), ("ORG", "ferrari")},
    "Beatrix Okonkwo teaches Swahili at a school in Zanzibar.":
        {("PER", "beatrix okonkwo"), ("MISC", "swahili"), ("LOC", "zanzibar")},
    "Duolingo opened a new office in Ottawa last spring.":
        {("ORG", "duolingo"), ("LOC", "ottawa")},
    "Quillon Robotics was founded by two Estonian students.":
        {("ORG", "quillon robotics"), ("MISC", "estonian")},
    "Tomasz Wierzbicki works for Hanseatic Shipping in Gdansk.":
        {("PER", "tomasz wierzbicki"), ("ORG", "hanseatic shipping"), ("LOC", "gdansk")},
    "The Moldovan team won the Baltic Cup in Riga.":
        {("MISC", "moldovan"), ("MISC", "baltic cup"), ("LOC", "riga")},
    "Priyanka Desai reviewed the Pixel Fold for a magazine in Pune.":
        {("PER", "priyanka desai"), ("MISC", "pixel fold"), ("LOC", "pune")},
}


@pytest.mark.slow
def test_the_pipeline_finds_names_it_never_saw(trained_pipeline):
    tagger = hflab.pipeline("ner", model="minilm-ner", aggregation_strategy="simple")
    assert not tagger.is_standin
    found = {}
    for text in FRESH_EXAMPLES:
        entities = tagger(text)
        assert all(set(e) >= {"entity_group", "score", "word", "start", "end"} for e in entities)
        found[text] = {(e["entity_group"], e["word"]) for e in entities}
        for e in entities:  # start/end point at the name in the text
            assert text[e["start"]:e["end"]].lower() == e["word"]
    # Measured: 20 of the 23 entities exactly right (6 of 8 sentences). The misses: "Swahili" after
    # "teaches" read as a place, and the seed's "Hugging Face" split in two (ORG "hugging", PER "face"):
    # a company named with two everyday words is the hardest case for an uncased model of this size.
    right = sum(len(found[text] & expected) for text, expected in FRESH_EXAMPLES.items())
    total = sum(len(expected) for expected in FRESH_EXAMPLES.values())
    assert right / total >= 0.8, {text: found[text] for text in FRESH_EXAMPLES}
    seed = found["Hugging Face is a French company based in New York City."]
    assert {("MISC", "french"), ("LOC", "new york city")} <= seed
    assert {"hugging", "face"} <= {word for _, name in seed for word in name.split()}  # seen as a name


@pytest.mark.slow
def test_bad_input_says_what_to_do(trained_pipeline):
    tagger = trained_pipeline
    with pytest.raises(InputError, match="empty"):
        tagger("   ")
    with pytest.raises(InputError, match="string"):
        tagger(42)
    assert tagger("the weather was lovely all day") == []  # no names, no entities
