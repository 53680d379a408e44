"""`hflab.TaskRunner()`: pick a task and a model, give an input, run it, and see the result.

Built from plain ipywidgets (no custom JavaScript), so it works in JupyterLab, Notebook and Colab.
Everything the buttons do is reachable from Python too, which is how the tests drive it:

    >>> tr = hflab.TaskRunner("sentiment-analysis")
    >>> tr.model = "distilbert-sst2"; tr.text = "What a lovely day!"
    >>> tr.run()          # -> the pipeline's raw output (also in tr.result); errors in tr.error
"""

from __future__ import annotations

import json
import time
from html import escape
from pathlib import Path

import ipywidgets as widgets

from .. import models
from ..tasks.table import (
    AUDIO,
    IMAGE,
    IMAGE_QUESTION,
    QUESTION_CONTEXT,
    TEXT,
    normalize_task,
    task_info,
    tasks_for,
)
from . import task_pictures as pictures
from . import task_results as results

HUB_CHOICE = "__hub__"
SEED_TEXTS = {  # used when data/texts/examples.json is not there
    "text-classification": "Hugging Face is the best thing since sliced bread!",
    "token-classification": "Hugging Face is a French company based in New York City.",
    "summarization": "In this work, we presented the Transformer, the first sequence transduction model "
                     "based entirely on attention, replacing the recurrent layers most commonly used in "
                     "encoder-decoder architectures with multi-headed self-attention.",
    "translation": "translate English to French: Hugging Face is a community-based open-source platform "
                   "for machine learning.",
    "text2text-generation": "summarize: Hugging Face is a community-based open-source platform for machine learning.",
    "text-generation": "Hugging Face is a community-based open-source platform for machine learning.",
    "fill-mask": "Hugging Face is a community-based open-source <mask> for machine learning.",
    "question": "What is the name of the repository?",
    "context": "The name of the repository is huggingface/transformers",
    "document_question": "What is the total amount?",
}

_pipelines: dict[tuple[str, str], object] = {}  # (task, model) -> pipeline, shared by all runners


def _forget_pipelines_of(model) -> None:
    """`models.forget(model)` (after heads.prune, tokens.add): the next run loads the model afresh."""
    for key in [k for k, pipe in _pipelines.items() if pipe.model is model]:
        del _pipelines[key]


models.on_forget(_forget_pipelines_of)


