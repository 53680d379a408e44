"""Exercises of chapter 50 (comparing models: latency, CKA, agreement, parameter counts).

Predict-then-run questions (50.1-50.3) compute their answer in the checker (the median, the kit's
linear_cka on random matrices); the counting exercises are checked against real torch modules.
"""

from __future__ import annotations

import math

import numpy as np

from . import _choice_letter, register


def _callable(answer, signature: str) -> None:
    assert callable(answer), f"함수를 답으로 주세요: {signature}"


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


RUNS_MS = [10.0, 11.0, 10.0, 250.0, 11.0]
LATENCY_CHOICES = {"A": "10 ms", "B": "11 ms", "C": "58.4 ms", "D": "250 ms"}


@register(
    "50.1",
    f"같은 입력을 다섯 번 돌려 잰 시간이 `{[int(t) for t in RUNS_MS]}` ms입니다(네 번째 실행 때 다른 프로그램이 CPU를 "
    "잡았습니다). `hflab.compare`가 표에 적을 지연(`latency_ms`)은 얼마일까요? 보기의 글자를 answer에 넣고, 다음 "
    "셀에서 직접 잰 median과 mean을 비교해 보세요.\n\n"
    + "\n".join(f"- **{k}.** {v}" for k, v in LATENCY_CHOICES.items()),
    "표의 지연은 평균이 아니라 다른 대푯값입니다. 한 번 튄 느린 실행에 흔들리지 않는 값이 무엇일지 생각해 보세요.",
    'answer = "B"\n',
    wrong=['answer = "C"\n', 'answer = "A"\n'],
    title="지연의 대푯값",
    kind="predict",
    why="정렬하면 10, 10, 11, 11, 250이고 가운데 값(중앙값)은 11 ms입니다. 평균 58.4 ms는 튄 한 번에 끌려간 값이에요.",
)
def _check_latency(answer):
    import statistics

    letter = _choice_letter(answer, list(LATENCY_CHOICES))
    median = statistics.median(RUNS_MS)
    right = next(k for k, v in LATENCY_CHOICES.items() if v == f"{median:g} ms")
    assert letter == right, {
        "C": "58.4 ms는 평균이에요. 네 번째의 250 ms 한 번에 크게 끌려갔죠. 표는 튀는 값에 강한 대푯값을 씁니다.",
        "A": "가장 빠른 값(최솟값)은 운이 좋았던 한 번일 수 있어요.",
        "D": "250 ms는 다른 프로그램 때문에 튄 한 번이에요.",
    }.get(letter, f"{letter}가 아니에요.")


CKA_CHOICES = {"A": "0에 가깝다", "B": "0.5 근처", "C": "1", "D": "5 (크기를 키운 만큼)"}


@register(
    "50.2",
    "단어 40개의 벡터 `x`(`[40, 8]`)를 회전시키고 5배로 늘린 `5 * x @ rotation`과 `x`의 linear CKA는 얼마일까요? "
    "보기의 글자를 answer에 넣고, 다음 셀의 출력과 비교하세요.\n\n"
    + "\n".join(f"- **{k}.** {v}" for k, v in CKA_CHOICES.items()),
    "CKA는 '단어끼리의 닮음 표'(내적의 n×n 표)를 비교합니다. 회전은 두 벡터의 내적을 바꾸나요? 늘리면 표 전체에 같은 "
    "수가 곱해지는데, 코사인 유사도는 그걸 신경 쓸까요?",
    'answer = "C"\n',
    wrong=['answer = "D"\n', 'answer = "B"\n'],
    title="회전과 크기에 대한 CKA",
    kind="predict",
    why="회전은 내적을 바꾸지 않고, 크기는 코사인 유사도에서 지워집니다. 그래서 CKA는 정확히 1입니다.",
)
def _check_cka_invariance(answer):
    from ..similarity import linear_cka

    letter = _choice_letter(answer, list(CKA_CHOICES))
    rng = np.random.default_rng(50)
    x = rng.normal(size=(40, 8))
    rotation, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    value = linear_cka(x, 5 * x @ rotation)
    right = "C" if math.isclose(value, 1.0, abs_tol=1e-6) else "B" if 0.3 < value < 0.7 else "A"
    assert letter == right, {
        "D": "CKA는 0~1 사이의 값이에요. 크기를 키워도 닮음 표의 '모양'은 그대로예요.",
        "A": "회전해도 단어끼리의 관계(내적)는 그대로예요.",
        "B": "회전과 크기는 닮음 표의 모양을 바꾸지 않아요.",
    }.get(letter, f"{letter}가 아니에요.")


