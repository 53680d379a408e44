"""Exercises of chapter 40 (multimodal: captioning and document question answering).

Predict-then-run questions (40.1-40.3) compute their answer in the checker from a tiny model of the
same class (BLIP's vision encoder, LayoutLM's embeddings) or the same formula the pipeline uses.
"""

from __future__ import annotations

from . import _choice_letter, register


def _is_int(value) -> bool:
    import numbers

    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def layoutlm_box(box, width, height) -> list[int]:
    """Pixel corners -> LayoutLM's 0..1000 scale, as transformers' document-QA pipeline does it."""
    from transformers.pipelines.document_question_answering import normalize_box

    return list(normalize_box(box, width, height))


@register(
    "40.1",
    "BLIP의 비전 인코더는 ViT입니다. 384×384 이미지를 16×16 패치로 자르고 맨 앞에 [CLS]를 붙입니다. 텍스트 디코더가 "
    "크로스 어텐션으로 들여다볼 이미지 벡터는 모두 몇 개일까요? 예측한 정수를 answer에 넣고, 다음 셀의 "
    "`vision states` 모양과 비교하세요. (채점은 같은 설정의 작은 BLIP 비전 모델을 돌려 셉니다.)",
    "한 변에 패치가 몇 개 들어가는지부터 세고, 패치가 아닌 자리도 잊지 마세요.",
    """
import torch
from transformers import BlipVisionConfig, BlipVisionModel
config = BlipVisionConfig(image_size=384, patch_size=16, hidden_size=8, intermediate_size=16,
                          num_hidden_layers=1, num_attention_heads=1)
with torch.no_grad():
    states = BlipVisionModel(config)(pixel_values=torch.zeros(1, 3, 384, 384)).last_hidden_state
answer = int(states.shape[1])
""",
    wrong=["answer = 576\n", "answer = 24\n"],
    title="디코더가 보는 이미지 벡터",
    kind="predict",
    why="384 / 16 = 24, 24 × 24 = 576개의 패치에 [CLS] 하나를 더해 577개입니다.",
)
def _check_vision_tokens(answer):
    import torch
    from transformers import BlipVisionConfig, BlipVisionModel

    assert _is_int(answer), "벡터의 개수를 정수로 적어요. 예: answer = 100"
    config = BlipVisionConfig(image_size=384, patch_size=16, hidden_size=8, intermediate_size=16,
                              num_hidden_layers=1, num_attention_heads=1)
    with torch.no_grad():
        expected = int(BlipVisionModel(config)(pixel_values=torch.zeros(1, 3, 384, 384)).last_hidden_state.shape[1])
    assert answer != expected - 1, "패치 수는 맞아요. 패치 말고 하나 더 붙는 자리가 있어요."
    assert answer == expected, f"{answer}개가 아니에요. 한 변에 패치가 몇 개인지부터 세어 보세요."


BOX_CHOICES = {"A": "`[300, 150, 450, 180]` (픽셀 그대로)", "B": "`[500, 500, 750, 600]`",
               "C": "`[500, 250, 750, 300]`", "D": "`[0.5, 0.5, 0.75, 0.6]`"}


@register(
    "40.2",
    "너비 600, 높이 300픽셀인 문서 이미지에서 OCR이 단어 하나를 픽셀 상자 `[300, 150, 450, 180]`(left, top, right, "
    "bottom)으로 찾았습니다. LayoutLM에 넣을 상자는 무엇일까요? 보기의 글자를 answer에 넣고, 다음 셀의 "
    "`normalize_box`로 확인하세요.\n\n" + "\n".join(f"- **{k}.** {v}" for k, v in BOX_CHOICES.items()),
    "LayoutLM은 이미지 크기와 상관없이 같은 위치가 같은 숫자가 되도록 좌표를 0~1000으로 맞춥니다. x는 무엇으로, y는 "
    "무엇으로 나눠야 할까요?",
    'answer = "B"\n',
    wrong=['answer = "C"\n', 'answer = "D"\n', 'answer = "A"\n'],
    title="0~1000 좌표",
    kind="predict",
    why="x는 너비로, y는 높이로 나눈 뒤 1000을 곱합니다: 300/600 → 500, 150/300 → 500, 450/600 → 750, 180/300 → 600.",
)
def _check_box_choice(answer):
    letter = _choice_letter(answer, list(BOX_CHOICES))
    expected = layoutlm_box([300, 150, 450, 180], 600, 300)
    right = next(k for k, v in BOX_CHOICES.items() if v.startswith(f"`{expected}`"))
    assert letter == right, {
        "A": "LayoutLM은 픽셀 좌표를 받지 않아요. 이미지 크기가 달라도 같은 위치가 같은 숫자가 되어야 하니까요.",
        "C": "y 좌표도 너비로 나눴어요. y는 높이(300)로 나눠야 해요.",
        "D": "0~1 비율까지는 맞아요. LayoutLM의 위치 임베딩은 0~1000의 정수를 받아요.",
    }.get(letter, f"{letter}가 아니에요.")


