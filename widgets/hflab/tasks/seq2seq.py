"""Summarization, translation and text2text, which transformers v5 dropped as pipelines.

They return v4's format:

    summarization        -> [{"summary_text": ...}]
    translation          -> [{"translation_text": ...}]   (T5 prefixes: "translation_en_to_fr")
    text2text-generation -> [{"generated_text": ...}]

Two kinds of model answer, as v5 suggests:
- an encoder-decoder (T5, BART: AutoModelForSeq2SeqLM) reads the text with its T5 task prefix
  and generate() writes the answer, as v4 did;
- an instruction-tuned decoder-only LM (offline: smollm2) gets the prefix turned into an
  instruction (`instructions.py`) inside its chat template; only the new text comes back.
"""

from __future__ import annotations

from .._trace_inputs import max_tokens
from .base import TaskPipeline, unknown_options
from .errors import InputError
from .instructions import chat_messages
from .table import TASKS
from .text import check_texts, is_too_long, warn_truncated

# T5 was trained with these prefixes; other pairs get the same wording
LANGUAGES = {"en": "English", "fr": "French", "de": "German", "ro": "Romanian", "es": "Spanish",
             "it": "Italian", "ko": "Korean", "ja": "Japanese", "zh": "Chinese"}
GENERATE_KEYS = {"max_length", "min_length", "num_beams", "length_penalty", "no_repeat_ngram_size",
                 "early_stopping", "max_new_tokens", "do_sample", "temperature", "top_k", "top_p",
                 "num_return_sequences", "repetition_penalty"}
CHAT_MAX_NEW_TOKENS = 100  # a chat model's answer when the call names no length (it usually stops sooner)
CHAT_ROOM = 512  # tokens a chat prompt keeps free for the template, the instruction and the answer


