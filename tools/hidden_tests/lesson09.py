"""Hidden tests for lesson 9 (used by tools/grade.py; not handed out to students): fresh inputs at
every grading and the reference answers."""

import numpy as np
from grade import Hidden


def adagrad(p, gradients, lr, eps=1e-8, average=False):
    s = np.zeros_like(p)
    for g in gradients:
        s = 0.9 * s + 0.1 * g * g if average else s + g * g
        p = p - lr * g / (np.sqrt(s) + eps)
    return p


def steps(answer, p, gradients, lr):
    state = {}
    for g in gradients:
        p = answer(p, g, state, lr)
    return p


def adagrad_cases(rng):
    shape = (int(rng.integers(2, 5)), 3)
    return [(rng.normal(size=shape), rng.normal(size=(int(rng.integers(5, 12)), *shape)),
             float(rng.uniform(0.01, 0.5))),
            (np.zeros(1), np.ones((50, 1)), 0.1)]          # a constant gradient: lr / sqrt(t)


def nesterov_limit(lam_max, beta):
    return 2 * (1 + beta) / ((1 + 2 * beta) * lam_max)


EXERCISES = {
    "adagrad_step": Hidden(
        cases=adagrad_cases, reference=adagrad, run=steps, forbid=("nnlib.optim",),
        # eps inside the square root changes these steps by about 1e-9 and passes
        rtol=1e-6, atol=1e-9, points=2,
        slips=((lambda p, gradients, lr: adagrad(p, gradients, lr, average=True),
                "s must be the sum of all past g^2, not a running average (that is RMSProp)"),)),
    "nesterov_lr_limit": Hidden(
        cases=lambda rng: [(float(rng.uniform(0.5, 50)), float(beta))
                           for beta in (0.0, *rng.uniform(0.3, 0.99, 3))],
        reference=nesterov_limit, forbid=("nnlib.optim",), rtol=1e-9, atol=0, points=3,
        max_lines=40,                      # a formula, not a search by simulation
        slips=((lambda lam, beta: 2 * (1 + beta) / lam,
                "that is plain momentum's limit: Nesterov's gradient is taken at the look-ahead "
                "point, which changes the matrix M"),
               (lambda lam, beta: 2 / lam,
                "that is plain gradient descent's limit 2 / lambda: momentum changes it"))),
}
