"""Exercises of chapter 20 (vision): patches, feature maps, receptive fields, boxes and matching.

20.1-20.6 belong to notebook 20-1 (classification), 20.7-20.12 to 20-2 (detection, segmentation,
depth). Predict-then-run questions compute their answer in the checker from a tiny model or the
library's own post-processing, never from a typed number.
"""

from __future__ import annotations

from . import _choice_letter, register


def _is_int(value) -> bool:
    import numbers

    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _tiny_vit(**overrides):
    """A one-layer ViT of width 8 for 224x224 images (random weights: only its shapes matter)."""
    import torch
    from transformers import ViTConfig, ViTModel

    torch.manual_seed(0)
    config = dict(image_size=224, patch_size=16, hidden_size=8, num_hidden_layers=1, num_attention_heads=1,
                  intermediate_size=16)
    config.update(overrides)
    return ViTModel(ViTConfig(**config)).eval()


def measured_receptive_field(layers) -> int:
    """Input positions one output of a stack of Conv1d (kernel, stride) depends on: the span of its gradient."""
    import torch

    convs = [torch.nn.Conv1d(1, 1, k, stride=s, bias=False) for k, s in layers]
    for conv in convs:
        torch.nn.init.ones_(conv.weight)  # all-positive weights: no gradient cancels out by chance
    x = torch.zeros(1, 1, 2048, requires_grad=True)
    out = torch.nn.Sequential(*convs)(x)
    out[0, 0, out.shape[-1] // 2].backward()
    seen = torch.nonzero(x.grad[0, 0]).flatten()
    return int(seen.max() - seen.min() + 1)


# --- notebook 20-1 ---------------------------------------------------------------------------

RANGE_CHOICES = {"A": "0 ~ 255", "B": "0 ~ 1", "C": "-1 ~ 1", "D": "평균 0, 표준편차 1이라 범위가 정해져 있지 않다"}


@register(
    "20.1",
    "ViT의 이미지 프로세서는 크기 조정 → 1/255 곱하기 → 채널마다 (값 - 0.5) / 0.5 를 합니다. 결과 `pixel_values`의 값은 "
    "어느 범위에 들어갈까요? 보기의 글자를 answer에 넣고, 이어지는 3절의 `value range` 출력과 비교하세요.\n\n"
    + "\n".join(f"- **{k}.** {v}" for k, v in RANGE_CHOICES.items()),
    "가장 어두운 픽셀(0)과 가장 밝은 픽셀(255)이 세 단계를 지나면 각각 어떤 수가 되는지 따라가 보세요.",
    'answer = "C"\n',
    wrong=['answer = "B"\n', 'answer = "D"\n'],
    title="pixel_values의 범위",
    kind="predict",
    why="0 → 0 → (0 - 0.5) / 0.5 = -1, 255 → 1 → (1 - 0.5) / 0.5 = 1. 그래서 -1 ~ 1입니다.",
)
def _check_pixel_range(answer):
    import numpy as np
    from PIL import Image
    from transformers import ViTImageProcessor

    letter = _choice_letter(answer, list(RANGE_CHOICES))
    ramp = np.tile(np.linspace(0, 255, 224).astype(np.uint8), (224, 1))
    pixels = ViTImageProcessor()(images=Image.fromarray(np.stack([ramp] * 3, axis=-1)), return_tensors="np")
    low, high = float(pixels["pixel_values"].min()), float(pixels["pixel_values"].max())
    right = "C" if (round(low), round(high)) == (-1, 1) else "B" if (round(low), round(high)) == (0, 1) else "A"
    assert letter == right, {
        "B": "1/255까지만 하면 0 ~ 1이지만, 그 뒤에 0.5를 빼고 0.5로 나누는 정규화가 한 번 더 있어요.",
        "D": "평균 0.5, 표준편차 0.5라는 고정된 수로 나누므로 범위가 정해져요. 0과 255를 넣어 보세요.",
    }.get(letter, f"{letter}가 아니에요. 0과 255가 세 단계를 지나 무엇이 되는지 계산해 보세요.")


@register(
    "20.2",
    "ViT-Base(224×224 입력, 16×16 패치)의 위치 임베딩 `position_embeddings`의 모양은 `[1, N, hidden]`입니다. N은 "
    "얼마일까요? 예측한 정수를 answer에 넣고 다음 절의 `position_embeddings` 출력과 비교하세요.",
    "위치 임베딩은 Transformer에 들어가는 자리마다 하나씩 있습니다. 패치 말고 맨 앞에 붙는 자리가 있었죠?",
    """
import torch
from transformers import ViTConfig, ViTModel
model = ViTModel(ViTConfig(image_size=224, patch_size=16, hidden_size=8, num_hidden_layers=1,
                           num_attention_heads=1, intermediate_size=16))
answer = int(model.embeddings.position_embeddings.shape[1])
""",
    wrong=["answer = 196\n", "answer = 224\n"],
    title="위치 임베딩은 몇 자리?",
    kind="predict",
    why="패치 14 × 14 = 196개에 [CLS] 하나를 더해 197자리입니다.",
)
def _check_positions(answer):
    assert _is_int(answer), "자리 수를 정수로 적어요. 예: answer = 100"
    expected = int(_tiny_vit().embeddings.position_embeddings.shape[1])
    assert answer != expected - 1, "패치 수는 맞게 셌어요. 패치가 아닌 자리가 하나 더 있어요."
    assert answer == expected, f"{answer}가 아니에요. 224 / 16 = 14개씩, 가로세로로 몇 개인지부터 세어 보세요."


@register(
    "20.3",
    "ViT의 **첫 번째 Transformer 층**을 지난 뒤, 가운데 패치 p(7,7) 자리의 값 하나는 224줄의 입력 픽셀 중 몇 줄에 "
    "의존할까요(그 값의 기울기가 0이 아닌 픽셀 줄의 폭)? 예측한 정수를 answer에 넣고, 8절의 측정 결과와 비교하세요. "
    "(임베딩 직후에는 자기 패치의 16줄입니다.)",
    "어텐션 층 하나에서 한 자리는 어떤 자리들의 값을 섞어 오나요? 합성곱의 7×7 창과 비교해 보세요.",
    """
import torch
from transformers import ViTConfig, ViTModel
torch.manual_seed(0)
model = ViTModel(ViTConfig(image_size=224, patch_size=16, hidden_size=8, num_hidden_layers=1,
                           num_attention_heads=1, intermediate_size=16)).eval()
pixels = torch.randn(1, 3, 224, 224, requires_grad=True)
middle = 1 + 7 * 14 + 7                      # 패치 p(7,7)의 토큰 번호([CLS] 다음부터)
model(pixel_values=pixels).last_hidden_state[0, middle, 0].backward()
rows = torch.nonzero(pixels.grad[0].abs().sum(dim=(0, 2))).flatten()
answer = int(rows.max() - rows.min() + 1)
""",
    wrong=["answer = 16\n", "answer = 48\n"],
    title="어텐션 한 층의 시야",
    kind="predict",
    why="어텐션은 모든 자리가 모든 자리를 봅니다. 층 하나만 지나도 이미지 전체(224줄)에 의존해요.",
)
def _check_vit_sight(answer):
    import torch

    assert _is_int(answer), "픽셀 줄 수를 정수로 적어요. 예: answer = 10"
    model = _tiny_vit()
    pixels = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(20), requires_grad=True)
    model(pixel_values=pixels).last_hidden_state[0, 1 + 7 * 14 + 7, 0].backward()
    rows = torch.nonzero(pixels.grad[0].abs().sum(dim=(0, 2))).flatten()
    expected = int(rows.max() - rows.min() + 1)
    assert answer == expected, {
        16: "16줄은 임베딩 직후, 자기 패치만 볼 때예요. 어텐션 층은 무엇을 섞나요?",
        48: "이웃 패치만 보는 것은 합성곱의 방식이에요. 어텐션에는 창이 없어요.",
    }.get(answer, f"{answer}줄이 아니에요. 어텐션 층 하나에서 한 자리가 섞어 오는 자리를 떠올리세요.")


