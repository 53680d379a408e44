"""scene-depth: a small GLPN trained here on synthetic scenes must tell near from far on scenes it
never saw, in metres, through the seed's own `pipeline("depth-estimation")` call."""

from __future__ import annotations

import hflab
import numpy as np
import pytest
import torch
from hflab.recipes import scenes
from hflab.tasks import InputError
from hflab.train import training_report
from PIL import Image

pytestmark = pytest.mark.slow

FRESH = range(scenes.FRESH_SEED, scenes.FRESH_SEED + 6)  # in neither the training nor the test seeds


@pytest.fixture(scope="module")
def estimator():
    return hflab.pipeline("depth-estimation", model="scene-depth")  # trains the model on first use


@pytest.fixture(scope="module")
def report(estimator):
    return training_report(estimator.loaded.path)


def test_test_scenes_are_measured_in_metres_and_the_standin_is_far_worse(report):
    ours, theirs = report["test"], report["standin_test"]
    assert report["test_examples"] >= 150 and report["standin"] == "dpt"
    assert ours["absrel"] < 0.15  # within 15 % of the true distance, on average over pixels
    assert ours["delta1"] > 0.8
    assert ours["object_order"] > 0.85  # of two objects, which one is nearer
    # even scaled to the true median depth of each picture, the random stand-in is far off
    assert theirs["absrel_aligned"] > 2 * ours["absrel"]
    assert theirs["delta1_aligned"] < ours["delta1"] - 0.3


def _object_depths(predicted: np.ndarray, scene) -> list[tuple[float, float]]:
    """(true depth, predicted median depth over its visible pixels) for each object."""
    return [(obj["depth"], float(np.median(predicted[obj["mask"]]))) for obj in scene.objects]


@pytest.mark.parametrize("seed", FRESH)
def test_fresh_scene_objects_get_their_distance(estimator, seed):
    scene = scenes.make_scene(seed)
    answer = estimator(scene.image)
    assert isinstance(answer["depth"], Image.Image) and answer["depth"].size == scene.image.size
    predicted = answer["predicted_depth"]
    assert isinstance(predicted, torch.Tensor) and tuple(predicted.shape) == (64, 64)
    predicted = predicted.numpy()
    for truth, guess in _object_depths(predicted, scene):
        assert abs(guess - truth) / truth < 0.3, (scene.caption, truth, guess)
    # the floor at the bottom is nearer than the wall at the top
    assert predicted[-1].mean() < 3.0 < 8.0 < predicted[0].mean()


def test_fresh_scenes_order_objects_near_to_far(estimator):
    right = pairs = 0
    for seed in range(scenes.FRESH_SEED + 100, scenes.FRESH_SEED + 130):
        scene = scenes.make_scene(seed)
        seen = _object_depths(estimator(scene.image)["predicted_depth"].numpy(), scene)
        for i in range(len(seen)):
            for j in range(i + 1, len(seen)):
                if abs(seen[i][0] - seen[j][0]) > 0.5:  # clearly apart: half a metre or more
                    pairs += 1
                    right += (seen[i][0] < seen[j][0]) == (seen[i][1] < seen[j][1])
    assert pairs >= 10 and right / pairs >= 0.9


def test_a_larger_picture_is_resized_and_answered_at_its_own_size(estimator):
    scene = scenes.make_scene(scenes.FRESH_SEED + 7, size=128)
    predicted = estimator(scene.image)["predicted_depth"].numpy()
    assert predicted.shape == (128, 128)
    for truth, guess in _object_depths(predicted, scene):
        assert abs(guess - truth) / truth < 0.35


def test_not_an_image_says_so(estimator):
    with pytest.raises(InputError, match="not an image"):
        estimator(np.zeros((4, 4, 7)))
