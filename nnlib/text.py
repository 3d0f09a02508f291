"""Text corpora for the language lessons, committed in data/ and verified by their SHA-256.

- `load_names()`: 8,422 English first names, lowercase, sorted (Grady Ward's Moby Word II list,
  public domain): short items, one word each.
- `load_shakespeare()`: the plays of William Shakespeare as one plain-text string of about 5 MB
  (public domain): running text.

data/README.md says where the files come from and how tools/make_text_corpora.py rebuilt them.
A file is looked up in `data_dir` if given, else in $NNLIB_DATA, else in data/ beside the package
(a clone), else in a data/ folder of the current folder or one of its parents.
"""

import hashlib
import os
from pathlib import Path

NAMES_FILE = "names.txt"
NAMES_SHA256 = "6fa848cad004422563a500e081714f1aa2a5feda20deabaf2da63eca6ac89731"
SHAKESPEARE_FILE = "shakespeare.txt"
SHAKESPEARE_SHA256 = "3a4c66c651d1dcc0d7ddf4759fe152225c0119ab240adfefb7edf8b5648a30e2"

_REPO_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


class CorpusFileError(RuntimeError):
    """A corpus file is missing, or its content is not the one the lessons were made with."""


def _corpus_path(filename, data_dir):
    if data_dir is not None:
        return Path(data_dir) / filename
    if os.environ.get("NNLIB_DATA"):
        return Path(os.environ["NNLIB_DATA"]) / filename
    for folder in (_REPO_DATA_DIR, *(p / "data" for p in (Path.cwd(), *Path.cwd().parents))):
        if (folder / filename).is_file():
            return folder / filename
    return _REPO_DATA_DIR / filename


def _read_verified(filename, sha256, data_dir):
    """The file's text (UTF-8), after checking its SHA-256."""
    path = _corpus_path(filename, data_dir)
    repair = (f"it comes with the repository as data/{filename}: restore it (git checkout -- "
              f"data/{filename}), or rebuild it with python tools/make_text_corpora.py, or set "
              f"NNLIB_DATA to a folder that holds it")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CorpusFileError(f"cannot read {path} ({error.strerror or error}); {repair}") from None
    found = hashlib.sha256(data).hexdigest()
    if found != sha256:
        raise CorpusFileError(f"{path} has SHA-256 {found}, expected {sha256}: the file is "
                              f"damaged or another version; {repair}")
    return data.decode("utf-8")


def load_names(data_dir=None):
    """The 8,422 names of data/names.txt as a list of lowercase strings, in alphabetical order."""
    return _read_verified(NAMES_FILE, NAMES_SHA256, data_dir).split()


def load_shakespeare(data_dir=None):
    """Shakespeare's plays (data/shakespeare.txt) as one string, lines separated by newlines."""
    return _read_verified(SHAKESPEARE_FILE, SHAKESPEARE_SHA256, data_dir)
