"""Exercises of notebook 50-2 (digits ViT vs ConvNeXT): predict-then-run questions on attention weights.

Both answers are facts of transformers 5.24 and of rollout's construction; the notebook's next cell
prints what the learner predicted, so no checker loads a model.
"""

from __future__ import annotations

from . import register_choice, register_number

register_choice(
    "50.9",
    title="SDPA로 부른 ViT의 어텐션",
    question=(
        "숫자 ViT(4층, 헤드 4개, 토큰 17개)를 `attn_implementation=\"sdpa\"`(v5의 기본값)로 불러 "
        "`output_attentions=True`로 돌립니다. `outputs.attentions`에는 어텐션 지도가 몇 개 들어 있을까요? "
        "보기의 글자를 answer에 넣고, 다음 셀의 `sdpa`와 `eager` 두 줄과 비교하세요."
    ),
    choices={
        "A": "4개: 층마다 `[1, 4, 17, 17]` 하나씩 (eager와 같다)",
        "B": "0개: 빈 튜플",
        "C": "오류가 나서 멈춘다",
    },
    correct="B",
    hint="SDPA는 어텐션 가중치 행렬을 밖으로 내주지 않는 빠른 구현입니다. v5는 이때 멈추는 대신 어떻게 할까요?",
    why=(
        "v5의 SDPA 구현은 어텐션 가중치를 돌려주지 않습니다. `output_attentions=True`를 줘도 경고와 함께 빈 튜플이 "
        "돌아오므로, 롤아웃처럼 가중치가 필요하면 `attn_implementation=\"eager\"`로 불러야 합니다."
    ),
    feedback={
        "A": "eager라면 그렇습니다. SDPA는 가중치를 밖으로 내주는 구현이 아닙니다.",
        "C": "v5는 여기서 멈추지 않습니다. 경고만 남기고 무엇을 돌려줄지 생각해 보세요.",
    },
)


register_number(
    "50.10",
    title="롤아웃 한 행의 합",
    question=(
        "예측해 보세요. `tr.rollout()`은 숫자 ViT의 롤아웃 `[17, 17]`을 돌려줍니다. 마지막 층의 `[CLS]`가 입력의 "
        "토큰 17개(자기 자신과 패치 16개)에서 받은 몫, 즉 첫 행 `tr.rollout()[0]`의 값 17개를 모두 더하면 얼마일까요? "
        "숫자 하나를 answer에 넣고, 다음 셀의 출력과 비교하세요."
    ),
    correct=1.0,
    tolerance=0.01,
    wrong=[17, 4, 0.5],
    hint="롤아웃은 층마다 (헤드 평균 어텐션과 단위행렬을 섞고 행의 합을 다시 맞춘) 행렬을 곱해 쌓습니다. 행의 합이 같은 행렬끼리 곱하면 행의 합은 어떻게 될까요?",
    why=(
        "층마다 섞은 행렬은 행의 합이 1이 되게 나누고, 행의 합이 1인 행렬끼리의 곱도 행의 합이 1입니다. "
        "그래서 롤아웃의 각 행은 입력 토큰들에 나눠 준 비율이고, 합은 1입니다."
    ),
)
