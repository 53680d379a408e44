"""Exercises of chapter 30 (natural language processing).

30.1-30.5 belong to notebook 30-1 (classification, NER, QA), 30.6-30.9 to 30-2 (generation).
Predict-then-run questions compute their answer in the checker (softmax, a real tokenizer's
offsets, a tiny GPT-2's attention), never from a typed number.
"""

from __future__ import annotations

from . import _choice_letter, register


def _is_int(value) -> bool:
    import numbers

    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _tiny_gpt2(seed: int = 0):
    """A two-layer GPT-2 of width 16 with eager attention (random weights, no end-of-text token)."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=50, n_positions=64, n_embd=16, n_layer=2, n_head=2, bos_token_id=None,
                        eos_token_id=None, pad_token_id=0)
    return GPT2LMHeadModel(config).eval().to(dtype=torch.float64).requires_grad_(False), config


def iob_tags(n_words: int, entities, scheme: str) -> list[str]:
    """The reference tagger: IOB2 starts every entity with B-; IOB1 only one that follows one of its type."""
    tags = ["O"] * n_words
    previous_end, previous_type = None, None
    for start, end, kind in sorted(entities):
        if scheme == "IOB2":
            first = "B"
        else:
            first = "B" if (previous_end == start and previous_type == kind) else "I"
        tags[start] = f"{first}-{kind}"
        for i in range(start + 1, end):
            tags[i] = f"I-{kind}"
        previous_end, previous_type = end, kind
    return tags


# --- notebook 30-1 ---------------------------------------------------------------------------

SOFTMAX_CHOICES = {"A": "약 0.50", "B": "약 0.73", "C": "약 0.97", "D": "2.3 (로짓 그대로)"}
SOFTMAX_LOGITS = (-1.2, 2.3)


@register(
    "30.1",
    f"감성 모델이 한 문장에 로짓 `[{SOFTMAX_LOGITS[0]}, {SOFTMAX_LOGITS[1]}]`(NEGATIVE, POSITIVE 순서)을 냈습니다. "
    "파이프라인이 보여 줄 POSITIVE의 `score`는 얼마에 가장 가까울까요? 보기의 글자를 answer에 넣고, 다음 셀에서 "
    "토큰화 → 모델 → 소프트맥스를 직접 따라가 보세요.\n\n"
    + "\n".join(f"- **{k}.** {v}" for k, v in SOFTMAX_CHOICES.items()),
    "두 칸의 소프트맥스는 차이만 중요합니다: P(POSITIVE) = 1 / (1 + e^-(차이)). 차이가 3.5이면 e^-3.5는 아주 작아요.",
    'answer = "C"\n',
    wrong=['answer = "B"\n', 'answer = "D"\n'],
    title="로짓에서 점수로",
    kind="predict",
    why="차이 3.5 → 1 / (1 + e^-3.5) ≈ 0.97. 로짓 자체는 확률이 아니고, 소프트맥스가 0~1의 확률로 바꿉니다.",
)
def _check_softmax(answer):
    import torch

    letter = _choice_letter(answer, list(SOFTMAX_CHOICES))
    p = float(torch.tensor(SOFTMAX_LOGITS).softmax(-1)[1])
    values = {"A": 0.50, "B": 0.73, "C": 0.97}
    right = min(values, key=lambda k: abs(values[k] - p))
    assert letter == right, {
        "D": "로짓은 확률이 아니에요. score는 소프트맥스를 지난 0~1의 값이에요.",
        "B": "0.73은 로짓 차이가 1일 때예요. 여기서는 차이가 3.5예요.",
        "A": "0.5는 두 로짓이 같을 때예요.",
    }.get(letter, f"{letter}가 아니에요.")


PIECE_CHOICES = {"A": "`##sburg` (조각 표시 ## 포함)", "B": "`sburg`", "C": "`Wolfsburg` (단어 전체)", "D": "`##`"}


@register(
    "30.2",
    "WordPiece는 `Wolfsburg`를 `wolf`, `##sburg`처럼 조각냅니다(대소문자는 토크나이저에 따라 다릅니다). NER 결과의 `start`와 "
    "`end`는 원문의 문자 위치입니다. `##sburg` 조각에 대해 `text[start:end]`는 무엇일까요? 보기의 글자를 answer에 "
    "넣고, 다음 셀의 출력(`text[start:end] <-> word`)과 비교하세요.\n\n"
    + "\n".join(f"- **{k}.** {v}" for k, v in PIECE_CHOICES.items()),
    "`##`은 원문에 있는 글자일까요, 토크나이저가 '앞 조각에 붙는다'고 표시한 것일까요? 위치는 원문 문자열을 가리킵니다.",
    'answer = "B"\n',
    wrong=['answer = "A"\n', 'answer = "C"\n'],
    title="조각과 문자 위치",
    kind="predict",
    why="`##`은 원문에 없는 표시라 위치에 들어가지 않아요. text[start:end]는 그 조각이 덮는 원문 글자 `sburg`입니다.",
)
def _check_piece_offsets(answer):
    from transformers import AutoTokenizer

    from ..models.packaged import minilm_folder

    letter = _choice_letter(answer, list(PIECE_CHOICES))
    text = "The library of Wolfsburg opens today."
    tokenizer = AutoTokenizer.from_pretrained(minilm_folder())
    encoded = tokenizer(text, return_offsets_mapping=True)
    pieces = tokenizer.convert_ids_to_tokens(encoded["input_ids"])
    spans = {piece: text[s:e] for piece, (s, e) in zip(pieces, encoded["offset_mapping"], strict=True)}
    covered = next(span for piece, span in spans.items() if piece.startswith("##") and span.endswith("sburg"))
    right = {"##sburg": "A", "sburg": "B", "Wolfsburg": "C"}.get(covered, "D")
    assert letter == right, {
        "A": "`##`은 토크나이저가 붙인 표시예요. 원문 문자열에는 `##`이 없어요.",
        "C": "start/end는 단어가 아니라 조각 하나의 위치예요.",
    }.get(letter, f"{letter}가 아니에요. 원문 글자만 생각해 보세요.")


@register(
    "30.3",
    "추출형 QA의 시작 점수 `start_logits`와 끝 점수 `end_logits`(1차원 텐서)에서 가장 좋은 답 구간 `(시작, 끝)` 토큰 "
    "번호를 돌려주는 함수 `answer(start_logits, end_logits, max_len=15)`를 만드세요. 구간의 점수는 시작 점수 + 끝 "
    "점수이고, 시작 ≤ 끝, 길이(끝 - 시작 + 1) ≤ max_len이어야 합니다.",
    "시작 점수가 가장 큰 곳과 끝 점수가 가장 큰 곳을 따로 고르면, 끝이 시작보다 앞에 올 수 있어요. 모든 (시작, 끝) "
    "쌍의 점수를 표로 만들고 허용되지 않는 칸을 가려 보세요. 길이 조건은 경계값(정확히 max_len)에서 확인하세요.",
    """
