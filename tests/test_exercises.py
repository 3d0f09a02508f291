"""nnlib.course.exercises: every check prints one line, [pass], [FAIL] or [not done yet], and
never raises (unless strict mode is switched on for grading)."""

import functools
import sys

import numpy as np
import pytest

from nnlib.course.exercises import CheckFailed, check_function, check_that, check_value, lines_run


def printed(capsys):
    """The one line a check printed (the test fails if it printed more or less)."""
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) == 1, f"expected one line, got {out!r}"
    return lines[0]


def double(x):
    return 2 * x


def not_done(*args):
    raise NotImplementedError("exercise: complete not_done()")


INPUTS = [np.array([1.0, -2.0, 3.5]), np.zeros((2, 3)), 0.5]


# --- check_function -----------------------------------------------------------------------------

def test_check_function_pass(capsys):
    assert check_function(double, lambda x: x + x, INPUTS, name="double") is None
    assert printed(capsys) == "[pass] double: correct on all 3 test inputs"


def test_check_function_uses_the_function_name_by_default(capsys):
    check_function(double, lambda x: x + x, INPUTS)
    assert printed(capsys).startswith("[pass] double:")


def test_check_function_tuple_inputs_are_spread_over_the_arguments(capsys):
    check_function(lambda a, b: a @ b, np.dot, [(np.eye(2), np.ones((2, 3)))], name="matmul")
    assert printed(capsys) == "[pass] matmul: correct on all 1 test inputs"


def test_check_function_wrong_shape(capsys):
    check_function(lambda x: x.reshape(-1, 1), double, INPUTS[:1], name="f")
    line = printed(capsys)
    assert line.startswith("[FAIL] f: on test input 1 of 1 (x = [ 1. , -2. , 3.5]), ")
    assert "expected shape (3,), received shape (3, 1)" in line


def test_check_function_scalar_against_array_shape(capsys):
    check_value(lambda: np.array([2.0]), 2.0, name="v")
    assert "expected shape () (a single number), received shape (1,)" in printed(capsys)


def test_check_function_wrong_value_names_the_first_difference_not_the_answer(capsys):
    wrong = np.array([2.0, -4.0, 7.5])  # right, right, wrong (7 expected)
    check_function(lambda x: wrong, double, INPUTS[:1], name="f")
    line = printed(capsys)
    assert line.startswith("[FAIL] f: on test input 1 of 1 (x = [ 1. , -2. , 3.5]), ")
    assert "the value at index (2,) (where the input is 3.5) is 7.5, expected 7" in line
    assert "1 of 3 values differ" in line
    assert "relative error of the whole result 0.029" in line
    assert "-4" not in line  # the rest of the answer is not printed


def test_check_function_reports_which_input_failed(capsys):
    check_function(lambda x: x * 2 if np.ndim(x) else 0.0, double, INPUTS, name="f")
    line = printed(capsys)
    assert line.startswith("[FAIL] f: on test input 3 of 3 (x = 0.5), the value is 0, expected 1")


def test_check_function_tolerances(capsys):
    check_function(lambda x: double(x) * (1 + 1e-9), double, INPUTS)
    assert printed(capsys).startswith("[pass]")
    check_function(lambda x: double(x) * (1 + 1e-3), double, INPUTS)
    assert printed(capsys).startswith("[FAIL]")
    check_function(lambda x: double(x) * (1 + 1e-3), double, INPUTS, rtol=1e-2)
    assert printed(capsys).startswith("[pass]")


def test_check_function_nan(capsys):
    check_function(lambda x: np.array([2.0, np.nan, 7.0]), double, INPUTS[:1], name="f")
    line = printed(capsys)
    assert line.startswith("[FAIL] f:")
    assert "the value at index (1,) (where the input is -2) is nan, expected -4" in line
    assert "the result contains nan or inf" in line


def test_check_function_nan_where_the_reference_has_nan_too_passes(capsys):
    def positive_part(x):
        return np.where(x > 0, x, np.nan)

    check_function(positive_part, positive_part, [np.array([-1.0, 1.0])], name="log")
    assert printed(capsys).startswith("[pass] log:")