class TaskRunner(widgets.VBox):
    """A form for one task: model choice, input, Run, and the result drawn for people.

    Python attributes (read and write): task, model, text, question, context, image, audio.
    After run(): result (the pipeline's raw output), error (a readable message or None),
    elapsed (seconds), is_standin, pipeline.
    """

    def __init__(self, task: str | None = None, model: str | None = None, **layout):
        _check_type("task", task, "a task name such as 'sentiment-analysis'")
        _check_type("model", model, "a catalog key such as 'distilbert-sst2' or a Hub id")
        self.result = None
        self.error: str | None = None
        self.exception: BaseException | None = None
        self.elapsed: float | None = None
        self.pipeline = None
        self._image = None
        self._audio = None
        self._build_widgets()
        super().__init__(children=self._layout(), **layout)
        first = normalize_task(task or "text-classification")
        if self.task_select.value == first:
            self._on_task({"new": first})  # the dropdown starts there, so no change event fires
        self.task = first
        if model is not None:
            self.model = model

    # --- public, Python-side -----------------------------------------------------------------
    @property
    def task(self) -> str:
        return self.task_select.value

    @task.setter
    def task(self, value: str) -> None:
        _check_type("task", value, "a task name such as 'sentiment-analysis'", allow_none=False)
        self.task_select.value = normalize_task(value)

    @property
    def model(self) -> str:
        if self.model_select.value == HUB_CHOICE:
            return self.hub_id_box.value.strip()
        return self.model_select.value

    @model.setter
    def model(self, value: str) -> None:
        _check_type("model", value, "a catalog key such as 'distilbert-sst2' or a Hub id", allow_none=False)
        keys = [v for _, v in self.model_select.options]
        entry = models.resolve(value)
        if entry is not None and entry.key in keys:
            self.model_select.value = entry.key
        else:
            self.model_select.value = HUB_CHOICE
            self.hub_id_box.value = value

    text = property(lambda self: self.text_box.value, lambda self, v: setattr(self.text_box, "value", v))
    question = property(lambda self: self.question_box.value,
                        lambda self, v: setattr(self.question_box, "value", v))
    context = property(lambda self: self.context_box.value, lambda self, v: setattr(self.context_box, "value", v))

    @property
    def image(self):
        """The current image: a path, bytes or a PIL image (from the list, an upload or Python)."""
        return self._image

    @image.setter
    def image(self, value) -> None:
        self._image = value
        self._show_image_preview(value)

    @property
    def audio(self):
        """The current audio: a path, bytes or an array (from the list, an upload or Python)."""
        return self._audio

    @audio.setter
    def audio(self, value) -> None:
        self._audio = value
        self._show_audio_player(value)

    @property
    def is_standin(self) -> bool | None:
        return None if self.pipeline is None else self.pipeline.is_standin

    def run(self, *_):
        """Load (or reuse) the pipeline, run it on the current input, and draw the result.

        Returns the raw output; on failure returns None, and `.error` holds the message.
        """
        self.result, self.error, self.exception, self.elapsed = None, None, None, None
        self._clear_outputs()
        self._busy("모델 준비 중 (loading the model)…", 1)
        try:
            started = time.perf_counter()
            self.pipeline = self._pipeline()
            loaded = time.perf_counter()
            self._busy("실행 중 (running)…", 2)
            self.result = self._call(self.pipeline)
            self.elapsed = time.perf_counter() - loaded
            self._show_result(self.result, load_s=loaded - started)
        except Exception as err:  # noqa: BLE001 - shown to the learner inside the widget
            self.exception = err
            self.error = _readable(err)
            self.error_box.value = (f"<div style='color:#a00;border:1px solid #a00;padding:6px;border-radius:4px'>"
                                    f"<b>오류(error)</b>: {escape(self.error)}</div>")
        finally:
            self._idle()
        return self.result

    # --- building the form -------------------------------------------------------------------
    def _build_widgets(self) -> None:
        wide = widgets.Layout(width="95%")
        self.task_select = widgets.Dropdown(options=[(info.display_name, info.name) for info in tasks_for("TaskRunner")],
                                            description="작업(task)", layout=wide)
        self.model_select = widgets.Dropdown(description="모델(model)", layout=wide)
        self.hub_id_box = widgets.Text(placeholder="Hub id, 예: openai-community/gpt2",
                                       description="Hub id", layout=widgets.Layout(width="95%", display="none"))
        self.text_box = widgets.Textarea(description="텍스트(text)", layout=widgets.Layout(width="95%", height="80px"))
        self.question_box = widgets.Text(description="질문(question)", layout=wide)
        self.context_box = widgets.Textarea(description="문맥(context)",
                                            layout=widgets.Layout(width="95%", height="80px"))
        self.image_select = widgets.Dropdown(description="이미지(image)", layout=wide)
        self.image_upload = widgets.FileUpload(accept="image/*", multiple=False, description="이미지 올리기(upload)")
        self.image_preview = widgets.Image(layout=widgets.Layout(max_width="320px"))
        self.audio_select = widgets.Dropdown(description="오디오(audio)", layout=wide)
        self.audio_upload = widgets.FileUpload(accept="audio/*", multiple=False, description="오디오 올리기(upload)")
        self.audio_player = widgets.Audio(autoplay=False, controls=True)
        self.run_button = widgets.Button(description="실행(Run)", button_style="primary", icon="play")
        self.progress = widgets.IntProgress(value=0, min=0, max=3, layout=widgets.Layout(visibility="hidden"))
        self.status = widgets.HTML()
        self.error_box = widgets.HTML()
        self.result_box = widgets.HTML()
        self.result_image = widgets.Image(layout=widgets.Layout(max_width="640px", display="none"))
        self.raw_box = widgets.HTML()
        self.raw_section = widgets.Accordion(children=[self.raw_box], titles=("원시 출력(raw output)",))
        self.text_inputs = widgets.VBox([self.text_box])
        self.qa_inputs = widgets.VBox([self.question_box, self.context_box])
        self.image_inputs = widgets.VBox([widgets.HBox([self.image_select, self.image_upload]), self.image_preview])
        # The player joins the form only once it has sound: an empty <audio> makes the browser
        # request an empty blob and log an error.
        self.audio_inputs = widgets.VBox([widgets.HBox([self.audio_select, self.audio_upload])])
        self.task_select.observe(self._on_task, names="value")
        self.model_select.observe(self._on_model_choice, names="value")
        self.image_select.observe(lambda c: self._pick_file("image", c["new"]), names="value")
        self.audio_select.observe(lambda c: self._pick_file("audio", c["new"]), names="value")
        self.image_upload.observe(lambda c: self._on_upload("image", c["new"]), names="value")
        self.audio_upload.observe(lambda c: self._on_upload("audio", c["new"]), names="value")
        self.run_button.on_click(self.run)

    def _layout(self):
        return [self.task_select, self.model_select, self.hub_id_box, self.text_inputs, self.qa_inputs,
                self.image_inputs, self.audio_inputs, widgets.HBox([self.run_button, self.progress]),
                self.status, self.error_box, self.result_box, self.result_image, self.raw_section]

    def _on_task(self, change) -> None:
        task = change["new"]
        options = [(f"{e.key} — {e.hub_id or '코스에서 학습(trained here)'}", e.key) for e in models.catalog(task)]
        options.append(("Hub id 직접 입력 (type a Hub id)", HUB_CHOICE))
        self.model_select.options = options
        try:
            default = models.default_for(task).key
        except LookupError:
            default = options[0][1]
        self.model_select.value = default if default in [v for _, v in options] else options[0][1]
        self._show_inputs_for(task)
        self._fill_examples(task)

    def _on_model_choice(self, change) -> None:
        self.hub_id_box.layout.display = "" if change["new"] == HUB_CHOICE else "none"

    def _show_inputs_for(self, task: str) -> None:
        reads = task_info(task).reads
        self.text_inputs.layout.display = "" if reads == TEXT else "none"
        self.qa_inputs.layout.display = "" if reads in (QUESTION_CONTEXT, IMAGE_QUESTION) else "none"
        self.context_box.layout.display = "" if reads == QUESTION_CONTEXT else "none"
        self.image_inputs.layout.display = "" if reads in (IMAGE, IMAGE_QUESTION) else "none"
        self.audio_inputs.layout.display = "" if reads == AUDIO else "none"

    def _fill_examples(self, task: str) -> None:
        examples = _examples()
        key = {"text-classification": "sentiment", "token-classification": "ner", "summarization": "summarization",
               "translation": "translation", "text-generation": "generation_prompt", "fill-mask": "fill_mask",
               "text2text-generation": "translation"}.get(task)
        reads = task_info(task).reads
        if reads == TEXT:
            self.text = examples.get(key) if isinstance(examples.get(key), str) else SEED_TEXTS.get(task, "")
        if reads == QUESTION_CONTEXT:
            qa = examples.get("qa") or {}
            self.question = qa.get("question", SEED_TEXTS["question"])
            self.context = qa.get("context", SEED_TEXTS["context"])
        if reads == IMAGE_QUESTION:
            self.question = SEED_TEXTS["document_question"]
        if reads in (IMAGE, IMAGE_QUESTION):
            folder = "documents" if reads == IMAGE_QUESTION else "images"
            self._list_files(self.image_select, folder, (".jpg", ".jpeg", ".png", ".webp", ".bmp"))
            entry = models.resolve(self.model_select.value)
            if entry is not None and entry.sample:  # e.g. a scene for a model that only learned scenes
                chosen = [value for _, value in self.image_select.options if Path(value).as_posix().endswith(entry.sample)]
                if chosen:
                    self.image_select.value = chosen[0]
        if reads == AUDIO:
            self._list_files(self.audio_select, "audio", (".wav", ".flac", ".ogg"))

    @staticmethod
    def _list_files(dropdown, folder: str, suffixes) -> None:
        files = []
        try:
            from .._paths import data_dir

            files = sorted(p for p in (data_dir() / folder).glob("*") if p.suffix.lower() in suffixes)
        except FileNotFoundError:
            pass
        dropdown.options = [(p.name, str(p)) for p in files]
        if files:  # assigning options already picked the first file; make sure the preview follows it
            dropdown.value = str(files[0])

    def _pick_file(self, kind: str, path) -> None:
        if path:
            setattr(self, kind, path)

    def _on_upload(self, kind: str, value) -> None:
        if value:
            setattr(self, kind, bytes(value[0]["content"]))

    def _show_image_preview(self, value) -> None:
        try:
            from ..tasks.images import to_image

            self.image_preview.value = pictures.png_bytes(to_image(value), 320)
        except Exception:  # noqa: BLE001 - a bad image is reported when the task runs
            self.image_preview.value = b""

    def _show_audio_player(self, value) -> None:
        if isinstance(value, (str, Path)) and Path(value).is_file():
            self.audio_player.value = Path(value).read_bytes()
            self.audio_player.format = Path(value).suffix.lstrip(".").lower() or "wav"
        elif isinstance(value, (bytes, bytearray)):
            self.audio_player.value = bytes(value)
            self.audio_player.format = "wav"
        else:
            self.audio_inputs.children = self.audio_inputs.children[:1]
            return
        self.audio_inputs.children = (*self.audio_inputs.children[:1], self.audio_player)

    # --- running -----------------------------------------------------------------------------
    def _pipeline(self):
        from ..tasks import InputError, pipeline

        task, model = self.task, self.model
        if not model:
            raise InputError("No model chosen.", "pick one from the list, or type a Hub id.")
        key = (task, model)
        if key not in _pipelines:
            _pipelines[key] = pipeline(task, model=model, **task_info(task).build_options)
        return _pipelines[key]

    def _call(self, pipe):
        task, info = self.task, task_info(self.task)
        options = {**info.call_options, **(info.standin_call_options if pipe.is_standin else {})}
        if info.reads == QUESTION_CONTEXT:
            return pipe(question=self.question, context=self.context, **options)
        if info.reads == IMAGE_QUESTION:
            return pipe(question=self.question, image=self._require(self.image, "image"), **options)
        if info.reads == IMAGE:
            return pipe(self._require(self.image, "image"), **options)
        if info.reads == AUDIO:
            return pipe(self._require(self.audio, "audio"), **options)
        text = self.text
        if task == "fill-mask" and pipe.tokenizer is not None:
            text = _use_mask_token(text, pipe.tokenizer.mask_token)
        return pipe(text, **options)

    @staticmethod
    def _require(value, kind: str):
        if value is None:
            from ..tasks import InputError

            raise InputError(f"No {kind} given.", f"pick a {kind} from the list or upload one.")
        return value

    # --- showing -----------------------------------------------------------------------------
    def _busy(self, message: str, step: int) -> None:
        self.run_button.disabled = True
        self.progress.layout.visibility = "visible"
        self.progress.value = step
        self.progress.description = ""
        self.status.value = f"<i>{escape(message)}</i>"

    def _idle(self) -> None:
        self.run_button.disabled = False
        self.progress.value = self.progress.max
        self.progress.layout.visibility = "hidden"
        if self.error is not None:
            self.status.value = ""

    def _clear_outputs(self) -> None:
        self.error_box.value = ""
        self.result_box.value = ""
        self.raw_box.value = ""
        self.result_image.value = b""
        self.result_image.layout.display = "none"

    def _show_result(self, result, *, load_s: float) -> None:
        task = self.task
        text = self.text
        if task == "fill-mask" and self.pipeline.tokenizer is not None:
            text = _use_mask_token(text, self.pipeline.tokenizer.mask_token)
        self.result_box.value = results.result_html(task, result, text=text, context=self.context)
        self.raw_box.value = results.raw_html(result)
        picture = self._picture(task, result)
        if picture is not None:
            self.result_image.value = pictures.png_bytes(picture)
            self.result_image.layout.display = ""
        self.status.value = _status_html(self.pipeline, load_s, self.elapsed)

    def _picture(self, task: str, result):
        from ..tasks.images import to_image

        if task not in ("object-detection", "image-segmentation", "depth-estimation", "image-to-text",
                        "document-question-answering"):
            return None
        image = to_image(self.image)
        if task == "object-detection":
            return pictures.draw_boxes(image, result)
        if task == "image-segmentation":
            return pictures.overlay_masks(image, result)
        if task == "depth-estimation":
            return pictures.side_by_side(image, result["depth"])
        return image


