"""The promises of the README and the teaching notes: the API table names what nnlib really has,
the lesson table lists every lesson notebook, and the notes name every exercise."""

import importlib
import inspect
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
API_ROWS = dict(re.findall(r"^\| `nnlib\.([\w.]+)` \| (.*)$", README, re.M))
MODULES = sorted(".".join(p.relative_to(ROOT / "nnlib").with_suffix("").parts)
                 for p in (ROOT / "nnlib").rglob("[a-z]*.py"))


def documented_names(row):
    """`name(...)` and `<name>_grad` entries of the row's 'Public names' column."""
    names = set(re.findall(r"`(\w+)", row.split(" | ")[0]))
    return {n for n in names if n != "name"}


def has_name(module, name):
    """A module-level name, or a method or instance attribute (`self.name = `) of its classes."""
    classes = [obj for obj in vars(module).values() if inspect.isclass(obj)]
    return name in vars(module) or any(
        hasattr(cls, name) or f"self.{name} =" in inspect.getsource(cls) for cls in classes
        if cls.__module__ == module.__name__)


def public_names(module):
    """Functions and classes defined in the module itself, not starting with an underscore."""
    return {name for name, obj in vars(module).items()
            if not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
            and obj.__module__ == module.__name__}


def test_every_module_has_a_row():
    assert sorted(API_ROWS) == MODULES


@pytest.mark.parametrize("name", MODULES)
def test_api_row_matches_module(name):
    module = importlib.import_module(f"nnlib.{name}")
    public = public_names(module)
    documented = documented_names(API_ROWS.get(name, ""))
    if "_grad`" in API_ROWS.get(name, ""):  # "each with `<name>_grad`"
        documented |= {f"{n}_grad" for n in documented if f"{n}_grad" in public}
    assert {n for n in documented if not has_name(module, n)} == set(), \
        "README names what the module lacks"
    assert public - documented == set(), "the module has public names the README omits"


def test_lesson_table_lists_every_notebook():
    listed = set(re.findall(r"\]\(notebooks/(\d\d_\w+\.ipynb)\)", README))
    assert listed == {p.name for p in (ROOT / "notebooks").glob("[0-9]*.ipynb")}


def test_teaching_notes_list_every_exercise():
    notes = (ROOT / "docs" / "teaching.md").read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        exercises = [name for cell in cells if "solution" in cell["metadata"].get("tags", [])
                     for name in re.findall(r"^def (\w+)", "".join(cell["source"]), re.M)]
        row = re.search(rf"^\| {int(path.name[:2])} \| `.*$", notes, re.M)
        assert row, f"docs/teaching.md has no exercise row for {path.name}"
        assert [n for n in exercises if f"`{n}`" not in row.group()] == [], path.name
