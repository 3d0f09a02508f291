"""Write the classroom editions of the lessons: the student edition (solutions replaced by
placeholders, the exercise cells' outputs cleared) or the graded edition (nbgrader's source).

Usage:
    python tools/make_student.py [--out DIR] [NOTEBOOK ...]
        student editions; default: every notebooks/[0-9]*.ipynb, written into student/
    python tools/make_student.py --graded [--out DIR] [NOTEBOOK ...]
        graded editions (default folder graded/): the solutions kept, every cell carrying the
        metadata nbgrader needs; see docs/teaching.md, "Grading with nbgrader"

A solution region follows nbgrader's convention: the lines from `### BEGIN SOLUTION` to
`### END SOLUTION` (markers included) become, at the indentation of the BEGIN line,

        # YOUR CODE HERE
        raise NotImplementedError("exercise: complete relu_grad()")

naming the function the region sits in (in a markdown cell: "YOUR ANSWER HERE"; there the markers
may also be written as HTML comments, `<!-- ### BEGIN SOLUTION -->`, which the rendered lesson
hides: an answer in words then reads as part of the full lesson). Solution cells
(tag `solution`, or any cell with a region) and check cells (tag `check`, or any cell that calls
check_function / check_value / check_that) lose their outputs and execution counts. A solution cell
whose placeholder would run at top level, not inside a function, gets the tag `raises-exception`,
so that Jupyter's Run All and nbval carry on past it. The paragraph that introduces the exercises
(it starts "Each exercise asks you to write a function") is rewritten to describe the edition.

The graded edition: each code solution cell is an nbgrader "autograded answer", each markdown
solution cell a "manually graded answer", each check cell a locked "autograder test" that starts
by loading the checks afresh and switching on strict mode (graded_header: a check that does not
pass fails the cell, whatever an answer cell did to the checks' names) and is worth the points of
its tag `points:N` (default 1); every other cell is locked ("read-only"), so that nbgrader restores
it before grading and the checks only depend on cells the student cannot change.

A notebook is refused, with the cell named, when a BEGIN has no END or an END no BEGIN, regions are
nested, a line names a marker without being one (nbgrader would take it for one), a `solution`
cell has no region, a student cell is not valid Python, or the notebook has no exercise at all.
Nothing is written unless every notebook passes; each file is written atomically, readable by
others.

Regenerating never destroys a learner's work: every edition records a fingerprint of its cells
(sources, tags, nbgrader settings); an existing file whose cells no longer match its fingerprint
(someone edited it) is kept as it is, and the new edition is written beside it as NAME.new.ipynb,
when the lesson has changed since that copy was made (otherwise there is nothing new to write).
"""

import argparse
import ast
import copy
import hashlib
import json
import os
import re
import sys
import tempfile
import textwrap
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
STUDENT = ROOT / "student"
GRADED = ROOT / "graded"
KEYS = ROOT / "keys"

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
# In markdown, a marker may be an HTML comment, which the rendered lesson does not show
HIDDEN_MARKERS = {f"<!-- {BEGIN} -->": BEGIN, f"<!-- {END} -->": END}
CODE_STUB = ["# YOUR CODE HERE", 'raise NotImplementedError("exercise: complete {hint}")']
TEXT_STUB = ["YOUR ANSWER HERE"]
CHECKS = {"check_function", "check_value", "check_that"}  # nnlib.course.exercises' checks
PLACEHOLDER = "https://github.com/OWNER/"  # pyproject.toml's address until set_repository.py

# nbgrader takes any line that contains "BEGIN SOLUTION" for a marker; a misspelt marker hides one
_MARKER_LIKE = re.compile(r"(BEGIN|END) SOLUTION|^#+\s*(begin|end)\s+solution\b", re.IGNORECASE)
CHECKS_MODULE = "nnlib.course.exercises"

