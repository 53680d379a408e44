"""scene-segmenter: the mIoU metric, and the segmenter trained on synthetic scenes (hflab.recipes.segmenter).

The first tests need no model. The `slow` ones load "scene-segmenter" through the catalog, which
trains it once into HFLAB_HOME (about a minute on a quiet 2-core machine) and reuses it afterwards.
"""

from __future__ import annotations

import numpy as np
import pytest
from hflab.recipes import scenes, segmenter

OURS = segmenter.id2label()


# --- the metric ------------------------------------------------------------------------------
def test_class_map_paints_each_visible_object_with_its_class():
    scene = scenes.make_scene(11)
    answer = segmenter.class_map(scene)
    for obj in scene.objects:
        assert (answer[obj["mask"]] == segmenter.CLASSES.index(obj["label"])).all()
    assert (answer == 0).sum() == answer.size - sum(o["mask"].sum() for o in scene.objects)


def test_miou_is_one_for_the_truth_and_low_for_all_background():
    test_scenes = scenes.make_scenes(10, 30)
    truths = [segmenter.class_map(s) for s in test_scenes]
    assert segmenter.mean_iou(truths, truths, OURS)["miou"] == 1.0
    background = [np.zeros_like(t) for t in truths]
    figures = segmenter.mean_iou(background, truths, OURS)
    assert figures["miou_objects"] == 0.0 and figures["iou_per_class"]["background"] > 0.8


def test_miou_maps_foreign_labels_to_background():
    test_scenes = scenes.make_scenes(5, 30)
    truths = [segmenter.class_map(s) for s in test_scenes]
    coco = {0: "person", 1: "circle", 2: "car"}
    everything_person = [np.zeros_like(t) for t in truths]
    assert segmenter.mean_iou(everything_person, truths, coco)["miou_objects"] == 0.0


# --- the trained model -----------------------------------------------------------------------
TASK, KEY = "image-segmentation", "scene-segmenter"  # trained_pipeline and trained_report (conftest.py) load it


@pytest.mark.slow
def test_test_miou_is_recorded_and_far_above_the_random_standin(trained_report):
    report = trained_report
    assert report["test_examples"] == segmenter.TEST_SCENES
    assert report["test"]["miou"] >= MIOU_LEARNED, report["test"]
    assert report["test"]["miou_objects"] >= MIOU_OBJECTS_LEARNED, report["test"]
    assert report["standin_test"]["miou_objects"] == 0.0  # COCO labels never name a scene object


@pytest.mark.slow
def test_fresh_scenes_separate_objects_from_background(trained_pipeline):
    """Whatever class it names, the segmenter marks where the objects are."""
    fresh = [s for s in scenes.make_scenes(40, scenes.FRESH_SEED) if _easy(s)][:6]
    for scene in fresh:
        answer = trained_pipeline(scene.image)
        assert all(part["mask"].size == scene.image.size and part["label"] in segmenter.CLASSES for part in answer)
        found = np.zeros(scene.depth.shape, dtype=bool)
        for part in answer:
            if part["label"] != "background":
                found |= np.asarray(part["mask"]) > 127
        truth = segmenter.class_map(scene) > 0
        iou = (found & truth).sum() / max((found | truth).sum(), 1)
        assert iou >= FOREGROUND_IOU, f"scene {scene.seed}: objects vs background IoU {iou:.2f}"


# Measured (see the report): within the build's budget the SegFormer names the shape right on only part of
# its pixels (test IoU per object class well under 0.5). Strict, so a recipe that fixes it removes the mark.
@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="scene-segmenter's per-class IoU is still under 0.5 within the CI budget")
def test_fresh_scenes_through_the_pipeline_get_the_right_masks(trained_pipeline):
    fresh = [s for s in scenes.make_scenes(40, scenes.FRESH_SEED) if _easy(s)][:6]
    assert len(fresh) == 6
    for scene in fresh:
        answer = trained_pipeline(scene.image)
        by_label = {part["label"]: np.asarray(part["mask"]) > 127 for part in answer}
        assert all(part["mask"].size == scene.image.size for part in answer)
        for label in {o["label"] for o in scene.objects}:
            truth = segmenter.class_map(scene) == segmenter.CLASSES.index(label)
            assert label in by_label, f"{label} missing in scene {scene.seed}: {sorted(by_label)}"
            iou = (by_label[label] & truth).sum() / (by_label[label] | truth).sum()
            assert iou >= 0.5, f"{label} in scene {scene.seed}: IoU {iou:.2f}"


def _easy(scene) -> bool:
    return all(o["box"][3] - o["box"][1] >= 12 for o in scene.objects)


MIOU_LEARNED = 0.25  # validation scenes: 0.32
MIOU_OBJECTS_LEARNED = 0.1  # validation scenes: 0.19
FOREGROUND_IOU = 0.5
