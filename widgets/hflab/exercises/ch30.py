"""Exercises of chapter 30 (natural language processing)."""

from __future__ import annotations

from . import register


@register(
    "30.1",
    "추출형 QA의 시작 점수 start_logits와 끝 점수 end_logits(1차원 텐서)에서 가장 좋은 답 구간 (시작, 끝) 토큰 번호를 "
    "돌려주는 함수 answer(start_logits, end_logits, max_len=15)를 만드세요. 시작 ≤ 끝, 길이(끝-시작+1) ≤ max_len이어야 합니다.",
    "scores[i, j] = start[i] + end[j]인 표를 만들고, 허용되지 않는 칸(j < i, j - i >= max_len)을 -inf로 가린 뒤 argmax를 찾으세요.",
    """
import torch
def answer(start_logits, end_logits, max_len=15):
    scores = start_logits[:, None] + end_logits[None, :]
    n = scores.shape[0]
    allowed = torch.triu(torch.ones(n, n, dtype=torch.bool)) & ~torch.triu(torch.ones(n, n, dtype=torch.bool), max_len)
    scores = scores.masked_fill(~allowed, float("-inf"))
    s, e = divmod(int(scores.argmax()), n)
    return s, e
""",
)
def _check_span(answer):
    import torch

    assert callable(answer), "함수를 답으로 주세요: answer(start_logits, end_logits, max_len=15)"
    start = torch.tensor([-1.0, 5.0, 1.0, 0.0, 0.0, 0.0])
    end = torch.tensor([9.0, 0.0, 0.0, 4.0, 0.0, 0.0])  # end 0 is before start 1: not allowed
    assert tuple(answer(start, end)) == (1, 3), "시작 ≤ 끝 조건을 지켰는지 확인하세요."
    start = torch.tensor([6.0, 0.0, 0.0, 0.0, 0.0, 1.0])
    end = torch.tensor([0.0, 0.0, 0.0, 0.0, 0.0, 9.0])
    assert tuple(answer(start, end, max_len=3)) == (5, 5), "max_len보다 긴 구간은 고르면 안 돼요."
    rng = torch.Generator().manual_seed(0)
    s, e = torch.randn(20, generator=rng), torch.randn(20, generator=rng)
    i, j = answer(s, e, max_len=20)
    best = max((float(s[a] + e[b]), a, b) for a in range(20) for b in range(a, 20))
    assert (i, j) == best[1:], "무작위 점수에서 최선의 구간을 찾지 못했어요."


@register(
    "30.2",
    "감성 분석 파이프라인으로 긍정 문장 하나와 부정 문장 하나(이 순서로)를 분류한 결과 리스트를 answer에 넣으세요.",
    "classifier = hflab.pipeline(\"sentiment-analysis\"); answer = classifier([긍정 문장, 부정 문장])",
    """
import hflab
classifier = hflab.pipeline("sentiment-analysis")
answer = classifier(["What a delightful, beautifully written book.", "The app crashes every time I open it."])
""",
)
def _check_sentiment(answer):
    assert isinstance(answer, list) and len(answer) == 2, "두 문장의 결과, 즉 길이 2인 리스트를 주세요."
    for item in answer:
        assert isinstance(item, dict) and {"label", "score"} <= set(item), "각 결과는 label과 score를 가져요."
        assert 0.0 <= float(item["score"]) <= 1.0, "score는 0과 1 사이의 확률이에요."
    labels = [item["label"] for item in answer]
    assert labels == ["POSITIVE", "NEGATIVE"], f"긍정, 부정 순서로 분류돼야 하는데 {labels} 가 나왔어요."


@register(
    "30.3",
    "T5로 영어를 독일어로 번역할 때 모델에 넣을 입력 문자열(접두어 포함)을 answer에 넣으세요. 번역할 문장은 자유입니다.",
    "T5의 접두어는 'translate English to German: '입니다.",
    """
answer = "translate English to German: The weather is nice today."
""",
)
def _check_prefix(answer):
    assert isinstance(answer, str), "문자열을 주세요."
    prefix = "translate English to German: "
    assert answer.startswith(prefix), f"입력은 {prefix!r} 로 시작해야 해요."
    assert answer[len(prefix):].strip(), "접두어 뒤에 번역할 문장이 있어야 해요."


@register(
    "30.4",
    "SmolLM2-135M-Instruct에 채팅 템플릿으로 \"What is the capital of France?\"를 묻고, 탐욕적 디코딩으로 생성한 답(문자열)을 "
    "answer에 넣으세요.",
    "tok.apply_chat_template(chat, add_generation_prompt=True, return_tensors='pt', return_dict=True) 후 "
    "model.generate(..., do_sample=False), 그리고 입력 길이 뒤의 토큰만 decode하세요.",
    """
import hflab
m = hflab.models.load("smollm2")
chat = [{"role": "user", "content": "What is the capital of France?"}]
enc = m.tokenizer.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt", return_dict=True)
ids = m.model.generate(**enc, max_new_tokens=16, do_sample=False)
answer = m.tokenizer.decode(ids[0, enc["input_ids"].shape[1]:], skip_special_tokens=True)
""",
)
def _check_paris(answer):
    assert isinstance(answer, str), "생성된 답을 문자열로 주세요."
    assert "Paris" in answer, f"답에 Paris가 없어요: {answer!r}"
