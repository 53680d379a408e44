"""Exercises of chapter 06 (프레임워크 간 전환): safetensors into NumPy, and BERT's pieces re-written in NumPy.

The NumPy checkers compare against PyTorch on small random inputs, so they take milliseconds.
"""

from __future__ import annotations

import numpy as np
import torch

from . import register

WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"


@register(
    "06.1",
    question=(
        "safetensors의 safe_open을 써서 minilm의 model.safetensors에서 단어 임베딩 행렬 "
        f"(`{WORD_EMBEDDINGS}`) 하나만 NumPy 배열로 읽어 `answer`에 넣으세요. 파일 전체를 읽지 마세요."
    ),
    hint=(
        'with safe_open(path, framework="np") as f: 안에서 f.get_tensor(이름)을 부르세요. '
        "path는 hflab.models.load('minilm').path 폴더 안의 model.safetensors 입니다."
    ),
    solution='''
from pathlib import Path
from safetensors import safe_open
import hflab

path = Path(hflab.models.local_folder(hflab.models.resolve("minilm"))) / "model.safetensors"
with safe_open(path, framework="np") as f:
    answer = f.get_tensor("embeddings.word_embeddings.weight")  # [30522, 384]
''',
)
def _check_word_embeddings(answer) -> None:
    from pathlib import Path

    from safetensors import safe_open

    from ..models import local_folder, resolve

    assert isinstance(answer, np.ndarray), (
        f"answer가 {type(answer).__name__}이에요. framework='np'로 열면 NumPy 배열이 나와요.")
    assert answer.shape == (30522, 384), f"모양이 {answer.shape}예요. 단어 30,522개 × 384차원이어야 해요."
    path = Path(local_folder(resolve("minilm"))) / "model.safetensors"
    with safe_open(str(path), framework="np") as f:
        expected = f.get_slice(WORD_EMBEDDINGS)[:5]
    assert np.array_equal(answer[:5], expected), "값이 파일의 단어 임베딩과 달라요. 다른 텐서를 읽었나요?"


@register(
    "06.2",
    question=(
        "NumPy만으로 `layer_norm(x, weight, bias, eps=1e-12)`를 만들어 함수 자체를 `answer`에 넣으세요. "
        "x의 마지막 축에서 평균과 (편향된) 분산으로 정규화한 뒤 weight를 곱하고 bias를 더합니다. "
        "torch.nn.functional.layer_norm과 같은 값을 내야 합니다."
    ),
    hint=(
        "mean = x.mean(-1, keepdims=True), var = x.var(-1, keepdims=True) (ddof=0)로 구한 뒤 "
        "(x - mean) / np.sqrt(var + eps) * weight + bias 입니다."
    ),
    solution='''
import numpy as np

def layer_norm(x, weight, bias, eps=1e-12):
    mean = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)  # biased variance, like PyTorch
    return (x - mean) / np.sqrt(var + eps) * weight + bias

answer = layer_norm
''',
)
def _check_layer_norm(answer) -> None:
    assert callable(answer), "answer에는 함수(layer_norm)를 넣어야 해요."
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, size=(2, 5, 16)).astype(np.float32)
    weight = rng.normal(1.0, 0.1, size=16).astype(np.float32)
    bias = rng.normal(0.0, 0.1, size=16).astype(np.float32)
    got = np.asarray(answer(x, weight, bias, 1e-12))
    expected = torch.nn.functional.layer_norm(
        torch.from_numpy(x), (16,), torch.from_numpy(weight), torch.from_numpy(bias), eps=1e-12).numpy()
    assert got.shape == x.shape, f"출력 모양이 {got.shape}예요. 입력과 같은 {x.shape}이어야 해요."
    diff = float(np.abs(got - expected).max())
    assert diff < 1e-4, (
        f"PyTorch와 최대 {diff:.3g} 차이가 나요. 마지막 축(-1)으로 평균·분산을 구했나요? 분산은 ddof=0이에요.")


@register(
    "06.3",
    question=(
        "NumPy만으로 스케일드 닷-프로덕트 어텐션 `attention(q, k, v, mask)`를 만들어 함수를 `answer`에 넣으세요. "
        "q, k, v는 `[heads, n, d]`, mask는 `[n]`(1 = 진짜 토큰, 0 = 패딩)이고, 결과는 `[heads, n, d]`입니다. "
        "패딩 위치의 키에는 어텐션이 가지 않아야 합니다."
    ),
    hint=(
        "scores = q @ k.transpose(0, 2, 1) / sqrt(d), 패딩 키 열에는 아주 작은 수(-1e9)를 더하고, "
        "마지막 축으로 softmax(최댓값을 빼고 exp) 한 뒤 @ v 하세요."
    ),
    solution='''
import numpy as np

def attention(q, k, v, mask):
    d = q.shape[-1]
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(d)          # [heads, n, n]
    scores = scores + (1.0 - mask[None, None, :]) * -1e9    # no attention to padding keys
    scores = scores - scores.max(-1, keepdims=True)         # numerically stable softmax
    weights = np.exp(scores)
    weights = weights / weights.sum(-1, keepdims=True)
    return weights @ v                                      # [heads, n, d]

answer = attention
''',
)
def _check_attention(answer) -> None:
    assert callable(answer), "answer에는 함수(attention)를 넣어야 해요."
    rng = np.random.default_rng(1)
    q, k, v = (rng.normal(size=(3, 6, 8)).astype(np.float32) for _ in range(3))
    mask = np.array([1, 1, 1, 1, 0, 0], dtype=np.float32)
    got = np.asarray(answer(q, k, v, mask))
    tq, tk, tv = (torch.from_numpy(a) for a in (q, k, v))
    keep = torch.from_numpy(mask).bool()[None, None, :]
    expected = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=keep).numpy()
    assert got.shape == q.shape, f"출력 모양이 {got.shape}예요. [heads, n, d] = {q.shape}이어야 해요."
    unmasked = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv).numpy()
    if np.abs(got - unmasked).max() < 1e-4:
        raise AssertionError("패딩(mask가 0인) 키에도 어텐션이 가고 있어요. 그 열의 점수를 아주 작게 만드세요.")
    diff = float(np.abs(got - expected).max())
    assert diff < 1e-4, f"PyTorch와 최대 {diff:.3g} 차이가 나요. sqrt(d)로 나눴는지, softmax 축이 마지막 축인지 보세요."
