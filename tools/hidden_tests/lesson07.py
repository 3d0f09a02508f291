"""Hidden tests for lesson 7 (used by tools/grade.py; not handed out to students): fresh inputs at
every grading and the reference answers."""

import numpy as np
from grade import Hidden


def pieces(params):
    w, b, v = (np.asarray(params[k], dtype=float).ravel() for k in ("W1", "b1", "W2"))
    on = w != 0
    kinks, jumps = -b[on] / w[on], v[on] * np.abs(w[on])
    return 1 + sum(abs(jumps[kinks == k].sum()) > 1e-9 for k in np.unique(kinks))


def piece_cases(rng):
    cases = []
    for n in (3, 6, 9):
        w = rng.choice([-2.0, -1.0, 0.0, 1.0, 2.0], n)
        b = rng.integers(-3, 4, n).astype(float) * np.abs(w + (w == 0))     # shared kinks
        v = rng.choice([-1.0, 1.0, 2.0], n)
        if n == 9:                                   # two units that cancel each other
            w[:2], b[:2], v[:2] = [1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]
        cases.append(({"W1": w[None, :], "b1": b, "W2": v[:, None], "b2": np.zeros(1)},))
    return cases


def relu_network_output(params, x):
    A, L = x, len(params) // 2
    for l in range(1, L + 1):
        Z = A @ np.asarray(params[f"W{l}"], float) + np.asarray(params[f"b{l}"], float)
        A = Z if l == L else np.maximum(Z, 0)
    return A[:, 0]


def bump_on_a_grid(answer, a, b, delta):
    x = np.linspace(-8, 8, 1601).reshape(-1, 1)
    params = answer(a, b, delta)
    A = x
    for l in (1, 2):
        A = A @ np.asarray(params[f"W{l}"], float) + np.asarray(params[f"b{l}"], float)
        A = np.maximum(A, 0) if l == 1 else A
    return A[:, 0]


def trapezoid(a, b, delta):
    x = np.linspace(-8, 8, 1601)
    return np.interp(x, [a, a + delta, b - delta, b], [0, 1, 1, 0])


def bump_cases(rng):
    cases = []
    for _ in range(3):
        a = float(rng.uniform(-6, 0))
        delta = float(rng.uniform(0.1, 1.5))
        cases.append((a, float(a + 2 * delta + rng.uniform(0.5, 5)), delta))
    return cases


def sawtooth_on_a_grid(answer, k):
    params = answer(k)
    widths = [np.shape(params[f"W{l}"])[1] for l in range(1, k + 1)]
    if len(params) != 2 * (k + 1) or widths != [2] * k:
        raise ValueError(f"expected {k} hidden layers of 2 units, got hidden widths {widths}")
    A = np.linspace(0, 1, 2049).reshape(-1, 1)
    for l in range(1, k + 2):
        A = A @ np.asarray(params[f"W{l}"], float) + np.asarray(params[f"b{l}"], float)
        A = np.maximum(A, 0) if l <= k else A
    return A[:, 0]


def tent(k):
    a = np.linspace(0, 1, 2049)
    for _ in range(k):
        a = 1 - np.abs(2 * a - 1)
    return a


EXERCISES = {
    "count_pieces": Hidden(cases=piece_cases, reference=pieces, rtol=0, atol=0, points=3),
    "bump_params": Hidden(cases=bump_cases, run=bump_on_a_grid, reference=trapezoid, points=2),
    "sawtooth_params": Hidden(cases=lambda rng: [(int(k),) for k in (1, *rng.integers(2, 8, 2))],
                              run=sawtooth_on_a_grid, reference=tent, atol=1e-9, points=3),
    "min_hinge_units": Hidden(
        cases=lambda rng: [(float(e),) for e in 10 ** rng.uniform(-4, 0.4, 4)],
        reference=lambda e: int(np.ceil(3 / np.sqrt(e))), rtol=0, atol=0, max_lines=20,
        points=2),                                  # a formula, not a search
}
