"""The hand-out (tools/make_handout.py): students get the library as a wheel, the student editions
and the MNIST file, and no worked solution; a lesson runs from it with nnlib installed from the
wheel alone (not from this clone), and finds the MNIST file."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from test_student import ROOT, make_student

TOOL = ROOT / "tools" / "make_handout.py"


@pytest.fixture(scope="module")
def handout(tmp_path_factory):
    folder = tmp_path_factory.mktemp("given") / "handout"
    run = subprocess.run([sys.executable, str(TOOL), "--out", str(folder), "--lessons", "01",
                          "06"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    return folder


def test_the_handout_holds_the_wheel_the_student_editions_and_the_data_only(handout):
    files = sorted(str(p.relative_to(handout)) for p in handout.rglob("*") if p.is_file())
    (wheel,) = [f for f in files if f.endswith(".whl")]
    assert files == sorted(["LICENSE", "README.md", "data/README.md", "data/mnist.npz",
                            "data/names.txt", "data/shakespeare.txt",
                            "docs/notation.md", "lessons/01_neurons_and_activations.ipynb",
                            "lessons/06_mnist.ipynb", wheel])
    with zipfile.ZipFile(handout / wheel) as archive:
        packaged = archive.namelist()
    assert all(name.startswith(("nnlib/", "nnlib_lessons-")) for name in packaged), packaged
    for path in (handout / "lessons").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        text = "\n".join(cell.source for cell in nb.cells)
        assert make_student.BEGIN not in text and "docs/answers.md" not in text.replace(
            "[docs/answers.md](../docs/answers.md)", "")
        solutions = make_student.analyse(nbformat.read(ROOT / "notebooks" / path.name,
                                                       as_version=4))
        assert solutions and all("NotImplementedError" in nb.cells[e["index"]].source
                                 for e in solutions if nb.cells[e["index"]].cell_type == "code")


def test_a_lesson_runs_from_the_handout_with_nnlib_from_the_wheel(handout, tmp_path):
    (wheel,) = handout.glob("*.whl")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--target", str(site), str(wheel)], check=True, timeout=300)
    env = {key: value for key, value in os.environ.items() if key != "NNLIB_DATA"}
    env.update(PYTHONPATH=str(site), MPLBACKEND="Agg", HOME=str(tmp_path))
    lessons = handout / "lessons"
    probe = ("import nnlib, nnlib.data as d; (X, y), _, _ = d.load_mnist(); "
             "print(nnlib.__file__); print(X.shape)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=lessons, env=env, text=True,
                         capture_output=True, timeout=300, check=True).stdout.split("\n")
    assert Path(out[0]).is_relative_to(site) and out[1] == "(50000, 784)"
    script = ("import nbformat, nbclient, sys\n"
              "nb = nbformat.read(sys.argv[1], as_version=4)\n"
              "nbclient.NotebookClient(nb, timeout=300, allow_errors=True,"
              " resources={'metadata': {'path': '.'}}).execute()\n"
              "errors = [o.ename for c in nb.cells if c.cell_type == 'code'"
              " for o in c.outputs if o.output_type == 'error']\n"
              "checks = sum('[not done yet]' in o.get('text', '') for c in nb.cells"
              " if c.cell_type == 'code' for o in c.outputs)\n"
              "print(errors, checks)\n")
    run = subprocess.run([sys.executable, "-c", script, "01_neurons_and_activations.ipynb"],
                         cwd=lessons, env=env, text=True, capture_output=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "[] 4", run.stdout
