"""`hflab.recipes.keywords`: a spoken-keyword classifier on the real Whisper tiny.en encoder.

The model is 🤗 `WhisperForAudioClassification`, the "audio classification head" of the seed:

    2 s of audio -> log-mel [80, 200] -> Whisper tiny.en encoder (real weights, frozen) -> [100, 384]
    -> last hidden state -> projector (linear, 384 -> 256) -> mean over the 100 frames
    -> classifier (linear) -> 12 keyword logits

Whisper reads 30 s windows; a keyword lasts under a second, so the window here is 2 s
(`WhisperFeatureExtractor(chunk_length=2)`, 200 mel frames, `max_source_positions=100`, the first
100 rows of the pretrained position table). The audio-classification pipeline pads or cuts every
clip to that window, as the feature extractor does for 30 s.

The clips are spoken by espeak-ng at build time: 12 command words, many voices, speeds and pitches,
noise at several signal-to-noise ratios and random time shifts. The test split uses voices, voice
variants, speeds and pitches that no training clip uses. Because the encoder is frozen, its
hidden states are computed once per clip and `Trainer` trains only the head; projector and mean
are both linear, so pooling before the projector gives exactly the full model's logits (checked
at the end of `build`).

    >>> loaded = hflab.models.load("keywords")
    >>> hflab.pipeline("audio-classification", model="keywords")(hflab.data_path("audio", "keywords", "left.wav"))
"""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np
import torch
from torch import nn

WORDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go", "start", "help")
RATE = 16_000  # what Whisper hears
WINDOW_S = 2  # seconds of audio the model reads; longer clips are cut, shorter ones padded with silence
SEED = 0

# Who speaks what. An espeak-ng voice is an accent ("en-gb-scotland") plus an optional variant
# ("+f3": another timbre and pitch range). The test split shares none of them with train, and none
# of its speeds (words per minute) or pitches (0-99): it measures what a new speaker gets.
TRAIN_ACCENTS = ("en-us", "en-gb", "en-gb-x-rp", "en-gb-scotland", "en-029")
TRAIN_VARIANTS = ("", "m1", "m2", "m3", "m5", "f1", "f2", "f4")
TRAIN_SPEEDS = (120, 145, 170, 195)
TRAIN_PITCHES = (25, 40, 55, 70, 85)
TEST_ACCENTS = ("en-us-nyc", "en-gb-x-gbcwmd")
TEST_VARIANTS = ("m4", "m6", "f3", "f5")
TEST_SPEEDS = (133, 182)
TEST_PITCHES = (33, 63)
# The fresh examples in data/audio/keywords/ come from a third accent and variant, in neither split.
EXAMPLE_VOICE, EXAMPLE_SPEED, EXAMPLE_PITCH = "en-gb-x-gbclan+m7", 160, 48
EXAMPLE_WORDS = ("left", "stop", "yes", "go")

SNRS_DB = (30, 20, 12, 6)  # speech-to-noise ratios the noisy copies are mixed at
CLEAN_SHARE = 0.25  # a quarter of the clips keep no added noise
AT_START_SHARE = 0.3  # this share starts right at 0 s, as a recording made for the model usually does
PHONE_SHARE = 0.2  # this share passes through 8 kHz (a telephone's band), so 8 kHz recordings work too
TRAIN_PER_WORD = 110
TEST_PER_WORD = 20

# Chosen by leave-one-accent-out cross-validation on the train clips (benchmarks/recipe_keywords.py):
# the last layer alone beat a learned weighted sum of all 5 (0.943 vs 0.932); projector size, rate
# and epochs moved it by under 0.006, so the cheapest of the best (20 epochs, 0.948) was kept.
HEAD = dict(use_weighted_layer_sum=False, classifier_proj_size=256)
TRAINING = dict(num_train_epochs=20, learning_rate=3e-3, per_device_train_batch_size=64, weight_decay=0.01)


# ---------------------------------------------------------------------------------------------
# the clips
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Take:
    """One clip to synthesize: which word, said how, and what happens to it afterwards."""

    word: str
    voice: str  # espeak-ng voice, e.g. "en-gb+f2"
    speed: int  # words per minute
    pitch: int  # 0-99
    snr_db: float | None  # None: no added noise
    start_s: float  # where the word starts inside the window
    phone: bool  # through an 8 kHz band first
    noise_seed: int


