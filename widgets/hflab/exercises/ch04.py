"""Exercises of chapter 04 (토큰 추가): byte-level BPE and the leading space, piece-mean rows, predictions.

The checkers build a tiny WordPiece tokenizer and a tiny BERT in well under a second; 04.1 reads
smollm2's real tokenizer (a few MB) and gives it a tiny Llama with tied embeddings.
"""

from __future__ import annotations

import torch

from . import _choice_letter, register

_VOCAB = ("[PAD] [UNK] [CLS] [SEP] [MASK] the a cat sat on mat model token ##izer ##s safe ##ten ##sor "
          "bert ##vi ##z log ##it . ,").split()


def _tiny_tokenizer():
    from transformers import BertTokenizer

    return BertTokenizer(vocab={t: i for i, t in enumerate(_VOCAB)})


def _tiny_bert():
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(_VOCAB), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=32)
    return BertModel(config).eval()


@register(
    "04.1",
    title="바이트 수준 BPE에 단어 추가하기",
    question=(
        "smollm2 같은 바이트 수준 BPE 토크나이저에 단어를 추가하는 함수 `add_words_bpe(tokenizer, model, words)`를 "
        "만드세요. `words`는 공백 없는 단어 리스트(예: `['safetensors', 'bertviz']`)입니다. 추가한 뒤에는 문장 속에서 "
        "(앞에 공백이 있는) 그 단어가 **토큰 하나**로 읽혀야 하고, 외톨이 공백 토큰(`Ġ`)이 생기면 안 되며, 모델은 늘어난 "
        "어휘로 돌아가야 합니다(입력 임베딩과 출력 층 모두). 새 행의 초기화는 신경 쓰지 않아도 됩니다. 함수를 `answer`에 넣으세요."
    ),
    hint=(
        "5절에서 그냥 'safetensors'를 추가하면 무엇이 남았는지 떠올리세요. 토크나이저가 문자열을 손대지 않고 그대로 "
        "찾게 하는 도구도 5절에 있어요. 임베딩을 늘리는 것은 2절의 두 번째 단계이고, 묶인 출력 층은 따라서 늘어나요."
    ),
    solution='''
from tokenizers import AddedToken

def add_words_bpe(tokenizer, model, words):
    # the leading space belongs to the token in byte-level BPE; normalized=False keeps it as written
    tokenizer.add_tokens([AddedToken(" " + word, normalized=False) for word in words])
    model.resize_token_embeddings(len(tokenizer))   # tied: the output layer grows with it
    return tokenizer, model

answer = add_words_bpe
''',
    wrong=[
        '''
def add_words_bpe(tokenizer, model, words):
    tokenizer.add_tokens(list(words))               # the space before each word becomes a lonely token
    model.resize_token_embeddings(len(tokenizer))
    return tokenizer, model

answer = add_words_bpe
''',
        '''
from tokenizers import AddedToken

def add_words_bpe(tokenizer, model, words):
    tokenizer.add_tokens([AddedToken(" " + word, normalized=False) for word in words])
    return tokenizer, model                          # the embedding matrix did not grow

answer = add_words_bpe
''',
    ],
)
def _check_add_words_bpe(answer) -> None:
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from ..models import local_folder, resolve

    assert callable(answer), "answer에는 함수(add_words_bpe)를 넣어야 해요."
    tokenizer = AutoTokenizer.from_pretrained(local_folder(resolve("smollm2")))
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, tie_word_embeddings=True)
    model = LlamaForCausalLM(config).eval()
    sentence = "I saved the weights as safetensors and looked at them with bertviz."
    before = len(tokenizer(sentence)["input_ids"])
    answer(tokenizer, model, ["safetensors", "bertviz"])
    ids = tokenizer(sentence)["input_ids"]
    pieces = tokenizer.convert_ids_to_tokens(ids)
    lonely = [p for p in pieces if p.strip("Ġ ") == ""]
    assert not lonely, f"외톨이 공백 토큰이 생겼어요: {pieces}. 공백까지 포함한 토큰으로 추가하세요."
    assert len(ids) <= before - 4, f"두 단어가 한 토큰씩이 되지 않았어요: {pieces}"
    assert tokenizer.decode(ids) == sentence, "디코딩하면 원래 문장이 나와야 해요."
    rows_in = model.get_input_embeddings().weight.shape[0]
    rows_out = model.get_output_embeddings().weight.shape[0]
    assert rows_in == rows_out == len(tokenizer), (
        f"임베딩 {rows_in}행, 출력 층 {rows_out}행인데 어휘는 {len(tokenizer)}개예요. 임베딩을 늘렸나요?")
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits
    assert logits.shape[-1] == len(tokenizer), "모델의 출력이 늘어난 어휘 크기와 달라요."


