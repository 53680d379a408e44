"""The teacher's kit end to end: a small class graded in real kernels, and the teacher's copy.

The class's notebook is built here from four of the course's real exercises (the quickest ones,
so each student's kernel finishes in seconds), following the notebooks' three-cell convention.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import nbformat
import pytest
import tomllib
from hflab import classroom
from hflab.exercises import all_exercises
from hflab.exercises.cells import IMPORT_LINE, exercise_blocks, exercise_cells, is_placeholder
from hflab.notebook_tools import NOTEBOOKS_DIR

ROOT = Path(__file__).resolve().parents[1]
V4 = nbformat.v4


def _quick_exercises(count: int = 4) -> list[str]:
    """The first exercises whose solution runs in well under a second and that have a wrong snippet."""
    chosen = []
    for ex in all_exercises():
        if not ex.wrong:
            continue
        started = time.monotonic()
        ex.run_solution()
        if time.monotonic() - started < 0.3:
            chosen.append(ex.id)
        if len(chosen) == count:
            return chosen
    raise AssertionError(f"fewer than {count} quick exercises with wrong snippets: {chosen}")


def _notebook(ids: list[str], extra: dict[int, str] | None = None):
    """A tiny course notebook: the import, then each exercise's three cells; `extra` inserts code cells."""
    nb = V4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    cells = [V4.new_markdown_cell("# 작은 시험 노트북"), V4.new_code_cell(IMPORT_LINE)]
    for eid in ids:
        cells += exercise_cells(eid, "답을 적으세요.")
    cells.append(V4.new_code_cell('print("끝까지 왔어요")'))
    for index, source in sorted((extra or {}).items(), reverse=True):
        cells.insert(index, V4.new_code_cell(source))
    nb.cells = cells
    return nb


def _answer(nb, eid: str, code: str) -> None:
    block = next(b for b in exercise_blocks(nb) if b.exercise_id == eid)
    nb.cells[block.answer].source = f"# 학생의 답\n{code}"


def _question_index(nb, eid: str) -> int:
    return next(b.question for b in exercise_blocks(nb) if b.exercise_id == eid)


@pytest.fixture(scope="module")
def quick_ids() -> list[str]:
    return _quick_exercises()


