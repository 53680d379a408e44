"""The teacher's kit: a copy of the course with every answer filled in, and grading a class.

    hflab-classroom solutions OUT_DIR
        Writes the course's notebooks (same folders) with each answer cell holding the exercise's
        stored solution, outputs empty: for projecting, or to see what a right answer looks like.

    hflab-classroom grade NOTEBOOK... --out grades.json [--csv grades.csv] [--timeout SECONDS]
        Runs each student's notebook top to bottom in its own kernel (offline, in the notebook's
        folder, checks not strict), collects every `check()` through HFLAB_GRADE_LOG, and reports
        per student (file name) and per exercise: right, wrong (with the check's message),
        unanswered, error (the check cell itself raised), not_reached (the run stopped before
        it), not_checked (its check cell ran no check) or missing (not in this notebook). A notebook
        that crashes, runs out of time or is not a notebook is reported as such; the rest are still
        graded. The exit code is 0 whenever grading itself worked.

Exercise blocks are found by the cell metadata described in `hflab.exercises.cells`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from .exercises import exercise
from .exercises.cells import exercise_blocks, fill_answer

# What one exercise's status means; `answered` counts right + wrong.
STATUSES = {
    "right": "정답",
    "wrong": "오답",
    "unanswered": "답을 쓰지 않음",
    "error": "확인 셀이 오류로 멈춤",
    "not_reached": "실행이 그 전에 멈춤",
    "not_checked": "확인 셀이 check()를 부르지 않음",
    "missing": "노트북에 없음",
}
SYMBOLS = {"right": "O", "wrong": "X", "unanswered": "_", "error": "E", "not_reached": ".",
           "not_checked": "?", "missing": "-"}


# --- the teacher's copy ---------------------------------------------------------------------

def teachers_copy(nb) -> tuple[int, list[str]]:
    """Fill every answer cell of a notebook with its stored solution, in place; outputs emptied.

    Returns (answers filled, ids of exercises that are not registered).
    """
    from .notebook_tools import clean

    filled, unknown = 0, []
    for block in exercise_blocks(nb):
        if block.answer is None:
            continue
        try:
            solution = exercise(block.exercise_id).solution_code
        except KeyError:
            unknown.append(block.exercise_id)
            continue
        cell = nb.cells[block.answer]
        cell.source = fill_answer(cell.source, solution)
        filled += 1
    clean(nb)
    return filled, unknown


def write_solutions(out_dir: Path, course_dir: Path | None = None) -> list[Path]:
    """Copy the course folder to `out_dir` with every answer filled in; returns the notebooks written."""
    from .notebook_tools import NOTEBOOKS_DIR

    source = Path(course_dir or NOTEBOOKS_DIR).resolve()
    target = Path(out_dir).resolve()
    if target == source or source in target.parents:
        raise ValueError(f"{target} is inside the course folder {source}: the learners' notebooks "
                         "must stay without solutions. Choose a folder outside it.")
    written = []
    for path in sorted(source.rglob("*")):
        if ".ipynb_checkpoints" in path.parts or path.is_dir():
            continue
        dest = target / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix != ".ipynb":
            shutil.copy2(path, dest)
            continue
        nb = nbformat.read(str(path), as_version=4)
        filled, unknown = teachers_copy(nb)
        if unknown:
            print(f"warning: {path.name}: no stored solution for {', '.join(unknown)}", file=sys.stderr)
        nbformat.write(nb, str(dest))
        written.append(dest)
        print(f"{dest}: {filled} answer(s) filled")
    return written


# --- grading --------------------------------------------------------------------------------

@dataclass
class StudentResult:
    student: str  # the file name without .ipynb
    file: str
    notebook: str = "graded"  # graded | crashed | timeout | not_a_notebook | grader_error
    error: str | None = None  # what stopped the run, in one line
    seconds: float = 0.0
    exercises: dict[str, dict] = field(default_factory=dict)  # id -> {"status", "message"}

    @property
    def right(self) -> int:
        return sum(r["status"] == "right" for r in self.exercises.values())

    @property
    def answered(self) -> int:
        return sum(r["status"] in ("right", "wrong") for r in self.exercises.values())

    def as_json(self) -> dict:
        data = asdict(self)
        data.update(right=self.right, answered=self.answered, total=len(self.exercises))
        return data


class _OutOfTime(Exception):
    pass


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kernel_env(log_path: Path) -> dict:
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HFLAB_GRADE_LOG=str(log_path),
               MPLBACKEND="Agg", TOKENIZERS_PARALLELISM="false")
    env.pop("HFLAB_STRICT_CHECKS", None)  # a wrong answer is a grade, not a stop
    return env


def _read_log(log_path: Path) -> dict[str, dict]:
    """The last result of each exercise the notebook checked."""
    results: dict[str, dict] = {}
    if not log_path.exists():
        return results
    for line in log_path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        status = "wrong" if entry.get("status") == "error" else entry.get("status")
        results[str(entry.get("exercise"))] = {"status": status, "message": entry.get("message", "")}
    return results


def _cell_errors(nb) -> dict[int, str]:
    """Cells whose outputs hold an error (kept going past them): index -> "Name: value"."""
    errors = {}
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors[index] = f"{output.get('ename')}: {output.get('evalue')}"
    return errors


def _run(nb, folder: Path, env: dict, timeout: float, keep_going: bool) -> tuple[str, str | None, int | None]:
    """Execute a notebook; returns (notebook status, error line, index of the cell it stopped at)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    deadline = time.monotonic() + timeout
    current = {"index": None}

    def time_left(cell) -> int:
        current["index"] = next((i for i, c in enumerate(nb.cells) if c is cell), None)
        left = deadline - time.monotonic()
        if left <= 0:
            raise _OutOfTime
        return max(1, int(left + 0.999))

    client = NotebookClient(nb, timeout_func=time_left, kernel_name="python3", allow_errors=keep_going,
                            startup_timeout=120, resources={"metadata": {"path": str(folder)}})
    try:
        client.execute(env=env)
    except (CellTimeoutError, _OutOfTime):
        where = f" (cell {current['index']})" if current["index"] is not None else ""
        return "timeout", f"ran out of time after {timeout:g} s{where}", current["index"]
    except CellExecutionError as err:
        name = f"{err.ename}: {err.evalue}" if getattr(err, "ename", None) else _one_line(err)
        return "crashed", _one_line(f"{name} (cell {current['index']})"), current["index"]
    except DeadKernelError as err:
        return "crashed", _one_line(f"the kernel died: {err} (cell {current['index']})"), current["index"]
    return "graded", None, None


