"""Hidden tests for lesson 8 (used by tools/grade.py; not handed out to students): fresh inputs at
every grading and the reference answers."""

import numpy as np
from grade import Hidden


def rms(q, n, s, depth):
    variances = [n * s ** 2 * q]
    for _ in range(depth - 1):
        variances.append(n * s ** 2 * variances[-1] / 2)
    return np.sqrt(np.array(variances))


def ratio_cases(rng):
    cases = []
    for sizes in ([20, 8, 3], [10, 6, 5, 2]):
        params, grads = {}, {}
        for l, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), 1):
            params[f"W{l}"] = rng.normal(size=(n_in, n_out))
            params[f"b{l}"] = rng.normal(size=n_out)
            grads[f"W{l}"], grads[f"b{l}"] = rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)
        cases.append((params, grads, float(rng.uniform(0.001, 0.5))))
    return cases


EXERCISES = {
    "leaky_relu_std": Hidden(
        cases=lambda rng: [(int(n), float(a)) for n, a in zip(rng.integers(10, 2000, 4),
                                                              (0.0, *rng.uniform(0, 1, 3)))],
        reference=lambda n, a: np.sqrt(2 / ((1 + a ** 2) * n)), rtol=1e-9, points=2,
        slips=((lambda n, a: np.sqrt(2 / ((1 + a) * n)),
                "the negative half gives alpha z, whose square is alpha^2 z^2: square alpha"),)),
    "predicted_rms": Hidden(
        cases=lambda rng: [(float(rng.uniform(0.2, 5)), int(rng.integers(20, 500)),
                            float(rng.uniform(0.01, 0.3)), int(rng.integers(2, 15)))
                           for _ in range(3)],
        reference=rms, rtol=1e-9, points=2,                 # the formula, not a simulation
        slips=((lambda q, n, s, depth: np.sqrt(n * s ** 2 * q * (n * s ** 2) ** np.arange(depth)),
                "a ReLU zeroes half of each z, so E[a^2] = E[z^2] / 2 after every layer"),)),
    "sgd_update_ratios": Hidden(
        cases=ratio_cases, points=1, forbid=("nnlib.diagnostics",),
        reference=lambda params, grads, lr: {
            name: lr * np.linalg.norm(grads[name]) / np.linalg.norm(W)
            for name, W in params.items() if W.ndim >= 2},
        slips=((lambda params, grads, lr: {name: np.linalg.norm(grads[name]) / np.linalg.norm(W)
                                          for name, W in params.items() if W.ndim >= 2},
                "the update is lr times the gradient: multiply by lr"),)),
}