SAME_WORD_CHOICES = {"A": "같은 벡터 (단어가 같으니까)", "B": "다른 벡터 (위치 임베딩이 더해지니까)",
                     "C": "모양부터 다르다 (좌표의 개수가 달라서)"}


@register(
    "40.3",
    "LayoutLM에 같은 단어 `total`을 문서의 왼쪽 위(`[50, 50, 150, 80]`)와 오른쪽 아래(`[600, 900, 700, 930]`)에 놓고 "
    "임베딩 층만 통과시킵니다. 두 결과 벡터는 어떨까요? 보기의 글자를 answer에 넣고 다음 절의 코드로 확인하세요.\n\n"
    + "\n".join(f"- **{k}.** {v}" for k, v in SAME_WORD_CHOICES.items()),
    "LayoutLM의 임베딩 층이 더하는 것들을 떠올리세요: 단어 임베딩 말고 무엇이 더해지나요?",
    'answer = "B"\n',
    wrong=['answer = "A"\n', 'answer = "C"\n'],
    title="같은 단어, 다른 자리",
    kind="predict",
    why="단어 임베딩에 x·y 좌표와 너비·높이의 임베딩이 더해져서, 같은 단어라도 놓인 자리마다 다른 벡터가 됩니다.",
)
def _check_same_word(answer):
    import torch
    from transformers import LayoutLMConfig, LayoutLMModel

    letter = _choice_letter(answer, list(SAME_WORD_CHOICES))
    torch.manual_seed(0)
    config = LayoutLMConfig(vocab_size=30, hidden_size=8, num_hidden_layers=1, num_attention_heads=1,
                            intermediate_size=16)
    embeddings = LayoutLMModel(config).eval().embeddings
    ids = torch.tensor([[7]])
    with torch.no_grad():
        a = embeddings(input_ids=ids, bbox=torch.tensor([[[50, 50, 150, 80]]]))
        b = embeddings(input_ids=ids, bbox=torch.tensor([[[600, 900, 700, 930]]]))
    right = "C" if a.shape != b.shape else "A" if torch.allclose(a, b) else "B"
    assert letter == right, {
        "A": "단어 임베딩만 있다면 그렇겠지요. LayoutLM은 상자 좌표의 임베딩도 더합니다.",
        "C": "좌표는 언제나 네 개(x0, y0, x1, y1)라 모양은 같아요. 값은 어떨까요?",
    }.get(letter, f"{letter}가 아니에요.")


