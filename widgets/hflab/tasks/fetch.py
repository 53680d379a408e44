"""Reading what a learner points at: a path, a URL (online only) or raw bytes -> bytes."""

from __future__ import annotations

import io
from pathlib import Path

from .errors import InputError


def is_url(value) -> bool:
    return isinstance(value, str) and value.strip().lower().startswith(("http://", "https://"))


def download(url: str, timeout: float = 30) -> bytes:
    """The bytes at `url`. Offline, an InputError that says to use a local file instead."""
    from ..models import is_offline

    if is_offline():
        raise InputError(
            f"Cannot download {url!r}: hflab is offline (HF_HUB_OFFLINE=1 or no network).",
            "download the file elsewhere and pass its path, or use a sample from the course, "
            "e.g. hflab.data_path('images', 'cat.jpg').")
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - learner's own URL
            return response.read()
    except OSError as err:
        raise InputError(f"Could not download {url!r} ({err}).",
                         "check the address, or download the file and pass its path.") from err


def read_source(value, kind: str) -> io.BytesIO | Path:
    """A path (str or Path), a URL or bytes -> something PIL / soundfile can open."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        if not value:
            raise InputError(f"The {kind} bytes are empty.", f"pass the bytes of a {kind} file.")
        return io.BytesIO(bytes(value))
    if is_url(value):
        return io.BytesIO(download(value.strip()))
    path = Path(value).expanduser()
    if not path.is_file():
        hint = " (it is a folder)" if path.is_dir() else ""
        raise InputError(f"No {kind} file at {str(path)!r}{hint}.",
                         f"check the path; course samples are under {_data_hint(kind)}.")
    return path


def _data_hint(kind: str) -> str:
    folder = "images" if kind == "image" else "audio"
    try:
        from .._paths import data_dir

        return str(data_dir() / folder)
    except FileNotFoundError:
        return f"data/{folder}"