WIDE_CHOICES = {"A": "0에 가깝다 (0.1 아래)", "B": "0.5 근처", "C": "0.8보다 크다", "D": "정확히 1"}


@register(
    "50.3",
    "서로 **아무 관계 없는** 무작위 행렬 둘, 단어 40개 × 폭 300(`[40, 300]`)의 linear CKA는 어느 쪽일까요? (폭 8인 무관한 "
    "행렬끼리는 0.15쯤입니다.) 보기의 글자를 answer에 넣고, 다음 셀의 마지막 줄과 비교하세요.\n\n"
    + "\n".join(f"- **{k}.** {v}" for k, v in WIDE_CHOICES.items()),
    "단어가 40개뿐이면 닮음 표는 40×40입니다. 벡터 폭이 단어 수보다 훨씬 크면, 가운데 맞춘 무작위 벡터 40개는 서로 거의 "
    "직각이에요. 두 표가 둘 다 무엇에 가까워질까요?",
    'answer = "C"\n',
    wrong=['answer = "A"\n', 'answer = "B"\n'],
    title="단어가 폭보다 적을 때",
    kind="predict",
    why="폭이 단어 수보다 크면 두 닮음 표가 모두 단위 행렬(에서 평균을 뺀 것)에 가까워져, 무관해도 CKA가 0.9 가까이 "
        "부풀려집니다. 그래서 CKA는 바닥선과 함께 읽어요.",
)
def _check_wide_cka(answer):
    from ..similarity import linear_cka

    letter = _choice_letter(answer, list(WIDE_CHOICES))
    rng = np.random.default_rng(0)
    value = linear_cka(rng.normal(size=(40, 300)), rng.normal(size=(40, 300)))
    right = "D" if math.isclose(value, 1.0) else "C" if value > 0.8 else "B" if value > 0.3 else "A"
    assert letter == right, {
        "A": "폭 8일 때처럼 생각했네요. 폭이 단어 수보다 훨씬 크면 어떻게 될까요?",
        "D": "정확히 같은 표가 되지는 않아요. 하지만 생각보다 훨씬 가까워요.",
    }.get(letter, f"{letter}가 아니에요. 40개의 단어 벡터가 300차원 공간에서 서로 어떤 각도일지 생각해 보세요.")


@register(
    "50.4",
    "두 행렬 `x`(`[n, d1]`), `y`(`[n, d2]`)(같은 n개 단어의 벡터)의 linear CKA를 float로 돌려주는 함수 `answer(x, y)`를 "
    "만드세요. 5절의 정의를 따릅니다: 열마다 평균을 빼고(가운데 맞추기), 두 '단어끼리 닮음 표'(n×n 내적 표)의 코사인 "
    "유사도. 채점은 `hflab.similarity.linear_cka`와 비교합니다.",
    "5절의 similarity_table과 코사인을 그대로 쓸 수도 있고, n×n 표를 만들지 않고 d×d 행렬들로 같은 값을 낼 수도 "
    "있어요(프로베니우스 노름). 평균을 0에서 먼 행렬로도 시험하니 가운데 맞추기를 잊지 마세요.",
    """
import numpy as np

def answer(x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    x = x - x.mean(axis=0)                         # 열마다 평균 빼기
    y = y - y.mean(axis=0)
    return float(np.linalg.norm(y.T @ x) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y)))
""",
    wrong=[
        # forgets to centre the columns
        """
import numpy as np

def answer(x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.linalg.norm(y.T @ x) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y)))
""",
        # compares the raw vectors (cosine of x and y) instead of the two similarity tables
        """
import numpy as np

def answer(x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    x, y = x - x.mean(axis=0), y - y.mean(axis=0)
    width = min(x.shape[1], y.shape[1])
    a, b = x[:, :width].ravel(), y[:, :width].ravel()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
""",
    ],
    title="linear CKA를 손으로",
)
def _check_cka(answer):
    from ..similarity import linear_cka

    _callable(answer, "answer(x, y)")
    rng = np.random.default_rng(50)
    x = rng.normal(size=(30, 6))
    rotation, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    cases = [
        ("같은 행렬", x, x.copy()),
        ("회전하고 3배 키운 행렬", x, 3.0 * x @ rotation),
        ("폭이 다른 무관한 행렬", x, rng.normal(size=(30, 9))),
        # far from zero on average: an answer that forgets to centre the columns gets this one wrong
        ("평균이 0에서 먼 행렬", x + 5.0, 0.5 * x[:, :4] + rng.normal(size=(30, 4)) - 7.0),
    ]
    for name, a, b in cases:
        got = answer(a.copy(), b.copy())
        assert isinstance(got, (float, np.floating)) and not isinstance(got, bool), \
            f"{name}: float 하나를 돌려주세요 (받은 것: {type(got).__name__})."
        expected = linear_cka(a, b)
        assert math.isclose(float(got), expected, rel_tol=1e-6, abs_tol=1e-9), \
            f"{name}: CKA가 {expected:.4f} 이어야 하는데 {float(got):.4f} 이(가) 나왔어요."


