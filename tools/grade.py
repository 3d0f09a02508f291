"""Grade handed-in lessons with hidden tests, outside the students' notebooks.

Usage:
    python tools/grade.py SUBMISSION.ipynb ...               points per exercise, for each file
    python tools/grade.py --course COURSE --assignment NAME   every submission of an nbgrader course
        (COURSE/submitted/STUDENT/NAME/*.ipynb); with --gradebook, after `nbgrader autograde`,
        the points replace the scores of the check cells in nbgrader's gradebook
    options: --csv FILE (one row per student, notebook and exercise), --jobs N (parallel, default:
    the number of processors), --seed N (the same fresh inputs again, to reproduce a grading run)

Why outside the notebook: a check that runs in the student's kernel can be switched off by the
student's own code (a redefined check, a patched NumPy function, an error display that hides the
failure), and its inputs are in the released notebook, so outputs can be written in by hand.
Here, for each exercise, the grader

- draws fresh inputs (`tools/hidden_tests/lessonNN.py`, which the students never see) and computes
  the expected results with its own reference code, in this process, which runs no student code;
- runs the student's answer in a new Python process (tools/grading_child.py) that executes only
  the lesson's set-up cell (taken from notebooks/, not from the submission) and the student's
  answer cell: nothing else the student wrote exists there, and every function the exercise
  forbids is replaced, before the answer cell runs, by a stand-in that records the call;
- compares, with the tolerances and the hints of the lesson's checks, and gives the exercise's
  points only when every case matches and no forbidden function was called.

An answer must therefore be complete in its own cell (helpers included). Grading one lesson takes
about a second per exercise, whatever the lesson demonstrates.
"""

import argparse
import concurrent.futures
import copy
import csv
import dataclasses
import importlib.util
import inspect
import io
import json
import os
import pickle
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
HIDDEN = Path(__file__).resolve().parent / "hidden_tests"
CHILD = Path(__file__).resolve().parent / "grading_child.py"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from nnlib.course.exercises import _compare, _describe  # noqa: E402

TIMEOUT = 120  # seconds for one exercise's answer on all its cases


@dataclasses.dataclass(frozen=True)
class Hidden:
    """One exercise's hidden test.

    cases: rng -> a list of argument tuples, fresh at every grading.
    reference: (*case) -> the expected result (run here, never in the student's process); or
    judge: (results, cases) -> (ok, message), for answers that are checked by a property.
    run: a function f(answer, *case) -> result, for answers that are called in a special way
        (a stateful step, a function of no arguments); its source (a `def` in the hidden test's
        module, using only its arguments, NumPy as np and builtins) runs in the student's process.
    forbid: dotted names of functions, classes or modules the answer may not use.
    slips: pairs (wrong reference, hint): a failing answer that equals one gets its hint.
    max_lines: how many lines of Python the answer cell may run on one case (no loop over pixels).
    context: code run before the answer cell, after the set-up cell: the lesson's data that the
        exercise builds on (e.g. lesson 5's four XOR points).
    """
    cases: Callable
    reference: Callable = None
    judge: Callable = None
    run: Callable = None
    forbid: tuple = ()
    points: int = 1
    rtol: float = 1e-6
    atol: float = 1e-9
    slips: tuple = ()
    max_lines: int = None
    exact: bool = False    # a result that is only nearly right gets the numerical-derivative hint
    context: str = ""


@dataclasses.dataclass
class Mark:
    exercise: str
    points: float
    max_points: float
    message: str