import torch

def answer(start_logits, end_logits, max_len=15):
    scores = start_logits[:, None] + end_logits[None, :]            # [시작, 끝]
    n = scores.shape[0]
    ones = torch.ones(n, n, dtype=torch.bool)
    allowed = torch.triu(ones) & ~torch.triu(ones, max_len)          # 시작 <= 끝 < 시작 + max_len
    s, e = divmod(int(scores.masked_fill(~allowed, float("-inf")).argmax()), n)
    return s, e
""",
    wrong=[
        # picks the best start and the best end separately
        """
def answer(start_logits, end_logits, max_len=15):
    return int(start_logits.argmax()), int(end_logits.argmax())
""",
        # an off-by-one in the length: lets a span of max_len + 1 tokens through
        """
import torch

def answer(start_logits, end_logits, max_len=15):
    scores = start_logits[:, None] + end_logits[None, :]
    n = scores.shape[0]
    ones = torch.ones(n, n, dtype=torch.bool)
    allowed = torch.triu(ones) & ~torch.triu(ones, max_len + 1)
    s, e = divmod(int(scores.masked_fill(~allowed, float("-inf")).argmax()), n)
    return s, e
""",
    ],
    title="가장 좋은 답 구간",
)
def _check_span(answer):
    import torch

    assert callable(answer), "함수를 답으로 주세요: answer(start_logits, end_logits, max_len=15)"
    start = torch.tensor([-1.0, 5.0, 1.0, 0.0, 0.0, 0.0])
    end = torch.tensor([9.0, 0.0, 0.0, 4.0, 0.0, 0.0])  # end 0 is before start 1: not allowed
    assert tuple(answer(start, end)) == (1, 3), "끝이 시작보다 앞에 올 수는 없어요(시작 ≤ 끝)."
    start = torch.tensor([6.0, 0.0, 0.0, 0.0, 0.0, 1.0])
    end = torch.tensor([0.0, 0.0, 0.0, 9.0, 0.0, 9.0])
    assert tuple(answer(start, end, max_len=3)) == (5, 5), "max_len = 3이면 0~3(4개)은 너무 길어요. 길이 = 끝 - 시작 + 1."
    assert tuple(answer(start, end, max_len=4)) == (0, 3), "max_len = 4이면 0~3(정확히 4개)은 허용돼요."
    generator = torch.Generator().manual_seed(0)
    s, e = torch.randn(20, generator=generator), torch.randn(20, generator=generator)
    i, j = answer(s, e, max_len=20)
    best = max((float(s[a] + e[b]), a, b) for a in range(20) for b in range(a, 20))
    assert (int(i), int(j)) == best[1:], "무작위 점수에서 최선의 구간을 찾지 못했어요."


@register(
    "30.4",
    "개체명 태그에는 두 방식이 있습니다. **IOB2**는 모든 개체의 첫 단어에 `B-`를 붙입니다. **IOB1**(CoNLL-2003 원본 "
    "데이터와 이 노트북의 기본 NER 모델이 쓰는 방식)은 개체를 `I-`로 시작하고, **바로 앞 단어가 같은 종류의 다른 "
    "개체로 끝날 때만** `B-`를 씁니다. 단어 수 `n_words`, 개체 목록 `entities`(`(시작, 끝, 종류)`, 끝은 포함하지 "
    "않는 단어 번호), 방식 `scheme`(`\"IOB1\"` 또는 `\"IOB2\"`)를 받아 단어마다의 태그 리스트를 돌려주는 함수 "
    "`answer(n_words, entities, scheme)`를 만드세요.\n\n"
    "예: `The Seoul Busan express carried Kim Min Jun to Samsung Electronics`에서 Seoul과 Busan은 서로 다른 두 LOC "
    "개체, Kim Min Jun은 PER, Samsung Electronics는 ORG입니다. IOB2로는 `O B-LOC B-LOC O O B-PER I-PER I-PER O B-ORG "
    "I-ORG`이고, IOB1로는 Busan만 `B-LOC`입니다.",
    "개체의 첫 단어에 B를 붙일지만 다르고, 나머지 단어는 두 방식 모두 I-종류입니다. IOB1에서는 앞 개체가 **어디서 "
    "끝났는지**와 **무슨 종류였는지**를 함께 기억해 두세요. 종류가 다르면 I로 시작해도 경계가 보이니까요.",
    """
