"""Hidden tests for lesson 5 (used by tools/grade.py; not handed out to students): fresh inputs at
every grading and the reference answers."""

import itertools

import numpy as np
from grade import Hidden

from nnlib import MLP
from nnlib.activations import get_activation, sigmoid

XOR = """X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y = np.array([0, 1, 1, 0])
Y = y.reshape(-1, 1).astype(float)
"""
X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y = np.array([0, 1, 1, 0])


def without_arguments(answer, *case):
    return answer()


def truth_table(results, cases):
    try:
        p = {k: np.asarray(results[0][k], dtype=float) for k in ("W1", "b1", "W2", "b2")}
    except (TypeError, KeyError, ValueError):
        return False, "expected a dict with W1, b1, W2, b2"
    step = lambda z: (z >= 0).astype(int)  # noqa: E731
    out = step(step(X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"])[:, 0].tolist()
    return out == y.tolist(), f"outputs {out} for (0,0), (0,1), (1,0), (1,1); XOR is {y.tolist()}"


def dead_fraction(sizes, params, X_in):
    A, dead, total = X_in, 0, 0
    for l in range(1, len(sizes) - 1):
        Z = A @ params[f"W{l}"] + params[f"b{l}"]
        dead, total = dead + int(np.sum(np.all(Z <= 0, axis=0))), total + Z.shape[1]
        A = np.maximum(Z, 0)
    return dead / total


def on_a_network(answer, sizes, params, X_in):
    from nnlib import MLP
    model = MLP(sizes, hidden_activation="relu", output_activation="sigmoid", seed=0)
    model.params = {name: value.copy() for name, value in params.items()}
    return answer(model, X_in)


def dead_cases(rng):
    cases = []
    for sizes in ([2, 6, 1], [3, 5, 4, 1]):
        params = {}
        for l, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), 1):
            params[f"W{l}"] = rng.normal(size=(n_in, n_out))
            params[f"b{l}"] = rng.normal(-0.5, 1.5, size=n_out)
        cases.append((sizes, params, rng.uniform(-1, 1, (int(rng.integers(4, 9)), sizes[0]))))
    return cases


def parity_predictions(answer, *case):
    import itertools
    bits = np.array(list(itertools.product([0.0, 1.0], repeat=3)))
    return answer().predict(bits)


def classifies_parity(results, cases):
    bits = np.array(list(itertools.product([0, 1], repeat=3)))
    right = int(np.sum(np.ravel(results[0]) == bits.sum(axis=1) % 2))
    return right == 8, f"{right} of 8 patterns classified correctly"


def runs_solved(bias):
    f, f_grad = get_activation("relu")
    starts = [MLP([2, 2, 1], "relu", "sigmoid", loss="mse", seed=s).params for s in range(100)]
    W1, b1, W2, b2 = (np.stack([p[k] for p in starts]) for k in ("W1", "b1", "W2", "b2"))
    b1, b2, Y = b1[:, None, :] + bias, b2[:, None, :], y.reshape(-1, 1).astype(float)
    for _ in range(2000):
        Z1 = X @ W1 + b1
        A1 = f(Z1)
        Y_hat = sigmoid(A1 @ W2 + b2)
        dZ2 = (Y_hat - Y) / 4 * Y_hat * (1 - Y_hat)
        dZ1 = (dZ2 @ W2.transpose(0, 2, 1)) * f_grad(Z1)
        W2 = W2 - 0.1 * (A1.transpose(0, 2, 1) @ dZ2)
        b2 = b2 - 0.1 * dZ2.sum(axis=1, keepdims=True)
        W1 = W1 - 0.1 * (X.T @ dZ1)
        b1 = b1 - 0.1 * dZ1.sum(axis=1, keepdims=True)
    Y_hat = sigmoid(f(X @ W1 + b1) @ W2 + b2)[:, :, 0]
    return int(np.sum(np.all((Y_hat >= 0.5) == y, axis=1)))


def close_counts(results, cases):
    for (bias,), count in zip(cases, results):
        expected = runs_solved(bias)
        if not isinstance(count, (int, float)) or abs(count - expected) > 1:
            return False, (f"with biases starting at {bias:.3g}: {count!r} runs solved, "
                           f"expected {expected}")
    return True, f"the counts of solved runs match for {len(cases)} starting biases"


EXERCISES = {
    "xor_step_weights": Hidden(cases=lambda rng: [()], run=without_arguments, judge=truth_table,
                               points=1),
    "dead_relu_fraction": Hidden(cases=dead_cases, run=on_a_network,
                                 reference=lambda sizes, params, X_in: dead_fraction(sizes, params,
                                                                                     X_in),
                                 points=2),
    "train_parity3": Hidden(cases=lambda rng: [()], run=parity_predictions,
                            judge=classifies_parity, points=1),
    "relu_runs_solved": Hidden(cases=lambda rng: [(0.0,), (float(rng.uniform(0.05, 0.2)),)],
                               judge=close_counts, context=XOR, points=3),
}
