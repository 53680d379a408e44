"""Exercises of chapter 06 (프레임워크 간 전환): safetensors by hand, a sentence vector and causal attention in NumPy.

The NumPy checkers compare against PyTorch on small random inputs (milliseconds); 06.1 and 06.4
read MiniLM's model.safetensors, as the notebook does.
"""

from __future__ import annotations

import numpy as np
import torch

from . import register

WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"


def _minilm_weights():
    from pathlib import Path

    from ..models import local_folder, resolve

    return Path(local_folder(resolve("minilm"))) / "model.safetensors"


@register(
    "06.1",
    title="safetensors에서 텐서 하나를 손으로 읽기",
    question=(
        "2절에서 머리말(JSON)만 읽었습니다. 이번에는 `safetensors` 패키지 없이, 표준 라이브러리와 NumPy만으로 "
        "파일에서 텐서 **하나**를 꺼내는 함수 `read_tensor(path, name)`를 만드세요. 머리말의 `dtype`(`F32`, `F16`, "
        "`I64` 중 하나), `shape`, `data_offsets`(시작, 끝)를 쓰고, 필요한 바이트만 읽어 그 모양의 NumPy 배열을 돌려주세요. "
        "함수를 `answer`에 넣으세요."
    ),
    hint=(
        "data_offsets는 파일 맨 앞부터가 아니라 어디부터 센 위치일까요? 2절의 파일 구조(8바이트 + 머리말 + 데이터)를 "
        "떠올리세요. 바이트를 배열로 바꾸는 것은 np.frombuffer이고, 자료형 이름은 NumPy의 이름으로 옮겨야 해요."
    ),
    solution='''
import json
import struct
import numpy as np

def read_tensor(path, name):
    with open(path, "rb") as f:
        header_size = struct.unpack("<Q", f.read(8))[0]
        info = json.loads(f.read(header_size))[name]
        start, end = info["data_offsets"]             # counted from the end of the header
        f.seek(8 + header_size + start)
        raw = f.read(end - start)
    dtype = {"F32": np.float32, "F16": np.float16, "I64": np.int64}[info["dtype"]]
    return np.frombuffer(raw, dtype=dtype).reshape(info["shape"])

answer = read_tensor
''',
    wrong=[
        '''
import json
import struct
import numpy as np

def read_tensor(path, name):
    with open(path, "rb") as f:
        header_size = struct.unpack("<Q", f.read(8))[0]
        info = json.loads(f.read(header_size))[name]
        start, end = info["data_offsets"]
        f.seek(start)                                  # from the start of the file: lands in the header
        raw = f.read(end - start)
    dtype = {"F32": np.float32, "F16": np.float16, "I64": np.int64}[info["dtype"]]
    return np.frombuffer(raw, dtype=dtype).reshape(info["shape"])

answer = read_tensor
''',
        '''
import json
import struct
import numpy as np

def read_tensor(path, name):
    with open(path, "rb") as f:
        header_size = struct.unpack("<Q", f.read(8))[0]
        info = json.loads(f.read(header_size))[name]
        start, end = info["data_offsets"]
        f.seek(8 + header_size + start)
        raw = f.read(end - start)
    return np.frombuffer(raw, dtype=np.float64).reshape(-1)   # the wrong element type for F32

answer = read_tensor
''',
    ],
)
def _check_read_tensor(answer) -> None:
    from safetensors import safe_open

    assert callable(answer), "answer에는 함수(read_tensor)를 넣어야 해요."
    path = _minilm_weights()
    with safe_open(str(path), framework="np") as f:
        for name in ("embeddings.position_embeddings.weight", "encoder.layer.3.attention.self.query.bias"):
            want = f.get_tensor(name)
            got = np.asarray(answer(str(path), name))
            assert got.shape == want.shape, f"{name}의 모양이 {got.shape}예요. 머리말의 shape {want.shape}이어야 해요."
            assert got.dtype == want.dtype, f"{name}의 자료형이 {got.dtype}예요. 머리말의 dtype은 {want.dtype}이에요."
            assert np.array_equal(got, want), f"{name}의 값이 safe_open으로 읽은 값과 달라요. 읽기 시작한 위치를 확인하세요."


