"""The repository's URL lives in one place, pyproject.toml's [project.urls] Repository; this tool
copies it to where a hosted notebook or a reader needs it: the set-up cell of every lesson (added
as the lesson's first code cell when missing), its licence and attribution cell (added as its last
cell when missing) and the README's install line for hosted notebooks.

Usage:
    python tools/set_repository.py URL     set the URL in pyproject.toml, then copy it
    python tools/set_repository.py         copy pyproject.toml's URL (e.g. to a new lesson)

It writes notebooks, so it takes the notebooks' lock (/tmp/nnlib-notebooks.lock) itself where the
system has one (fcntl): do not run it under `flock`. Each notebook is read, changed and written at
once. `--notebook PATH` (repeatable) limits it to those lessons.
"""

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
README = ROOT / "README.md"
NOTEBOOKS = ROOT / "notebooks"
LOCK = Path("/tmp/nnlib-notebooks.lock")
DISTRIBUTION = "nnlib-lessons"

_URL_LINE = re.compile(r'^(Repository = ")([^"]*)(")$', re.M)
_README_LINE = re.compile(r'pip install "nnlib-lessons @ git\+[^"]*"')
SETUP_FIRST_LINE = "# Set-up for a hosted notebook (Colab and the like): installs nnlib if missing."
CLONE = "nn-from-scratch"  # the folder a hosted notebook clones the repository into
SETUP = SETUP_FIRST_LINE + """
# There it clones the repository (for its data and benchmark results too) and works from its
# notebooks/ folder; on your own machine, after the README's set-up, this cell does nothing.
import importlib.util
import os
import subprocess
import sys

if importlib.util.find_spec("nnlib") is None:
    REPOSITORY = "{url}"
    subprocess.run(["git", "clone", "--quiet", "--depth", "1", REPOSITORY, "{clone}"],
                   check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "./{clone}"],
                   check=True)
if os.path.isdir("{clone}/notebooks"):
    os.environ.setdefault("NNLIB_DATA", os.path.abspath("{clone}/data"))
    os.chdir("{clone}/notebooks")"""


ATTRIBUTION = """---

This lesson is part of [*Neural networks from scratch*]({url}). Its text and figures are under the
Creative Commons Attribution 4.0 licence (CC BY 4.0), its code under the MIT licence. The MNIST
data (by Yann LeCun, Corinna Cortes and Christopher J. C. Burges) are under CC BY-SA 3.0; the
list of names (Grady Ward's Moby Word II) and Shakespeare's plays are in the public domain. The
repository's LICENSE file has the details. You may copy, change and hand out this notebook, also
in a paid course, if you name the source and say what you changed."""
ATTRIBUTION_TAG = "attribution"


def repository_url():
    """The URL in pyproject.toml's [project.urls]."""
    match = _URL_LINE.search(PYPROJECT.read_text(encoding="utf-8"))
    if not match:
        raise SystemExit(f"set_repository: no line `Repository = \"...\"` in {PYPROJECT}")
    return match.group(2)


def setup_source(url):
    return SETUP.format(url=url, clone=CLONE)


def is_setup(cell):
    return cell.cell_type == "code" and cell.source.startswith(SETUP_FIRST_LINE)


def with_setup_cell(nb, url):
    """Put the set-up cell with `url` in the notebook (in place): replace the one there, or add one
    before the first code cell. Returns whether the notebook changed."""
    source = setup_source(url)
    cell = next((c for c in nb.cells if is_setup(c)), None)
    if cell is not None:
        changed = cell.source != source
        cell.source = source
        return changed
    first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
    nb.cells.insert(first_code, nbformat.v4.new_code_cell(source))
    return True


def with_attribution_cell(nb, url):
    """Put the licence and attribution cell with `url` at the end of the notebook (in place):
    replace the one there (tagged "attribution"), or add one. Returns whether it changed."""
    source = ATTRIBUTION.format(url=url)
    cell = next((c for c in nb.cells if ATTRIBUTION_TAG in c.metadata.get("tags", [])), None)
    if cell is not None:
        changed = cell.source != source
        cell.source = source
        return changed
    nb.cells.append(nbformat.v4.new_markdown_cell(source, metadata={"tags": [ATTRIBUTION_TAG]}))
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", nargs="?", help="the repository's URL (default: keep pyproject's)")
    parser.add_argument("--notebook", action="append", type=Path, metavar="PATH",
                        help="only this lesson (default: every notebooks/[0-9]*.ipynb)")
    args = parser.parse_args(argv)
    if args.url:
        if not re.match(r"^https?://\S+$", args.url):
            parser.error(f"expected a URL like https://github.com/you/repo, received {args.url!r}")
        text = PYPROJECT.read_text(encoding="utf-8")
        PYPROJECT.write_text(_URL_LINE.sub(lambda m: m.group(1) + args.url + m.group(3), text),
                             encoding="utf-8")
    url = repository_url()
    readme = README.read_text(encoding="utf-8")
    README.write_text(_README_LINE.sub(f'pip install "{DISTRIBUTION} @ git+{url}"', readme),
                      encoding="utf-8")
    try:
        import fcntl
    except ImportError:  # Windows: no lock
        fcntl = None
    with open(LOCK, "a") if fcntl else open(PYPROJECT) as lock:
        if fcntl:
            fcntl.flock(lock, fcntl.LOCK_EX)
        for path in args.notebook or sorted(NOTEBOOKS.glob("[0-9]*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            changed = [name for name, change in [("set-up", with_setup_cell),
                                                  ("attribution", with_attribution_cell)]
                       if change(nb, url)]
            if changed:
                nbformat.write(nb, path)
                print(f"{path.name}: {' and '.join(changed)} cell written")
    print(f"repository: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
