"""The course's data/ folder: every file a notebook opens is there, decodes, and says what it should."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

DATA = Path(__file__).resolve().parents[1] / "data"

IMAGES = ["cat.jpg", "astronaut.jpg", "coffee.jpg", "rocket.jpg"]
CLIPS = ["speech_asr.wav", "speech_weather.wav", "emotion_happy.wav", "emotion_sad.wav",
         "emotion_angry.wav", "long_story.wav", "stereo_44k.wav", "speech_korean.wav"]
DOCUMENTS = ["invoice.png", "receipt.png"]
SCRIPTS = ["make_images.py", "make_audio.py", "make_document.py"]
EXPECTED = (
    ["README.md"] + SCRIPTS
    + [f"images/{name}" for name in IMAGES]
    + [f"audio/{name}" for name in CLIPS] + ["audio/transcripts.json"]
    + [f"documents/{name}" for name in DOCUMENTS]
    + ["texts/examples.json", "sentiment/train.jsonl", "sentiment/test.jsonl"]
)
DOMAINS = {"film", "product", "restaurant", "service", "book", "app"}
LABELS = {"POSITIVE", "NEGATIVE"}


@pytest.mark.parametrize("relative", EXPECTED)
def test_listed_file_exists_and_is_not_empty(relative):
    path = DATA / relative
    assert path.is_file(), f"data/{relative} is missing"
    assert path.stat().st_size > 0, f"data/{relative} is empty"


def test_readme_mentions_every_top_level_entry():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for entry in sorted(p.name for p in DATA.iterdir() if not p.name.startswith((".", "__"))):
        if entry != "README.md":
            assert entry in readme, f"data/README.md does not describe {entry}"


def test_data_folder_stays_small():
    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert total < 8 * 1024 * 1024, f"data/ is {total / 2**20:.1f} MB; keep it under 8 MB"


# --- images -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", IMAGES)
def test_photo_opens_as_a_modest_rgb_jpeg(name):
    path = DATA / "images" / name
    with Image.open(path) as image:
        image.load()
        assert image.format == "JPEG"
        assert image.mode == "RGB"
        assert min(image.size) >= 224, "smaller than a vision model's input"
    assert path.stat().st_size <= 100_000


# --- audio --------------------------------------------------------------------------------------

def transcripts() -> dict:
    return json.loads((DATA / "audio" / "transcripts.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", CLIPS)
def test_clip_decodes_in_its_declared_format(name):
    waveform, rate = sf.read(DATA / "audio" / name, always_2d=True)  # [frames, channels]
    if name == "stereo_44k.wav":
        assert (rate, waveform.shape[1]) == (44_100, 2), "the resampling demo needs 44.1 kHz stereo"
    else:
        assert (rate, waveform.shape[1]) == (16_000, 1), "speech models expect 16 kHz mono"
    seconds = waveform.shape[0] / rate
    assert 2 <= seconds <= 40
    # actual speech, not silence: a clip this loud somewhere and not clipped flat
    assert 0.2 < np.abs(waveform).max() <= 1.0
    meta = transcripts()[name]
    assert (meta["sampling_rate"], meta["channels"]) == (rate, waveform.shape[1])
    assert meta["seconds"] == pytest.approx(seconds, abs=0.05)


def test_long_clip_needs_chunking():
    info = sf.info(DATA / "audio" / "long_story.wav")
    assert info.duration > 20, "too short to show chunked transcription"


def test_transcripts_cover_exactly_the_clips():
    wavs = {p.name for p in (DATA / "audio").glob("*.wav")}
    table = transcripts()
    assert set(table) == wavs == set(CLIPS)
    for name, meta in table.items():
        assert len(meta["text"].split()) >= 5, f"{name} has no real transcript"


# --- documents ----------------------------------------------------------------------------------

def ocr(path: Path) -> str:
    import pytesseract

    with Image.open(path) as image:
        return pytesseract.image_to_string(image)


def test_invoice_ocrs_to_text_with_its_total():
    text = ocr(DATA / "documents" / "invoice.png")
    assert re.search(r"Total amount:\s*17,000", text), text
    assert "2024-0117" in text  # invoice number
    assert "2024-03-15" in text  # date


def test_receipt_ocrs_to_text_with_its_total():
    text = ocr(DATA / "documents" / "receipt.png")
    assert re.search(r"Total\s+25,000", text), text


# --- texts --------------------------------------------------------------------------------------

def examples() -> dict:
    return json.loads((DATA / "texts" / "examples.json").read_text(encoding="utf-8"))


def test_examples_have_an_input_for_every_text_task():
    texts = examples()
    for key in ("sentiment", "ner", "summarization", "translation", "generation_prompt", "fill_mask"):
        assert isinstance(texts[key], str) and texts[key].strip(), key
    qa = texts["qa"]
    assert qa["question"].endswith("?")
    assert qa["answer"] in qa["context"], "an extractive answer must be a span of the context"
    assert texts["fill_mask"].count("<mask>") == 1
    assert texts["translation"].startswith("translate English to French: ")


def test_long_text_is_long_enough_for_truncation_demos():
    words = examples()["long_text"].split()
    assert len(words) > 2000, len(words)


# --- sentiment ----------------------------------------------------------------------------------

def split(name: str) -> list[dict]:
    lines = (DATA / "sentiment" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize("name,minimum", [("train", 3700), ("test", 160)])
def test_sentiment_split_is_big_balanced_and_covers_every_domain(name, minimum):
    rows = split(name)
    assert len(rows) >= minimum
    for row in rows:
        assert set(row) == {"text", "label", "domain"}
        assert row["label"] in LABELS and row["domain"] in DOMAINS
        assert re.search("[A-Za-z]", row["text"]) and len(row["text"].split()) <= 40, row
    # a few one-word reviews ("Avoid.") are real, but sentences make up the data set
    assert sum(len(row["text"].split()) < 3 for row in rows) <= 0.01 * len(rows)
    labels = Counter(row["label"] for row in rows)
    assert abs(labels["POSITIVE"] - labels["NEGATIVE"]) <= 0.02 * len(rows), labels
    domains = Counter(row["domain"] for row in rows)
    assert set(domains) == DOMAINS
    # roughly balanced by domain too: no domain under half its fair share
    assert min(domains.values()) >= 0.5 * len(rows) / len(DOMAINS), domains
    for domain in DOMAINS:
        in_domain = Counter(row["label"] for row in rows if row["domain"] == domain)
        assert in_domain["POSITIVE"] and in_domain["NEGATIVE"], domain


def normalized(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def test_sentiment_has_no_duplicates_and_no_test_sentence_in_train():
    train, test = split("train"), split("test")
    for rows in (train, test):
        keys = [normalized(row["text"]) for row in rows]
        assert len(keys) == len(set(keys)), [k for k, n in Counter(keys).items() if n > 1]
    overlap = {normalized(r["text"]) for r in train} & {normalized(r["text"]) for r in test}
    assert not overlap, overlap


def test_sentiment_sentences_vary_in_length_and_wording():
    rows = split("train") + split("test")
    lengths = [len(row["text"].split()) for row in rows]
    assert min(lengths) <= 5 and max(lengths) >= 20
    # not one template with swapped words: the first three words of sentences rarely repeat
    openings = Counter(" ".join(normalized(row["text"]).split()[:3]) for row in rows)
    assert openings.most_common(1)[0][1] <= 0.03 * len(rows), openings.most_common(3)
    vocabulary = {word for row in rows for word in normalized(row["text"]).split()}
    assert len(vocabulary) > 1500
