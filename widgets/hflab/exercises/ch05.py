"""Exercises of chapter 05 (헤드 마스킹과 가지치기): a masking hook, counting pruned weights, a prune plan.

The checkers use a single nn.Linear or plain numbers, so they run in milliseconds.
"""

from __future__ import annotations

import torch

from . import register


@register(
    "05.1",
    question=(
        "헤드를 끄는 forward pre-hook을 만드는 함수 `make_mask_hook(heads, head_dim)`를 작성하세요. "
        "돌려주는 hook은 출력 투영(`o_proj`/`output.dense`)에 들어가는 입력 `[batch, seq, heads*head_dim]`에서 "
        "`heads`에 든 헤드들의 열 구간(head*head_dim 부터 (head+1)*head_dim 전까지)을 0으로 만든 **새 텐서**를 "
        "`(tensor,)` 튜플로 돌려줘야 합니다. 함수를 `answer`에 넣으세요."
    ),
    hint=(
        "def hook(module, args): x = args[0].clone(); for h in heads: x[..., h*head_dim:(h+1)*head_dim] = 0; "
        "return (x,) + args[1:]. 입력을 제자리에서 바꾸면(clone 없이) 다른 곳에서 쓰는 텐서까지 망가질 수 있어요."
    ),
    solution='''
def make_mask_hook(heads, head_dim):
    def hook(module, args):
        x = args[0].clone()                                   # [batch, seq, heads * head_dim]
        for h in heads:
            x[..., h * head_dim:(h + 1) * head_dim] = 0       # this head's slice contributes nothing
        return (x,) + tuple(args[1:])
    return hook

answer = make_mask_hook
''',
)
def _check_mask_hook(answer) -> None:
    assert callable(answer), "answer에는 함수(make_mask_hook)를 넣어야 해요."
    torch.manual_seed(5)
    proj = torch.nn.Linear(12, 4, bias=False)  # 3 heads x head_dim 4 -> 4 outputs
    x = torch.randn(2, 3, 12)
    original = x.clone()
    handle = proj.register_forward_pre_hook(answer([0, 2], 4))
    try:
        with torch.no_grad():
            got = proj(x)
    finally:
        handle.remove()
    assert torch.equal(x, original), "hook이 입력 텐서를 제자리에서 바꿨어요. clone()한 사본을 고치세요."
    kept = x.clone()
    kept[..., 0:4] = 0
    kept[..., 8:12] = 0
    with torch.no_grad():
        want = proj(kept)
    assert torch.allclose(got, want, atol=1e-6), "헤드 0과 2의 열 구간(0:4, 8:12)만 0이 되어야 해요."


@register(
    "05.2",
    question=(
        "BERT 계열 한 층에서 헤드 k개를 가지치기하면 파라미터가 몇 개 줄어들까요? 함수 "
        "`pruned_params(hidden_size, head_dim, k)`를 만드세요. query·key·value 투영은 각각 가중치 "
        "`[k*head_dim, hidden]`과 편향 `k*head_dim`을 잃고, 출력 투영은 가중치 `[hidden, k*head_dim]`를 잃습니다"
        "(출력 편향은 그대로). 함수를 `answer`에 넣으세요. (minilm: hidden 384, head_dim 32)"
    ),
    hint="3 * (k*head_dim*hidden_size + k*head_dim) + hidden_size*k*head_dim 입니다. minilm에서 k=1이면 49,248.",
    solution='''
def pruned_params(hidden_size, head_dim, k):
    qkv = 3 * (k * head_dim * hidden_size + k * head_dim)   # rows of query/key/value weights and biases
    out = hidden_size * k * head_dim                          # columns of the output projection
    return qkv + out

answer = pruned_params
''',
)
def _check_pruned_params(answer) -> None:
    assert callable(answer), "answer에는 함수(pruned_params)를 넣어야 해요."
    for hidden, head_dim, k in ((384, 32, 1), (384, 32, 5), (768, 64, 3), (16, 4, 0)):
        want = 3 * (k * head_dim * hidden + k * head_dim) + hidden * k * head_dim
        got = answer(hidden, head_dim, k)
        if got != want:
            no_bias = 4 * hidden * k * head_dim
            if got == no_bias:
                raise AssertionError("가중치만 셌어요. query·key·value의 편향(k*head_dim씩)도 함께 사라져요.")
            raise AssertionError(f"hidden={hidden}, head_dim={head_dim}, k={k}일 때 {want:,}개여야 하는데 {got}이에요.")


@register(
    "05.3",
    question=(
        "헤드 중요도 점수 `scores`(`[layers, heads]` 텐서, 클수록 중요)를 받아 **가장 덜 중요한 헤드 n개**를 "
        "`hflab.heads.prune`/`mask`가 받는 `{layer: [head, ...]}` 사전으로 돌려주는 함수 `least_important(scores, n)`를 "
        "만드세요. 사전의 값은 오름차순으로 정렬된 정수 리스트여야 합니다. 함수를 `answer`에 넣으세요."
    ),
    hint=(
        "scores.flatten().argsort()[:n]으로 가장 작은 n개의 평면 인덱스를 얻고, divmod(i, heads)로 "
        "(층, 헤드)로 되돌린 뒤 사전에 모으세요."
    ),
    solution='''
import torch

def least_important(scores, n):
    scores = torch.as_tensor(scores)
    num_heads = scores.shape[1]
    plan = {}
    for flat in scores.flatten().argsort()[:n].tolist():
        layer, head = divmod(flat, num_heads)
        plan.setdefault(layer, []).append(head)
    return {layer: sorted(heads) for layer, heads in sorted(plan.items())}

answer = least_important
''',
)
def _check_least_important(answer) -> None:
    assert callable(answer), "answer에는 함수(least_important)를 넣어야 해요."
    scores = torch.tensor([[0.50, 0.01, 0.30],
                           [0.02, 0.90, 0.03],
                           [0.70, 0.80, 0.04]])
    got = answer(scores, 4)
    assert isinstance(got, dict), "결과는 {layer: [head, ...]} 사전이어야 해요."
    got = {int(k): [int(h) for h in v] for k, v in got.items() if len(v)}
    want = {0: [1], 1: [0, 2], 2: [2]}
    assert got == want, f"가장 작은 점수 4개는 (0,1), (1,0), (1,2), (2,2)예요. 기대한 사전은 {want}, 지금은 {got}."
    assert answer(scores, 0) in ({}, {0: [], 1: [], 2: []}), "n=0이면 아무 헤드도 고르지 않아야 해요."
