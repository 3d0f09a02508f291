"""Hidden tests for lesson 10 (used by tools/grade.py; not handed out to students): fresh inputs
at every grading and the reference answers."""

import numpy as np
from grade import Hidden

NO_NUMERICAL = ("nnlib.gradcheck", "nnlib.layers")


def softmax_rows(rng, N, K):
    Z = 3 * rng.normal(size=(N, K))
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def fold(W, b, gamma, beta, mean, var, eps):
    scale = gamma / np.sqrt(var + eps)
    return W * scale, (b - mean) * scale + beta


def fold_cases(rng):
    cases = []
    for n_in, n_out in [(3, 2), (int(rng.integers(5, 20)), int(rng.integers(3, 9)))]:
        cases.append((rng.normal(size=(n_in, n_out)), rng.normal(size=n_out),
                      rng.uniform(0.5, 2, n_out), rng.normal(size=n_out), rng.normal(size=n_out),
                      rng.uniform(0.1, 4, n_out), 1e-5))
    return cases


def stopping(losses, patience):
    best = 0
    for i, loss in enumerate(losses):
        if loss < losses[best]:
            best = i
        if i - best >= patience:
            return i + 1, best + 1
    return len(losses), best + 1


def loss_curves(rng):
    cases = []
    for _ in range(5):
        n = int(rng.integers(4, 25))
        losses = np.round(np.exp(-np.linspace(0, 2, n)) + rng.normal(0, 0.05, n), 2)
        cases.append(([float(v) for v in losses], int(rng.integers(1, 5))))
    return cases


def layer_norm_backward(X, dX_hat, eps=1e-5):
    s = 1 / np.sqrt(X.var(axis=1, keepdims=True) + eps)
    X_hat = (X - X.mean(axis=1, keepdims=True)) * s
    return s * (dX_hat - dX_hat.mean(axis=1, keepdims=True)
                - X_hat * (dX_hat * X_hat).mean(axis=1, keepdims=True))


EXERCISES = {
    "softmax_backward": Hidden(
        cases=lambda rng: [(softmax_rows(rng, N, K), rng.normal(size=(N, K)))
                           for N, K in [(1, 4), (int(rng.integers(3, 9)), 10)]],
        reference=lambda Y, dY: Y * (dY - np.sum(dY * Y, axis=1, keepdims=True)),
        forbid=NO_NUMERICAL, rtol=1e-9, points=2,
        slips=((lambda Y, dY: Y * (1 - Y) * dY,
                "each Y_k depends on every X_i of its row: the terms k != i are missing"),)),
    "fold_batchnorm": Hidden(cases=fold_cases, reference=fold, forbid=("nnlib.layers",),
                             rtol=1e-9, points=2),
    "stopping_point": Hidden(cases=loss_curves, reference=stopping, rtol=0, atol=0, points=2),
    "layer_norm_backward": Hidden(
        cases=lambda rng: [(rng.normal(1, 2, (N, D)), rng.normal(size=(N, D)))
                           for N, D in [(int(rng.integers(1, 6)), 7), (4, 2)]],
        reference=layer_norm_backward, forbid=NO_NUMERICAL, rtol=1e-9, atol=1e-12, exact=True,
        points=3),
    "dropout_output_moments": Hidden(
        cases=lambda rng: [(rng.normal(size=n), rng.normal(size=n), float(p))
                           for n, p in [(40, rng.uniform(0.1, 0.9)), (3, 0.5)]],
        reference=lambda x, w, p: (float(x @ w), float(p / (1 - p) * np.sum((x * w) ** 2))),
        rtol=1e-9, max_lines=20, points=2,          # a formula, not a sum over 2^n masks
        slips=((lambda x, w, p: (float(x @ w), float(p * (1 - p) * np.sum((x * w) ** 2))),
                "inverted dropout divides the kept values by 1 - p: Var(m_i) = p / (1 - p)"),)),
}
