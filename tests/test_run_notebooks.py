"""The notebook runner stores what a reader should see: progress bars as their final line of plain
output, no empty stderr strips, real warnings kept, and the kernelspec JupyterLab writes."""

import importlib.util
from pathlib import Path

import nbformat

SPEC = importlib.util.spec_from_file_location(
    "run_notebooks", Path(__file__).resolve().parent.parent / "tools" / "run_notebooks.py")
run_notebooks = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(run_notebooks)


def stream(name, text):
    return nbformat.v4.new_output("stream", name=name, text=text)


def test_a_progress_bar_becomes_its_final_line_of_plain_output():
    outputs = [stream("stderr", "training:  50%|#    | 1/2\rtraining: 100%|#####| 2/2"),
               stream("stdout", "took 9 s\n"),
               stream("stderr", "\n")]                      # the newline the bar prints on close
    merged = run_notebooks.merged_streams(outputs)
    assert [(o.name, o.text) for o in merged] == [
        ("stdout", "training: 100%|#####| 2/2\ntook 9 s\n")]


def test_warnings_stay_on_stderr_and_empty_strips_go():
    outputs = [stream("stderr", "\n"), stream("stderr", "UserWarning: careful\n"),
               stream("stdout", "a"), stream("stdout", "b\n")]
    merged = run_notebooks.merged_streams(outputs)
    assert [(o.name, o.text) for o in merged] == [("stderr", "UserWarning: careful\n"),
                                                  ("stdout", "ab\n")]
    assert run_notebooks.merged_streams([stream("stderr", " \n")]) == []


def test_the_kernelspec_is_the_one_jupyterlab_writes():
    nb = nbformat.v4.new_notebook()
    run_notebooks.strip_noise(nb)
    assert nb.metadata["kernelspec"] == {"display_name": "Python 3 (ipykernel)",
                                         "language": "python", "name": "python3"}