@pytest.mark.parametrize("answer, described", [
    ("3.0", "a str"),
    ({"a": 1}, "a dict of 1 items"),
    ([[1.0], [2.0, 3.0]], "a list of 2 items"),
    (np.array(["a", "b"]), "an array of dtype <U1"),
])
def test_check_function_wrong_type(capsys, answer, described):
    check_function(lambda x: answer, double, [1.0], name="f")
    line = printed(capsys)
    assert line.startswith("[FAIL] f: on test input 1 of 1 (x = 1), ")
    assert f"expected a number or an array of numbers, received {described}" in line


def test_check_function_missing_return(capsys):
    def forgot_return(x):
        2 * x

    check_function(forgot_return, double, [1.0])
    line = printed(capsys)
    assert line.startswith("[FAIL] forgot_return:")
    assert "returned None (is a `return` statement missing?)" in line


def test_check_function_integer_against_float_names_the_dtypes(capsys):
    check_value(lambda: np.array([0.0, 1.5]), np.array([0, 1]), name="labels")
    line = printed(capsys)
    assert line.startswith("[FAIL] labels:")
    assert "expected dtype int64, received float64" in line


def test_check_function_not_done_yet(capsys):
    check_function(not_done, double, INPUTS)
    assert printed(capsys) == ("[not done yet] not_done: replace `raise NotImplementedError` "
                               "with your code, then run this cell again")


def test_check_function_crashing_learner_code(capsys):
    def crashes(x):
        return x @ np.ones((5, 5))

    check_function(crashes, double, INPUTS)
    line = printed(capsys)
    assert line.startswith("[FAIL] crashes: your code raised ValueError: matmul")


def test_a_multi_line_error_message_is_kept_on_one_line(capsys):
    def crashes(x):
        raise KeyError("first line\nsecond line " + "x" * 1000)

    check_function(crashes, double, [1.0])
    line = printed(capsys)
    assert line.startswith("[FAIL] crashes: your code raised KeyError:")
    assert len(line) <= 520


def test_check_function_not_a_function(capsys):
    check_function(np.array([2.0]), double, [1.0], name="f")
    assert printed(capsys) == "[FAIL] f: expected a function, received an array of dtype float64"


def test_learner_code_that_changes_its_input_does_not_change_the_reference_input(capsys):
    def doubles_in_place(x):
        x *= 2
        return x

    x = np.array([1.0, 2.0])
    check_function(doubles_in_place, double, [x])
    assert printed(capsys).startswith("[pass]")
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_a_reference_that_needs_an_unfinished_exercise_is_not_done_yet(capsys):
    check_function(double, not_done, [1.0], name="f")
    assert printed(capsys).startswith("[not done yet] f: this check needs an earlier exercise")


def test_a_broken_reference_is_reported_not_raised(capsys):
    check_function(double, lambda x: 1 / 0, [1.0], name="f")
    line = printed(capsys)
    assert line.startswith("[FAIL] f: the check could not compute the expected result "
                           "(ZeroDivisionError")


# --- check_value --------------------------------------------------------------------------------

def test_check_value_pass(capsys):
    check_value(lambda: np.array([[1.0, 2.0]]), [[1.0, 2.0]], name="answer")
    assert printed(capsys) == "[pass] answer: correct"


def test_check_value_fail(capsys):
    check_value(lambda: 0.25, 0.5, name="answer")
    line = printed(capsys)
    assert line.startswith("[FAIL] answer: the value is 0.25, expected 0.5")
    assert "relative error of the whole result 0.33" in line


def test_check_value_not_done_yet_and_crash(capsys):
    check_value(not_done, 1.0)
    assert printed(capsys).startswith("[not done yet] not_done: ")
    check_value(lambda: {}["missing"], 1.0, name="answer")
    assert printed(capsys).startswith("[FAIL] answer: your code raised KeyError: 'missing'")


def test_check_value_does_not_warn_on_infinities(capsys, recwarn):
    check_value(lambda: np.array([np.inf, 1.0]), np.array([np.inf, 2.0]), name="v")
    line = printed(capsys)
    assert line.startswith("[FAIL] v: the value at index (1,) is 1, expected 2")
    assert not recwarn.list


# --- check_that ---------------------------------------------------------------------------------

def test_check_that_pass_and_fail_print_the_message(capsys):
    check_that(lambda: 0.97, lambda acc: (acc > 0.95, f"accuracy {acc:.2f}"), name="train")
    assert printed(capsys) == "[pass] train: accuracy 0.97"
    check_that(lambda: 0.80, lambda acc: (acc > 0.95, f"accuracy {acc:.2f}, needs > 0.95"),
               name="train")
    assert printed(capsys) == "[FAIL] train: accuracy 0.80, needs > 0.95"


