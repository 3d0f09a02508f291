"""Hidden tests for lesson 1 (used by tools/grade.py; not handed out to students): fresh inputs at
every grading and the reference answers."""

import numpy as np
from grade import Hidden


def stable_log_softmax(Z):
    shifted = Z - Z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def elu_derivative(z, alpha):
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0)))


def without_overflow(answer, z, alpha):
    with np.errstate(over="raise"):            # an overflow is a failure, as in the lesson
        return answer(z, alpha)


def without_arguments(answer, *case):
    return answer()


def ramp_cases(rng):
    return [(np.sort(rng.uniform(-5, 5, 400)),)]


def is_a_ramp(results, cases):
    (x,) = cases[0]
    try:
        W1, b1, W2, b2 = (np.asarray(p, dtype=float) for p in results[0])
    except (TypeError, ValueError):
        return False, "expected the tuple (W1, b1, W2, b2) of four arrays"
    shapes = [p.shape for p in (W1, b1, W2, b2)]
    if shapes != [(1, 2), (2,), (2, 1), (1,)]:
        return False, f"expected shapes [(1, 2), (2,), (2, 1), (1,)], received {shapes}"
    output = np.maximum(x[:, None] @ W1 + b1, 0) @ W2 + b2
    error = np.max(np.abs(output[:, 0] - np.clip(x, 0, 1)))
    return error < 1e-9, f"largest distance from the ramp on 400 random points: {error:.3g}"


def elu_cases(rng):
    away_from_0 = rng.choice([-1, 1], 60) * rng.uniform(0.05, 8, 60)
    extremes = np.array([-900.0, -60.0, 60.0, 900.0]) * rng.uniform(0.9, 1)
    return [(away_from_0, float(rng.uniform(0.2, 3))), (away_from_0.reshape(6, 10), 1.0),
            (extremes, float(rng.uniform(0.5, 2)))]


EXERCISES = {
    "tanh_from_sigmoid": Hidden(
        cases=lambda rng: [(rng.normal(0, 3, int(rng.integers(20, 60))),),
                           (rng.normal(0, 400, (3, 4)),)],
        reference=np.tanh, forbid=("numpy.tanh", "numpy.arctanh", "math.tanh", "cmath.tanh",
                                   "nnlib.activations.tanh", "nnlib.activations.tanh_grad"),
        points=1),
    "elu_grad": Hidden(
        cases=elu_cases, reference=elu_derivative, run=without_overflow,
        forbid=("nnlib.gradcheck",), rtol=1e-12, atol=1e-14, exact=True, points=2),
    "log_softmax": Hidden(
        cases=lambda rng: [(rng.normal(0, 3, (int(rng.integers(3, 9)), 5)),),
                           (np.array([[1, 0, -1], [0.5, -2, 3]]) * rng.uniform(600, 1000),)],
        reference=stable_log_softmax, rtol=1e-9, atol=1e-9, points=2),
    "ramp_network": Hidden(cases=ramp_cases, run=without_arguments, judge=is_a_ramp, points=1),
}
