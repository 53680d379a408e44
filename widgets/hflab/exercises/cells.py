"""An exercise's three notebook cells: question (markdown), answer (code), check (code).

The convention every course notebook follows (tests check it, ``hflab-classroom`` reads it)::

    ### 연습 03.1 — <title>            question  markdown, then Exercise.question verbatim
    # <Korean: what to write>          answer    code; the placeholder `answer = ...`
    answer = ...
    exercise("03.1").check(answer)     check     code; hint() and solution() commented out
    # exercise("03.1").hint()
    # exercise("03.1").solution()

Each cell's metadata holds ``{"hflab": {"exercise": "03.1", "role": ROLE}}`` and nbgrader's
cell metadata (answer cell: a solution cell; check cell: a locked, graded cell worth one point),
so nbgrader and this course's own grader read the same notebook. The notebook imports
``from hflab.exercises import exercise`` once, in a cell before its first exercise.

Build the cells with ``exercise_cells("03.1", "# 함수 attention_entropy를 answer에 넣으세요.")``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import exercise

ROLES = ("question", "answer", "check")
PLACEHOLDER = "answer = ..."
IMPORT_LINE = "from hflab.exercises import exercise"
_PLACEHOLDER_LINE = re.compile(r"^answer\s*=\s*\.\.\.\s*(#.*)?$")


def grade_id(exercise_id: str, role: str) -> str:
    """nbgrader's cell id: "ex-03-1-question", "ex-03-1-answer", "ex-03-1-check"."""
    return f"ex-{exercise_id.replace('.', '-')}-{role}"


def cell_metadata(exercise_id: str, role: str) -> dict:
    """The metadata of one cell of an exercise block (ours, then nbgrader's)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    nbgrader = {
        "grade_id": grade_id(exercise_id, role),
        "solution": role == "answer",
        "grade": role == "check",
        "locked": role != "answer",
        "schema_version": 3,
        "task": False,
    }
    if role == "check":
        nbgrader["points"] = 1
    return {"hflab": {"exercise": exercise_id, "role": role}, "nbgrader": nbgrader}


def question_source(exercise_id: str) -> str:
    ex = exercise(exercise_id)
    return f"{ex.heading}\n\n{ex.question}"


def check_source(exercise_id: str) -> str:
    call = f'exercise("{exercise_id}")'
    return f"{call}.check(answer)\n# {call}.hint()\n# {call}.solution()"


def answer_source(instructions: str) -> str:
    """Korean comment line(s) saying what to write, then the placeholder."""
    lines = [line if line.startswith("#") else f"# {line}" for line in instructions.strip().splitlines()]
    return "\n".join(lines + [PLACEHOLDER])


def exercise_cells(exercise_id: str, instructions: str) -> list:
    """The three cells of one exercise, ready to put in a notebook (nbformat v4 cells)."""
    import nbformat

    v4 = nbformat.v4
    cells = [
        v4.new_markdown_cell(question_source(exercise_id)),
        v4.new_code_cell(answer_source(instructions)),
        v4.new_code_cell(check_source(exercise_id)),
    ]
    for cell, role in zip(cells, ROLES, strict=True):
        cell.metadata.update(cell_metadata(exercise_id, role))
    return cells


def role_of(cell) -> tuple[str, str] | None:
    """(exercise id, role) of a cell of an exercise block, or None."""
    info = cell.get("metadata", {}).get("hflab", {})
    if "exercise" in info and "role" in info:
        return str(info["exercise"]), str(info["role"])
    return None


@dataclass
class Block:
    """Where one exercise sits in a notebook: the index of each of its cells (None if missing)."""

    exercise_id: str
    question: int | None = None
    answer: int | None = None
    check: int | None = None


def exercise_blocks(nb) -> list[Block]:
    """The exercise blocks of a notebook, in order, found by cell metadata.

    A check cell without metadata (a learner copied or retyped it) is still found by its
    ``exercise("NN.M").check(`` call, so the grader does not lose it.
    """
    blocks: dict[str, Block] = {}
    for index, cell in enumerate(nb.cells):
        found = role_of(cell)
        if found is None and cell.get("cell_type") == "code":
            call = re.search(r'exercise\(\s*["\'](\d+\.\d+)["\']\s*\)\.check\(', cell.get("source", ""))
            found = (call.group(1), "check") if call else None
        if found is None or found[1] not in ROLES:
            continue
        block = blocks.setdefault(found[0], Block(found[0]))
        if getattr(block, found[1]) is None:
            setattr(block, found[1], index)
    return list(blocks.values())


def is_placeholder(source: str) -> bool:
    """Whether an answer cell is still untouched: comments and `answer = ...` only."""
    code = [line for line in source.splitlines() if line.strip() and not line.strip().startswith("#")]
    return len(code) == 1 and bool(_PLACEHOLDER_LINE.match(code[0].strip()))


def fill_answer(source: str, solution_code: str) -> str:
    """An answer cell with its placeholder line replaced by the stored solution (the teacher's copy)."""
    import textwrap

    solution = textwrap.dedent(solution_code).strip()
    lines = source.splitlines()
    for i, line in enumerate(lines):
        if _PLACEHOLDER_LINE.match(line.strip()):
            return "\n".join(lines[:i] + [solution] + lines[i + 1:])
    return f"{source.rstrip()}\n{solution}" if source.strip() else solution