def plan(split: str, seed: int = SEED) -> list[Take]:
    """The takes of a split ("train" or "test"), the same list every time for the same seed."""
    if split not in ("train", "test"):
        raise ValueError(f'split must be "train" or "test", not {split!r}')
    train = split == "train"
    accents, variants = (TRAIN_ACCENTS, TRAIN_VARIANTS) if train else (TEST_ACCENTS, TEST_VARIANTS)
    speeds, pitches = (TRAIN_SPEEDS, TRAIN_PITCHES) if train else (TEST_SPEEDS, TEST_PITCHES)
    per_word = TRAIN_PER_WORD if train else TEST_PER_WORD
    rng = np.random.default_rng([seed, 0 if train else 1])
    takes = []
    for word in WORDS:
        for _ in range(per_word):
            accent, variant = accents[rng.integers(len(accents))], variants[rng.integers(len(variants))]
            noisy = rng.random() >= CLEAN_SHARE
            at_start, shift = rng.random() < AT_START_SHARE, float(rng.random())
            takes.append(Take(
                word, accent + (f"+{variant}" if variant else ""),
                int(speeds[rng.integers(len(speeds))]), int(pitches[rng.integers(len(pitches))]),
                float(SNRS_DB[rng.integers(len(SNRS_DB))]) if noisy else None,
                0.0 if at_start else shift,  # a fraction of the free room in the window, see place()
                bool(rng.random() < PHONE_SHARE), int(rng.integers(2**31))))
    return takes


