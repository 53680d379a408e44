"""Tracing and viewing attention on long inputs, beside what a learner would otherwise use.

    HF_HUB_OFFLINE=1 nice python benchmarks/bench_attention.py              # everything (~15 min on 2 cores)
    HF_HUB_OFFLINE=1 nice python benchmarks/bench_attention.py --only 2048  # or: 8192, small
    HF_HUB_OFFLINE=1 nice python benchmarks/bench_attention.py --only 8192 --trace-cache /tmp/trace8192.pkl
        # keeps the (multi-minute) 8192 trace, its time and peak in a pickle; later runs re-time the views only

- 2048 tokens on smollm2 (30 layers x 9 heads): `hflab.trace` time as a ratio to one plain eager
  forward pass with `output_attentions=True` (what transformers gives you), and the peak memory of
  each above the loaded model (resident set size, sampled every 5 ms).
- 8192 tokens (smollm2's context): trace time and peak memory, AttentionView and HiddenStateView
  build times, and how long each kind of layer/head switch takes to answer (Python side).
- Small inputs on MiniLM (6 x 12): AttentionView's first payload beside bertviz's head_view HTML
  and CircuitsVis's `attention.attention_heads` HTML (one layer). CircuitsVis is fetched with
  `pip install --no-deps --target <temporary folder>` (never installed into the environment);
  without network it is skipped and the figures measured earlier are quoted.

Benchmarks are not tests: figures depend on the machine and on what else runs (load printed).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import hflab  # noqa: E402
import torch  # noqa: E402


# ---------------------------------------------------------------------------------------------
# measuring
# ---------------------------------------------------------------------------------------------
def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measured(fn):
    """(value, seconds, peak resident bytes above the level before the call)."""
    gc.collect()
    start_rss, peak, running = _rss(), [0], [True]

    def sample():
        while running[0]:
            peak[0] = max(peak[0], _rss())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    try:
        value = fn()
    finally:
        took = time.perf_counter() - start
        running[0] = False
        sampler.join()
    return value, took, max(peak[0], _rss()) - start_rss


def _load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def _gb(b: float) -> str:
    return f"{b / 1e9:.2f} GB"


def _mb(b: float) -> str:
    return f"{b / 1e6:,.2f} MB"


def _ids(tokenizer, n: int) -> torch.Tensor:
    words = "the model reads every token and each head decides where to look next in the text".split()
    text = " ".join(words[i % len(words)] for i in range(2 * n))
    return tokenizer(text, return_tensors="pt")["input_ids"][:, :n]


# ---------------------------------------------------------------------------------------------
# smollm2, long inputs
# ---------------------------------------------------------------------------------------------
def eager_forward(model, ids):
    """What transformers gives: one forward pass, eager attention, every layer's weights returned."""
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=torch.ones_like(ids), output_attentions=True,
                    output_hidden_states=True)
    return len(out.attentions)


def bench_2048(m) -> None:
    ids = _ids(m.tokenizer, 2048)
    inputs = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    print(f"\n== smollm2, {ids.shape[1]} tokens (30 layers x 9 heads) — {_load()}")
    _, eager_s, eager_mem = measured(lambda: eager_forward(m.model, ids))
    tr, trace_s, trace_mem = measured(lambda: hflab.trace(m, inputs))
    _, eager2_s, _ = measured(lambda: eager_forward(m.model, ids))
    eager_s = min(eager_s, eager2_s)  # the quieter of two runs around the trace
    print(f"plain eager forward, output_attentions=True : {eager_s:6.1f} s, peak {_gb(eager_mem)} above the model")
    print(f"hflab.trace (with its check and logit lens) : {trace_s:6.1f} s, peak {_gb(trace_mem)} above the model"
          f"   -> {trace_s / eager_s:.2f}x the eager forward")
    print(f"stored: attentions {type(tr.attentions).__name__} {tr.attentions.dtype} {_gb(tr.attentions.nbytes)}; "
          f"checked {tr.checked}; {tr.approximation() or 'every weight kept'}   ({_load()})")


def _cached_trace(cache: str | None, run):
    """(trace, seconds, peak bytes, load when traced): from `cache` (a pickle) when it exists, else traced
    now (and written there), so the view figures can be re-measured without a new multi-minute trace."""
    import pickle

    if cache and os.path.exists(cache):
        with open(cache, "rb") as f:
            return pickle.load(f)
    tr, took, peak = run()
    got = (tr, took, peak, _load())
    if cache:
        with open(cache, "wb") as f:
            pickle.dump(got, f, protocol=pickle.HIGHEST_PROTOCOL)
    return got


