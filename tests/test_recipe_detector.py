"""scene-detr: the mAP@0.5 metric, and the detector trained on synthetic scenes (hflab.recipes.detector).

The first tests need no model. The `slow` ones load "scene-detr" through the catalog, which trains
it once into HFLAB_HOME (about 2 min on a quiet 2-core machine) and reuses it afterwards.
"""

from __future__ import annotations

import hflab
import pytest
from hflab import train
from hflab.recipes import detector, scenes


def _found(label, box, score=0.9):
    return {"score": score, "label": label, "box": dict(zip(("xmin", "ymin", "xmax", "ymax"), box, strict=True))}


# --- the metric ------------------------------------------------------------------------------
def test_box_iou():
    assert detector.box_iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert detector.box_iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert detector.box_iou((0, 0, 10, 10), (20, 20, 30, 30)) == 0.0


def test_map_is_one_for_the_truth_and_zero_for_wrong_labels():
    test_scenes = scenes.make_scenes(20, 77)
    truth = [[_found(o["label"], o["box"]) for o in s.objects] for s in test_scenes]
    assert detector.mean_average_precision(truth, test_scenes)["map50"] == 1.0
    coco = [[_found("person", o["box"]) for o in s.objects] for s in test_scenes]
    assert detector.mean_average_precision(coco, test_scenes)["map50"] == 0.0
    nothing = [[] for _ in test_scenes]
    assert detector.mean_average_precision(nothing, test_scenes)["map50"] == 0.0


def test_map_counts_misplaced_boxes_and_duplicates_as_false_positives():
    truths = {0: [(0, 0, 10, 10)], 1: [(20, 20, 30, 30)]}
    # both found, ranked above a stray box: AP 1
    assert detector.average_precision([(0, 0.9, (0, 0, 10, 10)), (1, 0.8, (20, 20, 30, 30)),
                                       (1, 0.1, (40, 40, 50, 50))], truths) == pytest.approx(1.0)
    # one object found twice (the second is a false positive), the other missed: recall stops at 1/2
    assert detector.average_precision([(0, 0.9, (0, 0, 10, 10)), (0, 0.8, (1, 1, 10, 10))],
                                      truths) == pytest.approx(0.5)
    # a box shifted by half its width overlaps a third (IoU 1/3 < 0.5): no hit
    assert detector.average_precision([(0, 0.9, (5, 0, 15, 10))], {0: [(0, 0, 10, 10)]}) == 0.0


# --- the trained model -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def trained():
    return hflab.models.load("scene-detr", offline=True, quiet=True)


@pytest.fixture(scope="module")
def detect():
    return hflab.pipeline("object-detection", model="scene-detr")


@pytest.mark.slow
def test_test_figures_are_recorded_beside_the_standins(trained):
    report = train.training_report(trained.path)
    assert report["test_examples"] == detector.TEST_SCENES and report["train_examples"] == detector.TRAIN_SCENES
    assert set(report["test_ap50_per_class"]) == set(scenes.LABELS)
    assert report["standin_test"]["map50"] == 0.0  # COCO labels never name a scene object
    assert report["parameters"] < 2_000_000


@pytest.mark.slow
def test_the_pipeline_answers_in_transformers_format_with_scene_labels(detect):
    scene = scenes.make_scene(scenes.FRESH_SEED + 7)
    answer = detect(scene.image, threshold=0.0)
    assert answer, "threshold 0 keeps every query's best guess"
    for found in answer:
        assert set(found) == {"score", "label", "box"} and 0.0 <= found["score"] <= 1.0
        assert found["label"] in scenes.LABELS
        box = found["box"]
        assert set(box) == {"xmin", "ymin", "xmax", "ymax"} and all(isinstance(v, int) for v in box.values())
        assert box["xmin"] <= box["xmax"] and box["ymin"] <= box["ymax"]
        assert 0 <= (box["xmin"] + box["xmax"]) / 2 <= 64 and 0 <= (box["ymin"] + box["ymax"]) / 2 <= 64  # centre inside


@pytest.mark.slow
def test_test_map_is_far_above_the_random_standin(trained):
    report = train.training_report(trained.path)
    assert report["test"]["map50"] >= MAP50_WORKS, report["test"]
    assert report["test"]["map50"] >= report["standin_test"]["map50"] + 0.25


@pytest.mark.slow
def test_fresh_scenes_through_the_pipeline_find_their_objects(detect):
    # FRESH seeds: no training scene and no test scene came from them
    fresh = [s for s in scenes.make_scenes(40, scenes.FRESH_SEED) if _easy(s)][:6]
    assert len(fresh) == 6
    found_right = 0
    for scene in fresh:
        answer = detect(scene.image, threshold=FRESH_THRESHOLD)
        assert all(set(d) == {"score", "label", "box"} and set(d["box"]) == {"xmin", "ymin", "xmax", "ymax"}
                   for d in answer)
        for obj in scene.objects:
            found_right += any(d["label"] == obj["label"] and
                               detector.box_iou(obj["box"], tuple(d["box"].values())) >= 0.5 for d in answer)
    objects = sum(len(s.objects) for s in fresh)
    assert found_right >= FRESH_FOUND * objects, f"{found_right} of {objects} objects found"


def _easy(scene) -> bool:
    """Objects a learner would expect any detector to see: not tiny, not mostly hidden."""
    return all(o["box"][3] - o["box"][1] >= 12 for o in scene.objects)


@pytest.mark.slow
def test_a_bigger_picture_gets_boxes_in_its_own_pixels(detect):
    # the same scenes at 4x the size: the objects are found with boxes 4x larger (in the big picture's pixels)
    fresh = [s for s in scenes.make_scenes(40, scenes.FRESH_SEED + 100) if _easy(s)][:4]
    found_right = 0
    for scene in fresh:
        answer = detect(scene.image.resize((256, 256)), threshold=FRESH_THRESHOLD)
        for obj in scene.objects:
            truth = tuple(4 * v for v in obj["box"])
            found_right += any(d["label"] == obj["label"] and detector.box_iou(truth, tuple(d["box"].values())) >= 0.5
                               for d in answer)
    objects = sum(len(s.objects) for s in fresh)
    assert found_right >= FRESH_FOUND * objects, f"{found_right} of {objects} objects found"


# Set honestly below what the build measured (see the report and the docstring of hflab.recipes.detector)
MAP50_WORKS = 0.3  # the build measured test mAP@0.5 0.379 (validation 0.693 with another initialisation)
FRESH_THRESHOLD = 0.3
FRESH_FOUND = 0.7  # the build found 8 of 8 (8 of 10 at 256 px) at threshold 0.3; 2 of 8 at 0.5
