"""Re-execute the lesson notebooks in order, each in a fresh kernel, and store their outputs.

Usage: python tools/run_notebooks.py [NOTEBOOK ...]   (default: every notebooks/*.ipynb)

Each notebook runs with its own folder as the working directory. Execution timestamps and widget
state are stripped, so that a re-run changes a notebook's file only where an output changed. A
notebook is written back (atomically) only after it ran without an unexpected error.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def strip_noise(nb):
    """Remove what changes on every run without meaning anything."""
    nb.metadata.pop("widgets", None)
    # what current ipykernel writes, so that JupyterLab does not mark a fresh lesson as modified
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = merged_streams(cell.outputs)
            for output in cell.outputs:
                # widget views would point at state that was just removed
                output.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)


def merged_streams(outputs):
    """Join consecutive pieces of the same stream (how a print is split depends on timing), and
    keep only the final state of lines rewritten with carriage returns (progress bars).

    A progress bar (stderr with carriage returns) is stored as plain output ending in a newline,
    not as a warning; the newline a bar prints on stderr when it closes is dropped, and so is a
    stderr output left holding only whitespace."""
    kept = []
    for output in join_adjacent(outputs):
        if output.output_type == "stream":
            if "\r" in output.text:
                output.text = "\n".join(last_rewrite(line) for line in output.text.split("\n"))
                if output.name == "stderr":
                    output.name = "stdout"
                    output.text = output.text.rstrip("\n") + "\n"
            if output.name == "stderr":
                output.text = output.text.lstrip("\n")
                if not output.text.strip():
                    continue
        kept.append(output)
    return join_adjacent(kept)


def join_adjacent(outputs):
    """Join each run of consecutive outputs of the same stream into one."""
    joined = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (output.output_type == "stream" and previous is not None
                and previous.output_type == "stream" and previous.name == output.name):
            previous.text += output.text
        else:
            joined.append(output)
    return joined


def last_rewrite(line):
    """What a terminal shows of a line that a progress bar rewrote with carriage returns."""
    pieces = [piece for piece in line.split("\r") if piece]
    return pieces[-1] if pieces else ""


def run(path):
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    strip_noise(nb)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False,
                                     encoding="utf-8") as tmp:
        nbformat.write(nb, tmp)
    os.replace(tmp.name, path)
    return time.perf_counter() - start


def main(args):
    # One BLAS thread, as `make notebooks` and `make test` use: the stored timings and speed-ups
    # are then those of one core, and do not collapse when the other core is busy.
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    paths = [Path(a).resolve() for a in args] or sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    for path in paths:
        print(f"{path.name}: running ...", end=" ", flush=True)
        print(f"{run(path):.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
