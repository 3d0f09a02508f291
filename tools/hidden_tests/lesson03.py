"""Hidden tests for lesson 3 (used by tools/grade.py; not handed out to students): fresh inputs at
every grading and the reference answers."""

import numpy as np
from grade import Hidden


def five_point(f, x, h=1e-3):
    return (-f(x + 2 * h) + 8 * f(x + h) - 8 * f(x - h) + f(x - 2 * h)) / (12 * h)


def jacobian(f, x):
    if f is np.sin:
        return np.diag(np.cos(x))
    if f is np.exp:
        return np.diag(np.exp(x))
    return np.tril(np.ones((len(x), len(x))))                  # np.cumsum


def stable_matrices(rng):
    cases = []
    for n in (2, 3, 5):
        Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
        cases.append((Q @ np.diag(rng.uniform(0.2, 9, n)) @ Q.T,))
    return cases


EXERCISES = {
    "five_point_derivative": Hidden(
        cases=lambda rng: [(f, rng.uniform(-2, 2, 7), float(rng.choice([1e-3, 2e-3])))
                           for f in (np.sin, np.exp, np.cos)],
        reference=five_point, rtol=1e-7, atol=1e-9, points=1),
    "numerical_jacobian": Hidden(
        cases=lambda rng: [(f, rng.uniform(-1, 1, int(rng.integers(2, 6))))
                           for f in (np.sin, np.exp, np.cumsum)],
        reference=jacobian, rtol=1e-6, atol=1e-8,
        forbid=("nnlib.gradcheck", "nnlib.activations.softmax_grad"), points=2),
    "largest_stable_lr": Hidden(
        cases=stable_matrices, reference=lambda A: 1 / np.linalg.eigvalsh(A).max(), rtol=1e-9,
        forbid=("nnlib.optim",), max_lines=30, points=2,      # a formula, not a search
        slips=((lambda A: 2 / np.linalg.eigvalsh(A).max(),
                "the gradient of x^T A x is 2 A x, so the factor is 1 - 2 lr lambda"),)),
}
