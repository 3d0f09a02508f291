"""The repository's URL is set in one place (pyproject.toml) and copied by tools/set_repository.py
to the README's install line and to every lesson's set-up cell for hosted notebooks."""

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
spec = importlib.util.spec_from_file_location("set_repository",
                                              ROOT / "tools" / "set_repository.py")
set_repository = importlib.util.module_from_spec(spec)
spec.loader.exec_module(set_repository)
URL = set_repository.repository_url()


def test_the_url_is_named_once_in_pyproject_and_copied_to_the_readme():
    assert re.fullmatch(r"https://\S+", URL)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert pyproject.count(URL) == 1
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f'pip install "nnlib-lessons @ git+{URL}"' in readme
    assert "pip install nnlib`" not in readme.replace("never `pip install nnlib`", "")


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_starts_with_the_set_up_cell(path):
    nb = nbformat.read(path, as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.source == set_repository.setup_source(URL), (
        "the first code cell is not the set-up cell for hosted notebooks: run "
        f"python tools/set_repository.py --notebook {path.relative_to(ROOT)}")


def test_set_up_cell_is_added_once_then_updated():
    nb = new_notebook(cells=[new_markdown_cell("# T"), new_code_cell("import numpy as np")])
    assert set_repository.with_setup_cell(nb, "https://example.org/a")
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code"]
    assert "https://example.org/a" in nb.cells[1].source
    assert not set_repository.with_setup_cell(nb, "https://example.org/a")
    assert set_repository.with_setup_cell(nb, "https://example.org/b")
    assert len(nb.cells) == 3 and "https://example.org/b" in nb.cells[1].source
    compile(nb.cells[1].source, "set-up cell", "exec")


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_ends_with_its_licence_and_attribution(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[-1].source == set_repository.ATTRIBUTION.format(url=URL), (
        f"run python tools/set_repository.py --notebook {path.relative_to(ROOT)}")
    tagged = [c for c in nb.cells if "attribution" in c.metadata.get("tags", [])]
    assert tagged == [nb.cells[-1]]


def test_attribution_cell_is_added_once_then_updated():
    nb = new_notebook(cells=[new_markdown_cell("# T"), new_code_cell("x = 1")])
    assert set_repository.with_attribution_cell(nb, "https://example.org/a")
    assert not set_repository.with_attribution_cell(nb, "https://example.org/a")
    assert set_repository.with_attribution_cell(nb, "https://example.org/b")
    assert len(nb.cells) == 3 and "(https://example.org/b)" in nb.cells[-1].source
    assert "CC BY 4.0" in nb.cells[-1].source and "MIT" in nb.cells[-1].source