def grade_notebook(path: Path, timeout: float = 600, keep_going: bool = False) -> StudentResult:
    """Run one student's notebook and grade each of its exercises (never raises for the student's faults)."""
    path = Path(path)
    result = StudentResult(student=path.stem, file=str(path))
    started = time.monotonic()
    try:
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
    except Exception as err:  # noqa: BLE001 - whatever the file is, the report says it is not a notebook
        result.notebook = "not_a_notebook"
        result.error = _one_line(f"{type(err).__name__}: {err}")
        return result
    blocks = [b for b in exercise_blocks(nb) if b.check is not None]
    with tempfile.TemporaryDirectory(prefix="hflab-grade-") as tmp:
        log_path = Path(tmp) / "checks.jsonl"
        try:
            status, error, stopped_at = _run(nb, path.resolve().parent, _kernel_env(log_path), timeout, keep_going)
        except Exception as err:  # noqa: BLE001 - e.g. no kernel could start: the grader's problem
            status, error, stopped_at = "grader_error", _one_line(f"{type(err).__name__}: {err}"), -1
        checked = _read_log(log_path)
    result.notebook, result.error = status, error
    result.seconds = round(time.monotonic() - started, 1)
    cell_errors = _cell_errors(nb)
    if status == "graded" and cell_errors:  # --keep-going ran past them: still say so
        first = min(cell_errors)
        result.error = _one_line(f"{len(cell_errors)} cell(s) raised; first: {cell_errors[first]} (cell {first})")
    for block in blocks:
        result.exercises[block.exercise_id] = _exercise_status(block, checked, stopped_at, cell_errors, error)
    for eid, entry in checked.items():  # checks the notebook ran outside a recognised block
        result.exercises.setdefault(eid, entry)
    return result


