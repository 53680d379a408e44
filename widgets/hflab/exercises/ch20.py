"""Exercises of chapter 20 (vision)."""

from __future__ import annotations

from . import register


def _is_int(value) -> bool:
    import numbers

    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@register(
    "20.1",
    "높이 height, 너비 width인 이미지를 patch_size×patch_size 패치로 자를 때 ViT가 만드는 패치 수를 돌려주는 함수 "
    "answer(height, width, patch_size)를 만드세요. ([CLS]는 세지 않습니다. 나누어떨어지지 않으면 stride 합성곱처럼 "
    "남는 가장자리는 버려집니다.)",
    "가로로 몇 개, 세로로 몇 개인지 따로 세서 곱하세요. 정수 나눗셈 //을 쓰면 남는 가장자리가 저절로 버려집니다.",
    """
def answer(height, width, patch_size):
    return (height // patch_size) * (width // patch_size)
""",
)
def _check_patches(answer):
    assert callable(answer), "함수를 답으로 주세요: answer(height, width, patch_size)"
    cases = [((224, 224, 16), 196, "224×224, 16픽셀 패치는 14×14 = 196개예요."),
             ((384, 384, 16), 576, "384×384, 16픽셀 패치는 24×24 = 576개예요."),
             ((224, 224, 32), 49, "224×224, 32픽셀 패치는 7×7 = 49개예요."),
             ((224, 320, 16), 280, "높이와 너비가 다르면 14×20 = 280개예요. 가로와 세로를 따로 세세요."),
             ((230, 250, 16), 210, "230×250은 14×15 = 210개예요. 나누어떨어지지 않는 가장자리는 버려요.")]
    for args, expected, message in cases:
        got = answer(*args)
        assert _is_int(got), f"answer{args}가 정수가 아니라 {type(got).__name__}을(를) 돌려줘요."
        assert got == expected, f"answer{args} = {got}: {message}"


@register(
    "20.2",
    "한 변이 size 픽셀인 정사각형 이미지를 ConvNeXT에 넣을 때, 네 단계 각각이 끝난 뒤 특성 맵의 한 변 길이를 리스트로 "
    "돌려주는 함수 answer(size)를 만드세요. (줄기: 커널 4, stride 4 / 단계 2~4의 시작: 커널 2, stride 2 / 블록 안의 7×7 "
    "깊이별 합성곱은 padding 3이라 크기를 바꾸지 않습니다.) 예: answer(224) == [56, 28, 14, 7]",
    "padding 없는 합성곱의 출력 크기는 (입력 - 커널) // stride + 1 입니다. 커널과 stride가 같으면 입력 // stride 와 같아요.",
    """
def answer(size):
    sides = [size // 4]
    for _ in range(3):
        sides.append(sides[-1] // 2)
    return sides
""",
)
def _check_convnext_sides(answer):
    assert callable(answer), "함수를 답으로 주세요: answer(size)"

    def expected(size):
        side = (size - 4) // 4 + 1
        out = [side]
        for _ in range(3):
            side = (side - 2) // 2 + 1
            out.append(side)
        return out

    for size in (224, 384, 256, 100, 250):
        got = answer(size)
        assert isinstance(got, (list, tuple)), f"answer({size})는 네 단계의 길이를 담은 리스트여야 해요."
        got = list(got)
        assert len(got) == 4, f"answer({size})에 단계가 {len(got)}개 있어요. 네 단계의 값이 필요해요."
        assert all(_is_int(v) for v in got), f"answer({size})의 값은 모두 정수여야 해요: {got}"
        assert got == expected(size), f"answer({size}) = {got}, 기대한 값은 {expected(size)} 이에요."