@register(
    "20.4",
    "높이 `height`, 너비 `width`인 이미지를 `patch_size`×`patch_size` 패치로 자를 때 ViT가 만드는 패치 수를 돌려주는 "
    "함수 `answer(height, width, patch_size)`를 만드세요. ([CLS]는 세지 않습니다. 나누어떨어지지 않으면 stride 합성곱처럼 "
    "남는 가장자리는 버려집니다.)",
    "가로로 몇 개, 세로로 몇 개인지 따로 세서 곱하세요. 넓이를 한 번에 나누면 가장자리가 어떻게 될까요?",
    """
def answer(height, width, patch_size):
    return (height // patch_size) * (width // patch_size)
""",
    wrong=[
        # divides the areas: the cut-off edges are counted as partial patches
        """
def answer(height, width, patch_size):
    return (height * width) // (patch_size * patch_size)
""",
        # assumes a square image
        """
def answer(height, width, patch_size):
    return (height // patch_size) ** 2
""",
    ],
    title="이미지를 패치로 자르기",
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
    "20.5",
    "한 변이 `size` 픽셀인 정사각형 이미지를 ConvNeXT에 넣을 때, 네 단계 각각이 끝난 뒤 특성 맵의 한 변 길이를 리스트로 "
    "돌려주는 함수 `answer(size)`를 만드세요. (줄기: 커널 4, stride 4 / 단계 2~4의 시작: 커널 2, stride 2 / 블록 안의 7×7 "
    "깊이별 합성곱은 padding 3이라 크기를 바꾸지 않습니다.) 예: `answer(224) == [56, 28, 14, 7]`",
    "padding 없는 합성곱의 출력 크기 공식을 떠올리세요. 커널과 stride가 같으면 아주 간단해집니다. 단계는 네 개, "
    "크기를 줄이는 층도 네 개입니다.",
    """
def answer(size):
    sides = [size // 4]                 # 패치화 줄기
    for _ in range(3):
        sides.append(sides[-1] // 2)    # 단계 2~4의 시작에서 절반으로
    return sides
""",
    wrong=[
        # rounds instead of dropping the edge
        """
def answer(size):
    sides = [round(size / 4)]
    for _ in range(3):
        sides.append(round(sides[-1] / 2))
    return sides
""",
        # forgets that the stem already shrinks the image before stage 1
        """
def answer(size):
    sides = [size]
    for _ in range(3):
        sides.append(sides[-1] // 2)
    return sides
""",
    ],
    title="ConvNeXT 특성 맵의 크기",
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
    "20.6",
    "수용 영역(receptive field)을 손으로 계산합니다. padding 없는 합성곱 층들의 목록 `layers`(앞에서부터 `(kernel, "
    "stride)` 쌍의 리스트)를 받아, 마지막 층의 출력 한 칸이 의존하는 입력 픽셀의 폭(한 축)을 돌려주는 함수 "
    "`answer(layers)`를 만드세요. 예: ConvNeXT의 줄기와 첫 단계의 7×7 블록 `[(4, 4), (7, 1)]`은 28픽셀을 봅니다 "
    "(8절의 측정과 같아요). 채점은 같은 층들로 실제 기울기를 재서 비교합니다.",
    "한 층의 커널이 한 칸 넓어지면 입력에서는 몇 픽셀 넓어질까요? 그 층의 stride가 아니라, 그 층보다 **앞에 있는** "
    "층들의 stride가 답을 정합니다. 두 층짜리 예를 종이에 그려 보세요.",
    """
def answer(layers):
    field, jump = 1, 1          # jump: 지금 층의 이웃한 두 자리가 입력에서 떨어진 픽셀 수
    for kernel, stride in layers:
        field += (kernel - 1) * jump
        jump *= stride
    return field
""",
    wrong=[
        # ignores the strides: adds the kernels as if every layer ran on the input
        """
def answer(layers):
    field = 1
    for kernel, stride in layers:
        field += kernel - 1
    return field
""",
        # multiplies by the stride of the layer itself instead of the strides before it
        """
def answer(layers):
    field, jump = 1, 1
    for kernel, stride in layers:
        jump *= stride
        field += (kernel - 1) * jump
    return field
""",
    ],
    title="수용 영역을 손으로",
)
def _check_receptive_field(answer):
    assert callable(answer), "함수를 답으로 주세요: answer(layers)"
    cases = [
        ([(4, 4)], "줄기 하나"),
        ([(4, 4), (7, 1)], "줄기 + 7×7 블록"),
        ([(4, 4), (7, 1), (2, 2), (7, 1)], "ConvNeXT 두 단계"),
        ([(3, 1), (3, 1), (3, 1)], "3×3 세 층"),
        ([(3, 2), (3, 2), (3, 2)], "stride 2인 3×3 세 층"),
        ([(7, 2), (3, 2), (3, 1), (3, 1)], "ResNet식 줄기"),
    ]
    for layers, name in cases:
        got = answer(list(layers))
        expected = measured_receptive_field(layers)
        assert _is_int(got), f"[{name}] 픽셀 폭은 정수여야 해요."
        assert got == expected, f"[{name}] {layers}: 기울기로 재면 {expected}픽셀인데 {got}이(가) 나왔어요."


