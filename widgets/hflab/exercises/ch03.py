"""Exercises of chapter 03 (모델 내부 보기): attention statistics, rollout, the logit lens.

Every checker builds its own small tensors, so checking takes milliseconds and needs no model.
"""

from __future__ import annotations

import torch

from . import register


def _entropy_reference(attn: torch.Tensor) -> torch.Tensor:
    # attn: [heads, q, k] -> [heads]
    p = attn.clamp_min(1e-12)
    return -(attn * p.log()).sum(-1).mean(-1)


def _rollout_reference(attentions: torch.Tensor) -> torch.Tensor:
    # attentions: [layers, heads, n, n] -> [n, n]
    n = attentions.shape[-1]
    result = torch.eye(n)
    for layer in attentions:
        a = layer.mean(0) + torch.eye(n)
        a = a / a.sum(-1, keepdim=True)
        result = a @ result
    return result


def _random_attention(*shape: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g).softmax(-1)


@register(
    "03.1",
    question=(
        "어텐션 헤드가 '얼마나 퍼져서' 보는지 재는 함수 `attention_entropy(attn)`를 만드세요. "
        "입력은 한 층의 어텐션 `[heads, q, k]`(각 행의 합이 1)이고, 출력은 헤드마다 "
        "'쿼리 토큰별 엔트로피 -Σ p·log p 의 평균'을 담은 `[heads]` 텐서입니다. "
        "함수 자체를 `answer`에 넣으세요."
    ),
    hint=(
        "p * p.log() 는 p가 0일 때 nan이 됩니다. p.clamp_min(1e-12).log()를 쓰고, "
        "마지막 축(k)으로 합한 뒤 쿼리 축(q)으로 평균을 내세요."
    ),
    solution='''
import torch

def attention_entropy(attn):
    # attn: [heads, q, k], every row sums to 1
    log_p = attn.clamp_min(1e-12).log()
    return -(attn * log_p).sum(-1).mean(-1)  # [heads]

answer = attention_entropy
''',
)
def _check_entropy(answer) -> None:
    assert callable(answer), "answer에는 함수(attention_entropy)를 넣어야 해요."
    attn = _random_attention(4, 5, 5, seed=1)
    got = torch.as_tensor(answer(attn), dtype=torch.float32)
    assert got.shape == (4,), f"헤드마다 값 하나, 즉 모양이 (4,)여야 해요. 지금은 {tuple(got.shape)}."
    assert torch.allclose(got, _entropy_reference(attn), atol=1e-4), "값이 달라요: 행마다 -Σ p log p, 그다음 쿼리 평균."
    one_hot = torch.eye(5).expand(2, 5, 5).clone()  # every query looks at exactly one key
    zero = torch.as_tensor(answer(one_hot), dtype=torch.float32)
    assert torch.isfinite(zero).all(), "한 토큰만 보는 헤드(확률 0이 섞인 행)에서 nan이 나와요. log(0)을 피하세요."
    assert torch.allclose(zero, torch.zeros(2), atol=1e-4), "한 토큰만 보는 헤드의 엔트로피는 0이어야 해요."
    uniform = torch.full((1, 4, 4), 0.25)
    assert torch.allclose(torch.as_tensor(answer(uniform), dtype=torch.float32),
                          torch.tensor([torch.log(torch.tensor(4.0))]), atol=1e-4), \
        "고르게 퍼진 헤드(4개 토큰)의 엔트로피는 log 4 ≈ 1.386이어야 해요."


