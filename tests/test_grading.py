"""The grader (tools/grade.py): hidden tests for every exercise of every lesson, and a corpus of
cheats for lessons 1, 4, 9 and 11.

Each cheat is a handed-in notebook: the student edition with one answer cell replaced. Every cheat
must earn 0 points; in every lesson the full lesson (every worked solution) must earn full marks
and the untouched student edition 0, and a plausible slip some points but not all. The kinds of
cheat are listed in docs/teaching.md ("What the grader defends against").
"""

import textwrap

import nbformat
import numpy as np
import pytest
from test_student import LESSONS, ROOT, load_tool, make_student, read

grade = load_tool("grade")
grade.TIMEOUT = 20                     # the infinite loop below is stopped after this long

CALLS, NOT_DONE = "your code calls", "not done yet"
HIDDEN = sorted(path.stem[-2:] for path in (ROOT / "tools" / "hidden_tests").glob("lesson*.py"))
TANH_AT_VISIBLE = repr([float(v) for v in np.tanh(np.linspace(-5, 5, 41))])

# {lesson: [(kind of cheat, exercise, the answer cell handed in, words the message must contain)]}
CHEATS = {
    "01": [
        ("calls the forbidden function", "tanh_from_sigmoid", """
            def tanh_from_sigmoid(z):
                return np.tanh(z)""", CALLS),
        ("keeps it in a default argument", "tanh_from_sigmoid", """
            def tanh_from_sigmoid(z, t=np.tanh):
                return t(z)""", CALLS),
        ("keeps it in a list", "tanh_from_sigmoid", """
            KEPT = [np.tanh]

            def tanh_from_sigmoid(z):
                return KEPT[0](z)""", CALLS),
        ("reaches it through nnlib's table of activations", "tanh_from_sigmoid", """
            def tanh_from_sigmoid(z):
                return activations.get_activation("tanh")[0](z)""", CALLS),
        ("uses another library's copy", "tanh_from_sigmoid", """
            import math

            def tanh_from_sigmoid(z):
                return np.vectorize(math.tanh)(z)""", CALLS),
        ("hard-codes the visible test's outputs", "tanh_from_sigmoid", f"""
            VISIBLE = np.array({TANH_AT_VISIBLE})

            def tanh_from_sigmoid(z):
                return VISIBLE if np.shape(z) == (41,) else np.sign(z)""", "hidden test"),
        ("redefines the checks and leaves the function unwritten", "tanh_from_sigmoid", """
            import nnlib.course.exercises as exercises
            exercises.strict_checks = lambda on=True: None
            exercises.check_function = check_function = lambda *args, **kwargs: print("[pass]")

            def tanh_from_sigmoid(z):
                raise NotImplementedError""", NOT_DONE),
        ("patches NumPy's comparisons", "tanh_from_sigmoid", """
            np.allclose = lambda *args, **kwargs: True
            np.isclose = lambda a, b, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)

            def tanh_from_sigmoid(z):
                return np.zeros_like(z)""", "expected"),
        ("a numerical derivative from nnlib", "elu_grad", """
            from nnlib.gradcheck import numerical_derivative as slope

            def elu_grad(z, alpha=1.0):
                elu = lambda t: np.where(t > 0, t, alpha * np.expm1(np.minimum(t, 0)))
                return slope(elu, z)""",
         CALLS),
        ("its own numerical derivative", "elu_grad", """
            def elu_grad(z, alpha=1.0, h=1e-5):
                elu = lambda t: np.where(t > 0, t, alpha * np.expm1(np.minimum(t, 0)))
                return (elu(z + h) - elu(z - h)) / (2 * h)""", "numerical derivative"),
        ("switches off the watch", "tanh_from_sigmoid", """
            import sys

            def tanh_from_sigmoid(z):
                sys.setprofile(None)
                return np.tanh(z)""", CALLS),
        ("searches the interpreter's memory for the original", "tanh_from_sigmoid", """
            import gc

            def tanh_from_sigmoid(z):
                found = [f for f in gc.get_objects() if getattr(f, "__name__", "") == "tanh"]
                return found[0](z)""", CALLS),
        ("stops the grader's process", "log_softmax", """
            import os
            os._exit(0)

            def log_softmax(Z):
                return Z""", "stopped"),
        ("never returns", "log_softmax", """
            def log_softmax(Z):
                while True:
                    pass""", "did not finish"),
    ],
    "04": [
        ("nnlib's numerical gradient", "chain3_gradients", """
            def chain3_gradients(x, y, w, b):
                cost = lambda w, b: 0.5 * (sigmoid(w[2] * sigmoid(w[1] * sigmoid(w[0] * x + b[0])
                                                   + b[1]) + b[2]) - y) ** 2
                w, b = np.array(w, float), np.array(b, float)
                return np.stack([numerical_gradient(lambda _: cost(w, b), w),
                                 numerical_gradient(lambda _: cost(w, b), b)])""", CALLS),
        ("its own numerical gradient", "chain3_gradients", """
            def chain3_gradients(x, y, w, b, h=1e-6):
                def cost(w, b):
                    a = x
                    for i in range(3):
                        a = 1 / (1 + np.exp(-(w[i] * a + b[i])))
                    return 0.5 * (a - y) ** 2
                grads = np.zeros((2, 3))
                for i in range(3):
                    e = np.eye(3)[i] * h
                    grads[0, i] = (cost(w + e, b) - cost(w - e, b)) / (2 * h)
                    grads[1, i] = (cost(w, b + e) - cost(w, b - e)) / (2 * h)
                return grads""", "numerical derivative"),
        ("nnlib's MLP", "regression_gradients", """
            from nnlib import MLP

            def regression_gradients(params, X, Y, lam):
                net = MLP([X.shape[1], params["W1"].shape[1], Y.shape[1]], hidden_activation="tanh",
                          output_activation="linear", loss="mse")
                net.params = {k: v.copy() for k, v in params.items()}
                return net.loss_and_gradients(X, Y, l2=lam)[1]""", CALLS),
        ("a method the visible check does not forbid", "regression_gradients", """
            from nnlib import MLP

            def regression_gradients(params, X, Y, lam):
                net = MLP([X.shape[1], params["W1"].shape[1], Y.shape[1]], hidden_activation="tanh",
                          output_activation="linear", loss="mse")
                net.params = {k: v.copy() for k, v in params.items()}
                return net.loss_gradients_labels(X, Y, l2=lam)[1]""", CALLS),
        ("nnlib's layers and their backward passes", "tanh_net_input_gradient", """
            from nnlib import layers

            def tanh_net_input_gradient(params, X, Y):
                first = layers.Linear(*params["W1"].shape)
                second = layers.Linear(*params["W2"].shape)
                first.params.update(W=params["W1"], b=params["b1"])
                second.params.update(W=params["W2"], b=params["b2"])
                act = layers.Tanh()
                Z2 = second.forward(act.forward(first.forward(X)))
                return first.backward(act.backward(second.backward((softmax(Z2) - Y) / len(X))))""",
         CALLS),
        ("a Sequential", "regression_gradients", """
            from nnlib import Sequential, layers

            def regression_gradients(params, X, Y, lam):
                net = Sequential([layers.Linear(*params["W1"].shape), layers.Tanh(),
                                  layers.Linear(*params["W2"].shape)], loss="mse")
                return net.loss_and_gradients(X, Y, l2=lam)[1]""", CALLS),
        ("a copy of the forbidden function kept in a dict", "chain3_gradients", """
            import nnlib.gradcheck
            HELPERS = {"g": nnlib.gradcheck.numerical_gradient}

            def chain3_gradients(x, y, w, b):
                cost = lambda: 0.0
                return np.stack([HELPERS["g"](lambda _: cost(), np.array(w, float)),
                                 HELPERS["g"](lambda _: cost(), np.array(b, float))])""", CALLS),
        ("hard-codes the visible test's output", "chain3_gradients", """
            def chain3_gradients(x, y, w, b):
                if x == 0.8:
                    return np.array([[-0.0016, -0.0036, -0.0318], [-0.0019, -0.0044, -0.0469]])
                return np.zeros((2, 3))""", "hidden test"),
        ("redefines the checks and leaves the function unwritten", "tanh_net_input_gradient", """
            check_function = check_that = lambda *args, **kwargs: print("[pass]")

            def tanh_net_input_gradient(params, X, Y):
                raise NotImplementedError""", NOT_DONE),
        ("exits", "regression_gradients", """
            def regression_gradients(params, X, Y, lam):
                raise SystemExit(0)""", "SystemExit"),
    ],
    "09": [
        ("a bisection with nnlib's own optimiser", "nesterov_lr_limit", """
            from nnlib.optim import Momentum

            def nesterov_lr_limit(lam_max, beta):
                low, high = 0.0, 4.0 / lam_max
                for _ in range(40):
                    lr, x, opt = (low + high) / 2, {"x": np.ones(1)}, None
                    opt = Momentum(lr=(low + high) / 2, beta=beta, nesterov=True)
                    for _ in range(300):
                        opt.step(x, {"x": lam_max * x["x"]})
                    low, high = (lr, high) if abs(x["x"][0]) < 1 else (low, lr)
                return low""", CALLS),
        ("a bisection with its own simulation", "nesterov_lr_limit", """
            def nesterov_lr_limit(lam_max, beta):
                low, high = 0.0, 4.0 / lam_max
                for _ in range(60):
                    lr = (low + high) / 2
                    a = lr * lam_max
                    M = np.array([[1 - a * (1 + beta), -beta ** 2], [a, beta]])
                    stable = np.max(np.abs(np.linalg.eigvals(M))) < 1
                    low, high = (lr, high) if stable else (low, lr)
                return low""", "lines of Python"),
        ("hard-codes the visible test's outputs", "nesterov_lr_limit", """
            VISIBLE = {(20.0, 0.9): 0.0678, (5.0, 0.5): 0.3, (8.0, 0.99): 0.0839, (4.0, 0.0): 0.5}

            def nesterov_lr_limit(lam_max, beta):
                return VISIBLE.get((lam_max, beta), 1.0)""", "hidden test"),
        ("calls the lesson's simulation, not in the answer cell", "nesterov_lr_limit", """
            def nesterov_lr_limit(lam_max, beta):
                return loss_ratio(np.diag([lam_max]), beta, 0.1)""", "NameError"),
        ("nnlib's optimiser for the AdaGrad step", "adagrad_step", """
            from nnlib.optim import RMSProp

            def adagrad_step(p, g, state, lr, eps=1e-8):
                opt = state.setdefault("opt", RMSProp(lr=lr))
                params = {"p": p.copy()}
                opt.step(params, {"p": g})
                return params["p"]""", CALLS),
        ("hard-codes the constant-gradient steps", "adagrad_step", """
            def adagrad_step(p, g, state, lr, eps=1e-8):
                state["t"] = state.get("t", 0) + 1
                return p - lr * np.sign(g) / np.sqrt(state["t"])""", "hidden test"),
        ("redefines the checks and leaves the function unwritten", "adagrad_step", """
            import nnlib.course.exercises as exercises
            exercises.check_that = check_that = lambda *args, **kwargs: None
            exercises.is_strict = lambda: False

            def adagrad_step(p, g, state, lr, eps=1e-8):
                raise NotImplementedError""", NOT_DONE),
        ("patches NumPy's comparisons", "nesterov_lr_limit", """
            np.allclose = np.isclose = lambda *args, **kwargs: True

            def nesterov_lr_limit(lam_max, beta):
                return 0.0""", "expected"),
        ("stops the grader's process", "adagrad_step", """
            import os

            def adagrad_step(p, g, state, lr, eps=1e-8):
                os._exit(0)""", "stopped"),
        ("switches off the line counter", "nesterov_lr_limit", """
            import sys

            def nesterov_lr_limit(lam_max, beta):
                sys.settrace(None)
                return 2 * (1 + beta) / ((1 + 2 * beta) * lam_max)""", CALLS),
    ],
    "11": [
        ("nnlib's convolution layer", "conv_backward_one_channel", """
            from nnlib.layers import Conv2D

            def conv_backward_one_channel(X, K, dY):
                layer = Conv2D(1, 1, len(K))
                layer.params["W"][0, 0] = K
                layer.forward(X[None, None])
                return layer.backward(dY[None, None])[0, 0], layer.grads["W"][0, 0]""", CALLS),
        ("a loop over the pixels", "conv_backward_one_channel", """
            def conv_backward_one_channel(X, K, dY):
                k = len(K)
                dX, dK = np.zeros_like(X), np.zeros_like(K)
                for i in range(dY.shape[0]):
                    for j in range(dY.shape[1]):
                        dK += dY[i, j] * X[i:i + k, j:j + k]
                        dX[i:i + k, j:j + k] += dY[i, j] * K
                return dX, dK""", "lines of Python"),
        ("nnlib's max-pooling layer", "max_pool_backward", """
            from nnlib import layers

            def max_pool_backward(X, dY):
                pool = layers.MaxPool2D(2)
                pool.forward(X[None, None])
                return pool.backward(dY[None, None])[0, 0]""", CALLS),
        ("the layer's own size formula", "feature_map_sizes", """
            from nnlib.layers import Conv2D

            def feature_map_sizes(H, layers):
                out = []
                for layer in layers:
                    k, s, p = layer[1:] if layer[0] == "conv" else (layer[1], layer[1], 0)
                    H = Conv2D(1, 1, k, stride=s, padding=p).output_size(H, H)[0]
                    out.append(H)
                return out""", CALLS),
        ("hard-codes the visible test's sizes", "feature_map_sizes", """
            def feature_map_sizes(H, layers):
                visible = {28: [24, 12, 8, 4], 32: [32, 16, 8, 6], 29: [15, 5, 5, 2], 10: [3, 5]}
                return visible[H]""",
         "raised KeyError"),
        ("the receptive field by sets of pixels", "receptive_field", """
            def receptive_field(stack):
                def rows(position):
                    seen = {position}
                    for k, s in reversed(stack):
                        seen = {i * s + u for i in seen for u in range(k)}
                    return sorted(seen)
                return len(rows(0)), rows(1)[0] - rows(0)[0]""", "lines of Python"),
        ("redefines the line counter and the checks", "conv_backward_one_channel", """
            import nnlib.course.exercises as exercises
            exercises.lines_run = lines_run = lambda *args: 0
            check_that = lambda *args, **kwargs: print("[pass]")

            def conv_backward_one_channel(X, K, dY):
                raise NotImplementedError""", NOT_DONE),
        ("patches NumPy's comparisons", "max_pool_backward", """
            np.allclose = np.isclose = lambda *args, **kwargs: True
            np.array_equal = lambda *args, **kwargs: True

            def max_pool_backward(X, dY):
                return np.zeros_like(X)""", "expected"),
        ("switches off the line counter", "conv_backward_one_channel", """
            import threading

            def conv_backward_one_channel(X, K, dY):
                threading.settrace(None)
                return np.zeros_like(X), np.zeros_like(K)""", CALLS),
        ("stops the grader's process", "receptive_field", """
            import os

            def receptive_field(stack):
                os._exit(0)""", "stopped"),
    ],
}

