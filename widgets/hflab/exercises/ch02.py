"""Exercises of chapter 02 (Pipeline과 Trainer): a pipeline's steps by hand, padding, a training schedule, macro F1.

No checker loads a model: they use made-up logits, MiniLM's tokenizer (a few MB), a DataLoader over
numbers, TrainingArguments, and MiniLM's shapes on PyTorch's meta device.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from . import _choice_letter, register

REVIEWS = ["The soup was cold and the waiter ignored us.",
           "Fantastic!",
           "I would happily stay at this hotel again."]


def _minilm_tokenizer():
    from transformers import AutoTokenizer

    from ..models import local_folder, resolve

    return AutoTokenizer.from_pretrained(local_folder(resolve("minilm")))


@register(
    "02.1",
    title="후처리 함수 직접 쓰기",
    question=(
        "파이프라인의 후처리 단계를 직접 써 봅시다. 로짓 텐서 `logits`([batch, 레이블 수])와 `id2label` 사전을 받아 "
        "문장마다 {'label': 가장 확률이 높은 레이블 이름, 'score': 그 확률}을 담은 리스트를 돌려주는 "
        "함수 `postprocess(logits, id2label)`를 만들어 함수 자체를 `answer`에 넣으세요."
    ),
    hint=(
        "2절 ③에서 한 일을 문장 여러 개에 대해 하면 돼요. score는 로짓이 아니라 확률이고, 레이블이 둘이어도 "
        "확률은 모든 레이블에 걸친 softmax로 구해요. 텐서 값은 float(...)로 꺼내세요."
    ),
    solution='''
def postprocess(logits, id2label):
    probs = logits.softmax(-1)                 # [batch, labels]
    scores, ids = probs.max(-1)                # best label per sentence
    return [{"label": id2label[int(i)], "score": float(s)} for s, i in zip(scores, ids)]

answer = postprocess
''',
    wrong=[
        '''
def postprocess(logits, id2label):
    scores, ids = logits.max(-1)   # the raw logit is not a probability
    return [{"label": id2label[int(i)], "score": float(s)} for s, i in zip(scores, ids)]

answer = postprocess
''',
        '''
def postprocess(logits, id2label):
    probs = logits.sigmoid()       # one independent yes/no per label, not a distribution over labels
    scores, ids = probs.max(-1)
    return [{"label": id2label[int(i)], "score": float(s)} for s, i in zip(scores, ids)]

answer = postprocess
''',
    ],
)
def _check_postprocess(answer) -> None:
    assert callable(answer), "answer에는 함수(postprocess)를 넣어야 해요."
    id2label = {0: "NEGATIVE", 1: "POSITIVE"}
    logits = torch.tensor([[2.0, -1.0], [-0.5, 1.5], [0.1, 0.0]])
    got = answer(logits, id2label)
    assert isinstance(got, list) and len(got) == 3, "문장마다 사전 하나씩, 3개짜리 리스트가 나와야 해요."
    probs = logits.softmax(-1)
    for row, (item, p) in enumerate(zip(got, probs, strict=True)):
        assert isinstance(item, dict) and {"label", "score"} <= set(item), "각 항목은 {'label', 'score'} 사전이어야 해요."
        best = int(p.argmax())
        assert item["label"] == id2label[best], f"{row}번 문장의 레이블이 {item['label']!r}예요. 확률이 가장 큰 쪽을 고르세요."
        score = float(item["score"])
        assert abs(score - float(p[best])) < 1e-5, (
            f"{row}번 점수가 {score:.4f}예요. 레이블 전체에 걸친 softmax 확률({float(p[best]):.4f})이어야 해요.")


@register(
    "02.2",
    title="패딩과 attention_mask 직접 만들기",
    question=(
        "토크나이저의 `padding=True`가 하는 일을 직접 해 봅시다. 문장마다 길이가 다른 토큰 id 리스트들 `id_lists`와 "
        "패딩 토큰 id `pad_id`를 받아, 가장 긴 문장에 맞춰 **오른쪽에** 패딩을 채운 "
        "`{'input_ids': ..., 'attention_mask': ...}`(둘 다 `[batch, 가장 긴 길이]` 정수 텐서)를 돌려주는 "
        "함수 `pad_batch(id_lists, pad_id)`를 만드세요. 함수를 `answer`에 넣으세요."
    ),
    hint="3절의 attention_mask 출력을 다시 보세요. 1과 0이 각각 무엇을 뜻했고, 짧은 문장의 어느 쪽에 0이 있었나요?",
    solution='''
import torch

def pad_batch(id_lists, pad_id):
    width = max(len(ids) for ids in id_lists)
    input_ids = [list(ids) + [pad_id] * (width - len(ids)) for ids in id_lists]
    attention_mask = [[1] * len(ids) + [0] * (width - len(ids)) for ids in id_lists]  # 1 = a real token
    return {"input_ids": torch.tensor(input_ids), "attention_mask": torch.tensor(attention_mask)}

answer = pad_batch
''',
    wrong=[
        '''
import torch

def pad_batch(id_lists, pad_id):
    width = max(len(ids) for ids in id_lists)
    input_ids = [list(ids) + [pad_id] * (width - len(ids)) for ids in id_lists]
    attention_mask = [[0] * len(ids) + [1] * (width - len(ids)) for ids in id_lists]  # marks the padding instead
    return {"input_ids": torch.tensor(input_ids), "attention_mask": torch.tensor(attention_mask)}

answer = pad_batch
''',
        '''
import torch

def pad_batch(id_lists, pad_id):
    width = max(len(ids) for ids in id_lists)
    input_ids = [[pad_id] * (width - len(ids)) + list(ids) for ids in id_lists]   # pads on the left
    attention_mask = [[0] * (width - len(ids)) + [1] * len(ids) for ids in id_lists]
    return {"input_ids": torch.tensor(input_ids), "attention_mask": torch.tensor(attention_mask)}

answer = pad_batch
''',
    ],
)
def _check_pad_batch(answer) -> None:
    assert callable(answer), "answer에는 함수(pad_batch)를 넣어야 해요."
    tokenizer = _minilm_tokenizer()
    id_lists = [tokenizer(text)["input_ids"] for text in REVIEWS]
    want = tokenizer(REVIEWS, padding=True, return_tensors="pt")  # what the tokenizer itself does
    got = answer(id_lists, tokenizer.pad_token_id)
    assert isinstance(got, dict) and {"input_ids", "attention_mask"} <= set(got), \
        "{'input_ids': ..., 'attention_mask': ...} 사전을 돌려줘야 해요."
    ids, mask = torch.as_tensor(got["input_ids"]), torch.as_tensor(got["attention_mask"])
    assert tuple(ids.shape) == tuple(want["input_ids"].shape), (
        f"모양이 {tuple(ids.shape)}예요. [문장 수, 가장 긴 길이] = {tuple(want['input_ids'].shape)}이어야 해요.")
    assert torch.equal(mask.long(), want["attention_mask"]), (
        "attention_mask가 토크나이저의 것과 달라요. 진짜 토큰이 1, 패딩이 0이고, 패딩은 문장 뒤에 붙어요.")
    assert torch.equal(ids.long(), want["input_ids"]), "input_ids가 토크나이저의 것과 달라요. 패딩 자리에 pad_id를 넣었나요?"


def _schedule_reference(n_examples: int, batch_size: int, epochs: int, devices: int, warmup: float) -> tuple[int, int]:
    import tempfile

    from torch.utils.data import DataLoader
    from transformers import TrainingArguments

    per_epoch = math.ceil(n_examples / (batch_size * devices))
    if devices == 1:  # one device: the DataLoader Trainer would build agrees
        assert per_epoch == len(DataLoader(range(n_examples), batch_size=batch_size))
    total = per_epoch * epochs
    args = TrainingArguments(output_dir=tempfile.mkdtemp(prefix="schedule-"), warmup_steps=warmup, report_to="none")
    return total, args.get_warmup_steps(total)


@register(
    "02.3",
    title="학습 스텝 수와 워밍업 계산하기",
    question=(
        "학습을 돌리기 전에 스텝 수를 계산할 수 있어야 합니다. 예제 수 `n_examples`, 장치당 배치 크기 `batch_size`, "
        "에포크 수 `epochs`, 장치(GPU) 수 `devices`, `TrainingArguments`의 `warmup_steps` 값 `warmup`을 받아 "
        "(전체 옵티마이저 스텝 수, 워밍업 스텝 수)를 정수 튜플로 돌려주는 함수 `schedule(n_examples, batch_size, epochs, "
        "devices, warmup)`를 만드세요. 마지막 배치는 모자라도 한 스텝이고, 장치마다 배치 하나씩을 동시에 처리해 한 스텝을 "
        "밟습니다. `warmup`이 1보다 작으면 전체 스텝 수에 대한 **비율**이고(스텝 수는 올림), 1 이상이면 스텝 수 그대로입니다. "
        "함수를 `answer`에 넣으세요."
    ),
    hint=(
        "4절의 표(320문장, 배치 8 → 40스텝)와 6절의 '장치당' 배치 크기를 떠올리세요. 나누어떨어지지 않을 때와 "
        "비율에 소수점이 생길 때 어느 쪽으로 반올림할지가 함정이에요."
    ),
    solution='''
import math

def schedule(n_examples, batch_size, epochs, devices, warmup):
    per_epoch = math.ceil(n_examples / (batch_size * devices))   # every device takes one batch per step
    total = per_epoch * epochs
    warmup_steps = math.ceil(total * warmup) if warmup < 1 else int(warmup)
    return total, warmup_steps

answer = schedule
''',
    wrong=[
        '''
import math

def schedule(n_examples, batch_size, epochs, devices, warmup):
    total = math.ceil(n_examples / batch_size) * epochs   # forgets that each device takes its own batch
    warmup_steps = math.ceil(total * warmup) if warmup < 1 else int(warmup)
    return total, warmup_steps

answer = schedule
''',
        '''
def schedule(n_examples, batch_size, epochs, devices, warmup):
    total = n_examples // (batch_size * devices) * epochs   # drops the last, smaller batch
    warmup_steps = int(total * warmup) if warmup < 1 else int(warmup)
    return total, warmup_steps

answer = schedule
''',
    ],
)
def _check_schedule(answer) -> None:
    assert callable(answer), "answer에는 함수(schedule)를 넣어야 해요."
    cases = [(320, 8, 1, 1, 0.1), (3738, 32, 3, 1, 0.1), (1000, 8, 2, 4, 0.05), (100, 16, 1, 1, 5), (45, 8, 1, 2, 0.5)]
    for n, batch, epochs, devices, warmup in cases:
        want = _schedule_reference(n, batch, epochs, devices, warmup)
        got = tuple(int(v) for v in answer(n, batch, epochs, devices, warmup))
        assert got == want, (
            f"schedule({n}, {batch}, {epochs}, {devices}, {warmup})는 {want}이어야 하는데 {got}이에요.")


@register(
    "02.4",
    title="macro F1을 손으로 계산하기",
    question=(
        "`Trainer(compute_metrics=...)`에 넘길 함수 `macro_f1_metric(eval_pred)`를 **NumPy만으로** 만드세요. "
        "eval_pred.predictions는 로짓([n, 레이블 수] 배열), eval_pred.label_ids는 정답([n])입니다. "
        "레이블마다 F1 = 2·정밀도·재현율 / (정밀도 + 재현율)을 구해 평균한 값을 `{'f1': float}`로 돌려주세요. "
        "(정밀도나 재현율의 분모가 0이면 그 값은 0으로 칩니다.) 함수를 `answer`에 넣으세요. "
        "5절의 `hflab.train.compute_metrics`가 같은 값을 scikit-learn으로 계산하니 비교해 볼 수 있습니다."
    ),
    hint=(
        "레이블 c마다 '예측도 c, 정답도 c'(맞힌 것), '예측만 c', '정답만 c'를 세어 보세요. macro는 레이블을 똑같이 "
        "취급해 평균한다는 뜻이라, 예제마다 세는 정확도와는 달라요. 로짓에서 예측 레이블로 가는 단계도 잊지 마세요."
    ),
    solution='''
import numpy as np

def macro_f1_metric(eval_pred):
    predictions = np.asarray(eval_pred.predictions).argmax(-1)
    labels = np.asarray(eval_pred.label_ids)
    scores = []
    for c in range(np.asarray(eval_pred.predictions).shape[-1]):
        hit = np.sum((predictions == c) & (labels == c))
        precision = hit / max(np.sum(predictions == c), 1)
        recall = hit / max(np.sum(labels == c), 1)
        scores.append(0.0 if hit == 0 else 2 * precision * recall / (precision + recall))
    return {"f1": float(np.mean(scores))}

answer = macro_f1_metric
''',
    wrong=[
        '''
import numpy as np

def macro_f1_metric(eval_pred):
    predictions = np.asarray(eval_pred.predictions).argmax(-1)
    labels = np.asarray(eval_pred.label_ids)
    return {"f1": float((predictions == labels).mean())}   # that is accuracy (micro F1), not macro F1

answer = macro_f1_metric
''',
        '''
import numpy as np

def macro_f1_metric(eval_pred):
    predictions = np.asarray(eval_pred.predictions).argmax(-1)
    labels = np.asarray(eval_pred.label_ids)
    hit = np.sum((predictions == 1) & (labels == 1))
    precision = hit / max(np.sum(predictions == 1), 1)
    recall = hit / max(np.sum(labels == 1), 1)
    return {"f1": float(2 * precision * recall / (precision + recall))}   # F1 of label 1 only

answer = macro_f1_metric
''',
    ],
)
def _check_macro_f1(answer) -> None:
    from sklearn.metrics import f1_score
    from transformers import EvalPrediction

    assert callable(answer), "answer에는 함수(macro_f1_metric)를 넣어야 해요."
    rng = np.random.default_rng(0)
    cases = [(rng.normal(size=(12, 2)), rng.integers(0, 2, 12)), (rng.normal(size=(20, 3)), rng.integers(0, 3, 20))]
    for logits, labels in cases:
        got = answer(EvalPrediction(predictions=logits.astype(np.float32), label_ids=labels))
        assert isinstance(got, dict) and "f1" in got, "{'f1': ...} 사전을 돌려줘야 해요."
        want = f1_score(labels, logits.argmax(-1), average="macro", labels=list(range(logits.shape[1])))
        accuracy = float((logits.argmax(-1) == labels).mean())
        value = float(got["f1"])
        assert abs(value - want) < 1e-6, (
            f"레이블 {logits.shape[1]}개짜리 예에서 macro F1은 {want:.4f}인데 {value:.4f}가 나왔어요."
            + (" 그건 정확도예요." if abs(value - accuracy) < 1e-9 else ""))


@register(
    "02.5",
    kind="predict",
    title="예측: 짧은 문장 뒤의 패딩",
    question=(
        f"예측해 보세요. 아래 셀은 세 문장 {REVIEWS!r}를 `padding=True`로 한 배치에 넣습니다. "
        "짧은 문장 'Fantastic!'의 `attention_mask`에는 0이 몇 개 생길까요? 숫자 하나를 `answer`에 넣으세요."
    ),
    hint="가장 긴 문장의 토큰 수(특수 토큰 포함)에서 'Fantastic!'의 토큰 수를 빼면 돼요. 둘 다 [CLS]와 [SEP]이 붙어요.",
    solution="answer = 8",
    wrong=["answer = 7", "answer = 10"],
)
def _check_padding(answer) -> None:
    assert isinstance(answer, (int, np.integer)) and not isinstance(answer, bool), "answer는 정수 하나여야 해요."
    mask = _minilm_tokenizer()(REVIEWS, padding=True, return_tensors="pt")["attention_mask"]
    zeros = int((mask[1] == 0).sum())
    assert answer == zeros, f"{answer}개가 아니에요. 아래 셀이 출력하는 attention_mask의 둘째 줄을 세어 보세요."


_TASKS = ["text-classification", "token-classification", "question-answering", "summarization", "translation"]


@register(
    "02.6",
    kind="predict",
    title="예측: v5에 남은 파이프라인",
    question=(
        f"예측해 보세요. 작업 다섯 개 {_TASKS} 가운데 v5의 `transformers.pipeline`이 아직 지원하는 것은 몇 개일까요? "
        "숫자 하나를 `answer`에 넣으세요."
    ),
    hint="이 절의 '바뀐 점' 상자가 사라진 작업들을 이름으로 말해 줘요.",
    solution="answer = 2",
    wrong=["answer = 5", "answer = 3"],
)
def _check_supported_tasks(answer) -> None:
    from transformers.pipelines import SUPPORTED_TASKS

    assert isinstance(answer, (int, np.integer)) and not isinstance(answer, bool), "answer는 정수 하나여야 해요."
    count = sum(task in SUPPORTED_TASKS for task in _TASKS)
    assert answer == count, f"{answer}개가 아니에요. 아래 셀이 작업마다 True/False를 보여 줘요."


_TRAINABLE_CHOICES = {"A": 0.1, "B": 0.5, "C": 0.9, "D": 1.0}


@register(
    "02.7",
    kind="predict",
    title="예측: 단어 임베딩을 얼리면 남는 몫",
    question=(
        "예측해 보세요. MiniLM 분류 모델에서 단어 임베딩(30,522 × 384)만 얼리면, 학습되는 파라미터는 전체의 "
        "대략 몇 %일까요? 보기의 글자 하나를 문자열로 `answer`에 넣고(예: `answer = \"A\"`), 아래 셀을 실행해 확인하세요.\n\n"
        "- **A.** 약 10%\n- **B.** 약 50%\n- **C.** 약 90%\n- **D.** 100% (얼려도 개수는 그대로)"
    ),
    hint="3절 설명에 MiniLM 전체 크기(약 2,270만)가 나와요. 30,522 × 384를 계산해 견주어 보세요.",
    solution='answer = "B"',
    wrong=['answer = "A"', 'answer = "C"'],
)
def _check_trainable_share(answer) -> None:
    from transformers import AutoModelForSequenceClassification

    from .ch01 import _minilm_config

    letter = _choice_letter(answer, list(_TRAINABLE_CHOICES))
    config = _minilm_config()
    config.num_labels = 2
    with torch.device("meta"):
        model = AutoModelForSequenceClassification.from_config(config)
    total = sum(p.numel() for p in model.parameters())
    share = 1 - model.bert.embeddings.word_embeddings.weight.numel() / total
    nearest = min(_TRAINABLE_CHOICES, key=lambda k: abs(_TRAINABLE_CHOICES[k] - share))
    assert letter == nearest, f"{letter}가 아니에요. 아래 셀이 'trainable … of …'로 정확한 몫을 보여 줘요."


@register(
    "02.8",
    kind="predict",
    title="예측: 학습 스텝 수",
    question=(
        "예측해 보세요. 학습 데이터 앞 320문장을 장치당 배치 8로 1에포크 학습하면 `Trainer`는 몇 스텝을 밟을까요? "
        "숫자 하나를 `answer`에 넣으세요."
    ),
    hint="한 스텝에 배치 하나를 처리해요. 장치는 하나(CPU)입니다.",
    solution="answer = 40",
    wrong=["answer = 320", "answer = 8"],
)
def _check_step_count(answer) -> None:
    assert isinstance(answer, (int, np.integer)) and not isinstance(answer, bool), "answer는 정수 하나여야 해요."
    steps, _ = _schedule_reference(320, 8, 1, 1, 0.0)
    assert answer == steps, f"{answer}스텝이 아니에요. 320문장을 8개씩 묶으면 배치가 몇 개일까요?"
