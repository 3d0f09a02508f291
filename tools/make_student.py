"""Write the student edition of every lesson: each exercise's solution replaced by a placeholder,
the exercise cells' outputs cleared, everything else (other cells' outputs included) kept.

Usage:
    python tools/make_student.py [--out DIR] [NOTEBOOK ...]
        default: every notebooks/[0-9]*.ipynb, written into student/ under the same file names
    python tools/make_student.py --nbgrader [--out DIR] [NOTEBOOK ...]
        the lessons with their solutions, plus the cell metadata nbgrader needs
        (default folder: student/nbgrader-source/); see docs/teaching.md

A solution region follows nbgrader's convention: the lines from `### BEGIN SOLUTION` to
`### END SOLUTION` (markers included) become, at the indentation of the BEGIN line,

        # YOUR CODE HERE
        raise NotImplementedError("exercise: complete relu_grad()")

naming the function the region sits in (in a markdown cell: "YOUR ANSWER HERE"). Solution cells
(tag `solution`, or any cell with a region) and check cells (tag `check`, or any cell that calls
check_function / check_value / check_that) lose their outputs and execution counts. A solution cell
whose placeholder would run at top level, not inside a function, gets the tag `raises-exception`,
so that Jupyter's Run All and nbval carry on past it.

A notebook is refused, with the cell named, when a BEGIN has no END or an END no BEGIN, regions are
nested, a marker line carries other text (nbgrader would not see it, and the solution would leak),
a `solution` cell has no region, a student cell is not valid Python, or the notebook has no
exercise at all. Nothing is written unless every notebook passes; each file is written atomically.
"""

import argparse
import ast
import copy
import os
import re
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
STUDENT = ROOT / "student"

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CODE_STUB = ["# YOUR CODE HERE", 'raise NotImplementedError("exercise: complete {hint}")']
TEXT_STUB = ["YOUR ANSWER HERE"]
CHECKS = {"check_function", "check_value", "check_that"}  # the checks of nnlib.exercises

_MARKER_LIKE = re.compile(r"^#+\s*(BEGIN|END)\s+SOLUTION\b", re.IGNORECASE)
_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+(\w+)")
_CHECK_CALL = re.compile(r"\b(?:" + "|".join(sorted(CHECKS)) + r")\s*\(")


class StudentEditionError(ValueError):
    """A notebook whose exercises do not follow the convention; the message names the cell."""


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def _where(index, cell):
    first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    first = first if len(first) <= 50 else first[:47] + "..."
    return f"cell {index} ({cell.cell_type}, starting {first!r})"


def _parse(source):
    """The cell's syntax tree; IPython syntax (%magic, !shell) is translated first when needed."""
    try:
        return ast.parse(source)
    except SyntaxError as error:
        try:
            from IPython.core.inputtransformer2 import TransformerManager
        except ImportError:
            raise error from None
    return ast.parse(TransformerManager().transform_cell(source))


def _hint(lines, marker_index, indent):
    """The function the solution region sits in: the nearest `def` above, indented less."""
    for line in reversed(lines[:marker_index]):
        match = _DEF.match(line)
        if match and len(match.group(1)) < len(indent):
            return f"{match.group(2)}()"
    return "this cell"


def clear_regions(source, cell_type="code"):
    """Replace each solution region of a cell's source by the stub.

    Returns (new source, list of hints, one per region, line numbers (1-based) of the `raise`
    lines in the new source). Raises StudentEditionError on a malformed region.
    """
    lines = source.split("\n")
    new, hints, raise_lines = [], [], []
    begin_line = None
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped == BEGIN:
            if begin_line is not None:
                raise StudentEditionError(f"line {number}: a second {BEGIN!r} before the "
                                          f"{END!r} of the one on line {begin_line} (regions "
                                          "cannot be nested)")
            begin_line = number
            indent = line[: line.index(BEGIN)]
            if cell_type == "code":
                hint = _hint(lines, number - 1, indent)
                hints.append(hint)
                stub = [s.format(hint=hint) for s in CODE_STUB]
                raise_lines.append(len(new) + len(stub))
            else:
                hints.append("text")
                stub = TEXT_STUB
            new.extend(indent + s for s in stub)
        elif stripped == END:
            if begin_line is None:
                raise StudentEditionError(f"line {number}: {END!r} without a {BEGIN!r} above it")
            begin_line = None
        elif _MARKER_LIKE.match(stripped):
            raise StudentEditionError(f"line {number}: {stripped!r} looks like a solution marker "
                                      f"but is not exactly {BEGIN!r} or {END!r}; write the marker "
                                      "alone on its line (other text hides it from the tools)")
        elif begin_line is None:
            new.append(line)
    if begin_line is not None:
        raise StudentEditionError(f"line {begin_line}: {BEGIN!r} has no {END!r} after it")
    return "\n".join(new), hints, raise_lines