def answer(n_words, entities, scheme):
    tags = ["O"] * n_words
    previous_end, previous_type = None, None
    for start, end, kind in sorted(entities):
        touching_same = previous_end == start and previous_type == kind
        first = "B" if scheme == "IOB2" or touching_same else "I"
        tags[start] = f"{first}-{kind}"
        for i in range(start + 1, end):
            tags[i] = f"I-{kind}"
        previous_end, previous_type = end, kind
    return tags
""",
    wrong=[
        # IOB2 for both: B- on every first word
        """
def answer(n_words, entities, scheme):
    tags = ["O"] * n_words
    for start, end, kind in entities:
        tags[start] = f"B-{kind}"
        for i in range(start + 1, end):
            tags[i] = f"I-{kind}"
    return tags
""",
        # IOB1 that starts with B- after any touching entity, whatever its type
        """
def answer(n_words, entities, scheme):
    tags = ["O"] * n_words
    previous_end = None
    for start, end, kind in sorted(entities):
        first = "B" if scheme == "IOB2" or previous_end == start else "I"
        tags[start] = f"{first}-{kind}"
        for i in range(start + 1, end):
            tags[i] = f"I-{kind}"
        previous_end = end
    return tags
""",
    ],
    title="IOB1과 IOB2",
)
def _check_iob(answer):
    assert callable(answer), "함수를 답으로 주세요: answer(n_words, entities, scheme)"
    cases = [
        (11, [(1, 2, "LOC"), (2, 3, "LOC"), (5, 8, "PER"), (9, 11, "ORG")], "문제의 예"),
        (6, [(0, 2, "PER"), (2, 3, "ORG"), (4, 6, "LOC")], "종류가 다른 개체가 맞붙은 경우"),
        (5, [(0, 1, "MISC"), (1, 2, "MISC"), (2, 3, "MISC")], "같은 종류가 셋 연달아"),
        (4, [], "개체가 없는 문장"),
    ]
    for n, entities, name in cases:
        for scheme in ("IOB2", "IOB1"):
            got = answer(n, list(entities), scheme)
            assert isinstance(got, (list, tuple)), f"[{name}] 태그의 리스트를 돌려주세요."
            expected = iob_tags(n, entities, scheme)
            assert list(got) == expected, f"[{name}, {scheme}] {list(got)} 가 아니라 {expected} 예요."


@register(
    "30.5",
    "NER 모델을 학습할 때는 단어마다 붙은 레이블을 토큰마다로 옮겨야 합니다. 토크나이저의 `word_ids()`(토큰마다 그 "
    "토큰이 속한 단어 번호, 특수 토큰은 `None`)와 단어별 레이블 id 리스트 `word_labels`를 받아, 토큰별 레이블 리스트를 "
    "돌려주는 함수 `answer(word_ids, word_labels)`를 만드세요. 관례를 따릅니다: 특수 토큰과, 한 단어의 **두 번째 이후 "
    "조각**은 손실에서 빠지도록 `-100`, 단어의 첫 조각은 그 단어의 레이블.",
    "토큰을 앞에서부터 보면서 '바로 앞 토큰의 단어 번호'를 기억해 두세요. 번호가 바뀌었을 때만 새 단어의 첫 조각입니다. "
    "-100은 PyTorch의 교차 엔트로피가 건너뛰는 값이에요.",
    """
