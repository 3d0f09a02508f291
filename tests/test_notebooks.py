"""The committed notebooks must read as finished chapters: executed once, top to bottom, in a
fresh kernel, with no error output and no run-to-run noise, and every figure described for readers
who cannot see it (alt text in its cell's metadata). (nbval re-executes them separately.)"""

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def problems(nb):
    found = []
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    counts = [c.get("execution_count") for c in code]
    if counts != list(range(1, len(code) + 1)):
        found.append(f"execution counts are {counts}, expected 1..{len(code)} (run top to bottom "
                     "in a fresh kernel: make notebooks)")
    for index, cell in enumerate(code, 1):
        tags = cell.get("metadata", {}).get("tags", [])
        for output in cell.get("outputs", []):
            if output["output_type"] == "error" and "raises-exception" not in tags:
                found.append(f"code cell {index} stores an error: {output.get('ename')}")
        if "execution" in cell.get("metadata", {}):
            found.append(f"code cell {index} has execution timestamps (make notebooks strips them)")
        figures = sum("image/png" in o.get("data", {}) for o in cell.get("outputs", []))
        alt = cell.get("metadata", {}).get("alt", "")
        if figures > 1:
            found.append(f"code cell {index} draws {figures} figures: one per cell, each with its "
                         "own alt text")
        if figures and not (isinstance(alt, str) and len(alt.split()) >= 10):
            found.append(f"code cell {index} draws a figure without alt text: say what it shows "
                         "in the cell's metadata, \"alt\"")
    if nb.get("metadata", {}).get("kernelspec", {}).get("name") != "python3":
        found.append("kernelspec is not python3")
    if "widgets" in nb.get("metadata", {}):
        found.append("widget state is stored")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_committed_notebook_was_run_cleanly(path):
    assert problems(json.loads(path.read_text(encoding="utf-8"))) == []


def test_the_check_catches_out_of_order_execution_and_errors():
    def cell(count, outputs=()):
        return {"cell_type": "code", "source": ["x = 1"], "execution_count": count,
                "metadata": {}, "outputs": list(outputs)}

    kernel = {"kernelspec": {"name": "python3"}}
    assert problems({"cells": [cell(1), cell(2)], "metadata": kernel}) == []
    assert problems({"cells": [cell(2), cell(1)], "metadata": kernel})
    assert problems({"cells": [cell(1), cell(None)], "metadata": kernel})
    error = {"output_type": "error", "ename": "ValueError"}
    assert problems({"cells": [cell(1, [error])], "metadata": kernel})
    figure = {"output_type": "display_data", "data": {"image/png": "iVBOR"}, "metadata": {}}
    assert problems({"cells": [cell(1, [figure])], "metadata": kernel})  # no alt text
    described = cell(1, [figure])
    described["metadata"]["alt"] = "Line chart of the loss against the step, from 2.3 to 0.1."
    assert problems({"cells": [described], "metadata": kernel}) == []
    described["outputs"].append(figure)
    assert problems({"cells": [described], "metadata": kernel})  # two figures, one alt
