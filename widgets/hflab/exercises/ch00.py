"""Exercises of chapter 00 (시작하기): reading the catalog, and what a stand-in is.

Checkers read the catalog (instant) or load the GPT-2 stand-in (built once in about a second, then cached).
"""

from __future__ import annotations

from . import register


@register(
    "00.1",
    question=(
        "hflab 카탈로그에서 Hub id가 'openai/whisper-small'인 항목을 찾아, 그 항목의 짧은 이름(key)을 "
        "문자열로 `answer`에 넣으세요."
    ),
    hint="hflab.models.catalog()의 각 항목에는 .key와 .hub_id가 있어요. 리스트를 돌며 hub_id를 비교하세요.",
    solution='''
import hflab

answer = next(entry.key for entry in hflab.models.catalog() if entry.hub_id == "openai/whisper-small")
''',
)
def _check_whisper_key(answer) -> None:
    from ..models import catalog

    assert isinstance(answer, str), "answer는 문자열(항목의 key)이어야 해요."
    expected = next(e.key for e in catalog() if e.hub_id == "openai/whisper-small")
    assert answer != "openai/whisper-small", "그건 Hub id예요. 카탈로그가 붙인 짧은 이름(key)을 넣으세요."
    assert answer == expected, f"{answer!r}가 아니에요. entry.key를 보세요."


@register(
    "00.2",
    question=(
        "카탈로그에서 오프라인일 때 **실제 가중치**로 답하는 항목, 즉 source가 'packaged'인 항목들의 key를 "
        "집합(set)으로 `answer`에 넣으세요."
    ),
    hint="{entry.key for entry in hflab.models.catalog() if entry.source == ...} 처럼 집합 내포를 쓰세요.",
    solution='''
import hflab

answer = {entry.key for entry in hflab.models.catalog() if entry.source == "packaged"}
''',
)
def _check_packaged_keys(answer) -> None:
    from ..models import catalog

    assert isinstance(answer, (set, frozenset, list, tuple)), "answer는 key들의 집합이어야 해요."
    got = set(answer)
    expected = {e.key for e in catalog() if e.source == "packaged"}
    tiny = {e.key for e in catalog() if e.source == "tiny"}
    assert not (got & tiny), f"{sorted(got & tiny)}는 무작위 스탠드인(source='tiny')이에요. 실제 가중치가 아니에요."
    missing = expected - got
    assert not missing, f"{sorted(missing)}가 빠졌어요."
    assert got == expected, f"{sorted(got - expected)}는 source가 'packaged'가 아니에요."


@register(
    "00.3",
    question=(
        "GPT-2 스탠드인(hflab.models.load('gpt2'))의 파라미터 수를 세어 정수로 `answer`에 넣으세요. "
        "실제 openai-community/gpt2는 약 1억 2,400만 개입니다. 스탠드인은 몇 개일까요?"
    ),
    hint="sum(p.numel() for p in loaded.model.parameters())로 셉니다. loaded는 hflab.models.load가 돌려준 객체예요.",
    solution='''
import hflab

standin = hflab.models.load("gpt2", quiet=True)
answer = sum(p.numel() for p in standin.model.parameters())
''',
)
def _check_gpt2_params(answer) -> None:
    from ..models import load

    assert isinstance(answer, int) and not isinstance(answer, bool), "answer는 정수(파라미터 개수)여야 해요."
    expected = sum(p.numel() for p in load("gpt2", quiet=True).model.parameters())
    assert answer < 124_000_000 // 10 or answer == expected, (
        "그건 실제 GPT-2의 크기예요. 스탠드인을 불러와서 직접 세어 보세요.")
    assert answer == expected, f"{answer:,}개가 아니에요. 모든 파라미터의 numel()을 더했나요?"