def answer(word_ids, word_labels):
    labels, previous = [], None
    for word in word_ids:
        if word is None or word == previous:
            labels.append(-100)          # 특수 토큰, 또는 같은 단어의 두 번째 이후 조각
        else:
            labels.append(word_labels[word])
        previous = word
    return labels
""",
    wrong=[
        # gives every piece its word's label
        """
def answer(word_ids, word_labels):
    return [-100 if word is None else word_labels[word] for word in word_ids]
""",
        # labels special tokens as "O" (0) instead of leaving them out of the loss
        """
def answer(word_ids, word_labels):
    labels, previous = [], None
    for word in word_ids:
        if word is None:
            labels.append(0)
        elif word == previous:
            labels.append(-100)
        else:
            labels.append(word_labels[word])
        previous = word
    return labels
""",
    ],
    title="단어 레이블을 토큰으로",
)
def _check_label_alignment(answer):
    assert callable(answer), "함수를 답으로 주세요: answer(word_ids, word_labels)"
    cases = [
        ([None, 0, 1, 1, 2, None], [3, 0, 5], [-100, 3, 0, -100, 5, -100], "두 조각으로 나뉜 단어"),
        ([None, 0, 0, 0, None], [1], [-100, 1, -100, -100, -100], "세 조각짜리 한 단어"),
        ([None, 0, 1, 2, None, None], [0, 0, 7], [-100, 0, 0, 7, -100, -100], "조각이 없는 문장과 패딩"),
    ]
    for word_ids, word_labels, expected, name in cases:
        got = answer(list(word_ids), list(word_labels))
        assert isinstance(got, (list, tuple)), f"[{name}] 토큰별 레이블의 리스트를 돌려주세요."
        assert list(got) == expected, f"[{name}] word_ids {word_ids} → {expected} 이어야 하는데 {list(got)} 예요."


# --- notebook 30-2 ---------------------------------------------------------------------------

PREFIX_CHOICES = {
    "A": "`Open-source libraries help small teams.` (문장 그대로)",
    "B": "`translate English to French: Open-source libraries help small teams.`",
    "C": "`<fr> Open-source libraries help small teams.`",
    "D": "`French: Open-source libraries help small teams.`",
}


@register(
    "30.6",
    "`pipeline(\"translation_en_to_fr\", model=\"t5-small\")`에 `Open-source libraries help small teams.`를 넣으면, T5 "
    "모델의 인코더가 실제로 받는 문자열은 무엇일까요? 보기의 글자를 answer에 넣고 다음 절에서 확인하세요.\n\n"
    + "\n".join(f"- **{k}.** {v}" for k, v in PREFIX_CHOICES.items()),
    "T5는 모든 작업을 '텍스트 → 텍스트'로 풉니다. 같은 모델이 요약도 번역도 하려면 어떤 작업인지 입력 어딘가에 "
    "적혀 있어야겠죠.",
    'answer = "B"\n',
    wrong=['answer = "A"\n', 'answer = "C"\n'],
    title="T5가 받는 입력",
    kind="predict",
    why="T5는 작업을 입력 앞의 접두어로 구별합니다. 파이프라인이 'translate English to French: '를 붙여 줍니다.",
)
def _check_t5_prefix(answer):
    from ..tasks.seq2seq import LANGUAGES

    letter = _choice_letter(answer, list(PREFIX_CHOICES))
    prefix = f"translate {LANGUAGES.get('en', 'en')} to {LANGUAGES.get('fr', 'fr')}: "
    right = next(k for k, v in PREFIX_CHOICES.items() if v.strip("`").startswith(prefix))
    assert letter == right, {
        "A": "문장만 주면 T5는 무슨 작업을 할지 알 수 없어요. 같은 모델이 요약도 합니다.",
        "C": "언어 토큰을 붙이는 것은 mBART나 Whisper의 방식이에요. T5는 영어 문장으로 된 접두어를 씁니다.",
    }.get(letter, f"{letter}가 아니에요. T5의 작업 접두어를 떠올리세요.")


@register(
    "30.7",
    "인과적 언어 모델은 어텐션에서 미래 토큰을 가립니다. 토큰 **5개**를 넣으면 한 헤드의 어텐션 표 `[5, 5]`의 25칸 중 "
    "0이 아닌 칸은 몇 개일까요? 예측한 정수를 answer에 넣으세요. (채점은 작은 GPT-2의 어텐션을 실제로 세어 비교합니다.)",
    "첫 토큰은 몇 개를 볼 수 있나요? 두 번째 토큰은? 자기 자신도 볼 수 있다는 것을 잊지 마세요.",
    """
