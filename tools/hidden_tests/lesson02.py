"""Hidden tests for lesson 2 (used by tools/grade.py; not handed out to students): fresh inputs at
every grading and the reference answers."""

import numpy as np
from grade import Hidden

NO_LIBRARY_MODELS = ("nnlib.model", "nnlib.network", "nnlib.sequential", "nnlib.layers")


def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def forward(X, params, output=softmax):
    A, L = X, len(params) // 2
    for l in range(1, L + 1):
        Z = A @ params[f"W{l}"] + params[f"b{l}"]
        A = output(Z) if l == L else np.maximum(Z, 0)
    return A


def forward_cases(rng):
    cases = []
    for sizes in ([3, 4], [2, 5, 3], [4, 7, 6, 5], [3, 4, 4, 4, 2]):
        params = {}
        for l, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), 1):
            params[f"W{l}"] = rng.normal(size=(n_in, n_out))
            params[f"b{l}"] = rng.normal(size=n_out)
        cases.append((rng.normal(size=(int(rng.integers(1, 7)), sizes[0])), params))
    return cases


def label_cases(rng):
    cases = []
    for N, K in [(1, 4), (int(rng.integers(5, 20)), 10), (30, 3)]:
        cases.append((softmax(3 * rng.normal(size=(N, K))), rng.integers(0, K, N)))
    return cases


def cross_entropy(P, y):
    return float(-np.mean(np.log(np.clip(P[np.arange(len(y)), y], 1e-12, 1.0))))


def logit_cases(rng):
    N = int(rng.integers(5, 15))
    extremes = np.array([[1.0], [-1.0], [1.0], [0.0]]) * rng.uniform(700, 900)
    return [(rng.normal(0, 3, (N, 1)), rng.integers(0, 2, (N, 1)).astype(float)),
            (extremes, np.array([[0.0], [1.0], [1.0], [1.0]]))]


EXERCISES = {
    "forward_any": Hidden(
        cases=forward_cases, reference=forward, forbid=NO_LIBRARY_MODELS, points=2,
        slips=((lambda X, params: forward(X, params, output=lambda Z: np.maximum(Z, 0)),
                "the last layer is softmax, not ReLU"),)),
    "cross_entropy_from_labels": Hidden(
        cases=label_cases, reference=cross_entropy, forbid=("nnlib.losses",), points=1,
        slips=((lambda P, y: -np.mean(np.log(P[:, y])),
                "P[:, y] takes whole columns; P[np.arange(N), y] takes one probability per row"),)),
    "uniform_losses": Hidden(
        cases=lambda rng: [(int(k),) for k in (2, *rng.integers(3, 2000, 3))],
        reference=lambda K: np.array([np.log(K), 0.5 * (K - 1) / K]), forbid=("nnlib.losses",),
        rtol=1e-9, points=1),
    "binary_cross_entropy_from_logits": Hidden(
        cases=logit_cases, forbid=("nnlib.losses",), rtol=1e-9, points=2,
        reference=lambda Z, T: float(np.mean(T * np.logaddexp(0, -Z)
                                             + (1 - T) * np.logaddexp(0, Z)))),
}