INTRO_START = "Each exercise asks you to write a function"
INTRO = {
    "full": (
        "Each exercise asks you to write a function, and the check cell below it prints "
        "`[pass]`, `[FAIL]` with a hint at what is wrong, or `[not done yet]`. This is the full "
        "edition: each exercise's worked solution is already written in its cell, so try the "
        "exercise on paper or in a cell of your own before you read it. To work on the exercises "
        "with the solutions removed, use the student edition (`make student`, see the README)."),
    "student": (
        "Each exercise asks you to write a function. In this student edition its body is "
        "`raise NotImplementedError(...)`: replace that with your code, run the cell, then run "
        "the check below it. The check prints `[pass]`, `[FAIL]` with a hint at what is wrong, "
        "or `[not done yet]`. Once you have tried, compare with the worked solutions in the full "
        "lesson in `notebooks/`, and with [docs/answers.md](../docs/answers.md), which answers "
        "the questions the exercises ask."),
    "graded": (
        "Each exercise asks you to write a function: replace `raise NotImplementedError()` with "
        "your code, run the cell, then run the check below it. This is a graded assignment: a "
        "check that does not pass stops with an error, and each check cell earns its points "
        "only when it passes as the grader runs your notebook from the top. Write the answer "
        "yourself: an answer that only calls a ready-made version (such as `nnlib`'s own "
        "function, or a numerical derivative where a formula is asked for) earns nothing."),
}
_POINTS_TAG = re.compile(r"^points:(\d+(?:\.\d+)?)$")
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
        if cell_type == "markdown" and stripped in HIDDEN_MARKERS:  # a marker readers don't see
            stripped = HIDDEN_MARKERS[stripped]
        if stripped == BEGIN:
            if begin_line is not None:
                raise StudentEditionError(f"line {number}: a second {BEGIN!r} before the "
                                          f"{END!r} of the one on line {begin_line} (regions "
                                          "cannot be nested)")
            begin_line = number
            indent = line[: len(line) - len(line.lstrip())]
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
        elif _MARKER_LIKE.search(stripped):
            raise StudentEditionError(f"line {number}: {stripped!r} names a solution marker "
                                      f"but is not exactly {BEGIN!r} or {END!r}; write a marker "
                                      "alone on its line, and name none elsewhere (nbgrader "
                                      "takes any line that contains one for a marker)")
        elif begin_line is None:
            new.append(line)
    if begin_line is not None:
        raise StudentEditionError(f"line {begin_line}: {BEGIN!r} has no {END!r} after it")
    return "\n".join(new), hints, raise_lines


def calls_a_check(source):
    """Whether the code calls check_function, check_value or check_that (nnlib.course.exercises)."""
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


def set_intro(source, edition):
    """A markdown source with the paragraph that introduces the exercises (it starts with
    INTRO_START) replaced by the text for `edition` ("full", "student", "graded")."""
    paragraphs = source.split("\n\n")
    return "\n\n".join(INTRO[edition] if paragraph.startswith(INTRO_START) else paragraph
                       for paragraph in paragraphs)


def analyse(nb):
    """The exercises of a lesson, checked against the convention (StudentEditionError if not).

    Returns a list of dicts, one per solution cell: index (0-based), hints, functions (names it
    defines), student_source, raises (whether the student cell raises at top level). The
    introduction to the exercises is left out of the analysis: each edition rewrites it.
    """
    exercises = []
    for index, cell in enumerate(nb.cells):
        source = set_intro(cell.source, "full") if cell.cell_type == "markdown" else cell.source
        try:
            student, hints, raise_lines = clear_regions(source, cell.cell_type)
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


def _with_intro(nb, edition):
    copied = copy.deepcopy(nb)
    for cell in copied.cells:
        if cell.cell_type == "markdown":
            cell.source = set_intro(cell.source, edition)
    return copied


def student_edition(nb, exercises=None):
    """The student edition of a lesson (a new notebook; `nb` is not changed)."""
    exercises = analyse(nb) if exercises is None else exercises
    student = _with_intro(nb, "student")
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


def points(cell):
    """The points a graded cell is worth: its tag `points:N`, or 1."""
    found = [float(m.group(1)) for m in map(_POINTS_TAG.match, tags(cell)) if m]
    value = found[0] if found else 1
    return int(value) if value == int(value) else value


def graded_edition(nb, lesson="lesson", exercises=None):
    """The graded edition (nbgrader's source) of a lesson: the solutions kept, every cell with
    nbgrader's metadata. Grade ids start with `lesson` (made safe for nbgrader)."""
    exercises = analyse(nb) if exercises is None else exercises
    graded = _with_intro(nb, "graded")
    prefix = re.sub(r"[^A-Za-z0-9_-]", "_", lesson)
    answers = {e["index"] for e in exercises}
    n_answers = n_checks = 0
    header = graded_header(nb)

    def mark(cell, kind, number, **fields):
        cell.metadata["nbgrader"] = {"grade": False, "grade_id": f"{prefix}-{kind}{number}",
                                     "locked": False, "schema_version": 3, "solution": False,
                                     "task": False, **fields}

    for index, cell in enumerate(graded.cells):
        if index in answers and cell.cell_type == "code":
            n_answers += 1
            mark(cell, "answer", n_answers, solution=True)
        elif index in answers:  # a derivation in words: graded by hand
            n_answers += 1
            mark(cell, "answer", n_answers, solution=True, grade=True, points=points(cell))
        elif is_check(cell):
            n_checks += 1
            cell.source = header + "\n" + cell.source
            _clear_outputs(cell)
            mark(cell, "check", n_checks, grade=True, locked=True, points=points(cell))
        else:
            mark(cell, "cell", index + 1, locked=True)
    return graded