@register(
    "03.2",
    question=(
        "어텐션 롤아웃 함수 `rollout(attentions)`를 만드세요. 입력은 `[layers, heads, n, n]`, 출력은 `[n, n]`입니다. "
        "층마다 (1) 헤드 평균을 내고 (2) 잔차 연결을 흉내 내려고 단위행렬을 더한 뒤 (3) 행 합이 1이 되게 "
        "나누고, (4) 아래층부터 차례로 곱해 쌓습니다(새 층 @ 지금까지의 결과). 함수를 `answer`에 넣으세요."
    ),
    hint=(
        "result = torch.eye(n)에서 시작해 for a in attentions: a = a.mean(0) + torch.eye(n); "
        "a = a / a.sum(-1, keepdim=True); result = a @ result. 곱하는 순서가 중요해요."
    ),
    solution='''
import torch

def rollout(attentions):
    # attentions: [layers, heads, n, n] -> [n, n]
    n = attentions.shape[-1]
    result = torch.eye(n)
    for layer in attentions:
        a = layer.mean(0) + torch.eye(n)       # average heads, add the residual path
        a = a / a.sum(-1, keepdim=True)         # rows sum to 1 again
        result = a @ result                     # the upper layer reads what the lower one mixed
    return result

answer = rollout
''',
)
def _check_rollout(answer) -> None:
    assert callable(answer), "answer에는 함수(rollout)를 넣어야 해요."
    attns = _random_attention(3, 2, 4, 4, seed=2)
    got = torch.as_tensor(answer(attns), dtype=torch.float32)
    assert got.shape == (4, 4), f"결과 모양은 (n, n) = (4, 4)여야 해요. 지금은 {tuple(got.shape)}."
    assert torch.allclose(got.sum(-1), torch.ones(4), atol=1e-4), "롤아웃의 각 행도 합이 1이어야 해요(행 정규화를 잊었나요?)."
    want = _rollout_reference(attns)
    if not torch.allclose(got, want, atol=1e-4):
        wrong_order = torch.eye(4)
        for layer in attns:
            a = layer.mean(0) + torch.eye(4)
            wrong_order = wrong_order @ (a / a.sum(-1, keepdim=True))
        if torch.allclose(got, wrong_order, atol=1e-4):
            raise AssertionError("곱하는 순서가 반대예요: result = a @ result 처럼 새 층을 왼쪽에 두세요.")
        raise AssertionError("값이 달라요. 헤드 평균 → +단위행렬 → 행 정규화 → 곱하기 순서를 확인하세요.")


