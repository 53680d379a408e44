"""AttentionView beside bertviz's head_view on the same traces: payload bytes and build time.

    HF_HUB_OFFLINE=1 python benchmarks/bench_attention.py            # 128, 512 (minilm), 2048 (smollm2)
    HF_HUB_OFFLINE=1 python benchmarks/bench_attention.py --quick    # 128 and 512 only

bertviz payload = the length of the HTML it builds (html_action="return"); AttentionView payload =
its synced state + ES module + CSS + the first head's bytes + the thumbnail grid. At 2048 tokens
bertviz is not run (its page would be several GB): the figure is extrapolated from 512 tokens.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import hflab  # noqa: E402


def _text(n_words: int) -> str:
    words = "the model reads every token and each head decides where to look next".split()
    return " ".join(words[i % len(words)] for i in range(n_words))


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def bench_minilm(n_tokens: int, run_bertviz: bool) -> dict:
    m = hflab.models.load("minilm", quiet=True)
    tr = hflab.trace(m, _text(n_tokens), truncation=True, max_length=n_tokens)
    view, built = _timed(lambda: hflab.AttentionView(tr))
    row = {"case": f"minilm {len(tr.tokens)} tok (6x12)", "av_bytes": view.initial_payload_bytes(), "av_s": built}
    if run_bertviz:
        html, bv_s = _timed(lambda: hflab.bertviz.head_view(tr, html_action="return", max_tokens=10**6).data)
        row.update(bv_bytes=len(html), bv_s=bv_s, bv_per_weight=len(html) / tr.attentions.size)
        del html
    return row


def bench_smollm2(n_tokens: int, per_weight: float | None) -> dict:
    import torch

    m = hflab.models.load("smollm2", quiet=True)
    ids = m.tokenizer(_text(n_tokens * 2), return_tensors="pt")["input_ids"][:, :n_tokens]
    tr, traced = _timed(lambda: hflab.trace(m, {"input_ids": ids, "attention_mask": torch.ones_like(ids)}))
    view, built = _timed(lambda: hflab.AttentionView(tr))
    payload = view.initial_payload_bytes()
    times, sizes = [], []
    for layer, head in [(0, 1), (7, 3), (15, 8), (29, 0), (22, -1), (12, 5)]:
        request = {"type": "head", "kind": "decoder", "layer": layer, "head": head}
        (header, data), took = _timed(lambda r=request: view.answer(r))
        times.append(took)
        sizes.append(len(data))
    row = {"case": f"smollm2 {len(tr.tokens)} tok (30x9)", "av_bytes": payload, "av_s": built, "trace_s": traced,
           "req_bytes": statistics.median(sizes), "req_ms": 1000 * statistics.median(times),
           "req_ms_max": 1000 * max(times)}
    if per_weight:
        row["bv_bytes_est"] = per_weight * tr.attentions.size
    return row


def _mb(b) -> str:
    return "—" if b is None else f"{b / 1e6:,.2f} MB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the 2048-token smollm2 case")
    parser.add_argument("--no-bertviz-512", action="store_true", help="bertviz at 512 needs ~1 GB and ~20 s")
    args = parser.parse_args()
    hflab.AttentionView(hflab.trace(hflab.models.load("minilm", quiet=True), "warm up"))  # imports, not timed
    rows = [bench_minilm(128, True), bench_minilm(512, not args.no_bertviz_512)]
    per_weight = rows[-1].get("bv_per_weight") or rows[0].get("bv_per_weight")
    if not args.quick:
        rows.append(bench_smollm2(2048, per_weight))
    print(f"\n{'case':<26} {'AttentionView payload':>22} {'build':>8} {'bertviz head_view':>20} {'build':>8}")
    for r in rows:
        bv = _mb(r.get("bv_bytes")) if "bv_bytes" in r else (f"~{_mb(r['bv_bytes_est'])} (est.)" if "bv_bytes_est" in r else "—")
        bv_s = f"{r['bv_s']:.2f} s" if "bv_s" in r else "—"
        print(f"{r['case']:<26} {_mb(r['av_bytes']):>22} {r['av_s']:>6.2f} s {bv:>20} {bv_s:>8}")
    for r in rows:
        if "req_ms" in r:
            print(f"\n{r['case']}: trace {r['trace_s']:.1f} s; switching layer/head: {_mb(r['req_bytes'])} per request, "
                  f"Python {r['req_ms']:.0f} ms median ({r['req_ms_max']:.0f} ms max, 6 requests)")
    print(f"\nmachine: {os.cpu_count()} CPUs, torch threads {__import__('torch').get_num_threads()}")


if __name__ == "__main__":
    main()
