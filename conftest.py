"""pytest's set-up for the whole repository, so that `python -m pytest` alone (without make, e.g.
on Windows) runs the tests as CI does: one BLAS thread per process. Matrix products then give the
same last digits as the stored notebook outputs, and two test workers (pytest -n 2) do not fight
over the cores. The variables are set before NumPy is first imported, and the notebook kernels
that nbval starts inherit them; a value already set in the environment wins."""

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")


def _start_order(item):
    """Longest first, so that two workers finish together: the student editions (every lesson run
    once more), nbgrader, the grader's hidden tests, then the lessons from the last (the longest)
    to the first, then the unit tests."""
    path = item.path
    if path.suffix == ".ipynb":
        return 2, -int(path.name[:2]) if path.name[:2].isdigit() else 0
    return {"test_wrong_answers.py": (0, 0), "test_nbgrader.py": (1, 0),
            "test_grading.py": (1, 1)}.get(path.name, (3, 0))


def pytest_collection_modifyitems(items):
    """Run the longest test files first (with `--dist loadfile --no-loadscope-reorder`, each file
    goes to one worker in this order); the order within a file is kept (sorting is stable)."""
    items.sort(key=_start_order)