def _check_type(name: str, value, what: str, *, allow_none: bool = True) -> None:
    """A TypeError that says what to pass, before a wrong type fails somewhere deep inside."""
    if isinstance(value, str) or (allow_none and value is None):
        return
    raise TypeError(f"TaskRunner({name}=...) takes {what}, not {type(value).__name__} ({value!r}).")


def _use_mask_token(text: str, mask_token: str | None) -> str:
    """Let a learner write <mask> or [MASK] whatever the model's own mask token is."""
    if not mask_token:
        return text
    for other in ("<mask>", "[MASK]"):
        text = text.replace(other, mask_token)
    return text


def _status_html(pipe, load_s: float, run_s: float) -> str:
    if pipe.is_standin:
        who = ("<span style='color:#b35c00'>⚠ 무작위 스탠드인(random stand-in)이 답했습니다: "
               "형식은 맞지만 값에는 의미가 없습니다 (format only, values mean nothing)</span>")
    else:
        who = f"<span style='color:#176b2c'>✔ 실제 모델(real model, {escape(pipe.source)})이 답했습니다</span>"
    return (f"<div>{who}<br><code>{escape(pipe.model_name)}</code> · {escape(type(pipe.model).__name__)} · "
            f"모델 준비(load) {load_s:.2f} s · 실행(run) {run_s:.2f} s</div>")


def _readable(err: BaseException) -> str:
    """One or two lines a learner can act on (no traceback)."""
    message = str(err).strip() or type(err).__name__
    lines = [line for line in message.splitlines() if line.strip()]
    short = " ".join(lines[:3])
    if len(short) > 600:
        short = short[:600] + "…"
    from ..tasks import InputError

    return short if isinstance(err, InputError) else f"{type(err).__name__}: {short}"


def _examples() -> dict:
    try:
        from .._paths import data_path

        return json.loads(Path(data_path("texts", "examples.json")).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


__all__ = ["TaskRunner"]
