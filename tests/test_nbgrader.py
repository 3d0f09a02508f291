"""The graded edition with real nbgrader, as a teacher uses it (docs/teaching.md, "Grading with
nbgrader"): graded editions written by tools/make_student.py --graded into a course folder,
`nbgrader generate_assignment` for every lesson, then `nbgrader autograde` of three submissions of
the fixture and lesson 1: the full solutions (full marks), the released assignment untouched (zero)
and a partly wrong one that also rewrites a locked check cell (partial marks: nbgrader restores
the check, and strict mode fails it).

Takes about half a minute (autograde runs each submitted notebook in a fresh kernel).
"""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader import api as nbgrader_api  # installed by requirements.txt
from test_student import FIXTURE, LESSONS, load_tool, make_student, read

BIN = Path(sys.executable).parent
LESSON1 = LESSONS[0]


def nbgrader(course, *args):
    """Run `nbgrader ARGS` in the course folder; its output, or a failure that shows it."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("NNLIB_STRICT_CHECKS", None)  # the graded edition must not need it
    run = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{run.stdout}\n{run.stderr}"
    return run.stdout + run.stderr


def answer(nb, function, body):
    """Put `body` (lines of code) in place of the placeholder in the cell defining `function`."""
    cell = next(c for c in nb.cells if c.cell_type == "code" and f"def {function}(" in c.source)
    stub = next(line for line in cell.source.split("\n") if "raise NotImplementedError" in line)
    indent = stub[: len(stub) - len(stub.lstrip())]
    cell.source = cell.source.replace(stub, "\n".join(indent + line for line in body))


def scores(course, student):
    """{notebook: {grade_id: (score, max_score)}} of a student's checks (autograder tests)."""
    with nbgrader_api.Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission("lesson", student)
        return {nb.name: {g.name: (g.score, g.max_score) for g in nb.grades
                          if g.cell.cell_type == "code"}
                for nb in submission.notebooks}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    (course / "nbgrader_config.py").write_text(
        'c = get_config()\nc.CourseDirectory.course_id = "nn"\n'
        "c.ExecutePreprocessor.timeout = 300\n")
    for path in LESSONS:  # every lesson's graded edition goes through generate_assignment
        assignment = f"lesson{path.name[:2]}"
        assert make_student.main(["--graded", "--allow-placeholder", "--out",
                                  str(course / "source" / assignment),
                                  str(path)]) == 0
        nbgrader(course, "generate_assignment", assignment)
        assert (course / "release" / assignment / path.name).exists()

    assert make_student.main(["--graded", "--allow-placeholder", "--out",
                              str(course / "source" / "lesson"),
                              str(FIXTURE), str(LESSON1)]) == 0
    nbgrader(course, "generate_assignment", "lesson")
    released = course / "release" / "lesson"

    def submit(student, folder, change=None):
        (course / "submitted" / student / "lesson").mkdir(parents=True)
        for path in (FIXTURE, LESSON1):
            nb = read(folder / path.name)
            if change:
                change(path, nb)
            nbformat.write(nb, course / "submitted" / student / "lesson" / path.name)
        nbgrader(course, "db", "student", "add", student)

    def partly_wrong(path, nb):
        if path == FIXTURE:
            answer(nb, "leaky", ["return np.where(z > 0, z, alpha * z)"])       # right
            answer(nb, "count_active", ["counts.append(int(np.sum(row >= 0)))"])  # wrong
            check = next(c for c in nb.cells if "dead_fraction(Z_test)" in c.source)
            check.source = 'print("[pass] dead_fraction")'  # a locked cell: restored
        else:
            answer(nb, "tanh_from_sigmoid", ["return 2 * activations.sigmoid(2 * z) - 1"])

    def cheats(path, nb):   # an answer cell that rewrites the checks in the student's kernel
        if path == LESSON1:
            cell = next(c for c in nb.cells if "def tanh_from_sigmoid(" in c.source)
            cell.source = "\n".join([
                "import importlib", "import nnlib.course.exercises as checks",
                "importlib.reload = lambda module: module",
                "checks.check_function = checks.check_that = checks.check_value = (",
                "    lambda *args, **kwargs: print('[pass]'))", "",
                "def tanh_from_sigmoid(z):", "    return np.tanh(z)"])

    submit("full", course / "source" / "lesson")
    submit("untouched", released)
    submit("partial", released, partly_wrong)
    submit("cheater", released, cheats)
    nbgrader(course, "autograde", "lesson")
    return course


def test_release_has_no_solution_and_locks_every_cell_but_the_answers(course):
    for path in (FIXTURE, *LESSONS):
        folder = "lesson" if path in (FIXTURE, LESSON1) else f"lesson{path.name[:2]}"
        released = read(course / "release" / folder / path.name)
        text = "\n".join(cell.source for cell in released.cells)
        assert "BEGIN SOLUTION" not in text and "NotImplementedError" in text
        unlocked = [c for c in released.cells if not c.metadata["nbgrader"].get("locked")]
        assert unlocked and all(c.metadata["nbgrader"]["solution"] for c in unlocked)


def test_full_solutions_score_full_marks(course):
    for name, grades in scores(course, "full").items():
        assert grades and all(score == top for score, top in grades.values()), (name, grades)


def test_untouched_assignment_scores_zero(course):
    for name, grades in scores(course, "untouched").items():
        assert grades and all(score == 0 for score, _ in grades.values()), (name, grades)


def test_partly_wrong_submission_scores_what_passes(course):
    got = scores(course, "partial")
    assert got["exercise_fixture"] == {"exercise_fixture-check1": (1, 1),
                                       "exercise_fixture-check2": (0, 1),
                                       "exercise_fixture-check3": (0, 2)}
    lesson1 = got[LESSON1.stem]
    assert lesson1[f"{LESSON1.stem}-check1"] == (1, 1)
    assert sum(score for score, _ in lesson1.values()) == 1


def test_answer_in_words_waits_for_the_teacher(course):
    with nbgrader_api.Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook("exercise_fixture", "lesson", "full")
        manual = [g for g in notebook.grades if g.cell.cell_type == "markdown"]
        assert [g.name for g in manual] == ["exercise_fixture-answer4"]
        assert manual[0].needs_manual_grade



def test_in_kernel_checks_can_be_fooled_and_the_hidden_tests_put_it_right(course):
    # Run last: it writes the hidden tests' points into the gradebook.
    fooled = scores(course, "cheater")[LESSON1.stem]
    assert all(score == top > 0 for score, top in fooled.values()), fooled
    honest = {student: scores(course, student) for student in ("full", "untouched", "partial")}
    grade = load_tool("grade")
    assert grade.main(["--course", str(course), "--assignment", "lesson", "--gradebook",
                       "--jobs", "2", "--seed", "0"]) == 0
    assert all(score == 0 for score, _ in scores(course, "cheater")[LESSON1.stem].values())
    for student, before in honest.items():              # honest work: graded as before
        assert scores(course, student) == before, student