SLIPS = {  # one plausible slip in the worked solution: that exercise fails, the others pass
    "01": ("elu_grad", "np.exp(np.minimum(z, 0))", "np.exp(z)"),     # overflows for large z
    "04": ("regression_gradients", '"b1": dZ1.sum(axis=0)',
           '"b1": dZ1.sum(axis=0) + lam * params["b1"]'),
    "09": ("nesterov_lr_limit", "((1 + 2 * beta) * lam_max)", "lam_max"),
    "11": ("conv_backward_one_channel", "+= K[u, v] * dY", "= K[u, v] * dY"),
}


def lesson(number):
    return next(path for path in LESSONS if path.name.startswith(number))


def handed_in(tmp_path, number, change=None, student=True):
    """Write a submission of lesson `number`: the student edition (or the full lesson), with
    `change(nb)` applied; returns its path, named as the lesson."""
    nb = read(lesson(number))
    if student:
        nb = make_student.student_edition(nb)
    if change:
        change(nb)
    path = tmp_path / lesson(number).name
    nbformat.write(nb, path)
    return path


def replace_answer(function, code):
    def change(nb):
        cell = next(c for c in nb.cells if c.cell_type == "code" and f"def {function}(" in c.source)
        cell.source = textwrap.dedent(code).strip("\n")
    return change


