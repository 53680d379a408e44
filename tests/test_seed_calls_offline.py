"""Offline, every pipeline call of the seed (its own task names and Hub ids) answers with a real model.

"Real": packaged real weights (MiniLM, SmolLM2, Whisper) or a model trained here (hflab.recipes,
hflab.train) — never a random stand-in. Which model answers each call is fixed below; the recipe
tests (tests/test_recipe_*.py) check that those models are right on inputs no training looked at.
"""

from __future__ import annotations

import hflab
import pytest
from localhub.seed_calls import SEED_CALLS

pytestmark = pytest.mark.slow  # the first call of a task trains its model (once, into HFLAB_HOME)

ANSWERED_BY = {
    "audio-classification": "keywords",
    "automatic-speech-recognition": "whisper-tiny-en",
    "image-classification": "digits-vit",
    # the RT-DETR trained here on synthetic scenes (test mAP@0.5 ~0.38: real, still weak)
    "object-detection": "scene-detr",
    "image-segmentation": "scene-segmenter",
    "depth-estimation": "scene-depth",
    "sentiment-analysis": "sentiment",
    "ner": "minilm-ner",
    "question-answering": "minilm-qa",
    "summarization": "smollm2",
    "translation": "smollm2",
    "text-generation": "smollm2",
    # a causal LM scoring candidate words (hflab.tasks.fill_mask): the MiniLM masked-LM head trained
    # here (hflab.recipes.fill_mask) does not find content words, so it is not in the catalog
    "fill-mask": "smollm2",
    "document-question-answering": "layoutlm-docs",
    "image-to-text": "scene-captioner",
    "feature-extraction": "minilm",
}


STILL_STANDINS: set[str] = set()  # every seed call answers with a real model


def test_the_table_covers_every_seed_call():
    assert set(ANSWERED_BY) == set(SEED_CALLS)
    real = [task for task in SEED_CALLS if task not in STILL_STANDINS and task != "feature-extraction"]
    assert len(real) == 15  # all of the seed's 15 task calls (feature-extraction counted apart)


@pytest.mark.parametrize("task", sorted(SEED_CALLS))
def test_the_seed_call_answers_with_a_real_model_offline(task, capsys):
    model, call, looks_right = SEED_CALLS[task]
    pipe = hflab.pipeline(task, model=model)
    out = call(pipe)
    printed = capsys.readouterr().out
    assert pipe.loaded.key == ANSWERED_BY[task], (task, pipe.loaded)
    assert looks_right(out), out
    if task in STILL_STANDINS:
        assert pipe.is_standin and "is a random stand-in for" in printed  # and it says so
        return
    assert not pipe.is_standin and pipe.source in ("packaged", "trained")
    assert "is a random stand-in for" not in printed  # (the real-first line names the stand-in on request)
    if model is not None and pipe.loaded.hub_id != model:  # a Hub id the catalog answers with another model
        assert f"{model} is not available offline" in printed