@register(
    "40.4",
    "문서 질의응답 파이프라인은 토큰마다 상자 하나를 `bbox`로 넣습니다. 토큰 문자열 리스트 `tokens`, 토큰마다 어느 "
    "문장에 속하는지 `sequence_ids`(질문 0, 문서 단어 1, 특수 토큰 `None`), 토큰마다의 단어 번호 `word_ids`(특수 "
    "토큰은 `None`), 문서 단어별 상자 `word_boxes`(0~1000 척도)를 받아 토큰별 상자 리스트를 돌려주는 함수 "
    "`answer(tokens, sequence_ids, word_ids, word_boxes)`를 만드세요. 규칙은 transformers의 파이프라인과 같습니다: "
    "문서 단어의 토큰은 **그 단어의 상자**(한 단어가 여러 조각으로 나뉘면 조각마다 같은 상자), `[SEP]`은 "
    "`[1000, 1000, 1000, 1000]`, 질문의 토큰과 `[CLS]`는 `[0, 0, 0, 0]`.",
    "word_ids의 번호는 토큰이 아니라 **단어**의 번호입니다. 그래서 word_boxes를 그 번호로 찾으면 조각들이 저절로 같은 "
    "상자를 얻어요. 질문의 토큰에도 단어 번호가 있다는 점을 조심하세요: 질문은 문서 위에 놓여 있지 않아요.",
    """
def answer(tokens, sequence_ids, word_ids, word_boxes):
    boxes = []
    for token, sequence, word in zip(tokens, sequence_ids, word_ids):
        if sequence == 1:
            boxes.append(list(word_boxes[word]))     # 문서 단어: 조각마다 같은 상자
        elif token == "[SEP]":
            boxes.append([1000] * 4)
        else:
            boxes.append([0] * 4)                    # [CLS]와 질문
    return boxes
""",
    wrong=[
        # looks up a box for every token that has a word number, question tokens included
        """
def answer(tokens, sequence_ids, word_ids, word_boxes):
    boxes = []
    for token, sequence, word in zip(tokens, sequence_ids, word_ids):
        if word is not None:
            boxes.append(list(word_boxes[word]))
        elif token == "[SEP]":
            boxes.append([1000] * 4)
        else:
            boxes.append([0] * 4)
    return boxes
""",
        # counts document tokens instead of reading their word numbers: pieces shift the boxes
        """
def answer(tokens, sequence_ids, word_ids, word_boxes):
    boxes, k = [], 0
    for token, sequence, word in zip(tokens, sequence_ids, word_ids):
        if sequence == 1:
            boxes.append(list(word_boxes[min(k, len(word_boxes) - 1)]))
            k += 1
        elif token == "[SEP]":
            boxes.append([1000] * 4)
        else:
            boxes.append([0] * 4)
    return boxes
""",
    ],
    title="토큰마다 상자 하나",
)
def _check_token_boxes(answer):
    assert callable(answer), "함수를 답으로 주세요: answer(tokens, sequence_ids, word_ids, word_boxes)"
    word_boxes = [[60, 40, 180, 70], [190, 40, 240, 70], [60, 400, 150, 430], [320, 400, 430, 430]]
    tokens = ["[CLS]", "what", "total", "?", "[SEP]", "invoice", "no", ".", "total", "17", ",", "000", "[SEP]"]
    sequence_ids = [None, 0, 0, 0, None, 1, 1, 1, 1, 1, 1, 1, None]
    word_ids = [None, 0, 1, 2, None, 0, 1, 1, 2, 3, 3, 3, None]

    def expected():
        out = []
        for token, sequence, word in zip(tokens, sequence_ids, word_ids, strict=True):
            out.append(list(word_boxes[word]) if sequence == 1 else [1000] * 4 if token == "[SEP]" else [0] * 4)
        return out

    got = answer(list(tokens), list(sequence_ids), list(word_ids), [list(b) for b in word_boxes])
    assert isinstance(got, (list, tuple)) and len(got) == len(tokens), f"토큰 {len(tokens)}개마다 상자 하나씩, 리스트로 주세요."
    got = [list(map(int, box)) for box in got]
    for i, (box, want) in enumerate(zip(got, expected(), strict=True)):
        assert box == want, f"토큰 {i} ({tokens[i]!r}, 문장 {sequence_ids[i]}, 단어 {word_ids[i]})의 상자는 {want}인데 {box}예요."


@register(
    "40.5",
    "캡셔닝 디코더가 이미지를 보는 **크로스 어텐션**을 직접 계산합니다(헤드 하나, 투영은 이미 끝났다고 칩니다). "
    "텍스트 쪽 쿼리 `q`(`[T, d]`), 이미지 패치 쪽 키 `k`와 값 `v`(`[P, d]`)를 받아 출력 `[T, d]`를 돌려주는 함수 "
    "`answer(q, k, v)`를 만드세요. 텍스트 토큰마다 P개의 패치에 준 가중치의 합이 1이어야 합니다. 채점은 PyTorch의 "
    "`scaled_dot_product_attention`과 비교합니다.",
    "점수 표는 [T, P]입니다. 소프트맥스는 어느 축으로 해야 '텍스트 토큰마다 패치들에 나눠 준 가중치'가 될까요? "
    "점수를 나눠 주는 수(스케일)도 잊지 마세요. 폭 d가 커져도 점수가 너무 커지지 않게 하는 수입니다.",
    """
import math
import torch

def answer(q, k, v):
    scores = q @ k.T / math.sqrt(q.shape[-1])      # [T, P]
    weights = scores.softmax(dim=-1)               # 텍스트 토큰마다 패치들에 합 1을 나눠 줌
    return weights @ v                             # [T, d]
""",
    wrong=[
        # softmax over the text tokens: each patch spreads 1 over the text instead
        """
import math
import torch

def answer(q, k, v):
    weights = (q @ k.T / math.sqrt(q.shape[-1])).softmax(dim=0)
    return weights @ v
""",
        # forgets the 1/sqrt(d) scale
        """
import torch

def answer(q, k, v):
    return (q @ k.T).softmax(dim=-1) @ v
""",
    ],
    title="크로스 어텐션을 손으로",
)
def _check_cross_attention(answer):
    import torch

    assert callable(answer), "함수를 답으로 주세요: answer(q, k, v)"
    generator = torch.Generator().manual_seed(40)
    for t, p, d in ((3, 5, 4), (6, 17, 16), (1, 10, 64)):
        q = torch.randn(t, d, generator=generator, dtype=torch.float64) * 2
        k = torch.randn(p, d, generator=generator, dtype=torch.float64)
        v = torch.randn(p, d, generator=generator, dtype=torch.float64)
        expected = torch.nn.functional.scaled_dot_product_attention(q[None], k[None], v[None])[0]
        got = answer(q.clone(), k.clone(), v.clone())
        assert isinstance(got, torch.Tensor), "출력 텐서 [T, d]를 돌려주세요."
        assert tuple(got.shape) == (t, d), f"텍스트 토큰 {t}개 × 폭 {d}이니 [{t}, {d}]여야 하는데 {tuple(got.shape)}예요."
        assert torch.allclose(got.double(), expected, atol=1e-6), \
            f"T={t}, P={p}, d={d}: scaled_dot_product_attention과 값이 달라요."


