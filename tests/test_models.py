"""The catalog: every entry loads offline, nothing touches the network, errors say what to do."""

from __future__ import annotations

import socket
from pathlib import Path

import hflab
import pytest
import torch
from hflab import models
from hflab._paths import atomic_dir, is_complete


def test_catalog_has_the_entries_the_course_needs():
    entries = models.catalog()
    assert len(entries) >= 20
    keys = {e.key for e in entries}
    assert {"minilm", "smollm2", "sentiment", "digits-vit", "digits-convnext"} <= keys
    hub_ids = {e.hub_id for e in entries}
    for seed_id in ("superb/hubert-base-superb-er", "openai/whisper-small", "facebook/wav2vec2-base-960h",
                    "google/vit-base-patch16-224", "facebook/convnext-tiny-224", "facebook/detr-resnet-50",
                    "google-t5/t5-small", "openai-community/gpt2", "distilbert/distilroberta-base",
                    "magorshunov/layoutlm-invoices"):
        assert seed_id in hub_ids, seed_id
    for e in entries:
        assert e.source in {"packaged", "trained", "tiny"}
        assert e.description and any("\uac00" <= ch <= "\ud7a3" for ch in e.description), e.key  # Korean


def test_catalog_filters_by_task_and_aliases():
    assert {e.key for e in models.catalog("sentiment-analysis")} >= {"sentiment", "distilbert-sst2"}
    assert {e.key for e in models.catalog("ner")} == {"bert-ner", "minilm-ner"}


def test_resolve_accepts_keys_hub_ids_and_old_ids():
    assert models.resolve("gpt2").key == "gpt2"
    assert models.resolve("openai-community/gpt2").key == "gpt2"
    assert models.resolve("T5-SMALL").key == "t5-small"
    assert models.resolve("no/such-model") is None


def test_unknown_key_error_suggests_alternatives():
    with pytest.raises(models.UnknownModelError) as err:
        models.load("minilmm")
    assert "minilm" in str(err.value) and "catalog" in str(err.value)


def test_hub_id_without_standin_offline_says_what_to_use():
    with pytest.raises(models.UnknownModelError) as err:
        models.load("someone/some-model-we-never-heard-of", offline=True)
    message = str(err.value)
    assert "offline" in message and "catalog key" in message


def test_empty_name_is_refused_clearly():
    with pytest.raises(models.UnknownModelError, match="catalog key or a Hub id"):
        models.load("  ")


def test_minilm_is_the_real_packaged_model():
    m = models.load("sentence-transformers/all-MiniLM-L6-v2")
    assert m.key == "minilm" and m.source == "packaged"
    assert m.model.config.num_hidden_layers == 6 and m.model.config.num_attention_heads == 12
    assert m.model.config._attn_implementation == "eager"
    enc = m.tokenizer(["A cat sits on the mat.", "A kitten rests on a rug.", "Stock prices fell sharply."],
                      return_tensors="pt", padding=True)
    with torch.no_grad():
        out = m.model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1)
    emb = torch.nn.functional.normalize((out * mask).sum(1) / mask.sum(1), dim=-1)
    # real weights: the two cat sentences are closer to each other than to the finance one
    assert emb[0] @ emb[1] > emb[0] @ emb[2] + 0.2


def test_memory_cache_returns_the_same_object():
    a = models.load("minilm")
    b = models.load("minilm")
    assert a is b


def test_smollm2_answers_paris():
    m = models.load("smollm2")
    assert m.source == "packaged"
    assert (models.home() / "packaged" / "smollm2" / "model.safetensors").exists()
    tok = m.tokenizer
    chat = [{"role": "user", "content": "What is the capital of France?"}]
    enc = tok.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    out = m.model.generate(**enc, max_new_tokens=12, do_sample=False)
    answer = tok.decode(out[0, enc["input_ids"].shape[1]:], skip_special_tokens=True)
    assert "Paris" in answer