def speak(word: str, voice: str, speed: int, pitch: int) -> np.ndarray:
    """espeak-ng saying `word`: float32 samples [n] at 16 kHz, whatever rate espeak-ng writes."""
    import soundfile as sf

    wav = subprocess.run(["espeak-ng", "--stdout", "-v", voice, "-s", str(speed), "-p", str(pitch), word],
                         capture_output=True, check=True).stdout
    samples, rate = sf.read(io.BytesIO(wav), dtype="float32")  # espeak-ng 1.51 writes 22,050 Hz mono
    return resample(samples, rate, RATE)


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    from scipy.signal import resample_poly

    if rate == target:
        return samples.astype(np.float32)
    g = gcd(rate, target)
    return resample_poly(samples, target // g, rate // g).astype(np.float32)


def trim(samples: np.ndarray, threshold: float = 0.02) -> np.ndarray:
    """The word without espeak-ng's leading and trailing silence (a 20 ms margin kept)."""
    loud = np.flatnonzero(np.abs(samples) > threshold * np.abs(samples).max())
    margin = RATE // 50
    return samples[max(loud[0] - margin, 0): loud[-1] + margin]


def place(word: np.ndarray, take: Take) -> np.ndarray:
    """The take's word at its position in a WINDOW_S window, after the phone band and with its noise."""
    rng = np.random.default_rng(take.noise_seed)
    window = np.zeros(WINDOW_S * RATE, dtype=np.float32)
    word = word[: len(window)]
    start = int(take.start_s * (len(window) - len(word)))
    window[start: start + len(word)] = word
    if take.phone:
        window = resample(resample(window, RATE, 8_000), 8_000, RATE)[: len(window)]
    if take.snr_db is not None:
        speech_power = float(np.mean(word ** 2))
        noise = coloured_noise(len(window), rng)
        window = window + noise * np.sqrt(speech_power / 10 ** (take.snr_db / 10))
    peak = np.abs(window).max()
    return (window * (rng.uniform(0.3, 0.95) / peak)).astype(np.float32)  # a random recording level


def coloured_noise(length: int, rng) -> np.ndarray:
    """Noise of unit power, white or darker (hum-like), so the model does not learn one hiss."""
    white = rng.standard_normal(length)
    tilt = rng.uniform(0.0, 1.0)  # 0: white; 1: pink-ish (power falls 1/f)
    spectrum = np.fft.rfft(white)
    spectrum /= np.maximum(np.arange(len(spectrum)), 1) ** (tilt / 2)
    noise = np.fft.irfft(spectrum, n=length)
    return (noise / noise.std()).astype(np.float32)


def synthesize(takes: list[Take], workers: int = 2) -> np.ndarray:
    """Every take as WINDOW_S of 16 kHz audio: float32 [len(takes), WINDOW_S * 16000].

    espeak-ng runs once per distinct (word, voice, speed, pitch), two processes at a time.
    """
    said = sorted({(t.word, t.voice, t.speed, t.pitch) for t in takes})
    with ThreadPoolExecutor(workers) as pool:
        words = dict(zip(said, pool.map(lambda s: trim(speak(*s)), said), strict=True))
    return np.stack([place(words[(t.word, t.voice, t.speed, t.pitch)], t) for t in takes])


# ---------------------------------------------------------------------------------------------
# the model: a 2-second Whisper tiny.en encoder with WhisperForAudioClassification's head
# ---------------------------------------------------------------------------------------------
def feature_extractor():
    from transformers import WhisperFeatureExtractor

    return WhisperFeatureExtractor(chunk_length=WINDOW_S)  # 200 mel frames instead of 3,000


def keyword_model(head: dict | None = None):
    """`WhisperForAudioClassification` with the real tiny.en encoder (positions cut to the 2 s window)
    and a new, randomly initialised head (seeded): layer weights, projector and classifier."""
    from transformers import WhisperConfig, WhisperForAudioClassification, set_seed

    from ..models import load

    whisper = load("whisper-tiny-en", offline=True, quiet=True).model
    settings = {**whisper.config.to_dict(), **(head or HEAD)}
    for generation_only in ("forced_decoder_ids", "suppress_tokens", "begin_suppress_tokens"):
        settings.pop(generation_only, None)
    config = WhisperConfig.from_dict({
        **settings, "architectures": ["WhisperForAudioClassification"],
        "max_source_positions": WINDOW_S * 50,  # the encoder halves 100 mel frames per second to 50 positions
        "id2label": dict(enumerate(WORDS)), "label2id": {w: i for i, w in enumerate(WORDS)}})
    set_seed(SEED)
    model = WhisperForAudioClassification(config)
    weights = whisper.model.encoder.state_dict()
    weights["embed_positions.weight"] = weights["embed_positions.weight"][: config.max_source_positions]
    model.encoder.load_state_dict(weights)
    model.freeze_encoder()
    return model.eval()


@torch.inference_mode()
def pooled_states(model, audio: np.ndarray, batch_size: int = 64) -> torch.Tensor:
    """The frozen encoder's hidden states, averaged over time: [clips, layers + 1, 384].

    Everything after the encoder is linear until the mean, so the head can start from these.
    """
    extractor = feature_extractor()
    pooled = []
    for start in range(0, len(audio), batch_size):
        features = extractor(list(audio[start: start + batch_size]), sampling_rate=RATE,
                             return_tensors="pt").input_features  # [batch, 80, 200]
        states = model.encoder(features, output_hidden_states=True).hidden_states  # layers+1 x [batch, 100, 384]
        pooled.append(torch.stack(states, dim=1).mean(dim=2))
    return torch.cat(pooled)


class KeywordHead(nn.Module):
    """WhisperForAudioClassification's head, fed time-averaged hidden states [batch, layers + 1, 384].

    Same parameter names and shapes as the full model's, so its weights copy straight across.
    """

    def __init__(self, full_model):
        super().__init__()
        config = full_model.config
        self.use_weighted_layer_sum = config.use_weighted_layer_sum
        if self.use_weighted_layer_sum:
            self.layer_weights = nn.Parameter(full_model.layer_weights.detach().clone())
        self.projector = nn.Linear(config.hidden_size, config.classifier_proj_size)
        self.classifier = nn.Linear(config.classifier_proj_size, config.num_labels)
        self.projector.load_state_dict(full_model.projector.state_dict())
        self.classifier.load_state_dict(full_model.classifier.state_dict())

    def forward(self, pooled, labels=None):
        if self.use_weighted_layer_sum:
            weights = torch.softmax(self.layer_weights, dim=-1)  # [layers + 1]
            states = (pooled * weights.view(-1, 1)).sum(dim=1)  # [batch, 384]
        else:
            states = pooled[:, -1]  # the last layer (after Whisper's final layer norm)
        logits = self.classifier(self.projector(states))  # [batch, 12]
        loss = nn.functional.cross_entropy(logits, labels) if labels is not None else None
        return {"loss": loss, "logits": logits} if loss is not None else {"logits": logits}

    def copy_into(self, full_model) -> None:
        unexpected = full_model.load_state_dict(self.state_dict(), strict=False).unexpected_keys
        if unexpected:
            raise RuntimeError(f"the full model has no {unexpected}")


def head_dataset(pooled: torch.Tensor, labels):
    from ..train import ExamplesDataset

    return ExamplesDataset([{"pooled": p, "labels": int(y)} for p, y in zip(pooled, labels, strict=True)])


def train_head(model, pooled: torch.Tensor, labels, *, budget_s: float, eval_pooled=None, eval_labels=None,
               training: dict | None = None):
    """Train the head of `model` with 🤗 Trainer on pooled states; copy it into `model`.

    Returns (trainer, time budget callback). With eval data, `trainer.evaluate()` scores it.
    """
    from transformers import Trainer, set_seed

    from ..train import TimeBudget, compute_metrics, cpu_threads, training_arguments

    set_seed(SEED)
    head = KeywordHead(model)
    budget = TimeBudget(budget_s)
    scratch = tempfile.mkdtemp(prefix="hflab-keywords-")
    args = training_arguments(scratch, **{**TRAINING, **(training or {})}, per_device_eval_batch_size=256,
                              warmup_steps=0.05, logging_strategy="no", disable_tqdm=True)
    evaluation = head_dataset(eval_pooled, eval_labels) if eval_pooled is not None else None
    trainer = Trainer(model=head, args=args, train_dataset=head_dataset(pooled, labels), eval_dataset=evaluation,
                      compute_metrics=compute_metrics, callbacks=[budget])
    # One thread: for a head this small, a second thread only waits on the first (30x slower on a busy CPU).
    with cpu_threads(1):
        trainer.train()
    head.eval()
    head.copy_into(model)
    return trainer, budget


# ---------------------------------------------------------------------------------------------
# the random stand-in on the same test clips
# ---------------------------------------------------------------------------------------------
@torch.inference_mode()
def standin_predictions(audio: np.ndarray) -> list[str]:
    """What the random HuBERT emotion stand-in ('hubert-er') says about each test clip: emotion labels."""
    from ..models import load

    standin = load("hubert-er", offline=True, quiet=True)
    extractor = standin.processor
    labels = []
    for start in range(0, len(audio), 64):
        inputs = extractor(list(audio[start: start + 64]), sampling_rate=RATE, return_tensors="pt")
        logits = standin.model(**inputs).logits
        labels += [standin.model.config.id2label[i] for i in logits.argmax(-1).tolist()]
    return labels


def scores(predicted: list[str], expected: list[str]) -> dict:
    """Accuracy and macro F1 over the 12 keywords (a label that is not a keyword is simply wrong)."""
    from sklearn.metrics import f1_score

    return {"accuracy": round(float(np.mean([p == e for p, e in zip(predicted, expected, strict=True)])), 4),
            "macro_f1": round(float(f1_score(expected, predicted, labels=list(WORDS), average="macro",
                                             zero_division=0)), 4)}


# ---------------------------------------------------------------------------------------------
# build
# ---------------------------------------------------------------------------------------------
def _cpu_seconds() -> float:
    """This process and its finished children (espeak-ng): user + system seconds."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def build(out_dir, budget_s: float | None = None) -> dict:
    """Synthesize the clips, train the head on the frozen encoder, test once, save into `out_dir`."""
    from ..train import BUILD_BUDGET_S, finish_build

    budget_s = BUILD_BUDGET_S if budget_s is None else budget_s
    started, cpu_started = time.monotonic(), _cpu_seconds()
    train_takes, test_takes = plan("train"), plan("test")
    train_audio, test_audio = synthesize(train_takes), synthesize(test_takes)
    synth_s = time.monotonic() - started

    model = keyword_model()
    train_pooled, test_pooled = pooled_states(model, train_audio), pooled_states(model, test_audio)
    train_labels = [WORDS.index(t.word) for t in train_takes]
    test_words = [t.word for t in test_takes]
    encode_s = time.monotonic() - started - synth_s

    _, budget = train_head(model, train_pooled, train_labels, budget_s=budget_s)
    with torch.inference_mode():  # the test split's one and only use
        logits = KeywordHead(model).eval()(test_pooled)["logits"]
    predicted = [WORDS[i] for i in logits.argmax(-1).tolist()]
    _check_full_model(model, test_audio[:8], logits[:8])
    standin_words = standin_predictions(test_audio)

    trained = sum(p.numel() for n, p in model.named_parameters() if not n.startswith("encoder."))
    report = {
        "model": "keywords", "test": scores(predicted, test_words),
        "standin": "hubert-er", "standin_test": scores(standin_words, test_words),
        "standin_note": "hubert-er is a random HuBERT emotion stand-in: its labels are emotions "
                        f"({', '.join(sorted(set(standin_words)))} ...), never a keyword, so its figures are 0.",
        "train_seconds": round(time.monotonic() - started, 1),
        "train_cpu_seconds": round(_cpu_seconds() - cpu_started, 1),
        "synthesis_seconds": round(synth_s, 1), "encoder_seconds": round(encode_s, 1),
        "head_training_seconds": round(budget.elapsed, 1), "stopped_by_budget": budget.stopped_early,
        "train_examples": len(train_takes), "test_examples": len(test_takes),
        "trained_parameters": trained, "seed": SEED,
        "torch_threads": torch.get_num_threads(), "labels": list(WORDS),
        "recipe": "Whisper tiny.en encoder (real, frozen, 2 s window) + projector 384->256 + "
                  f"mean pooling + linear classifier, trained with Trainer for {TRAINING['num_train_epochs']} epochs "
                  f"(lr {TRAINING['learning_rate']}) on {len(train_takes)} espeak-ng clips of "
                  f"{len(TRAIN_ACCENTS)} accents x {len(TRAIN_VARIANTS)} variants with noise, shifts and an 8 kHz "
                  "band; tested on 2 other accents, 4 other variants, other speeds and pitches. Settings chosen by "
                  "cross-validation over the training accents (benchmarks/recipe_keywords.py).",
    }
    # No budget or started here: this report has always named the whole build "train_seconds" (its CPU
    # seconds include espeak-ng's) and the head's own training "head_training_seconds".
    return finish_build(out_dir, model, feature_extractor(), report, size_of="files", megabyte=10**6)


@torch.inference_mode()
def _check_full_model(model, audio: np.ndarray, head_logits: torch.Tensor) -> None:
    """The saved model, run end to end on a few clips, must give the logits the head was scored with."""
    features = feature_extractor()(list(audio), sampling_rate=RATE, return_tensors="pt").input_features
    full_logits = model(input_features=features).logits
    if not torch.allclose(full_logits, head_logits, atol=1e-3):
        raise RuntimeError("the keyword model's logits differ from its head's: pooling and projector do not commute")


# ---------------------------------------------------------------------------------------------
# the fresh examples committed under data/audio/keywords/
# ---------------------------------------------------------------------------------------------
def write_examples(folder: Path) -> list[Path]:
    """Write EXAMPLE_WORDS spoken by a voice in neither split: 16 kHz mono 16-bit WAVs, untrimmed."""
    import soundfile as sf

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for word in EXAMPLE_WORDS:
        samples = speak(word, EXAMPLE_VOICE, EXAMPLE_SPEED, EXAMPLE_PITCH)
        paths.append(folder / f"{word}.wav")
        sf.write(paths[-1], samples, RATE, subtype="PCM_16")
    return paths


if __name__ == "__main__":  # python -m hflab.recipes.keywords  (rewrites data/audio/keywords/*.wav)
    from .._paths import data_dir

    for path in write_examples(data_dir() / "audio" / "keywords"):
        print(path)
