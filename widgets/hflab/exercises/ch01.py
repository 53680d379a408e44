"""Exercises of chapter 01 (철학): configuration, building from a config, save/reload, hidden states, subclassing.

Checkers build their own tiny BERTs (two layers, hidden 32), so each check takes well under a second.
"""

from __future__ import annotations

import torch

from . import register


def _tiny_bert_config(**overrides):
    from transformers import BertConfig

    settings = dict(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                    intermediate_size=64, max_position_embeddings=32,
                    hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    settings.update(overrides)
    return BertConfig(**settings)


@register(
    "01.1",
    question=(
        "minilm의 설정(configuration)만 불러와서 (층 수, 어텐션 헤드 수, 은닉 크기)를 "
        "정수 3개짜리 튜플로 `answer`에 넣으세요. 가중치는 불러오지 않아도 됩니다."
    ),
    hint=(
        "AutoConfig.from_pretrained(folder)는 config.json만 읽습니다. "
        "BERT 설정의 속성 이름은 num_hidden_layers, num_attention_heads, hidden_size 입니다."
    ),
    solution='''
import hflab
from transformers import AutoConfig

folder = hflab.models.local_folder(hflab.models.resolve("minilm"))  # where minilm lives on disk
config = AutoConfig.from_pretrained(folder)
answer = (config.num_hidden_layers, config.num_attention_heads, config.hidden_size)
''',
)
def _check_minilm_shape(answer) -> None:
    assert isinstance(answer, tuple) and len(answer) == 3, "answer는 (층 수, 헤드 수, 은닉 크기) 세 값의 튜플이어야 해요."
    layers, heads, hidden = (int(v) for v in answer)
    assert layers == 6, f"층 수가 {layers}? MiniLM-L6의 'L6'이 힌트예요."
    assert heads == 12, f"헤드 수가 {heads}? config.num_attention_heads를 보세요."
    assert hidden == 384, f"은닉 크기가 {hidden}? config.hidden_size를 보세요."


@register(
    "01.2",
    question=(
        "BertConfig로 층 2개, 은닉 크기 128, 어텐션 헤드 4개, 중간(feed-forward) 크기 512인 작은 BERT 설정을 "
        "만들고, 그 설정에서 (사전 학습 없이) 모델을 만들어 `answer`에 넣으세요."
    ),
    hint=(
        "BertConfig(num_hidden_layers=..., hidden_size=..., num_attention_heads=..., intermediate_size=...)를 "
        "만든 뒤 AutoModel.from_config(config) 또는 BertModel(config)을 쓰세요. from_pretrained가 아닙니다!"
    ),
    solution='''
from transformers import AutoModel, BertConfig

config = BertConfig(num_hidden_layers=2, hidden_size=128, num_attention_heads=4, intermediate_size=512)
answer = AutoModel.from_config(config)  # random weights: nothing is downloaded
''',
)
def _check_small_bert(answer) -> None:
    from transformers import PreTrainedModel

    assert isinstance(answer, PreTrainedModel), "answer에는 설정이 아니라 모델 객체를 넣어야 해요."
    config = answer.config
    assert config.model_type == "bert", f"BERT 모델이어야 하는데 {config.model_type} 모델이에요."
    assert config.num_hidden_layers == 2, f"층 수가 {config.num_hidden_layers}개예요. 2개로 만드세요."
    assert config.hidden_size == 128, f"은닉 크기가 {config.hidden_size}예요. 128로 만드세요."
    assert config.num_attention_heads == 4, f"헤드 수가 {config.num_attention_heads}개예요. 4개로 만드세요."
    assert config.intermediate_size == 512, f"중간 크기가 {config.intermediate_size}예요. 512로 만드세요."
    assert len(answer.encoder.layer) == 2, "설정은 맞는데 모델의 층 수가 설정과 달라요. from_config로 만들었나요?"


@register(
    "01.3",
    question=(
        "작은 BERT 모델을 임시 폴더에 save_pretrained로 저장하고, 그 폴더에 생긴 파일 이름들을 "
        "정렬된 리스트로 `answer`에 넣으세요. (어떤 파일이 설정이고 어떤 파일이 가중치인지도 생각해 보세요.)"
    ),
    hint=(
        "tempfile.mkdtemp()로 폴더를 만들고 model.save_pretrained(folder) 다음에 "
        "sorted(p.name for p in Path(folder).iterdir())를 쓰세요."
    ),
    solution='''
import tempfile
from pathlib import Path
from transformers import AutoModel, BertConfig

model = AutoModel.from_config(BertConfig(num_hidden_layers=2, hidden_size=128, num_attention_heads=4,
                                         intermediate_size=512))
folder = tempfile.mkdtemp()
model.save_pretrained(folder)
answer = sorted(p.name for p in Path(folder).iterdir())
''',
)
def _check_saved_files(answer) -> None:
    assert isinstance(answer, (list, tuple)), "answer는 파일 이름(문자열)의 리스트여야 해요."
    names = [str(n) for n in answer]
    assert all("/" not in n for n in names), "경로 전체가 아니라 파일 이름만 넣으세요 (Path.name)."
    assert "config.json" in names, "config.json이 없어요: 설정 파일도 함께 저장되어야 해요."
    assert "model.safetensors" in names, (
        "model.safetensors가 없어요: v5는 가중치를 safetensors로 저장합니다. 모델을 저장했나요?")
    assert list(names) == sorted(names), "이름을 정렬해서 넣어 주세요 (sorted)."


@register(
    "01.4",
    question=(
        "minilm에 아무 문장이나 넣고 output_hidden_states=True로 실행해, 돌려받은 hidden_states 튜플의 "
        "길이를 `answer`에 넣으세요. 층이 6개인데 값은 몇일까요?"
    ),
    hint="hidden_states에는 각 층의 출력 말고도 맨 처음 임베딩 층의 출력이 하나 더 들어 있어요.",
    solution='''
import torch
import hflab

minilm = hflab.models.load("minilm", quiet=True)
inputs = minilm.tokenizer("Hidden states, one per layer.", return_tensors="pt")
with torch.no_grad():
    outputs = minilm.model(**inputs, output_hidden_states=True)
answer = len(outputs.hidden_states)
''',
)
def _check_hidden_state_count(answer) -> None:
    assert isinstance(answer, int) and not isinstance(answer, bool), "answer는 정수(튜플의 길이)여야 해요."
    assert answer != 6, "6은 층의 수예요. 임베딩 층의 출력도 hidden_states에 들어 있어요."
    assert answer == 7, f"{answer}개가 아니에요. len(outputs.hidden_states)를 확인해 보세요."


@register(
    "01.5",
    question=(
        "BertPreTrainedModel을 상속해서, 문장마다 마지막 층의 [CLS] 벡터(첫 토큰의 은닉 상태)를 "
        "[batch, hidden] 텐서로 돌려주는 `CLSEncoder` 클래스를 만들고, 클래스 자체를 `answer`에 넣으세요. "
        "forward(input_ids, attention_mask)를 받게 하세요."
    ),
    hint=(
        "__init__에서 super().__init__(config), self.bert = BertModel(config, add_pooling_layer=False), "
        "self.post_init()을 부르고, forward에서 self.bert(...).last_hidden_state[:, 0]을 돌려주세요."
    ),
    solution='''
from transformers import BertModel, BertPreTrainedModel

class CLSEncoder(BertPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        self.post_init()

    def forward(self, input_ids, attention_mask=None):
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return hidden[:, 0]  # [batch, hidden]

answer = CLSEncoder
''',
)
def _check_cls_encoder(answer) -> None:
    from transformers import PreTrainedModel

    assert isinstance(answer, type), "answer에는 객체가 아니라 클래스 자체(CLSEncoder)를 넣으세요."
    assert issubclass(answer, PreTrainedModel), (
        "BertPreTrainedModel(또는 PreTrainedModel)을 상속해야 from_pretrained/save_pretrained를 물려받아요.")
    torch.manual_seed(0)
    model = answer(_tiny_bert_config()).eval()
    input_ids = torch.randint(5, 100, (3, 7))
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 5:] = 0
    with torch.no_grad():
        out = model(input_ids=input_ids, attention_mask=attention_mask)
        reference = model.base_model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state[:, 0]
    assert isinstance(out, torch.Tensor), "forward는 텐서 하나([batch, hidden])를 돌려줘야 해요."
    assert tuple(out.shape) == (3, 32), f"모양이 {tuple(out.shape)}예요. [batch, hidden] = (3, 32)여야 해요."
    assert torch.allclose(out, reference, atol=1e-5), "값이 마지막 층의 첫 토큰([CLS]) 은닉 상태와 달라요."
