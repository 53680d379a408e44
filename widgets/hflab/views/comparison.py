"""`hflab.ModelComparison()`: pick models of one task, give inputs, press Compare, see them side by side.

Built from plain ipywidgets (no custom JavaScript). Everything the form does is reachable from
Python, which is how the tests drive it:

    >>> mc = hflab.ModelComparison(["sentiment", "distilbert-sst2"], ["What a lovely film!", "Cold soup."])
    >>> mc.compare()     # -> a hflab.compare.Comparison (also in mc.result); errors in mc.error
    >>> mc.similarity    # for two text models: their layer-by-layer CKA
    >>> mc = hflab.ModelComparison(["digits-vit", "digits-convnext"])   # digits picked from the test split
"""

from __future__ import annotations

import io
from html import escape

import ipywidgets as widgets

from ..tasks.table import IMAGE, normalize_task, task_info, tasks_for

DEFAULT_TEXTS = {
    "text-classification": ["What a lovely film, I would watch it again!", "The soup was cold and the waiter rude.",
                            "The battery lasts two days; I am impressed.", "The app crashes every time I open it."],
    "token-classification": ["Hugging Face is a French company based in New York City."],
    "fill-mask": ["Hugging Face is a community-based open-source <mask> for machine learning."],
    "text-generation": ["Hugging Face is a community-based open-source platform"],
    "feature-extraction": ["A lovely film with great actors.", "The soup was cold and the waiter rude."],
}
DEFAULT_MODELS = {"text-classification": ["sentiment", "distilbert-sst2"],
                  "image-classification": ["digits-vit", "digits-convnext"]}


def figure_png(figure) -> bytes:
    """A matplotlib figure as PNG bytes (for an ipywidgets.Image); the figure is closed."""
    import matplotlib.pyplot as plt

    from hflab._env import ensure_korean_font

    ensure_korean_font()  # Hangul labels, even without hflab.setup()

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _readable(err: BaseException) -> str:
    message = str(err).strip().strip("'\"") or type(err).__name__
    return f"{type(err).__name__}: {message}"


def _check_arguments(models, inputs, task) -> None:
    """A TypeError that says what to pass, before a wrong type fails somewhere deep inside."""
    from ..models import Loaded

    names = [models] if isinstance(models, (str, Loaded)) else models
    if models is not None and (not isinstance(names, (list, tuple))
                               or not all(isinstance(m, (str, Loaded)) for m in names)):
        raise TypeError(f"ModelComparison(models=...) takes catalog keys or Hub ids (a list of str, e.g. "
                        f"['sentiment', 'distilbert-sst2']) or hflab.models.load() results, not {models!r}.")
    if task is not None and not isinstance(task, str):
        raise TypeError(f"ModelComparison(task=...) takes a task name such as 'text-classification', "
                        f"not {type(task).__name__} ({task!r}).")
    if inputs is not None and isinstance(inputs, (int, float, bool, dict)):
        raise TypeError(f"ModelComparison(inputs=...) takes a text, an image or a list of them, "
                        f"not {type(inputs).__name__} ({inputs!r}).")


