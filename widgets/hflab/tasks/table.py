"""Every task hflab knows, one `TaskInfo` row each: the one place task facts live.

    >>> from hflab.tasks.table import task_info
    >>> task_info("sentiment-analysis").label
    '텍스트 분류·감성 분석'

`hflab.models` reads the model class and the default checkpoints from here, `hflab.pipeline`
the pipeline class, the widgets the labels, inputs and call options, `hflab.compare` the
output keys. Adding a task is one row here (plus its pipeline class when transformers v5 has
no pipeline for it, and a catalog entry in `hflab.models.catalog` when no model there can be
its default).

This module imports nothing from hflab, so every other module may read it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

# What a task reads, as the widgets offer it (the pipelines accept more forms of each).
TEXT, IMAGE, AUDIO = "text", "image", "audio"
QUESTION_CONTEXT, IMAGE_QUESTION = "question+context", "image+question"


@dataclass(frozen=True)
class TaskInfo:
    """One task: its names, its model, its defaults, what it reads and what it gives back."""

    name: str  # transformers' task name
    label: str  # Korean, what a learner reads in a widget
    model_class: str  # the transformers Auto class a checkpoint for this task loads with
    default_hub_id: str  # the checkpoint `pipeline(task)` uses online
    offline_default: str  # the catalog key that answers offline (see hflab.models.catalog())
    reads: str  # TEXT, IMAGE, AUDIO, QUESTION_CONTEXT or IMAGE_QUESTION
    output_keys: tuple[str, ...]  # the keys of one answer dict, the answer itself first
    # None: transformers v5's own pipeline runs the task. Otherwise "module:Class" (".module" inside
    # hflab.tasks), named, not imported, so that this table stays free of torch and of hflab's other modules.
    pipeline_class: str | None = None
    aliases: tuple[str, ...] = ()
    build_options: dict = field(default_factory=dict)  # what TaskRunner builds the pipeline with
    call_options: dict = field(default_factory=dict)  # what TaskRunner calls it with: a full picture, quick on a CPU
    standin_call_options: dict = field(default_factory=dict)  # extra, when a random stand-in answers
    widgets: tuple[str, ...] = ("TaskRunner",)  # the widgets that offer this task

    @property
    def display_name(self) -> str:
        """What a dropdown shows: "요약 (summarization)"."""
        return f"{self.label} ({self.name})"


# A random stand-in's boxes and masks rarely pass the usual thresholds: show them anyway (marked meaningless).
_ANY_BOX = {"threshold": 0.0}
_ANY_MASK = {"threshold": 0.0, "mask_threshold": 0.0, "overlap_mask_area_threshold": 0.0}
_BOTH = ("TaskRunner", "ModelComparison")
_SEQ2SEQ = ".seq2seq:Seq2SeqPipeline"

_ROWS = (
    TaskInfo("text-classification", "텍스트 분류·감성 분석", "AutoModelForSequenceClassification",
             "distilbert/distilbert-base-uncased-finetuned-sst-2-english", "sentiment", TEXT, ("label", "score"),
             aliases=("sentiment-analysis",), call_options={"top_k": None}, widgets=_BOTH),
    TaskInfo("token-classification", "개체명 인식", "AutoModelForTokenClassification",
             "dbmdz/bert-large-cased-finetuned-conll03-english", "minilm-ner", TEXT,
             ("entity_group", "entity", "score", "word", "start", "end"), aliases=("ner",),
             build_options={"aggregation_strategy": "simple"}, widgets=_BOTH),
    TaskInfo("question-answering", "추출형 질의응답", "AutoModelForQuestionAnswering",
             "distilbert/distilbert-base-cased-distilled-squad", "minilm-qa", QUESTION_CONTEXT,
             ("answer", "score", "start", "end"), ".question_answering:QuestionAnsweringPipeline"),
    TaskInfo("summarization", "요약", "AutoModelForSeq2SeqLM", "sshleifer/distilbart-cnn-12-6", "smollm2",
             TEXT, ("summary_text",), _SEQ2SEQ, call_options={"max_new_tokens": 60}),
    TaskInfo("translation", "번역", "AutoModelForSeq2SeqLM", "google-t5/t5-small", "smollm2", TEXT,
             ("translation_text",), _SEQ2SEQ, call_options={"max_new_tokens": 60}),
    TaskInfo("text2text-generation", "텍스트→텍스트 생성", "AutoModelForSeq2SeqLM", "google-t5/t5-small", "smollm2",
             TEXT, ("generated_text",), _SEQ2SEQ, aliases=("text2text",), call_options={"max_new_tokens": 60}),
    TaskInfo("text-generation", "텍스트 생성", "AutoModelForCausalLM", "HuggingFaceTB/SmolLM2-135M-Instruct",
             "smollm2", TEXT, ("generated_text",), call_options={"max_new_tokens": 40}, widgets=_BOTH),
    # offline a causal LM (smollm2) scores candidates; a masked LM still runs transformers' own pipeline
    TaskInfo("fill-mask", "빈칸 채우기", "AutoModelForMaskedLM", "distilbert/distilroberta-base", "smollm2",
             TEXT, ("token_str", "score", "token", "sequence"), ".fill_mask:CausalFillMaskPipeline",
             call_options={"top_k": 5}, widgets=_BOTH),
    TaskInfo("feature-extraction", "특징 추출·임베딩", "AutoModel", "sentence-transformers/all-MiniLM-L6-v2", "minilm",
             TEXT, (), widgets=("ModelComparison",)),
    TaskInfo("image-classification", "이미지 분류", "AutoModelForImageClassification", "google/vit-base-patch16-224",
             "digits-vit", IMAGE, ("label", "score"), widgets=_BOTH),
    TaskInfo("object-detection", "객체 탐지", "AutoModelForObjectDetection", "facebook/detr-resnet-50", "scene-detr",
             IMAGE, ("label", "score", "box"), standin_call_options=_ANY_BOX),
    TaskInfo("image-segmentation", "이미지 분할", "AutoModelForUniversalSegmentation",
             "facebook/mask2former-swin-tiny-coco-panoptic", "scene-segmenter", IMAGE, ("label", "score", "mask"),
             standin_call_options=_ANY_MASK),
    TaskInfo("depth-estimation", "깊이 추정", "AutoModelForDepthEstimation", "Intel/dpt-large", "scene-depth", IMAGE,
             ("depth", "predicted_depth")),
    TaskInfo("image-to-text", "이미지 캡셔닝", "AutoModelForImageTextToText", "Salesforce/blip-image-captioning-base",
             "scene-captioner", IMAGE, ("generated_text",), ".captioning:CaptioningPipeline",
             aliases=("image-captioning", "captioning"), call_options={"max_new_tokens": 30}),
    TaskInfo("document-question-answering", "문서 질의응답", "AutoModelForDocumentQuestionAnswering",
             "magorshunov/layoutlm-invoices", "layoutlm-docs", IMAGE_QUESTION, ("answer", "score", "start", "end"),
             aliases=("vqa-document",)),
    TaskInfo("audio-classification", "오디오 분류", "AutoModelForAudioClassification", "superb/hubert-base-superb-er",
             "keywords", AUDIO, ("label", "score")),
    TaskInfo("automatic-speech-recognition", "음성 인식", "AutoModelForSpeechSeq2Seq", "facebook/wav2vec2-base-960h",
             "whisper-tiny-en", AUDIO, ("text",), aliases=("asr",)),
)

TASKS: dict[str, TaskInfo] = {row.name: row for row in _ROWS}
ALIASES: dict[str, str] = {alias: row.name for row in _ROWS for alias in row.aliases}


class UnknownTaskError(ValueError):
    """A task name hflab does not know."""


def normalize_task(task: str) -> str:
    """'sentiment-analysis' -> 'text-classification'; 'translation_en_to_fr' -> 'translation'."""
    if not isinstance(task, str):
        raise TypeError(f"A task name is a string such as 'sentiment-analysis', not {type(task).__name__} "
                        f"({task!r}). hflab knows: {', '.join(TASKS)}.")
    if not task.strip():
        raise UnknownTaskError(f"A task name is needed, one of: {', '.join(TASKS)}.")
    name = task.strip().lower().replace("_", "-")
    if name.startswith("translation-"):  # "translation_en_to_fr": the languages are the pipeline's business
        return "translation"
    name = ALIASES.get(name, name)
    if name not in TASKS:
        close = difflib.get_close_matches(name, list(TASKS) + list(ALIASES), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownTaskError(f"Unknown task {task!r}.{hint} hflab knows: {', '.join(TASKS)}.")
    return name


def task_info(task: str) -> TaskInfo:
    """The row for `task` (any name or alias hflab knows)."""
    return TASKS[normalize_task(task)]


def tasks_for(widget: str) -> list[TaskInfo]:
    """The rows a widget ("TaskRunner", "ModelComparison") offers, in table order."""
    return [row for row in TASKS.values() if widget in row.widgets]
