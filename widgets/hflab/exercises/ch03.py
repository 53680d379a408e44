"""Exercises of chapter 03 (모델 내부 보기): attention statistics, rollout, the logit lens, comparing explanations.

Most checkers build their own small tensors (milliseconds, no model); two predict-then-run checks
tokenize with MiniLM, and 03.7 runs smollm2 once to see where ' Paris' appears.
"""

from __future__ import annotations

import torch

from . import _choice_letter, register


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
        "'쿼리 토큰별 엔트로피 -Σ p·log p(자연로그, 단위 nat)의 평균'을 담은 `[heads]` 텐서입니다. "
        "함수 자체를 `answer`에 넣으세요."
    ),
    hint=(
        "7절의 정의를 축으로 옮겨 보세요: 한 쿼리의 분포는 어느 축에 놓여 있나요? 그리고 어텐션에는 정확히 0인 "
        "확률도 있어요(디코더의 미래 토큰). 0 · log 0을 컴퓨터가 어떻게 계산하는지 확인해 보세요."
    ),
    solution='''
import torch

def attention_entropy(attn):
    # attn: [heads, q, k], every row sums to 1
    log_p = attn.clamp_min(1e-12).log()
    return -(attn * log_p).sum(-1).mean(-1)  # [heads]

answer = attention_entropy
''',
    wrong=[
        '''
def attention_entropy(attn):
    return -(attn * attn.log()).sum(-1).mean(-1)   # log(0) = -inf, and 0 * -inf = nan

answer = attention_entropy
''',
        '''
def attention_entropy(attn):
    log_p = attn.clamp_min(1e-12).log2()      # bits; the course (and the widget) measures entropy in nats
    return -(attn * log_p).sum(-1).mean(-1)

answer = attention_entropy
''',
    ],
    title="헤드의 엔트로피",
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
        "층 하나의 '섞는 행렬'부터 만들고 확인하세요: 행 합이 1인가요? 그다음 쌓을 때는, 위층은 아래층이 이미 섞어 "
        "놓은 것을 다시 섞는다는 점을 행렬곱의 순서로 적어야 해요. 시작은 '아무것도 섞지 않은' 행렬입니다."
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
    wrong=[
        '''
import torch

def rollout(attentions):
    n = attentions.shape[-1]
    result = torch.eye(n)
    for layer in attentions:
        a = layer.mean(0) + torch.eye(n)
        a = a / a.sum(-1, keepdim=True)
        result = result @ a                     # the lower layer on the left: the order is reversed
    return result

answer = rollout
''',
        '''
import torch

def rollout(attentions):
    n = attentions.shape[-1]
    result = torch.eye(n)
    for layer in attentions:
        result = layer.mean(0) @ result          # no residual path: attention alone
    return result

answer = rollout
''',
    ],
    title="어텐션 롤아웃 구현하기",
)
def _check_rollout(answer) -> None:
    assert callable(answer), "answer에는 함수(rollout)를 넣어야 해요."
    attns = _random_attention(3, 2, 4, 4, seed=2)
    got = torch.as_tensor(answer(attns), dtype=torch.float32)
    assert got.shape == (4, 4), f"결과 모양은 (n, n) = (4, 4)여야 해요. 지금은 {tuple(got.shape)}."
    assert torch.allclose(got.sum(-1), torch.ones(4), atol=1e-4), "롤아웃의 각 행도 합이 1이어야 해요(행 정규화를 잊었나요?)."
    want = _rollout_reference(attns)
    from .._trace_readings import rollout as kit_rollout  # the kit's widget computes the same thing

    assert torch.allclose(want, torch.from_numpy(kit_rollout(attns.numpy())), atol=1e-5)
    if not torch.allclose(got, want, atol=1e-4):
        wrong_order = torch.eye(4)
        for layer in attns:
            a = layer.mean(0) + torch.eye(4)
            wrong_order = wrong_order @ (a / a.sum(-1, keepdim=True))
        if torch.allclose(got, wrong_order, atol=1e-4):
            raise AssertionError("곱하는 순서가 반대예요. 위층이 아래층의 결과를 다시 섞으니, 새 층의 행렬이 왼쪽에 와야 해요.")
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
    hint=("다음 토큰을 예측하는 위치는 어디였나요? 중간 층들과 마지막 원소를 따로 처리한 뒤 층 축으로 이어 "
          "붙이면 돼요. 5절의 주의 문장을 다시 읽어 보세요."),
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
    wrong=[
        '''
import torch

def logit_lens(hidden_states, norm, lm_head, k=3):
    with torch.no_grad():
        logits = lm_head(norm(hidden_states[:, -1]))   # norms the last state a second time
    return logits.topk(k, dim=-1).indices

answer = logit_lens
''',
        '''
import torch

def logit_lens(hidden_states, norm, lm_head, k=3):
    with torch.no_grad():
        first = hidden_states[:, 0]                    # reads the first token, not the last
        logits = torch.cat([lm_head(norm(first[:-1])), lm_head(first[-1:])])
    return logits.topk(k, dim=-1).indices

answer = logit_lens
''',
    ],
    title="로짓 렌즈 구현하기",
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
            raise AssertionError("마지막 원소까지 norm을 한 번 더 적용했어요. transformers가 돌려준 마지막 은닉 상태는 "
                                 "이미 정규화된 상태라 lm_head만 적용해야 해요.")
        if torch.equal(got, no_norm):
            raise AssertionError("중간 층에서 마지막 정규화 층(norm)을 건너뛰었어요. 중간 층 상태는 norm을 거친 뒤 lm_head에 넣어야 해요.")
        if torch.equal(got, first):
            raise AssertionError("첫 토큰을 읽었어요. 다음 토큰 예측은 마지막 토큰(hidden_states[:, -1])에서 나와요.")
        raise AssertionError("상위 토큰이 달라요. 층마다 마지막 토큰 → (중간 층이면 norm) → lm_head → topk 순서인지 확인하세요.")


