"""Synthetic scenes with everything known by construction: boxes, masks, depth and a caption.

A scene is a small picture (64 x 64 by default) of 1-3 flat objects — shapes and digits — standing
on a floor in front of a back wall, seen by a pinhole camera 1 m above the floor:

- the floor recedes from about 2 m (bottom row) to the wall at `WALL_DEPTH_M`; above the horizon of
  the floor stands the wall. Each pixel's depth (metres) follows from its row: depth = f * h / (row - horizon);
- an object at depth z stands on the floor where the floor is z metres away, and its size in pixels
  is f * (its size in metres) / z: farther objects are smaller and higher, the perspective cues a
  monocular depth model can learn;
- objects are painted far to near, so nearer ones occlude farther ones; each object's `mask` is the
  part of it that stays visible, and its `box` is that mask's bounding box;
- wall and floor are painted flat, as a gradient or as smooth noise, in muted colours; objects
  take saturated colours from `COLORS`, so they stand out the way a learner would expect.

Scenes are deterministic: `make_scene(seed)` gives the same scene on every machine with the same
Pillow (the digit glyphs come from Pillow's built-in font). Seed ranges keep splits apart:
training uses seeds from 0, test splits start at `TEST_SEED`, the examples a test or a notebook
feeds a model start at `FRESH_SEED`, and the PNGs in data/images/ come from `EXAMPLE_SEED`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

LABELS = ("circle", "square", "triangle", "two", "seven")
DIGIT_GLYPHS = {"two": "2", "seven": "7"}  # labels drawn as text glyphs
COLORS = {
    "red": (220, 40, 40),
    "green": (30, 160, 60),
    "blue": (40, 80, 230),
    "yellow": (240, 205, 20),
    "purple": (150, 50, 190),
}
BACKGROUNDS = ("flat", "gradient", "noise")

TEST_SEED = 1_000_000     # test splits: make_scenes(n, TEST_SEED) — never used for training or choices
FRESH_SEED = 2_000_000    # fresh examples in tests and notebooks
EXAMPLE_SEED = 3_000_000  # the scene_*.png files in data/images/
CAMERA_HEIGHT_M = 1.0
WALL_DEPTH_M = 10.0
NEAREST_OBJECT_M = 2.0
FARTHEST_OBJECT_M = 5.0
MIN_VISIBLE = 0.6         # an object keeps at least this share of its pixels visible


@dataclass
class Scene:
    """One synthetic scene.

    image: PIL RGB image, size x size.
    objects: one dict per object, far to near: {"label": str (one of LABELS), "color": str (a key of
        COLORS), "box": (xmin, ymin, xmax, ymax) in pixels (xmax, ymax exclusive: width = xmax - xmin),
        "mask": bool array [H, W] (its visible pixels), "depth": float (metres)}.
    depth: float32 array [H, W], metres from the camera, for every pixel.
    caption: an English sentence naming the objects left to right ("a red circle left of a blue square").
    seed: the seed that made it.
    """

    image: Image.Image
    objects: list[dict]
    depth: np.ndarray
    caption: str
    seed: int = 0
    horizon: float = field(default=0.0, repr=False)  # row where the floor would meet the sky


# ---------------------------------------------------------------------------------------------
# geometry of the room
# ---------------------------------------------------------------------------------------------
def _focal(size: int) -> float:
    return float(size)  # a field of view of about 53 degrees


def _floor_row(depth_m: float, horizon: float, size: int) -> float:
    """The image row (pixel units, may be fractional) where the floor is `depth_m` metres away."""
    return horizon + _focal(size) * CAMERA_HEIGHT_M / depth_m


def _room_depth(size: int, horizon: float) -> np.ndarray:
    """Depth of the empty room, float32 [H, W]: the receding floor, the wall beyond it."""
    rows = np.arange(size, dtype=np.float64) + 0.5  # pixel centres
    below = np.maximum(rows - horizon, 1e-6)
    floor = _focal(size) * CAMERA_HEIGHT_M / below
    depth = np.where(rows > horizon, np.minimum(floor, WALL_DEPTH_M), WALL_DEPTH_M)
    return np.repeat(depth[:, None], size, axis=1).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# backgrounds
# ---------------------------------------------------------------------------------------------
def _muted_colour(rng: np.random.Generator) -> np.ndarray:
    """A greyish colour: a random brightness with a small tint, far from the objects' saturated colours."""
    grey = rng.uniform(70, 200)
    return np.clip(grey + rng.uniform(-25, 25, size=3), 0, 255)


