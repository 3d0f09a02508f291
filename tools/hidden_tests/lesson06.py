"""Hidden tests for lesson 6 (used by tools/grade.py; not handed out to students): fresh inputs at
every grading and the reference answers."""

import numpy as np
from grade import Hidden


def confusion_cases(rng):
    cases = []
    for K in (10, int(rng.integers(3, 6))):
        C = rng.integers(0, 30, (K, K)) + np.diag(rng.integers(50, 200, K))
        cases.append((C,))
    return cases


def top_k_by_rank(P, y, k):
    rank = np.sum(P > P[np.arange(len(y)), y][:, None], axis=1)
    return float(np.mean(rank < k))


def probability_cases(rng):
    P, y = rng.dirichlet(np.ones(7), size=300), rng.integers(0, 7, 300)
    return [(P, y, k) for k in (1, int(rng.integers(2, 5)), 6)]


def mistakes_slowly(P, y, k):
    wrong = [i for i in range(len(y)) if P[i].argmax() != y[i]]
    wrong.sort(key=lambda i: (-P[i].max(), i))
    return np.array(wrong[:k], dtype=np.int64)


EXERCISES = {
    "per_class_accuracy": Hidden(
        cases=confusion_cases, reference=lambda C: np.diag(C) / C.sum(axis=1), points=1,
        slips=((lambda C: np.diag(C) / C.sum(axis=0),
                "row k of C counts the images whose true digit is k: divide by the row sums"),)),
    "top_k_accuracy": Hidden(
        cases=probability_cases, reference=top_k_by_rank, points=2,
        slips=((lambda P, y, k: float(np.mean(np.any(
            np.argsort(P, axis=1)[:, :k] == np.asarray(y)[:, None], axis=1))),
                "np.argsort sorts in ascending order: the k largest scores are its last k "
                "columns"),)),
    "parameters_and_multiply_adds": Hidden(
        cases=lambda rng: [([int(n) for n in rng.integers(2, 900, int(rng.integers(2, 6)))],)
                           for _ in range(4)],
        reference=lambda sizes: (sum(a * b + b for a, b in zip(sizes, sizes[1:])),
                                 sum(a * b for a, b in zip(sizes, sizes[1:]))),
        forbid=("nnlib.model", "nnlib.network"), rtol=0, atol=0, points=1),
    "most_confident_mistakes": Hidden(
        cases=lambda rng: [(rng.dirichlet(np.ones(5), size=400), rng.integers(0, 5, 400), k)
                           for k in (1, int(rng.integers(5, 30)))],
        reference=mistakes_slowly, rtol=0, atol=0, points=2),
}
