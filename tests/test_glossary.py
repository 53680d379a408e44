"""The glossary: the page agrees with the data, and the notebooks use one word per idea."""

import json
from pathlib import Path

from hflab import glossary
from hflab.glossary import TERMS, avoided_in, learner_text, notebook_findings, render_markdown

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
COURSE = sorted(p for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def test_glossary_page_is_rendered_from_the_data():
    page = (NOTEBOOKS / "GLOSSARY.md").read_text(encoding="utf-8")
    assert page == render_markdown(), (
        "notebooks/GLOSSARY.md differs from hflab.glossary.TERMS; "
        "run: python -m hflab.glossary --write notebooks/GLOSSARY.md")


def test_page_lists_every_term_in_korean_alphabetical_order():
    page = (NOTEBOOKS / "GLOSSARY.md").read_text(encoding="utf-8")
    rows = [line for line in page.splitlines() if line.startswith("| ") and not line.startswith("| 용어")]
    listed = [row.split(" | ")[0][2:] for row in rows]
    assert sorted(listed) == sorted(t.korean for t in TERMS)
    hangul = [word for word in listed if "가" <= word[0] <= "힣"]
    assert hangul == sorted(hangul), "the Korean terms are not in 가나다 order"
    assert 60 <= len(TERMS) <= 125


def test_every_row_is_complete_and_names_a_real_chapter():
    chapters = {p.name.split("_")[0] for p in COURSE}
    for term in TERMS:
        assert term.korean and term.english and term.definition, term
        assert "\n" not in term.definition, term.korean
        assert term.chapter in chapters, f"{term.korean}: no notebook {term.chapter} in notebooks/"


def test_one_word_per_idea_is_satisfiable():
    words = [t.korean for t in TERMS]
    assert len(words) == len(set(words)), "a Korean word is listed twice"
    variants = [v for t in TERMS for v in t.avoid]
    assert len(variants) == len(set(variants)), "a variant is listed under two terms"
    for term in TERMS:
        # The preferred spelling itself must never be reported, or no notebook could pass.
        assert avoided_in(term.korean) == [], f"{term.korean} contains one of its own avoided variants"
        assert term.korean not in term.avoid


def test_the_definitions_use_the_glossary_words():
    used = {term.korean: avoided_in(term.definition) for term in TERMS}
    assert not {k: v for k, v in used.items() if v}, "a definition uses a ruled-out variant"


def test_the_contested_ideas_have_one_chosen_word():
    chosen = {v: glossary.preferred_for(v) for v in
              ("에폭", "히든 스테이트", "파노픽", "파노프틱", "살리언시", "돌출도", "걸음", "분류 머리")}
    assert chosen == {"에폭": "에포크", "히든 스테이트": "은닉 상태", "파노픽": "파놉틱 분할",
                      "파노프틱": "파놉틱 분할", "살리언시": "돌출 지도", "돌출도": "돌출 지도",
                      "걸음": "스텝", "분류 머리": "분류 헤드"}


def test_variants_are_found_at_word_starts_only_and_once_per_spot():
    assert avoided_in("320문장이면 40걸음, 1에폭입니다.") == [("걸음", "스텝"), ("에폭", "에포크")]
    assert avoided_in("디코더의 크로스 어텐션") == []  # "로스" inside "크로스" is not the word 로스
    assert avoided_in("레이어 정규화를 거친 레이어") == [("레이어 정규화", "층 정규화"), ("레이어", "층")]
    assert avoided_in("분류 머리를 얹습니다") == [("분류 머리", "분류 헤드")]


def test_a_longer_word_that_begins_with_a_variant_is_not_that_variant():
    # 06-1 reads a safetensors file's 머리말 (header); that is not 머리 (a head).
    assert avoided_in("JSON 머리말의 길이, 머리말(header)에는") == []
    assert avoided_in("머리말과 머리를 구분합니다") == [("머리", "헤드")]
    assert avoided_in("머리 12개") == [("머리", "헤드")]
    for word in glossary.NOT_VARIANTS:
        assert any(word.startswith(v) for t in TERMS for v in t.avoid), f"{word} does not begin with a variant"


def test_learner_text_is_markdown_and_what_code_cells_show_in_korean():
    code = {"cell_type": "code", "source": "!pip install x\nsteps = 40  # 40걸음\nprint('에폭', epoch_count)\nhidden_state = 1\n"}
    text = learner_text(code)
    assert "걸음" in text and "에폭" in text
    assert "hidden_state" not in text and "pip" not in text
    assert learner_text({"cell_type": "markdown", "source": ["히든 ", "스테이트"]}) == "히든 스테이트"


def test_speech_level_reads_code_comments_but_not_example_sentences(tmp_path):
    code = "# 로컬에서는 아무 일도 하지 않아요.\nreview = '이 영화 정말 재미있었어요.'  # 예문은 해요체여도 됩니다.\n"
    assert learner_text({"cell_type": "code", "source": code}, strings=False).count("#") == 2
    nb = {"cells": [{"cell_type": "code", "source": code, "metadata": {}, "outputs": [], "execution_count": None}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    assert glossary.speech_level_findings(path) == [(0, "아요.")]


def test_the_install_cell_every_notebook_starts_with_keeps_the_speech_level():
    from hflab.notebook_tools import COLAB_INSTALL

    cell = {"cell_type": "code", "source": COLAB_INSTALL}
    assert glossary.SPEECH_LEVEL_AVOID.findall(learner_text(cell, strings=False)) == []


def test_report_names_each_variant_with_its_cell(tmp_path, capsys):
    nb = {"cells": [{"cell_type": "markdown", "source": "# 제목", "metadata": {}},
                    {"cell_type": "code", "source": "x = 1  # 히든 스테이트", "metadata": {},
                     "outputs": [], "execution_count": None},
                    {"cell_type": "markdown", "source": "파노픽 분할을 해 봐요.", "metadata": {}}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    assert glossary.main(["--report", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "cell 1: 히든 스테이트 -> 은닉 상태" in out
    assert "cell 2: 파노픽 -> 파놉틱 분할" in out
    assert "cell 2: 해요체 '봐요.'" in out
    assert glossary.main(["--report", str(tmp_path / "missing")]) == 2


def test_no_notebook_uses_an_avoided_variant():
    found = {p.relative_to(NOTEBOOKS).as_posix(): notebook_findings(p) for p in COURSE}
    found = {name: hits for name, hits in found.items() if hits}
    assert not found, "avoided variants (cell, variant, use instead): " + json.dumps(found, ensure_ascii=False)


def test_notebook_prose_keeps_one_speech_level():
    found = {p.relative_to(NOTEBOOKS).as_posix(): glossary.speech_level_findings(p) for p in COURSE}
    found = {name: hits for name, hits in found.items() if hits}
    assert not found, "해요체 statements (cell, ending): " + json.dumps(found, ensure_ascii=False)