@register(
    "03.4",
    title="두 설명의 순위가 얼마나 일치할까",
    question=(
        "7절에서 원시 어텐션과 지우기(erasure)가 토큰에 매긴 **순위**가 달랐습니다. 순위의 일치를 숫자 하나로 재는 "
        "스피어먼 순위 상관계수를 직접 구현해 봅시다. 같은 길이의 1차원 점수 `a`, `b`(NumPy 배열, 같은 값은 없다고 "
        "가정)를 받아, 각각을 순위(가장 작은 값 = 0)로 바꾼 뒤 두 순위 사이의 피어슨 상관계수를 돌려주는 함수 "
        "`rank_agreement(a, b)`를 만드세요. 1이면 순위가 똑같고, -1이면 정반대입니다. 함수를 `answer`에 넣으세요."
    ),
    hint=(
        "np.argsort는 '정렬하면 몇 번째 원소가 앞에 오는가'를 돌려줘요. 그것은 순위와 같을까요? [30, 10, 20]으로 "
        "손으로 확인해 보세요. 순위를 얻은 다음에는 np.corrcoef가 피어슨 상관을 계산해 줍니다."
    ),
    solution='''
import numpy as np

def rank_agreement(a, b):
    rank_a = np.argsort(np.argsort(a))   # argsort twice: each value's place in the sorted order
    rank_b = np.argsort(np.argsort(b))
    return float(np.corrcoef(rank_a, rank_b)[0, 1])

answer = rank_agreement
''',
    wrong=[
        '''
import numpy as np

def rank_agreement(a, b):
    return float(np.corrcoef(a, b)[0, 1])   # Pearson on the raw scores: sizes count, not only the order

answer = rank_agreement
''',
        '''
import numpy as np

def rank_agreement(a, b):
    return float(np.corrcoef(np.argsort(a), np.argsort(b))[0, 1])   # argsort once gives the order, not ranks

answer = rank_agreement
''',
    ],
)
def _check_rank_agreement(answer) -> None:
    import numpy as np
    from scipy.stats import spearmanr

    assert callable(answer), "answer에는 함수(rank_agreement)를 넣어야 해요."
    rng = np.random.default_rng(7)
    cases = [(rng.normal(size=8), rng.normal(size=8)) for _ in range(3)]
    a = rng.normal(size=6)
    cases += [(a, np.exp(a)), (a, -a), (np.array([0.61, 0.05, 0.02, 0.30, 0.02 + 1e-3]), np.array([2.1, 6.3, 0.4, 6.8, 9.0]))]
    for x, y in cases:
        want = float(spearmanr(x, y).statistic)
        got = float(answer(x, y))
        assert abs(got - want) < 1e-6, (
            f"a={np.round(x, 2).tolist()}, b={np.round(y, 2).tolist()}에서 {want:.3f}이어야 하는데 {got:.3f}이에요.")


_CAT_SENTENCE = "The cat sat on the mat because it was tired."


@register(
    "03.5",
    kind="predict",
    title="예측: 예문의 토큰 수",
    question=(
        f"예측해 보세요. MiniLM 토크나이저는 {_CAT_SENTENCE!r}를 몇 개의 토큰(`input_ids`의 길이)으로 바꿀까요? "
        "숫자 하나를 `answer`에 넣으세요."
    ),
    hint="모두 흔한 영어 단어라 쪼개지지 않아요. 마침표는 따로 한 토큰이고, BERT 계열은 무엇을 앞뒤에 붙였죠?",
    solution="answer = 13",
    wrong=["answer = 11", "answer = 12"],
)
def _check_cat_tokens(answer) -> None:
    from .ch02 import _minilm_tokenizer

    assert isinstance(answer, int) and not isinstance(answer, bool), "answer는 정수 하나여야 해요."
    count = len(_minilm_tokenizer()(_CAT_SENTENCE)["input_ids"])
    assert answer == count, f"{answer}개가 아니에요. 아래 셀이 토큰을 하나하나 보여 줘요. [CLS]와 [SEP]도 세었나요?"


