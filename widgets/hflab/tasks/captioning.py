"""Image captioning (v4's "image-to-text"; v5 kept only "image-text-to-text" for chat models).

    >>> captioner = hflab.pipeline("image-to-text")        # BLIP by default
    >>> captioner(hflab.data_path("images", "cat.jpg"))
    [{'generated_text': 'a cat laying on a couch'}]
"""

from __future__ import annotations

from .base import TaskPipeline, unknown_options
from .errors import InputError
from .images import to_images
from .seq2seq import GENERATE_KEYS


class CaptioningPipeline(TaskPipeline):
    """captioner(image or [images], prompt=None, max_new_tokens=None) -> [{"generated_text": ...}].

    preprocess turns the image (and an optional prompt to continue) into pixel values and ids,
    _forward runs model.generate, postprocess decodes the caption.
    """

    def _setup(self) -> None:
        if self.processor is None or self.image_processor is None or not hasattr(self.model, "generate"):
            raise InputError("image-to-text needs a captioning model with a processor (images + tokenizer).",
                             "use the catalog key 'blip-captioning' or a BLIP/GIT-style checkpoint.")

    def _gather_inputs(self, inputs=None, *args, kwargs: dict):
        if inputs is None:
            inputs = kwargs.pop("images", kwargs.pop("image", None))
        if inputs is None or args:
            raise InputError("image-to-text needs one image (or a list of images).",
                             "pass a path, a URL, bytes, a PIL.Image or an array: captioner(image, max_new_tokens=30).")
        images = to_images(inputs)
        return (images, True) if isinstance(images, list) else ([images], False)

    def _sanitize_parameters(self, prompt: str | None = None, generate_kwargs: dict | None = None, **generate_options):
        unknown_options(self.task_name, generate_options, GENERATE_KEYS,
                        "call it as captioner(image, prompt=None, max_new_tokens=30)")
        preprocess = {"prompt": prompt} if prompt else {}
        return preprocess, {**(generate_kwargs or {}), **generate_options}, {}

    def preprocess(self, image, prompt: str | None = None):
        encoded = self.processor(images=image, text=prompt, return_tensors="pt")
        if "labels" in encoded:  # a TrOCR-style processor (VisionEncoderDecoder) gives the text as labels
            encoded["decoder_input_ids"] = self._decoder_prompt(prompt)
            del encoded["labels"]
        return encoded

    def _decoder_prompt(self, prompt: str):
        """[1, length]: the decoder's start token, then the prompt's words (no end token: the caption goes on)."""
        import torch

        words = self.tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"]
        start = torch.tensor([[self.model.config.decoder_start_token_id]])
        return torch.cat([start, words], dim=1)

    def _forward(self, encoded, **generate_params):
        """Token ids [1, length] from model.generate."""
        import torch

        with torch.no_grad():
            return self.model.generate(**encoded, **generate_params)

    def postprocess(self, token_ids):
        captions = self.processor.batch_decode(token_ids, skip_special_tokens=True)
        return [{"generated_text": caption.strip()} for caption in captions]
