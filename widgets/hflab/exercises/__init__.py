"""Exercises at the end of each notebook: `check()`, `hint()` and `solution()`.

    from hflab.exercises import exercise
    ex = exercise("03.1")
    ex.hint()            # a nudge, in Korean
    ex.check(answer)     # ✅ or ❌ with what is wrong
    ex.solution()        # the reference code (tests run every stored solution through its check)

Each chapter registers its exercises in a module of this package (``chNN.py``).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import textwrap
from dataclasses import dataclass
from typing import Any, Callable

_REGISTRY: dict[str, Exercise] = {}


@dataclass
class Exercise:
    id: str  # "NN.M", NN the chapter
    question: str  # Korean
    hint_text: str  # Korean
    solution_code: str  # Python that assigns the learner's answer to `answer`
    checker: Callable[[Any], None]  # raises AssertionError (Korean message) when the answer is wrong

    def check(self, answer: Any) -> bool:
        """Check a learner's answer; prints ✅ or ❌ with the reason, returns True/False.

        With HFLAB_STRICT_CHECKS=1 (set by the test suite, so nbmake's notebook runs inherit it)
        a wrong answer also raises, so a notebook whose prefilled answer broke fails CI.
        """
        try:
            self.checker(answer)
        except AssertionError as err:
            return self._wrong(str(err) or "아직 정답이 아니에요. hint()를 보세요.")
        except Exception as err:  # noqa: BLE001 - a wrong type of answer is a wrong answer, not a crash
            return self._wrong(f"답을 확인하다가 오류가 났어요 ({type(err).__name__}: {err}).")
        print(f"✅ {self.id}: 정답입니다!")
        return True

    def _wrong(self, message: str) -> bool:
        print(f"❌ {self.id}: {message}")
        if os.environ.get("HFLAB_STRICT_CHECKS") == "1":
            raise AssertionError(f"exercise {self.id}: {message}")
        return False

    def hint(self) -> None:
        print(f"💡 {self.id}: {self.hint_text}")

    def solution(self) -> None:
        print(f"# {self.id} 예시 답안\n{textwrap.dedent(self.solution_code).strip()}")

    def run_solution(self, namespace: dict | None = None) -> Any:
        """Execute the stored solution and return its `answer` (used by the tests)."""
        scope: dict = {} if namespace is None else dict(namespace)
        exec(textwrap.dedent(self.solution_code), scope)  # noqa: S102 - our own stored code
        if "answer" not in scope:
            raise RuntimeError(f"solution of {self.id} does not assign `answer`")
        return scope["answer"]

    def _repr_html_(self) -> str:
        from html import escape

        return f"<b>연습 {escape(self.id)}</b>: {escape(self.question)}"


def register(id: str, question: str, hint: str, solution: str) -> Callable:
    """Decorator: the decorated function is the checker of a new exercise."""

    def wrap(checker: Callable[[Any], None]) -> Callable[[Any], None]:
        _REGISTRY[id] = Exercise(id, question, hint, solution, checker)
        return checker

    return wrap


def _load_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("ch"):
            importlib.import_module(f"{__name__}.{info.name}")


def exercise(id: str) -> Exercise:
    """The exercise with this id, e.g. exercise("03.1")."""
    _load_all()
    if id not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY)) or "(none yet)"
        raise KeyError(f"No exercise {id!r}. Known exercises: {known}")
    return _REGISTRY[id]


def all_exercises() -> list[Exercise]:
    _load_all()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]
