"""Pictures of task results for TaskRunner: boxes drawn on the image, masks laid over it, depth maps."""

from __future__ import annotations

import io

PALETTE = [(230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180),
           (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128), (170, 110, 40)]


def color(i: int) -> tuple[int, int, int]:
    return PALETTE[i % len(PALETTE)]


def png_bytes(image, max_side: int = 640) -> bytes:
    """PNG bytes of a PIL image, shrunk so its longer side is at most `max_side` pixels."""
    image = image.copy()
    image.thumbnail((max_side, max_side))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def draw_boxes(image, detections: list[dict]):
    """The image with each detection's box and "label score" drawn on it (a new image)."""
    from PIL import ImageDraw, ImageFont

    canvas = image.convert("RGB").copy()
    draw = ImageDraw.Draw(canvas)
    width = max(2, round(max(canvas.size) / 250))
    font = ImageFont.load_default(size=max(12, round(max(canvas.size) / 40)))
    for i, det in enumerate(detections):
        box = det["box"]
        xy = (box["xmin"], box["ymin"], box["xmax"], box["ymax"])
        draw.rectangle(xy, outline=color(i), width=width)
        caption = f"{det['label']} {det['score']:.2f}"
        left, top, right, bottom = draw.textbbox((xy[0], xy[1]), caption, font=font)
        draw.rectangle((left, top, right + 4, bottom + 2), fill=color(i))
        draw.text((xy[0] + 2, xy[1]), caption, fill=(0, 0, 0), font=font)
    return canvas


def overlay_masks(image, segments: list[dict], alpha: float = 0.5):
    """The image with each segment's mask tinted in its own colour (a new image)."""
    import numpy as np
    from PIL import Image

    base = np.asarray(image.convert("RGB"), dtype=np.float32)  # [H, W, 3]
    out = base.copy()
    for i, seg in enumerate(segments):
        mask = seg.get("mask")
        if mask is None:
            continue
        if mask.size != image.size:
            mask = mask.resize(image.size)
        on = np.asarray(mask.convert("L")) > 127  # [H, W]
        out[on] = (1 - alpha) * base[on] + alpha * np.array(color(i), dtype=np.float32)
    return Image.fromarray(out.clip(0, 255).astype(np.uint8))


def side_by_side(left, right):
    """Two images next to each other, the right one scaled to the left one's height."""
    from PIL import Image

    right = right.convert("RGB").resize((round(right.width * left.height / right.height), left.height))
    canvas = Image.new("RGB", (left.width + right.width, left.height), "white")
    canvas.paste(left.convert("RGB"), (0, 0))
    canvas.paste(right, (left.width, 0))
    return canvas
