"""What autograding a lesson costs: for every lesson, the graded edition goes into a temporary
nbgrader course, a submission with the full solutions is autograded, and the wall time of
`nbgrader autograde` (one submission, one lesson), the peak memory (resident set) of the
largest process it ran, the kernel, and the score of the checks are printed. The score must be
full marks, or a cell failed or ran out of time; answers in words are graded by hand and left
out. The course allows 300 s per cell, as docs/teaching.md advises: nbgrader's default of 30 s
stops lesson 11's training. docs/teaching.md quotes the figures.

Usage: python benchmarks/grading_cost.py [NOTEBOOK ...]   (default: every lesson)
Run it on an otherwise idle machine; it takes about twice the lessons' own run time.
"""

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nbgrader.api import Gradebook

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def nbgrader(course, *args):
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env, check=True,
                   capture_output=True, text=True)


def measure(path, course):
    """Seconds and peak MB of `nbgrader autograde` for one submission of one lesson."""
    assignment = f"lesson{path.name[:2]}"
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_student.py"), "--graded", "--out",
                    str(course / "source" / assignment), str(path)], check=True,
                   capture_output=True)
    nbgrader(course, "generate_assignment", assignment)
    submitted = course / "submitted" / "teacher" / assignment
    submitted.mkdir(parents=True)
    shutil.copy(course / "source" / assignment / path.name, submitted / path.name)
    # a fresh process per lesson, so that its children's peak memory is this lesson's alone
    code = ("import resource, subprocess, sys, time; start = time.perf_counter(); "
            "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
            "print(time.perf_counter() - start, "
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    out = subprocess.run([sys.executable, "-c", code, str(BIN / "nbgrader"), "autograde",
                          assignment, "--student", "teacher"], cwd=course, env=env,
                         check=True, capture_output=True, text=True).stdout.split()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(assignment, "teacher")
        checks = [g for nb in submission.notebooks for g in nb.grades if g.cell.cell_type == "code"]
        score = f"{sum(g.score for g in checks):g}/{sum(g.max_score for g in checks):g}"
    return float(out[0]), int(out[1]) / 1024, score  # ru_maxrss is in KiB on Linux


def main(argv):
    paths = [Path(p) for p in argv] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    print(f"{'lesson':36s} {'autograde s':>11s} {'peak MB':>8s} {'score':>7s}")
    with tempfile.TemporaryDirectory() as folder:
        course = Path(folder)
        (course / "nbgrader_config.py").write_text(
            'c = get_config()\nc.CourseDirectory.course_id = "cost"\n'
            "c.ExecutePreprocessor.timeout = 300\n")
        nbgrader(course, "db", "student", "add", "teacher")
        for path in paths:
            seconds, megabytes, score = measure(path, course)
            print(f"{path.stem:36s} {seconds:11.1f} {megabytes:8.0f} {score:>7s}")
    return 0


if __name__ == "__main__":
    start = time.perf_counter()
    code = main(sys.argv[1:])
    print(f"total {time.perf_counter() - start:.0f} s; this process peaked at "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    sys.exit(code)