def test_a_class_is_graded_to_the_expected_table(tmp_path, quick_ids, monkeypatch, capsys):
    monkeypatch.setenv("HFLAB_STRICT_CHECKS", "1")  # the grader must not inherit the test suite's strictness
    first, second, third, fourth = quick_ids
    exercises = {ex.id: ex for ex in all_exercises()}
    class_dir = tmp_path / "class"
    class_dir.mkdir()

    alice = _notebook(quick_ids)  # everything right: the teacher's copy
    assert classroom.teachers_copy(alice) == (4, [])
    nbformat.write(alice, str(class_dir / "alice.ipynb"))

    bob = _notebook(quick_ids)  # half answered: one right, one plausibly wrong, two untouched
    _answer(bob, first, exercises[first].solution_code)
    _answer(bob, second, exercises[second].wrong[0])
    nbformat.write(bob, str(class_dir / "bob.ipynb"))

    carol = _notebook(quick_ids)  # answers the first, then a cell of hers raises before the third
    _answer(carol, first, exercises[first].solution_code)
    carol.cells.insert(_question_index(carol, third), V4.new_code_cell('raise RuntimeError("숙제를 하다 말았어요")'))
    nbformat.write(carol, str(class_dir / "carol.ipynb"))

    (class_dir / "dave.ipynb").write_text("제 숙제는 여기 있어요 (JSON이 아님)", encoding="utf-8")

    paths = [str(class_dir / f"{name}.ipynb") for name in ("alice", "bob", "carol", "dave")]
    out, out_csv = tmp_path / "grades.json", tmp_path / "grades.csv"
    code = classroom.main(["grade", *paths, "--out", str(out), "--csv", str(out_csv), "--timeout", "180"])
    assert code == 0
    printed = capsys.readouterr().out

    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["exercises"] == quick_ids
    got = {s["student"]: [s["exercises"][eid]["status"] for eid in quick_ids] for s in report["students"]}
    assert got == {
        "alice": ["right", "right", "right", "right"],
        "bob": ["right", "wrong", "unanswered", "unanswered"],
        "carol": ["right", "unanswered", "not_reached", "not_reached"],
        "dave": ["missing", "missing", "missing", "missing"],
    }
    by_name = {s["student"]: s for s in report["students"]}
    assert {name: s["notebook"] for name, s in by_name.items()} == {
        "alice": "graded", "bob": "graded", "carol": "crashed", "dave": "not_a_notebook"}
    assert [(by_name[n]["right"], by_name[n]["answered"]) for n in ("alice", "bob", "carol", "dave")] == [
        (4, 4), (1, 2), (1, 1), (0, 0)]
    assert "RuntimeError: 숙제를 하다 말았어요" in by_name["carol"]["error"]
    assert "JSON" in by_name["dave"]["error"]
    # bob is told what the check said about his wrong answer, as he would be in the notebook
    bob_wrong = by_name["bob"]["exercises"][second]["message"]
    assert len(bob_wrong) > 5 and bob_wrong != by_name["bob"]["exercises"][first]["message"]

    with open(out_csv, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 16
    assert {(r["student"], r["exercise"]): r["status"] for r in rows}[("bob", second)] == "wrong"
    assert {r["notebook"] for r in rows if r["student"] == "carol"} == {"crashed"}

    table = printed.splitlines()
    alice_row = next(line for line in table if line.startswith("alice"))
    bob_row = next(line for line in table if line.startswith("bob"))
    assert "4/4" in alice_row and alice_row.split()[-4:] == ["O", "O", "O", "O"]
    assert bob_row.split()[-4:] == ["O", "X", "_", "_"]


def test_a_notebook_that_loops_runs_out_of_time_and_keep_going_runs_past_errors(tmp_path, quick_ids):
    first, second, third, _ = quick_ids
    exercises = {ex.id: ex for ex in all_exercises()}
    looping = _notebook(quick_ids, extra={2: "while True:\n    pass"})  # before any exercise
    nbformat.write(looping, str(tmp_path / "eve.ipynb"))
    carol = _notebook(quick_ids)
    _answer(carol, first, exercises[first].solution_code)
    carol.cells.insert(_question_index(carol, third), V4.new_code_cell('raise RuntimeError("숙제를 하다 말았어요")'))
    nbformat.write(carol, str(tmp_path / "carol.ipynb"))

    started = time.monotonic()
    report = classroom.grade([tmp_path / "eve.ipynb", tmp_path / "carol.ipynb"], timeout=15, keep_going=True)
    eve, carol_graded = report["students"]
    assert eve["notebook"] == "timeout" and "15 s" in eve["error"]
    assert [r["status"] for r in eve["exercises"].values()] == ["not_reached"] * 4
    assert eve["seconds"] < 15 + 20, "the time limit stops the kernel"
    # past the raising cell, her untouched exercises are still seen as unanswered
    assert carol_graded["notebook"] == "graded" and "RuntimeError" in carol_graded["error"]
    assert [carol_graded["exercises"][eid]["status"] for eid in quick_ids] == [
        "right", "unanswered", "unanswered", "unanswered"]
    assert time.monotonic() - started < 120


def test_the_teachers_copy_fills_every_answer_and_leaves_the_course_untouched(tmp_path):
    before = {p: p.read_bytes() for p in NOTEBOOKS_DIR.rglob("*.ipynb")}
    written = classroom.write_solutions(tmp_path / "teacher")
    assert {p.relative_to(tmp_path / "teacher") for p in written} == {p.relative_to(NOTEBOOKS_DIR) for p in before}
    assert {p: p.read_bytes() for p in NOTEBOOKS_DIR.rglob("*.ipynb")} == before
    exercises = {ex.id: ex for ex in all_exercises()}
    filled = 0
    for path in written:
        nb = nbformat.read(str(path), as_version=4)
        for block in exercise_blocks(nb):
            if block.answer is None or block.exercise_id not in exercises:
                continue
            source = nb.cells[block.answer].source
            assert not is_placeholder(source), f"{path.name} {block.exercise_id} left blank"
            solution_lines = exercises[block.exercise_id].solution_code.strip().splitlines()
            assert solution_lines[-1].strip() in source
            filled += 1
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert filled == len(exercises), "every exercise of the course is in the teacher's copy, answered"


def test_the_teachers_copy_is_never_written_into_the_course(tmp_path, capsys):
    assert classroom.main(["solutions", str(NOTEBOOKS_DIR / "teacher")]) == 2
    assert "must stay without solutions" in capsys.readouterr().err
    assert not (NOTEBOOKS_DIR / "teacher").exists()


def test_the_solutions_command_copies_a_small_course_with_its_folders(tmp_path, quick_ids):
    course = tmp_path / "course" / "99_test"
    course.mkdir(parents=True)
    nbformat.write(_notebook(quick_ids), str(course / "99-1_test.ipynb"))
    (course / "note.txt").write_text("그림 설명", encoding="utf-8")
    assert classroom.main(["solutions", str(tmp_path / "out"), "--course", str(tmp_path / "course")]) == 0
    copied = nbformat.read(str(tmp_path / "out" / "99_test" / "99-1_test.ipynb"), as_version=4)
    assert (tmp_path / "out" / "99_test" / "note.txt").read_text(encoding="utf-8") == "그림 설명"
    answers = [copied.cells[b.answer].source for b in exercise_blocks(copied)]
    assert len(answers) == 4 and all("answer" in a and not is_placeholder(a) for a in answers)
    assert all(a.startswith("# 답을 적으세요.") for a in answers), "the Korean instructions stay"


def test_the_console_script_is_declared():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["hflab-classroom"] == "hflab.classroom:main"