def _region(source):
    """The text between a cell's solution markers (the markers and HTML comments removed)."""
    lines, inside = [], False
    for line in source.split("\n"):
        marker = HIDDEN_MARKERS.get(line.strip(), line.strip())
        if marker in (BEGIN, END):
            inside = marker == BEGIN
        elif inside:
            lines.append(line)
    return textwrap.dedent("\n".join(lines)).strip("\n")


def _points_text(value):
    return f"{value:g} point{'' if value == 1 else 's'}"


def grading_guide(nb, lesson, exercises=None):
    """The teacher's grading guide of a lesson, in Markdown: each graded part with its points, how
    it is graded, and its answer key (the worked solution; for an answer in words, the rubric)."""
    exercises = analyse(nb) if exercises is None else exercises
    title = next((c.source.split("\n")[0].lstrip("# ") for c in nb.cells
                  if c.cell_type == "markdown" and c.source.startswith("# ")), lesson)
    lines, total = [f"# Grading guide: {title}", "",
                    f"For the teacher; do not hand out. Made from `notebooks/{lesson}.ipynb` by "
                    "`tools/make_student.py --guide`. Autograded parts are checked by the "
                    "lesson's check cells (nbgrader) and, with fresh inputs, by "
                    "`tools/grade.py` where the lesson has hidden tests.", ""], 0
    for number, exercise in enumerate(exercises, 1):
        cell = nb.cells[exercise["index"]]
        if cell.cell_type == "markdown":
            worth = points(cell)
            heading = cell.source.split("\n")[0].strip("* ").rstrip(".")
            lines += [f"## {number}. {heading} ({_points_text(worth)}, graded by hand)", "",
                      "**Answer key.**", "", _region(set_intro(cell.source, "full")), ""]
            rubric = cell.metadata.get("rubric", [])
            lines += ["**Rubric.**", "", *[f"- {item}" for item in rubric], ""] if rubric else [
                "**Rubric.** Full points for a complete, correct derivation; half for the right "
                "method with a slip.", ""]
        else:
            check = next((c for c in nb.cells[exercise["index"] + 1:] if is_check(c)), None)
            worth = points(check) if check is not None else 0
            names = ", ".join(f"`{name}`" for name in sorted(exercise["functions"]))
            lines += [f"## {number}. {names} ({_points_text(worth)}, autograded)", "",
                      "**Answer key** (one correct answer; the checks accept any that computes "
                      "the same results):", "", "```python", _region(cell.source), "```", ""]
        total += worth
    lines.insert(4, f"In all: {_points_text(total)}.")
    lines.insert(5, "")
    return "\n".join(lines).rstrip("\n") + "\n"


def graded_header(nb):
    """The lines that start each check cell of a graded edition: the checks module loaded afresh
    (undoing any change an answer cell made to it) and the check functions the lesson imports
    bound again (undoing any answer cell's redefinition), in strict mode."""
    names = {"strict_checks"}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = _parse(cell.source)
        except SyntaxError:
            continue
        names.update(alias.asname or alias.name for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module == CHECKS_MODULE
                     for alias in node.names)
    return (f"import importlib, {CHECKS_MODULE}  # graded: the checks afresh, failing loudly\n"
            f"importlib.reload({CHECKS_MODULE})\n"
            f"from {CHECKS_MODULE} import {', '.join(sorted(names))}\n"
            "strict_checks()")


def fingerprint(nb):
    """A digest of the cells' types, sources, tags and nbgrader settings: it changes when someone
    edits a cell (a teacher's points in nbgrader's toolbar included), not when cells are run."""
    digest = hashlib.sha256()
    for cell in nb.cells:
        settings = json.dumps([tags(cell), cell.get("metadata", {}).get("nbgrader")],
                              sort_keys=True)
        digest.update(f"{cell.cell_type}\0{cell.source}\0{settings}\0".encode())
    return digest.hexdigest()


def stamp(nb, edition, lesson):
    """Record in the notebook's metadata which edition it is and the fingerprint of its cells."""
    nb.metadata["nnlib_edition"] = {"edition": edition, "lesson": lesson,
                                    "fingerprint": fingerprint(nb)}
    return nb


def edited(path):
    """Whether the notebook at `path` has edits of its own: cells that differ from the edition
    that was written there (a file without a record counts as edited: it is not ours to replace).
    """
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return True
    record = nb.metadata.get("nnlib_edition", {})
    return record.get("fingerprint") != fingerprint(nb)


