"""scene-captioner: a small ViT + BERT captioner trained here on synthetic scenes must describe scenes
it never saw (shapes, colours, left to right) through the course's `pipeline("image-to-text")`."""

from __future__ import annotations

import hflab
import numpy as np
import pytest
from hflab.recipes import captioner, scenes
from hflab.tasks import InputError
from hflab.train import training_report

pytestmark = pytest.mark.slow

FRESH = range(scenes.FRESH_SEED, scenes.FRESH_SEED + 6)  # in neither the training nor the test seeds


@pytest.fixture(scope="module")
def describe():
    return hflab.pipeline("image-to-text", model="scene-captioner")  # trains the model on first use


@pytest.fixture(scope="module")
def report(describe):
    return training_report(describe.loaded.path)


def test_test_captions_are_right_and_the_standin_names_nothing(report):
    ours, theirs = report["test"], report["standin_test"]
    assert report["test_examples"] >= 200 and report["standin"] == "blip-captioning"
    assert ours["exact_match"] > 0.6  # the whole sentence, word for word
    assert ours["object_accuracy"] > 0.8  # each object named with its colour and shape
    assert theirs["exact_match"] == 0.0 and theirs["object_accuracy"] < 0.05


def test_loads_as_vision_encoder_decoder_with_its_word_vocabulary():
    loaded = hflab.models.load("scene-captioner", quiet=True)
    assert type(loaded.model).__name__ == "VisionEncoderDecoderModel" and loaded.source == "trained"
    vocabulary = set(loaded.tokenizer.get_vocab())
    assert set(scenes.LABELS) | set(scenes.COLORS) | {"left", "of", "and", ","} <= vocabulary
    assert len(vocabulary) < 40


@pytest.mark.parametrize("seed", FRESH)
def test_fresh_scene_caption_names_every_object(describe, seed):
    scene = scenes.make_scene(seed)
    [answer] = describe(scene.image)
    caption = answer["generated_text"]
    missing = [f"{o['color']} {o['label']}" for o in scene.objects if not captioner.object_named(caption, o)]
    assert not missing, (caption, scene.caption)


def test_fresh_scenes_word_for_word(describe):
    batch = scenes.make_scenes(30, scenes.FRESH_SEED + 100)
    answers = describe([s.image for s in batch])
    exact = [a[0]["generated_text"] == s.caption for a, s in zip(answers, batch, strict=True)]
    assert np.mean(exact) >= 0.6


def test_a_prompt_is_continued(describe):
    scene = scenes.make_scene(scenes.FRESH_SEED + 3)
    first = scene.objects and min(scene.objects, key=lambda o: o["box"][0] + o["box"][2])
    [answer] = describe(scene.image, prompt=f"a {first['color']}")
    assert answer["generated_text"].startswith(f"a {first['color']} {first['label']}")


def test_trace_sees_the_cross_attention(describe):
    loaded = hflab.models.load("scene-captioner", quiet=True)
    scene = scenes.make_scene(scenes.FRESH_SEED)
    tr = hflab.trace(loaded, loaded.processor(images=scene.image, return_tensors="pt"))
    assert tr.kind == "encoder-decoder"
    assert tr.generated_text == describe(scene.image)[0]["generated_text"]  # the trace is the pipeline's caption
    # [layers, heads, steps, 65]: every decoder step looks at the 64 patches + [CLS]
    assert tr.cross_attentions.shape[-1] == 65 and tr.decoder_tokens[0] == "[CLS]"


def test_not_an_image_says_so(describe):
    with pytest.raises(InputError, match="not an image"):
        describe(42)
