"""Exercises of chapter 02 (Pipeline과 Trainer): a pipeline's steps by hand, TrainingArguments, a metric.

No checker loads a model: they use made-up logits, MiniLM's tokenizer (a few MB) or plain arguments.
"""

from __future__ import annotations

import numpy as np
import torch

from . import register

PAIR = ["Great!", "The service was slow and the food was cold."]


@register(
    "02.1",
    question=(
        "파이프라인의 후처리 단계를 직접 써 봅시다. 로짓 텐서 `logits`([batch, 레이블 수])와 `id2label` 사전을 받아 "
        "문장마다 {'label': 가장 확률이 높은 레이블 이름, 'score': 그 확률}을 담은 리스트를 돌려주는 "
        "함수 `postprocess(logits, id2label)`를 만들어 함수 자체를 `answer`에 넣으세요."
    ),
    hint=(
        "probs = logits.softmax(-1)로 확률을 구하고, probs.max(-1)이 돌려주는 (값, 위치)를 쓰세요. "
        "score는 float(...)로, label은 id2label[int(위치)]로 만드세요."
    ),
    solution='''
def postprocess(logits, id2label):
    probs = logits.softmax(-1)                 # [batch, labels]
    scores, ids = probs.max(-1)                # best label per sentence
    return [{"label": id2label[int(i)], "score": float(s)} for s, i in zip(scores, ids)]

answer = postprocess
''',
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
            f"{row}번 점수가 {score:.4f}예요. 로짓이 아니라 softmax 확률({float(p[best]):.4f})이어야 해요.")


@register(
    "02.2",
    question=(
        f"minilm 토크나이저로 두 문장 {PAIR!r}를 한 번에(padding=True) 토큰화했을 때, 짧은 문장 쪽에 붙는 "
        "패딩 토큰은 몇 개일까요? 직접 토큰화해서 그 개수(정수)를 `answer`에 넣으세요."
    ),
    hint="attention_mask에서 0인 자리가 패딩입니다. (mask == 0).sum()을 첫 문장에 대해 구하세요.",
    solution='''
import hflab
from transformers import AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained(hflab.models.local_folder(hflab.models.resolve("minilm")))
batch = tokenizer(["Great!", "The service was slow and the food was cold."], padding=True, return_tensors="pt")
answer = int((batch["attention_mask"][0] == 0).sum())
''',
)
def _check_padding(answer) -> None:
    from transformers import AutoTokenizer

    from ..models import local_folder, resolve

    assert isinstance(answer, (int, np.integer)) and not isinstance(answer, bool), "answer는 정수(패딩 개수)여야 해요."
    tokenizer = AutoTokenizer.from_pretrained(local_folder(resolve("minilm")))
    mask = tokenizer(PAIR, padding=True, return_tensors="pt")["attention_mask"]
    expected = int((mask[0] == 0).sum())
    total = int(mask.shape[1])
    assert answer != total, "그건 패딩까지 합친 전체 길이예요. 0인 자리만 세세요."
    assert answer == expected, f"{answer}개가 아니에요. [CLS]와 [SEP]도 진짜 토큰이라는 것을 잊지 마세요."


@register(
    "02.3",
    question=(
        "다음 조건의 `TrainingArguments`를 만들어 `answer`에 넣으세요: 임시 폴더에 출력, 에폭 2번, 학습률 3e-5, "
        "장치당 학습 배치 크기 8, 체크포인트 저장 안 함, 실험 추적 도구에 보고 안 함."
    ),
    hint=(
        "output_dir=tempfile.mkdtemp(), num_train_epochs=2, learning_rate=3e-5, per_device_train_batch_size=8, "
        'save_strategy="no", report_to="none"'
    ),
    solution='''
import tempfile
from transformers import TrainingArguments

answer = TrainingArguments(
    output_dir=tempfile.mkdtemp(),
    num_train_epochs=2,
    learning_rate=3e-5,
    per_device_train_batch_size=8,
    save_strategy="no",
    report_to="none",
)
''',
)
def _check_training_arguments(answer) -> None:
    from transformers import TrainingArguments

    assert isinstance(answer, TrainingArguments), "answer에는 TrainingArguments 객체를 넣어야 해요."
    assert float(answer.num_train_epochs) == 2, f"에폭이 {answer.num_train_epochs}예요. 2로 하세요."
    assert abs(answer.learning_rate - 3e-5) < 1e-12, f"학습률이 {answer.learning_rate}예요. 3e-5로 하세요."
    assert answer.per_device_train_batch_size == 8, (
        f"배치 크기가 {answer.per_device_train_batch_size}예요. per_device_train_batch_size=8로 하세요.")
    assert str(getattr(answer.save_strategy, "value", answer.save_strategy)) == "no", (
        'save_strategy="no"로 체크포인트 저장을 끄세요.')
    assert answer.report_to in ([], ["none"], "none", None), 'report_to="none"으로 추적 도구 보고를 끄세요.'


@register(
    "02.4",
    question=(
        "`Trainer(compute_metrics=...)`에 넘길 함수 `accuracy_metric(eval_pred)`를 만들어 함수를 `answer`에 넣으세요. "
        "eval_pred.predictions는 로짓([n, 레이블 수] NumPy 배열), eval_pred.label_ids는 정답([n])입니다. "
        "{'accuracy': 맞힌 비율(float)}을 돌려주세요."
    ),
    hint="predictions.argmax(-1)로 예측 레이블을 구하고, 정답과 같은 비율을 (pred == labels).mean()으로 구하세요.",
    solution='''
import numpy as np

def accuracy_metric(eval_pred):
    predictions = np.asarray(eval_pred.predictions).argmax(-1)
    labels = np.asarray(eval_pred.label_ids)
    return {"accuracy": float((predictions == labels).mean())}

answer = accuracy_metric
''',
)
def _check_accuracy_metric(answer) -> None:
    from transformers import EvalPrediction

    assert callable(answer), "answer에는 함수(accuracy_metric)를 넣어야 해요."
    logits = np.array([[2.0, 0.0], [0.0, 1.0], [3.0, -1.0], [0.2, 0.1], [-1.0, 1.0]], dtype=np.float32)
    labels = np.array([0, 1, 1, 0, 0])
    got = answer(EvalPrediction(predictions=logits, label_ids=labels))
    assert isinstance(got, dict) and "accuracy" in got, "{'accuracy': ...} 사전을 돌려줘야 해요."
    value = float(got["accuracy"])
    assert abs(value - 3 / 5) < 1e-6, (
        f"정확도가 {value:.3f}예요. 5개 중 3개를 맞혔으니 0.6이어야 해요. 로짓에서 argmax(-1)을 했나요?")
