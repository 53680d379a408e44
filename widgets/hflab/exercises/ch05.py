"""Exercises of chapter 05 (헤드 마스킹과 가지치기): find the head that matters, count and check a prune, GQA rules.

The checkers build tiny BERTs and Llamas (milliseconds to a second) and confirm answers with
hflab.heads itself; 05.4 runs MiniLM once with every head masked.
"""

from __future__ import annotations

import torch

from . import _choice_letter, register


def _tiny_bert(layers: int = 3, heads: int = 4, seed: int = 0, init: float = 0.02):
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    config = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=layers, num_attention_heads=heads,
                        intermediate_size=64, max_position_embeddings=32,
                        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, initializer_range=init)
    return BertModel(config).eval()


def _tiny_llama(heads: int = 6, kv_heads: int = 2):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=50, hidden_size=heads * 4, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=heads, num_key_value_heads=kv_heads)
    return LlamaForCausalLM(config).eval()


@register(
    "05.1",
    title="가장 아픈 헤드 찾기",
    question=(
        "어텐션 그림이 아니라 **개입**으로 중요한 헤드를 찾아봅시다. BERT 계열 모델 `model`과, 모델을 받아 점수 하나를 "
        "돌려주는 함수 `metric(model)`(클수록 좋음)을 받아, **혼자 꺼졌을 때 점수를 가장 많이 떨어뜨리는 헤드**를 "
        "`(층, 헤드)` 정수 튜플로 돌려주는 함수 `most_harmful_head(model, metric)`를 만드세요. 헤드를 끌 때는 "
        "`hflab.heads.mask`를 쓰고, 함수가 끝난 뒤 모델은 원래대로여야 합니다. 함수를 `answer`에 넣으세요. "
        "(`hflab.heads.importance`는 쓰지 말고 직접 하세요.)"
    ),
    hint=(
        "층과 헤드의 수는 model.config에 있어요. 헤드마다 '끈 상태에서' 점수를 재야 하니, 3절의 마스크가 언제 걸려 "
        "있고 언제 풀리는지 떠올려 보세요. '가장 많이 떨어뜨린다'는 점수가 가장 작다는 뜻이에요."
    ),
    solution='''
import hflab

def most_harmful_head(model, metric):
    scores = {}
    for layer in range(model.config.num_hidden_layers):
        for head in range(model.config.num_attention_heads):
            with hflab.heads.mask(model, {layer: [head]}):   # off only inside the block
                scores[(layer, head)] = metric(model)
    return min(scores, key=scores.get)                      # the lowest score: masking it hurt most

answer = most_harmful_head
''',
    wrong=[
        '''
import hflab

def most_harmful_head(model, metric):
    scores = {}
    for layer in range(model.config.num_hidden_layers):
        for head in range(model.config.num_attention_heads):
            with hflab.heads.mask(model, {layer: [head]}):
                scores[(layer, head)] = metric(model)
    return max(scores, key=scores.get)   # the head whose masking hurt least

answer = most_harmful_head
''',
        '''
import hflab

def most_harmful_head(model, metric):
    scores = {}
    for layer in range(model.config.num_hidden_layers):
        for head in range(model.config.num_attention_heads):
            hflab.heads.mask(model, {layer: [head]})   # without `with`, no head is ever masked
            scores[(layer, head)] = metric(model)
    return min(scores, key=scores.get)

answer = most_harmful_head
''',
    ],
)
def _check_most_harmful(answer) -> None:
    assert callable(answer), "answer에는 함수(most_harmful_head)를 넣어야 해요."
    model = _tiny_bert(init=0.4)  # large random weights, so heads differ clearly in what they contribute
    ids = torch.randint(5, 100, (2, 9), generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        original = model(input_ids=ids).last_hidden_state

    def metric(m):
        with torch.no_grad():
            out = m(input_ids=ids).last_hidden_state
        return float(torch.nn.functional.cosine_similarity(out, original, dim=-1).mean())

    head_dim = model.config.hidden_size // model.config.num_attention_heads
    scores = {}
    for layer, block in enumerate(model.encoder.layer):  # brute force with our own hook, not hflab's
        for head in range(model.config.num_attention_heads):
            def zero(module, args, head=head):
                x = args[0].clone()
                x[..., head * head_dim:(head + 1) * head_dim] = 0
                return (x,)
            handle = block.attention.output.dense.register_forward_pre_hook(zero)
            try:
                scores[(layer, head)] = metric(model)
            finally:
                handle.remove()
    want = min(scores, key=scores.get)
    got = answer(model, metric)
    assert abs(metric(model) - 1.0) < 1e-5, "함수가 끝난 뒤에도 헤드가 꺼져 있어요. 마스크는 with 블록 안에서만 쓰세요."
    got = tuple(int(v) for v in got)
    assert got == want, (
        f"{got}가 아니에요. 꺼졌을 때 점수가 가장 낮은 헤드는 {want}예요(점수 {scores[want]:.4f}, "
        f"{got}는 {scores.get(got, float('nan')):.4f}).")


@register(
    "05.2",
    question=(
        "BERT 계열 한 층에서 헤드 k개를 가지치기하면 파라미터가 몇 개 줄어들까요? 5절에서 본 수술(어느 투영에서 "
        "행을 지우고 어느 투영에서 열을 지우는지, 그때 편향은 어떻게 되는지)을 따라 세는 함수 "
        "`pruned_params(hidden_size, head_dim, k)`를 만드세요. 여러분의 식은 `hflab.heads.prune`이 실제로 지운 "
        "개수와 맞아야 합니다. 함수를 `answer`에 넣으세요. (minilm: hidden 384, head_dim 32)"
    ),
    hint=(
        "5절의 목록을 투영마다 따라가세요: 사라지는 것은 헤드의 '행'(q·k·v)과 '열'(출력 투영)이에요. 행이 사라지면 "
        "그 행의 편향도 함께 사라지지만, 열이 사라져도 출력 편향은 그대로예요."
    ),
    solution='''
def pruned_params(hidden_size, head_dim, k):
    qkv = 3 * (k * head_dim * hidden_size + k * head_dim)   # rows of query/key/value weights and biases
    out = hidden_size * k * head_dim                          # columns of the output projection
    return qkv + out

answer = pruned_params
''',
    wrong=[
        '''
def pruned_params(hidden_size, head_dim, k):
    return 4 * hidden_size * k * head_dim   # weights only: forgets the q, k, v biases

answer = pruned_params
''',
        '''
def pruned_params(hidden_size, head_dim, k):
    return 4 * (k * head_dim * hidden_size + k * head_dim)   # removes part of the output bias too

answer = pruned_params
''',
    ],
    title="가지치기로 줄어드는 파라미터 수",
)
def _check_pruned_params(answer) -> None:
    import copy

    from ..heads import prune

    assert callable(answer), "answer에는 함수(pruned_params)를 넣어야 해요."
    model = _tiny_bert()  # hidden 32, 4 heads of 8: the kit's own prune confirms the formula
    for k in (1, 3):
        result = prune(copy.deepcopy(model), {0: list(range(k))})
        removed = result.parameters_before - result.parameters_after
        got = answer(32, 8, k)
        assert got == removed, f"헤드 {k}개를 잘라 낸 hflab.heads.prune은 {removed:,}개를 지웠는데 답은 {got}이에요."
    for hidden, head_dim, k in ((384, 32, 1), (384, 32, 5), (768, 64, 3), (16, 4, 0)):
        want = 3 * (k * head_dim * hidden + k * head_dim) + hidden * k * head_dim
        got = answer(hidden, head_dim, k)
        if got != want:
            no_bias = 4 * hidden * k * head_dim
            if got == no_bias:
                raise AssertionError("가중치만 셌어요. query·key·value의 편향(k*head_dim씩)도 함께 사라져요.")
            raise AssertionError(f"hidden={hidden}, head_dim={head_dim}, k={k}일 때 {want:,}개여야 하는데 {got}이에요.")


@register(
    "05.3",
    title="GQA 모델에서 자를 수 있는 헤드",
    question=(
        "그룹 쿼리 어텐션(GQA) 모델에서는 아무 헤드나 잘라 낼 수 없습니다(7절). 쿼리 헤드 수 `num_heads`, 키·값 헤드 수 "
        "`num_kv_heads`, 잘라 낼 쿼리 헤드 번호 리스트 `heads`를 받아, 한 층에서 그 가지치기가 **가능하면** True를 돌려주는 "
        "함수 `can_prune(num_heads, num_kv_heads, heads)`를 만드세요. 쿼리 헤드 g·G … (g+1)·G−1 이 키·값 헤드 g를 나눠 "
        "쓰고(G = num_heads // num_kv_heads), 자른 뒤 **남은 그룹들의 쿼리 헤드 수가 모두 같아야** 하며(헤드가 하나도 안 "
        "남은 그룹은 통째로 사라지므로 괜찮음), 층에 헤드가 적어도 하나는 남아야 합니다. 함수를 `answer`에 넣으세요."
    ),
    hint=(
        "남는 헤드마다 어느 그룹인지 세어 보세요(정수 나눗셈). 그룹을 통째로 지우는 것만 되는 게 아니라, 모든 그룹에서 "
        "같은 수만큼 지우는 것도 규칙에 맞아요."
    ),
    solution='''
def can_prune(num_heads, num_kv_heads, heads):
    per_group = num_heads // num_kv_heads
    kept = [h for h in range(num_heads) if h not in set(heads)]
    if not kept:
        return False                                   # a layer needs at least one head
    counts = {}
    for h in kept:
        counts[h // per_group] = counts.get(h // per_group, 0) + 1
    return len(set(counts.values())) == 1              # every group still used keeps as many query heads

answer = can_prune
''',
    wrong=[
        '''
def can_prune(num_heads, num_kv_heads, heads):
    per_group = num_heads // num_kv_heads
    removed = set(heads)
    if len(removed) == num_heads:
        return False
    groups = {h // per_group for h in removed}
    return all(set(range(g * per_group, (g + 1) * per_group)) <= removed for g in groups)   # whole groups only

answer = can_prune
''',
        '''
def can_prune(num_heads, num_kv_heads, heads):
    per_group = num_heads // num_kv_heads
    kept = [h for h in range(num_heads) if h not in set(heads)]
    counts = {}
    for h in kept:
        counts[h // per_group] = counts.get(h // per_group, 0) + 1
    return len(set(counts.values())) <= 1   # lets every head of the layer go

answer = can_prune
''',
    ],
)
def _check_can_prune(answer) -> None:
    from ..heads import PruneError, prune

    assert callable(answer), "answer에는 함수(can_prune)를 넣어야 해요."
    cases = [(6, 2, [0, 1, 2]), (6, 2, [0]), (6, 2, [0, 3]), (6, 2, [0, 1, 3]), (6, 2, list(range(6))),
             (6, 3, [2, 3, 4, 5]), (6, 3, [1, 3, 5]), (6, 3, [0, 1, 3])]
    for num_heads, num_kv, heads in cases:
        try:  # what hflab.heads.prune really accepts on a tiny Llama with this grouping
            prune(_tiny_llama(num_heads, num_kv), {0: heads})
            allowed = True
        except PruneError:
            allowed = False
        got = answer(num_heads, num_kv, heads)
        assert bool(got) == allowed, (
            f"쿼리 헤드 {num_heads}개·키값 헤드 {num_kv}개에서 {heads}를 자르는 것은 "
            f"{'가능' if allowed else '불가능'}한데 {got!r}가 나왔어요.")


_COSINE_CHOICES = {"A": "0.99 이상 (거의 그대로)", "B": "0.9~0.99", "C": "0.7~0.9", "D": "0.7 미만"}
_SENTENCES = ["A dog is running across the green field.",
              "The stock market fell sharply on Monday morning.",
              "He forgot his umbrella and got soaked in the rain.",
              "Attention heads learn different patterns of reading."]


@register(
    "05.4",
    kind="predict",
    title="예측: 헤드를 모두 끄면",
    question=(
        "예측해 보세요. 헤드 하나를 끄면 문장 임베딩의 코사인이 0.99 이상이었습니다. MiniLM의 72개 헤드를 **모두** 끄면, "
        "네 문장의 원래 임베딩과의 코사인(평균)은 어느 쪽일까요? 보기의 글자 하나를 문자열로 `answer`에 넣으세요.\n\n"
        + "\n".join(f"- **{k}.** {v}" for k, v in _COSINE_CHOICES.items())
    ),
    hint="헤드를 모두 끄면 토큰끼리 정보를 주고받는 길이 모두 끊겨요. 각 토큰은 무엇을 보고 벡터를 만들게 될까요?",
    solution='answer = "D"',
    wrong=['answer = "A"', 'answer = "C"'],
)
def _check_all_masked(answer) -> None:
    from ..heads import mask
    from ..models import load

    letter = _choice_letter(answer, list(_COSINE_CHOICES))
    minilm = load("minilm", quiet=True)
    batch = minilm.tokenizer(_SENTENCES, return_tensors="pt", padding=True)

    def vectors():
        with torch.no_grad():
            states = minilm.model(**batch).last_hidden_state
        weights = batch["attention_mask"].unsqueeze(-1)
        return torch.nn.functional.normalize((states * weights).sum(1) / weights.sum(1), dim=-1)

    original = vectors()
    config = minilm.model.config
    with mask(minilm.model, {layer: list(range(config.num_attention_heads)) for layer in range(config.num_hidden_layers)}):
        cosine = float((vectors() * original).sum(-1).mean())
    right = "A" if cosine >= 0.99 else "B" if cosine >= 0.9 else "C" if cosine >= 0.7 else "D"
    assert letter == right, f"{letter}가 아니에요. 아래 셀의 'cosine with every head masked' 줄을 보세요."


_SHRINK_CHOICES = {"A": "10% 미만", "B": "10~25%", "C": "25~45%", "D": "약 50%"}


@register(
    "05.5",
    kind="predict",
    title="예측: 헤드 절반을 자르면 줄어드는 크기",
    question=(
        "예측해 보세요. MiniLM(파라미터 약 2,270만 개)에서 어텐션 헤드의 **절반**(72개 중 36개)을 잘라 내면 "
        "파라미터 수는 대략 몇 % 줄어들까요? 보기의 글자 하나를 문자열로 `answer`에 넣으세요.\n\n"
        + "\n".join(f"- **{k}.** {v}" for k, v in _SHRINK_CHOICES.items())
    ),
    hint="헤드 하나가 가진 파라미터는 5절의 목록(q·k·v의 행 32개씩, 출력 투영의 열 32개)으로 셀 수 있어요. 단어 임베딩과 MLP는 가지치기와 상관없어요.",
    solution='answer = "A"',
    wrong=['answer = "C"', 'answer = "D"'],
)
def _check_shrink(answer) -> None:
    from transformers import AutoModel

    from .ch01 import _minilm_config

    letter = _choice_letter(answer, list(_SHRINK_CHOICES))
    with torch.device("meta"):
        model = AutoModel.from_config(_minilm_config())
    total = sum(p.numel() for p in model.parameters())
    attention = model.encoder.layer[0].attention
    heads = model.config.num_attention_heads
    per_head = (sum(p.numel() for p in attention.self.parameters())       # q, k, v rows and biases
                + attention.output.dense.weight.numel()) // heads         # output columns (its bias stays)
    share = per_head * (heads * model.config.num_hidden_layers // 2) / total
    right = "A" if share < 0.10 else "B" if share < 0.25 else "C" if share < 0.45 else "D"
    assert letter == right, f"{letter}가 아니에요. 6절의 표에서 'parameters' 열을 보세요."