@register(
    "06.2",
    title="NumPy로 문장 벡터 만들기",
    question=(
        "MiniLM의 본업인 문장 벡터를 NumPy로 만들어 봅시다. 마지막 층 상태 `last_hidden_state`(`[batch, tokens, hidden]`)와 "
        "`attention_mask`(`[batch, tokens]`, 1 = 진짜 토큰, 0 = 패딩)를 받아, 진짜 토큰들만 평균 낸 뒤 길이가 1이 되게 "
        "나눈 `[batch, hidden]` 배열을 돌려주는 함수 `sentence_embedding(last_hidden_state, attention_mask)`를 만드세요. "
        "4-3절의 NumPy 모델 출력에 붙이면 PyTorch 없이 문장 유사도를 잴 수 있습니다. 함수를 `answer`에 넣으세요."
    ),
    hint=(
        "패딩 위치의 벡터는 값이 있어도 평균에 들어가면 안 돼요. 마스크의 모양을 [batch, tokens, 1]로 바꾸면 곱하기가 "
        "쉬워요. 나눌 때는 문장마다 진짜 토큰 수로 나누고, 마지막에 벡터의 길이(np.linalg.norm)로 한 번 더 나누세요."
    ),
    solution='''
import numpy as np

def sentence_embedding(last_hidden_state, attention_mask):
    mask = attention_mask[..., None].astype(last_hidden_state.dtype)       # [batch, tokens, 1]
    mean = (last_hidden_state * mask).sum(1) / mask.sum(1)                 # padding does not count
    return mean / np.linalg.norm(mean, axis=-1, keepdims=True)              # unit length

answer = sentence_embedding
''',
    wrong=[
        '''
import numpy as np

def sentence_embedding(last_hidden_state, attention_mask):
    mean = last_hidden_state.mean(1)                                        # padding joins the average
    return mean / np.linalg.norm(mean, axis=-1, keepdims=True)

answer = sentence_embedding
''',
        '''
import numpy as np

def sentence_embedding(last_hidden_state, attention_mask):
    mask = attention_mask[..., None].astype(last_hidden_state.dtype)
    return (last_hidden_state * mask).sum(1) / mask.sum(1)                 # not normalised to length 1

answer = sentence_embedding
''',
    ],
)
def _check_sentence_embedding(answer) -> None:
    assert callable(answer), "answer에는 함수(sentence_embedding)를 넣어야 해요."
    rng = np.random.default_rng(2)
    states = rng.normal(size=(3, 6, 8)).astype(np.float32)
    mask = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 0, 0]])
    got = np.asarray(answer(states, mask))
    t_states, t_mask = torch.from_numpy(states), torch.from_numpy(mask).unsqueeze(-1).float()
    want = torch.nn.functional.normalize((t_states * t_mask).sum(1) / t_mask.sum(1), dim=-1).numpy()
    assert got.shape == (3, 8), f"모양이 {got.shape}예요. [batch, hidden] = (3, 8)이어야 해요."
    lengths = np.linalg.norm(got, axis=-1)
    assert np.allclose(lengths, 1, atol=1e-5), f"벡터 길이가 {np.round(lengths, 3)}예요. 길이 1로 나눠야 해요."
    assert np.allclose(got, want, atol=1e-5), "PyTorch로 계산한 문장 벡터와 달라요. 패딩을 평균에서 뺐나요?"


