"""Exercises of chapter 40 (multimodal: captioning and document question answering)."""

from __future__ import annotations

from . import register


@register(
    "40.1",
    "픽셀 좌표 상자 [left, top, right, bottom]와 이미지 너비·높이를 받아 LayoutLM이 쓰는 0~1000 척도의 상자로 "
    "바꾸는 함수 answer(box, width, height)를 만드세요.",
    "각 좌표를 이미지 너비(x) 또는 높이(y)로 나눈 뒤 1000을 곱하고 int()로 자릅니다.",
    """
def answer(box, width, height):
    left, top, right, bottom = box
    return [int(1000 * left / width), int(1000 * top / height),
            int(1000 * right / width), int(1000 * bottom / height)]
""",
)
def _check_normalize(answer):
    assert callable(answer), "함수를 답으로 주세요: answer(box, width, height)"
    cases = [(([0, 0, 800, 600], 800, 600), [0, 0, 1000, 1000]),
             (([100, 50, 300, 150], 1000, 500), [100, 100, 300, 300]),
             (([12, 7, 45, 30], 640, 480), [18, 14, 70, 62])]
    for args, expected in cases:
        got = list(answer(*args))
        assert got == expected, f"{args} 에 대해 {expected} 가 나와야 하는데 {got} 이(가) 나왔어요."


@register(
    "40.2",
    "캡셔닝 파이프라인 pipeline(\"image-to-text\")로 data/images/cat.jpg를 캡셔닝한 결과(리스트)를 answer에 넣으세요. "
    "v4와 같은 형식이어야 합니다.",
    "captioner = hflab.pipeline(\"image-to-text\"); answer = captioner(이미지_경로_또는_PIL_이미지)",
    """
import hflab
captioner = hflab.pipeline("image-to-text")
answer = captioner(str(hflab.data_path("images", "cat.jpg")), max_new_tokens=8)
""",
)
def _check_caption(answer):
    assert isinstance(answer, list) and answer, "결과는 비어 있지 않은 리스트여야 해요."
    first = answer[0]
    assert isinstance(first, dict) and set(first) == {"generated_text"}, \
        "각 항목은 'generated_text' 키 하나만 가진 딕셔너리예요."
    assert isinstance(first["generated_text"], str) and first["generated_text"].strip(), "캡션 문장이 비어 있어요."


@register(
    "40.3",
    "문서 질의응답 결과의 start/end가 단어 번호임을 확인합니다. {\"words\": OCR 단어 리스트, \"result\": 파이프라인 "
    "결과의 첫 항목}을 answer로 주면, words[start:end+1]을 이어 붙인 것이 result['answer']와 같은지 검사합니다.",
    "pipeline(\"document-question-answering\", ...)(question=..., image=..., word_boxes=...)의 첫 항목을 쓰세요.",
    """
import hflab
from PIL import Image
words = ["Invoice", "No.", "1042", "Total", "amount:", "17,000"]
boxes = [[60, 40, 180, 70], [190, 40, 240, 70], [250, 40, 330, 70],
         [60, 400, 150, 430], [160, 400, 300, 430], [320, 400, 430, 430]]
doc_qa = hflab.pipeline("document-question-answering", model="magorshunov/layoutlm-invoices")
image = Image.new("RGB", (1000, 1000), "white")
result = doc_qa(question="What is the total amount?", image=image, word_boxes=list(zip(words, boxes)))[0]
answer = {"words": words, "result": result}
""",
)
def _check_docqa(answer):
    assert isinstance(answer, dict) and {"words", "result"} <= set(answer), \
        "{\"words\": ..., \"result\": ...} 형태의 딕셔너리를 주세요."
    words, result = answer["words"], answer["result"]
    assert {"score", "answer", "start", "end"} <= set(result), "결과에는 score, answer, start, end가 있어야 해요."
    assert 0 <= result["start"] <= result["end"] < len(words), "start/end가 단어 번호의 범위를 벗어났어요."
    span = " ".join(words[result["start"]: result["end"] + 1])
    assert span == result["answer"], f"단어 {result['start']}~{result['end']}를 이으면 {span!r}인데 답은 {result['answer']!r}예요."