def _texture(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A background patch, float [height, width, 3]: flat, a gradient, or smooth noise."""
    style = BACKGROUNDS[rng.integers(len(BACKGROUNDS))]
    base = _muted_colour(rng)
    if style == "flat":
        return np.broadcast_to(base, (height, width, 3)).astype(np.float64)
    if style == "gradient":
        other = _muted_colour(rng)
        angle = rng.uniform(0, 2 * np.pi)
        ys, xs = np.mgrid[0:height, 0:width]
        t = np.cos(angle) * xs / max(width, 1) + np.sin(angle) * ys / max(height, 1)
        t = (t - t.min()) / max(np.ptp(t), 1e-6)
        return base * (1 - t[..., None]) + other * t[..., None]
    # smooth noise: a coarse random grid, enlarged bilinearly, plus a little fine grain
    cells = int(rng.integers(3, 9))
    coarse = rng.uniform(-30, 30, size=(cells, cells)).astype(np.float32)
    smooth = np.asarray(Image.fromarray(coarse, mode="F").resize((width, height), Image.Resampling.BILINEAR))
    grain = rng.normal(0, 6, size=(height, width))
    return base + (smooth + grain)[..., None]


# ---------------------------------------------------------------------------------------------
# objects
# ---------------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _glyph(text: str) -> Image.Image:
    """A large, bold, tightly cropped mask ('L') of a digit from Pillow's built-in font."""
    font = ImageFont.load_default(size=96)
    canvas = Image.new("L", (160, 160), 0)
    ImageDraw.Draw(canvas).text((20, 0), text, fill=255, font=font, stroke_width=6, stroke_fill=255)
    return canvas.crop(canvas.getbbox())


def _shape_mask(label: str, size: int, left: int, top: int, width: int, height: int) -> np.ndarray:
    """Bool [size, size]: the pixels of one object drawn in the box (left, top, width, height)."""
    canvas = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(canvas)
    right, bottom = left + width - 1, top + height - 1
    if label == "circle":
        draw.ellipse((left, top, right, bottom), fill=255)
    elif label == "square":
        draw.rectangle((left, top, right, bottom), fill=255)
    elif label == "triangle":
        draw.polygon([(left + (width - 1) / 2, top), (right, bottom), (left, bottom)], fill=255)
    elif label in DIGIT_GLYPHS:
        glyph = _glyph(DIGIT_GLYPHS[label]).resize((width, height), Image.Resampling.BILINEAR)
        canvas.paste(glyph, (left, top))
    else:
        raise ValueError(f"unknown label {label!r}; choose one of {', '.join(LABELS)}")
    return np.asarray(canvas) > 127


def _place_object(rng, size: int, horizon: float, label: str) -> tuple[float, np.ndarray]:
    """Choose a depth and a place on the floor for one object: (depth in metres, full mask [H, W])."""
    focal = _focal(size)
    # the nearest depth whose floor row is still inside the picture
    nearest = max(NEAREST_OBJECT_M, focal * CAMERA_HEIGHT_M / (size - 1 - horizon))
    depth = float(rng.uniform(nearest, FARTHEST_OBJECT_M))
    metres = rng.uniform(0.7, 0.85)  # objects are about the same size, so pixel size tells depth
    height = max(5, round(focal * metres / depth))
    aspect = 1.0 if label in ("circle", "square", "triangle") else 0.7  # digits are taller than wide
    width = max(4, round(height * aspect * rng.uniform(0.9, 1.1)))
    bottom = round(_floor_row(depth, horizon, size))
    top = min(bottom, size) - height
    left = int(rng.integers(0, size - width + 1))
    return depth, _shape_mask(label, size, left, top, width, height)


def _box(mask: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.nonzero(mask)
    return int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1


# ---------------------------------------------------------------------------------------------
# captions
# ---------------------------------------------------------------------------------------------
def _caption(objects: list[dict]) -> str:
    """Objects named left to right: "a red circle", "a red circle left of a blue square",
    "a red circle, a blue square and a green two from left to right"."""
    by_x = sorted(objects, key=lambda o: (o["box"][0] + o["box"][2]) / 2)
    names = [f"a {o['color']} {o['label']}" for o in by_x]
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} left of {names[1]}"
    return f"{', '.join(names[:-1])} and {names[-1]} from left to right"


# ---------------------------------------------------------------------------------------------
# scenes
# ---------------------------------------------------------------------------------------------
def make_scene(seed: int, size: int = 64) -> Scene:
    """One deterministic scene (see the module docstring): the same seed gives the same scene."""
    if size < 32:
        raise ValueError(f"size must be at least 32 pixels, not {size}")
    rng = np.random.default_rng([int(seed), size])
    horizon = size * rng.uniform(0.25, 0.45)
    depth = _room_depth(size, horizon)

    wall_rows = int(np.clip(np.ceil(_floor_row(WALL_DEPTH_M, horizon, size) - 0.5), 0, size))
    pixels = np.empty((size, size, 3))
    pixels[:wall_rows] = _texture(rng, wall_rows, size)
    pixels[wall_rows:] = _texture(rng, size - wall_rows, size)

    count = int(rng.integers(1, 4))
    pairs = [(label, colour) for label in LABELS for colour in COLORS]
    chosen = rng.choice(len(pairs), size=count, replace=False)  # no two objects alike: captions stay unambiguous
    placed = []  # (depth, label, colour, full mask)
    for index in chosen:
        label, colour = pairs[index]
        for _ in range(20):  # retry until the object neither hides much of another nor is much hidden
            object_depth, full = _place_object(rng, size, horizon, label)
            candidate = sorted([*placed, (object_depth, label, colour, full)], key=lambda p: -p[0])
            if _all_visible_enough(candidate) and _apart(candidate, size):
                placed = candidate
                break

    objects = []
    covered = np.zeros((size, size), dtype=bool)
    for object_depth, label, colour, full in reversed(placed):  # near to far: what is nearer hides the rest
        visible = full & ~covered
        covered |= full
        objects.append({"label": label, "color": colour, "box": _box(visible), "mask": visible,
                        "depth": round(object_depth, 4)})
    objects.reverse()  # far to near, the painting order
    for obj in objects:
        pixels[obj["mask"]] = COLORS[obj["color"]]
        depth[obj["mask"]] = obj["depth"]

    image = Image.fromarray(np.clip(pixels, 0, 255).round().astype(np.uint8), mode="RGB")
    return Scene(image=image, objects=objects, depth=depth, caption=_caption(objects), seed=int(seed),
                 horizon=float(horizon))


def _all_visible_enough(placed: list) -> bool:
    """True when every object (sorted far to near) keeps MIN_VISIBLE of its pixels in front of nearer ones."""
    for i, (_, _, _, full) in enumerate(placed):
        nearer = np.zeros_like(full)
        for _, _, _, other in placed[i + 1:]:
            nearer |= other
        if (full & ~nearer).sum() < MIN_VISIBLE * full.sum():
            return False
    return True


def _apart(placed: list, size: int) -> bool:
    """True when the objects' centres are far enough apart left to right for "left of" to be clear."""
    centres = sorted(np.nonzero(full)[1].mean() for *_, full in placed)
    return all(b - a >= size / 16 for a, b in zip(centres[:-1], centres[1:], strict=True))


def make_scenes(n: int, seed: int, size: int = 64) -> list[Scene]:
    """`n` scenes from seeds seed, seed + 1, ..., seed + n - 1 (keep ranges apart to keep splits apart)."""
    return [make_scene(seed + i, size) for i in range(n)]


def save_examples(folder, count: int = 4, seed: int = EXAMPLE_SEED, size: int = 64) -> list[Path]:
    """Write `count` scenes as folder/scene_1.png ... (seeds from EXAMPLE_SEED: in no split) and return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, scene in enumerate(make_scenes(count, seed, size), start=1):
        path = folder / f"scene_{i}.png"
        scene.image.save(path)
        paths.append(path)
    return paths