@register(
    "50.5",
    "일치율은 우연히 맞는 몫을 가려내지 못합니다. 늘 POSITIVE만 말하는 모델 둘은 일치율 1이지만 아무것도 보지 않았죠. "
    "우연을 뺀 일치도인 **코헨의 카파**(Cohen's kappa)를 돌려주는 함수 `answer(a, b)`를 만드세요(`a`, `b`는 같은 길이의 "
    "레이블 리스트, None 없음). κ = (p_o - p_e) / (1 - p_e)이고, p_o는 실제 일치율, p_e는 두 모델이 **각자의 레이블 "
    "비율대로** 서로 모른 채 답할 때 우연히 일치할 확률입니다. 채점은 scikit-learn의 `cohen_kappa_score`와 비교합니다.",
    "p_e는 레이블마다 (a가 그 레이블을 말한 비율) × (b가 그 레이블을 말한 비율)을 더한 것입니다. 레이블이 몇 종류인지로 "
    "1/종류 수를 쓰면, 한쪽으로 쏠린 모델(스탠드인처럼)의 우연을 과소평가해요.",
    """
from collections import Counter

def answer(a, b):
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    count_a, count_b = Counter(a), Counter(b)
    chance = sum(count_a[label] * count_b[label] for label in set(a) | set(b)) / n**2
    return (observed - chance) / (1 - chance)
""",
    wrong=[
        # the plain agreement: no correction for chance
        """
def answer(a, b):
    return sum(x == y for x, y in zip(a, b)) / len(a)
""",
        # chance as if every label were equally likely
        """
def answer(a, b):
    observed = sum(x == y for x, y in zip(a, b)) / len(a)
    chance = 1 / len(set(a) | set(b))
    return (observed - chance) / (1 - chance)
""",
    ],
    title="우연을 뺀 일치도",
)
def _check_kappa(answer):
    from sklearn.metrics import cohen_kappa_score

    _callable(answer, "answer(a, b)")
    rng = np.random.default_rng(5)
    skewed_a = ["POSITIVE"] * 18 + ["NEGATIVE"] * 2
    skewed_b = ["POSITIVE"] * 15 + ["NEGATIVE"] * 3 + ["POSITIVE"] * 2
    cases = [
        ("한쪽으로 쏠린 두 모델", skewed_a, skewed_b),
        ("숫자 세 종류", list("0120120112"), list("0120210112")),
        ("무작위 레이블 60개", [str(v) for v in rng.integers(0, 4, 60)], [str(v) for v in rng.integers(0, 4, 60)]),
        ("거의 같은 답", ["a", "b", "a", "b", "a", "a"], ["a", "b", "a", "b", "b", "a"]),
    ]
    for name, a, b in cases:
        got = answer(list(a), list(b))
        assert isinstance(got, (int, float, np.number)) and not isinstance(got, bool), f"[{name}] 숫자 하나를 돌려주세요."
        expected = cohen_kappa_score(a, b)
        assert math.isclose(float(got), expected, abs_tol=1e-9), \
            f"[{name}] 카파는 {expected:.4f}인데 {float(got):.4f}가 나왔어요."


