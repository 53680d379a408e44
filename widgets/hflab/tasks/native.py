"""Tasks transformers v5 still has: its own pipeline, fed the model objects hflab resolved.

hflab adds only what a learner needs on the way in (paths, URLs, arrays, any audio rate,
clear errors, a warning when text is cut); outputs are transformers' own.
"""

from __future__ import annotations

from .._trace_inputs import max_tokens
from ..models import Loaded
from .audio import to_audio
from .base import TaskPipeline
from .errors import InputError
from .images import to_images
from .table import AUDIO, IMAGE, TASKS, TEXT
from .text import check_text, check_texts, is_too_long, use_own_mask_token, warn_truncated

WHISPER_WINDOW_S = 30


class NativePipeline(TaskPipeline):
    """A transformers v5 pipeline (`.inner`) with hflab's input handling in front of it.

    transformers' pipeline runs the four steps itself (`.inner.preprocess`, `._forward`, ...);
    hflab only reads what the learner has into what it accepts.
    """

    def __init__(self, task: str, loaded: Loaded, *, task_name: str | None = None, **pipeline_kwargs):
        super().__init__(task, loaded, task_name=task_name)
        import transformers

        parts = {name: getattr(loaded, name) for name in ("tokenizer", "image_processor", "feature_extractor")
                 if getattr(loaded, name) is not None}
        self.inner = transformers.pipeline(task, model=loaded.model, **parts, **pipeline_kwargs)
        self._aggregation = pipeline_kwargs.get("aggregation_strategy")
        self._max_tokens = max_tokens(self.model, self.tokenizer) if self.tokenizer is not None else None
        self._rate = getattr(self.feature_extractor, "sampling_rate", None)
        self._prepare = {TEXT: self._prepare_text, IMAGE: self._prepare_images,
                         AUDIO: self._prepare_audio}.get(TASKS[task].reads, self._prepare_document)
        if task == "image-segmentation":
            self.inner.postprocess = _with_region_scores(self.inner.postprocess, self.model)

    def _sanitize_parameters(self, **options):
        return {}, {}, {}  # transformers' own pipeline (`.inner`) sorts out its options

    def __call__(self, inputs=None, *args, **kwargs):
        """The same call and the same output as `transformers.pipeline(task)(...)`."""
        if args and self.task == "document-question-answering":  # pipe(image, "question?")
            kwargs.setdefault("question", args[0])
            args = args[1:]
        inputs, kwargs = self._prepare(inputs, kwargs)
        return self.inner(inputs, *args, **kwargs)

    # --- text ---------------------------------------------------------------------------------
    def _prepare_text(self, inputs, kwargs):
        if inputs is None:
            inputs = kwargs.pop("text_inputs", kwargs.pop("inputs", kwargs.pop("text", None)))
        if inputs is None:
            raise InputError(f"{self.task_name} needs text.", "call it with a string, e.g. pipe(\"Hello!\").")
        if isinstance(inputs, str) or (isinstance(inputs, (list, tuple)) and inputs and
                                        all(isinstance(t, str) for t in inputs)):
            inputs = check_texts(inputs)
            if self.task == "fill-mask":  # the seed's "<mask>" reaches BERT models as "[MASK]"
                inputs = use_own_mask_token(inputs, self.tokenizer)
            self._guard_length([inputs] if isinstance(inputs, str) else inputs, kwargs)
        elif isinstance(inputs, (list, tuple)) and not inputs:
            raise InputError("The list of texts is empty.", "give at least one text.")
        elif not isinstance(inputs, (dict, list, tuple)):  # dicts: text pairs; lists of dicts: chat
            check_text(inputs)  # raises with the right message
        return inputs, kwargs

    def _guard_length(self, texts, kwargs) -> None:
        """Warn when a text is longer than the model reads; stride through it where the task can."""
        if self.task == "text-generation":
            return  # a long prompt is the learner's choice; the model reports its own limit
        long = [t for t in texts if is_too_long(t, self.tokenizer, self._max_tokens)]
        if not long:
            return
        if self.task == "token-classification":
            strategy = kwargs.get("aggregation_strategy", self._aggregation)
            if strategy not in (None, "none") and "stride" not in kwargs:
                kwargs["stride"] = max(self._max_tokens // 4, 1)  # read the whole text in overlapping windows
                return
        elif self.task == "fill-mask":
            kwargs.setdefault("tokenizer_kwargs", {"truncation": True})
        elif self.task == "feature-extraction":
            kwargs.setdefault("tokenize_kwargs", {"truncation": True})
        elif self.task == "text-classification":
            kwargs.setdefault("truncation", True)
        warn_truncated(long[0], self._max_tokens)

    # --- images -------------------------------------------------------------------------------
    def _prepare_images(self, inputs, kwargs):
        if inputs is None:
            inputs = kwargs.pop("images", kwargs.pop("image", kwargs.pop("inputs", None)))
        if inputs is None:
            raise InputError(f"{self.task_name} needs an image.",
                             "pass a path, a URL, bytes, a PIL.Image or an array, e.g. pipe('cat.jpg').")
        return to_images(inputs), kwargs

    # --- audio --------------------------------------------------------------------------------
    def _prepare_audio(self, inputs, kwargs):
        if inputs is None:
            inputs = kwargs.pop("audio", kwargs.pop("inputs", None))
        if inputs is None:
            raise InputError(f"{self.task_name} needs audio.",
                             "pass a .wav/.flac path, a URL, bytes, or an array with sampling_rate=...")
        rate = kwargs.pop("sampling_rate", None)
        if isinstance(inputs, list) and not (inputs and isinstance(inputs[0], (int, float))):
            if not inputs:
                raise InputError("The list of audio inputs is empty.", "give at least one recording.")
            prepared = [to_audio(x, self._rate, sampling_rate=rate) for x in inputs]
        else:
            prepared = to_audio(inputs, self._rate, sampling_rate=rate)
        self._chunk_long_whisper(prepared, kwargs)
        return prepared, kwargs

    def _chunk_long_whisper(self, prepared, kwargs) -> None:
        if (self.task != "automatic-speech-recognition" or "chunk_length_s" in kwargs
                or getattr(self.model.config, "model_type", "") != "whisper"):
            return
        longest = max(len(p["raw"]) for p in (prepared if isinstance(prepared, list) else [prepared]))
        if longest > WHISPER_WINDOW_S * self._rate:
            print(f"[hflab] audio longer than {WHISPER_WINDOW_S} s: transcribing in {WHISPER_WINDOW_S} s chunks.")
            kwargs["chunk_length_s"] = WHISPER_WINDOW_S

    # --- documents ----------------------------------------------------------------------------
    def _prepare_document(self, inputs, kwargs):
        image = inputs if inputs is not None else kwargs.pop("image", None)
        if isinstance(image, dict):
            image = self._document_dict(image)
        elif isinstance(image, (list, tuple)) and image and isinstance(image[0], dict):
            image = [self._document_dict(d) for d in image]
        else:
            question = kwargs.pop("question", None)
            image = self._document_dict({"image": image, "question": question,
                                         "word_boxes": kwargs.pop("word_boxes", None)})
        return image, kwargs

    @staticmethod
    def _document_dict(item: dict) -> dict:
        item = dict(item)
        item["question"] = check_text(item.get("question"), "question")
        if item.get("word_boxes") is None:
            item.pop("word_boxes", None)
            if item.get("image") is None:
                raise InputError("document-question-answering needs a document image (or word_boxes).",
                                 "call it as pipe(question='What is the total?', image='invoice.png').")
        if item.get("image") is not None:
            item["image"] = to_images(item["image"])
        return item


def _with_region_scores(postprocess, model):
    """transformers gives a semantic segmenter's regions (SegFormer) the score None, and the seed's
    `round(pred["score"], 4)` would fail: give each region the mean probability of its label over
    its own pixels, computed from the same logits, resized as transformers resizes them."""
    import numpy as np
    import torch

    def scored(model_outputs, **options):
        regions = postprocess(model_outputs, **options)
        logits = model_outputs.get("logits") if hasattr(model_outputs, "get") else None
        if logits is None or all(region["score"] is not None for region in regions):
            return regions
        size = tuple(int(v) for v in np.asarray(model_outputs["target_size"]).reshape(-1)[:2])
        probs = torch.nn.functional.interpolate(logits.float(), size=size, mode="bilinear",
                                                align_corners=False).softmax(dim=1)[0]
        label_ids = {label: int(i) for i, label in model.config.id2label.items()}
        for region in regions:
            if region["score"] is None:
                inside = torch.from_numpy(np.asarray(region["mask"]) > 0)
                region["score"] = float(probs[label_ids[region["label"]]][inside].mean()) if inside.any() else 0.0
        return regions

    return scored
