"""Exercises of chapter 00 (시작하기): the offline rule, which outputs mean something, a stand-in's size by hand.

Checkers use plain dictionaries, the catalog (instant), configs on PyTorch's meta device (no memory),
and the ViT stand-in (built once in about a second, then cached).
"""

from __future__ import annotations

import torch

from . import _choice_letter, register

_ENV_CASES = [  # (environment, Hub reachable?) -> what hflab decides
    ({}, True), ({}, False), ({"HF_HUB_OFFLINE": "1"}, True), ({"HFLAB_OFFLINE": "1"}, True),
    ({"HF_HUB_OFFLINE": "0"}, True), ({"HF_HUB_OFFLINE": "0"}, False), ({"HFLAB_OFFLINE": ""}, True),
    ({"HF_HUB_OFFLINE": "1", "HFLAB_OFFLINE": "0"}, True),
]


def _offline_reference(env: dict, hub_reachable: bool) -> bool:
    return env.get("HF_HUB_OFFLINE") == "1" or env.get("HFLAB_OFFLINE") == "1" or not hub_reachable


@register(
    "00.1",
    title="오프라인 판단 규칙",
    question=(
        "3절의 규칙을 함수로 옮겨 봅시다. `decide_offline(env, hub_reachable)`를 만드세요. `env`는 환경 변수 사전"
        "(예: `{'HF_HUB_OFFLINE': '1'}`), `hub_reachable`은 Hub에 2초 안에 연결되었는지(True/False)입니다. "
        "hflab이 오프라인으로 판단해야 하면 True를 돌려줍니다. 환경 변수는 값이 `'1'`일 때만 켜진 것으로 칩니다"
        "(`'0'`이나 빈 문자열은 꺼짐). 함수 자체를 `answer`에 넣으세요."
    ),
    hint=(
        "오프라인이 되는 길은 세 가지예요. 그중 하나만 맞아도 오프라인입니다. "
        "값이 '0'인 변수도 사전에는 들어 있다는 점을 조심하세요."
    ),
    solution='''
def decide_offline(env, hub_reachable):
    switched_off = env.get("HF_HUB_OFFLINE") == "1" or env.get("HFLAB_OFFLINE") == "1"
    return switched_off or not hub_reachable

answer = decide_offline
''',
    wrong=[
        '''
def decide_offline(env, hub_reachable):
    return env.get("HF_HUB_OFFLINE") == "1" or not hub_reachable   # forgets hflab's own switch

answer = decide_offline
''',
        '''
def decide_offline(env, hub_reachable):
    return "HF_HUB_OFFLINE" in env or "HFLAB_OFFLINE" in env or not hub_reachable   # '0' counts as on

answer = decide_offline
''',
        '''
def decide_offline(env, hub_reachable):
    return env.get("HF_HUB_OFFLINE") == "1" or env.get("HFLAB_OFFLINE") == "1"   # ignores the network

answer = decide_offline
''',
    ],
)
def _check_offline_rule(answer) -> None:
    assert callable(answer), "answer에는 함수(decide_offline)를 넣어야 해요."
    for env, reachable in _ENV_CASES:
        got = answer(dict(env), reachable)
        want = _offline_reference(env, reachable)
        assert bool(got) == want, (
            f"env={env}, hub_reachable={reachable}일 때 {'오프라인' if want else '온라인'}이어야 하는데 "
            f"{got!r}가 나왔어요.")