def bench_8192(m, cache: str | None = None) -> None:
    n = min(8192, m.model.config.max_position_embeddings)
    ids = _ids(m.tokenizer, n)
    inputs = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    print(f"\n== smollm2, {ids.shape[1]} tokens (its context) — {_load()}")
    tr, trace_s, trace_mem, trace_load = _cached_trace(cache, lambda: measured(lambda: hflab.trace(m, inputs)))
    print(f"hflab.trace: {trace_s:.1f} s, peak {_gb(trace_mem)} above the model; stored {tr.attentions!r}"
          f"   ({trace_load}{', read back from ' + cache if cache else ''})")
    print(f"  the view says: {tr.approximation()}")
    view, view_s, view_mem = measured(lambda: hflab.AttentionView(tr))
    print(f"AttentionView build: {view_s:.1f} s (+{_gb(view_mem)})")
    if view.meta.get("no_rollout"):
        print(f"  the view says: {view.meta['no_rollout']}")
    # every kind of request the widget makes: a head, the mean of a layer's heads, the all-heads grid
    requests = [{"type": "head", "layer": a, "head": b} for a, b in
                [(0, 1), (7, 3), (15, 8), (29, 0), (12, 5), (3, -1), (22, -1), (29, -1)]] + [{"type": "thumbs"}]
    times: dict[str, list[float]] = {}
    for req in requests:
        (header, data), took, _ = measured(lambda r=req: view.answer(r))
        what = "thumbs" if req["type"] == "thumbs" else "mean of heads" if req["head"] == -1 else "one head"
        times.setdefault(what, []).append(took)
        times.setdefault("all", []).append(took)
    parts = ", ".join(f"{k} {statistics.median(v) * 1000:.0f}/{max(v) * 1000:.0f} ms" for k, v in times.items() if k != "all")
    print(f"switching layer/head: {statistics.median(times['all']) * 1000:.0f} ms median, "
          f"{max(times['all']) * 1000:.0f} ms max over {len(requests)} requests (median/max: {parts}); "
          f"a head is {_mb(n * n)} uint8   ({_load()})")
    try:
        view.answer({"type": "rollout", "layer": 29})
        print("rollout: answered")
    except ValueError as err:
        print(f"rollout: not offered at this length ({err})")
    hidden, hidden_s, hidden_mem = measured(lambda: hflab.HiddenStateView(tr))
    cos_times = []
    for layer in (0, 10, 20, 30):
        (header, _), took, _ = measured(lambda a=layer: hidden.token_cos_bytes(a))
        cos_times.append(took)
    print(f"HiddenStateView build: {hidden_s:.1f} s (+{_gb(hidden_mem)}); token-cosine layer switch "
          f"{statistics.median(cos_times) * 1000:.0f} ms median, {max(cos_times) * 1000:.0f} ms max over 4 layers "
          f"({header['shape'][0]}x{header['shape'][1]} blocks of {header['block']} tokens); "
          f"lens at {len(tr.lens['positions'])} positions   ({_load()})")
    print("bertviz / CircuitsVis at this length: not run (bertviz ~46 bytes per weight: "
          f"~{46 * 30 * 9 * n * n / 1e12:.0f} TB of HTML; CircuitsVis ~270 bytes per weight per layer: "
          f"~{270 * 9 * n * n / 1e9:.0f} GB for one layer)")


# ---------------------------------------------------------------------------------------------
# small inputs: the HTML other tools build
# ---------------------------------------------------------------------------------------------
def _circuitsvis():
    """circuitsvis imported from a temporary folder (pip install --no-deps --target), or None offline."""
    try:
        import circuitsvis  # noqa: F401

        return sys.modules["circuitsvis.attention"] if "circuitsvis.attention" in sys.modules else \
            __import__("circuitsvis.attention", fromlist=["attention"])
    except ImportError:
        pass
    folder = tempfile.mkdtemp(prefix="circuitsvis-")
    got = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", folder,
                          "circuitsvis==1.43.3", "importlib-metadata==6.8.0", "zipp"], capture_output=True, text=True)
    if got.returncode != 0:
        return None
    sys.path.insert(0, folder)
    try:
        import circuitsvis.attention as cva
    except ImportError:
        return None
    return cva


def bench_small(bertviz_512: bool) -> None:
    m = hflab.models.load("minilm", quiet=True)
    cva = _circuitsvis()
    print(f"\n== MiniLM (6 layers x 12 heads): first payload — {_load()}")
    print(f"{'tokens':>6} {'AttentionView (whole model)':>30} {'bertviz head_view':>22} {'CircuitsVis (one layer)':>26}")
    for n in (128, 512):
        tr = hflab.trace(m, " ".join(["attention"] * (n * 2)), truncation=True, max_length=n)
        view, view_s, _ = measured(lambda t=tr: hflab.AttentionView(t))
        av = f"{_mb(view.initial_payload_bytes())}, {view_s:.2f} s"
        bv = "skipped"
        if n <= 128 or bertviz_512:
            html, bv_s, _ = measured(lambda t=tr: hflab.bertviz.head_view(t, html_action="return", max_tokens=10**6).data)
            bv = f"{_mb(len(html))}, {bv_s:.2f} s"
            del html
        cv = "not available (earlier: 4.4 / 71.9 MB)"
        if cva is not None:
            page, cv_s, _ = measured(lambda t=tr: str(cva.attention_heads(attention=torch.from_numpy(t.attentions[0]),
                                                                           tokens=list(t.tokens))))
            cdn = "unpkg" in page or "cdn" in page
            cv = f"{_mb(len(page))}, {cv_s:.2f} s{' (JS from CDN)' if cdn else ''}"
        print(f"{len(tr.tokens):>6} {av:>30} {bv:>22} {cv:>26}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["2048", "8192", "small"], help="run one part")
    parser.add_argument("--trace-cache", metavar="PICKLE", help="8192: read the trace (and its time/peak) "
                        "from this pickle, or trace and write it there")
    parser.add_argument("--bertviz-512", action="store_true", help="also bertviz at 512 tokens (~1 GB, ~20 s)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}; {_load()}")
    if args.only in (None, "small"):
        bench_small(args.bertviz_512)
    if args.only in (None, "2048", "8192"):
        m = hflab.models.load("smollm2", quiet=True)
        m.model.set_attn_implementation("eager")
        if args.only in (None, "2048"):
            bench_2048(m)
        if args.only in (None, "8192"):
            bench_8192(m, args.trace_cache)


if __name__ == "__main__":
    main()