def test_offline_loads_make_no_network_call(monkeypatch):
    """Every catalog entry answers offline with sockets blocked (builds first if needed)."""
    for e in models.catalog():
        if e.source == "tiny":
            models.local_folder(e)  # build outside the block: building itself is offline too,
    models.clear_memory_cache()  # but we want the loads themselves measured here

    def refuse(*args, **kwargs):
        raise AssertionError(f"network call attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for e in models.catalog():
        if e.source == "trained":
            continue  # trained entries are covered by tests/test_train.py (they train on first use)
        loaded = models.load(e.key, offline=True, quiet=True)
        assert loaded.source == e.source
        assert sum(p.numel() for p in loaded.model.parameters()) > 0
        models.clear_memory_cache()


def test_every_standin_load_says_so(capsys):
    for e in models.catalog():
        if e.source != "tiny":
            continue
        models.load(e.key, offline=True)
        line = capsys.readouterr().out
        assert f"random stand-in for {e.hub_id}" in line, e.key
    models.clear_memory_cache()


def test_atomic_dir_leaves_nothing_half_written(tmp_path):
    target = tmp_path / "built"
    with pytest.raises(KeyboardInterrupt), atomic_dir(target) as tmp:
        (tmp / "weights.bin").write_text("partial")
        raise KeyboardInterrupt
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
    with atomic_dir(target) as tmp:
        (tmp / "weights.bin").write_text("whole")
    assert is_complete(target) and (target / "weights.bin").read_text() == "whole"


_builds = []


def _record_build(out_dir):
    _builds.append(out_dir)
    (Path(out_dir) / "weights.bin").write_text(f"build {len(_builds)}")


def test_a_new_builder_revision_rebuilds_the_cached_folder(monkeypatch, tmp_path):
    import dataclasses

    from hflab.models.catalog import Entry

    monkeypatch.setenv("HFLAB_HOME", str(tmp_path))
    entry = Entry("toy", None, "text-classification", "trained", "test entry",
                  "AutoModel", "AutoTokenizer", f"{__name__}:_record_build")
    _builds.clear()
    folder = models.local_folder(entry)
    assert models.local_folder(entry) == folder and len(_builds) == 1  # cached: built once
    newer = dataclasses.replace(entry, revision=2)  # its recipe changed
    assert models.local_folder(newer) == folder and len(_builds) == 2
    assert (folder / "weights.bin").read_text() == "build 2"
    assert is_complete(folder, newer.stamp()) and not is_complete(folder, entry.stamp())
    models.local_folder(newer)
    assert len(_builds) == 2


def test_hflab_home_is_respected(monkeypatch, tmp_path):
    monkeypatch.setenv("HFLAB_HOME", str(tmp_path / "cache"))
    assert models.home() == tmp_path / "cache"
    assert (tmp_path / "cache").is_dir()


def test_setup_prints_one_banner_and_seeds(capsys):
    info = hflab.setup(seed=123)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    banner = out[0]
    for word in ("python", "torch", "transformers", "hflab", "device", "cache"):
        assert word in banner
    assert info["offline"] is True and info["device"] in ("cpu", "cuda")
    first = torch.rand(3)
    hflab.setup(seed=123, quiet=True)
    assert torch.equal(first, torch.rand(3))


def test_setup_gives_matplotlib_a_hangul_font():
    import matplotlib
    from matplotlib import font_manager

    info = hflab.setup(quiet=True)
    assert info["font"], "no Korean-capable font found: install fonts-nanum"
    font = font_manager.findfont(font_manager.FontProperties(family=matplotlib.rcParams["font.family"]))
    from matplotlib.ft2font import FT2Font

    assert FT2Font(font).get_char_index(ord("한")) != 0  # the glyph exists: no tofu boxes


def test_two_checkpoints_with_the_same_folder_name_are_two_models(tmp_path):
    """run_a/checkpoint-500 and run_b/checkpoint-500: the cache knows them by their whole path."""
    import json
    import shutil

    source = models.local_folder(models.resolve("distilbert-sst2"))
    for run, labels in (("run_a", ["NEGATIVE", "POSITIVE"]), ("run_b", ["BAD", "GOOD"])):
        folder = tmp_path / run / "checkpoint-500"
        shutil.copytree(source, folder)
        config = json.loads((folder / "config.json").read_text())
        config["id2label"] = dict(enumerate(labels))
        config["label2id"] = {label: i for i, label in enumerate(labels)}
        (folder / "config.json").write_text(json.dumps(config))
    a = models.load(str(tmp_path / "run_a" / "checkpoint-500"), task="text-classification")
    b = models.load(str(tmp_path / "run_b" / "checkpoint-500"), task="text-classification")
    assert a is not b and a.model is not b.model
    assert b.model.config.id2label[1] == "GOOD" and a.model.config.id2label[1] == "POSITIVE"
    assert b.path == str((tmp_path / "run_b" / "checkpoint-500").resolve()) and b.source == "local"
    assert models.load(str(tmp_path / "run_a" / "checkpoint-500"), task="text-classification") is a


def test_forget_drops_the_model_and_tells_the_caches_that_hold_it():
    first = models.load("gpt2", quiet=True)
    told = []
    models.on_forget(told.append)
    try:
        models.forget(first.model)
    finally:
        models._forget_hooks.remove(told.append)
    assert told == [first.model]
    assert models.loaded_of(first.model) is None
    again = models.load("gpt2", quiet=True)
    assert again.model is not first.model and models.loaded_of(again.model) is again


def test_one_record_says_what_loaded():
    vit = models.load("vit-base", quiet=True)
    assert vit.image_processor is vit.processor and vit.tokenizer is None  # an image model has no tokenizer
    whisper = models.load("whisper-small", quiet=True)
    assert whisper.tokenizer is whisper.processor.tokenizer
    assert whisper.feature_extractor is whisper.processor.feature_extractor
    assert whisper.is_standin and whisper.name == "openai/whisper-small"


# ---------------------------------------------------------------------------------------------
# real first: offline, a Hub id answers with a real model of its task; the stand-in on request
# ---------------------------------------------------------------------------------------------
def test_a_hub_id_offline_answers_with_a_real_model_and_says_so(capsys):
    loaded = models.load("openai/whisper-small", offline=True)
    line = capsys.readouterr().out
    assert loaded.source == "packaged" and loaded.key == "whisper-tiny-en" and not loaded.is_standin
    assert loaded.requested == "openai/whisper-small"
    assert "openai/whisper-small is not available offline" in line and "openai/whisper-tiny.en" in line
    assert line.count("\n") == 1  # one line, not a paragraph


def test_the_random_standin_stays_available_on_request(capsys):
    by_request = models.load("openai/whisper-small", offline=True, standin=True)
    by_key = models.load("whisper-small", offline=True)
    assert by_request.source == by_key.source == "tiny"
    assert type(by_request.model).__name__ == "WhisperForConditionalGeneration"
    assert "random stand-in for openai/whisper-small" in capsys.readouterr().out
    with pytest.raises(models.UnknownModelError, match="no random stand-in"):
        models.load("minilm", standin=True)


def test_a_hub_id_asks_for_the_real_model_of_its_own_family():
    """facebook/convnext-tiny-224 answers with the ConvNeXT trained here, ViT with the ViT."""
    assert models.real_for(models.resolve("facebook/convnext-tiny-224")).key == "digits-convnext"
    assert models.real_for(models.resolve("google/vit-base-patch16-224")).key == "digits-vit"
    assert models.real_for(models.resolve("distilbert/distilbert-base-uncased-finetuned-sst-2-english")).key \
        == "sentiment"


def test_every_real_substitute_can_do_the_task_it_answers_for():
    for entry in models.catalog():
        if entry.source != "tiny":
            continue
        for task in (entry.task, *entry.also_tasks):
            real = models.real_for(entry, task)
            if real is not None:
                assert real.source in ("packaged", "trained") and real.serves(task), (entry.key, task)
