"""The one error `hflab.pipeline` raises for bad input: it names the problem and the fix."""

from __future__ import annotations


class InputError(ValueError):
    """Input a task cannot use (empty text, a file that is not an image, an unknown task, ...).

    The message always has two parts: what is wrong, and what to do instead.
    """

    def __init__(self, problem: str, fix: str):
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem} -> {fix}")
