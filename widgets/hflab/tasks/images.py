"""Image inputs: path, URL, bytes, PIL image or numpy array -> an RGB PIL image."""

from __future__ import annotations

from pathlib import Path

from .errors import InputError
from .fetch import read_source


def to_image(value, name: str = "image"):
    """An RGB `PIL.Image` from whatever a learner has; InputError when it is not an image."""
    from PIL import Image, UnidentifiedImageError

    if isinstance(value, Image.Image):
        return value if value.mode == "RGB" else value.convert("RGB")
    if _is_array(value):
        return _from_array(value, name)
    if isinstance(value, (str, Path, bytes, bytearray, memoryview)):
        source = read_source(value, "image")
        try:
            image = Image.open(source)
            image.load()
        except (UnidentifiedImageError, OSError) as err:
            where = source if isinstance(source, Path) else "the given bytes"
            raise InputError(f"{where} is not an image PIL can read ({type(err).__name__}).",
                             "pass a .jpg/.png/.bmp/.webp file, a PIL.Image or an H×W×3 array.") from None
        return image.convert("RGB")
    raise InputError(f"`{name}` has type {type(value).__name__}, which is not an image.",
                     "pass a path, a URL, bytes, a PIL.Image or a numpy array of shape H×W×3.")


def to_images(value, name: str = "image"):
    """Like `to_image`, but a list or tuple gives a list (a batch)."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise InputError(f"`{name}` is an empty list.", "give at least one image.")
        return [to_image(v, name) for v in value]
    return to_image(value, name)


def _is_array(value) -> bool:
    return hasattr(value, "__array_interface__") or type(value).__name__ == "Tensor"


def _from_array(value, name: str):
    import numpy as np
    from PIL import Image

    array = np.asarray(value.detach().cpu() if hasattr(value, "detach") else value)
    if array.ndim == 3 and array.shape[0] in (1, 3, 4) and array.shape[-1] not in (1, 3, 4):
        array = np.moveaxis(array, 0, -1)  # channels-first [C, H, W] -> [H, W, C]
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise InputError(f"`{name}` is an array of shape {array.shape}, not an image.",
                         "pass an H×W (grey) or H×W×3 (RGB) array.")
    if array.dtype != np.uint8:
        array = array.astype(np.float64)
        if array.max(initial=0) <= 1.0:  # floats in [0, 1], as matplotlib and torchvision use
            array = array * 255
        array = np.clip(array, 0, 255).astype(np.uint8)
    return Image.fromarray(array).convert("RGB")