def _exercise_status(block, checked: dict, stopped_at: int | None, cell_errors: dict, error: str | None) -> dict:
    if block.exercise_id in checked:
        return checked[block.exercise_id]
    if stopped_at is not None and (stopped_at < 0 or block.check > stopped_at):
        return {"status": "not_reached", "message": f"실행이 셀 {stopped_at}에서 멈췄어요: {error}"}
    if block.check == stopped_at or block.check in cell_errors:
        return {"status": "error", "message": cell_errors.get(block.check) or error or ""}
    return {"status": "not_checked", "message": "확인 셀이 실행됐지만 check()를 부르지 않았어요."}


def grade(paths: list[Path], timeout: float = 600, keep_going: bool = False) -> dict:
    """Grade a class: every notebook, then every student lined up on the class's exercises."""
    students = []
    for path in paths:
        print(f"grading {path} ...", file=sys.stderr, flush=True)
        students.append(grade_notebook(Path(path), timeout, keep_going))
    names = [s.student for s in students]
    for s in students:  # two students with the same file name: tell them apart by their path
        if names.count(s.student) > 1:
            s.student = str(Path(s.file).with_suffix(""))
    class_ids: list[str] = []
    for s in students:
        class_ids += [eid for eid in s.exercises if eid not in class_ids]
    for s in students:
        for eid in class_ids:
            s.exercises.setdefault(eid, {"status": "missing", "message": STATUSES["missing"]})
        s.exercises = {eid: s.exercises[eid] for eid in class_ids}
    return {"timeout_s": timeout, "exercises": class_ids, "statuses": STATUSES,
            "students": [s.as_json() for s in students]}


def write_csv(report: dict, path: Path) -> None:
    """One row per student and exercise (a spreadsheet pivots it either way)."""
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["student", "file", "notebook", "notebook_error", "exercise", "status", "message"])
        for s in report["students"]:
            rows = s["exercises"].items() or [("", {"status": "", "message": ""})]
            for eid, r in rows:
                writer.writerow([s["student"], s["file"], s["notebook"], s["error"] or "", eid,
                                 r["status"], r["message"]])


def table(report: dict) -> str:
    """A plain-text table: a row per student, a column per exercise (O right, X wrong, _ blank ...)."""
    ids = report["exercises"]
    width = max([len("student")] + [len(s["student"]) for s in report["students"]])
    lines = [f"{'student':<{width}}  {'notebook':<14} {'right':>7}  " + " ".join(f"{i:>5}" for i in ids)]
    for s in report["students"]:
        marks = " ".join(f"{SYMBOLS[s['exercises'][i]['status']]:>5}" for i in ids)
        lines.append(f"{s['student']:<{width}}  {s['notebook']:<14} {s['right']:>3}/{len(ids):<3}  {marks}")
    lines.append("  ".join(f"{mark} {status}" for status, mark in SYMBOLS.items()))
    return "\n".join(lines)


# --- command line ---------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hflab-classroom", description="The teacher's kit of the hflab course.")
    sub = parser.add_subparsers(dest="command", required=True)
    sol = sub.add_parser("solutions", help="write a teacher's copy of the course with every answer filled in")
    sol.add_argument("out_dir", type=Path)
    sol.add_argument("--course", type=Path, default=None, help="the course folder (default: this install's notebooks/)")
    gr = sub.add_parser("grade", help="run students' notebooks and grade their exercises")
    gr.add_argument("notebooks", nargs="+", type=Path)
    gr.add_argument("--out", type=Path, required=True, help="the grades as JSON")
    gr.add_argument("--csv", type=Path, default=None, help="also as CSV, one row per student and exercise")
    gr.add_argument("--timeout", type=float, default=600, help="seconds per notebook (default 600)")
    gr.add_argument("--keep-going", action="store_true",
                    help="run past a cell that raises (like nbgrader), instead of stopping like 'Run All'")
    args = parser.parse_args(argv)

    if args.command == "solutions":
        try:
            written = write_solutions(args.out_dir, args.course)
        except ValueError as err:
            print(f"hflab-classroom: {err}", file=sys.stderr)
            return 2
        print(f"{len(written)} notebooks written to {args.out_dir}")
        return 0

    report = grade(args.notebooks, args.timeout, args.keep_going)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if args.csv:
        write_csv(report, args.csv)
    print(table(report))
    failed = [s["file"] for s in report["students"] if s["notebook"] == "grader_error"]
    if failed:
        print(f"hflab-classroom: could not run {failed} (see 'error' in {args.out})", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
