"""Write the course's sample photos from scikit-image's bundled data.

Run from anywhere: ``python data/make_images.py``. Needs scikit-image and Pillow.
Every photo here is public domain or CC0 (see data/README.md and each
function's docstring in ``skimage.data``).
"""

from pathlib import Path

import skimage.data
from PIL import Image

IMAGES = Path(__file__).resolve().parent / "images"

# file name -> skimage.data function. The cat stands in for the seed's
# "pipeline-cat-chonk.jpeg"; coffee and rocket give scenes with several objects
# for detection and segmentation; the astronaut gives a person.
PHOTOS = {
    "cat.jpg": "chelsea",
    "astronaut.jpg": "astronaut",
    "coffee.jpg": "coffee",
    "rocket.jpg": "rocket",
}

MAX_BYTES = 100_000


def save_jpeg(pixels, path: Path) -> None:
    """Save an RGB uint8 array as a JPEG, lowering quality until it fits MAX_BYTES."""
    image = Image.fromarray(pixels).convert("RGB")
    for quality in (88, 82, 76, 70, 60):
        # optimize + fixed quality keeps the output byte-identical between runs
        image.save(path, "JPEG", quality=quality, optimize=True)
        if path.stat().st_size <= MAX_BYTES:
            return
    raise RuntimeError(f"{path.name} stays above {MAX_BYTES} bytes")


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    for name, function in PHOTOS.items():
        path = IMAGES / name
        save_jpeg(getattr(skimage.data, function)(), path)
        with Image.open(path) as image:
            print(f"{path.name}: {image.size[0]}x{image.size[1]}, {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