def test_every_lesson_has_hidden_tests_for_every_exercise():
    assert HIDDEN == sorted(path.name[:2] for path in LESSONS)
    for number in HIDDEN:
        functions = {f for e in make_student.analyse(read(lesson(number))) for f in e["functions"]}
        assert set(grade.hidden_tests(number)) == functions, number


@pytest.mark.parametrize("number", HIDDEN)
def test_full_solutions_get_full_marks_and_untouched_work_none(tmp_path, number):
    marks = grade.grade_notebook(handed_in(tmp_path, number, student=False), seed=1)
    assert all(m.points == m.max_points > 0 for m in marks), [(m.exercise, m.message)
                                                              for m in marks]
    marks = grade.grade_notebook(handed_in(tmp_path, number), seed=1)
    assert all(m.points == 0 and NOT_DONE in m.message for m in marks), marks


@pytest.mark.parametrize("number", sorted(SLIPS))
def test_a_slip_costs_that_exercise_only(tmp_path, number):
    function, old, new = SLIPS[number]

    def slip(nb):
        cell = next(c for c in nb.cells if c.cell_type == "code" and f"def {function}(" in c.source)
        assert old in cell.source
        cell.source = cell.source.replace(old, new)

    marks = grade.grade_notebook(handed_in(tmp_path, number, slip, student=False), seed=2)
    assert [m.exercise for m in marks if m.points == 0] == [function], marks
    assert 0 < sum(m.points for m in marks) < sum(m.max_points for m in marks)


@pytest.mark.parametrize("number", sorted(CHEATS))
def test_every_cheat_earns_nothing(tmp_path, number):
    assert len(CHEATS[number]) >= 10
    for kind, function, code, words in CHEATS[number]:
        path = handed_in(tmp_path, number, replace_answer(function, code))
        (mark,) = grade.grade_notebook(path, seed=3, only=[function])
        assert mark.points == 0, (kind, mark.message)
        assert words in mark.message, (kind, mark.message)


@pytest.mark.parametrize("number", HIDDEN)
def test_the_lessons_check_cells_are_worth_what_the_hidden_tests_give(number):
    nb = read(lesson(number))
    exercises = make_student.analyse(nb)
    for name, hidden in grade.hidden_tests(number).items():
        (exercise,) = [e for e in exercises if name in e["functions"]]
        check = next(c for c in nb.cells[exercise["index"] + 1:] if make_student.is_check(c))
        assert make_student.points(check) == hidden.points, name
