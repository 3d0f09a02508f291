"""Write what students get when they should not see the worked solutions: the library as a wheel,
the student editions of the chosen lessons, the MNIST file and the notation page, and nothing
else (no notebooks/ with solutions, no docs/answers.md, no tools/ with the hidden tests).

Usage:
    python tools/make_handout.py [--out DIR] [--lessons 01 04 ...] [--released FOLDER]

Default: every lesson, into handout/. With --released, the lesson notebooks are taken from that
folder instead of being made here (an nbgrader course's release/ASSIGNMENT/, for instance).

The folder it writes:
    nnlib_lessons-VERSION-py3-none-any.whl   the library (pip install it, see README.md there)
    lessons/NN_name.ipynb                      the student editions (or the released notebooks)
    data/mnist.npz, names.txt, shakespeare.txt the data and their licences (data/README.md);
                                               found from lessons/ (a parent's data/ folder)
    docs/notation.md, LICENSE, README.md       the notation page, the licences, how to start

Nothing is written unless everything could be made; the folder is built beside the target and
moved into place at the end, replacing an earlier hand-out.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_student  # noqa: E402

README = """# Neural networks from scratch: your lessons

Set up once (Python 3.10 or newer), in this folder:

    python -m venv .venv
    .venv/bin/python -m pip install "{wheel}[lessons]"        (Windows: .venv\\Scripts\\python)
    .venv/bin/jupyter lab lessons/

Each exercise's function raises NotImplementedError until you write it; the check below it prints
[pass], [FAIL] with a hint at what is wrong, or [not done yet]. The lessons find the MNIST digits
in data/. The notation and glossary are in docs/notation.md; the licences in LICENSE.
"""


def lesson_paths(numbers):
    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if numbers:
        paths = [p for p in paths if p.name[:2] in numbers]
        missing = set(numbers) - {p.name[:2] for p in paths}
        if missing:
            raise SystemExit(f"make_handout: no lesson {', '.join(sorted(missing))} in notebooks/")
    return paths


def build_wheel(folder):
    """Build nnlib's wheel from the repository into `folder`; its path."""
    # in this environment (setuptools from the extra `test`), so that nothing is downloaded
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                          "--no-index", "--quiet", "-w", str(folder), str(ROOT)],
                         capture_output=True, text=True)
    wheels = sorted(folder.glob("nnlib_lessons-*.whl"))
    if run.returncode != 0 or len(wheels) != 1:
        raise SystemExit(f"make_handout: building the wheel failed:\n{run.stdout}{run.stderr}")
    return wheels[0]


def write_lessons(folder, paths, released):
    folder.mkdir()
    for path in paths:
        if released is not None:
            source = released / path.name
            if not source.exists():
                raise SystemExit(f"make_handout: {source} is missing")
            shutil.copy2(source, folder / path.name)
            continue
        nb = nbformat.read(path, as_version=4)
        nbformat.write(make_student.student_edition(nb), folder / path.name)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "handout")
    parser.add_argument("--lessons", nargs="*", metavar="NN", help="e.g. 01 04 (default: all)")
    parser.add_argument("--released", type=Path, help="take the lessons from this folder")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".handout-") as work:
        build = Path(work) / "handout"
        build.mkdir()
        wheel = build_wheel(build)
        write_lessons(build / "lessons", lesson_paths(args.lessons), args.released)
        (build / "data").mkdir()
        for name in ("mnist.npz", "names.txt", "shakespeare.txt", "README.md"):
            shutil.copy2(ROOT / "data" / name, build / "data" / name)
        (build / "docs").mkdir()
        shutil.copy2(ROOT / "docs" / "notation.md", build / "docs" / "notation.md")
        shutil.copy2(ROOT / "LICENSE", build / "LICENSE")
        (build / "README.md").write_text(README.format(wheel=wheel.name), encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        build.rename(out)
    print(f"{out}: {wheel.name}, {len(list((out / 'lessons').iterdir()))} lessons, MNIST")
    return 0


if __name__ == "__main__":
    sys.exit(main())