# --- notebook 20-2 ---------------------------------------------------------------------------

DETR_LOGITS = [[4.0, 0.0, 0.0], [0.0, 0.0, 4.0], [1.0, 1.0, 0.0], [2.0, 0.0, 1.0]]


@register(
    "20.7",
    "DETR의 후처리는 쿼리마다 클래스 로짓에 소프트맥스를 씌우고, 마지막 칸('no object')을 뺀 나머지에서 가장 높은 "
    "확률을 그 쿼리의 점수로 씁니다. 점수가 문턱값보다 높은 쿼리만 상자로 남습니다. 클래스가 `cat`, `dog` 둘뿐인 "
    "작은 DETR의 쿼리 4개가 아래 로짓을 냈습니다. **문턱값 0.5**에서 상자는 몇 개 남을까요? 예측한 정수를 answer에 "
    "넣으세요. (채점은 transformers의 `post_process_object_detection`을 실제로 돌려 비교합니다.)\n\n"
    "| 쿼리 | cat | dog | no object |\n|---|---|---|---|\n"
    + "\n".join(f"| {i} | {c:g} | {d:g} | {n:g} |" for i, (c, d, n) in enumerate(DETR_LOGITS)),
    "로짓이 가장 큰 칸이 cat이나 dog라고 해서 확률이 0.5를 넘는 것은 아니에요. e ≈ 2.7, e² ≈ 7.4, e⁴ ≈ 55로 "
    "쿼리마다 소프트맥스를 어림해 보세요.",
    """
import torch
from types import SimpleNamespace
from transformers import DetrImageProcessor
# toy_ 이름: 노트북의 outputs(DETR 순전파 결과)를 덮어쓰지 않으려고
toy_logits = torch.tensor([[[4.0, 0.0, 0.0], [0.0, 0.0, 4.0], [1.0, 1.0, 0.0], [2.0, 0.0, 1.0]]])
toy_outputs = SimpleNamespace(logits=toy_logits, pred_boxes=torch.full((1, 4, 4), 0.5))
kept = DetrImageProcessor().post_process_object_detection(toy_outputs, threshold=0.5, target_sizes=[(100, 100)])[0]
answer = len(kept["scores"])
""",
    wrong=["answer = 3\n", "answer = 1\n"],
    title="문턱값을 넘는 쿼리",
    kind="predict",
    why="쿼리 0(cat 0.96)과 쿼리 3(cat 0.67)만 남아요. 쿼리 2는 cat과 dog가 확률을 나눠 0.42씩이고, 쿼리 1은 'no object'예요.",
)
def _check_detr_threshold(answer):
    from types import SimpleNamespace

    import torch
    from transformers import DetrImageProcessor

    assert _is_int(answer), "남는 상자의 수를 정수로 적어요. 예: answer = 0"
    outputs = SimpleNamespace(logits=torch.tensor([DETR_LOGITS]), pred_boxes=torch.full((1, len(DETR_LOGITS), 4), 0.5))
    kept = DetrImageProcessor().post_process_object_detection(outputs, threshold=0.5, target_sizes=[(100, 100)])[0]
    expected = len(kept["scores"])
    assert answer != expected + 1, "쿼리 2의 로짓은 cat과 dog가 같아요. 확률을 둘이 나눠 가지면 0.5를 넘을까요?"
    assert answer == expected, f"{answer}개가 아니에요. 쿼리마다 'no object'를 뺀 가장 높은 확률을 어림해 보세요."


