"""Summarization, translation and text2text, which transformers v5 dropped as pipelines.

They run on AutoModelForSeq2SeqLM + generate(), and return v4's format:

    summarization        -> [{"summary_text": ...}]
    translation          -> [{"translation_text": ...}]   (T5 prefixes: "translation_en_to_fr")
    text2text-generation -> [{"generated_text": ...}]
"""

from __future__ import annotations

from .base import TaskPipeline
from .errors import InputError
from .text import check_texts, is_too_long, model_max_tokens, warn_truncated

OUTPUT_KEYS = {"summarization": "summary_text", "translation": "translation_text",
               "text2text-generation": "generated_text"}
# T5 was trained with these prefixes; other pairs get the same wording
LANGUAGES = {"en": "English", "fr": "French", "de": "German", "ro": "Romanian", "es": "Spanish",
             "it": "Italian", "ko": "Korean", "ja": "Japanese", "zh": "Chinese"}
GENERATE_KEYS = {"max_length", "min_length", "num_beams", "length_penalty", "no_repeat_ngram_size",
                 "early_stopping", "max_new_tokens", "do_sample", "temperature", "top_k", "top_p",
                 "num_return_sequences", "repetition_penalty"}


class Seq2SeqPipeline(TaskPipeline):
    """pipe(text or [texts], **generate_kwargs) -> [{OUTPUT_KEY: text}] (one dict per input)."""

    def __init__(self, task, resolved, *, task_name=None, device=None, src_lang=None, tgt_lang=None,
                 clean_up_tokenization_spaces=True, **generate_kwargs):
        super().__init__(task, resolved, task_name=task_name)
        if self.tokenizer is None or not hasattr(self.model, "generate"):
            raise InputError(f"{task} needs an encoder-decoder model with a tokenizer.",
                             "use a catalog key such as 't5-small' or 'distilbart-cnn'.")
        if device is not None:
            self.model.to(device)
        self.output_key = OUTPUT_KEYS[task]
        self.clean_up = clean_up_tokenization_spaces
        self.languages = _languages(task_name or task, src_lang, tgt_lang)
        self.prefix = self._prefix(self.languages)
        self.generate_defaults = {**self._task_params(self.languages), **generate_kwargs}
        self._max_tokens = model_max_tokens(self.tokenizer, self.model)

    def __call__(self, inputs=None, *args, src_lang=None, tgt_lang=None, **kwargs):
        """One text -> [{key: text}]; a list -> one such dict per text (a list of dicts per text when
        num_return_sequences > 1)."""
        if inputs is None:
            inputs = kwargs.pop("text", kwargs.pop("text_inputs", None))
        if args:  # v4 accepted several texts as positional arguments
            inputs = [inputs, *args]
        if inputs is None:
            raise InputError(f"{self.task_name} needs text.", "call it with a string, e.g. pipe(\"Some text\").")
        texts = check_texts(inputs)
        single = isinstance(texts, str)
        texts = [texts] if single else list(texts)
        prefix = self.prefix
        if src_lang or tgt_lang:
            prefix = self._prefix(_languages(self.task_name, src_lang, tgt_lang, self.languages))
        generated = self.generate([t if t.startswith(prefix) else prefix + t for t in texts], **kwargs)
        n = len(generated) // len(texts)
        per_input = [[{self.output_key: g} for g in generated[i * n:(i + 1) * n]] for i in range(len(texts))]
        if single:
            return per_input[0]
        return [group[0] if n == 1 else group for group in per_input]

    def generate(self, texts: list[str], **kwargs) -> list[str]:
        """The decoded outputs of model.generate for `texts` (num_return_sequences per text)."""
        import torch

        unknown = set(kwargs) - GENERATE_KEYS - {"generate_kwargs"}
        if unknown:
            raise InputError(f"{self.task_name} got unexpected arguments {sorted(unknown)}.",
                             f"use generate() options such as {', '.join(sorted(GENERATE_KEYS))}.")
        params = {**self.generate_defaults, **kwargs.pop("generate_kwargs", {}), **kwargs}
        if "max_new_tokens" in params:
            params.pop("max_length", None)
        long = [t for t in texts if is_too_long(t, self.tokenizer, self._max_tokens)]
        if long:
            warn_truncated(long[0], self._max_tokens)
        encoded = self.tokenizer(texts, return_tensors="pt", padding=True, truncation=self._max_tokens is not None,
                                 max_length=self._max_tokens)
        encoded.pop("token_type_ids", None)
        with torch.no_grad():
            output = self.model.generate(**encoded, **params)
        return self.tokenizer.batch_decode(output, skip_special_tokens=True,
                                           clean_up_tokenization_spaces=self.clean_up)

    # --- task prefixes and settings (as v4 read them from the model's config) --------------------
    def _task_params(self, languages) -> dict:
        params = (getattr(self.model.config, "task_specific_params", None) or {}).get(_params_key(self.task, languages))
        return {k: v for k, v in (params or {}).items() if k in GENERATE_KEYS}

    def _prefix(self, languages) -> str:
        params = (getattr(self.model.config, "task_specific_params", None) or {}).get(_params_key(self.task, languages))
        if params and params.get("prefix"):
            return params["prefix"]
        if self.task == "translation" and languages and getattr(self.model.config, "model_type", "") == "t5":
            src, tgt = languages
            return f"translate {LANGUAGES.get(src, src)} to {LANGUAGES.get(tgt, tgt)}: "
        return getattr(self.model.config, "prefix", None) or ""


def _params_key(task: str, languages) -> str:
    if task == "translation" and languages:
        return f"translation_{languages[0]}_to_{languages[1]}"
    return task


def _languages(task_name: str, src_lang=None, tgt_lang=None, default=None):
    """("en", "fr") from "translation_en_to_fr" or src_lang/tgt_lang; None when neither says."""
    name = task_name.lower().replace("-", "_")
    if name.startswith("translation_") and "_to_" in name:
        src, _, tgt = name[len("translation_"):].partition("_to_")
        default = (src, tgt)
    if src_lang or tgt_lang:
        if not (src_lang and tgt_lang) and default is None:
            raise InputError("translation needs both src_lang and tgt_lang.",
                             "pass src_lang='en', tgt_lang='fr', or use task='translation_en_to_fr'.")
        base = default or (None, None)
        return (src_lang or base[0], tgt_lang or base[1])
    return default
