"""Task results as HTML a person can read: label bars, highlighted entities and answers, text.

Every piece of text that came from a model or a learner goes through `html.escape`, so a token
like ``<img src=x onerror=alert(1)>`` is shown as text, never run.
"""

from __future__ import annotations

import json
from html import escape

from ..tasks.table import task_info
from .task_pictures import color

LABEL_SCORE = ("label", "score")  # a classifier's answer: drawn as one bar per label


def _first_list(result):
    """A single input's result: pipelines wrap it in a list (sometimes twice)."""
    while isinstance(result, list) and len(result) == 1 and isinstance(result[0], list):
        result = result[0]
    return result


def label_bars(items: list[dict], label_key: str = "label") -> str:
    """One horizontal bar per label, as long as its score."""
    rows = []
    for i, item in enumerate(sorted(items, key=lambda d: -d["score"])):
        pct = max(0.0, min(100.0, 100 * float(item["score"])))
        r, g, b = color(i)
        rows.append(
            "<div style='display:flex;align-items:center;gap:8px;margin:2px 0'>"
            f"<span style='width:180px;text-align:right;font-family:monospace'>{escape(str(item[label_key]))}</span>"
            f"<span style='flex:1;max-width:360px;background:#eee;height:14px'>"
            f"<span style='display:block;width:{pct:.1f}%;height:14px;background:rgb({r},{g},{b})'></span></span>"
            f"<span style='width:60px;font-family:monospace'>{float(item['score']):.4f}</span></div>")
    return "".join(rows)


def highlight_spans(text: str, spans: list[tuple[int, int, str]]) -> str:
    """`text` with each (start, end, label) span marked in colour and labelled."""
    parts, cursor, labels = [], 0, {}
    for start, end, label in sorted(spans):
        if start < cursor or end <= start:
            continue  # overlapping or empty spans: keep the first
        idx = labels.setdefault(label, len(labels))
        r, g, b = color(idx)
        parts.append(escape(text[cursor:start]))
        parts.append(f"<mark style='background:rgba({r},{g},{b},0.35);padding:0 2px;border-radius:3px'>"
                     f"{escape(text[start:end])}<sub style='font-size:70%'> {escape(label)}</sub></mark>")
        cursor = end
    parts.append(escape(text[cursor:]))
    return f"<div style='line-height:2;white-space:pre-wrap'>{''.join(parts)}</div>"


def entities_html(text: str, entities: list[dict]) -> str:
    spans = [(int(e["start"]), int(e["end"]), str(e.get("entity_group", e.get("entity", "?"))))
             for e in entities if e.get("start") is not None]
    return highlight_spans(text, spans) if spans else "<i>개체가 없습니다 (no entities found)</i>"


def answer_html(answer: dict, context: str) -> str:
    head = (f"<div><b>답(answer):</b> {escape(answer['answer'])} "
            f"<span style='color:#666'>(score {float(answer['score']):.4f}, "
            f"start {answer['start']}, end {answer['end']})</span></div>")
    return head + highlight_spans(context, [(answer["start"], answer["end"], "answer")])


def text_html(text: str, title: str) -> str:
    return (f"<div><b>{escape(title)}</b></div>"
            f"<div style='white-space:pre-wrap;border-left:3px solid #888;padding-left:8px'>{escape(text)}</div>")


def result_html(task: str, result, *, text: str = "", context: str = "") -> str:
    """The readable part of a result (pictures are drawn separately by task_pictures)."""
    result = _first_list(result)
    keys = task_info(task).output_keys
    if keys == LABEL_SCORE:
        return label_bars(result)
    if task == "fill-mask":
        return label_bars(result, "token_str") + text_html(result[0]["sequence"], "가장 그럴듯한 문장(top sequence)")
    if task == "token-classification":
        return entities_html(text, result)
    if task == "question-answering":
        first = result[0] if isinstance(result, list) else result
        return answer_html(first, context)
    if task == "document-question-answering":
        return "".join(f"<div><b>답(answer):</b> {escape(str(a.get('answer')))} "
                       f"<span style='color:#666'>(score {float(a.get('score') or 0):.4f})</span></div>"
                       for a in result)
    if task == "object-detection":
        return label_bars(result) if result else "<i>탐지된 객체가 없습니다 (no objects above the threshold)</i>"
    if task == "image-segmentation":
        return label_bars([s for s in result if s.get("score") is not None]) or "".join(
            f"<div>{escape(str(s['label']))}</div>" for s in result)
    if task == "depth-estimation":
        return "<div>깊이 지도(depth map): 밝을수록 가깝습니다 (brighter = closer)</div>"
    first = result[0] if isinstance(result, list) and result else result
    if isinstance(first, dict) and keys and keys[0] in first:  # a text: the caption, summary, transcript, ...
        return text_html(str(first[keys[0]]), "결과(output)")
    return ""


def raw_text(result) -> str:
    """The raw output as indented JSON-like text; images, masks and tensors shown by their shape."""
    return json.dumps(result, indent=1, ensure_ascii=False, default=_describe)


def _describe(value) -> str:
    from PIL import Image

    if isinstance(value, Image.Image):
        return f"<PIL.Image {value.mode} {value.size[0]}x{value.size[1]}>"
    if hasattr(value, "shape"):
        if getattr(value, "ndim", 1) == 0:
            return value.item()
        return f"<{type(value).__name__} shape={list(value.shape)}>"
    return repr(value)


def raw_html(result) -> str:
    return f"<pre style='max-height:240px;overflow:auto;font-size:85%'>{escape(raw_text(result))}</pre>"
