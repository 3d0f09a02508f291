"""Mutation testing: do nnlib's unit tests catch planted bugs?

Each mutant is a copy of nnlib with one classic bug planted in one core module: an arithmetic or
comparison operator swapped (+ for -, < for <=), a number changed (0 -> 1, 1 -> 0, c -> 2c), or
an in-place update (`p -= lr * g`) deleted. The fast unit tests run against every mutant in a
temporary copy of the package (the working tree is never touched); a mutant is "killed" when
some test fails, and "survives" when all pass. Survivors point at untested behaviour, or at
mutations that change nothing observable (e.g. a constant inside an error message).

    python tools/mutate.py                  # a seeded sample of 60 mutants
    python tools/mutate.py --sample 0       # every mutant (slow)
    python tools/mutate.py --list           # the mutation points, without running anything
    python tools/mutate.py --module autograd --sample 0   # every mutant of one module
"""

import argparse
import ast
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ["activations", "losses", "gradcheck", "model", "network", "sequential", "training", "optim",
        "metrics", "labels", "layers", "_checks", "autograd", "language", "attention"]
FAST_TESTS = ["test_activations.py", "test_losses.py", "test_gradcheck.py", "test_network.py",
              "test_sequential.py", "test_training.py", "test_optim.py", "test_metrics.py",
              "test_labels.py", "test_layers.py", "test_autograd.py", "test_embedding.py",
              "test_language.py", "test_attention.py"]
SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
         ast.Pow: ast.Mult, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
         ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.And: ast.Or, ast.Or: ast.And}


def _changed_number(value):
    return {0: 1, 1: 0}.get(value, 2 * value)


def _in_message(node, parents):
    """True for nodes inside an f-string or a `raise` statement: they only shape error messages."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.JoinedStr | ast.Raise):
            return True
    return False


def _parse(source):
    """The syntax tree of a module's source and a map from each node to its parent."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    return tree, parents


def _targets(tree, parents):
    """Every place a bug can be planted, in a fixed order: (kind, node, description)."""
    for node in ast.walk(tree):
        if _in_message(node, parents):
            continue
        if isinstance(node, ast.BinOp | ast.AugAssign | ast.BoolOp) and type(node.op) in SWAPS:
            yield "op", node, f"{type(node.op).__name__} -> {SWAPS[type(node.op)].__name__}"
        elif isinstance(node, ast.Compare) and type(node.ops[0]) in SWAPS:
            op = type(node.ops[0])
            yield "compare", node, f"{op.__name__} -> {SWAPS[op].__name__}"
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            yield "number", node, f"{node.value!r} -> {_changed_number(node.value)!r}"
        if isinstance(node, ast.AugAssign):
            yield "delete", node, "in-place update deleted"


def mutation_points(module, source):
    """Every (module, index, description) mutation of a module's source, in a fixed order."""
    return [(module, i, f"line {node.lineno}: {what}")
            for i, (_, node, what) in enumerate(_targets(*_parse(source)))]


def mutated_source(source, index):
    """`source` with mutation number `index` applied."""
    tree, parents = _parse(source)
    kind, target, _ = list(_targets(tree, parents))[index]
    if kind == "op":
        target.op = SWAPS[type(target.op)]()
    elif kind == "compare":
        target.ops[0] = SWAPS[type(target.ops[0])]()
    elif kind == "number":
        target.value = _changed_number(target.value)
    else:  # replace the statement `x op= y` by `pass`
        block = next(getattr(parents[target], field) for field in ("body", "orelse", "finalbody")
                     if target in getattr(parents[target], field, []))
        block[block.index(target)] = ast.Pass()
    return ast.unparse(tree)


def run_tests(workdir, timeout):
    """True if the fast unit tests, copied into `workdir` beside the nnlib copy, pass there."""
    env = dict(os.environ, PYTHONPATH=str(workdir), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
               "-p", "no:xdist", "-c", "pytest.ini", "tests"]
    try:
        result = subprocess.run(command, cwd=workdir, env=env, capture_output=True,
                                timeout=timeout)
    except subprocess.TimeoutExpired:
        return False  # a mutant that hangs is caught too
    return result.returncode == 0


def copy_project(workdir):
    """nnlib and the fast unit tests, copied into `workdir`: a snapshot that pytest, run there,
    imports instead of the working tree (edits made meanwhile do not leak in)."""
    shutil.copytree(ROOT / "nnlib", workdir / "nnlib", ignore=shutil.ignore_patterns("__pycache__"))
    (workdir / "tests").mkdir()
    for name in ["conftest.py", *FAST_TESTS]:
        if (ROOT / "tests" / name).exists():
            shutil.copy(ROOT / "tests" / name, workdir / "tests" / name)
    (workdir / "pytest.ini").write_text("[pytest]\nfilterwarnings = error::RuntimeWarning\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=60, help="mutants to run (0: all)")
    parser.add_argument("--seed", type=int, default=0, help="seeds the sample")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per mutant")
    parser.add_argument("--list", action="store_true", help="list the mutation points only")
    parser.add_argument("--module", action="append", choices=CORE,
                        help="plant bugs in this module only (repeatable; default: all of CORE)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        copy_project(workdir)
        package = workdir / "nnlib"
        sources = {module: (package / f"{module}.py").read_text() for module in CORE}
        points = [p for module in args.module or CORE
                  for p in mutation_points(module, sources[module])]
        if args.list:
            for module, index, what in points:
                print(f"{module}.py #{index} {what}")
            print(f"{len(points)} mutation points")
            return 0
        chosen = points if args.sample == 0 else random.Random(args.seed).sample(points,
                                                                                  args.sample)
        if not run_tests(workdir, args.timeout):
            print("the unit tests fail on the unmutated copy: fix them first")
            return 2
        (package / "losses.py").write_text("raise ImportError('planted')\n")
        if run_tests(workdir, args.timeout):
            print("the tests pass with a broken copy of nnlib: they import another one")
            return 2
        (package / "losses.py").write_text(sources["losses"])
        survivors = []
        for n, (module, index, what) in enumerate(chosen, start=1):
            (package / f"{module}.py").write_text(mutated_source(sources[module], index))
            killed = not run_tests(workdir, args.timeout)
            (package / f"{module}.py").write_text(sources[module])
            print(f"[{n:3}/{len(chosen)}] {'killed ' if killed else 'SURVIVED'} "
                  f"{module}.py #{index} {what}", flush=True)
            if not killed:
                survivors.append(f"{module}.py #{index} {what}")
    killed = len(chosen) - len(survivors)
    print(f"\n{killed} of {len(chosen)} mutants killed ({100 * killed / len(chosen):.0f} %), "
          f"from {len(points)} mutation points in {', '.join(args.module or CORE)}")
    for survivor in survivors:
        print(f"  survived: {survivor}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
