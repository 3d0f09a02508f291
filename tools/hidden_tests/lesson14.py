"""Hidden tests for lesson 14 (used by tools/grade.py; not handed out to students): fresh inputs
at every grading and the reference answers."""

import math

import numpy as np
from grade import Hidden


def causal_cases(rng):
    sizes = [1] + [int(t) for t in rng.integers(2, 12, 3)]
    far = rng.uniform(500, 3000)
    return [(rng.normal(0, 3, (t, t)),) for t in sizes] + [
        (rng.uniform(-3000, 3000, (5, 5)),),                       # no overflow
        (np.array([[0.0, far, far], [0.0, 0.0, far], [0.0, 1.0, 0.0]]),),  # a masked maximum
        (np.array([[-far, 0.0], [0.0, far]]),)]                    # a row far below the largest


def causal_weights(S):
    masked = np.where(np.tri(len(S), dtype=bool), S, -np.inf)
    E = np.exp(masked - masked.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def future_visible(S):                      # the mask below the diagonal instead of above it
    masked = np.where(np.tri(len(S), dtype=bool).T, S, -np.inf)
    E = np.exp(masked - masked.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def backward_cases(rng):
    cases = []
    for T, d in [(1, 3), (int(rng.integers(2, 8)), int(rng.integers(1, 6))),
                 (int(rng.integers(5, 12)), int(rng.integers(2, 9)))]:
        cases.append(tuple(rng.standard_normal((T, d)) for _ in range(4)))
    return cases


def attention_backward(Q, K, V, dO, scale=True):
    T, d_h = Q.shape
    root = math.sqrt(d_h)
    S = np.where(np.tri(T, dtype=bool), Q @ K.T / root, -np.inf)
    A = np.exp(S - S.max(axis=1, keepdims=True))
    A /= A.sum(axis=1, keepdims=True)
    dA = dO @ V.T
    dS = A * (dA - (dA * A).sum(axis=1, keepdims=True)) / (root if scale else 1)
    return dS @ K, dS.T @ Q, A.T @ dO


def block_cases(rng):
    heads = rng.choice([1, 2, 4, 8], 4)
    return [(int(h * d), int(h), int(f))
            for h, d, f in zip(heads, rng.integers(1, 50, 4), rng.integers(1, 800, 4))]


def block_parameters(d, h, d_ff):
    return 4 * d + 4 * d * d + d * d_ff + d_ff + d_ff * d + d


EXERCISES = {
    "causal_weights": Hidden(
        cases=causal_cases, reference=causal_weights, rtol=1e-9, atol=0, points=1,
        forbid=("nnlib.attention", "nnlib.activations.softmax", "nnlib.autograd"),
        slips=((future_visible, "position i may read positions 0..i only: the mask is -inf "
                                "above the diagonal (j > i)"),)),
    "attention_backward": Hidden(
        cases=backward_cases, reference=attention_backward, rtol=1e-9, atol=1e-12, points=2,
        forbid=("nnlib.attention", "nnlib.gradcheck", "nnlib.autograd"),
        slips=((lambda Q, K, V, dO: attention_backward(Q, K, V, dO, scale=False),
                "the scores are divided by sqrt(d_h): so are dQ and dK"),)),
    "block_parameters": Hidden(
        cases=block_cases, reference=block_parameters, rtol=0, atol=0, points=1,
        forbid=("nnlib.attention",),
        slips=((lambda d, h, d_ff: 4 * d * d + 2 * d * d_ff,
                "count the biases of the position-wise network and the layer normalisations' "
                "gamma and beta too"),)),
}
