"""What does a vision model look at? ViT: attention rollout. ConvNeXT (any other): gradient saliency.

    >>> focus = hflab.compare.vision_focus("digits-vit", image)
    >>> focus.heatmap        # [H, W] in [0, 1], the size of the model's input
    >>> hflab.compare.plot_focus(["digits-vit", "digits-convnext"], image)

- Attention rollout (Abnar & Zuidema, 2020, computed by `hflab.tracing.rollout`): multiply each
  layer's head-averaged attention (plus the identity, for the residual path) through the layers;
  the [CLS] row then says how much each patch fed the class token.
- Gradient saliency (Simonyan et al., 2013): how much the winning class's score changes when each
  pixel changes, |d score / d pixel|, the largest over the colour channels, averaged over a few
  noisy copies of the image (SmoothGrad).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .tracing import rollout


@dataclass
class Focus:
    """`.heatmap` [H, W] in [0, 1]; `.image` [H, W, 3] what the model saw; `.method`; `.label`, `.score`."""

    heatmap: np.ndarray
    image: np.ndarray
    method: str
    label: str
    score: float
    model: str


def _as_loaded(model):
    from . import models

    return model if isinstance(model, models.Loaded) else models.load(model, quiet=True)


def _pixel_values(loaded, image) -> torch.Tensor:
    from .tasks.images import to_image

    return loaded.processor(images=to_image(image), return_tensors="pt")["pixel_values"]  # [1, 3, H, W]


def _seen_image(loaded, pixel_values) -> np.ndarray:
    """Undo the processor's normalisation: the image as the model saw it, [H, W, 3] in [0, 1]."""
    mean = np.array(getattr(loaded.processor, "image_mean", [0.5] * 3)).reshape(3, 1, 1)
    std = np.array(getattr(loaded.processor, "image_std", [0.5] * 3)).reshape(3, 1, 1)
    pixels = pixel_values[0].detach().numpy() * std + mean
    return np.clip(pixels.transpose(1, 2, 0), 0, 1)


def _normalize(heatmap: torch.Tensor) -> np.ndarray:
    heatmap = heatmap.detach().float()
    heatmap = heatmap - heatmap.min()
    return (heatmap / heatmap.max().clamp_min(1e-12)).numpy()


def attention_rollout(attentions, size: tuple[int, int]) -> np.ndarray | None:
    """[CLS]-to-patch attention rollout, upsampled to `size`; None when the tokens are not [CLS] + a square grid.

    attentions: one [1, heads, tokens, tokens] tensor per layer.
    """
    tokens = attentions[0].shape[-1]
    grid = int(round((tokens - 1) ** 0.5))
    if grid * grid != tokens - 1:
        return None
    rolled = torch.from_numpy(rollout(torch.stack([layer[0] for layer in attentions])))  # [tokens, tokens]
    cls_to_patches = rolled[0, 1:].reshape(1, 1, grid, grid)  # [1, 1, grid, grid]
    upsampled = torch.nn.functional.interpolate(cls_to_patches, size=size, mode="nearest")
    return _normalize(upsampled[0, 0])


def gradient_saliency(model, pixel_values: torch.Tensor, target: int, samples: int = 16,
                      noise: float = 0.15) -> np.ndarray:
    """|d logit[target] / d pixel|, the largest over channels: [H, W] in [0, 1].

    Averaged over `samples` slightly noisy copies of the image (SmoothGrad, Smilkov et al., 2017):
    a single gradient is speckled, the average shows the strokes the decision rests on.
    """
    generator = torch.Generator().manual_seed(0)
    spread = noise * float(pixel_values.max() - pixel_values.min())
    noisy = pixel_values + spread * torch.randn((samples, *pixel_values.shape[1:]), generator=generator)
    noisy[0] = pixel_values[0]  # the first copy is the image itself
    noisy.requires_grad_(True)
    model.zero_grad(set_to_none=True)
    model(pixel_values=noisy).logits[:, target].sum().backward()
    model.zero_grad(set_to_none=True)
    saliency = noisy.grad.abs().amax(dim=1).mean(dim=0, keepdim=True)  # [1, H, W]
    # a light 3x3 blur: neighbouring pixels share a stem patch, their gradients a checkerboard
    return _normalize(torch.nn.functional.avg_pool2d(saliency, 3, stride=1, padding=1)[0])


def vision_focus(model, image) -> Focus:
    """Where an image classifier looks: attention rollout for a ViT, gradient saliency otherwise."""
    loaded = _as_loaded(model)
    pixel_values = _pixel_values(loaded, image)
    with torch.no_grad():
        outputs = loaded.model(pixel_values=pixel_values, output_attentions=True)
    probs = outputs.logits.softmax(dim=-1)[0]
    target = int(probs.argmax())
    size = tuple(pixel_values.shape[-2:])
    heatmap, method = None, "gradient saliency"
    if getattr(outputs, "attentions", None):
        heatmap, method = attention_rollout(outputs.attentions, size), "attention rollout"
    if heatmap is None:
        heatmap, method = gradient_saliency(loaded.model, pixel_values, target), "gradient saliency"
    label = loaded.model.config.id2label.get(target, str(target))
    return Focus(heatmap, _seen_image(loaded, pixel_values), method, label, float(probs[target]), loaded.key)


def plot_focus(models, image):
    """The image, and for each model its focus laid over it; returns the matplotlib Figure."""
    import matplotlib.pyplot as plt

    from hflab._env import ensure_korean_font

    ensure_korean_font()  # Hangul labels, even without hflab.setup()

    focuses = [vision_focus(m, image) for m in models]
    figure, axes = plt.subplots(1, len(focuses) + 1, figsize=(2.6 * (len(focuses) + 1), 3.4))
    axes[0].imshow(focuses[0].image)
    axes[0].set_title("입력 (input)")
    for ax, focus in zip(axes[1:], focuses, strict=True):
        ax.imshow(focus.image)
        ax.imshow(focus.heatmap, cmap="inferno", alpha=0.6)
        ax.set_title(f"{focus.model}\n{focus.method}\n→ {focus.label} ({focus.score:.2f})", fontsize=9)
    for ax in axes:
        ax.axis("off")
    figure.tight_layout()
    return figure