@register(
    "03.3",
    question=(
        "로짓 렌즈 함수 `logit_lens(hidden_states, norm, lm_head, k=3)`를 만드세요. `hidden_states`는 "
        "transformers가 돌려주는 `[layers+1, n, d]`, `norm`은 모델의 마지막 정규화 층, `lm_head`는 출력 층입니다. "
        "층마다 **마지막 토큰**의 상태를 읽어 상위 k개 토큰 id를 `[layers+1, k]` 정수 텐서로 돌려주세요. "
        "중간 층(마지막 원소를 뺀 모두)은 norm → lm_head를 거치고, 마지막 원소는 이미 norm을 거친 상태이므로 "
        "lm_head만 적용합니다. 함수를 `answer`에 넣으세요."
    ),
    hint=("last = hidden_states[:, -1] 의 모양은 [layers+1, d]예요. torch.cat([lm_head(norm(last[:-1])), "
          "lm_head(last[-1:])]) 로 로짓을 만든 뒤 .topk(k, dim=-1).indices 를 돌려주세요."),
    solution='''
import torch

def logit_lens(hidden_states, norm, lm_head, k=3):
    # hidden_states: [layers+1, n, d] -> top-k token ids per layer: [layers+1, k]
    with torch.no_grad():
        last = hidden_states[:, -1]                  # [layers+1, d]
        middle = lm_head(norm(last[:-1]))            # [layers, vocab]: states before the final norm
        final = lm_head(last[-1:])                   # [1, vocab]: transformers already normed this one
        logits = torch.cat([middle, final])          # [layers+1, vocab]
    return logits.topk(k, dim=-1).indices

answer = logit_lens
''',
)
def _check_logit_lens(answer) -> None:
    assert callable(answer), "answer에는 함수(logit_lens)를 넣어야 해요."
    g = torch.Generator().manual_seed(3)
    hidden = torch.randn(4, 5, 8, generator=g)  # 3 layers + embeddings, 5 tokens, dim 8
    norm = torch.nn.LayerNorm(8)
    head = torch.nn.Linear(8, 11, bias=False)
    with torch.no_grad():
        head.weight.copy_(torch.randn(11, 8, generator=g))
        # a norm with a random scale and shift, so normed twice gives other top tokens than normed once
        norm.weight.copy_(torch.rand(8, generator=g) * 3)
        norm.bias.copy_(torch.randn(8, generator=g) * 2)
        last = hidden[:, -1]
        want = torch.cat([head(norm(last[:-1])), head(last[-1:])]).topk(3, dim=-1).indices
        all_normed = head(norm(last)).topk(3, dim=-1).indices
        no_norm = head(last).topk(3, dim=-1).indices
        first = torch.cat([head(norm(hidden[:-1, 0])), head(hidden[-1:, 0])]).topk(3, dim=-1).indices
    got = torch.as_tensor(answer(hidden, norm, head, k=3))
    assert got.shape == (4, 3), f"결과 모양은 (layers+1, k) = (4, 3)이어야 해요. 지금은 {tuple(got.shape)}."
    got = got.long()
    if not torch.equal(got, want):
        if torch.equal(got, all_normed):
            raise AssertionError("마지막 원소까지 norm을 한 번 더 적용했어요. transformers가 돌려준 마지막 히든 스테이트는 "
                                 "이미 정규화된 상태라 lm_head만 적용해야 해요.")
        if torch.equal(got, no_norm):
            raise AssertionError("중간 층에서 마지막 정규화 층(norm)을 건너뛰었어요. 중간 층 상태는 norm을 거친 뒤 lm_head에 넣어야 해요.")
        if torch.equal(got, first):
            raise AssertionError("첫 토큰을 읽었어요. 다음 토큰 예측은 마지막 토큰(hidden_states[:, -1])에서 나와요.")
        raise AssertionError("상위 토큰이 달라요. 층마다 마지막 토큰 → (중간 층이면 norm) → lm_head → topk 순서인지 확인하세요.")


@register(
    "03.4",
    question=(
        "두 가지 '중요도' 설명이 얼마나 일치하는지 재는 함수 `top_k_overlap(a, b, k)`를 만드세요. "
        "a와 b는 같은 길이의 1차원 점수(예: 토큰마다 원시 어텐션이 준 가중치와, 그 토큰을 지웠을 때 떨어진 log 확률)이고, "
        "결과는 'a의 상위 k개 위치'와 'b의 상위 k개 위치'가 겹치는 비율(0.0~1.0)입니다. 함수를 `answer`에 넣으세요."
    ),
    hint="set(a.topk(k).indices.tolist()) & set(b.topk(k).indices.tolist()) 의 크기를 k로 나누세요.",
    solution='''
import torch

def top_k_overlap(a, b, k):
    top_a = set(torch.as_tensor(a).topk(k).indices.tolist())
    top_b = set(torch.as_tensor(b).topk(k).indices.tolist())
    return len(top_a & top_b) / k

answer = top_k_overlap
''',
)
def _check_overlap(answer) -> None:
    assert callable(answer), "answer에는 함수(top_k_overlap)를 넣어야 해요."
    a = torch.tensor([0.9, 0.1, 0.5, 0.3, 0.7, 0.0])
    b = torch.tensor([0.2, 0.8, 0.6, 0.4, 0.1, 0.9])
    cases = [((a, a, 3), 1.0), ((a, b, 3), 1 / 3), ((a, b, 2), 0.0), ((a, -a, 3), 0.0), ((a, b, 6), 1.0)]
    for (x, y, k), want in cases:
        got = float(answer(x, y, k))
        assert abs(got - want) < 1e-6, f"top_k_overlap(…, k={k})는 {want:.3f}이어야 하는데 {got:.3f}이에요."
