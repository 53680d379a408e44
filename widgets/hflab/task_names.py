"""The task names hflab understands. Kept for old imports: the names live in `hflab.tasks.table`."""

from .tasks.table import ALIASES, TASKS, UnknownTaskError, normalize_task

__all__ = ["ALIASES", "TASKS", "UnknownTaskError", "normalize_task"]