def test_check_that_accepts_a_plain_bool(capsys):
    check_that(lambda: 3, lambda n: n == 3, name="n")
    assert printed(capsys) == "[pass] n: correct"
    check_that(lambda: 4, lambda n: n == 3, name="n")
    assert printed(capsys) == "[FAIL] n: the result does not have the required property"


def test_check_that_not_done_yet_crash_and_broken_test(capsys):
    check_that(not_done, lambda r: (True, "never"))
    assert printed(capsys).startswith("[not done yet] not_done: replace `raise NotImpl")
    check_that(lambda: [][0], lambda r: (True, "never"), name="f")
    assert printed(capsys).startswith("[FAIL] f: your code raised IndexError: list index out of")
    check_that(lambda: None, lambda r: (r.shape == (2,), "shape"), name="f")
    line = printed(capsys)
    assert line.startswith("[FAIL] f: the result could not be checked (AttributeError:")
    assert line.endswith("(your function returned None: is a `return` missing?)")


def test_check_that_whose_test_needs_an_unfinished_exercise(capsys):
    check_that(lambda: 1.0, lambda r: (not_done(r), "never"), name="f")
    assert printed(capsys).startswith("[not done yet] f: this check needs an earlier exercise")


def test_check_that_hints_the_slip_whose_result_the_answer_equals(capsys):
    answer = {"W1": [1.0, 2.0], "W2": (3.0,)}
    slips = [(lambda: {"W1": [1.0, 2.0]}, "keys differ"),        # structure differs: no match
             (lambda: {"W1": [1.0, 2.5], "W2": (3.0,)}, "values differ"),
             (lambda: 1 / 0, "a slip that raises is skipped"),
             (lambda: {"W1": np.array([1.0, 2.0]), "W2": [3.0 + 1e-13]}, "the lr is missing"),
             (lambda: answer, "a later match is not used")]
    check_that(lambda: answer, lambda r: (False, "W1 is off"), name="f", slips=slips)
    assert printed(capsys) == "[FAIL] f: W1 is off. Hint: the lr is missing"
    check_that(lambda: answer, lambda r: (True, "fine"), name="f", slips=slips)
    assert printed(capsys) == "[pass] f: fine"
    check_that(lambda: [1.0, "a"], lambda r: (False, "off"), name="f",
               slips=[(lambda: [1.0, "a"], "strings are not compared")])
    assert printed(capsys) == "[FAIL] f: off"


def test_lines_run_counts_the_lines_of_the_learners_cell_only():
    def per_offset(X, k):
        total = 0.0
        for u in range(k):
            total += np.sum(X[u:])
        return total

    def per_pixel(X, k):
        total = 0.0
        for x in X.ravel():
            total += x
        return total

    X, before = np.ones((40, 40)), sys.gettrace()    # a coverage tool's tracer, if any
    assert lines_run(per_offset, X, 3) == 2 + 2 * 3 + 1      # NumPy's lines are not counted
    assert lines_run(per_pixel, X, 3) == 2 + 2 * 1600 + 1
    assert sys.gettrace() is before                            # the tracer is removed
    with pytest.raises(ZeroDivisionError):
        lines_run(lambda: 1 / 0)
    assert sys.gettrace() is before


# --- strict mode, for graders -------------------------------------------------------------------

def test_strict_mode_raises_after_printing(capsys, monkeypatch):
    monkeypatch.setenv("NNLIB_STRICT_CHECKS", "1")
    check_value(lambda: 1.0, 1.0, name="ok")
    assert printed(capsys) == "[pass] ok: correct"
    with pytest.raises(CheckFailed, match=r"^\[FAIL\] bad: the value is 2"):
        check_value(lambda: 2.0, 1.0, name="bad")
    assert printed(capsys).startswith("[FAIL] bad:")
    with pytest.raises(AssertionError, match=r"^\[not done yet\]"):
        check_function(not_done, double, [1.0])
    with pytest.raises(CheckFailed):
        check_that(lambda: 1, lambda r: (False, "no"))


def test_without_strict_mode_nothing_is_raised(capsys, monkeypatch):
    monkeypatch.setenv("NNLIB_STRICT_CHECKS", "0")
    check_value(lambda: 2.0, 1.0)
    check_function(not_done, double, [1.0])
    check_that(lambda: 1, lambda r: (False, "no"))
    statuses = [line.split("]")[0] + "]" for line in capsys.readouterr().out.splitlines()]
    assert statuses == ["[FAIL]", "[not done yet]", "[FAIL]"]


