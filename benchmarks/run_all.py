"""Run every benchmark and print one report (and, with --write, put it in benchmarks/README.md).

    HF_HUB_OFFLINE=1 python benchmarks/run_all.py [--write] [--skip notebooks,training]

Each benchmark is a script of its own in this folder; this runs them one after another in
fresh processes (so one's caches don't flatter another) and collects what they print.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHMARKS = [
    ("attention", "bench_attention.py", "AttentionView vs bertviz: payload and build time (minilm 128/512, smollm2 2048)"),
    ("pipeline", "bench_pipeline.py", "hflab.pipeline vs transformers.pipeline: per-call ratio, first vs repeated call"),
    ("loading", "bench_loading.py", "Model load: cold vs cached"),
    ("standins", "standin_build_times.py", "Stand-in build times"),
    ("heads", "bench_heads.py", "Head pruning: speed, size and output change"),
    ("training", "bench_training.py", "Models trained here: time and accuracy"),
    ("notebooks", "bench_notebooks.py", "Each notebook's offline run time"),
]


def machine() -> str:
    import torch
    import transformers

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        mem = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, StopIteration):
        pass
    return (f"{date.today()}: {cpu}, {os.cpu_count()} cores{mem}, no GPU used; Python {platform.python_version()}, "
            f"torch {torch.__version__}, transformers {transformers.__version__}; HF_HUB_OFFLINE=1")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="replace benchmarks/README.md's report")
    parser.add_argument("--skip", default="", help="comma-separated names to skip: " +
                        ",".join(n for n, _, _ in BENCHMARKS))
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    sections = [f"Machine: {machine()}\n"]
    failed = []
    for name, script, title in BENCHMARKS:
        if name in skip:
            continue
        print(f"\n## {title}\n$ python benchmarks/{script}", flush=True)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, str(HERE / script)], env=env, capture_output=True, text=True)
        out = proc.stdout.strip()
        if proc.returncode != 0:
            failed.append(name)
            out += f"\n(FAILED, exit {proc.returncode})\n" + proc.stderr.strip()[-1500:]
        print(out, flush=True)
        sections.append(f"## {title}\n\n`python benchmarks/{script}` ({time.perf_counter() - start:.0f} s)\n\n"
                        f"```\n{out}\n```\n")
    report = "\n".join(sections)
    if args.write:
        readme = HERE / "README.md"
        head = readme.read_text().split("<!-- report -->")[0] if readme.exists() else "# Benchmarks\n\n"
        readme.write_text(head.rstrip() + "\n\n<!-- report -->\n\n" + report)
        print(f"\nwrote {readme}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