class ModelComparison(widgets.VBox):
    """A form: task, models (several), inputs, Compare; then the table, plots, and CKA or focus maps.

    Python attributes (read and write): task, models, inputs, runs, digit, digit_count.
    After compare(): result (a Comparison), similarity (CKA of the first two text models, or None),
    error (a readable message, or None).
    """

    def __init__(self, models=None, inputs=None, task: str | None = None, **layout):
        _check_arguments(models, inputs, task)
        self.result = None
        self.similarity = None
        self.error: str | None = None
        self._custom_images = None
        self._build_widgets()
        super().__init__(children=self._layout(), **layout)
        first = task or self._task_of(models) or "text-classification"
        if self.task_select.value == first:
            self._on_task({"new": first})  # the dropdown starts there, so no change event fires
        self.task = first
        if models is not None:
            self.models = [models] if isinstance(models, str) else list(models)
        if inputs is not None:
            self.inputs = inputs

    # --- public, Python-side -----------------------------------------------------------------
    @property
    def task(self) -> str:
        return self.task_select.value

    @task.setter
    def task(self, value: str) -> None:
        self.task_select.value = normalize_task(value)

    @property
    def models(self) -> list[str]:
        """The chosen catalog keys, then any extra Hub ids typed in the box (comma-separated)."""
        extra = [name.strip() for name in self.extra_box.value.split(",") if name.strip()]
        return list(self.model_select.value) + extra

    @models.setter
    def models(self, names) -> None:
        from .. import models as catalog

        keys = {key for _, key in self.model_select.options}
        chosen, extra = [], []
        for name in names:
            name = getattr(name, "key", name)  # a Loaded: its catalog key
            entry = catalog.resolve(name)
            (chosen if entry is not None and entry.key in keys else extra).append(entry.key if entry else name)
        self.model_select.value = tuple(chosen)
        self.extra_box.value = ", ".join(extra)

    @property
    def inputs(self) -> list:
        """Text tasks: the lines of the text box. Image tasks: the given images, or test digits from the picker."""
        if self._reads_images:
            return self._custom_images or self._picked_digits()[0]
        return [line.strip() for line in self.text_box.value.splitlines() if line.strip()]

    @inputs.setter
    def inputs(self, values) -> None:
        values = [values] if isinstance(values, str) or not isinstance(values, (list, tuple)) else list(values)
        if self._reads_images:
            self._custom_images = values or None
            self._show_preview()
        else:
            self.text_box.value = "\n".join(str(v) for v in values)

    @property
    def _reads_images(self) -> bool:
        return task_info(self.task).reads == IMAGE

    runs = property(lambda self: self.runs_slider.value, lambda self, v: setattr(self.runs_slider, "value", v))
    digit = property(lambda self: self.digit_slider.value, lambda self, v: setattr(self.digit_slider, "value", v))
    digit_count = property(lambda self: self.count_slider.value,
                           lambda self, v: setattr(self.count_slider, "value", v))

    def compare(self, *_):
        """Run the comparison and draw it. Returns the Comparison; on failure None, and `.error` says why."""
        from ..compare import compare

        self.result, self.similarity, self.error = None, None, None
        self._clear()
        self.status.value = "비교 중 (comparing)… 처음 쓰는 모델은 불러오거나 학습하느라 시간이 걸립니다."
        try:
            names = self.models
            if not names:
                raise ValueError("모델을 하나 이상 고르세요 (choose at least one model).")
            inputs, labels = self._inputs_and_labels()
            self.result = compare(names, inputs, task=self.task, runs=self.runs, labels=labels)
            self._show_result(names, inputs)
        except Exception as err:  # noqa: BLE001 - shown to the learner inside the widget
            self.error = _readable(err)
            self.error_box.value = (f"<div style='color:#a00;border:1px solid #a00;padding:6px;border-radius:4px'>"
                                    f"<b>오류(error)</b>: {escape(self.error)}</div>")
        finally:
            self.status.value = ""
        return self.result

    # --- building the form -------------------------------------------------------------------
    def _build_widgets(self) -> None:
        wide = widgets.Layout(width="95%")
        self.task_select = widgets.Dropdown(options=[(info.display_name, info.name)
                                                     for info in tasks_for("ModelComparison")],
                                            description="작업(task)", layout=wide)
        self.model_select = widgets.SelectMultiple(description="모델(models)", rows=6, layout=wide)
        self.extra_box = widgets.Text(description="Hub id", placeholder="다른 모델, 쉼표로 구분 (other ids, comma-separated)",
                                      layout=wide)
        self.text_box = widgets.Textarea(description="입력(inputs)", placeholder="한 줄에 하나씩 (one input per line)",
                                         layout=widgets.Layout(width="95%", height="110px"))
        self.digit_slider = widgets.IntSlider(description="숫자 #", min=0, max=359, value=0)
        self.count_slider = widgets.IntSlider(description="개수(count)", min=1, max=360, value=40)
        self.preview = widgets.Image(format="png", layout=widgets.Layout(width="96px"))
        self.image_inputs = widgets.HBox([widgets.VBox([self.digit_slider, self.count_slider]), self.preview])
        self.runs_slider = widgets.IntSlider(description="반복(runs)", min=1, max=20, value=5)
        self.button = widgets.Button(description="비교 (Compare)", button_style="primary", icon="balance-scale")
        self.status = widgets.HTML()
        self.error_box = widgets.HTML()
        self.table = widgets.HTML()
        self.latency_plot = widgets.Image(format="png")
        self.agreement_plot = widgets.Image(format="png")
        self.extra_title = widgets.HTML()
        self.extra_plot = widgets.Image(format="png")
        self.task_select.observe(self._on_task, names="value")
        self.digit_slider.observe(lambda _: self._show_preview(), names="value")
        self.button.on_click(self.compare)

    def _layout(self) -> list:
        plots = widgets.HBox([self.latency_plot, self.agreement_plot])
        return [self.task_select, self.model_select, self.extra_box, self.text_box, self.image_inputs,
                widgets.HBox([self.runs_slider, self.button]), self.status, self.error_box, self.table, plots,
                self.extra_title, self.extra_plot]

    def _on_task(self, change) -> None:
        from .. import models as catalog

        task = change["new"]
        self.model_select.options = [(f"{e.key} — {e.source}", e.key) for e in catalog.catalog(task)]
        defaults = [k for k in DEFAULT_MODELS.get(task, []) if k in {key for _, key in self.model_select.options}]
        self.model_select.value = tuple(defaults or [key for _, key in self.model_select.options][:2])
        is_image = task_info(task).reads == IMAGE
        self.text_box.layout.display = "none" if is_image else None
        self.image_inputs.layout.display = None if is_image else "none"
        if not is_image:
            self.text_box.value = "\n".join(DEFAULT_TEXTS.get(task, []))
        self._custom_images = None
        self._show_preview()
        self._clear()

    @staticmethod
    def _task_of(models) -> str | None:
        from .. import models as catalog

        first = models if isinstance(models, str) else (list(models)[0] if models else None)
        if isinstance(first, str):
            entry = catalog.resolve(first)
            task = entry.task if entry is not None else None
        else:
            task = getattr(first, "task", None)  # a Loaded
        offered = {info.name for info in tasks_for("ModelComparison")}
        return task if task in offered else None

    # --- inputs -------------------------------------------------------------------------------
    def _picked_digits(self):
        """`count` test digits from the picked one on (images, labels), wrapping round the split."""
        from ..train import digit_images

        if not hasattr(self, "_digits"):
            self._digits = digit_images("test")
        images, labels = self._digits
        indices = [(self.digit + i) % len(images) for i in range(self.digit_count)]
        return [images[i] for i in indices], [str(labels[i]) for i in indices]

    def _inputs_and_labels(self):
        if self._reads_images and not self._custom_images:
            return self._picked_digits()
        inputs = self.inputs
        if not inputs:
            raise ValueError("입력이 비어 있습니다 (type at least one input).")
        return inputs, None

    def _show_preview(self) -> None:
        if not self._reads_images:
            return
        from ..tasks.images import to_image

        image = to_image(self.inputs[0]).resize((96, 96))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        self.preview.value = buffer.getvalue()

    # --- results ------------------------------------------------------------------------------
    def _clear(self) -> None:
        self.error_box.value = self.table.value = self.extra_title.value = ""
        for image in (self.latency_plot, self.agreement_plot, self.extra_plot):
            image.value = b""

    def _show_result(self, names: list, inputs: list) -> None:
        self.table.value = self.result._repr_html_()
        self.latency_plot.value = figure_png(self.result.plot_latency_vs_size())
        self.agreement_plot.value = figure_png(self.result.plot_agreement())
        try:
            self._show_inside(names, inputs)
        except Exception as err:  # noqa: BLE001 - the table stands; say why the extra view is missing
            self.extra_title.value = f"<i>{escape(_readable(err))}</i>"

    def _show_inside(self, names: list, inputs: list) -> None:
        """Two text models: CKA of their hidden states. Image models: what each looks at."""
        from ..compare import cka, plot_focus

        if self._reads_images:
            self.extra_title.value = ("<b>무엇을 보는가 (what each model looks at)</b>: "
                                      "ViT = attention rollout, 그 밖의 모델 = gradient saliency")
            self.extra_plot.value = figure_png(plot_focus(names, inputs[0]))
        elif len(names) >= 2:
            self.similarity = cka(names[0], names[1], inputs)
            note = "" if len(names) == 2 else " (앞의 두 모델 / the first two models)"
            self.extra_title.value = f"<b>층별 은닉 상태 유사도 (linear CKA)</b>{escape(note)}"
            self.extra_plot.value = figure_png(self.similarity.plot())
