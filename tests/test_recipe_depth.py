"""scene-depth: a small GLPN trained here on synthetic scenes must tell near from far on scenes it
never saw, in metres, through the seed's own `pipeline("depth-estimation")` call."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hflab.recipes import scenes
from PIL import Image

pytestmark = pytest.mark.slow

FRESH = range(scenes.FRESH_SEED, scenes.FRESH_SEED + 6)  # in neither the training nor the test seeds


TASK, KEY = "depth-estimation", "scene-depth"  # trained_pipeline and trained_report (conftest.py) load it


def test_test_scenes_are_measured_in_metres_and_the_standin_is_far_worse(trained_report):
    ours, theirs = trained_report["test"], trained_report["standin_test"]
    assert trained_report["test_examples"] >= 150 and trained_report["standin"] == "dpt"
    assert ours["absrel"] < 0.2  # within 20 % of the true distance, on average over pixels (measured 0.16)
    assert ours["delta1"] > 0.7  # measured 0.80
    assert ours["object_order"] > 0.75  # of two objects, which one is nearer (measured 0.81)
    # even scaled to the true median depth of each picture, the random stand-in is far off
    assert theirs["absrel_aligned"] > 2 * ours["absrel"]
    assert theirs["delta1_aligned"] < ours["delta1"] - 0.3


def _object_depths(predicted: np.ndarray, scene) -> list[tuple[float, float]]:
    """(true depth, predicted median depth over its visible pixels) for each object."""
    return [(obj["depth"], float(np.median(predicted[obj["mask"]]))) for obj in scene.objects]


@pytest.mark.parametrize("seed", FRESH)
def test_fresh_scene_room_recedes_and_objects_stand_before_the_wall(trained_pipeline, seed):
    scene = scenes.make_scene(seed)
    answer = trained_pipeline(scene.image)
    assert isinstance(answer["depth"], Image.Image) and answer["depth"].size == scene.image.size
    predicted = answer["predicted_depth"]
    assert isinstance(predicted, torch.Tensor) and tuple(predicted.shape) == (64, 64)
    predicted = predicted.numpy()
    # the floor at the bottom is near, the wall at the top 10 m away
    assert predicted[-1].mean() < 3.0 and predicted[0].mean() > 8.0
    # every object is seen in front of the wall behind it (this model still puts objects too far:
    # on test scenes their order is right 81 % of the time, their distance often 30-100 % too large)
    for truth, guess in _object_depths(predicted, scene):
        assert guess < 8.0, (scene.caption, truth, guess)


def test_fresh_scenes_order_objects_near_to_far(trained_pipeline):
    right = pairs = 0
    for seed in range(scenes.FRESH_SEED + 100, scenes.FRESH_SEED + 130):
        scene = scenes.make_scene(seed)
        seen = _object_depths(trained_pipeline(scene.image)["predicted_depth"].numpy(), scene)
        for i in range(len(seen)):
            for j in range(i + 1, len(seen)):
                if abs(seen[i][0] - seen[j][0]) > 0.5:  # clearly apart: half a metre or more
                    pairs += 1
                    right += (seen[i][0] < seen[j][0]) == (seen[i][1] < seen[j][1])
    assert pairs >= 10 and right / pairs >= 0.85  # measured 17 of 19


def test_a_larger_picture_is_resized_and_answered_at_its_own_size(trained_pipeline):
    scene = scenes.make_scene(scenes.FRESH_SEED + 7, size=128)
    predicted = trained_pipeline(scene.image)["predicted_depth"].numpy()
    assert predicted.shape == (128, 128)
    assert predicted[-1].mean() < 3.0 and predicted[0].mean() > 8.0