def calls_a_check(source):
    """Whether the code calls check_function, check_value or check_that (nnlib.exercises)."""
    try:
        tree = _parse(source)
    except SyntaxError:
        return bool(_CHECK_CALL.search(source))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in CHECKS:
                return True
    return False


def is_check(cell):
    return cell.cell_type == "code" and ("check" in tags(cell) or calls_a_check(cell.source))


def _raises_at_top_level(tree, raise_lines):
    """Whether one of the `raise` statements on `raise_lines` runs when the cell runs."""
    def visit(node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return False
        if isinstance(node, ast.Raise) and node.lineno in raise_lines:
            return True
        return any(visit(child) for child in ast.iter_child_nodes(node))
    return visit(tree)


def _defined_functions(source):
    try:
        tree = _parse(source)
    except SyntaxError:
        return set()
    return {node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _clear_outputs(cell):
    cell.outputs = []
    cell.execution_count = None


def analyse(nb):
    """The exercises of a lesson, checked against the convention (StudentEditionError if not).

    Returns a list of dicts, one per solution cell: index (0-based), hints, functions (names it
    defines), student_source, raises (whether the student cell raises at top level).
    """
    exercises = []
    for index, cell in enumerate(nb.cells):
        try:
            student, hints, raise_lines = clear_regions(cell.source, cell.cell_type)
        except StudentEditionError as error:
            raise StudentEditionError(f"{_where(index + 1, cell)}: {error}") from None
        if "solution" in tags(cell) and not hints:
            raise StudentEditionError(f"{_where(index + 1, cell)} is tagged `solution` but has no "
                                      f"{BEGIN!r} ... {END!r} region")
        if not hints:
            continue
        exercise = {"index": index, "hints": hints, "student_source": student, "raises": False,
                    "functions": set()}
        if cell.cell_type == "code":
            try:
                tree = _parse(student)
            except SyntaxError as error:
                raise StudentEditionError(
                    f"{_where(index + 1, cell)}: without its solution the cell is not valid "
                    f"Python (line {error.lineno}: {error.msg}); indent each marker like the "
                    "code it encloses") from None
            exercise["raises"] = _raises_at_top_level(tree, raise_lines)
            exercise["functions"] = _defined_functions(cell.source)
        exercises.append(exercise)
    if not any(cell.cell_type == "code" for cell in (nb.cells[e["index"]] for e in exercises)):
        raise StudentEditionError(f"no exercise: no code cell has a {BEGIN!r} ... {END!r} region")
    return exercises


def uses_of_exercise_functions(nb, exercises):
    """(cell index, name) for each ordinary cell that calls an exercise's function: in the student
    edition such a cell stops Run All, since that function only raises NotImplementedError."""
    found = []
    solution_cells = {e["index"] for e in exercises}
    for exercise in exercises:
        for index in range(exercise["index"] + 1, len(nb.cells)):
            cell = nb.cells[index]
            if cell.cell_type != "code" or index in solution_cells or is_check(cell):
                continue
            try:
                tree = _parse(cell.source)
            except SyntaxError:
                continue
            names = {node.id for node in ast.walk(tree)
                     if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
            found.extend((index, name) for name in sorted(exercise["functions"] & names))
    return found


def student_edition(nb, exercises=None):
    """The student edition of a lesson (a new notebook; `nb` is not changed)."""
    exercises = analyse(nb) if exercises is None else exercises
    student = copy.deepcopy(nb)
    for exercise in exercises:
        cell = student.cells[exercise["index"]]
        cell.source = exercise["student_source"]
        if cell.cell_type == "code":
            _clear_outputs(cell)
            if exercise["raises"] and "raises-exception" not in tags(cell):
                cell.metadata.setdefault("tags", []).append("raises-exception")
    for cell in student.cells:
        if is_check(cell):
            _clear_outputs(cell)
    return student


def nbgrader_source(nb, lesson="lesson", exercises=None):
    """The lesson with its solutions, and nbgrader's cell metadata: each solution cell an
    "autograded answer", each check cell an "autograder test" worth one point (grading needs
    NNLIB_STRICT_CHECKS=1 in the environment, so that a check that does not pass raises)."""
    exercises = analyse(nb) if exercises is None else exercises
    source = copy.deepcopy(nb)
    prefix = re.sub(r"[^A-Za-z0-9_-]", "_", lesson)
    for number, exercise in enumerate(exercises, 1):
        cell = source.cells[exercise["index"]]
        cell.metadata["nbgrader"] = {
            "grade": False, "grade_id": f"{prefix}-exercise{number}", "locked": False,
            "schema_version": 3, "solution": True, "task": False}
    for number, cell in enumerate((c for c in source.cells if is_check(c)), 1):
        cell.metadata["nbgrader"] = {
            "grade": True, "grade_id": f"{prefix}-check{number}", "locked": True, "points": 1,
            "schema_version": 3, "solution": False, "task": False}
    return source


def write_atomically(nb, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False,
                                     encoding="utf-8") as tmp:
        try:
            nbformat.write(nb, tmp)
        except BaseException:
            tmp.close()
            os.unlink(tmp.name)
            raise
    os.replace(tmp.name, path)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Write the student editions of the lessons (solutions replaced by "
                    "placeholders, exercise outputs cleared).")
    parser.add_argument("notebooks", nargs="*", type=Path, metavar="NOTEBOOK",
                        help="lesson notebooks (default: notebooks/[0-9]*.ipynb)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="output folder (default: student/, or student/nbgrader-source/)")
    parser.add_argument("--nbgrader", action="store_true",
                        help="write nbgrader source notebooks (solutions kept, nbgrader cell "
                             "metadata added) instead of student editions")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    out = args.out or (STUDENT / "nbgrader-source" if args.nbgrader else STUDENT)
    if not paths:
        print(f"make_student: error: no lesson notebooks (files like 01_name.ipynb) in "
              f"{NOTEBOOKS}", file=sys.stderr)
        return 1

    results, errors = [], []
    for path in paths:
        target = out / path.name
        try:
            if target.resolve() == path.resolve():
                raise StudentEditionError(f"the output {target} is the lesson itself; choose "
                                          "another --out folder")
            nb = nbformat.read(path, as_version=4)
            exercises = analyse(nb)
            if args.nbgrader:
                edition = nbgrader_source(nb, lesson=path.stem, exercises=exercises)
            else:
                edition = student_edition(nb, exercises)
            for index, name in uses_of_exercise_functions(nb, exercises):
                print(f"make_student: warning: {path}: {_where(index + 1, nb.cells[index])} "
                      f"calls {name}(), an exercise: in the student edition it stops there",
                      file=sys.stderr)
        except (OSError, ValueError) as error:  # nbformat's reading errors are ValueErrors
            errors.append(f"{path}: {error}")
            continue
        count = sum(nb.cells[e["index"]].cell_type == "code" for e in exercises)
        results.append((edition, target, count))
    for error in errors:
        print(f"make_student: error: {error}", file=sys.stderr)
    if errors:
        print("make_student: nothing written", file=sys.stderr)
        return 1
    for edition, target, count in results:
        write_atomically(edition, target)
        print(f"{target}: {count} exercise{'s' * (count != 1)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
