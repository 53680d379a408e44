"""Exercises of chapter 50 (comparing models: CKA, latency, agreement, parameter counts)."""

from __future__ import annotations

import math

import numpy as np

from . import register


def _callable(answer, signature: str) -> None:
    assert callable(answer), f"함수를 답으로 주세요: {signature}"


@register(
    "50.1",
    "두 행렬 x [n, d1], y [n, d2] (같은 n개 단어의 벡터)의 linear CKA를 돌려주는 함수 answer(x, y)를 만드세요. "
    "열마다 평균을 빼서(가운데 맞추기) 쓰고, ‖yᵀx‖² / (‖xᵀx‖·‖yᵀy‖) (프로베니우스 노름)를 float로 돌려줍니다.",
    "x = x - x.mean(axis=0), y도 똑같이 한 뒤 np.linalg.norm(y.T @ x) ** 2 / (np.linalg.norm(x.T @ x) * "
    "np.linalg.norm(y.T @ y))를 계산하세요. 평균을 빼는 걸 잊으면 값이 틀어집니다.",
    """
import numpy as np

def answer(x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    x = x - x.mean(axis=0)
    y = y - y.mean(axis=0)
    return float(np.linalg.norm(y.T @ x) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y)))
""",
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
    "50.2",
    "한 입력을 여러 번 돌려 잰 시간 목록(초 단위, 정렬되지 않았을 수 있음)을 받아 그 중앙값을 밀리초(ms)로 돌려주는 "
    "함수 answer(times_s)를 만드세요. hflab.compare의 '지연 ms (median)'이 바로 이 값입니다.",
    "statistics.median(times_s) * 1000. 개수가 짝수이면 가운데 두 값의 평균이 중앙값입니다. 평균(mean)이 아니에요: "
    "한 번 튀는 느린 실행에 흔들리지 않으려고 중앙값을 씁니다.",
    """
import statistics

def answer(times_s):
    return 1000 * statistics.median(times_s)
""",
)
def _check_median(answer):
    _callable(answer, "answer(times_s)")
    cases = [([0.003, 0.001, 0.002], 2.0),
             ([0.004, 0.001, 0.003, 0.002], 2.5),   # even count: the mean of the two middle ones
             ([0.001, 0.002, 0.250], 2.0),          # one slow outlier must not move the median
             ([0.0105], 10.5)]
    for times, expected in cases:
        got = answer(list(times))
        assert isinstance(got, (int, float, np.number)) and not isinstance(got, bool), \
            f"{times}: 숫자 하나를 돌려주세요."
        assert math.isclose(float(got), expected, rel_tol=1e-9, abs_tol=1e-12), \
            f"{times} 초의 중앙값은 {expected} ms 인데 {got} 이(가) 나왔어요."


@register(
    "50.3",
    "두 모델의 예측 목록 a, b(길이가 같음)를 받아 일치율을 돌려주는 함수 answer(a, b)를 만드세요. hflab처럼, 어느 한쪽이 "
    "None인 자리는 세지 않습니다(분모에서도 빠집니다).",
    "쌍 (x, y) 중 x와 y가 모두 None이 아닌 것만 남기고, 그중 x == y인 비율을 구하세요.",
    """
def answer(a, b):
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    return sum(x == y for x, y in pairs) / len(pairs)
""",
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


TINY_VIT = dict(image_size=32, patch_size=8, num_channels=3, hidden_size=32, num_hidden_layers=2,
                num_attention_heads=4, intermediate_size=64, num_labels=10)


def tiny_vit_parameters() -> int:
    from transformers import ViTConfig, ViTForImageClassification

    return sum(p.numel() for p in ViTForImageClassification(ViTConfig(**TINY_VIT)).parameters())


@register(
    "50.4",
    "ViTConfig(image_size=32, patch_size=8, num_channels=3, hidden_size=32, num_hidden_layers=2, "
    "num_attention_heads=4, intermediate_size=64, num_labels=10)로 만든 ViTForImageClassification의 "
    "파라미터 수(int)를 answer에 넣으세요.",
    "설정으로 모델을 만들고 sum(p.numel() for p in model.parameters())를 세면 됩니다. 손으로 세어 보고 싶다면: "
    "패치 임베딩(8·8·3·32 + 32), [CLS]와 위치 임베딩((1 + 16)·32 + 32), 층마다 어텐션·MLP·LayerNorm 2개, "
    "마지막 LayerNorm, 분류 머리(32·10 + 10).",
    """
from transformers import ViTConfig, ViTForImageClassification

config = ViTConfig(image_size=32, patch_size=8, num_channels=3, hidden_size=32, num_hidden_layers=2,
                   num_attention_heads=4, intermediate_size=64, num_labels=10)
answer = sum(p.numel() for p in ViTForImageClassification(config).parameters())
""",
)
def _check_vit_parameters(answer):
    assert isinstance(answer, (int, np.integer)) and not isinstance(answer, bool), \
        "파라미터 수를 정수(int) 하나로 주세요."
    expected = tiny_vit_parameters()
    assert int(answer) == expected, f"{int(answer):,}개가 아니라 {expected:,}개예요. 분류 머리와 LayerNorm도 세었나요?"


@register(
    "50.5",
    "ConvNeXT가 보통의 3×3 합성곱 대신 깊이별(depthwise) 합성곱을 쓰는 이유 하나는 파라미터 수입니다. 64채널 입력 → "
    "64채널 출력, 3×3 커널, bias 없음일 때 (보통 합성곱의 가중치 수, 깊이별 합성곱의 가중치 수)를 튜플로 answer에 넣으세요.",
    "보통 합성곱: 출력 채널마다 3·3·64개 → 64·64·9. 깊이별: 채널마다 3·3 필터 하나 → 64·9. "
    "torch.nn.Conv2d(64, 64, 3, groups=64, bias=False)로 확인해 볼 수도 있어요.",
    """
import torch

regular = torch.nn.Conv2d(64, 64, kernel_size=3, bias=False)
depthwise = torch.nn.Conv2d(64, 64, kernel_size=3, groups=64, bias=False)
answer = (regular.weight.numel(), depthwise.weight.numel())
""",
)
def _check_depthwise(answer):
    assert isinstance(answer, (tuple, list)) and len(answer) == 2, "(보통, 깊이별) 두 숫자의 튜플로 주세요."
    regular, depthwise = answer
    for value in answer:
        assert isinstance(value, (int, np.integer)) and not isinstance(value, bool), "두 값 모두 정수여야 해요."
    assert (int(regular), int(depthwise)) != (576, 36864), "순서가 바뀌었어요: (보통, 깊이별) 순서입니다."
    assert int(regular) == 64 * 64 * 9, f"보통 3×3 합성곱은 64·64·9 = {64 * 64 * 9:,}개예요 ({int(regular):,}개가 아니라)."
    assert int(depthwise) == 64 * 9, f"깊이별 합성곱은 채널마다 3×3 하나, 64·9 = {64 * 9}개예요 ({int(depthwise):,}개가 아니라)."
