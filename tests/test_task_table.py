"""hflab.tasks.table: one row per task, and every module reads it — so a new task is one row."""

from __future__ import annotations

import dataclasses

import hflab
import pytest
import transformers
from hflab import models
from hflab.tasks import table
from hflab.tasks.base import TaskPipeline
from hflab.tasks.factory import pipeline_class

KINDS = {table.TEXT, table.IMAGE, table.AUDIO, table.QUESTION_CONTEXT, table.IMAGE_QUESTION}


@pytest.mark.parametrize("info", list(table.TASKS.values()), ids=lambda info: info.name)
def test_every_row_is_complete_and_true(info):
    assert hasattr(transformers, info.model_class), info.model_class
    assert info.reads in KINDS
    assert any("\uac00" <= ch <= "\ud7a3" for ch in info.label)  # Korean
    assert info.display_name == f"{info.label} ({info.name})"
    offline, online = models.resolve(info.offline_default), models.resolve(info.default_hub_id)
    assert offline is not None and offline.serves(info.name), info.offline_default
    assert online is not None and online.serves(info.name) and online.hub_id == info.default_hub_id
    cls = pipeline_class(info.name)
    assert issubclass(cls, TaskPipeline)
    if info.pipeline_class is not None:  # hflab's own: transformers' four steps, each written for the task
        for step in ("_sanitize_parameters", "preprocess", "_forward", "postprocess"):
            assert getattr(cls, step) is not getattr(TaskPipeline, step), (cls, step)
    for alias in info.aliases:
        assert table.normalize_task(alias) == info.name


def test_every_catalog_entry_does_a_task_of_the_table():
    for entry in models.catalog():
        assert entry.task in table.TASKS and all(t in table.TASKS for t in entry.also_tasks), entry.key


def test_defaults_follow_the_table_offline_and_online(monkeypatch):
    assert models.default_for("sentiment-analysis").key == "sentiment"  # offline: the course's trained model
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(models, "_hub_reachable", True)
    assert models.default_for("sentiment-analysis").hub_id == table.task_info("text-classification").default_hub_id


def test_both_widgets_label_tasks_from_the_table():
    runner = hflab.TaskRunner()
    comparison = hflab.ModelComparison()
    for widget, name in ((runner, "TaskRunner"), (comparison, "ModelComparison")):
        assert list(widget.task_select.options) == [(i.display_name, i.name) for i in table.tasks_for(name)]
    shared = dict(runner.task_select.options).keys() & dict(comparison.task_select.options).keys()
    assert "개체명 인식 (token-classification)" in shared  # the two lists used to disagree on this label


def test_unknown_and_wrong_type_task_names():
    with pytest.raises(table.UnknownTaskError, match="Did you mean 'summarization'"):
        table.normalize_task("sumarization")
    with pytest.raises(TypeError, match="task name is a string"):
        table.normalize_task(123)
    from hflab.task_names import normalize_task  # the old import still works

    assert normalize_task("translation_en_to_fr") == "translation"


# --- a new task is one row ----------------------------------------------------------------------
class CountTokensPipeline(TaskPipeline):
    """A made-up task: how many tokens a text is, and the model's top next token after it."""

    def _sanitize_parameters(self, add_special_tokens=None):
        pre = {} if add_special_tokens is None else {"add_special_tokens": add_special_tokens}
        return pre, {}, {}

    def preprocess(self, text, add_special_tokens=True):
        return self.tokenizer(text, return_tensors="pt", add_special_tokens=add_special_tokens)

    def _forward(self, encoded):
        import torch

        with torch.no_grad():
            return {"ids": encoded["input_ids"], "logits": self.model(**encoded).logits}

    def postprocess(self, outputs):
        best = int(outputs["logits"][0, -1].argmax())
        return {"tokens": int(outputs["ids"].shape[1]), "next": self.tokenizer.decode([best])}


def test_a_new_task_is_one_row(monkeypatch):
    row = table.TaskInfo("token-count", "토큰 세기", "AutoModelForCausalLM", "openai-community/gpt2", "gpt2",
                         table.TEXT, ("tokens", "next"), f"{__name__}:CountTokensPipeline",
                         aliases=("count-tokens",))
    monkeypatch.setitem(table.TASKS, row.name, row)
    monkeypatch.setitem(table.ALIASES, "count-tokens", row.name)
    counter = hflab.pipeline("count-tokens")  # the default comes from the row
    assert isinstance(counter, CountTokensPipeline) and counter.model_name == "openai-community/gpt2"
    tokenizer = counter.tokenizer
    one = counter("Hello world")
    assert one["tokens"] == len(tokenizer("Hello world")["input_ids"]) and isinstance(one["next"], str)
    assert counter(["Hello world", "Hi"]) == [one, counter("Hi")]  # a list in, a list out: the base class
    assert counter("Hello world", add_special_tokens=False)["tokens"] == len(
        tokenizer("Hello world", add_special_tokens=False)["input_ids"])
    runner = hflab.TaskRunner("token-count")  # the widget offers it, with its label
    assert ("토큰 세기 (token-count)", "token-count") in runner.task_select.options
    assert runner.model == "gpt2" and runner.text_inputs.layout.display == ""


def test_rows_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        table.task_info("ner").label = "changed"