@register(
    "00.2",
    title="오프라인에서 믿을 수 있는 출력",
    question=(
        "4절의 `source` 표를 떠올리며, 카탈로그 항목 리스트를 받아 **오프라인에서 출력에 의미가 있는** 항목들의 key를 "
        "집합으로 돌려주는 함수 `meaningful_keys(entries)`를 만드세요. 실제 가중치든 이 과정이 직접 학습했든, "
        "무작위가 아닌 가중치면 의미가 있다고 봅니다. 함수 자체를 `answer`에 넣으세요."
    ),
    hint="source가 세 가지였죠. 그중 '출력은 믿을 만한가?' 칸이 '아니요'인 것은 하나뿐이에요. Hub id가 있는지는 상관없어요.",
    solution='''
def meaningful_keys(entries):
    return {entry.key for entry in entries if entry.source in ("packaged", "trained")}

answer = meaningful_keys
''',
    wrong=[
        '''
def meaningful_keys(entries):
    return {entry.key for entry in entries if entry.source == "packaged"}   # forgets the models trained here

answer = meaningful_keys
''',
        '''
def meaningful_keys(entries):
    return {entry.key for entry in entries if entry.hub_id}   # a Hub id says nothing about offline weights

answer = meaningful_keys
''',
    ],
)
def _check_meaningful_keys(answer) -> None:
    from ..models import catalog

    assert callable(answer), "answer에는 함수(meaningful_keys)를 넣어야 해요."
    entries = catalog()
    got = set(answer(entries))
    expected = {e.key for e in entries if e.source in ("packaged", "trained")}
    standins = got & {e.key for e in entries if e.source == "tiny"}
    assert not standins, f"{sorted(standins)[:3]}… 는 무작위 스탠드인(source='tiny')이라 출력에 의미가 없어요."
    missing = expected - got
    assert not missing, f"{sorted(missing)}가 빠졌어요. 이 과정이 학습한 모델도 의미 있는 출력을 내요."
    assert got == expected, f"{sorted(got - expected)}는 카탈로그의 key가 아니에요."


def _gpt2_reference(config) -> int:
    with torch.device("meta"):  # shapes only: no memory, no time, even for the real 124M size
        from transformers import GPT2Model

        model = GPT2Model(config)
    return sum(p.numel() for p in model.parameters())


@register(
    "00.3",
    title="스탠드인의 크기를 손으로 계산하기",
    question=(
        "스탠드인은 구조는 같고 크기만 작다고 했습니다. 크기를 설정에서 **손으로** 계산해 봅시다. GPT-2 설정 `config`"
        "(`vocab_size`, `n_positions`, `n_embd` = d, `n_layer`)를 받아 GPT-2 백본(`GPT2Model`)의 파라미터 수를 돌려주는 "
        "함수 `gpt2_parameter_count(config)`를 만드세요. 층 하나에는 LayerNorm 2개(각각 가중치와 편향 d개씩), "
        "q·k·v를 한 번에 만드는 d → 3d 선형 층, 출력 투영 d → d, MLP d → 4d → d가 있고 선형 층마다 편향이 있습니다. "
        "층들 뒤에 마지막 LayerNorm이 하나 더 있고, 앞에는 단어 임베딩과 위치 임베딩 표가 있습니다. "
        "함수를 `answer`에 넣으세요. (실제 GPT-2는 124,439,808개입니다. 여러분의 식으로 확인해 보세요.)"
    ),
    hint=(
        "층 하나를 d의 식으로 먼저 정리해 보세요: 선형 층 d→k는 d·k + k개입니다. 위치 임베딩 표(n_positions × d)와 "
        "마지막 LayerNorm을 잊기 쉬워요. hflab.models.load('gpt2').model로 여러분의 식을 확인할 수 있습니다."
    ),
    solution='''
def gpt2_parameter_count(config):
    d, layers = config.n_embd, config.n_layer
    embeddings = (config.vocab_size + config.n_positions) * d        # word table + position table
    per_layer = (2 * d                      # ln_1
                 + d * 3 * d + 3 * d        # c_attn: q, k, v in one d -> 3d layer
                 + d * d + d                # attention output projection
                 + 2 * d                    # ln_2
                 + d * 4 * d + 4 * d        # mlp up
                 + 4 * d * d + d)           # mlp down
    return embeddings + layers * per_layer + 2 * d                   # + the final LayerNorm

answer = gpt2_parameter_count
''',
    wrong=[
        '''
def gpt2_parameter_count(config):
    d, layers = config.n_embd, config.n_layer
    per_layer = 12 * d * d + 13 * d
    return config.vocab_size * d + layers * per_layer + 2 * d   # forgets the position table

answer = gpt2_parameter_count
''',
        '''
def gpt2_parameter_count(config):
    d, layers = config.n_embd, config.n_layer
    return (config.vocab_size + config.n_positions) * d + layers * 12 * d * d   # weights only, no biases or norms

answer = gpt2_parameter_count
''',
    ],
)
def _check_gpt2_count(answer) -> None:
    from transformers import GPT2Config

    assert callable(answer), "answer에는 함수(gpt2_parameter_count)를 넣어야 해요."
    small = dict(bos_token_id=None, eos_token_id=None)  # token ids of the real vocabulary do not fit a small one
    configs = [GPT2Config(vocab_size=2001, n_positions=1024, n_embd=32, n_layer=2, n_head=2, **small),
               GPT2Config(vocab_size=500, n_positions=64, n_embd=48, n_layer=3, n_head=4, **small),
               GPT2Config()]  # the real openai-community/gpt2 shape
    for config in configs:
        want = _gpt2_reference(config)
        got = answer(config)
        assert int(got) == want, (
            f"vocab {config.vocab_size}, 위치 {config.n_positions}, d={config.n_embd}, 층 {config.n_layer}일 때 "
            f"{want:,}개여야 하는데 {int(got):,}개예요 (차이 {want - int(got):,}). 빠진 부분을 찾아보세요.")


