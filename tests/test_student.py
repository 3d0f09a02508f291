"""Student editions (tools/make_student.py) and the exercise convention of the lessons.

For the fixture notebook and for every lesson present in notebooks/: the student edition holds
none of the solution code and keeps every other cell with its outputs (test_wrong_answers.py runs
it, with each check reporting "[not done yet]"). For every lesson: at least two exercises,
each a solution cell followed by a check cell, and the stored check outputs all "[pass]" (nbval
re-runs the check cells, tagged nbval-check-output, so the solutions stay honest).

The editions are built in memory, so the tests can run in parallel (pytest-xdist).
"""

import ast
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
FIXTURE = ROOT / "tests" / "fixtures" / "exercise_fixture.ipynb"
LESSONS = sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
EDITIONS = [FIXTURE, *LESSONS]  # everything whose student edition is made and run


def load_tool(name):
    """tools/NAME.py as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_student = load_tool("make_student")


def ids(paths):
    return [path.stem for path in paths]


def read(path):
    return nbformat.read(path, as_version=4)


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def stdout(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def solution_only_lines(nb):
    """The lines (stripped) that occur inside solution regions and nowhere else in the notebook."""
    inside, outside = set(), set()
    for cell in nb.cells:
        in_region = False
        for line in cell.source.split("\n"):
            stripped = line.strip()
            if stripped in (make_student.BEGIN, make_student.END):
                in_region = stripped == make_student.BEGIN
            elif stripped:
                (inside if in_region else outside).add(stripped)
    return inside - outside


def notebook(*cells):
    return new_notebook(cells=list(cells))


def solution(source):
    cell = new_code_cell(source)
    cell.metadata["tags"] = ["solution"]
    return cell


EXERCISE = solution('def f(x):\n    """Twice x."""\n    ### BEGIN SOLUTION\n    return 2 * x\n'
                    '    ### END SOLUTION')


# --- the transformation, on small notebooks made here -------------------------------------------

def test_region_is_replaced_at_its_indentation_naming_the_function():
    source, hints, raise_lines = make_student.clear_regions(
        "def outer(z):\n"
        "    def inner(row):\n"
        "        for x in row:\n"
        "            ### BEGIN SOLUTION\n"
        "            print(x)\n"
        "            ### END SOLUTION\n"
        "    return inner(z)\n")
    assert source == ("def outer(z):\n"
                      "    def inner(row):\n"
                      "        for x in row:\n"
                      "            # YOUR CODE HERE\n"
                      '            raise NotImplementedError("exercise: complete inner()")\n'
                      "    return inner(z)\n")
    assert hints == ["inner()"] and raise_lines == [5]


def test_a_cell_with_two_regions():
    source, hints, _ = make_student.clear_regions(
        "def a():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n\n"
        "def b():\n    ### BEGIN SOLUTION\n    return 2\n    ### END SOLUTION\n")
    assert hints == ["a()", "b()"]
    assert "return 1" not in source and "return 2" not in source


def test_markdown_markers_may_be_html_comments_hidden_from_readers():
    source, hints, _ = make_student.clear_regions(
        "Why?\n\n<!-- ### BEGIN SOLUTION -->\nBecause.\n<!-- ### END SOLUTION -->\nMore.",
        "markdown")
    assert source == "Why?\n\nYOUR ANSWER HERE\nMore." and hints == ["text"]
    with pytest.raises(make_student.StudentEditionError, match="names a solution marker"):
        make_student.clear_regions("<!-- ### BEGIN SOLUTION -->\nx = 1\n### END SOLUTION")


def test_markdown_region_gets_nbgraders_text_stub():
    source, hints, _ = make_student.clear_regions(
        "Why?\n\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION\n", "markdown")
    assert source == "Why?\n\nYOUR ANSWER HERE\n" and hints == ["text"]


@pytest.mark.parametrize("source, message", [
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "has no '### END SOLUTION' after it"),
    ("def f():\n    return 1\n    ### END SOLUTION\n", "without a '### BEGIN SOLUTION' above it"),
    ("### BEGIN SOLUTION\nx = 1\n### BEGIN SOLUTION\nx = 2\n### END SOLUTION\n### END SOLUTION",
     "cannot be nested"),
    ("def f():\n    ### BEGIN SOLUTION: a hint\n    return 1\n    ### END SOLUTION\n",
     "names a solution marker"),
    ("def f():\n    ## begin solution\n    return 1\n    ## END SOLUTION\n",
     "names a solution marker"),
    # nbgrader takes any line containing a marker's words for a marker ("No end solution found")
    ("# the code between ### BEGIN SOLUTION and ### END SOLUTION is removed\n", "names a solution"),
])
def test_malformed_regions_are_refused(source, message):
    with pytest.raises(make_student.StudentEditionError, match=re.escape(message)):
        make_student.clear_regions(source)


def test_errors_name_the_cell():
    nb = notebook(new_markdown_cell("# T"), solution("def f():\n    ### BEGIN SOLUTION\n"))
    with pytest.raises(make_student.StudentEditionError,
                       match=r"^cell 2 \(code, starting 'def f\(\):'\): line 2: "):
        make_student.student_edition(nb)


def test_a_notebook_without_exercises_is_refused():
    nb = notebook(new_markdown_cell("# T\nSee the solutions."), new_code_cell("x = 1"))
    with pytest.raises(make_student.StudentEditionError, match="no exercise"):
        make_student.student_edition(nb)


def test_a_solution_cell_without_region_is_refused():
    with pytest.raises(make_student.StudentEditionError, match="tagged `solution` but has no"):
        make_student.student_edition(notebook(EXERCISE, solution("def g():\n    return 1")))


def test_a_region_that_leaves_invalid_python_is_refused():
    nb = notebook(solution("### BEGIN SOLUTION\ndef f(x):\n### END SOLUTION\n    return x"))
    with pytest.raises(make_student.StudentEditionError, match="not valid Python"):
        make_student.student_edition(nb)


def test_top_level_placeholder_gets_raises_exception_and_a_function_body_does_not():
    top = solution("import numpy as np\n%precision 3\nfor i in range(2):\n"
                   "    ### BEGIN SOLUTION\n    answer = i\n    ### END SOLUTION")
    student = make_student.student_edition(notebook(EXERCISE, top))
    assert "raises-exception" not in tags(student.cells[0])
    assert tags(student.cells[1]) == ["solution", "raises-exception"]
    assert "answer = i" not in student.cells[1].source


def test_check_cells_are_found_by_tag_or_by_call_and_lose_their_outputs():
    def ran(source, *cell_tags):
        cell = new_code_cell(source, execution_count=7,
                             outputs=[nbformat.v4.new_output("stream", text="[pass] f: ok\n")])
        cell.metadata["tags"] = list(cell_tags)
        return cell

    cells = [ran("from nnlib.course.exercises import check_value"), EXERCISE,
             ran("check_value(lambda: f(1), 2)"), ran("ex.check_that(f, t)"),
             ran("print('any')", "check"), ran("x = 1  # check_value( in a comment")]
    student = make_student.student_edition(notebook(*cells))
    kept = [(cell.execution_count, len(cell.outputs)) for cell in student.cells]
    assert kept == [(7, 1), (None, 0), (None, 0), (None, 0), (None, 0), (7, 1)]
    assert not EXERCISE.get("outputs") or EXERCISE.outputs == []  # the input was not changed


def test_ordinary_cells_calling_an_exercise_function_are_found():
    nb = notebook(new_code_cell("y = f(1)"), EXERCISE,
                  new_code_cell("check_value(lambda: f(1), 2)"),
                  new_code_cell("print(f(3))"), new_code_cell("g = 1\nf = None"))
    exercises = make_student.analyse(nb)
    assert make_student.uses_of_exercise_functions(nb, exercises) == [(3, "f")]


# --- the command --------------------------------------------------------------------------------

def test_command_writes_the_student_edition(tmp_path, capsys):
    assert make_student.main(["--out", str(tmp_path), str(FIXTURE)]) == 0
    assert capsys.readouterr().out == f"{tmp_path / FIXTURE.name}: 3 exercises\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [FIXTURE.name]  # no temporary file left
    written = read(tmp_path / FIXTURE.name)
    assert written.cells[5].source.endswith(
        'raise NotImplementedError("exercise: complete leaky()")')


def test_command_writes_nothing_when_one_notebook_is_bad(tmp_path, capsys):
    bad = tmp_path / "02_bad.ipynb"
    nbformat.write(notebook(solution("def f():\n    ### BEGIN SOLUTION\n    return 1")), bad)
    out = tmp_path / "out"
    assert make_student.main(["--out", str(out), str(FIXTURE), str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"make_student: error: {bad}: cell 1 (code, starting 'def f():'): line 2: " in err
    assert "nothing written" in err
    assert not out.exists()


def test_command_refuses_to_overwrite_the_lessons(tmp_path, capsys):
    assert make_student.main(["--out", str(FIXTURE.parent), str(FIXTURE)]) == 1
    assert "is the lesson itself" in capsys.readouterr().err


def test_command_without_lessons_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(make_student, "NOTEBOOKS", tmp_path)
    assert make_student.main(["--out", str(tmp_path / "out")]) == 1
    assert "no lesson notebooks" in capsys.readouterr().err


def test_command_warns_about_ordinary_cells_that_use_an_exercise(tmp_path, capsys):
    lesson = tmp_path / "01_x.ipynb"
    nbformat.write(notebook(EXERCISE, new_code_cell("print(f(2))")), lesson)
    assert make_student.main(["--out", str(tmp_path / "out"), str(lesson)]) == 0
    assert "calls f(), an exercise" in capsys.readouterr().err


def test_graded_edition_is_refused_while_the_repository_address_is_the_placeholder(tmp_path,
                                                                                  capsys):
    lesson = tmp_path / "01_x.ipynb"
    nb = read(FIXTURE)
    nb.cells.append(new_markdown_cell(f"From {make_student.PLACEHOLDER}nn-from-scratch."))
    nbformat.write(nb, lesson)
    out = tmp_path / "out"
    assert make_student.main(["--graded", "--out", str(out), str(lesson)]) == 1
    assert "python tools/set_repository.py URL" in capsys.readouterr().err
    assert not out.exists()
    assert make_student.main(["--graded", "--allow-placeholder", "--out", str(out),
                              str(lesson)]) == 0
    assert make_student.main(["--out", str(tmp_path / "student"), str(lesson)]) == 0


def test_graded_edition_keeps_solutions_and_adds_nbgraders_metadata(tmp_path):
    assert make_student.main(["--graded", "--out", str(tmp_path), str(FIXTURE)]) == 0
    nb = read(tmp_path / FIXTURE.name)
    kinds = {}
    for cell in nb.cells:
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        kinds.setdefault(grade_id.split("-")[1].rstrip("0123456789"), []).append(cell)
    assert sorted(kinds) == ["answer", "cell", "check"]
    assert len(kinds["answer"]) == 4 and len(kinds["check"]) == 3
    assert all(c.metadata["nbgrader"]["locked"] for c in kinds["cell"] + kinds["check"])
    code_answers = [c for c in kinds["answer"] if c.cell_type == "code"]
    assert "return np.where" in code_answers[0].source
    assert all(c.metadata["nbgrader"]["solution"] and not c.metadata["nbgrader"]["grade"]
               for c in code_answers)
    in_words = [c for c in kinds["answer"] if c.cell_type == "markdown"]
    assert in_words[0].metadata["nbgrader"]["grade"] and in_words[0].metadata["nbgrader"]["points"]
    assert [c.metadata["nbgrader"]["points"] for c in kinds["check"]] == [1, 1, 2]  # points:2
    for check in kinds["check"]:
        assert check.source.startswith(make_student.graded_header(read(FIXTURE)) + "\n")
        assert check.outputs == []


def test_each_edition_introduces_the_exercises_in_its_own_words():
    nb = read(FIXTURE)
    intro = next(c for c in nb.cells if make_student.INTRO_START in c.source)
    for edition, made in [("student", make_student.student_edition(nb)),
                          ("graded", make_student.graded_edition(nb))]:
        new = made.cells[nb.cells.index(intro)].source
        assert make_student.INTRO[edition] in new and "rewritten for each edition" not in new
        assert new.startswith("## Exercises") and "**Exercise 1.**" in new


@pytest.mark.parametrize("path", LESSONS, ids=ids(LESSONS))
def test_lessons_introduce_the_exercises_with_the_full_editions_text(path):
    intros = [paragraph for cell in read(path).cells if cell.cell_type == "markdown"
              for paragraph in cell.source.split("\n\n")
              if paragraph.startswith(make_student.INTRO_START)]
    assert intros == [make_student.INTRO["full"]]


def test_the_answers_page_has_a_section_for_every_lesson():
    answers = (ROOT / "docs" / "answers.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## Lesson (\d+)$", answers, re.M)
    assert sections == [str(int(path.name[:2])) for path in LESSONS]


def test_regenerating_never_destroys_edits(tmp_path, capsys):
    out = tmp_path / "student"
    target = out / FIXTURE.name
    assert make_student.main(["--out", str(out), str(FIXTURE)]) == 0
    assert target.stat().st_mode & 0o044 == 0o044  # readable by group and others
    untouched = read(target)
    untouched.cells[2].outputs = []  # running cells is not editing them: replaced
    nbformat.write(untouched, target)
    assert make_student.main(["--out", str(out), str(FIXTURE)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"{target}: 3 exercises"
    assert read(target).cells[2].outputs != []

    mine = read(target)
    mine.cells[5].source = mine.cells[5].source.replace("raise NotImplementedError", "return z #")
    nbformat.write(mine, target)
    assert make_student.main(["--out", str(out), str(FIXTURE)]) == 0  # the lesson is unchanged
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"{target}: kept as it is: it has your edits, and the lesson has not changed since it was "
        "written")
    assert not target.with_suffix(".new.ipynb").exists()

    changed = tmp_path / FIXTURE.name                # a new version of the lesson
    lesson = read(FIXTURE)
    lesson.cells[0].source += " (revised)"
    nbformat.write(lesson, changed)
    for _ in range(2):  # an unedited .new is replaced again, an edited one kept
        assert make_student.main(["--out", str(out), str(changed)]) == 0
        assert capsys.readouterr().out.splitlines()[-1] == (
            f"{target.with_suffix('.new.ipynb')}: 3 exercises (kept {target.name} as it is: it "
            "has your edits)")
        assert read(target).cells[5].source == mine.cells[5].source
    edited_new = read(target.with_suffix(".new.ipynb"))
    edited_new.cells[0].source += " (my notes)"
    nbformat.write(edited_new, target.with_suffix(".new.ipynb"))
    assert make_student.main(["--out", str(out), str(changed)]) == 0
    assert not (out / "exercise_fixture.new-2.ipynb").exists()   # nothing new to write
    lesson.cells[0].source += " (again)"
    nbformat.write(lesson, changed)
    assert make_student.main(["--out", str(out), str(changed)]) == 0
    assert (out / "exercise_fixture.new-2.ipynb").exists()
    assert read(target.with_suffix(".new.ipynb")).cells[0].source.endswith(" (my notes)")


def test_a_teachers_points_in_the_graded_edition_count_as_an_edit(tmp_path):
    assert make_student.main(["--graded", "--out", str(tmp_path), str(FIXTURE)]) == 0
    graded = read(tmp_path / FIXTURE.name)
    assert not make_student.edited(tmp_path / FIXTURE.name)
    check = next(c for c in graded.cells if c.metadata["nbgrader"]["grade_id"].endswith("check1"))
    check.metadata["nbgrader"]["points"] = 5
    nbformat.write(graded, tmp_path / FIXTURE.name)
    assert make_student.edited(tmp_path / FIXTURE.name)


def test_a_file_not_written_by_the_tool_counts_as_edited(tmp_path):
    stranger = tmp_path / "x.ipynb"
    nbformat.write(notebook(new_code_cell("x = 1")), stranger)
    assert make_student.edited(stranger)
    assert make_student.free_place(stranger) == tmp_path / "x.new.ipynb"


# --- the fixture and every lesson: the student edition ------------------------------------------

@pytest.mark.parametrize("path", EDITIONS, ids=ids(EDITIONS))
def test_student_edition_holds_no_solution_code(path):
    nb = read(path)
    student = make_student.student_edition(nb)
    hidden = solution_only_lines(nb)
    assert hidden, "no solution lines found"
    lines = {line.strip() for cell in student.cells for line in cell.source.split("\n")}
    assert make_student.BEGIN not in lines and make_student.END not in lines
    assert sorted(hidden & lines) == []
    for exercise in make_student.analyse(nb):
        cell = student.cells[exercise["index"]]
        if cell.cell_type == "code":
            assert 'raise NotImplementedError("exercise: ' in cell.source


@pytest.mark.parametrize("path", EDITIONS, ids=ids(EDITIONS))
def test_student_edition_keeps_every_other_cell_and_its_outputs(path):
    nb = read(path)
    student = make_student.student_edition(nb)
    assert len(student.cells) == len(nb.cells)
    exercise_cells = {e["index"] for e in make_student.analyse(nb)}
    checks = 0
    for index, (cell, copy) in enumerate(zip(nb.cells, student.cells)):
        if index in exercise_cells:
            assert copy.cell_type == cell.cell_type
            continue
        want = make_student.set_intro(cell.source, "student")  # only the intro is rewritten
        assert copy.source == want, f"cell {index + 1} changed"
        assert copy.cell_type == cell.cell_type and copy.metadata == cell.metadata
        if make_student.is_check(cell):
            checks += 1
            assert copy.outputs == [] and copy.execution_count is None
        elif cell.cell_type == "code":
            assert copy.outputs == cell.outputs, f"cell {index + 1} lost its outputs"
            assert copy.execution_count == cell.execution_count
    assert checks >= 2


def execute(nb, monkeypatch):
    """Run `nb` in place in a fresh kernel, working directory notebooks/, one BLAS thread."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(name, "1")
    monkeypatch.delenv("NNLIB_STRICT_CHECKS", raising=False)
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()


