"""Exercises of chapter 01 (철학): config vs weights, what Auto classes read, v5's eager attentions, subclassing.

Checkers build their own tiny BERTs (two layers, hidden 32), so each check takes well under a second;
01.3 builds full-size models on PyTorch's meta device (shapes only, no memory).
"""

from __future__ import annotations

import torch

from . import _choice_letter, register


def _tiny_bert_config(**overrides):
    from transformers import BertConfig

    settings = dict(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                    intermediate_size=64, max_position_embeddings=32,
                    hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    settings.update(overrides)
    return BertConfig(**settings)


def _tiny_bert(attn_implementation: str = "eager", seed: int = 0, **overrides):
    from transformers import AutoModel

    torch.manual_seed(seed)
    return AutoModel.from_config(_tiny_bert_config(**overrides), attn_implementation=attn_implementation).eval()


def _tiny_inputs(seed: int = 1) -> dict:
    g = torch.Generator().manual_seed(seed)
    input_ids = torch.randint(5, 100, (2, 6), generator=g)
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 4:] = 0
    return {"input_ids": input_ids, "attention_mask": attention_mask}


def _minilm_config():
    from transformers import AutoConfig

    from ..models import local_folder, resolve

    return AutoConfig.from_pretrained(local_folder(resolve("minilm")))


@register(
    "01.1",
    title="앞쪽 층만 남긴 모델",
    question=(
        "설정은 구조를, 가중치는 지식을 담는다는 것을 이용해 봅시다. BERT 계열 모델 `model`과 정수 `n`을 받아, "
        "**앞쪽 n개 층만** 가진 새 모델을 돌려주는 함수 `keep_first_layers(model, n)`를 만드세요. 새 모델은 원래 모델의 "
        "가중치를 그대로 쓰므로, 그 출력(`last_hidden_state`)은 원래 모델의 `hidden_states[n]`과 같아야 합니다. "
        "원래 모델은 바꾸지 마세요. 함수를 `answer`에 넣으세요."
    ),
    hint=(
        "설정의 사본에서 층 수만 바꾸면 구조가 생기고(8절), 지식은 state_dict에 있어요. 이름이 같은 가중치는 그대로 "
        "옮길 수 있는데, 새 모델에 없는 층의 가중치는 어떻게 할지 load_state_dict의 인자를 살펴보세요."
    ),
    solution='''
import copy
from transformers import AutoModel

def keep_first_layers(model, n):
    config = copy.deepcopy(model.config)          # never touch the original's config
    config.num_hidden_layers = n
    smaller = AutoModel.from_config(config)        # the structure: n layers, random weights
    smaller.load_state_dict(model.state_dict(), strict=False)  # the knowledge: layers >= n are left out
    return smaller.eval()

answer = keep_first_layers
''',
    wrong=[
        '''
import copy
from transformers import AutoModel

def keep_first_layers(model, n):
    config = copy.deepcopy(model.config)
    config.num_hidden_layers = n
    return AutoModel.from_config(config).eval()   # the right structure, but no knowledge: random weights

answer = keep_first_layers
''',
        '''
def keep_first_layers(model, n):
    model.config.num_hidden_layers = n   # a config edit does not remove layers that already exist
    return model

answer = keep_first_layers
''',
    ],
)
def _check_keep_first_layers(answer) -> None:
    from transformers import PreTrainedModel

    assert callable(answer), "answer에는 함수(keep_first_layers)를 넣어야 해요."
    original = _tiny_bert(num_hidden_layers=3)
    inputs = _tiny_inputs()
    with torch.no_grad():
        reference = original(**inputs, output_hidden_states=True).hidden_states
    smaller = answer(original, 2)
    assert isinstance(smaller, PreTrainedModel), "새 모델 객체를 돌려줘야 해요."
    assert original.config.num_hidden_layers == 3 and len(original.encoder.layer) == 3, \
        "원래 모델(또는 그 설정)이 바뀌었어요. 설정의 사본을 고치세요."
    assert len(smaller.encoder.layer) == 2, f"새 모델의 층이 {len(smaller.encoder.layer)}개예요. 2개여야 해요."
    smaller.eval()
    with torch.no_grad():
        out = smaller(**inputs).last_hidden_state
    real = inputs["attention_mask"].bool()
    assert torch.allclose(out[real], reference[2][real], atol=1e-5), (
        "층 수는 맞는데 출력이 원래 모델의 hidden_states[2]와 달라요. 가중치를 옮겼나요?")