def hidden_tests(lesson):
    """{function name: Hidden} for lesson "01", ..., in the order of the lesson."""
    path = HIDDEN / f"lesson{lesson}.py"
    if not path.exists():
        raise SystemExit(f"no hidden tests for lesson {lesson}: expected {path}")
    spec = importlib.util.spec_from_file_location(f"hidden_tests_lesson{lesson}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.EXERCISES


def lesson_of(path):
    name = Path(path).name
    if not (name[:2].isdigit() and name[2] == "_"):
        raise SystemExit(f"{path}: expected a lesson's file name, NN_name.ipynb")
    return name[:2]


def cells(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def setup_cell(lesson):
    """The lesson's set-up cell (its imports), from the full lesson in notebooks/."""
    full = next((ROOT / "notebooks").glob(f"{lesson}_*.ipynb"))
    return next(source(c) for c in cells(full)
                if c["cell_type"] == "code" and "from nnlib.course.exercises import" in source(c))


def answer_cell(notebook_cells, function):
    """The source of the last code cell that defines `function`, or None."""
    found = [source(c) for c in notebook_cells
             if c["cell_type"] == "code" and f"def {function}(" in source(c)]
    return found[-1] if found else None


class _PlainOnly(pickle.Unpickler):
    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"refused to load {module}.{name}")


def unplain(value):
    """Undo grading_child.plain: plain data back into arrays, lists, tuples and dicts."""
    if isinstance(value, tuple) and value and value[0] == "ndarray":
        _, dtype, shape, data = value
        return np.frombuffer(data, dtype=np.dtype(dtype)).reshape(shape).copy()
    if isinstance(value, tuple) and value and value[0] in ("list", "tuple"):
        items = [unplain(v) for v in value[1]]
        return items if value[0] == "list" else tuple(items)
    if isinstance(value, tuple) and value and value[0] == "dict":
        return {unplain(k): unplain(v) for k, v in value[1]}
    if isinstance(value, tuple) and value and value[0] == "other":
        return _Unreadable(value[1])
    return value


@dataclasses.dataclass
class _Unreadable:
    description: str


def run_answer(setup, answer, function, hidden, cases):
    """The child's outcome: {"results": [...], "lines": [...], "called": [...]} or an error."""
    job = {"setup": setup, "context": hidden.context, "answer": answer, "function": function,
           "cases": cases,
           "run": textwrap.dedent(inspect.getsource(hidden.run)) if hidden.run else None,
           "run_name": hidden.run.__name__ if hidden.run else None,
           "forbid": list(hidden.forbid), "count_lines": hidden.max_lines is not None}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "outcome.pickle"
        env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1",
               "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
        env.pop("NNLIB_STRICT_CHECKS", None)
        try:
            subprocess.run([sys.executable, str(CHILD), str(out)], input=pickle.dumps(job),
                           cwd=folder, env=env, capture_output=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            return {"error": "timeout"}
        if not out.exists():
            return {"error": "crashed"}
        try:
            outcome = _PlainOnly(io.BytesIO(out.read_bytes())).load()
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError):
            return {"error": "crashed"}
    if "results" in outcome:
        outcome["results"] = [unplain(r) for r in outcome["results"]]
    return outcome


def compare(result, expected, rtol, atol, case=()):
    """None when `result` matches `expected`, else what differs (as the lessons' checks say it);
    a dict is compared entry by entry, a tuple or list of arrays item by item."""
    if isinstance(expected, dict):
        if not isinstance(result, dict) or sorted(map(str, result)) != sorted(map(str, expected)):
            keys = sorted(result) if isinstance(result, dict) else None
            return f"expected a dict with keys {sorted(expected)}, received {keys or result!r:.80}"
        for key in expected:
            mismatch = compare(result[key], expected[key], rtol, atol)
            if mismatch:
                return f"{key}: {mismatch}"
        return None
    if isinstance(expected, (tuple, list)) and any(isinstance(e, np.ndarray) for e in expected):
        if not isinstance(result, (tuple, list)) or len(result) != len(expected):
            return f"expected {len(expected)} arrays, received {_describe(result)}"
        for number, (mine, theirs) in enumerate(zip(result, expected), 1):
            mismatch = compare(mine, theirs, rtol, atol)
            if mismatch:
                return f"item {number} of {len(expected)}: {mismatch}"
        return None
    return _compare(result, expected, rtol, atol, case)


def judge(name, hidden, cases, outcome):
    """(ok, message) for one exercise's outcome."""
    if outcome.get("called"):
        return False, (f"your code calls {outcome['called'][0]}, which this exercise asks you to "
                       "do without")
    error = outcome.get("error")
    if error == "not done":
        return False, "not done yet (the answer still raises NotImplementedError)"
    if error == "timeout":
        return False, f"the answer did not finish within {TIMEOUT} s"
    if error == "crashed":
        return False, "the answer stopped the Python process that ran it"
    if error:
        return False, f"the answer cell or the function raised {outcome.get('detail', error)}"
    results = outcome["results"]
    unreadable = next((r for r in results if isinstance(r, _Unreadable)), None)
    if unreadable:
        return False, f"expected numbers or arrays, received {unreadable.description}"
    if hidden.max_lines is not None:
        worst = max(outcome["lines"], default=0)
        if worst > hidden.max_lines:
            return False, (f"your function ran {worst} lines of Python on one test case (at "
                           f"most {hidden.max_lines} are needed): loop over fewer things")
    if hidden.judge:
        return hidden.judge(results, cases)
    for number, (case, result) in enumerate(zip(cases, results), 1):
        expected = hidden.reference(*copy.deepcopy(case))
        mismatch = compare(result, expected, hidden.rtol, hidden.atol, case)
        if mismatch:
            hint = next((h for slip, h in hidden.slips
                         if compare(result, slip(*copy.deepcopy(case)), 1e-9, 1e-12) is None), "")
            if not hint and hidden.exact and compare(result, expected, 1e-4, 1e-7) is None:
                hint = ("right to about five digits but not to round-off, as a numerical "
                        "derivative would be: derive the gradient by the chain rule")
            return False, (f"on hidden test {number} of {len(cases)}, {mismatch}"
                           + (f". Hint: {hint}" if hint else ""))
    return True, f"correct on all {len(cases)} hidden tests"


def grade_notebook(path, seed=None, only=None):
    """A Mark for every exercise of the lesson the file belongs to (or for those named in
    `only`)."""
    lesson = lesson_of(path)
    tests, setup, submitted = hidden_tests(lesson), setup_cell(lesson), cells(path)
    rng = np.random.default_rng(seed)
    marks = []
    for name, hidden in tests.items():
        if only is not None and name not in only:
            continue
        answer = answer_cell(submitted, name)
        if answer is None:
            marks.append(Mark(name, 0, hidden.points, f"no cell defines {name}()"))
            continue
        cases = hidden.cases(rng)
        ok, message = judge(name, hidden, cases, run_answer(setup, answer, name, hidden, cases))
        marks.append(Mark(name, hidden.points if ok else 0, hidden.points, message))
    return marks


def graded_cells(notebook_cells):
    """{exercise function: (grade id of its answer cell, grade id of its check cell)} in a notebook
    made from a graded edition (nbgrader keeps the cells' metadata in a submission)."""
    def nbgrader(cell):
        return cell.get("metadata", {}).get("nbgrader", {})

    found = {}
    for index, cell in enumerate(notebook_cells):
        if cell["cell_type"] != "code" or not nbgrader(cell).get("solution"):
            continue
        check = next((c for c in notebook_cells[index + 1:]
                      if nbgrader(c).get("grade") and not nbgrader(c).get("solution")), None)
        for line in source(cell).split("\n"):
            if line.startswith("def ") and check is not None:
                found[line[4:].split("(")[0].strip()] = (nbgrader(cell)["grade_id"],
                                                         nbgrader(check)["grade_id"])
    return found


def record_in_gradebook(course, assignment, student, path, marks):
    """Write the marks into the course's nbgrader gradebook: each exercise's check cell gets the
    hidden test's points as its score (formgrader and `nbgrader export` then show them) and its
    answer cell the grader's message as a comment. `nbgrader autograde` must have run first."""
    from nbgrader.api import Gradebook, MissingEntry

    cells = graded_cells(json.loads(Path(path).read_text(encoding="utf-8"))["cells"])
    with Gradebook(f"sqlite:///{Path(course).resolve() / 'gradebook.db'}") as gradebook:
        for mark in marks:
            if mark.exercise not in cells:
                continue
            answer_id, check_id = cells[mark.exercise]
            try:
                grade = gradebook.find_grade(check_id, path.stem, assignment, student)
                comment = gradebook.find_comment(answer_id, path.stem, assignment, student)
            except MissingEntry:
                raise SystemExit(f"{student}'s {path.name} is not in the gradebook: run "
                                 f"nbgrader autograde {assignment} first") from None
            grade.manual_score = min(mark.points, grade.max_score)
            comment.manual_comment = f"Hidden tests: {mark.message}"
        gradebook.db.commit()


def submissions(course, assignment):
    """(student, notebook path) for every submitted notebook of an nbgrader course."""
    for folder in sorted((Path(course) / "submitted").glob(f"*/{assignment}")):
        for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
            yield folder.parent.name, path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--course", type=Path, help="an nbgrader course folder")
    parser.add_argument("--assignment", help="the assignment's name in the course")
    parser.add_argument("--csv", type=Path, help="write one row per student, notebook, exercise")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, help="draw the same hidden inputs again")
    parser.add_argument("--gradebook", action="store_true",
                        help="with --course: also write the points into nbgrader's gradebook, "
                             "as the scores of the check cells (after nbgrader autograde)")
    args = parser.parse_args(argv)
    work = [("", path) for path in args.notebooks]
    if args.course:
        if not args.assignment:
            parser.error("--course needs --assignment")
        work += list(submissions(args.course, args.assignment))
    if not work:
        parser.error("nothing to grade: name notebooks, or --course and --assignment")
    if args.gradebook and not args.course:
        parser.error("--gradebook needs --course and --assignment")
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        graded = list(pool.map(lambda item: (*item, grade_notebook(item[1], args.seed)), work))
    rows = []
    for student, path, marks in graded:
        total, possible = sum(m.points for m in marks), sum(m.max_points for m in marks)
        print(f"{student + ': ' if student else ''}{path.name}: {total:g} of {possible:g} points")
        if args.gradebook and student:
            record_in_gradebook(args.course, args.assignment, student, path, marks)
        for m in marks:
            print(f"  {m.exercise}: {m.points:g}/{m.max_points:g}  {m.message}")
            rows.append({"student": student, "notebook": path.name, "exercise": m.exercise,
                         "points": m.points, "max_points": m.max_points, "message": m.message})
    if args.csv:
        with tempfile.NamedTemporaryFile("w", newline="", dir=args.csv.parent or ".",
                                         delete=False, suffix=".tmp") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        os.replace(f.name, args.csv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
