"""Exercises of chapter 04 (토큰 추가): add tokens, resize embeddings, start new rows sensibly.

The checkers build a tiny WordPiece tokenizer and a tiny BERT in well under a second.
"""

from __future__ import annotations

import torch

from . import register

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
    question=(
        "함수 `add_and_resize(tokenizer, model, words)`를 만드세요. words 중 아직 한 토큰이 아닌 단어를 "
        "토크나이저에 추가하고, 모델의 임베딩 행 수를 `len(tokenizer)`에 맞춘 뒤, **실제로 늘어난 토큰 수**를 "
        "돌려줍니다(이미 있는 단어는 세지 않아요). 함수를 `answer`에 넣으세요."
    ),
    hint=(
        "before = len(tokenizer); tokenizer.add_tokens(words); model.resize_token_embeddings(len(tokenizer)); "
        "return len(tokenizer) - before. add_tokens의 반환값보다 len(tokenizer)의 변화가 믿을 만해요."
    ),
    solution='''
def add_and_resize(tokenizer, model, words):
    before = len(tokenizer)
    tokenizer.add_tokens(list(words))
    model.resize_token_embeddings(len(tokenizer))
    return len(tokenizer) - before

answer = add_and_resize
''',
)
def _check_add_and_resize(answer) -> None:
    assert callable(answer), "answer에는 함수(add_and_resize)를 넣어야 해요."
    tok, model = _tiny_tokenizer(), _tiny_bert()
    n = answer(tok, model, ["safetensors", "bertviz", "the"])
    assert tok.tokenize("safetensors bertviz") == ["safetensors", "bertviz"], \
        "추가한 뒤에는 'safetensors'와 'bertviz'가 각각 한 토큰이어야 해요."
    rows = model.get_input_embeddings().num_embeddings
    assert rows == len(tok), f"임베딩 행 수({rows})가 토크나이저 크기({len(tok)})와 같아야 해요. resize_token_embeddings를 잊었나요?"
    assert n == 2, f"'the'는 원래 있던 토큰이라 실제로 늘어난 수는 2개예요. 지금 답은 {n}."
    ids = tok("the safetensors", return_tensors="pt")
    with torch.no_grad():
        out = model(**ids).last_hidden_state
    assert out.shape[1] == 4, "모델이 새 토큰이 든 문장을 처리하지 못했어요."


@register(
    "04.2",
    question=(
        "새 단어의 임베딩을 '그 단어를 이루던 조각들의 평균'으로 시작하는 함수 `piece_mean(tokenizer, embedding, word)`를 "
        "만드세요. tokenizer는 **단어를 추가하기 전** 토크나이저, embedding은 `[vocab, dim]` 가중치 텐서이고, "
        "결과는 word를 쪼갠 조각(특수 토큰 제외)들의 임베딩 평균 `[dim]`입니다. 함수를 `answer`에 넣으세요."
    ),
    hint=(
        "tokenizer(word, add_special_tokens=False)['input_ids'] 로 조각 id를 얻고, "
        "embedding[ids].mean(0) 을 돌려주세요."
    ),
    solution='''
def piece_mean(tokenizer, embedding, word):
    ids = tokenizer(word, add_special_tokens=False)["input_ids"]  # sub-word pieces, no [CLS]/[SEP]
    return embedding[ids].mean(0)                                   # [dim]

answer = piece_mean
''',
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
