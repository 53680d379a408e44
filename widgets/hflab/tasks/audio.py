"""Audio inputs: a file, URL, bytes or array at any rate and channel count -> mono at the model's rate."""

from __future__ import annotations

from math import gcd
from pathlib import Path

from .errors import InputError
from .fetch import read_source


def to_audio(value, target_rate: int, *, sampling_rate: int | None = None, quiet: bool = False,
             name: str = "audio") -> dict:
    """{"raw": float32 array [samples], "sampling_rate": target_rate}, ready for an audio pipeline.

    Files and bytes carry their own rate. A bare array is taken to be at `sampling_rate`
    (default: the model's rate). Stereo is averaged to mono and other rates are resampled
    (scipy's polyphase filter); a one-line note says when either happened.
    """
    samples, rate = _read(value, sampling_rate, target_rate, name)
    return {"raw": _to_model_format(samples, rate, target_rate, quiet, name), "sampling_rate": target_rate}


def _read(value, sampling_rate, target_rate, name):
    import numpy as np

    if isinstance(value, dict):
        array = value.get("raw", value.get("array"))
        rate = value.get("sampling_rate", sampling_rate)
        if array is None or rate is None:
            raise InputError(f"The `{name}` dict needs 'array' (or 'raw') and 'sampling_rate'.",
                             "pass {'array': samples, 'sampling_rate': 16000}, or a file path.")
        return np.asarray(array), int(rate)
    if isinstance(value, tuple) and len(value) == 2 and np.isscalar(value[1]):
        return np.asarray(value[0]), int(value[1])
    if hasattr(value, "__array_interface__") or type(value).__name__ == "Tensor":
        array = value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)
        return array, int(sampling_rate or target_rate)
    if isinstance(value, (str, Path, bytes, bytearray, memoryview)):
        return _read_file(read_source(value, "audio"))
    raise InputError(f"`{name}` has type {type(value).__name__}, which is not audio.",
                     "pass a .wav/.flac/.ogg path, a URL, bytes, or a numpy array with sampling_rate=...")


def _read_file(source):
    import soundfile as sf

    try:
        samples, rate = sf.read(source, dtype="float32", always_2d=False)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as err:
        where = source if isinstance(source, Path) else "the given bytes"
        raise InputError(f"{where} is not audio soundfile can read ({err}).",
                         "pass a .wav, .flac or .ogg file (convert .mp3/.m4a first, e.g. with ffmpeg).") from None
    return samples, int(rate)


def _to_model_format(samples, rate: int, target_rate: int, quiet: bool, name: str):
    import numpy as np

    samples = np.asarray(samples)
    if samples.dtype.kind in "iu":  # int16 PCM and friends -> floats in [-1, 1]
        samples = samples.astype(np.float32) / float(np.iinfo(samples.dtype).max)
    samples = samples.astype(np.float32, copy=False)
    notes = []
    if samples.ndim == 2:
        channels_axis = 0 if samples.shape[0] < samples.shape[1] else 1  # [channels, n] or [n, channels]
        notes.append(f"{samples.shape[channels_axis]} channels mixed down to mono")
        samples = samples.mean(axis=channels_axis)
    if samples.ndim != 1 or samples.size == 0:
        raise InputError(f"`{name}` has shape {samples.shape}; audio must be [samples] or [samples, channels].",
                         "pass a non-empty mono or stereo recording.")
    if rate != target_rate:
        from scipy.signal import resample_poly

        g = gcd(rate, target_rate)
        samples = resample_poly(samples, target_rate // g, rate // g).astype(np.float32)
        notes.append(f"resampled {rate} Hz -> {target_rate} Hz")
    if notes and not quiet:
        print(f"[hflab] audio: {', '.join(notes)} (the model expects mono {target_rate} Hz).")
    return samples