COST = [[1.0, 2.0], [2.0, 10.0], [5.0, 6.0]]


@register(
    "20.8",
    "예측 3개(행) × 정답 2개(열)의 비용 행렬이 `[[1, 2], [2, 10], [5, 6]]`입니다. 정답마다 서로 다른 예측을 하나씩 "
    "짝지을 때, 비용 합이 가장 작은 짝(헝가리안 알고리즘의 답)의 총비용은 얼마일까요? 예측한 수를 answer에 넣고 다음 "
    "셀의 결과와 비교하세요.",
    "가장 싼 칸(1)을 먼저 집으면 나머지 정답에는 무엇이 남나요? 짝을 짓는 방법은 3 × 2 = 6가지뿐이니 모두 적어 봐도 돼요.",
    """
import numpy as np
from scipy.optimize import linear_sum_assignment
cost = np.array([[1.0, 2.0], [2.0, 10.0], [5.0, 6.0]])
rows, cols = linear_sum_assignment(cost)
answer = float(cost[rows, cols].sum())
""",
    wrong=["answer = 7\n", "answer = 3\n"],
    title="최소 비용 짝",
    kind="predict",
    why="탐욕법은 1을 집은 뒤 6이 남아 7이지만, 예측 0 ↔ 정답 1(2)과 예측 1 ↔ 정답 0(2)이면 4입니다.",
)
def _check_min_cost(answer):
    from itertools import permutations

    assert _number(answer), "총비용을 숫자로 적어요. 예: answer = 5"
    best = min(COST[p[0]][0] + COST[p[1]][1] for p in permutations(range(len(COST)), 2))
    assert answer != 7, "7은 가장 싼 칸부터 고르는 탐욕법의 답이에요. 더 싼 조합이 있어요."
    assert answer != 3, "1과 2는 같은 예측(행 0)이라 둘 다 고를 수 없어요. 일대일 짝이어야 해요."
    assert abs(answer - best) < 1e-9, f"{answer}가 아니에요. 여섯 가지 짝을 모두 적어 보세요."