@register(
    "03.6",
    kind="predict",
    title="예측: 디코더가 미래 토큰에 주는 가중치",
    question=(
        "예측해 보세요. 디코더(smollm2)의 모든 층·헤드의 어텐션에서, 쿼리 토큰이 **자기보다 뒤에 있는** 토큰에 준 "
        "가중치 가운데 가장 큰 값은 얼마일까요? 숫자 하나를 `answer`에 넣으세요."
    ),
    hint="디코더는 다음 토큰을 맞히도록 학습해요. 답이 될 토큰을 미리 볼 수 있다면 학습이 어떻게 될까요?",
    solution="answer = 0",
    wrong=["answer = 0.5", "answer = 1"],
)
def _check_future_weight(answer) -> None:
    from transformers import LlamaConfig, LlamaModel

    assert isinstance(answer, (int, float)) and not isinstance(answer, bool), "answer는 숫자 하나여야 해요."
    torch.manual_seed(0)  # a tiny decoder of the same family, eager attention so weights come out
    config = LlamaConfig(vocab_size=50, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2)
    model = LlamaModel._from_config(config, attn_implementation="eager").eval()
    with torch.no_grad():
        att = torch.stack(model(torch.randint(0, 50, (1, 7)), output_attentions=True).attentions)[:, 0]
    future = torch.triu(torch.ones(7, 7, dtype=torch.bool), diagonal=1)
    largest = float(att[..., future].max())
    assert abs(answer - largest) < 1e-6, f"{answer}가 아니에요. 디코더는 인과적 마스크 때문에 미래를 전혀 보지 못해요."


_PARIS_CHOICES = {"A": "임베딩 바로 뒤의 아래층(0~9층)", "B": "가운데 층(10~24층)",
                  "C": "마지막 몇 층(25~30층)", "D": "끝까지 1위가 되지 않는다"}


@register(
    "03.7",
    kind="predict",
    title="예측: ' Paris'는 몇 층에서 떠오를까",
    question=(
        "예측해 보세요. smollm2(30층)에 'The capital of France is'를 넣고 층마다 로짓 렌즈로 마지막 위치를 읽으면, "
        "' Paris'가 **처음으로 1위**가 되는 층은 어디쯤일까요? 보기의 글자 하나를 문자열로 `answer`에 넣으세요.\n\n"
        + "\n".join(f"- **{k}.** {v}" for k, v in _PARIS_CHOICES.items())
    ),
    hint="03-1에서 이 모델은 마지막에 ' Paris'를 맞혔어요. 작은 모델은 답을 이르게 정할까요, 늦게 정할까요?",
    solution='answer = "C"',
    wrong=['answer = "A"', 'answer = "B"'],
)
def _check_paris_layer(answer) -> None:
    from ..models import load

    letter = _choice_letter(answer, list(_PARIS_CHOICES))
    lm = load("smollm2", quiet=True)
    ids = lm.tokenizer("The capital of France is", return_tensors="pt")
    paris = lm.tokenizer(" Paris", add_special_tokens=False)["input_ids"][0]
    with torch.no_grad():
        hidden = torch.stack(lm.model(**ids, output_hidden_states=True).hidden_states)[:, 0, -1]  # [layers+1, d]
        logits = torch.cat([lm.model.lm_head(lm.model.model.norm(hidden[:-1])), lm.model.lm_head(hidden[-1:])])
    tops = logits.argmax(-1).tolist()
    first = next((layer for layer, top in enumerate(tops) if top == paris), None)
    right = "D" if first is None else "A" if first < 10 else "B" if first < 25 else "C"
    assert letter == right, f"{letter}가 아니에요. 아래 셀의 층별 상위 토큰에서 ' Paris'가 언제 1위가 되는지 보세요."


@register(
    "03.8",
    kind="predict",
    title="예측: 토큰이 두 배면 어텐션 데이터는 몇 배?",
    question=(
        "예측해 보세요. bertviz는 모든 층·헤드의 어텐션 가중치를 페이지에 통째로 넣습니다. 입력 토큰 수가 두 배가 되면 "
        "넣어야 할 가중치의 개수는 몇 배가 될까요? 숫자 하나를 `answer`에 넣으세요."
    ),
    hint="헤드 하나의 어텐션 행렬은 모양이 [쿼리, 키]예요. 두 축이 모두 토큰 수예요.",
    solution="answer = 4",
    wrong=["answer = 2", "answer = 8"],
)
def _check_quadratic(answer) -> None:
    from .ch01 import _tiny_bert

    assert isinstance(answer, (int, float)) and not isinstance(answer, bool), "answer는 숫자 하나여야 해요."
    model = _tiny_bert()
    sizes = []
    for n in (8, 16):
        with torch.no_grad():
            attentions = model(torch.randint(5, 100, (1, n)), output_attentions=True).attentions
        sizes.append(sum(a.numel() for a in attentions))
    assert abs(answer - sizes[1] / sizes[0]) < 0.25, f"{answer}배가 아니에요. 아래 셀에서 토큰이 두 배일 때 MB가 어떻게 변하는지 보세요."
