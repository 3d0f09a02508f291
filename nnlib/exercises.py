"""Self-checking exercises: each check prints one line, starting [pass], [FAIL] or
[not done yet], and returns nothing (so a check as a cell's last line shows only that line).
A check never raises, so an unfinished exercise does not stop the notebook,
and on a failure it says what is wrong (a shape, a dtype, one value, the relative error) without
printing the whole answer.

Exercises ask for a function; its body sits between `### BEGIN SOLUTION` and `### END SOLUTION`
lines, which the student edition replaces with `raise NotImplementedError(...)`. The checks treat
that error as "not done yet".
"""

import numpy as np

PASS, FAIL, TODO = "[pass]", "[FAIL]", "[not done yet]"


def _report(status, name, message):
    print(f"{status} {name}: {message}")


def _call(fn, args):
    """Run the learner's function: (result, None), or (None, the line to report)."""
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, (TODO, "replace `raise NotImplementedError` with your code, then run "
                            "this cell again")
    except Exception as error:  # a learner's bug must not stop the notebook
        return None, (FAIL, f"your code raised {type(error).__name__}: {error}")


def _compare(result, expected, rtol, atol):
    """None when `result` matches `expected`, else a sentence on the first difference found."""
    try:
        result = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        return f"expected a number or an array of numbers, received {type(result).__name__}"
    expected = np.asarray(expected, dtype=np.float64)
    if result.shape != expected.shape:
        return f"expected shape {expected.shape}, received shape {result.shape}"
    if not np.all(np.isfinite(result)):
        return "the result contains nan or inf"
    close = np.isclose(result, expected, rtol=rtol, atol=atol)
    if np.all(close):
        return None
    index = tuple(int(i) for i in np.argwhere(~close)[0])
    where = f" at index {index}" if index else ""
    difference = np.linalg.norm(result - expected)
    scale = np.linalg.norm(result) + np.linalg.norm(expected)
    return (f"the value{where} is {result[index]:.6g}, expected {expected[index]:.6g} "
            f"(relative error of the whole result {difference / scale:.2g})")


def check_function(fn, reference, inputs, name=None, rtol=1e-6, atol=1e-9):
    """Compare fn(*args) with reference(*args) for every argument tuple in `inputs`.

    An input that is not a tuple is passed as the single argument. Example:
        check_function(my_relu, nnlib.activations.relu, [np.array([-1.0, 2.0]), 0.5])
    """
    name = name or getattr(fn, "__name__", "your function")
    cases = [args if isinstance(args, tuple) else (args,) for args in inputs]
    for number, args in enumerate(cases, 1):
        result, problem = _call(fn, args)
        if problem:
            return _report(problem[0], name, problem[1])
        mismatch = _compare(result, reference(*args), rtol, atol)
        if mismatch:
            return _report(FAIL, name, f"on test input {number} of {len(cases)}, {mismatch}")
    _report(PASS, name, f"correct on all {len(cases)} test inputs")


def check_value(fn, expected, name=None, rtol=1e-6, atol=1e-9):
    """Compare the result of calling fn() (no arguments) with an expected number or array."""
    name = name or getattr(fn, "__name__", "your answer")
    result, problem = _call(fn, ())
    if problem:
        return _report(problem[0], name, problem[1])
    mismatch = _compare(result, expected, rtol, atol)
    _report(FAIL, name, mismatch) if mismatch else _report(PASS, name, "correct")


def check_that(fn, test, name=None):
    """For open-ended exercises: call fn(), then test(result), which returns (ok, message).

    Example, a network that must learn XOR:
        check_that(train_xor, lambda model: (accuracy(...) == 1, f"accuracy {...}"))
    The message is printed on a pass and on a fail alike, so it should state the measured figure.
    """
    name = name or getattr(fn, "__name__", "your answer")
    result, problem = _call(fn, ())
    if problem:
        return _report(problem[0], name, problem[1])
    try:
        ok, message = test(result)
    except Exception as error:
        return _report(FAIL, name, f"the result could not be checked ({type(error).__name__}: "
                                   f"{error})")
    _report(PASS if ok else FAIL, name, message)
