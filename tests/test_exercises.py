"""The course's exercises: right answers pass, plausible wrong ones fail, blanks are neither.

And every notebook shows its exercises the same way (question in markdown, an empty answer cell,
a check cell), holds no solution, and asks at least two predict-then-run questions.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from pathlib import Path

import nbformat
import pytest
from hflab.exercises import all_exercises, exercise, register_choice, register_number
from hflab.exercises.cells import (
    IMPORT_LINE,
    ROLES,
    cell_metadata,
    check_source,
    exercise_blocks,
    exercise_cells,
    is_placeholder,
    role_of,
)
from hflab.notebook_tools import NOTEBOOKS_DIR

EXERCISES = all_exercises()
NOTEBOOKS = sorted(p for p in NOTEBOOKS_DIR.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
WRONG = [(ex, i) for ex in EXERCISES for i in range(len(ex.wrong))]
CHAPTERS = ["00", "01", "02", "03", "04", "05", "06", "10", "20", "30", "40", "50"]


def _name(path: Path) -> str:
    return path.name


def _read(path: Path):
    return nbformat.read(str(path), as_version=4)


# --- the checks themselves -------------------------------------------------------------------

@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_stored_solution_passes_its_check(ex, capsys, monkeypatch):
    monkeypatch.delenv("HFLAB_STRICT_CHECKS", raising=False)
    answer = ex.run_solution()
    assert ex.check(answer) is True, capsys.readouterr().out
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_every_exercise_has_a_plausible_wrong_answer_and_a_title(ex):
    assert ex.wrong, f"{ex.id}: register(..., wrong=[...]) with at least one plausible mistake"
    assert ex.title.strip() and any("\uac00" <= ch <= "\ud7a3" for ch in ex.title), f"{ex.id}: a short Korean title"
    for snippet in ex.wrong:
        assert textwrap.dedent(snippet).strip() != textwrap.dedent(ex.solution_code).strip()


@pytest.mark.parametrize(("ex", "i"), WRONG, ids=[f"{ex.id}-wrong{i}" for ex, i in WRONG])
def test_a_plausible_wrong_answer_fails_its_check_with_a_reason(ex, i, capsys, monkeypatch):
    monkeypatch.delenv("HFLAB_STRICT_CHECKS", raising=False)
    answer = ex.run_snippet(ex.wrong[i])
    assert answer is not Ellipsis
    assert ex.check(answer) is False, f"{ex.id}: this wrong answer passed:\n{ex.wrong[i]}"
    out = capsys.readouterr().out
    assert "✅" not in out
    reason = out.split("❌", 1)[1].split(":", 1)[1].strip()
    assert len(reason) > 5, f"{ex.id}: the learner is told why, not only ❌ ({out!r})"


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_an_unanswered_exercise_is_neither_right_nor_a_failure(ex, capsys, monkeypatch):
    monkeypatch.setenv("HFLAB_STRICT_CHECKS", "1")  # as in CI's notebook runs
    assert ex.check(...) is None
    out = capsys.readouterr().out
    assert "✅" not in out and "❌" not in out
    assert "✏️" in out and "answer = ..." in out


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_anything_else_is_wrong_without_crashing(ex, capsys, monkeypatch):
    monkeypatch.delenv("HFLAB_STRICT_CHECKS", raising=False)
    assert ex.check(object()) is False
    assert "❌" in capsys.readouterr().out


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_the_hint_nudges_without_giving_the_answer(ex, capsys):
    ex.hint()
    assert ex.hint_text in capsys.readouterr().out
    answer_lines = [line.strip() for line in textwrap.dedent(ex.solution_code).splitlines()
                    if re.match(r"\s*answer\s*=", line)]
    for line in answer_lines:
        assert line.replace(" ", "") not in ex.hint_text.replace(" ", ""), f"{ex.id}: the hint holds {line!r}"


def test_strict_mode_turns_a_wrong_answer_into_a_failure(monkeypatch):
    monkeypatch.setenv("HFLAB_STRICT_CHECKS", "1")
    with pytest.raises(AssertionError):
        EXERCISES[0].check(object())


def test_every_check_is_logged_for_the_grader(tmp_path, monkeypatch, capsys):
    log = tmp_path / "grades.jsonl"
    monkeypatch.setenv("HFLAB_GRADE_LOG", str(log))
    monkeypatch.delenv("HFLAB_STRICT_CHECKS", raising=False)
    ex = EXERCISES[0]
    ex.check(...)
    ex.check(ex.run_solution())
    ex.check(object())
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [line["exercise"] for line in lines] == [ex.id] * 3
    assert [line["status"] for line in lines][:2] == ["unanswered", "right"]
    assert lines[2]["status"] in ("wrong", "error") and lines[2]["message"]


def test_an_unknown_exercise_names_the_known_ones():
    with pytest.raises(KeyError, match="Known exercises"):
        exercise("99.9")


def test_at_least_43_exercises_and_every_chapter_has_some():
    assert len(EXERCISES) >= 43
    chapters = {ex.id.split(".")[0] for ex in EXERCISES}
    assert set(CHAPTERS) <= chapters, f"chapters without exercises: {sorted(set(CHAPTERS) - chapters)}"


# --- the helpers for predict-then-run questions ---------------------------------------------

def test_register_choice_shows_the_choices_and_turns_the_others_into_wrong_answers(capsys, monkeypatch):
    monkeypatch.delenv("HFLAB_STRICT_CHECKS", raising=False)
    ex = register_choice("99.1", "어느 쪽일까요?", choices={"A": "왼쪽", "B": "오른쪽", "C": "둘 다"},
                         correct="B", hint="그려 보세요.", why="오른쪽이 맞아요.", title="방향",
                         feedback={"C": "둘 다는 아니에요."})
    try:
        assert ex.kind == "predict" and "- **A.** 왼쪽" in ex.question and "- **C.** 둘 다" in ex.question
        assert ex.run_solution() == "B"
        assert sorted(ex.run_snippet(w) for w in ex.wrong) == ["A", "C"]
        assert ex.check(" b ") is True and "오른쪽이 맞아요." in capsys.readouterr().out
        assert ex.check("C") is False and "둘 다는 아니에요." in capsys.readouterr().out
        assert ex.check("E") is False and "보기에 없어요" in capsys.readouterr().out
        assert ex.check(2) is False and "문자열" in capsys.readouterr().out
    finally:
        _unregister("99.1")


def test_register_number_accepts_a_tolerance_and_defaults_to_off_by_one(capsys, monkeypatch):
    monkeypatch.delenv("HFLAB_STRICT_CHECKS", raising=False)
    count = register_number("99.2", "몇 개일까요?", correct=12, hint="세어 보세요.", title="개수")
    share = register_number("99.3", "비율은?", correct=0.25, hint="나누세요.", wrong=[0.75], tolerance=0.01,
                            title="비율")
    try:
        assert [count.run_snippet(w) for w in count.wrong] == [11, 13]
        assert count.check(12) is True and count.check(11) is False and count.check(True) is False
        assert share.check(0.251) is True and share.check(0.75) is False
    finally:
        _unregister("99.2", "99.3")


def _unregister(*ids: str) -> None:
    from hflab.exercises import _REGISTRY

    for exercise_id in ids:
        _REGISTRY.pop(exercise_id, None)


def test_exercise_cells_follow_the_convention():
    ex = EXERCISES[0]
    question, answer, check = exercise_cells(ex.id, "답을 적으세요.")
    assert question.cell_type == "markdown" and question.source == f"### 연습 {ex.id} — {ex.title}\n\n{ex.question}"
    assert answer.source == "# 답을 적으세요.\nanswer = ..." and is_placeholder(answer.source)
    assert check.source == check_source(ex.id)
    for cell, role in zip((question, answer, check), ROLES, strict=True):
        assert cell.metadata == cell_metadata(ex.id, role)


# --- the notebooks ---------------------------------------------------------------------------

def _block_problems(path: Path) -> list[str]:
    """Everything about a notebook's exercise blocks that breaks the convention."""
    nb = _read(path)
    problems = []
    chapter = path.parent.name[:2]
    imported_at = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and IMPORT_LINE in c.source), None)
    for block in exercise_blocks(nb):
        eid = block.exercise_id
        where = f"{path.name} {eid}"
        indices = (block.question, block.answer, block.check)
        if None in indices or list(indices) != list(range(block.question, block.question + 3)):
            problems.append(f"{where}: question, answer and check cells must follow each other ({indices})")
            continue
        cells = [nb.cells[i] for i in indices]
        for cell, role in zip(cells, ROLES, strict=True):
            meta = {key: cell.metadata.get(key) for key in ("hflab", "nbgrader")}
            if meta != cell_metadata(eid, role):
                problems.append(f"{where}: {role} cell metadata {meta} != {cell_metadata(eid, role)}")
        try:
            ex = exercise(eid)
        except KeyError:
            problems.append(f"{where}: not a registered exercise")
            continue
        if not eid.startswith(chapter + "."):
            problems.append(f"{where}: an exercise of another chapter")
        question, answer, check = cells
        heading, _, text = question.source.partition("\n")
        if question.cell_type != "markdown" or heading.strip() != ex.heading or text.strip() != ex.question.strip():
            problems.append(f"{where}: the question cell is not '{ex.heading}' + Exercise.question")
        comments = "".join(line for line in answer.source.splitlines() if line.strip().startswith("#"))
        korean = any("\uac00" <= ch <= "\ud7a3" for ch in comments)
        if answer.cell_type != "code" or not is_placeholder(answer.source) or not korean:
            problems.append(f"{where}: the answer cell must hold Korean comment(s) and only `answer = ...`")
        if check.cell_type != "code" or check.source.strip() != check_source(eid):
            problems.append(f"{where}: the check cell must be exactly:\n{check_source(eid)}")
        if imported_at is None or imported_at > block.question:
            problems.append(f"{where}: `{IMPORT_LINE}` must come in a code cell before the exercise")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_exercise_blocks_follow_the_convention(path: Path):
    problems = _block_problems(path)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_notebook_holds_no_solution(path: Path):
    nb = _read(path)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    flat = code.replace(" ", "")
    found = []
    for ex in EXERCISES:
        lines = [line.strip() for line in textwrap.dedent(ex.solution_code).splitlines()]
        answer_lines = [line for line in lines if re.match(r"answer\s*=", line) and not re.match(r"answer\s*=\s*\.\.\.$", line)]
        found += [f"{ex.id}: {line}" for line in answer_lines if line.replace(" ", "") in flat]
        # the solution's body pasted into an earlier cell (a shared idiom or two is fine)
        body = [line for line in lines if len(line) > 30 and not line.startswith(("import", "from", "#"))]
        pasted = [line for line in body if line in {c.strip() for c in code.splitlines()}]
        if len(pasted) >= 2 and len(pasted) > len(body) / 2:
            found.append(f"{ex.id}: {len(pasted)} of its {len(body)} lines, e.g. {pasted[0]!r}")
    assert not found, f"solutions written in the notebook: {found}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_code_outside_the_exercises_never_reads_the_learners_answer(path: Path):
    nb = _read(path)
    readers = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or role_of(cell) is not None:
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("!", "%")))
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        names = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "answer"]
        stored = any(isinstance(n.ctx, ast.Store) for n in names)
        if any(isinstance(n.ctx, ast.Load) for n in names) and not stored:
            readers.append(index)
    assert not readers, f"cells {readers} read `answer`, which the learner may not have written yet"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_notebook_asks_at_least_two_predict_then_run_questions(path: Path):
    ids = [block.exercise_id for block in exercise_blocks(_read(path))]
    predicted = [eid for eid in ids if eid in {ex.id for ex in EXERCISES if ex.kind == "predict"}]
    assert len(predicted) >= 2, f"{path.name}: predict-then-run exercises {predicted} (need 2 or more)"


def test_every_registered_exercise_is_in_exactly_one_notebook():
    where: dict[str, list[str]] = {}
    for path in NOTEBOOKS:
        for block in exercise_blocks(_read(path)):
            where.setdefault(block.exercise_id, []).append(path.name)
    missing = [ex.id for ex in EXERCISES if ex.id not in where]
    twice = {eid: names for eid, names in where.items() if len(names) > 1}
    unknown = sorted(set(where) - {ex.id for ex in EXERCISES})
    assert not missing and not twice and not unknown, f"missing {missing}; twice {twice}; unregistered {unknown}"