@register(
    "20.9",
    "초점 거리 700픽셀, 두 카메라 사이 12 cm인 스테레오 카메라에서 어떤 점의 시차가 **42픽셀**입니다. 그 점까지의 "
    "거리는 몇 미터일까요? 예측한 수를 answer에 넣고(소수 둘째 자리까지 맞으면 됩니다) 다음 셀의 표와 비교하세요.",
    "깊이 = 초점 거리 × 기준선 / 시차. 단위를 맞추세요: 기준선은 미터로.",
    """
focal_px, baseline_m, disparity_px = 700.0, 0.12, 42.0
answer = focal_px * baseline_m / disparity_px
""",
    wrong=["answer = 0.5\n", "answer = 200.0\n"],
    title="시차로 깊이 재기",
    kind="predict",
    why="700 × 0.12 / 42 = 2.0 m. 시차가 84픽셀로 두 배면 1 m, 가까울수록 시차가 큽니다.",
)
def _check_stereo(answer):
    assert _number(answer), "거리를 미터 단위의 숫자로 적어요. 예: answer = 1.5"
    expected = 700.0 * 0.12 / 42.0
    assert abs(answer - 1 / expected) > 1e-6, "공식이 뒤집혔어요. 시차가 클수록 가까워야(작아야) 해요."
    assert abs(answer - expected * 100) > 1e-6, "센티미터로 계산했나요? 답은 미터로 적어요."
    assert abs(answer - expected) < 0.01, f"{answer} m가 아니에요. 깊이 = f × B / 시차를 계산해 보세요."