import torch
from transformers import GPT2Config, GPT2LMHeadModel
config = GPT2Config(vocab_size=50, n_positions=64, n_embd=16, n_layer=1, n_head=1, bos_token_id=0, eos_token_id=0)
model = GPT2LMHeadModel(config).eval()
model.config._attn_implementation = "eager"
with torch.no_grad():
    attention = model(torch.tensor([[1, 2, 3, 4, 5]]), output_attentions=True).attentions[0][0, 0]
answer = int((attention > 0).sum())
""",
    wrong=["answer = 10\n", "answer = 25\n"],
    title="인과적 마스크의 칸 수",
    kind="predict",
    why="i번째 토큰은 자기까지 i개를 봅니다: 1 + 2 + 3 + 4 + 5 = 15칸, 아래 삼각형(대각선 포함)입니다.",
)
def _check_causal_cells(answer):
    import torch

    assert _is_int(answer), "칸 수를 정수로 적어요. 예: answer = 12"
    model, _ = _tiny_gpt2()
    model.config._attn_implementation = "eager"
    attention = model(torch.tensor([[1, 2, 3, 4, 5]]), output_attentions=True).attentions[0][0, 0]
    expected = int((attention > 0).sum())
    assert answer != expected - 5, "대각선이 빠졌어요. 토큰은 자기 자신도 봅니다."
    assert answer != 25, "인과적 모델은 뒤의 토큰을 보지 못해요. 가려지는 칸이 있어요."
    assert answer == expected, f"{answer}칸이 아니에요. 토큰마다 볼 수 있는 토큰 수를 더해 보세요."


@register(
    "30.8",
    "탐욕적 디코딩을 직접 구현합니다. 인과적 언어 모델 `model`, 프롬프트 `input_ids`(`[1, 길이]` 텐서), 새로 만들 "
    "토큰 수 `n_new`를 받아, 프롬프트 뒤에 토큰 `n_new`개를 붙인 `[1, 길이 + n_new]` 텐서를 돌려주는 함수 "
    "`answer(model, input_ids, n_new)`를 만드세요. `model.generate(input_ids, max_new_tokens=n_new, do_sample=False)`와 "
    "같은 결과여야 합니다(generate는 쓰지 마세요; 채점은 작은 무작위 GPT-2로 둘을 비교합니다).",
    "모델의 로짓은 `[1, 길이, vocab]`입니다. 다음 토큰을 정하는 것은 어느 위치의 로짓일까요? 고른 토큰은 다음 스텝의 "
    "입력이 되어야 합니다.",
    """