def recorded_fingerprint(path):
    """The fingerprint of the edition that was written at `path` (None if there is no record)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return None
    return nb.metadata.get("nnlib_edition", {}).get("fingerprint")


def already_written(target, edition):
    """The copy of `target` (itself, or a NAME.new*.ipynb beside it) that was written from this very
    edition, if any: the lesson has not changed since, so there is nothing new to write."""
    stem = target.name[: -len(".ipynb")]
    new = edition.metadata["nnlib_edition"]["fingerprint"]
    copies = [target, *sorted(target.parent.glob(f"{stem}.new*.ipynb"))]
    return next((path for path in copies if path.exists() and recorded_fingerprint(path) == new
                 and edited(path)), None)


def free_place(target):
    """Where to write a new edition of `target` without destroying edits: `target` itself when
    it is absent or unedited, else the first absent or unedited of NAME.new.ipynb,
    NAME.new-2.ipynb, ..."""
    stem = target.name[: -len(".ipynb")] if target.name.endswith(".ipynb") else target.name
    candidates = [target, target.with_name(f"{stem}.new.ipynb")]
    number = 2
    while True:
        for place in candidates:
            if not place.exists() or not edited(place):
                return place
        candidates = [target.with_name(f"{stem}.new-{number}.ipynb")]
        number += 1


def write_atomically(nb, path):
    """Write `nb` to `path` through a temporary file renamed into place, with the permissions of a
    newly created file (readable by others under the usual umask)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False,
                                     encoding="utf-8") as tmp:
        try:
            nbformat.write(nb, tmp)
        except BaseException:
            tmp.close()
            os.unlink(tmp.name)
            raise
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp.name, 0o666 & ~umask)
    os.replace(tmp.name, path)


def write_guides(paths, out):
    """Write each lesson's grading guide into `out`; nothing when a lesson is refused."""
    guides = []
    for path in paths:
        try:
            guides.append((out / f"{path.stem}.md",
                           grading_guide(nbformat.read(path, as_version=4), path.stem)))
        except (OSError, ValueError) as error:
            print(f"make_student: error: {path}: {error}\nmake_student: nothing written",
                  file=sys.stderr)
            return 1
    out.mkdir(parents=True, exist_ok=True)
    for target, text in guides:
        with tempfile.NamedTemporaryFile("w", dir=out, delete=False, suffix=".tmp",
                                         encoding="utf-8") as tmp:
            tmp.write(text)
        os.replace(tmp.name, target)
        print(f"{target}: grading guide")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Write the classroom editions of the lessons: the student edition "
                    "(solutions replaced by placeholders) or, with --graded, nbgrader's source.")
    parser.add_argument("notebooks", nargs="*", type=Path, metavar="NOTEBOOK",
                        help="lesson notebooks (default: notebooks/[0-9]*.ipynb)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="output folder (default: student/, or graded/ with --graded)")
    parser.add_argument("--graded", "--nbgrader", action="store_true",
                        help="write the graded editions (nbgrader source notebooks: solutions "
                             "kept, nbgrader cell metadata added) instead of student editions")
    parser.add_argument("--guide", action="store_true",
                        help="write the teacher's grading guides (answer keys, points, rubrics) "
                             "as NAME.md, into keys/ by default; keep them out of the course "
                             "folder, which nbgrader releases")
    parser.add_argument("--allow-placeholder", action="store_true",
                        help="write graded editions even though the repository's address is "
                             "still the placeholder (for a trial, not for release)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    edition_name = "graded" if args.graded else "student"
    out = args.out or (GRADED if args.graded else STUDENT)
    if args.guide:
        return write_guides(paths, args.out or KEYS)
    if not paths:
        print(f"make_student: error: no lesson notebooks (files like 01_name.ipynb) in "
              f"{NOTEBOOKS}", file=sys.stderr)
        return 1

    results, errors = [], []
    if args.graded and not args.allow_placeholder:
        errors += [f"{path}: the repository's address is still the placeholder {PLACEHOLDER}...; "
                   "before releasing, run python tools/set_repository.py URL with your copy's "
                   "address (or pass --allow-placeholder for a trial)"
                   for path in paths if PLACEHOLDER in path.read_text(encoding="utf-8")]
    for path in paths:
        target = out / path.name
        try:
            if target.resolve() == path.resolve():
                raise StudentEditionError(f"the output {target} is the lesson itself; choose "
                                          "another --out folder")
            nb = nbformat.read(path, as_version=4)
            exercises = analyse(nb)
            if args.graded:
                edition = graded_edition(nb, lesson=path.stem, exercises=exercises)
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
        results.append((stamp(edition, edition_name, path.stem), target, count))
    for error in errors:
        print(f"make_student: error: {error}", file=sys.stderr)
    if errors:
        print("make_student: nothing written", file=sys.stderr)
        return 1
    for edition, target, count in results:
        kept = already_written(target, edition)
        if kept is not None:
            print(f"{kept}: kept as it is: it has your edits, and the lesson has not changed "
                  "since it was written")
            continue
        place, note = free_place(target), ""
        if place != target:
            note = f" (kept {target.name} as it is: it has your edits)"
        write_atomically(edition, place)
        target = place
        print(f"{target}: {count} exercise{'s' * (count != 1)}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
