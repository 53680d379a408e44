"""TaskRunner driven from Python: a text, an image and an audio task, errors inside the widget,
HTML escaping, uploads, and models kept between runs."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import hflab
import pytest
from hflab.recipes import scenes
from hflab.views import taskrunner as tr_module
from PIL import Image

XSS = "<img src=x onerror=alert(1)>"


def runner(task, model=None):
    tr = hflab.TaskRunner(task)
    if model is not None:
        tr.model = model
    return tr


def test_text_task_shows_label_bars_and_says_a_stand_in_answered():
    tr = runner("sentiment-analysis", "distilbert-sst2")
    tr.text = "What a lovely, helpful course!"
    result = tr.run()
    assert tr.error is None and result is tr.result
    assert {r["label"] for r in result} == {"POSITIVE", "NEGATIVE"}  # top_k=None: every label gets a bar
    assert tr.result_box.value.count("width:") >= 2 and "POSITIVE" in tr.result_box.value
    assert "stand-in" in tr.status.value and tr.is_standin is True
    assert tr.elapsed is not None and tr.elapsed >= 0
    assert "POSITIVE" in tr.raw_box.value
    assert tr.progress.layout.visibility == "hidden" and not tr.run_button.disabled


def test_model_is_cached_between_runs():
    tr = runner("sentiment-analysis", "distilbert-sst2")
    tr.run()
    first = tr.pipeline
    tr.text = "Another sentence."
    tr.run()
    assert tr.pipeline is first
    other = runner("sentiment-analysis", "distilbert-sst2")
    other.run()
    assert other.pipeline is first  # shared by every runner in the kernel


def test_task_switch_shows_the_right_inputs_and_models():
    tr = hflab.TaskRunner()
    tr.task = "question-answering"
    assert tr.qa_inputs.layout.display == "" and tr.text_inputs.layout.display == "none"
    assert tr.model == "minilm-qa"  # offline, the task's default is the reader trained here
    tr.task = "automatic-speech-recognition"
    assert tr.audio_inputs.layout.display == "" and tr.image_inputs.layout.display == "none"
    keys = [v for _, v in tr.model_select.options]
    assert {"wav2vec2-960h", "whisper-small", tr_module.HUB_CHOICE} <= set(keys)
    tr.model = "openai/whisper-small"  # a Hub id in the catalog selects its entry
    assert tr.model_select.value == "whisper-small"
    tr.model = "someone/their-model"
    assert tr.model_select.value == tr_module.HUB_CHOICE and tr.model == "someone/their-model"
    assert tr.hub_id_box.layout.display == ""


def test_question_answering_highlights_the_answer_in_its_context():
    tr = runner("question-answering")
    tr.question = "What is the name of the repository?"
    tr.context = "The name of the " + XSS + " repository is huggingface/transformers"
    result = tr.run()
    assert tr.error is None
    marked = tr.context[result["start"]:result["end"]]
    assert marked == result["answer"]
    assert "<mark" in tr.result_box.value
    assert XSS not in tr.result_box.value and "&lt;img src=x onerror=alert(1)&gt;" in tr.result_box.value


def test_image_task_draws_boxes_on_the_image():
    tr = runner("object-detection")
    # offline, scene-detr answers: trained on the course's synthetic scenes, it is shown a scene, not a photo
    assert tr.model_select.value == "scene-detr" and Path(str(tr.image)).name == "scene_1.png"
    result = tr.run()
    assert tr.error is None and result
    truth = {o["label"] for o in scenes.make_scene(scenes.EXAMPLE_SEED).objects}  # what scene_1.png shows
    assert truth & {d["label"] for d in result}, (truth, result)
    drawn = Image.open(io.BytesIO(tr.result_image.value))
    original = Image.open(tr.image).convert("RGB")
    assert drawn.size[0] / drawn.size[1] == original.size[0] / original.size[1]
    assert tr.result_image.layout.display == ""
    assert set(result[0]["box"]) == {"xmin", "ymin", "xmax", "ymax"}

    tr.model = "detr"  # the random DETR stand-in on a photo: run at threshold 0, so boxes exist, drawn on it
    tr.image = str(hflab.data_path("images", "cat.jpg"))
    result = tr.run()
    assert tr.error is None and result
    drawn = Image.open(io.BytesIO(tr.result_image.value))
    original = Image.open(tr.image).convert("RGB")
    original.thumbnail((640, 640))
    assert drawn.size == original.size and drawn.tobytes() != original.tobytes()


def test_segmentation_overlays_masks_and_depth_shows_a_map():
    tr = runner("image-segmentation")
    tr.run()
    assert tr.error is None and tr.result and len(tr.result_image.value) > 0
    tr.task = "depth-estimation"
    tr.run()
    assert tr.error is None and "depth" in tr.result
    picture = Image.open(io.BytesIO(tr.result_image.value))
    assert picture.width > picture.height  # the photo and its depth map side by side


def test_image_upload_is_used(tmp_path):
    tr = runner("image-classification")
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="PNG")
    content = buffer.getvalue()
    tr.image_upload.value = ({"name": "red.png", "type": "image/png", "size": len(content),
                              "content": memoryview(content),
                              "last_modified": datetime.datetime.now(datetime.timezone.utc)},)
    assert tr.image == content and len(tr.image_preview.value) > 0
    result = tr.run()
    assert tr.error is None and len(result) == 5


def test_audio_task_plays_the_clip_and_shows_bars():
    tr = runner("audio-classification", "hubert-er")  # the emotion stand-in, by its key
    tr.audio = str(hflab.data_path("audio", "emotion_sad.wav"))
    assert len(tr.audio_player.value) > 1000 and tr.audio_player.format == "wav"
    result = tr.run()
    assert tr.error is None
    assert {r["label"] for r in result} == {"neu", "hap", "ang", "sad"}
    assert tr.result_box.value.count("<span style='width:180px") == 4


def test_speech_recognition_shows_the_transcript():
    tr = runner("automatic-speech-recognition", "wav2vec2-960h")
    tr.audio = str(hflab.data_path("audio", "stereo_44k.wav"))
    result = tr.run()
    assert tr.error is None and isinstance(result["text"], str)
    assert "결과(output)" in tr.result_box.value


def test_errors_appear_inside_the_widget_without_a_traceback():
    tr = runner("sentiment-analysis", "distilbert-sst2")
    tr.text = ""
    assert tr.run() is None
    assert "empty" in tr.error
    assert "empty" in tr.error_box.value and "Traceback" not in tr.error_box.value
    assert tr.result_box.value == "" and not tr.run_button.disabled
    tr.task = "image-classification"
    tr.image = str(hflab.data_path("audio", "speech_asr.wav"))  # not an image
    tr.run()
    assert "not an image" in tr.error and "not an image" in tr.error_box.value
    tr.task = "sentiment-analysis"
    tr.model = "nobody/" + XSS
    tr.run()
    assert tr.error and XSS not in tr.error_box.value and "&lt;img" in tr.error_box.value


def test_model_output_is_escaped():
    """Text a model gives back (here the learner's own words, returned as entities) stays text."""
    tr = runner("ner", "bert-ner")
    tr.text = f"Mina Park wrote {XSS} in Seoul."
    tr.run()
    assert tr.error is None
    for box in (tr.result_box.value, tr.raw_box.value):
        assert "<img" not in box
    assert "&lt;img" in tr.result_box.value or "&lt;" in tr.raw_box.value


@pytest.mark.parametrize("task", ["summarization", "translation", "text-generation", "fill-mask",
                                  "image-to-text", "document-question-answering"])
def test_every_other_task_runs_in_the_widget(task):
    tr = runner(task, "gpt2" if task == "text-generation" else None)
    tr.run()
    assert tr.error is None, tr.error
    assert tr.result_box.value and tr.raw_box.value


def test_forgetting_a_model_drops_the_runners_pipeline():
    """After heads.prune or tokens.add, models.forget(model): the runner must not keep the changed model."""
    tr = runner("sentiment-analysis", "distilbert-sst2")
    tr.run()
    first = tr.pipeline
    hflab.models.forget(first.model)
    tr.run()
    assert tr.error is None and tr.pipeline is not first and tr.pipeline.model is not first.model


@pytest.mark.parametrize(("kwargs", "says"), [({"task": 123}, "task name"), ({"model": 5}, "catalog key"),
                                              ({"task": ["ner"]}, "task name")])
def test_a_wrong_argument_type_says_what_to_pass(kwargs, says):
    with pytest.raises(TypeError, match=says) as err:
        hflab.TaskRunner(**kwargs)
    assert "TaskRunner(" in str(err.value) and type(next(iter(kwargs.values()))).__name__ in str(err.value)
    tr = hflab.TaskRunner("ner")
    with pytest.raises(TypeError, match="task name"):
        tr.task = 7


def test_call_options_come_from_the_task_table():
    from hflab.tasks.table import task_info

    tr = runner("fill-mask")
    result = tr.run()
    assert tr.error is None and len(result) == task_info("fill-mask").call_options["top_k"]
