"""Exercises of notebook 01-3 (how tokenizers treat Korean): bytes, jamo, [UNK], sequence-length cost.

No checker loads a model: the answers are numbers, letters, or a function checked against
`unicodedata` (Unicode's own decomposition), so each check takes microseconds.
"""

from __future__ import annotations

import unicodedata

from . import register, register_choice, register_number

# Unicode's Hangul syllable block: 19 initial consonants x 21 vowels x 28 finals (27 + "none").
SYLLABLE_BASE, INITIAL_BASE, VOWEL_BASE, FINAL_BASE = 0xAC00, 0x1100, 0x1161, 0x11A7


def _parts_by_unicodedata(syllable: str) -> tuple[int, int, int]:
    """(initial, vowel, final) indices of one syllable, read off Unicode's own NFD."""
    jamo = unicodedata.normalize("NFD", syllable)
    final = ord(jamo[2]) - FINAL_BASE if len(jamo) == 3 else 0
    return ord(jamo[0]) - INITIAL_BASE, ord(jamo[1]) - VOWEL_BASE, final


register_number(
    "01.20",
    title="한글 다섯 글자의 바이트 수",
    question=(
        "예측해 보세요. 컴퓨터는 글을 UTF-8 바이트로 저장합니다. 영어 알파벳 한 글자는 1바이트입니다. "
        "`\"안녕하세요\"`(한글 다섯 음절)를 UTF-8로 인코딩하면 몇 바이트일까요? 숫자 하나를 `answer`에 넣고, "
        "다음 절에서 직접 확인하세요."
    ),
    correct=15,
    wrong=[5, 10],
    hint="한글 음절은 유니코드에서 U+AC00~U+D7A3 범위에 있습니다. UTF-8은 U+0800~U+FFFF의 코드 포인트를 몇 바이트로 쓸까요?",
    why="한글 음절은 U+AC00~U+D7A3에 있고, UTF-8은 U+0800~U+FFFF를 3바이트로 씁니다. 5음절 × 3바이트 = 15바이트입니다.",
    solution='answer = len("안녕하세요".encode("utf-8"))\n',
)


register_choice(
    "01.21",
    title="MiniLM은 '좋습니다'를 어떻게 자를까",
    question=(
        "예측해 보세요. MiniLM의 uncased WordPiece는 NFD로 음절을 자모로 나눈 뒤 어휘에서 조각을 찾습니다. "
        "어휘에는 `ᄌ`, `##ᅩ`, `##ᄉ`, `##ᅳ`, `##ᆸ` 같은 자모 토큰이 있지만, 받침 ㅎ(U+11C2 `ᇂ`)은 `ᇂ`로도 "
        "`##ᇂ`로도 없습니다. `tokenizer.tokenize(\"좋습니다\")`는 무엇을 돌려줄까요?"
    ),
    choices={
        "A": "`['ᄌ', '##ᅩ', '##ᄉ', ...]`: ㅎ 받침만 빠진 자모 조각들",
        "B": "`['[UNK]']`: 단어 전체가 미등록 토큰 하나",
        "C": "`['ᄌ', '##ᅩ', '[UNK]', '##ᄉ', ...]`: ㅎ 받침 자리에만 [UNK]",
        "D": "`['좋', '##습', '##니', '##다']`: 음절 조각들",
    },
    correct="B",
    hint="WordPiece는 단어(공백으로 나눈 덩어리) 하나를 처음부터 끝까지 어휘의 조각으로 덮으려 합니다. 중간에 덮을 수 없는 글자를 만나면 그 단어를 어떻게 처리할까요?",
    why=(
        "WordPiece는 단어를 끝까지 어휘 조각으로 덮지 못하면 그 단어 전체를 [UNK] 하나로 바꿉니다. "
        "그래서 받침 하나 때문에 '좋습니다' 네 음절의 정보가 모두 사라집니다."
    ),
    feedback={
        "A": "WordPiece는 덮을 수 없는 글자를 건너뛰지 않습니다. 단어 하나가 통째로 어떻게 되는지 생각해 보세요.",
        "C": "[UNK]가 글자 하나만 대신하는 것은 바이트나 글자 단위 방식입니다. WordPiece는 단어 단위로 포기합니다.",
        "D": "이 어휘(bert-base-uncased)에는 한글 음절 토큰이 하나도 없고, 정규화가 먼저 음절을 자모로 나눕니다.",
    },
)