@register(
    "00.4",
    kind="predict",
    title="예측: 스탠드인의 레이블 수",
    question=(
        "예측해 보세요. `google/vit-base-patch16-224`의 스탠드인은 층 2개, 32차원짜리 작은 무작위 모델입니다. "
        "이 스탠드인의 분류 헤드는 레이블을 몇 개 가질까요? 숫자 하나를 `answer`에 넣고, 아래 셀을 실행해 확인하세요."
    ),
    hint="스탠드인에서 작아지는 것은 층 수와 폭이에요. 바깥에서 보이는 약속(입력 크기, 레이블 이름)은 어떨까요?",
    solution="answer = 1000",
    wrong=["answer = 2", "answer = 10"],
)
def _check_vit_labels(answer) -> None:
    from ..models import load

    assert isinstance(answer, int) and not isinstance(answer, bool), "answer는 정수 하나여야 해요."
    labels = load("google/vit-base-patch16-224", standin=True, quiet=True).model.config.num_labels
    assert answer == labels, (
        f"{answer}개가 아니에요. 스탠드인은 실제 체크포인트와 레이블(ImageNet)이 같아요. 다음 셀에서 config.num_labels를 보세요.")


@register(
    "00.5",
    kind="predict",
    title="예측: 무작위 분류기의 최고 점수",
    question=(
        "예측해 보세요. ViT 스탠드인으로 고양이 사진을 분류하면, 1위 레이블의 점수(확률)는 어느 쪽일까요? "
        "보기의 글자 하나를 문자열로 `answer`에 넣고(예: `answer = \"A\"`), 아래 셀을 실행해 확인하세요.\n\n"
        "- **A.** 0.9 이상\n- **B.** 0.3~0.9\n- **C.** 0.01~0.3\n- **D.** 0.01 미만"
    ),
    hint="학습하지 않은 모델의 로짓은 서로 비슷해요. 비슷한 로짓 1,000개에 softmax를 하면 각 확률은 얼마쯤일까요?",
    solution='answer = "D"',
    wrong=['answer = "A"', 'answer = "C"'],
)
def _check_standin_score(answer) -> None:
    from PIL import Image

    from .. import data_path
    from ..tasks import pipeline

    letter = _choice_letter(answer, ["A", "B", "C", "D"])
    classify = pipeline("image-classification", model="vit-base")  # the catalog key: the ViT stand-in
    top = float(classify(Image.open(data_path("images", "cat.jpg")))[0]["score"])
    bucket = "A" if top >= 0.9 else "B" if top >= 0.3 else "C" if top >= 0.01 else "D"
    assert letter == bucket, (
        f"{letter}가 아니에요. 다음 셀을 실행해 1위 점수를 보세요. 무작위 모델은 거의 고르게 나눠 줘요.")
