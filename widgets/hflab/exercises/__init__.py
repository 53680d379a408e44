"""Exercises at the end of each notebook: `check()`, `hint()` and `solution()`.

    from hflab.exercises import exercise
    answer = ...                        # the learner writes the answer here
    exercise("03.1").check(answer)      # ✏️ unanswered, ✅ right, or ❌ with what is wrong
    # exercise("03.1").hint()           # a nudge, in Korean
    # exercise("03.1").solution()       # the reference code

Each chapter registers its exercises in a module of this package (``chNN.py``), in one of three ways:

``register(id, question, hint, solution, wrong=[...], title=..., kind="code")``
    A decorator; the decorated function is the checker: it raises AssertionError with a Korean
    message when the answer is wrong. ``solution`` and each ``wrong`` snippet are self-contained
    Python that assigns ``answer`` (import what they need, build tiny tensors themselves). Each
    ``wrong`` snippet is a *plausible* mistake (an off-by-one, softmax instead of sigmoid, the wrong
    axis); CI runs the solution and every wrong snippet and asserts right passes, wrong fails.
    ``kind="predict"`` marks a predict-then-run question (the answer is a letter or a number).

``register_choice(id, question, choices={"A": ..., "B": ...}, correct="B", hint=..., why=...)``
    A multiple-choice predict-then-run question. The choices are appended to the question text
    (so the notebook's markdown shows them), the solution is ``answer = "B"``, and every other
    choice becomes a wrong snippet automatically. ``why`` is shown after a right answer and with
    the solution. ``feedback={"A": "..."}`` optionally says why a particular wrong choice is wrong.

``register_number(id, question, correct=42, hint=..., why=..., wrong=[41, 43], tolerance=0)``
    A predict-then-run question whose answer is a number. ``wrong`` lists plausible wrong numbers
    (default for an integer: one off either way); ``solution`` may give code that computes it.

An unanswered exercise (``answer = ...``, the placeholder every notebook starts with) is neither
right nor wrong: ``check`` says so kindly and returns None, even under HFLAB_STRICT_CHECKS=1, so a
learner's untouched notebook runs to the end. When HFLAB_GRADE_LOG names a file, every ``check``
appends one JSON line ``{"exercise", "status", "message"}`` to it (status: "unanswered", "right",
"wrong" or "error"); that is how ``hflab-classroom grade`` learns the results.

The notebook side (the question, answer and check cells and their metadata) is described in
``hflab.exercises.cells``; ``exercise_cells(id, instructions)`` builds the three cells.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import re
import sys
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable

_REGISTRY: dict[str, Exercise] = {}
KINDS = ("code", "predict")
UNANSWERED = "아직 답을 적지 않았어요. answer = ... 자리에 답을 쓰고 다시 실행하세요."


@dataclass
class Exercise:
    id: str  # "NN.M", NN the chapter
    question: str  # Korean, markdown; the notebook's question cell shows exactly this text
    hint_text: str  # Korean
    solution_code: str  # Python that assigns the learner's answer to `answer`
    checker: Callable[[Any], None]  # raises AssertionError (Korean message) when the answer is wrong
    wrong: list[str] = field(default_factory=list)  # plausible wrong snippets, each assigns `answer`
    title: str = ""  # short Korean title: "### 연습 03.1 — <title>"
    kind: str = "code"  # "code", or "predict" for a predict-then-run question (a letter or a number)
    why: str = ""  # Korean explanation shown after a right answer and with the solution
    choices: dict[str, str] | None = None  # multiple choice: letter -> text
    module: str = ""  # the chNN module that registered it

    def check(self, answer: Any) -> bool | None:
        """Check a learner's answer: prints ✅, ❌ with the reason, or ✏️ when still unanswered.

        Returns True (right), False (wrong) or None (unanswered: `answer = ...`).
        With HFLAB_STRICT_CHECKS=1 (set by the test suite, so nbmake's notebook runs inherit it)
        a wrong answer also raises; an unanswered one never does.
        """
        if answer is Ellipsis:
            print(f"✏️ {self.id}: {UNANSWERED}")
            _log(self.id, "unanswered", UNANSWERED)
            return None
        try:
            self.checker(answer)
        except AssertionError as err:
            return self._wrong("wrong", str(err) or "아직 정답이 아니에요. hint()를 보세요.")
        except Exception as err:  # noqa: BLE001 - a wrong type of answer is a wrong answer, not a crash
            return self._wrong("error", f"답을 확인하다가 오류가 났어요 ({type(err).__name__}: {err}).")
        message = "정답입니다!" + (f" {self.why}" if self.why else "")
        print(f"✅ {self.id}: {message}")
        _log(self.id, "right", message)
        return True

    def _wrong(self, status: str, message: str) -> bool:
        print(f"❌ {self.id}: {message}")
        _log(self.id, status, message)
        if os.environ.get("HFLAB_STRICT_CHECKS") == "1":
            raise AssertionError(f"exercise {self.id}: {message}")
        return False

    def hint(self) -> None:
        print(f"💡 {self.id}: {self.hint_text}")

    def solution(self) -> None:
        print(f"# {self.id} 예시 답안\n{textwrap.dedent(self.solution_code).strip()}")
        if self.why:
            print(f"# 왜? {self.why}")

    def run_solution(self, namespace: dict | None = None) -> Any:
        """Execute the stored solution and return its `answer` (used by the tests)."""
        return self.run_snippet(self.solution_code, namespace)

    def run_snippet(self, code: str, namespace: dict | None = None) -> Any:
        """Execute one snippet (the solution or a `wrong` one) and return the `answer` it assigns."""
        scope: dict = {} if namespace is None else dict(namespace)
        exec(textwrap.dedent(code), scope)  # noqa: S102 - our own stored code
        if "answer" not in scope:
            raise RuntimeError(f"a snippet of exercise {self.id} does not assign `answer`")
        return scope["answer"]

    @property
    def heading(self) -> str:
        """The first line of the notebook's question cell."""
        return f"### 연습 {self.id} — {self.title}"

    def _repr_html_(self) -> str:
        from html import escape

        return f"<b>연습 {escape(self.id)} — {escape(self.title)}</b>: {escape(self.question)}"


def _log(exercise_id: str, status: str, message: str) -> None:
    """Append one result to HFLAB_GRADE_LOG, if set (the grader reads it)."""
    path = os.environ.get("HFLAB_GRADE_LOG")
    if not path:
        return
    line = json.dumps({"exercise": exercise_id, "status": status, "message": message}, ensure_ascii=False)
    with open(path, "a", encoding="utf-8") as log:
        log.write(line + "\n")


def _add(ex: Exercise) -> None:
    if ex.kind not in KINDS:
        raise ValueError(f"exercise {ex.id}: kind must be one of {KINDS}, not {ex.kind!r}")
    old = _REGISTRY.get(ex.id)
    if old is not None and old.module != ex.module:
        raise ValueError(f"exercise {ex.id} is registered twice ({old.module} and {ex.module})")
    _REGISTRY[ex.id] = ex


def _caller_module(depth: int = 2) -> str:
    return sys._getframe(depth).f_globals.get("__name__", "")


def register(id: str, question: str, hint: str, solution: str, wrong: list[str] | None = None,
             title: str = "", kind: str = "code", why: str = "") -> Callable:
    """Decorator: the decorated function is the checker of a new exercise (see the module docstring)."""
    module = _caller_module()

    def wrap(checker: Callable[[Any], None]) -> Callable[[Any], None]:
        _add(Exercise(id, question, hint, solution, checker, list(wrong or []), title, kind, why,
                      module=module))
        return checker

    return wrap


def _choice_letter(answer: Any, letters: list[str]) -> str:
    """"b", " B ", "(B)" and "B." all mean B; anything else is a clear mistake."""
    shown = ", ".join(letters)
    assert isinstance(answer, str), f'답은 보기의 글자 하나를 문자열로 적어요. 예: answer = "{letters[0]}" (보기: {shown})'
    letter = answer.strip().strip("().").strip().upper()
    assert letter in letters, f"{answer!r}는 보기에 없어요. {shown} 중 하나를 고르세요."
    return letter


def register_choice(id: str, question: str, choices: dict[str, str], correct: str, hint: str,
                    why: str = "", title: str = "", feedback: dict[str, str] | None = None) -> Exercise:
    """Register a multiple-choice predict-then-run question; wrong answers come from the other choices.

    The question text gets the choices appended as a markdown list, so ``Exercise.question`` (and
    the notebook's question cell) shows them. Returns the new Exercise.
    """
    letters = list(choices)
    if correct not in choices:
        raise ValueError(f"exercise {id}: correct choice {correct!r} is not one of {letters}")
    feedback = dict(feedback or {})

    def checker(answer: Any) -> None:
        letter = _choice_letter(answer, letters)
        if letter != correct:
            raise AssertionError(feedback.get(letter) or f"{letter}가 아니에요. 다시 생각해 보고 다음 셀을 실행해 확인하세요.")

    listed = "\n".join(f"- **{letter}.** {text}" for letter, text in choices.items())
    ex = Exercise(id, f"{question.rstrip()}\n\n{listed}", hint, f'answer = "{correct}"\n', checker,
                  [f'answer = "{letter}"\n' for letter in letters if letter != correct], title,
                  "predict", why, dict(choices), module=_caller_module())
    _add(ex)
    return ex


def register_number(id: str, question: str, correct: int | float, hint: str, why: str = "",
                    wrong: list[int | float] | None = None, tolerance: float = 0, title: str = "",
                    solution: str | None = None) -> Exercise:
    """Register a predict-then-run question whose answer is a number (within ``tolerance``).

    ``wrong`` lists plausible wrong numbers; an integer answer defaults to one off either way.
    ``solution`` may be code that computes the number (it must assign ``answer``); by default the
    solution is the number itself. Returns the new Exercise.
    """
    if wrong is None:
        if not isinstance(correct, int):
            raise ValueError(f"exercise {id}: give plausible wrong numbers with wrong=[...]")
        wrong = [correct - 1, correct + 1]

    def checker(answer: Any) -> None:
        ok_type = isinstance(answer, (int, float)) and not isinstance(answer, bool)
        assert ok_type, "답은 따옴표 없이 숫자로 적어요. 예: answer = 7 또는 answer = 0.5"
        if abs(answer - correct) > tolerance:
            raise AssertionError(f"{answer}가 아니에요. 다시 생각해 보고 다음 셀을 실행해 확인하세요.")

    ex = Exercise(id, question, hint, solution or f"answer = {correct!r}\n", checker,
                  [f"answer = {value!r}\n" for value in wrong], title, "predict", why,
                  module=_caller_module())
    _add(ex)
    return ex


def _load_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        if re.fullmatch(r"ch\d\d(_[a-z]+)?", info.name):  # chapter modules (ch01, ch01_korean), not cells.py
            importlib.import_module(f"{__name__}.{info.name}")


def exercise(id: str) -> Exercise:
    """The exercise with this id, e.g. exercise("03.1")."""
    _load_all()
    if id not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY)) or "(none yet)"
        raise KeyError(f"No exercise {id!r}. Known exercises: {known}")
    return _REGISTRY[id]


def all_exercises() -> list[Exercise]:
    """Every registered exercise, in id order ("00.1", "00.2", ..., "50.3")."""
    _load_all()
    return [_REGISTRY[k] for k in sorted(_REGISTRY, key=_id_order)]


def _id_order(exercise_id: str) -> tuple:
    chapter, _, number = exercise_id.partition(".")
    return (chapter, int(number) if number.isdigit() else 0, number)
