"""The tiny stand-ins: offline, each loads like its Hub checkpoint and runs the task it stands in for.

What a learner would notice if one broke: `hflab.models.load(key)` fails offline, loads a different
class than the real checkpoint, lacks a special token the notebook uses (``<mask>``, ``[CLS]``,
``<|en|>``...), shows made-up label names, changes between two builds, or the v5 pipeline for its
task (or ``generate`` / a forward pass where v5 dropped the pipeline) crashes on it.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import transformers
from hflab.models import catalog, clear_memory_cache, load, standins
from PIL import Image
from safetensors.torch import load_file

# key -> (model class, processor class) of the real Hub checkpoint, as transformers 5.x loads it.
# Image processors load as "<Name>Pil" when torchvision is missing; the name before that suffix counts.
REAL_CLASSES = {
    "hubert-er": ("HubertForSequenceClassification", "Wav2Vec2FeatureExtractor"),
    "whisper-small": ("WhisperForConditionalGeneration", "WhisperProcessor"),
    "wav2vec2-960h": ("Wav2Vec2ForCTC", "Wav2Vec2Processor"),
    "vit-base": ("ViTForImageClassification", "ViTImageProcessor"),
    "convnext-tiny": ("ConvNextForImageClassification", "ConvNextImageProcessor"),
    "detr": ("DetrForObjectDetection", "DetrImageProcessor"),
    "mask2former": ("Mask2FormerForUniversalSegmentation", "Mask2FormerImageProcessor"),
    "dpt": ("DPTForDepthEstimation", "DPTImageProcessor"),
    "distilbert-sst2": ("DistilBertForSequenceClassification", "DistilBertTokenizer"),
    "bert-ner": ("BertForTokenClassification", "BertTokenizer"),
    "distilbert-squad": ("DistilBertForQuestionAnswering", "DistilBertTokenizer"),
    "distilbart-cnn": ("BartForConditionalGeneration", "RobertaTokenizer"),  # v5: BartTokenizer is RobertaTokenizer
    "t5-small": ("T5ForConditionalGeneration", "T5Tokenizer"),
    "gpt2": ("GPT2LMHeadModel", "GPT2Tokenizer"),
    "distilroberta": ("RobertaForMaskedLM", "RobertaTokenizer"),
    "layoutlm-invoices": ("LayoutLMForQuestionAnswering", "RobertaTokenizer"),
    "blip-captioning": ("BlipForConditionalGeneration", "BlipProcessor"),
}

BERT_TOKENS = {"cls_token": "[CLS]", "sep_token": "[SEP]", "mask_token": "[MASK]", "pad_token": "[PAD]",
               "unk_token": "[UNK]"}
ROBERTA_TOKENS = {"bos_token": "<s>", "cls_token": "<s>", "eos_token": "</s>", "sep_token": "</s>",
                  "pad_token": "<pad>", "unk_token": "<unk>", "mask_token": "<mask>"}
SPECIAL_TOKENS = {
    "whisper-small": {"eos_token": "<|endoftext|>", "bos_token": "<|endoftext|>", "unk_token": "<|endoftext|>"},
    "wav2vec2-960h": {"pad_token": "<pad>", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
                      "word_delimiter_token": "|"},
    "distilbert-sst2": BERT_TOKENS,
    "bert-ner": BERT_TOKENS,
    "distilbert-squad": BERT_TOKENS,
    "distilbart-cnn": ROBERTA_TOKENS,
    "t5-small": {"eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"},
    "gpt2": {"eos_token": "<|endoftext|>", "bos_token": "<|endoftext|>", "unk_token": "<|endoftext|>"},
    "distilroberta": ROBERTA_TOKENS,
    "layoutlm-invoices": ROBERTA_TOKENS,
    "blip-captioning": {**BERT_TOKENS, "bos_token": "[DEC]"},
}

TINY_KEYS = sorted(REAL_CLASSES)


@pytest.fixture(scope="module", autouse=True)
def fresh_hflab_home(tmp_path_factory):
    """Build every stand-in into an empty cache, as on a new machine."""
    old = os.environ.get("HFLAB_HOME")
    os.environ["HFLAB_HOME"] = str(tmp_path_factory.mktemp("hflab_home"))
    clear_memory_cache()
    yield
    clear_memory_cache()
    if old is None:
        os.environ.pop("HFLAB_HOME", None)
    else:
        os.environ["HFLAB_HOME"] = old


def quiet_load(key):
    return load(key, quiet=True)


def photo(width=320, height=240, seed=0) -> Image.Image:
    """A random RGB picture: the stand-ins only need something the right shape."""
    pixels = np.random.default_rng(seed).integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def tone(seconds=1.0, hz=440.0, rate=16000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def builder_of(entry):
    module, _, name = entry.builder.partition(":")
    return getattr(importlib.import_module(module), name)


# ---------------------------------------------------------------------------------------------
# every stand-in: loads offline, same classes and special tokens as the real one, deterministic
# ---------------------------------------------------------------------------------------------
def test_every_tiny_catalog_entry_is_covered_here():
    tiny = {e.key for e in catalog() if e.source == "tiny"}
    assert tiny == set(REAL_CLASSES)


@pytest.mark.parametrize("key", TINY_KEYS)
def test_loads_offline_and_says_it_is_a_standin(key, capsys):
    loaded = load(key)
    entry = next(e for e in catalog() if e.key == key)
    said = capsys.readouterr().out
    assert f"'{key}' is a random stand-in for {entry.hub_id}" in said
    assert loaded.source == "tiny" and loaded.is_standin
    model_class, processor_class = REAL_CLASSES[key]
    assert type(loaded.model).__name__ == model_class
    assert type(loaded.processor).__name__.removesuffix("Pil") == processor_class
    assert not loaded.model.training
    n_params = sum(p.numel() for p in loaded.model.parameters())
    assert n_params < 3_000_000, f"{key} is not tiny: {n_params:,} parameters"


@pytest.mark.parametrize("key", sorted(SPECIAL_TOKENS))
def test_special_tokens_match_the_real_checkpoint(key):
    tokenizer = quiet_load(key).tokenizer
    for attribute, token in SPECIAL_TOKENS[key].items():
        assert str(getattr(tokenizer, attribute)) == token, attribute
        assert tokenizer.convert_tokens_to_ids(token) != tokenizer.unk_token_id or token == tokenizer.unk_token


def test_bert_uncased_standins_share_bert_base_uncased_ids():
    for key in ("distilbert-sst2", "blip-captioning"):
        tokenizer = quiet_load(key).tokenizer
        ids = tokenizer.convert_tokens_to_ids(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
        assert ids == [0, 100, 101, 102, 103]
        assert tokenizer.tokenize("Hello World") == ["hello", "world"]


def test_cased_tokenizers_keep_case():
    for key in ("bert-ner", "distilbert-squad"):
        tokens = quiet_load(key).tokenizer.tokenize("Paris London")
        assert tokens[0][0] == "P" and any(t.startswith("L") for t in tokens)


def test_whisper_tokens_languages_tasks_and_timestamps():
    tokenizer = quiet_load("whisper-small").tokenizer
    special = set(tokenizer.all_special_tokens)
    for token in ("<|startoftranscript|>", "<|en|>", "<|ko|>", "<|translate|>", "<|transcribe|>",
                  "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>", "<|notimestamps|>"):
        assert token in special
    assert len([t for t in special if len(t) in (6, 7) and t.startswith("<|") and t[2:-2].isalpha()]) == 99
    no_timestamps = tokenizer.convert_tokens_to_ids("<|notimestamps|>")
    assert tokenizer.convert_tokens_to_ids("<|0.00|>") == no_timestamps + 1
    assert tokenizer.convert_tokens_to_ids("<|30.00|>") == no_timestamps + 1501
    generation = quiet_load("whisper-small").model.generation_config
    assert generation.lang_to_id["<|en|>"] == tokenizer.convert_tokens_to_ids("<|en|>")
    assert generation.task_to_id == {"transcribe": tokenizer.convert_tokens_to_ids("<|transcribe|>"),
                                     "translate": tokenizer.convert_tokens_to_ids("<|translate|>")}
    assert generation.no_timestamps_token_id == no_timestamps


def test_wav2vec2_has_the_real_character_vocabulary():
    tokenizer = quiet_load("wav2vec2-960h").tokenizer
    vocab = tokenizer.get_vocab()
    assert len(vocab) == 32 and vocab["|"] == 4 and vocab["E"] == 5 and vocab["'"] == 27
    assert set("ABCDEFGHIJKLMNOPQRSTUVWXYZ") <= set(vocab)


def test_t5_has_100_sentinels():
    tokenizer = quiet_load("t5-small").tokenizer
    sentinels = [f"<extra_id_{i}>" for i in range(100)]
    assert all(s in tokenizer.get_vocab() for s in sentinels)
    assert tokenizer("<extra_id_0>", add_special_tokens=False)["input_ids"] == [
        tokenizer.convert_tokens_to_ids("<extra_id_0>")]
    assert [tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id] == [0, 1, 2]
    assert tokenizer.convert_tokens_to_ids("<extra_id_0>") == len(tokenizer) - 1  # T5's layout: counted down
    assert tokenizer.convert_tokens_to_ids("<extra_id_99>") == len(tokenizer) - 100


def test_label_maps_are_the_real_ones():
    def labels(key):
        id2label = quiet_load(key).model.config.id2label
        return [id2label[i] for i in range(len(id2label))]

    assert labels("distilbert-sst2") == ["NEGATIVE", "POSITIVE"]
    assert labels("bert-ner") == ["O", "B-MISC", "I-MISC", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
    assert labels("hubert-er") == ["neu", "hap", "ang", "sad"]
    for key in ("vit-base", "convnext-tiny"):
        imagenet = labels(key)
        assert len(imagenet) == 1000 and imagenet[0] == "tench, Tinca tinca"
        assert imagenet[281] == "tabby, tabby cat" and imagenet[999].startswith("toilet tissue")
    coco = labels("detr")
    assert len(coco) == 91 and coco[1] == "person" and coco[12] == "N/A" and coco[90] == "toothbrush"
    panoptic = labels("mask2former")
    assert len(panoptic) == 133 and panoptic[0] == "person" and panoptic[132] == "rug-merged"


@pytest.mark.parametrize("key", TINY_KEYS)
def test_two_builds_are_identical(key, tmp_path):
    entry = next(e for e in catalog() if e.key == key)
    build = builder_of(entry)
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
        build(folder)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert "model.safetensors" in names and "config.json" in names
    weights_a, weights_b = load_file(first / "model.safetensors"), load_file(second / "model.safetensors")
    assert weights_a.keys() == weights_b.keys()
    for name in weights_a:
        assert torch.equal(weights_a[name], weights_b[name]), name
    for name in names:
        if name != "model.safetensors":
            assert (first / name).read_bytes() == (second / name).read_bytes(), name


def trained_vocabularies():
    """Every vocabulary the stand-ins learn from the corpus, as plain JSON-able data."""
    bpe_vocab, bpe_merges = standins.train_byte_bpe(2000, tuple(standins.ROBERTA_SPECIALS))
    return {"byte_bpe": [bpe_vocab, [list(m) for m in bpe_merges]],
            "wordpiece": standins.train_wordpiece(3000, lowercase=False),
            "unigram": [list(piece) for piece in standins.train_unigram(2000)]}


def test_tokenizer_training_gives_the_same_vocabulary_in_a_new_process():
    # In one process the trained vocabularies are cached, so only a second process shows whether
    # training itself is repeatable (hash-map order or threads must not decide ties).
    code = ("import json, sys; sys.path.insert(0, {tests!r}); import test_standins as t; "
            "print(json.dumps(t.trained_vocabularies()))").format(tests=str(Path(__file__).parent))
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert json.loads(fresh.stdout.strip().splitlines()[-1]) == json.loads(json.dumps(trained_vocabularies()))


# ---------------------------------------------------------------------------------------------
# the v5 pipelines run on each stand-in
# ---------------------------------------------------------------------------------------------
def test_audio_classification_pipeline():
    loaded = quiet_load("hubert-er")
    classify = transformers.pipeline("audio-classification", model=loaded.model, feature_extractor=loaded.processor)
    result = classify(tone(), top_k=4)
    assert sorted(r["label"] for r in result) == sorted(["neu", "hap", "ang", "sad"])
    assert abs(sum(r["score"] for r in result) - 1.0) < 1e-4


@pytest.mark.parametrize("key", ["wav2vec2-960h", "whisper-small"])
def test_speech_recognition_pipeline(key):
    loaded = quiet_load(key)
    asr = transformers.pipeline("automatic-speech-recognition", model=loaded.model,
                                tokenizer=loaded.processor.tokenizer,
                                feature_extractor=loaded.processor.feature_extractor)
    result = asr({"raw": tone(2.0), "sampling_rate": 16000})
    assert isinstance(result["text"], str)
    if key == "wav2vec2-960h":  # CTC output spells with the 32-entry vocabulary (v5 keeps <s>/</s> in it)
        letters = result["text"].replace("</s>", "").replace("<s>", "").replace("<unk>", "")
        assert set(letters) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ' ")


def test_whisper_generates_with_language_and_task():
    loaded = quiet_load("whisper-small")
    features = loaded.processor(tone(1.0), sampling_rate=16000, return_tensors="pt").input_features
    assert features.shape == (1, 80, 3000)  # 30 s of 10 ms frames, as whisper-small expects
    out = loaded.model.generate(features, language="en", task="transcribe", return_dict_in_generate=True)
    prompt = ["<|startoftranscript|>", "<|en|>", "<|transcribe|>", "<|notimestamps|>"]
    assert out.sequences[0, :4].tolist() == loaded.tokenizer.convert_tokens_to_ids(prompt)
    assert out.sequences.shape[1] <= 4 + standins.MAX_NEW_TOKENS
    french = loaded.model.generate(features, language="fr", task="translate", return_dict_in_generate=True)
    assert french.sequences[0, 1:3].tolist() == loaded.tokenizer.convert_tokens_to_ids(["<|fr|>", "<|translate|>"])


@pytest.mark.parametrize("key", ["vit-base", "convnext-tiny"])
def test_image_classification_pipeline(key):
    loaded = quiet_load(key)
    classify = transformers.pipeline("image-classification", model=loaded.model, image_processor=loaded.processor)
    result = classify(photo(), top_k=5)
    imagenet = set(loaded.model.config.id2label.values())
    assert len(result) == 5 and all(r["label"] in imagenet for r in result)


def test_object_detection_pipeline():
    loaded = quiet_load("detr")
    detect = transformers.pipeline("object-detection", model=loaded.model, image_processor=loaded.processor)
    result = detect(photo(), threshold=0.0)
    coco = set(loaded.model.config.id2label.values())
    assert len(result) >= 1 and all(r["label"] in coco for r in result)
    assert set(result[0]["box"]) == {"xmin", "ymin", "xmax", "ymax"}


def test_panoptic_segmentation_pipeline():
    loaded = quiet_load("mask2former")
    segment = transformers.pipeline("image-segmentation", model=loaded.model, image_processor=loaded.processor)
    image = photo()
    # Random weights put every mask near probability 0.5, under the default 0.5 cut: lower both cuts.
    result = segment(image, subtask="panoptic", threshold=0.0, mask_threshold=0.0)
    panoptic = set(loaded.model.config.id2label.values())
    assert len(result) >= 1 and all(r["label"] in panoptic for r in result)
    assert result[0]["mask"].size == image.size


def test_depth_estimation_pipeline():
    loaded = quiet_load("dpt")
    depth = transformers.pipeline("depth-estimation", model=loaded.model, image_processor=loaded.processor)
    image = photo()
    result = depth(image)
    assert result["depth"].size == image.size
    assert result["predicted_depth"].ndim >= 2


def test_text_classification_pipeline():
    loaded = quiet_load("distilbert-sst2")
    classify = transformers.pipeline("text-classification", model=loaded.model, tokenizer=loaded.processor)
    result = classify("I love this little cafe.")
    assert result[0]["label"] in {"NEGATIVE", "POSITIVE"}


def test_token_classification_pipeline():
    loaded = quiet_load("bert-ner")
    tag = transformers.pipeline("token-classification", model=loaded.model, tokenizer=loaded.processor,
                                ignore_labels=[])
    sentence = "Sarah Johnson works for the United Nations in Paris."
    result = tag(sentence)
    assert len(result) >= len(sentence.split())
    assert all(r["entity"] in loaded.model.config.label2id for r in result)
    assert all(sentence[r["start"]:r["end"]] == r["word"].removeprefix("##") for r in result)


def test_fill_mask_pipeline():
    loaded = quiet_load("distilroberta")
    fill = transformers.pipeline("fill-mask", model=loaded.model, tokenizer=loaded.processor)
    result = fill("The capital of France is <mask>.", top_k=3)
    assert len(result) == 3 and all("<mask>" not in r["sequence"] for r in result)


def test_text_generation_pipeline():
    loaded = quiet_load("gpt2")
    generate = transformers.pipeline("text-generation", model=loaded.model, tokenizer=loaded.processor)
    prompt = "The weather today is"
    result = generate(prompt, max_new_tokens=5, do_sample=False)
    assert result[0]["generated_text"].startswith(prompt)
    assert len(result[0]["generated_text"]) > len(prompt)


def test_document_question_answering_pipeline():
    loaded = quiet_load("layoutlm-invoices")
    ask = transformers.pipeline("document-question-answering", model=loaded.model, tokenizer=loaded.processor)
    words = ["Invoice", "number", "4471", "Date", "March", "3", "Total", "845", "dollars"]
    boxes = [[40 + 90 * (i % 3), 50 + 60 * (i // 3), 120 + 90 * (i % 3), 80 + 60 * (i // 3)] for i in range(9)]
    result = ask(image=photo(400, 300), question="What is the total?", word_boxes=list(zip(words, boxes, strict=True)))
    answer = result[0] if isinstance(result, list) else result
    assert set(answer["answer"].split()) <= set(words)
    assert 0 <= answer["start"] <= answer["end"] < len(words)


# ---------------------------------------------------------------------------------------------
# tasks v5 has no pipeline for any more: the model classes still run
# ---------------------------------------------------------------------------------------------
def test_extractive_qa_forward_pass():
    loaded = quiet_load("distilbert-squad")
    inputs = loaded.tokenizer("Where is the library?", "The library is on Elm Street.", return_tensors="pt")
    with torch.no_grad():
        out = loaded.model(**inputs)
    assert out.start_logits.shape == out.end_logits.shape == inputs["input_ids"].shape


def test_summarization_generates():
    loaded = quiet_load("distilbart-cnn")
    text = "The city council met on Tuesday to discuss the budget and agreed to spend more on parks."
    inputs = loaded.tokenizer(text, return_tensors="pt")
    ids = loaded.model.generate(**inputs)
    assert ids[0, 0].item() == loaded.model.generation_config.decoder_start_token_id
    assert ids.shape[1] <= 1 + standins.MAX_NEW_TOKENS
    assert isinstance(loaded.tokenizer.decode(ids[0], skip_special_tokens=True), str)


def test_translation_generates_from_a_t5_prefix():
    loaded = quiet_load("t5-small")
    prefix = loaded.model.config.task_specific_params["translation_en_to_de"]["prefix"]
    inputs = loaded.tokenizer(prefix + "The house is wonderful.", return_tensors="pt")
    assert inputs["input_ids"][0, -1].item() == loaded.tokenizer.eos_token_id
    ids = loaded.model.generate(**inputs)
    assert ids[0, 0].item() == 0 and ids.shape[1] <= 1 + standins.MAX_NEW_TOKENS


def test_captioning_generates():
    loaded = quiet_load("blip-captioning")
    inputs = loaded.processor(images=photo(), return_tensors="pt")
    assert inputs["pixel_values"].shape == (1, 3, 384, 384)
    ids = loaded.model.generate(**inputs, max_new_tokens=8)
    assert ids[0, 0].item() == loaded.tokenizer.convert_tokens_to_ids("[DEC]")
    assert ids.shape[1] <= 1 + 8
    assert isinstance(loaded.processor.decode(ids[0], skip_special_tokens=True), str)


def test_standins_module_has_a_builder_per_tiny_entry():
    for entry in catalog():
        if entry.source == "tiny":
            module, _, name = entry.builder.partition(":")
            assert module == standins.__name__ and callable(getattr(standins, name)), entry.key


def test_builds_write_into_the_given_folder_only(tmp_path):
    target = tmp_path / "gpt2"
    target.mkdir()
    standins.build_gpt2(target)
    assert {p.name for p in tmp_path.iterdir()} == {"gpt2"}
    assert (target / "generation_config.json").exists()
    assert transformers.AutoConfig.from_pretrained(Path(target)).model_type == "gpt2"