@register(
    "20.10",
    "두 상자 `box_a`, `box_b`(각각 `(xmin, ymin, xmax, ymax)`)의 IoU(교집합 넓이 / 합집합 넓이)를 실수로 돌려주는 함수 "
    "`answer(box_a, box_b)`를 만드세요.",
    "교집합도 상자입니다. 그 왼쪽 위와 오른쪽 아래 모서리는 두 상자의 모서리로 어떻게 정해질까요? 상자가 겹치지 않을 "
    "때 너비와 높이가 어떻게 되는지, 그리고 합집합에서 무엇을 두 번 세는지도 생각해 보세요.",
    """
def answer(box_a, box_b):
    left, top = max(box_a[0], box_b[0]), max(box_a[1], box_b[1])
    right, bottom = min(box_a[2], box_b[2]), min(box_a[3], box_b[3])
    inter = max(0, right - left) * max(0, bottom - top)
    area_a = (box_a[2] - box_a[0]) * (box_a[3] - box_a[1])
    area_b = (box_b[2] - box_b[0]) * (box_b[3] - box_b[1])
    return inter / (area_a + area_b - inter)
""",
    wrong=[
        # no clamp: two negative sides multiply into a positive "overlap"
        """
def answer(box_a, box_b):
    left, top = max(box_a[0], box_b[0]), max(box_a[1], box_b[1])
    right, bottom = min(box_a[2], box_b[2]), min(box_a[3], box_b[3])
    inter = (right - left) * (bottom - top)
    area_a = (box_a[2] - box_a[0]) * (box_a[3] - box_a[1])
    area_b = (box_b[2] - box_b[0]) * (box_b[3] - box_b[1])
    return inter / (area_a + area_b - inter)
""",
        # the union counts the overlap twice
        """
def answer(box_a, box_b):
    left, top = max(box_a[0], box_b[0]), max(box_a[1], box_b[1])
    right, bottom = min(box_a[2], box_b[2]), min(box_a[3], box_b[3])
    inter = max(0, right - left) * max(0, bottom - top)
    area_a = (box_a[2] - box_a[0]) * (box_a[3] - box_a[1])
    area_b = (box_b[2] - box_b[0]) * (box_b[3] - box_b[1])
    return inter / (area_a + area_b)
""",
    ],
    title="두 상자의 IoU",
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
    "20.11",
    "DETR의 상자 손실과 매칭 비용에 쓰이는 **GIoU**(generalized IoU)를 돌려주는 함수 `answer(box_a, box_b)`를 만드세요. "
    "GIoU = IoU - (C - U) / C 이고, U는 합집합 넓이, C는 두 상자를 모두 감싸는 가장 작은 상자의 넓이입니다. 상자는 "
    "`(xmin, ymin, xmax, ymax)`입니다. 채점은 transformers의 `generalized_box_iou`와 비교합니다. (IoU는 떨어진 상자끼리 "
    "언제나 0이라, 얼마나 멀리 떨어졌는지를 알려 주지 못합니다. GIoU는 -1까지 내려갑니다.)",
    "IoU 계산은 20.10 그대로 쓰세요. 감싸는 상자는 교집합과 반대로 모서리를 고릅니다. 교집합에서 max였던 곳은 무엇이 "
    "될까요?",
    """
def answer(box_a, box_b):
    left, top = max(box_a[0], box_b[0]), max(box_a[1], box_b[1])
    right, bottom = min(box_a[2], box_b[2]), min(box_a[3], box_b[3])
    inter = max(0, right - left) * max(0, bottom - top)
    area_a = (box_a[2] - box_a[0]) * (box_a[3] - box_a[1])
    area_b = (box_b[2] - box_b[0]) * (box_b[3] - box_b[1])
    union = area_a + area_b - inter
    hull = (max(box_a[2], box_b[2]) - min(box_a[0], box_b[0])) * (max(box_a[3], box_b[3]) - min(box_a[1], box_b[1]))
    return inter / union - (hull - union) / hull
""",
    wrong=[
        # plain IoU: no penalty for the empty space around two boxes
        """
def answer(box_a, box_b):
    left, top = max(box_a[0], box_b[0]), max(box_a[1], box_b[1])
    right, bottom = min(box_a[2], box_b[2]), min(box_a[3], box_b[3])
    inter = max(0, right - left) * max(0, bottom - top)
    area_a = (box_a[2] - box_a[0]) * (box_a[3] - box_a[1])
    area_b = (box_b[2] - box_b[0]) * (box_b[3] - box_b[1])
    return inter / (area_a + area_b - inter)
""",
        # divides the empty space by the union instead of the enclosing box
        """
def answer(box_a, box_b):
    left, top = max(box_a[0], box_b[0]), max(box_a[1], box_b[1])
    right, bottom = min(box_a[2], box_b[2]), min(box_a[3], box_b[3])
    inter = max(0, right - left) * max(0, bottom - top)
    area_a = (box_a[2] - box_a[0]) * (box_a[3] - box_a[1])
    area_b = (box_b[2] - box_b[0]) * (box_b[3] - box_b[1])
    union = area_a + area_b - inter
    hull = (max(box_a[2], box_b[2]) - min(box_a[0], box_b[0])) * (max(box_a[3], box_b[3]) - min(box_a[1], box_b[1]))
    return inter / union - (hull - union) / union
""",
    ],
    title="GIoU: 떨어진 상자도 구별하기",
)
def _check_giou(answer):
    import math

    import torch
    from transformers.loss.loss_for_object_detection import generalized_box_iou

    assert callable(answer), "함수를 답으로 주세요: answer(box_a, box_b)"
    cases = [((0, 0, 2, 2), (0, 0, 2, 2), "같은 상자"),
             ((0, 0, 2, 2), (1, 1, 3, 3), "일부 겹친 상자"),
             ((0, 0, 1, 1), (2, 2, 3, 3), "대각선으로 떨어진 상자"),
             ((0, 0, 1, 1), (9, 0, 10, 1), "멀리 떨어진 상자"),
             ((0, 0, 4, 4), (1, 1, 2, 2), "안에 든 상자"),
             ((10, 20, 110, 70), (60, 45, 160, 95), "픽셀 좌표 상자")]
    for a, b, name in cases:
        expected = float(generalized_box_iou(torch.tensor([a], dtype=torch.float64), torch.tensor([b], dtype=torch.float64))[0, 0])
        got = answer(a, b)
        assert isinstance(got, (int, float)) or hasattr(got, "__float__"), "GIoU는 숫자여야 해요."
        assert math.isclose(float(got), expected, abs_tol=1e-9), f"[{name}] {a}, {b}: GIoU는 {expected:.4f}인데 {float(got):.4f}예요."