@register(
    "01.2",
    title="설정으로 작은 BERT 만들기",
    question=(
        "BertConfig로 층 2개, 은닉 크기 128, 어텐션 헤드 4개, 중간(feed-forward) 크기 512인 작은 BERT 설정을 "
        "만들고, 그 설정에서 (사전 학습 없이) 모델을 만들어 `answer`에 넣으세요."
    ),
    hint=(
        "BertConfig의 인자 이름은 01-1의 설정 출력에서 본 이름 그대로예요. 모델은 가중치 파일 없이 설정만으로 "
        "만들어야 하니 from_pretrained가 아닌 길을 쓰세요(8절)."
    ),
    solution='''
from transformers import AutoModel, BertConfig

config = BertConfig(num_hidden_layers=2, hidden_size=128, num_attention_heads=4, intermediate_size=512)
answer = AutoModel.from_config(config)  # random weights: nothing is downloaded
''',
    wrong=[
        '''
from transformers import BertConfig

answer = BertConfig(num_hidden_layers=2, hidden_size=128, num_attention_heads=4, intermediate_size=512)  # a config, no model
''',
        '''
from transformers import AutoModel, BertConfig

config = BertConfig(num_hidden_layers=2, hidden_size=128, num_attention_heads=4)  # intermediate size left at 3072
answer = AutoModel.from_config(config)
''',
    ],
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


_AUTO_CASES = {  # model_type -> a config with an `architectures` entry that is NOT what AutoModel picks
    "bert": ("BertConfig", ["BertForMaskedLM"]),
    "gpt2": ("GPT2Config", ["GPT2LMHeadModel"]),
    "vit": ("ViTConfig", ["ViTForImageClassification"]),
    "distilbert": ("DistilBertConfig", ["DistilBertForSequenceClassification"]),
}


@register(
    "01.3",
    title="Auto 클래스 흉내 내기",
    question=(
        "`AutoModel`이 체크포인트 폴더를 보고 어떤 클래스를 고르는지 직접 해 봅시다. 폴더 경로 `folder`를 받아 "
        "그 안의 `config.json`**만** 읽고(json 모듈로), transformers의 표 "
        "`transformers.models.auto.modeling_auto.MODEL_MAPPING_NAMES`에서 `AutoModel`이 만들 클래스의 이름(문자열)을 "
        "찾아 돌려주는 함수 `auto_model_class_name(folder)`를 만드세요. 함수를 `answer`에 넣으세요."
    ),
    hint=(
        "config.json에는 클래스 이름처럼 보이는 칸이 하나 더 있을 수 있어요. 하지만 7절에서 Auto 클래스가 "
        "보는 것은 단 하나의 값이라고 했죠. 그 값으로 표를 찾으세요."
    ),
    solution='''
import json
from pathlib import Path
from transformers.models.auto.modeling_auto import MODEL_MAPPING_NAMES

def auto_model_class_name(folder):
    config = json.loads((Path(folder) / "config.json").read_text())
    return MODEL_MAPPING_NAMES[config["model_type"]]   # model_type -> class name, nothing else

answer = auto_model_class_name
''',
    wrong=[
        '''
import json
from pathlib import Path

def auto_model_class_name(folder):
    config = json.loads((Path(folder) / "config.json").read_text())
    return config["architectures"][0]   # the class the checkpoint was saved from, not AutoModel's pick

answer = auto_model_class_name
''',
        '''
import json
from pathlib import Path

def auto_model_class_name(folder):
    config = json.loads((Path(folder) / "config.json").read_text())
    return config["model_type"].capitalize() + "Model"   # guesses the spelling: Gpt2Model, VitModel

answer = auto_model_class_name
''',
    ],
)
def _check_auto_class(answer) -> None:
    import tempfile

    import transformers
    from transformers import AutoConfig, AutoModel

    assert callable(answer), "answer에는 함수(auto_model_class_name)를 넣어야 해요."
    for model_type, (config_class, architectures) in _AUTO_CASES.items():
        folder = tempfile.mkdtemp(prefix=f"auto-{model_type}-")
        getattr(transformers, config_class)(architectures=architectures).save_pretrained(folder)
        with torch.device("meta"):  # what AutoModel really builds, without spending memory on weights
            expected = type(AutoModel.from_config(AutoConfig.from_pretrained(folder))).__name__
        got = answer(folder)
        assert got == expected, (
            f"model_type이 {model_type!r}인 폴더에서 AutoModel은 {expected}를 만들어요. 지금 답은 {got!r}.")


@register(
    "01.4",
    title="v5에서 어텐션 꺼내기",
    question=(
        "v5의 기본 어텐션 구현(sdpa)은 가중치를 돌려주지 않습니다. 모델 `model`(어떤 구현으로 불렸는지 모름)과 "
        "토크나이저 출력 `inputs`를 받아, 첫 번째 문장의 모든 층 어텐션을 `[층, 헤드, 쿼리, 키]` 텐서 하나로 돌려주는 "
        "함수 `attentions_of(model, inputs)`를 만드세요. 함수가 끝난 뒤 모델의 어텐션 구현은 **원래대로** 돌아가 있어야 "
        "합니다(함수를 부른 쪽은 속도가 빠른 원래 구현을 기대하니까요). 함수를 `answer`에 넣으세요."
    ),
    hint=(
        "구현 이름은 model.config._attn_implementation에 있고, 4절의 '바뀐 점' 상자가 구현을 바꾸는 방법을 알려 줘요. "
        "중간에 오류가 나도 되돌리려면 try/finally가 좋아요. 튜플을 텐서 하나로 쌓는 것은 torch.stack입니다."
    ),
    solution='''
import torch

def attentions_of(model, inputs):
    before = model.config._attn_implementation
    model.set_attn_implementation("eager")         # only eager attention hands out its weights
    try:
        with torch.no_grad():
            outputs = model(**inputs, output_attentions=True)
    finally:
        model.set_attn_implementation(before)      # leave the caller's model as it was
    return torch.stack(outputs.attentions)[:, 0]   # [layers, heads, query, key] of the first sentence

answer = attentions_of
''',
    wrong=[
        '''
import torch

def attentions_of(model, inputs):
    model.set_attn_implementation("eager")
    with torch.no_grad():
        outputs = model(**inputs, output_attentions=True)
    return torch.stack(outputs.attentions)[:, 0]   # works, but the model stays on slow eager attention

answer = attentions_of
''',
        '''
import torch

def attentions_of(model, inputs):
    with torch.no_grad():
        outputs = model(**inputs, output_attentions=True)   # under sdpa this tuple is empty
    return torch.stack(outputs.attentions)[:, 0]

answer = attentions_of
''',
    ],
)
def _check_attentions_of(answer) -> None:
    assert callable(answer), "answer에는 함수(attentions_of)를 넣어야 해요."
    inputs = _tiny_inputs()
    reference_model = _tiny_bert("eager")
    with torch.no_grad():
        want = torch.stack(reference_model(**inputs, output_attentions=True).attentions)[:, 0]
    model = _tiny_bert("sdpa")  # same seed: same weights
    try:
        got = answer(model, inputs)
    except RuntimeError as err:
        raise AssertionError(f"어텐션을 쌓지 못했어요 ({err}). sdpa에서는 attentions가 빈 튜플이에요.") from err
    got = torch.as_tensor(got)
    assert tuple(got.shape) == (2, 4, 6, 6), f"모양이 {tuple(got.shape)}예요. [층, 헤드, 쿼리, 키] = (2, 4, 6, 6)이어야 해요."
    assert torch.allclose(got, want, atol=1e-5), "값이 eager 어텐션과 달라요. 첫 번째 문장([:, 0])을 골랐나요?"
    assert model.config._attn_implementation == "sdpa", (
        f"함수가 끝난 뒤 모델이 {model.config._attn_implementation!r} 구현으로 남아 있어요. 원래 구현으로 되돌리세요.")


@register(
    "01.5",
    title="[CLS] 벡터를 돌려주는 모델 클래스",
    question=(
        "BertPreTrainedModel을 상속해서, 문장마다 마지막 층의 [CLS] 벡터(첫 토큰의 은닉 상태)를 "
        "[batch, hidden] 텐서로 돌려주는 `CLSEncoder` 클래스를 만들고, 클래스 자체를 `answer`에 넣으세요. "
        "forward(input_ids, attention_mask)를 받게 하세요."
    ),
    hint=(
        "2절의 SentenceEncoder가 뼈대예요. 달라지는 것은 forward의 마지막 줄뿐입니다. 평균 대신 어느 위치를 읽으면 "
        "될까요? BertModel의 pooler_output은 [CLS]에 선형 층과 tanh를 더 거친 값이라 다릅니다."
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
    wrong=[
        '''
from transformers import BertModel, BertPreTrainedModel

class CLSEncoder(BertPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.bert = BertModel(config)
        self.post_init()

    def forward(self, input_ids, attention_mask=None):
        return self.bert(input_ids=input_ids, attention_mask=attention_mask).pooler_output   # dense + tanh on top

answer = CLSEncoder
''',
        '''
from transformers import BertModel, BertPreTrainedModel

class CLSEncoder(BertPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        self.post_init()

    def forward(self, input_ids, attention_mask=None):
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return hidden[:, -1]   # the last position: [SEP] or padding, not [CLS]

answer = CLSEncoder
''',
    ],
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


_SENTENCE = "Transformers keeps things simple."


@register(
    "01.6",
    kind="predict",
    title="예측: 토큰은 몇 개?",
    question=(
        f"예측해 보세요. MiniLM 토크나이저에 {_SENTENCE!r}를 넣으면 `input_ids`의 길이는 몇일까요? "
        "단어는 넷, 마침표가 하나입니다. 숫자 하나를 `answer`에 넣고 아래 셀을 실행해 확인하세요."
    ),
    hint="토크나이저가 앞뒤에 무언가를 붙였죠(3절). 어휘에 있는 단어는 한 토큰, 없는 단어는 ## 조각 여러 개가 됩니다.",
    solution="answer = 7",
    wrong=["answer = 5", "answer = 8"],
)
def _check_token_count(answer) -> None:
    from transformers import AutoTokenizer

    from ..models import local_folder, resolve

    assert isinstance(answer, int) and not isinstance(answer, bool), "answer는 정수 하나여야 해요."
    tokenizer = AutoTokenizer.from_pretrained(local_folder(resolve("minilm")))
    ids = tokenizer(_SENTENCE)["input_ids"]
    assert answer == len(ids), (
        f"{answer}개가 아니에요. 다음 셀에서 convert_ids_to_tokens 결과를 세어 보세요. [CLS], [SEP]과 ## 조각이 힌트예요.")


_SHARE_CHOICES = {"A": (0.0, 0.10), "B": (0.10, 0.40), "C": (0.40, 0.75), "D": (0.75, 1.01)}


@register(
    "01.7",
    kind="predict",
    title="예측: 작은 BERT에서 단어 임베딩의 몫",
    question=(
        "예측해 보세요. 아래 셀은 층 2개, 64차원짜리 작은 BERT를 (bert-base-uncased와 같은 30,522개 어휘로) 만듭니다. "
        "전체 파라미터 가운데 단어 임베딩 표가 차지하는 몫은 어느 쪽일까요? 보기의 글자 하나를 문자열로 "
        "`answer`에 넣고(예: `answer = \"A\"`), 아래 셀을 실행해 확인하세요.\n\n"
        "- **A.** 10% 미만\n- **B.** 10~40%\n- **C.** 40~75%\n- **D.** 75% 이상"
    ),
    hint="단어 임베딩은 30,522 × 64개예요. 층 하나는 대략 d² 몇 개 정도죠. d=64에서 둘을 견주어 보세요.",
    solution='answer = "D"',
    wrong=['answer = "B"', 'answer = "C"'],
)
def _check_embedding_share(answer) -> None:
    from transformers import AutoModel, BertConfig

    letter = _choice_letter(answer, list(_SHARE_CHOICES))
    config = BertConfig(num_hidden_layers=2, hidden_size=64, num_attention_heads=4, intermediate_size=128)
    with torch.device("meta"):
        model = AutoModel.from_config(config)
    share = model.embeddings.word_embeddings.weight.numel() / sum(p.numel() for p in model.parameters())
    right = next(k for k, (low, high) in _SHARE_CHOICES.items() if low <= share < high)
    assert letter == right, (
        f"{letter}가 아니에요. 작은 모델일수록 어휘 표의 몫이 커져요. 아래 셀의 두 숫자로 확인해 보세요.")


@register(
    "01.8",
    kind="predict",
    title="예측: hidden_states는 몇 개?",
    question=(
        "예측해 보세요. 층이 6개인 MiniLM을 `output_hidden_states=True`로 실행하면 돌려받는 `hidden_states` 튜플의 "
        "길이는 몇일까요? 숫자 하나를 `answer`에 넣고, 아래 셀을 실행해 확인하세요."
    ),
    hint="각 층의 출력 말고도, 첫 층에 들어가기 전의 상태가 하나 더 있을까요?",
    solution="answer = 7",
    wrong=["answer = 6", "answer = 12"],
)
def _check_hidden_state_count(answer) -> None:
    assert isinstance(answer, int) and not isinstance(answer, bool), "answer는 정수 하나여야 해요."
    inputs = _tiny_inputs()
    with torch.no_grad():
        count = len(_tiny_bert(num_hidden_layers=6)(**inputs, output_hidden_states=True).hidden_states)
    assert count == _minilm_config().num_hidden_layers + 1  # the rule the learner should find, on MiniLM's own depth
    assert answer == count, f"{answer}개가 아니에요. 층 6개의 출력에 무엇이 하나 더 붙는지 아래 셀의 출력을 보세요."


@register(
    "01.9",
    kind="predict",
    title="예측: sdpa가 돌려주는 어텐션",
    question=(
        "예측해 보세요. v5의 기본 구현(sdpa)으로 불러온 MiniLM에 `output_attentions=True`를 주고 실행하면, "
        "`attentions`에는 층별 어텐션 텐서가 몇 개 들어 있을까요? 숫자 하나를 `answer`에 넣으세요."
    ),
    hint="sdpa는 가중치 행렬을 메모리에 만들지 않는 빠른 경로예요. 만들지 않은 것을 돌려줄 수 있을까요?",
    solution="answer = 0",
    wrong=["answer = 6", "answer = 12"],
)
def _check_sdpa_attentions(answer) -> None:
    import warnings

    assert isinstance(answer, int) and not isinstance(answer, bool), "answer는 정수 하나여야 해요."
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        attentions = _tiny_bert("sdpa")(**_tiny_inputs(), output_attentions=True).attentions
    assert answer == len(attentions or ()), (
        f"{answer}개가 아니에요. 아래 셀의 'sdpa -> attentions' 줄을 보세요. v5에서 어텐션을 보려면 eager가 필요해요.")