@register(
    "04.2",
    question=(
        "새 단어의 임베딩을 '그 단어를 이루던 조각들의 평균'으로 시작하는 함수 `piece_mean(tokenizer, embedding, word)`를 "
        "만드세요. tokenizer는 **단어를 추가하기 전** 토크나이저, embedding은 `[vocab, dim]` 가중치 텐서이고, "
        "결과는 word를 쪼갠 조각(특수 토큰 제외)들의 임베딩 평균 `[dim]`입니다. 함수를 `answer`에 넣으세요."
    ),
    hint=(
        "조각은 단어를 추가하기 전 토크나이저가 쪼갠 그대로예요. 토크나이저는 기본으로 [CLS]와 [SEP]도 붙이는데, "
        "그 둘은 단어의 뜻과 상관없죠. 임베딩 텐서는 id 리스트로 여러 행을 한꺼번에 꺼낼 수 있어요."
    ),
    solution='''
def piece_mean(tokenizer, embedding, word):
    ids = tokenizer(word, add_special_tokens=False)["input_ids"]  # sub-word pieces, no [CLS]/[SEP]
    return embedding[ids].mean(0)                                   # [dim]

answer = piece_mean
''',
    wrong=[
        '''
def piece_mean(tokenizer, embedding, word):
    ids = tokenizer(word)["input_ids"]          # [CLS] and [SEP] join the average
    return embedding[ids].mean(0)

answer = piece_mean
''',
        '''
def piece_mean(tokenizer, embedding, word):
    ids = tokenizer(word, add_special_tokens=False)["input_ids"]
    return embedding[ids].sum(0)                # a sum grows with the number of pieces

answer = piece_mean
''',
    ],
    title="조각 평균으로 새 행 시작하기",
)
def _check_piece_mean(answer) -> None:
    assert callable(answer), "answer에는 함수(piece_mean)를 넣어야 해요."
    tok = _tiny_tokenizer()
    g = torch.Generator().manual_seed(4)
    emb = torch.randn(len(tok), 6, generator=g)
    for word in ("safetensors", "logit", "bertviz"):
        ids = tok(word, add_special_tokens=False)["input_ids"]
        want = emb[ids].mean(0)
        got = torch.as_tensor(answer(tok, emb, word), dtype=emb.dtype)
        assert got.shape == (6,), f"결과는 [dim] = (6,) 벡터여야 해요. 지금은 {tuple(got.shape)}."
        if not torch.allclose(got, want, atol=1e-5):
            with_special = emb[tok(word)["input_ids"]].mean(0)
            if torch.allclose(got, with_special, atol=1e-5):
                raise AssertionError("[CLS]와 [SEP]까지 평균에 들어갔어요. add_special_tokens=False로 조각만 쓰세요.")
            raise AssertionError(f"'{word}'의 조각 {tok.convert_ids_to_tokens(ids)} 임베딩 평균과 달라요.")


_WORDS = ["safetensors", "bertviz", "dequantize", "layernorm"]
_SENTENCE = "I saved the weights as safetensors and looked at them with bertviz."


@register(
    "04.3",
    kind="predict",
    title="예측: 추가한 뒤의 토큰 수",
    question=(
        f"예측해 보세요. 아래 셀은 MiniLM 토크나이저에 {_WORDS}를 추가합니다. 추가하기 전 {_SENTENCE!r}는 토큰 17개"
        "(특수 토큰 제외)로 쪼개집니다. 추가한 뒤에는 몇 개가 될까요? 숫자 하나를 `answer`에 넣으세요."
    ),
    hint="1절에서 이 문장에 든 두 단어가 각각 몇 조각으로 쪼개졌는지 보세요. 추가하면 각각 한 토큰이 돼요.",
    solution="answer = 13",
    wrong=["answer = 15", "answer = 11"],
)
def _check_tokens_after_adding(answer) -> None:
    from .ch02 import _minilm_tokenizer

    assert isinstance(answer, int) and not isinstance(answer, bool), "answer는 정수 하나여야 해요."
    tokenizer = _minilm_tokenizer()
    assert len(tokenizer.tokenize(_SENTENCE)) == 17
    tokenizer.add_tokens(_WORDS)
    count = len(tokenizer.tokenize(_SENTENCE))
    assert answer == count, f"{answer}개가 아니에요. 아래 셀의 after 줄을 세어 보세요."


_RESIZE_CHOICES = {"A": "잘 돌아간다. 새 id는 [UNK]처럼 처리된다",
                   "B": "IndexError가 난다",
                   "C": "모델이 0으로 채운 행을 알아서 덧붙이고 돌아간다",
                   "D": "오류 없이 다른 토큰의 벡터를 조용히 쓴다"}


@register(
    "04.4",
    kind="predict",
    title="예측: 임베딩을 늘리지 않으면",
    question=(
        "예측해 보세요. 토크나이저에만 새 토큰을 추가하고 모델의 임베딩은 늘리지 않은 채, 새 토큰이 든 문장을 모델에 넣으면 "
        "어떻게 될까요? 보기의 글자 하나를 문자열로 `answer`에 넣으세요.\n\n"
        + "\n".join(f"- **{k}.** {v}" for k, v in _RESIZE_CHOICES.items())
    ),
    hint="새 id는 30522부터예요. 임베딩 층은 id를 행 번호로 써서 표에서 행을 꺼내요. 그 표는 몇 행이죠?",
    solution='answer = "B"',
    wrong=['answer = "A"', 'answer = "D"'],
)
def _check_without_resize(answer) -> None:
    letter = _choice_letter(answer, list(_RESIZE_CHOICES))
    model = _tiny_bert()
    rows = model.get_input_embeddings().num_embeddings
    try:
        with torch.no_grad():
            model(input_ids=torch.tensor([[2, rows, 3]]))  # one id past the last row
        right = "D"
    except IndexError:
        right = "B"
    assert letter == right, f"{letter}가 아니에요. 아래 셀을 실행해 보세요."