import torch

def answer(model, input_ids, n_new):
    ids = input_ids
    for _ in range(n_new):
        with torch.no_grad():
            logits = model(input_ids=ids).logits[0, -1]      # [vocab]: 마지막 위치가 다음 토큰을 예측
        next_id = logits.argmax().view(1, 1)
        ids = torch.cat([ids, next_id], dim=1)
    return ids
""",
    wrong=[
        # reads the logits of the first position
        """
import torch

def answer(model, input_ids, n_new):
    ids = input_ids
    for _ in range(n_new):
        with torch.no_grad():
            logits = model(input_ids=ids).logits[0, 0]
        ids = torch.cat([ids, logits.argmax().view(1, 1)], dim=1)
    return ids
""",
        # never feeds its own tokens back: predicts from the prompt every time
        """
import torch

def answer(model, input_ids, n_new):
    new = []
    for _ in range(n_new):
        with torch.no_grad():
            logits = model(input_ids=input_ids).logits[0, -1]
        new.append(logits.argmax().view(1, 1))
    return torch.cat([input_ids, *new], dim=1)
""",
    ],
    title="탐욕적 디코딩을 손으로",
)
def _check_greedy(answer):
    import torch

    assert callable(answer), "함수를 답으로 주세요: answer(model, input_ids, n_new)"
    for seed, prompt, n_new in ((1, [5, 6, 7], 6), (2, [9], 8), (3, [1, 2, 3, 4, 5, 6], 4)):
        model, _ = _tiny_gpt2(seed)
        input_ids = torch.tensor([prompt])
        expected = model.generate(input_ids, attention_mask=torch.ones_like(input_ids), max_new_tokens=n_new,
                                  do_sample=False)
        got = answer(model, input_ids.clone(), n_new)
        assert isinstance(got, torch.Tensor), "토큰 id 텐서 [1, 길이 + n_new]를 돌려주세요."
        assert tuple(got.shape) == tuple(expected.shape), f"모양이 {tuple(expected.shape)}이어야 하는데 {tuple(got.shape)}예요."
        assert torch.equal(got.long(), expected), \
            f"프롬프트 {prompt}: generate는 {expected[0].tolist()}인데 {got[0].tolist()}가 나왔어요."


@register(
    "30.9",
    "샘플링 전에 로짓을 다듬는 두 가지를 직접 구현합니다. 다음 토큰의 로짓 `logits`(1차원 텐서), 온도 `temperature`, "
    "`k`를 받아, 온도를 적용하고 **확률이 가장 높은 k개만 남긴** 뒤의 확률 분포(1차원 텐서, 합이 1, 나머지 칸은 0)를 "
    "돌려주는 함수 `answer(logits, temperature, k)`를 만드세요. 채점은 transformers의 `TemperatureLogitsWarper`와 "
    "`TopKLogitsWarper`를 거친 소프트맥스와 비교합니다.",
    "온도가 1보다 작으면 분포가 뾰족해지고, 크면 평평해져야 합니다. 로짓을 어떻게 바꾸면 그렇게 될까요? 버릴 칸은 "
    "소프트맥스 **전에** 확률 0이 되도록 만들면 나머지가 저절로 합 1이 됩니다.",
    """