@register(
    "50.6",
    "두 모델의 예측 목록 `a`, `b`(길이가 같음)를 받아 일치율을 돌려주는 함수 `answer(a, b)`를 만드세요. `hflab.compare`"
    "처럼, 어느 한쪽이 None(답을 내지 못한 입력)인 자리는 세지 않습니다(분모에서도 빠집니다).",
    "None이 있는 자리를 '불일치'로 세면 답을 못 낸 것이 틀린 것처럼 보여요. 셀 쌍을 먼저 고른 뒤 비율을 구하세요.",
    """
def answer(a, b):
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    return sum(x == y for x, y in pairs) / len(pairs)
""",
    wrong=[
        # counts the pairs with a None as disagreements
        """
def answer(a, b):
    return sum(x == y and x is not None for x, y in zip(a, b)) / len(a)
""",
        # compares the sets of labels instead of the answers input by input
        """
def answer(a, b):
    shared = set(a) & set(b) - {None}
    return len(shared) / len(set(a) | set(b) - {None})
""",
    ],
    title="두 모델의 일치율",
)
def _check_agreement(answer):
    _callable(answer, "answer(a, b)")
    cases = [(["1", "2", "3", "4"], ["1", "2", "0", "4"], 0.75),
             (["POSITIVE", None, "NEGATIVE", "NEGATIVE"], ["POSITIVE", "NEGATIVE", "POSITIVE", None], 0.5),
             (["7", "7"], ["7", "7"], 1.0),
             (["3", "5", "8"], ["8", "3", "5"], 0.0)]   # the same labels in another order agree nowhere
    for a, b, expected in cases:
        got = answer(list(a), list(b))
        assert isinstance(got, (int, float, np.number)) and not isinstance(got, bool), \
            f"{a} / {b}: 0과 1 사이의 숫자 하나를 돌려주세요."
        assert math.isclose(float(got), expected, abs_tol=1e-9), \
            f"{a} 와 {b} 의 일치율은 {expected} 인데 {got} 이(가) 나왔어요."


def vit_parameters(image_size, patch_size, channels, hidden, layers, intermediate, labels) -> int:
    """Count the parameters of a real ViTForImageClassification of this shape."""
    from transformers import ViTConfig, ViTForImageClassification

    heads = 1 if hidden % 4 else 4
    config = ViTConfig(image_size=image_size, patch_size=patch_size, num_channels=channels, hidden_size=hidden,
                       num_hidden_layers=layers, num_attention_heads=heads, intermediate_size=intermediate,
                       num_labels=labels)
    return sum(p.numel() for p in ViTForImageClassification(config).parameters())


