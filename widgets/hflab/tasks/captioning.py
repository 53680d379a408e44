"""Image captioning (v4's "image-to-text"; v5 kept only "image-text-to-text" for chat models).

    >>> captioner = hflab.pipeline("image-to-text")        # BLIP by default
    >>> captioner(hflab.data_path("images", "cat.jpg"))
    [{'generated_text': 'a cat laying on a couch'}]
"""

from __future__ import annotations

from .base import TaskPipeline
from .errors import InputError
from .images import to_images


class CaptioningPipeline(TaskPipeline):
    """captioner(image or [images], prompt=None, max_new_tokens=None) -> [{"generated_text": ...}]."""

    def __init__(self, task, resolved, *, task_name=None, device=None, **generate_kwargs):
        super().__init__(task, resolved, task_name=task_name)
        if self.processor is None or self.image_processor is None or not hasattr(self.model, "generate"):
            raise InputError("image-to-text needs a captioning model with a processor (images + tokenizer).",
                             "use the catalog key 'blip-captioning' or a BLIP/GIT-style checkpoint.")
        if device is not None:
            self.model.to(device)
        self.generate_defaults = generate_kwargs

    def __call__(self, inputs=None, *, prompt: str | None = None, max_new_tokens: int | None = None,
                 generate_kwargs: dict | None = None, **kwargs):
        """One image -> [{"generated_text": caption}]; a list -> one such list per image."""
        import torch

        if inputs is None:
            inputs = kwargs.pop("images", kwargs.pop("image", None))
        if kwargs:
            raise InputError(f"image-to-text got unexpected arguments {sorted(kwargs)}.",
                             "call it as captioner(image, prompt=None, max_new_tokens=30).")
        if inputs is None:
            raise InputError("image-to-text needs an image.", "pass a path, a URL, bytes, a PIL.Image or an array.")
        images = to_images(inputs)
        single = not isinstance(images, list)
        images = [images] if single else images
        text = [prompt] * len(images) if prompt else None
        encoded = self.processor(images=images, text=text, return_tensors="pt")
        params = {**self.generate_defaults, **(generate_kwargs or {})}
        if max_new_tokens is not None:
            params["max_new_tokens"] = max_new_tokens
        with torch.no_grad():
            output = self.model.generate(**encoded, **params)
        captions = self.processor.batch_decode(output, skip_special_tokens=True)
        results = [[{"generated_text": c.strip()}] for c in captions]
        return results[0] if single else results