# test_wrong_answers.py runs every student edition (with wrong answers appended).


# --- every lesson: the exercise convention ------------------------------------------------------

ALLOWED_AT_TOP = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)


@pytest.mark.parametrize("path", LESSONS, ids=ids(LESSONS))
def test_lesson_has_two_or_more_exercises_each_with_a_solution_and_a_check(path):
    nb = read(path)
    exercises = [e for e in make_student.analyse(nb) if nb.cells[e["index"]].cell_type == "code"]
    assert len(exercises) >= 2, f"{len(exercises)} exercise(s); the lessons have 2 to 4"
    starts = [e["index"] for e in exercises] + [len(nb.cells)]
    for exercise, end in zip(exercises, starts[1:]):
        cell = nb.cells[exercise["index"]]
        where = f"cell {exercise['index'] + 1}"
        assert "solution" in tags(cell), f"{where}: a solution cell is tagged `solution`"
        body = make_student._parse(cell.source).body
        extra = [type(node).__name__ for node in body if not isinstance(node, ALLOWED_AT_TOP)
                 and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
        assert extra == [], f"{where}: a solution cell only defines functions"
        assert exercise["functions"], f"{where}: a solution cell defines the exercise's function"
        assert not exercise["raises"]
        checks = [nb.cells[i] for i in range(exercise["index"] + 1, end)
                  if make_student.is_check(nb.cells[i])]
        used = {node.id for check in checks for node in ast.walk(make_student._parse(check.source))
                if isinstance(node, ast.Name)}
        assert exercise["functions"] & used, f"{where}: no check cell after it calls its function"
        for check in checks:
            assert {"check", "nbval-check-output"} <= set(tags(check)), \
                f"{where}: its check cells are tagged `check` and `nbval-check-output`"


@pytest.mark.parametrize("path", LESSONS, ids=ids(LESSONS))
def test_no_ordinary_cell_calls_an_exercise_function(path):
    """Otherwise the student edition stops at that cell: only check cells may call them."""
    nb = read(path)
    assert make_student.uses_of_exercise_functions(nb, make_student.analyse(nb)) == []


@pytest.mark.parametrize("path", EDITIONS, ids=ids(EDITIONS))
def test_stored_check_outputs_all_pass(path):
    nb = read(path)
    failing = {}
    for index, cell in enumerate(nb.cells, 1):
        if make_student.is_check(cell):
            lines = stdout(cell).splitlines()
            if not lines or not all(line.startswith("[pass] ") for line in lines):
                failing[index] = stdout(cell)
    assert not failing, ("check cells whose stored output is not [pass] (run the notebook "
                         f"again, top to bottom): {failing}")


def test_solution_only_lines_ignores_lines_that_also_occur_outside_the_solutions():
    assert solution_only_lines(notebook(EXERCISE)) == {"return 2 * x"}
    assert solution_only_lines(notebook(EXERCISE, new_code_cell("return 2 * x"))) == set()


@pytest.mark.parametrize("path", LESSONS, ids=ids(LESSONS))
def test_grading_guide_has_every_exercise_its_points_key_and_rubric(path, tmp_path):
    assert make_student.main(["--guide", "--out", str(tmp_path), str(path)]) == 0
    guide = (tmp_path / f"{path.stem}.md").read_text(encoding="utf-8")
    nb = read(path)
    exercises = make_student.analyse(nb)
    assert guide.count("\n## ") == len(exercises)
    for exercise in exercises:
        cell = nb.cells[exercise["index"]]
        key = make_student._region(make_student.set_intro(cell.source, "full"))
        assert key and key in guide
        rubric = cell.metadata.get("rubric", [])
        if rubric:   # "N point(s): what earns them", adding up to the cell's points
            assert sum(int(item.split(" point")[0]) for item in rubric) == make_student.points(cell)
            assert all(item in guide for item in rubric)
    worth = [make_student.points(nb.cells[e["index"]]) if nb.cells[e["index"]].cell_type ==
             "markdown" else make_student.points(next(c for c in nb.cells[e["index"] + 1:]
                                                      if make_student.is_check(c)))
             for e in exercises]
    assert f"In all: {sum(worth):g} point" in guide