@register(
    "40.6",
    "문서 질의응답 모델은 토큰마다 시작·끝 점수를 내지만, 파이프라인의 답은 **단어 번호**와 단어를 이은 문자열입니다. "
    "토큰마다의 단어 번호 `word_ids`(문서가 아닌 토큰은 `None`), 모델이 고른 토큰 구간 `start_token`, `end_token`(둘 "
    "다 포함), OCR 단어 리스트 `words`를 받아 `{\"start\": 시작 단어 번호, \"end\": 끝 단어 번호, \"answer\": 단어들을 "
    "공백으로 이은 문자열}`을 돌려주는 함수 `answer(word_ids, start_token, end_token, words)`를 만드세요. `end`도 "
    "포함입니다(5절의 `words[start:end + 1]`).",
    "토큰 번호와 단어 번호는 다릅니다. 한 단어가 여러 토큰으로 나뉘면 토큰 번호가 더 빨리 늘어나요. word_ids가 두 "
    "번호를 잇는 표입니다.",
    """
def answer(word_ids, start_token, end_token, words):
    start, end = word_ids[start_token], word_ids[end_token]
    return {"start": start, "end": end, "answer": " ".join(words[start:end + 1])}
""",
    wrong=[
        # returns the token numbers as if they were word numbers
        """
def answer(word_ids, start_token, end_token, words):
    return {"start": start_token, "end": end_token, "answer": " ".join(words[start_token:end_token + 1])}
""",
        # treats end as exclusive and drops the last word
        """
def answer(word_ids, start_token, end_token, words):
    start, end = word_ids[start_token], word_ids[end_token]
    return {"start": start, "end": end, "answer": " ".join(words[start:end])}
""",
    ],
    title="토큰 구간을 단어로",
)
def _check_word_span(answer):
    assert callable(answer), "함수를 답으로 주세요: answer(word_ids, start_token, end_token, words)"
    words = ["Invoice", "No.", "1042", "Total", "amount:", "17,000", "KRW"]
    #           [CLS] q  q  [SEP] Invoice  No . 1042   Total amount : 17 , 000  KRW [SEP]
    word_ids = [None, None, None, None, 0, 1, 1, 2, 3, 4, 4, 5, 5, 5, 6, None]
    cases = [(11, 13, 5, 5, "17,000"), (8, 13, 3, 5, "Total amount: 17,000"), (4, 4, 0, 0, "Invoice"),
             (11, 14, 5, 6, "17,000 KRW")]
    for start_token, end_token, start, end, text in cases:
        got = answer(list(word_ids), start_token, end_token, list(words))
        assert isinstance(got, dict) and {"start", "end", "answer"} <= set(got), \
            '{"start": ..., "end": ..., "answer": ...} 딕셔너리를 주세요.'
        assert (got["start"], got["end"]) == (start, end), \
            f"토큰 {start_token}~{end_token}은 단어 {start}~{end}인데 {got['start']}~{got['end']}가 나왔어요."
        assert got["answer"] == text, f"단어 {start}~{end}를 이으면 {text!r}인데 {got['answer']!r}예요."