# --- anti-loophole: forbidden functions; hints for known slips; the input named ----------------

def tanh_by_calling_numpy(z):
    return np.tanh(z)


def test_forbidden_function_fails_the_check_wherever_it_is_reached(capsys):
    from nnlib import activations
    from nnlib.activations import tanh as imported_tanh

    def through_a_module(z):
        return activations.tanh(z)

    def through_an_import(z):
        return imported_tanh(z)

    z = np.linspace(-2.0, 2.0, 5)
    for fn in (tanh_by_calling_numpy, through_a_module, through_an_import):
        check_function(fn, np.tanh, [z], forbid=[np.tanh, activations.tanh], name="t")
        line = printed(capsys)
        assert line.startswith("[FAIL] t: your code calls "), line
        assert "which this exercise asks you to do without" in line
    assert np.tanh(0.5) == pytest.approx(0.46211715726)  # restored afterwards
    assert activations.tanh is imported_tanh
    check_function(lambda z: (np.exp(2 * z) - 1) / (np.exp(2 * z) + 1), np.tanh, [z],
                   forbid=[np.tanh], name="t")
    assert printed(capsys).startswith("[pass]")  # the reference itself may use it


def test_a_forbidden_call_inside_try_except_still_fails(capsys):
    def hides_it(z):
        try:
            return np.tanh(z)
        except Exception:
            return np.zeros_like(z)

    check_function(hides_it, lambda z: np.zeros_like(z), [np.zeros(3)], forbid=[np.tanh])
    assert printed(capsys).startswith("[FAIL] hides_it: your code calls np.tanh")


def test_forbid_in_check_value_and_check_that(capsys):
    check_value(lambda: tanh_by_calling_numpy(0.5), np.tanh(0.5), forbid=[np.tanh], name="v")
    assert printed(capsys).startswith("[FAIL] v: your code calls np.tanh")
    check_that(lambda: tanh_by_calling_numpy(0.5), lambda r: True, forbid=[np.tanh], name="w")
    assert printed(capsys).startswith("[FAIL] w: your code calls np.tanh")


def test_a_known_slip_gets_its_hint(capsys):
    P = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]])
    y = np.array([0, 1])

    def picks_columns(P, y):
        return -np.mean(np.log(P[:, y]))

    check_function(picks_columns, lambda P, y: -np.mean(np.log(P[np.arange(len(y)), y])), [(P, y)],
                   slips=[(picks_columns, "P[:, y] picks whole columns; use P[np.arange(N), y]")],
                   name="ce")
    line = printed(capsys)
    assert line.startswith("[FAIL] ce: on test input 1 of 1 (P = [[0.7, 0.2, 0.1], ")
    assert "y = [0, 1]" in line
    assert line.endswith("Hint: P[:, y] picks whole columns; use P[np.arange(N), y]")
    check_value(lambda: 3, 4, slips=[(3, "off by one")], name="n")
    assert printed(capsys).endswith("Hint: off by one")
    check_value(lambda: 2, 4, slips=[(3, "off by one")], name="n")
    assert "Hint" not in printed(capsys)


def test_a_large_input_is_described_by_its_shape(capsys):
    check_function(lambda x: x, double, [np.ones((40, 2))], name="f")
    assert printed(capsys).startswith("[FAIL] f: on test input 1 of 1 (x = an array of shape "
                                      "(40, 2)), the value at index (0, 0) (where the input is 1)")


def test_strict_checks_switches_strict_mode_on_without_the_environment(capsys, monkeypatch):
    from nnlib.course import exercises

    monkeypatch.delenv("NNLIB_STRICT_CHECKS", raising=False)
    monkeypatch.setattr(exercises, "_strict", False)
    check_value(lambda: 2.0, 1.0)
    assert printed(capsys).startswith("[FAIL]")
    exercises.strict_checks()
    with pytest.raises(CheckFailed):
        check_function(not_done, double, [1.0])
    assert printed(capsys).startswith("[not done yet]")
    exercises.strict_checks(False)
    check_value(lambda: 2.0, 1.0)
    assert printed(capsys).startswith("[FAIL]")