register_number(
    "01.22",
    title="토큰 수가 늘면 어텐션 점수는 몇 배",
    question=(
        "예측해 보세요. smollm2는 `\"오늘 날씨가 좋습니다.\"`를 26토큰, 같은 뜻의 "
        "`\"The weather is nice today.\"`를 6토큰으로 자릅니다. 셀프 어텐션은 층마다, 헤드마다 "
        "[쿼리, 키] 점수 행렬을 만듭니다. 한국어 문장의 어텐션 점수는 영어 문장의 몇 배일까요? "
        "소수 첫째 자리까지 `answer`에 넣으세요."
    ),
    correct=18.8,
    tolerance=0.1,
    wrong=[4.3, 20.0],
    hint="토큰이 N개면 점수 행렬은 N × N입니다. 두 행렬의 칸 수를 나누어 보세요.",
    why="점수 행렬은 N × N이므로 (26 × 26) / (6 × 6) = 676 / 36 ≈ 18.8배입니다. 토큰 수는 4.3배지만 어텐션 비용은 그 제곱으로 늘어납니다.",
    solution="answer = round(26**2 / 6**2, 1)\n",
)


@register(
    "01.23",
    title="음절 코드 포인트에서 자모 번호 계산하기",
    question=(
        "NFD가 음절을 자모로 나눌 수 있는 것은, 한글 음절 11,172자가 **규칙대로** 배열되어 있기 때문입니다. "
        "음절의 코드 포인트는 `0xAC00 + (초성 × 21 + 중성) × 28 + 종성`입니다(초성 19개, 중성 21개, "
        "종성은 '없음'을 0으로 28개). 한글 음절 한 글자 `ch`를 받아 `(초성, 중성, 종성)` 번호를 정수 튜플로 "
        "돌려주는 함수 `syllable_parts(ch)`를 `unicodedata` 없이 산술만으로 만드세요. 예: `syllable_parts(\"한\")`은 "
        "`(18, 0, 4)`입니다. 함수를 `answer`에 넣으세요."
    ),
    hint="ord(ch) - 0xAC00을 28로 나눈 나머지가 종성입니다. 몫을 다시 21로 나누면 초성(몫)과 중성(나머지)이 나옵니다. divmod를 쓰면 간단합니다.",
    solution='''
def syllable_parts(ch):
    # 0xAC00부터의 거리 = (초성 * 21 + 중성) * 28 + 종성
    initial_vowel, final = divmod(ord(ch) - 0xAC00, 28)
    initial, vowel = divmod(initial_vowel, 21)
    return initial, vowel, final

answer = syllable_parts
''',
    wrong=[
        '''
def syllable_parts(ch):
    # 21과 28을 바꿔 씀
    initial_vowel, final = divmod(ord(ch) - 0xAC00, 21)
    initial, vowel = divmod(initial_vowel, 28)
    return initial, vowel, final

answer = syllable_parts
''',
        '''
def syllable_parts(ch):
    # 0xAC00을 빼지 않음
    initial_vowel, final = divmod(ord(ch), 28)
    initial, vowel = divmod(initial_vowel, 21)
    return initial, vowel, final

answer = syllable_parts
''',
        '''
def syllable_parts(ch):
    # 종성을 1부터 세지 않고 받침 없는 글자에 -1을 돌려줌
    initial_vowel, final = divmod(ord(ch) - 0xAC00, 28)
    initial, vowel = divmod(initial_vowel, 21)
    return initial, vowel, final - 1

answer = syllable_parts
''',
    ],
)
def _check_syllable_parts(answer) -> None:
    assert callable(answer), "answer에는 함수 syllable_parts 자체를 넣으세요(호출 결과가 아니라)."
    for ch in "가한국어좋습니다힣":
        got = answer(ch)
        expected = _parts_by_unicodedata(ch)
        assert tuple(int(x) for x in got) == expected, (
            f"'{ch}'(U+{ord(ch):04X}): {tuple(got)}가 아니라 {expected}여야 합니다. "
            "28(종성 수)로 먼저 나누고, 그 몫을 21(중성 수)로 나누세요."
        )
