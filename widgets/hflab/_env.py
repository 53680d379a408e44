"""`hflab.setup()`: the first cell of every notebook."""

from __future__ import annotations

import os
import platform
import random
import sys

_state: dict = {}


def in_colab() -> bool:
    return "google.colab" in sys.modules or bool(os.environ.get("COLAB_RELEASE_TAG"))


def _korean_font() -> str | None:
    """Give matplotlib a font with Hangul glyphs so Korean labels never render as boxes."""
    import matplotlib
    from matplotlib import font_manager

    preferred = ["NanumGothic", "NanumBarunGothic", "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic",
                 "AppleGothic", "UnDotum", "Baekmuk Gulim"]
    available = {f.name for f in font_manager.fontManager.ttflist}
    for name in preferred:
        if name in available:
            break
    else:
        # a font installed after matplotlib built its cache: look on disk once
        for path in font_manager.findSystemFonts():
            low = path.lower()
            if any(k in low for k in ("nanum", "notosanscjk", "notosanskr", "malgun", "applegothic")):
                font_manager.fontManager.addfont(path)
                name = font_manager.FontProperties(fname=path).get_name()
                break
        else:
            return None
    matplotlib.rcParams["font.family"] = [name, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False  # Hangul fonts often lack U+2212
    return name


def ensure_korean_font() -> str | None:
    """Set the Hangul font once per process (setup() does it too); plots call this before drawing."""
    if "font" not in _state:
        _state["font"] = _korean_font()
    return _state["font"]


def seed_everything(seed: int = 0) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def device() -> str:
    return _state.get("device") or _pick_device()


def _pick_device() -> str:
    import torch

    if torch.cuda.is_available():
        return "cuda"
    return "cpu"


def setup(seed: int = 0, *, quiet: bool = False) -> dict:
    """Prepare a notebook: seeds, device, offline detection, Colab widgets, a Korean font.

    Prints one banner line and returns the same facts as a dict.
    """
    import torch
    import transformers

    from ._paths import home
    from .models import is_offline

    # read, not imported: `hflab` imports this module, so importing `hflab` back would be a cycle
    __version__ = sys.modules[__package__].__version__

    seed_everything(seed)
    dev = _pick_device()
    if in_colab():
        try:
            from google.colab import output  # type: ignore[import-not-found]

            output.enable_custom_widget_manager()
        except Exception:  # noqa: BLE001 - Colab's API moved; widgets still work in most versions
            pass
    font = _korean_font()
    _state["font"] = font
    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "hflab": __version__,
        "device": dev,
        "offline": is_offline(),
        "cache": str(home()),
        "font": font,
        "seed": seed,
        "colab": in_colab(),
    }
    _state.update(info)
    if not quiet:
        mode = "오프라인(offline: 스탠드인/패키지 모델 사용)" if info["offline"] else "온라인(online: Hub)"
        print(f"hflab {__version__} | python {info['python']} | torch {info['torch']} | "
              f"transformers {info['transformers']} | device {dev} | {mode} | cache {info['cache']}"
              + ("" if font else " | 한글 글꼴 없음: fonts-nanum 설치 권장"))
    return info