import torch

def answer(logits, temperature, k):
    scaled = logits / temperature
    kth_best = scaled.topk(k).values[-1]
    scaled = scaled.masked_fill(scaled < kth_best, float("-inf"))   # k번째보다 낮은 칸은 버림
    return scaled.softmax(-1)
""",
    wrong=[
        # multiplies by the temperature: a cold temperature flattens instead of sharpening
        """
import torch

def answer(logits, temperature, k):
    scaled = logits * temperature
    kth_best = scaled.topk(k).values[-1]
    return scaled.masked_fill(scaled < kth_best, float("-inf")).softmax(-1)
""",
        # zeroes the tail after the softmax and forgets to renormalise
        """
import torch

def answer(logits, temperature, k):
    probs = (logits / temperature).softmax(-1)
    kth_best = probs.topk(k).values[-1]
    return probs.masked_fill(probs < kth_best, 0.0)
""",
    ],
    title="온도와 top-k",
)
def _check_temperature_top_k(answer):
    import torch
    from transformers import TemperatureLogitsWarper, TopKLogitsWarper

    assert callable(answer), "함수를 답으로 주세요: answer(logits, temperature, k)"
    generator = torch.Generator().manual_seed(30)
    for temperature, k in ((1.0, 3), (0.5, 5), (2.0, 2), (0.7, 20)):
        logits = torch.randn(20, generator=generator, dtype=torch.float64) * 3
        warped = TopKLogitsWarper(k)(None, TemperatureLogitsWarper(temperature)(None, logits[None].clone()))
        expected = warped.softmax(-1)[0]
        got = answer(logits.clone(), temperature, k)
        assert isinstance(got, torch.Tensor) and got.shape == expected.shape, "어휘 크기와 같은 1차원 확률 텐서를 돌려주세요."
        assert torch.allclose(got.double(), expected, atol=1e-6), \
            f"온도 {temperature}, k = {k}: 가장 큰 확률이 {float(expected.max()):.3f}이어야 하는데 {float(got.max()):.3f}예요."
