#!/usr/bin/env bash
# The fast unit tests (no Jupyter) on the oldest and the newest Python that requires-python allows,
# each in a fresh virtual environment with nnlib installed from this clone as a wheel would be:
#   oldest Python + the lowest versions pyproject.toml's dependencies allow (numpy==2.0.0, ...)
#   newest Python + the newest versions they allow
# A Python that is not on this machine is reported, and fails the run: a range is claimed only
# where it is tested. Usage: bash tools/test_pythons.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Tests that need Jupyter, nbgrader or ruff run in the main suite only.
FAST_TESTS=$(ls tests/test_*.py | grep -vE \
    "test_(student|nbgrader|wrong_answers|run_notebooks|notebooks|set_repository|lint|grading|handout)\.py")

read -r OLDEST NEWEST LOWEST < <(python3 - <<'PY'
import re, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
oldest = int(re.fullmatch(r">=3\.(\d+)", project["requires-python"]).group(1))
lowest = ",".join(re.sub(r">=([\w.]+),.*", r"==\1", d) for d in project["dependencies"])
print(oldest, 14, lowest)  # 14: the newest CPython release line at the time of writing
PY
)

find_python() {  # the interpreter of Python 3.$1: on PATH, else under pyenv
    local candidate
    for candidate in "python3.$1" \
            $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3."$1".*/bin/python3."$1" 2>/dev/null \
              | sort -V | tail -n 1); do
        if "$candidate" --version >/dev/null 2>&1; then echo "$candidate"; return 0; fi
    done
    return 1
}

run_fast_tests() {  # python, then the pip requirements for nnlib's dependencies
    local python=$1 venv
    shift
    venv=$(mktemp -d)
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q "$@" "pytest>=8,<10" .
    "$venv/bin/python" -c "import sys, numpy, matplotlib; print('Python', sys.version.split()[0],
        '| numpy', numpy.__version__, '| matplotlib', matplotlib.__version__)"
    # -o addopts= : the main suite's nbval options need nbval, which is not installed here
    "$venv/bin/python" -m pytest -q -p no:cacheprovider -o addopts= $FAST_TESTS
    rm -rf "$venv" build nnlib_lessons.egg-info
}

newest=""
for minor in $(seq "$NEWEST" -1 "$OLDEST"); do
    if newest=$(find_python "$minor"); then break; fi
done
if ! oldest=$(find_python "$OLDEST"); then
    echo "FAILED: Python 3.$OLDEST, the oldest that requires-python allows, is not on this machine"
    exit 1
fi
echo "== oldest: $("$oldest" --version) with ${LOWEST//,/ }"
IFS=, read -r -a lowest_pins <<< "$LOWEST"
run_fast_tests "$oldest" "${lowest_pins[@]}"
echo "== newest: $("$newest" --version) with the newest numpy and matplotlib"
[ "$newest" = "$(find_python 14 || true)" ] || echo "(no Python 3.14 on this machine: the newest here is tested)"
run_fast_tests "$newest" --upgrade numpy matplotlib requests tqdm