@register(
    "06.3",
    title="NumPy로 인과적 어텐션",
    question=(
        "4-2절의 NumPy 어텐션은 인코더용(모든 토큰을 봄)이었습니다. 디코더(GPT, Llama)용 **인과적** 어텐션 "
        "`causal_attention(q, k, v)`를 NumPy만으로 만드세요. q, k, v는 `[heads, n, d]`이고 결과도 `[heads, n, d]`입니다. "
        "각 위치는 자기 자신과 그 앞의 위치만 볼 수 있습니다. `torch.nn.functional.scaled_dot_product_attention(..., "
        "is_causal=True)`와 같은 값을 내야 합니다. 함수를 `answer`에 넣으세요."
    ),
    hint=(
        "점수 행렬 [n, n]에서 보면 안 되는 칸은 대각선의 어느 쪽일까요? 자기 자신은 볼 수 있어요. 그 칸의 점수를 아주 "
        "작게 만든 뒤 softmax를 하세요. 점수의 크기를 맞추는 나눗셈도 잊지 마세요."
    ),
    solution='''
import numpy as np

def causal_attention(q, k, v):
    n, d = q.shape[-2], q.shape[-1]
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(d)               # [heads, n, n]
    future = np.triu(np.ones((n, n), dtype=bool), k=1)           # above the diagonal: later positions
    scores = np.where(future, -np.inf, scores)
    scores = scores - scores.max(-1, keepdims=True)              # stable softmax
    weights = np.exp(scores)
    weights = weights / weights.sum(-1, keepdims=True)
    return weights @ v

answer = causal_attention
''',
    wrong=[
        '''
import numpy as np

def causal_attention(q, k, v):
    n, d = q.shape[-2], q.shape[-1]
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(d)
    future = np.triu(np.ones((n, n), dtype=bool), k=0)           # also hides each position from itself
    scores = np.where(future, -1e9, scores)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    return weights / weights.sum(-1, keepdims=True) @ v

answer = causal_attention
''',
        '''
import numpy as np

def causal_attention(q, k, v):
    n = q.shape[-2]
    scores = q @ k.transpose(0, 2, 1)                            # not divided by sqrt(d)
    future = np.triu(np.ones((n, n), dtype=bool), k=1)
    scores = np.where(future, -np.inf, scores)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    return weights / weights.sum(-1, keepdims=True) @ v

answer = causal_attention
''',
    ],
)
def _check_causal_attention(answer) -> None:
    assert callable(answer), "answer에는 함수(causal_attention)를 넣어야 해요."
    rng = np.random.default_rng(1)
    q, k, v = (rng.normal(size=(3, 6, 8)).astype(np.float32) for _ in range(3))
    got = np.asarray(answer(q, k, v))
    tq, tk, tv = (torch.from_numpy(a) for a in (q, k, v))
    want = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=True).numpy()
    assert got.shape == q.shape, f"출력 모양이 {got.shape}예요. [heads, n, d] = {q.shape}이어야 해요."
    assert np.isfinite(got).all(), "nan이 나왔어요. 어떤 행은 볼 수 있는 칸이 하나도 남지 않았나요? 자기 자신은 볼 수 있어요."
    unmasked = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv).numpy()
    if np.abs(got - unmasked).max() < 1e-4:
        raise AssertionError("미래 토큰에도 어텐션이 가고 있어요. 대각선 위쪽 칸의 점수를 아주 작게 만드세요.")
    diff = float(np.abs(got - want).max())
    assert diff < 1e-4, f"PyTorch와 최대 {diff:.3g} 차이가 나요. 자기 자신은 볼 수 있는지, sqrt(d)로 나눴는지 보세요."


@register(
    "06.5",
    kind="predict",
    title="예측: 단어 임베딩 표의 크기",
    question=(
        "예측해 보세요. MiniLM의 단어 임베딩 표는 `float32`, 모양 `[30522, 384]`입니다. 이 텐서 하나가 "
        "`model.safetensors` 안에서 차지하는 바이트는 몇 MB(10⁶ 바이트)일까요? 소수 한 자리까지 `answer`에 숫자로 넣으세요."
    ),
    hint="float32 한 개는 4바이트예요. 머리말의 data_offsets(끝 − 시작)가 바로 이 값이에요.",
    solution="answer = 46.9",
    wrong=["answer = 11.7", "answer = 93.8"],
)
def _check_embedding_megabytes(answer) -> None:
    import json
    import struct

    assert isinstance(answer, (int, float)) and not isinstance(answer, bool), "answer는 숫자 하나여야 해요."
    with open(_minilm_weights(), "rb") as f:
        header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
    start, end = header[WORD_EMBEDDINGS]["data_offsets"]
    megabytes = (end - start) / 1e6
    assert abs(answer - megabytes) < 0.5, f"{answer} MB가 아니에요. 원소 수 × 원소 하나의 바이트 수를 계산해 보세요."


_CLASSES = ["BertModel", "TFBertModel", "FlaxBertModel"]


@register(
    "06.4",
    kind="predict",
    title="예측: v5에 남은 BERT 클래스",
    question=(
        f"예측해 보세요. {_CLASSES} 가운데 transformers v5에서 `import`할 수 있는 클래스는 몇 개일까요? "
        "숫자 하나를 `answer`에 넣으세요."
    ),
    hint="v5가 어떤 프레임워크만 남겼는지 1절의 '바뀐 점' 상자에 적혀 있어요.",
    solution="answer = 1",
    wrong=["answer = 3", "answer = 2"],
)
def _check_remaining_classes(answer) -> None:
    import transformers

    assert isinstance(answer, int) and not isinstance(answer, bool), "answer는 정수 하나여야 해요."
    count = sum(hasattr(transformers, name) for name in _CLASSES)
    assert answer == count, f"{answer}개가 아니에요. 아래 셀이 클래스마다 True/False를 보여 줘요."
