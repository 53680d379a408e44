"""hflab.recipes.scenes: the synthetic scenes the vision models learn from — boxes, masks, depth and
captions must agree with the picture, and a seed must always give the same scene."""

from __future__ import annotations

import numpy as np
import pytest
from hflab._paths import data_path
from hflab.recipes import scenes
from PIL import Image

SEEDS = range(200, 260)


@pytest.fixture(scope="module")
def sample():
    return scenes.make_scenes(len(SEEDS), SEEDS[0])


def test_same_seed_same_scene_and_other_seeds_differ():
    first, again, other = scenes.make_scene(7), scenes.make_scene(7), scenes.make_scene(8)
    assert np.array_equal(np.asarray(first.image), np.asarray(again.image))
    assert np.array_equal(first.depth, again.depth)
    assert first.caption == again.caption
    assert [(o["label"], o["color"], o["box"], o["depth"]) for o in first.objects] == \
           [(o["label"], o["color"], o["box"], o["depth"]) for o in again.objects]
    assert not np.array_equal(np.asarray(first.image), np.asarray(other.image))


def test_make_scenes_counts_seeds_from_its_seed():
    batch = scenes.make_scenes(3, 40)
    assert [s.seed for s in batch] == [40, 41, 42]
    assert np.array_equal(np.asarray(batch[1].image), np.asarray(scenes.make_scene(41).image))


def test_image_and_depth_have_the_asked_size():
    scene = scenes.make_scene(3, size=96)
    assert scene.image.mode == "RGB" and scene.image.size == (96, 96)
    assert scene.depth.shape == (96, 96) and scene.depth.dtype == np.float32
    assert all(o["mask"].shape == (96, 96) for o in scene.objects)
    with pytest.raises(ValueError, match="at least 32"):
        scenes.make_scene(0, size=8)


def test_boxes_are_the_bounding_boxes_of_the_visible_masks(sample):
    for scene in sample:
        for obj in scene.objects:
            rows, cols = np.nonzero(obj["mask"])
            assert obj["box"] == (cols.min(), rows.min(), cols.max() + 1, rows.max() + 1)
            assert 0 <= obj["box"][0] < obj["box"][2] <= 64 and 0 <= obj["box"][1] < obj["box"][3] <= 64


def test_masks_are_disjoint_and_painted_in_their_colour(sample):
    for scene in sample:
        pixels = np.asarray(scene.image)
        claimed = np.zeros((64, 64), dtype=int)
        for obj in scene.objects:
            claimed += obj["mask"]
            assert obj["mask"].sum() >= 12, "every object keeps a visible part"
            assert (pixels[obj["mask"]] == scenes.COLORS[obj["color"]]).all()
        assert claimed.max() <= 1


def test_depth_map_holds_each_object_at_its_depth_and_the_room_behind(sample):
    for scene in sample:
        background = np.ones((64, 64), dtype=bool)
        for obj in scene.objects:
            assert np.allclose(scene.depth[obj["mask"]], obj["depth"])
            assert scenes.NEAREST_OBJECT_M - 0.5 <= obj["depth"] <= scenes.FARTHEST_OBJECT_M
            background &= ~obj["mask"]
        room = scene.depth[background]
        assert room.max() == pytest.approx(scenes.WALL_DEPTH_M)  # the wall
        # the floor recedes: between two bare pixels one above the other, the lower one is never farther
        both_bare = background[:-1] & background[1:]
        assert (scene.depth[1:][both_bare] <= scene.depth[:-1][both_bare] + 1e-6).all()
        assert 0.5 < room.min() < 2.5  # the bottom row of floor is near


def test_objects_are_drawn_far_to_near_so_nearer_ones_occlude():
    for scene in scenes.make_scenes(80, 500):
        depths = [o["depth"] for o in scene.objects]
        assert depths == sorted(depths, reverse=True)


def test_farther_objects_look_smaller(sample):
    heights, depths = [], []
    for scene in scenes.make_scenes(150, 900):
        for obj in scene.objects:
            if obj["label"] in ("circle", "square") and obj["mask"].sum() == _full_area(obj):
                heights.append(obj["box"][3] - obj["box"][1])
                depths.append(obj["depth"])
    assert len(heights) > 30
    assert np.corrcoef(1 / np.array(depths), heights)[0, 1] > 0.9


def _full_area(obj) -> int:
    xmin, ymin, xmax, ymax = obj["box"]
    return int(obj["mask"][ymin:ymax, xmin:xmax].sum())


def test_captions_name_the_objects_left_to_right(sample):
    for scene in sample:
        by_x = sorted(scene.objects, key=lambda o: o["box"][0] + o["box"][2])
        names = [f"{o['color']} {o['label']}" for o in by_x]
        positions = [scene.caption.index(name) for name in names]
        assert positions == sorted(positions), scene.caption
        if len(names) == 2:
            assert scene.caption == f"a {names[0]} left of a {names[1]}"


def test_scenes_vary(sample):
    counts = {len(s.objects) for s in sample}
    labels = {o["label"] for s in sample for o in s.objects}
    colours = {o["color"] for s in sample for o in s.objects}
    assert counts == {1, 2, 3}
    assert labels == set(scenes.LABELS) and colours == set(scenes.COLORS)
    corners = {tuple(np.asarray(s.image)[0, 0]) for s in sample}
    assert len(corners) > 40, "backgrounds differ from scene to scene"


def test_save_examples_writes_the_committed_pngs(tmp_path):
    paths = scenes.save_examples(tmp_path, count=4)
    assert [p.name for p in paths] == [f"scene_{i}.png" for i in range(1, 5)]
    for path in paths:
        written = np.asarray(Image.open(path).convert("RGB"))
        committed = np.asarray(Image.open(data_path("images", path.name)).convert("RGB"))
        # identical on the machine that made them; a different Pillow may move a glyph's edge pixels
        assert (written == committed).all(axis=-1).mean() > 0.98