@register(
    "20.3",
    "두 상자 box_a, box_b(각각 (xmin, ymin, xmax, ymax))의 IoU(교집합 넓이 / 합집합 넓이)를 실수로 돌려주는 함수 "
    "answer(box_a, box_b)를 만드세요.",
    "교집합의 왼쪽 위는 두 상자의 xmin·ymin 중 큰 값, 오른쪽 아래는 xmax·ymax 중 작은 값입니다. 겹치지 않으면 너비나 높이가 "
    "음수가 되니 max(0, ...)로 막으세요. 합집합 = 넓이 A + 넓이 B - 교집합.",
    """
def answer(box_a, box_b):
    left, top = max(box_a[0], box_b[0]), max(box_a[1], box_b[1])
    right, bottom = min(box_a[2], box_b[2]), min(box_a[3], box_b[3])
    inter = max(0, right - left) * max(0, bottom - top)
    area_a = (box_a[2] - box_a[0]) * (box_a[3] - box_a[1])
    area_b = (box_b[2] - box_b[0]) * (box_b[3] - box_b[1])
    return inter / (area_a + area_b - inter)
""",
)
def _check_iou(answer):
    import math

    assert callable(answer), "함수를 답으로 주세요: answer(box_a, box_b)"
    cases = [((0, 0, 2, 2), (0, 0, 2, 2), 1.0, "같은 상자의 IoU는 1이에요."),
             ((0, 0, 2, 2), (1, 1, 3, 3), 1 / 7, "교집합 1, 합집합 4 + 4 - 1 = 7 이에요."),
             ((0, 0, 4, 4), (1, 1, 2, 2), 1 / 16, "안에 들어 있는 상자: 교집합 1, 합집합 16 이에요."),
             ((0, 0, 1, 1), (2, 2, 3, 3), 0.0, "멀리 떨어진 상자는 0이에요. 음수 너비 × 음수 높이가 양수가 되지 않게 하세요."),
             ((0, 0, 2, 2), (2, 0, 4, 2), 0.0, "변만 맞닿은 상자는 겹친 넓이가 0이에요."),
             ((0, 0, 2, 2), (3, 0, 5, 2), 0.0, "가로로만 떨어진 상자도 0이에요(높이는 겹쳐도 너비가 음수)."),
             ((10, 20, 110, 70), (60, 45, 160, 95), 1250 / 8750, "픽셀 좌표 상자: 교집합 50×25 = 1250, 합집합 8750 이에요.")]
    for a, b, expected, message in cases:
        for first, second in ((a, b), (b, a)):
            got = answer(first, second)
            assert isinstance(got, (int, float)) or hasattr(got, "__float__"), "IoU는 숫자여야 해요."
            assert math.isclose(float(got), expected, abs_tol=1e-9), f"answer({first}, {second}) = {got}: {message}"


@register(
    "20.4",
    "예측 N개 × 정답 물체 M개(N ≥ M)의 비용 행렬 cost(NumPy 배열)를 받아, 총비용이 가장 작은 일대일 짝을 돌려주는 함수 "
    "answer(cost)를 만드세요. 결과는 길이 M의 리스트로, j번째 값은 정답 j와 짝지은 예측(행)의 번호입니다.",
    "scipy.optimize.linear_sum_assignment(cost)가 (행 번호들, 열 번호들)을 돌려줍니다. 열 j마다 짝이 된 행을 찾아 "
    "리스트에 넣으세요. 가장 싼 칸부터 고르는 탐욕법은 최적이 아닐 수 있어요.",
    """
from scipy.optimize import linear_sum_assignment
def answer(cost):
    rows, cols = linear_sum_assignment(cost)
    match = [0] * cost.shape[1]
    for i, j in zip(rows, cols):
        match[j] = int(i)
    return match
""",
)
def _check_matching(answer):
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    assert callable(answer), "함수를 답으로 주세요: answer(cost)"
    rng = np.random.default_rng(20)
    cases = [
        ("탐욕법 함정", np.array([[1.0, 2.0], [2.0, 10.0], [5.0, 6.0]])),  # greedy: 1 + 6 = 7, best: 2 + 2 = 4
        ("정사각 3×3", np.array([[4.0, 1.0, 3.0], [2.0, 0.0, 5.0], [3.0, 2.0, 2.0]])),
        ("동점이 많은 행렬", np.array([[1.0, 1.0], [1.0, 1.0], [0.0, 0.0]])),
        ("예측 100개 × 물체 3개", rng.random((100, 3))),
        ("음수 비용(DETR처럼 -확률)", -rng.random((6, 4))),
    ]
    for name, cost in cases:
        got = answer(cost.copy())
        assert isinstance(got, (list, tuple, np.ndarray)), f"[{name}] 결과는 리스트여야 해요."
        got = list(got)
        n, m = cost.shape
        assert len(got) == m, f"[{name}] 정답 물체가 {m}개이니 길이 {m}의 리스트여야 하는데 {len(got)}개예요."
        assert all(_is_int(i) and 0 <= i < n for i in got), f"[{name}] 값은 0..{n - 1} 사이의 행 번호여야 해요: {got}"
        assert len(set(got)) == m, f"[{name}] 예측 하나가 두 물체와 짝지어졌어요(일대일이어야 해요): {got}"
        rows, cols = linear_sum_assignment(cost)
        best = cost[rows, cols].sum()
        total = sum(cost[i, j] for j, i in enumerate(got))
        assert abs(total - best) < 1e-9, f"[{name}] 총비용 {total:.4f}, 가장 작은 총비용은 {best:.4f} 이에요."
