"""The task names hflab understands: transformers' names, their aliases, and the ones v5 removed."""

from __future__ import annotations

import difflib

TASKS: tuple[str, ...] = (
    "audio-classification",
    "automatic-speech-recognition",
    "image-classification",
    "object-detection",
    "image-segmentation",
    "depth-estimation",
    "text-classification",
    "token-classification",
    "question-answering",
    "summarization",
    "translation",
    "text2text-generation",
    "text-generation",
    "fill-mask",
    "document-question-answering",
    "image-to-text",
    "feature-extraction",
)

ALIASES: dict[str, str] = {
    "sentiment-analysis": "text-classification",
    "ner": "token-classification",
    "asr": "automatic-speech-recognition",
    "image-captioning": "image-to-text",
    "captioning": "image-to-text",
    "text2text": "text2text-generation",
    "vqa-document": "document-question-answering",
}


class UnknownTaskError(ValueError):
    """A task name hflab does not know."""


def normalize_task(task: str) -> str:
    """'sentiment-analysis' -> 'text-classification'; 'translation_en_to_fr' -> 'translation'."""
    if not isinstance(task, str) or not task.strip():
        raise UnknownTaskError(f"A task name is needed, one of: {', '.join(TASKS)}.")
    name = task.strip().lower().replace("_", "-")
    if name.startswith("translation-"):
        return "translation"
    name = ALIASES.get(name, name)
    if name not in TASKS:
        close = difflib.get_close_matches(name, list(TASKS) + list(ALIASES), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownTaskError(f"Unknown task {task!r}.{hint} hflab knows: {', '.join(TASKS)}.")
    return name
