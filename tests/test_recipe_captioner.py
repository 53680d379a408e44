"""scene-captioner: a small ViT + BERT captioner trained here on synthetic scenes must describe scenes
it never saw (shapes, colours, left to right) through the course's `pipeline("image-to-text")`."""

from __future__ import annotations

import re

import hflab
import pytest
from hflab.recipes import captioner, scenes
from hflab.tasks import InputError

pytestmark = pytest.mark.slow
TASK, KEY = "image-to-text", "scene-captioner"  # trained_pipeline and trained_report (conftest.py) load it


def colours_left_to_right(caption: str) -> list[str]:
    """The colour words of a caption, in its order ("a red circle left of a blue two" -> red, blue)."""
    return [colour for colour, _ in re.findall(r"\ba (\w+) (\w+)", caption)]


def true_colours(scene) -> list[str]:
    return [o["color"] for o in sorted(scene.objects, key=lambda o: (o["box"][0] + o["box"][2]) / 2)]


def test_test_captions_beat_the_standin_by_what_was_measured(trained_report):
    """Measured on the 200 test scenes: exact 0.19, objects named right 0.41, object count right 0.885
    (stand-in: 0, 0, 0). Colours come in the right order; shapes are the weak part."""
    ours, theirs = trained_report["test"], trained_report["standin_test"]
    assert trained_report["test_examples"] >= 200 and trained_report["standin"] == "blip-captioning"
    assert ours["count_accuracy"] >= 0.8 and ours["object_accuracy"] >= 0.35
    assert ours["exact_match"] >= 0.15
    assert theirs["exact_match"] == 0.0 and theirs["object_accuracy"] < 0.05


@pytest.mark.xfail(strict=True, reason="target missed: test exact match 0.19 (< 0.4), objects 0.41 (< 0.7); "
                   "shapes of 10-25 px objects are the weak part")
def test_test_captions_are_what_a_learner_calls_right(trained_report):
    assert trained_report["test"]["exact_match"] >= 0.4 and trained_report["test"]["object_accuracy"] >= 0.7


def test_loads_as_vision_encoder_decoder_with_its_word_vocabulary():
    loaded = hflab.models.load("scene-captioner", quiet=True)
    assert type(loaded.model).__name__ == "VisionEncoderDecoderModel" and loaded.source == "trained"
    # the training-only patch heads (PatchSupervised.objects, .places) are not saved
    assert all(name.startswith(("encoder.", "decoder.")) for name in loaded.model.state_dict())
    vocabulary = set(loaded.tokenizer.get_vocab())
    assert set(scenes.LABELS) | set(scenes.COLORS) | {"left", "of", "and", ","} <= vocabulary
    assert len(vocabulary) < 40


def test_fresh_scenes_get_the_number_of_objects_right(trained_pipeline):
    batch = scenes.make_scenes(30, scenes.FRESH_SEED + 100)
    captions = [a[0]["generated_text"] for a in trained_pipeline([s.image for s in batch])]
    assert captioner.caption_scores(captions, batch)["count_accuracy"] >= 0.75


def test_fresh_scenes_get_their_colours_in_left_to_right_order(trained_pipeline):
    """The patch heads' gain a learner can see: measured 27 of these 30 fresh scenes (shapes aside)."""
    batch = scenes.make_scenes(30, scenes.FRESH_SEED + 200)
    captions = [a[0]["generated_text"] for a in trained_pipeline([s.image for s in batch])]
    right = sum(colours_left_to_right(c) == true_colours(s) for c, s in zip(captions, batch, strict=True))
    assert right >= 23, list(zip(captions, [s.caption for s in batch], strict=True))


def test_patch_targets_name_each_object_and_its_place():
    scene = next(s for s in scenes.make_scenes(20, scenes.FRESH_SEED + 300) if len(s.objects) == 3)
    kinds, places = captioner.patch_targets(scene, 8)
    assert kinds.shape == places.shape == (64,) and set(places.tolist()) == {0, 1, 2, 3}
    first = min(scene.objects, key=lambda o: o["box"][0] + o["box"][2])
    first_kind = 1 + captioner.OBJECT_KINDS.index((first["label"], first["color"]))
    assert set(kinds[places == 1].tolist()) == {first_kind}


def test_a_prompt_is_continued(trained_pipeline):
    scene = scenes.make_scene(scenes.FRESH_SEED + 3)
    first = scene.objects and min(scene.objects, key=lambda o: o["box"][0] + o["box"][2])
    [answer] = trained_pipeline(scene.image, prompt=f"a {first['color']}")
    caption = answer["generated_text"]  # the prompt is kept and continued (by a shape: the model's own guess)
    assert caption.startswith(f"a {first['color']} ") and caption.split()[2] in scenes.LABELS


def test_trace_sees_the_cross_attention(trained_pipeline):
    loaded = hflab.models.load("scene-captioner", quiet=True)
    scene = scenes.make_scene(scenes.FRESH_SEED)
    tr = hflab.trace(loaded, loaded.processor(images=scene.image, return_tensors="pt"))
    assert tr.kind == "encoder-decoder"
    assert tr.generated_text == trained_pipeline(scene.image)[0]["generated_text"]  # the trace is the pipeline's caption
    # [layers, heads, steps, 65]: every decoder step looks at the 64 patches + [CLS]
    assert tr.cross_attentions.shape[-1] == 65 and tr.decoder_tokens[0] == "[CLS]"


def test_not_an_image_says_so(trained_pipeline):
    with pytest.raises(InputError, match="not an image"):
        trained_pipeline(42)