def test_forbidden_method_and_class(capsys):
    from nnlib import MLP

    net = MLP([2, 3, 2], seed=0)
    X, Y = np.ones((4, 2)), np.eye(2)[[0, 1, 0, 1]]

    def by_the_library(X, Y):
        return net.loss_and_gradients(X, Y)[1]["b2"]

    def builds_a_net(X, Y):
        return MLP([2, 3, 2], seed=0).loss_and_gradients(X, Y)[1]["b2"]

    reference = by_the_library(X, Y)
    check_function(by_the_library, lambda X, Y: reference, [(X, Y)],
                   forbid=[MLP.loss_and_gradients], name="f")
    assert printed(capsys).startswith("[FAIL] f: your code calls nnlib.model.Model."
                                      "loss_and_gradients")
    check_function(builds_a_net, lambda X, Y: reference, [(X, Y)], forbid=[MLP], name="g")
    assert printed(capsys).startswith("[FAIL] g: your code calls nnlib.network.MLP,")
    assert net.loss_and_gradients(X, Y)[0] > 0 and MLP.__name__ == "MLP"  # restored


# --- forbidden functions kept out of sight: found by what runs, not by the names looked up ---

KEPT = {"t": np.tanh}                                       # a module-level dict holding np.tanh


def test_a_forbidden_ufunc_kept_in_a_default_argument_a_list_or_a_dict_is_found(capsys):
    def in_a_default(z, t=np.tanh):
        return t(z)

    in_a_list = [np.tanh]

    def in_a_closure(z):
        return in_a_list[0](z)

    def in_a_global_dict(z):
        return KEPT["t"](z)

    z = np.linspace(-2.0, 2.0, 5)
    for fn in (in_a_default, in_a_closure, in_a_global_dict):
        check_function(fn, np.tanh, [z], forbid=[np.tanh], name="t")
        assert printed(capsys).startswith("[FAIL] t: your code calls np.tanh"), fn.__name__
    unrelated = {"s": np.sin}                                 # other ufuncs kept are fine

    def honest(z):
        return (np.exp(2 * z) - 1) / (np.exp(2 * z) + 1) + 0 * unrelated["s"](0)

    check_function(honest, np.tanh, [z], forbid=[np.tanh], name="t")
    assert printed(capsys).startswith("[pass]")


def test_a_forbidden_python_function_is_seen_when_it_runs_however_it_was_reached(capsys):
    from nnlib import activations
    saved = {"tanh": activations.tanh}

    def by_a_saved_copy(z, kept=(saved,)):
        return kept[0]["tanh"](z)

    def by_a_partial(z):
        return functools.partial(saved["tanh"])(z)

    z = np.linspace(-1.0, 1.0, 4)
    for fn in (by_a_saved_copy, by_a_partial):
        check_function(fn, np.tanh, [z], forbid=[activations.tanh], name="t")
        assert printed(capsys).startswith("[FAIL] t: your code calls nnlib.activations.tanh")


def test_a_forbidden_class_or_module_covers_every_path_through_it(capsys):
    from nnlib import MLP, gradcheck

    X, y = np.ones((4, 2)), np.array([0, 1, 0, 1])
    net = MLP([2, 3, 2], seed=0)
    reference = net.loss_and_gradients(X, y)[1]["b2"]

    def through_another_method(X, y):                        # a method MLP inherits
        return net.loss_gradients_labels(X, np.eye(2)[y])[1]["b2"]

    check_function(through_another_method, lambda X, y: reference, [(X, y)], forbid=[MLP],
                   name="g")
    assert printed(capsys).startswith("[FAIL] g: your code calls nnlib.network.MLP")
    keep = gradcheck.numerical_gradient

    def through_a_module(X, y):
        return keep(lambda b: float(np.sum(b ** 2)), np.ones(2))

    check_function(through_a_module, lambda X, y: 2 * np.ones(2), [(X, y)], forbid=[gradcheck],
                   name="n")
    assert printed(capsys).startswith("[FAIL] n: your code calls nnlib.gradcheck")


def test_switching_the_watch_off_fails_the_check(capsys):
    def unwatched(z):
        sys.setprofile(None)
        return np.tanh(z)

    check_function(unwatched, np.tanh, [np.zeros(2)], forbid=[np.tanh], name="u")
    assert printed(capsys).startswith("[FAIL] u: your code calls sys.setprofile")
    assert sys.getprofile() is None