class Seq2SeqPipeline(TaskPipeline):
    """pipe(text or [texts], **generate_kwargs) -> [{OUTPUT_KEY: text}] (one dict per input).

    preprocess adds the task prefix T5 was trained with and tokenizes (for a chat model: turns
    the prefix into an instruction inside the chat template); _forward runs model.generate;
    postprocess decodes, under the task's output key.
    """

    def __init__(self, task, loaded, *, task_name=None, src_lang=None, tgt_lang=None, **options):
        self.languages = _languages(task_name or task, src_lang, tgt_lang)
        super().__init__(task, loaded, task_name=task_name, **options)
        self.output_key = TASKS[task].output_keys[0]
        self.prefix = self._prefix(self.languages)
        self._forward_params = {**self._task_params(self.languages), **self._forward_params}
        self._max_tokens = max_tokens(self.model, self.tokenizer)

    def __call__(self, inputs=None, *args, **kwargs):
        """One text -> [{key: text}]; a list -> one such dict per text (a list of dicts per text when
        num_return_sequences > 1)."""
        answers = super().__call__(inputs, *args, **kwargs)
        if answers and isinstance(answers[0], list) and all(len(a) == 1 for a in answers):
            return [a[0] for a in answers]  # v4: several texts, one answer each -> a flat list
        return answers

    def _setup(self) -> None:
        if self.tokenizer is None or not hasattr(self.model, "generate"):
            raise InputError(f"{self.task} needs a model that generates text, and its tokenizer.",
                             "use a catalog key such as 'smollm2', or a seq2seq checkpoint such as 't5-small'.")
        # an encoder-decoder reads the T5-style text itself; a decoder-only LM is asked through its chat template
        self.is_chat = not getattr(self.model.config, "is_encoder_decoder", False)
        if self.is_chat and not getattr(self.tokenizer, "chat_template", None):
            raise InputError(f"{self.task} needs an encoder-decoder (T5, BART) or an instruction-tuned LM with a "
                             f"chat template; {self.loaded.name} is a decoder-only model without one.",
                             "use 'smollm2' (offline) or a seq2seq checkpoint such as 'google-t5/t5-small'.")

    def _gather_inputs(self, inputs=None, *args, kwargs: dict):
        if inputs is None:
            inputs = kwargs.pop("text", kwargs.pop("text_inputs", None))
        if args:  # v4 accepted several texts as positional arguments
            inputs = [inputs, *args]
        if inputs is None:
            raise InputError(f"{self.task_name} needs text.", "call it with a string, e.g. pipe(\"Some text\").")
        texts = check_texts(inputs)
        return ([texts], False) if isinstance(texts, str) else (list(texts), True)

    def _sanitize_parameters(self, src_lang=None, tgt_lang=None, clean_up_tokenization_spaces=None,
                             generate_kwargs=None, **generate_options):
        unknown_options(self.task_name, generate_options, GENERATE_KEYS,
                        "call it as pipe(text, max_new_tokens=40) with generate() options")
        preprocess, postprocess = {}, {}
        if src_lang or tgt_lang:
            preprocess["prefix"] = self._prefix(_languages(self.task_name, src_lang, tgt_lang, self.languages))
        if clean_up_tokenization_spaces is not None:
            postprocess["clean_up_tokenization_spaces"] = clean_up_tokenization_spaces
        return preprocess, {**(generate_kwargs or {}), **generate_options}, postprocess

    def preprocess(self, text: str, prefix: str | None = None):
        """The text with its task prefix (added once), tokenized and cut to what the model reads."""
        prefix = self.prefix if prefix is None else prefix
        text = text if text.startswith(prefix) else prefix + text
        if self.is_chat:
            return self._chat_inputs(text)
        if is_too_long(text, self.tokenizer, self._max_tokens):
            warn_truncated(text, self._max_tokens)
        encoded = self.tokenizer(text, return_tensors="pt", truncation=self._max_tokens is not None,
                                 max_length=self._max_tokens)
        encoded.pop("token_type_ids", None)
        return encoded

    def _chat_inputs(self, text: str) -> dict:
        """The chat template around the instruction the text's prefix asks for, tokenized [1, length]."""
        if self._max_tokens is not None and is_too_long(text, self.tokenizer, self._max_tokens - CHAT_ROOM):
            warn_truncated(text, self._max_tokens - CHAT_ROOM)
            ids = self.tokenizer(text, add_special_tokens=False)["input_ids"][:self._max_tokens - CHAT_ROOM]
            text = self.tokenizer.decode(ids)
        messages = chat_messages(self.task, text)
        encoded = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                                     return_dict=True)
        # an answer to an instruction ends at a blank line the text did not have: past it, a small
        # model goes on with something else ("Bonjour.\n\nPremière.")
        encoded["stop_at_blank_line"] = messages[0]["role"] == "system" and "\n\n" not in messages[-1]["content"]
        return encoded

    def _forward(self, encoded, **generate_params) -> dict:
        """{"token_ids": [num_return_sequences, length] from model.generate (a chat model: the new tokens
        only), "first_paragraph": whether the answer ends at its first blank line}."""
        import torch

        if self.is_chat:
            return self._chat_forward(dict(encoded), generate_params)
        if "max_new_tokens" in generate_params:
            generate_params.pop("max_length", None)  # the call's max_new_tokens beats the config's max_length
        with torch.no_grad():
            return {"token_ids": self.model.generate(**encoded, **generate_params), "first_paragraph": False}

    def _chat_forward(self, encoded: dict, params: dict):
        import torch

        params = dict(params)  # the same options serve every text of a list: change a copy
        if "max_new_tokens" not in params and "max_length" in params:
            # v4's max_length counted the answer's tokens (the decoder's); a decoder-only LM counts the prompt too
            params["max_new_tokens"] = params["max_length"]
        if "min_length" in params:
            params["min_new_tokens"] = params.pop("min_length")
        params.pop("max_length", None)
        params.setdefault("max_new_tokens", CHAT_MAX_NEW_TOKENS)
        params.setdefault("do_sample", False)  # greedy unless the call asks to sample
        first_paragraph = encoded.pop("stop_at_blank_line")
        if first_paragraph:
            from transformers import StoppingCriteriaList

            params["stopping_criteria"] = StoppingCriteriaList([StopAtBlankLine(self.tokenizer,
                                                                                encoded["input_ids"].shape[1])])
        with torch.no_grad():
            ids = self.model.generate(**encoded, **params)
        new_ids = ids[:, encoded["input_ids"].shape[1]:]  # [num_return_sequences, new tokens]
        return {"token_ids": new_ids, "first_paragraph": first_paragraph}

    def postprocess(self, outputs: dict, clean_up_tokenization_spaces: bool = True):
        texts = self.tokenizer.batch_decode(outputs["token_ids"], skip_special_tokens=True,
                                            clean_up_tokenization_spaces=clean_up_tokenization_spaces)
        if outputs["first_paragraph"]:  # the last token may hold the start of the next paragraph
            texts = [text.strip().split("\n\n")[0] for text in texts]
        if self.is_chat:
            texts = [text.strip() for text in texts]  # the chat turn's own newlines and spaces
        return [{self.output_key: text} for text in texts]

    # --- task prefixes and settings (as v4 read them from the model's config) --------------------
    def _task_params(self, languages) -> dict:
        params = (getattr(self.model.config, "task_specific_params", None) or {}).get(_params_key(self.task, languages))
        return {k: v for k, v in (params or {}).items() if k in GENERATE_KEYS}

    def _prefix(self, languages) -> str:
        """"translate English to French: " for T5 (and a chat model, which reads it as the instruction),
        the config's own prefix, or nothing."""
        params = (getattr(self.model.config, "task_specific_params", None) or {}).get(_params_key(self.task, languages))
        if params and params.get("prefix"):
            return params["prefix"]
        if self.task == "translation" and languages and (self.is_chat or getattr(self.model.config, "model_type", "") == "t5"):
            src, tgt = languages
            return f"translate {LANGUAGES.get(src, src)} to {LANGUAGES.get(tgt, tgt)}: "
        return getattr(self.model.config, "prefix", None) or ""


class StopAtBlankLine:
    """generate() stopping criterion: True for each answer that has begun a new paragraph.

    Like `stop_strings=["\\n\\n"]`, without its table over the whole vocabulary built on every call.
    """

    def __init__(self, tokenizer, prompt_length: int):
        self.tokenizer, self.prompt_length = tokenizer, prompt_length

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        answers = self.tokenizer.batch_decode(input_ids[:, self.prompt_length:], skip_special_tokens=True)
        return torch.tensor(["\n\n" in answer.lstrip() for answer in answers], device=input_ids.device)


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