@register(
    "20.12",
    "예측 N개 × 정답 물체 M개(N ≥ M)의 비용 행렬 `cost`(NumPy 배열)를 받아, 총비용이 가장 작은 일대일 짝을 돌려주는 함수 "
    "`answer(cost)`를 만드세요. 결과는 길이 M의 리스트로, j번째 값은 정답 j와 짝지은 예측(행)의 번호입니다.",
    "가장 싼 칸부터 고르는 탐욕법은 20.8에서 보았듯 최적이 아닐 수 있어요. 4절의 셀이 쓴 scipy 함수가 무엇을 돌려주는지 "
    "(행 번호들과 열 번호들의 순서) 확인하고, 정답(열) 순서로 다시 늘어놓으세요.",
    """
from scipy.optimize import linear_sum_assignment

def answer(cost):
    rows, cols = linear_sum_assignment(cost)
    match = [0] * cost.shape[1]
    for i, j in zip(rows, cols):
        match[j] = int(i)          # 정답 j <- 예측 i
    return match
""",
    wrong=[
        # greedy: the cheapest free cell first
        """
import numpy as np

def answer(cost):
    cost, match = cost.astype(float).copy(), [0] * cost.shape[1]
    for _ in range(cost.shape[1]):
        i, j = np.unravel_index(np.argmin(cost), cost.shape)
        match[j] = int(i)
        cost[i, :], cost[:, j] = np.inf, np.inf
    return match
""",
        # the rows in scipy's order, not in the order of the targets
        """
from scipy.optimize import linear_sum_assignment

def answer(cost):
    rows, cols = linear_sum_assignment(cost)
    return [int(i) for i in rows]
""",
    ],
    title="이분 매칭",
)
def _check_matching(answer):
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    assert callable(answer), "함수를 답으로 주세요: answer(cost)"
    rng = np.random.default_rng(20)
    cases = [
        ("탐욕법 함정", np.array(COST)),  # greedy: 1 + 6 = 7, best: 2 + 2 = 4
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