@register(
    "50.7",
    "ViT 분류기의 파라미터 수를 **손으로** 셉니다. 함수 `answer(image_size, patch_size, channels, hidden, layers, "
    "intermediate, labels)`가 `ViTForImageClassification`(모든 선형 층과 합성곱에 bias 있음)의 파라미터 수를 정수로 "
    "돌려주게 하세요. 모델을 만들어 세지 말고 부품마다 식으로 세세요. 채점은 여러 설정의 실제 모델과 비교합니다. 부품: "
    "패치 임베딩(stride = 패치 크기인 합성곱), `[CLS]` 하나, 위치 임베딩, 층마다 (어텐션 Q·K·V·출력 + LayerNorm 2개 + "
    "MLP hidden→intermediate→hidden), 마지막 LayerNorm, 분류 헤드.",
    "선형 층 a→b는 a·b + b, LayerNorm은 폭마다 두 개(γ, β)입니다. 위치 임베딩은 패치 수가 아니라 **자리** 수만큼 있어요. "
    "헤드 수는 답을 바꾸지 않습니다: 헤드들이 hidden을 나눠 가질 뿐이에요.",
    """
def answer(image_size, patch_size, channels, hidden, layers, intermediate, labels):
    patches = (image_size // patch_size) ** 2
    embeddings = channels * patch_size**2 * hidden + hidden      # 패치 임베딩 합성곱
    embeddings += hidden + (patches + 1) * hidden                # [CLS]와 자리마다 위치 하나
    attention = 4 * (hidden * hidden + hidden)                   # 쿼리, 키, 값, 출력
    mlp = hidden * intermediate + intermediate + intermediate * hidden + hidden
    norms = 2 * 2 * hidden
    final_norm = 2 * hidden
    head = hidden * labels + labels
    return embeddings + layers * (attention + mlp + norms) + final_norm + head
""",
    wrong=[
        # forgets the LayerNorms
        """
def answer(image_size, patch_size, channels, hidden, layers, intermediate, labels):
    patches = (image_size // patch_size) ** 2
    embeddings = channels * patch_size**2 * hidden + hidden + hidden + (patches + 1) * hidden
    attention = 4 * (hidden * hidden + hidden)
    mlp = hidden * intermediate + intermediate + intermediate * hidden + hidden
    return embeddings + layers * (attention + mlp) + hidden * labels + labels
""",
        # one position per patch: forgets the slot of [CLS]
        """
def answer(image_size, patch_size, channels, hidden, layers, intermediate, labels):
    patches = (image_size // patch_size) ** 2
    embeddings = channels * patch_size**2 * hidden + hidden + hidden + patches * hidden
    attention = 4 * (hidden * hidden + hidden)
    mlp = hidden * intermediate + intermediate + intermediate * hidden + hidden
    return embeddings + layers * (attention + mlp + 4 * hidden) + 2 * hidden + hidden * labels + labels
""",
    ],
    title="ViT의 파라미터를 손으로 세기",
)
def _check_vit_parameters(answer):
    _callable(answer, "answer(image_size, patch_size, channels, hidden, layers, intermediate, labels)")
    for shape in ((32, 8, 3, 32, 2, 64, 10), (224, 16, 3, 48, 1, 96, 1000), (28, 7, 1, 20, 3, 40, 2)):
        got = answer(*shape)
        assert _is_int(got), f"answer{shape}는 정수여야 해요 ({type(got).__name__}이 나왔어요)."
        expected = vit_parameters(*shape)
        assert int(got) == expected, f"answer{shape} = {int(got):,}, 실제 모델은 {expected:,}개예요 (차이 {expected - int(got):+,})."


@register(
    "50.8",
    "ConvNeXT가 깊이별(depthwise) 합성곱을 쓰는 이유 하나는 파라미터 수입니다. bias 없는 `torch.nn.Conv2d(c_in, c_out, "
    "kernel, groups=groups)`의 가중치 수를 돌려주는 함수 `answer(c_in, c_out, kernel, groups)`를 만드세요. "
    "(`groups = c_in = c_out`이면 깊이별 합성곱, `groups = 1`이면 보통 합성곱입니다.) 채점은 실제 Conv2d와 비교합니다.",
    "출력 채널 하나는 입력 채널을 **모두** 보나요, 자기 그룹의 입력 채널만 보나요? 출력 채널 하나의 필터 크기를 먼저 "
    "세고 출력 채널 수를 곱하세요.",
    """
def answer(c_in, c_out, kernel, groups):
    return c_out * (c_in // groups) * kernel * kernel     # 출력 채널마다 자기 그룹의 입력만 봄
""",
    wrong=[
        # ignores the groups
        """
def answer(c_in, c_out, kernel, groups):
    return c_out * c_in * kernel * kernel
""",
        # divides the inputs by the groups but forgets that there are c_out filters
        """
def answer(c_in, c_out, kernel, groups):
    return (c_in // groups) * kernel * kernel * groups
""",
    ],
    title="깊이별 합성곱의 가중치 수",
)
def _check_conv_weights(answer):
    import torch

    _callable(answer, "answer(c_in, c_out, kernel, groups)")
    for c_in, c_out, kernel, groups in ((64, 64, 3, 1), (64, 64, 3, 64), (96, 96, 7, 96), (32, 64, 3, 4),
                                        (16, 48, 1, 1), (8, 16, 5, 8)):
        got = answer(c_in, c_out, kernel, groups)
        assert _is_int(got), "가중치 수는 정수여야 해요."
        expected = torch.nn.Conv2d(c_in, c_out, kernel, groups=groups, bias=False).weight.numel()
        assert int(got) == expected, \
            f"Conv2d({c_in}, {c_out}, {kernel}, groups={groups})의 가중치는 {expected:,}개인데 {int(got):,}개가 나왔어요."
