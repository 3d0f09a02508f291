"""Hidden tests for lesson 13 (used by tools/grade.py; not handed out to students): fresh inputs
at every grading and the reference answers."""

import numpy as np
from grade import Hidden

from nnlib.language import BOUNDARY, Vocabulary


def bigram_cases(rng):
    cases = []
    for letters in ("abc", "xyz-q", "lmnopqrs"):
        vocabulary = Vocabulary.from_words([letters])
        V = len(vocabulary)
        for n in (1, int(rng.integers(3, 9))):
            words = ["".join(rng.choice(list(letters), size=int(rng.integers(1, 9))))
                     for _ in range(n)]
            cases.append((words, rng.dirichlet(np.ones(V), size=V), vocabulary))
    return cases


def pairs(words, vocabulary, end=True):
    previous, following = [], []
    for word in words:
        ids = vocabulary.encode(BOUNDARY + word + (BOUNDARY if end else ""))
        previous.extend(ids[:-1])
        following.extend(ids[1:])
    return previous, following


def bigram_nll(words, P, vocabulary):
    return float(-np.mean(np.log(P[pairs(words, vocabulary)])))


def per_word_mean(words, P, vocabulary):
    return float(np.mean([bigram_nll([w], P, vocabulary) for w in words]))


def without_the_end(words, P, vocabulary):
    return float(-np.mean(np.log(P[pairs(words, vocabulary, end=False)])))


def embedding_cases(rng):
    cases = [(np.full((3, 4), int(rng.integers(0, 5))), rng.standard_normal((3, 4, 2)), 5)]
    for _ in range(3):
        V, N, T, d = (int(rng.integers(2, 30)), int(rng.integers(1, 20)), int(rng.integers(1, 6)),
                      int(rng.integers(1, 12)))
        cases.append((rng.integers(0, V, (N, T)), rng.standard_normal((N, T, d)), V))
    return cases


def embedding_backward(X, dY, V):
    dE = np.zeros((V, dY.shape[-1]))
    np.add.at(dE, X.ravel(), dY.reshape(-1, dY.shape[-1]))
    return dE


def assigned_not_added(X, dY, V):
    dE = np.zeros((V, dY.shape[-1]))
    dE[X.ravel()] += dY.reshape(-1, dY.shape[-1])
    return dE


def temperature_cases(rng):
    return [(rng.normal(0, 3, (int(rng.integers(1, 6)), int(rng.integers(2, 30)))),
             float(tau)) for tau in rng.uniform(0.2, 4, 3)] + [
        (rng.uniform(-2000, 2000, (3, 5)), float(rng.uniform(0.05, 0.2)))]   # no overflow


def temperature_softmax(Z, tau):
    S = Z / tau
    E = np.exp(S - S.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def sizes_cases(rng):
    return [tuple(int(rng.integers(low, high)) for low, high in [(2, 100), (1, 9), (1, 40),
                                                                   (1, 500)])
            for _ in range(5)]


def table_and_network_sizes(V, T, d, n_h):
    return V ** (T + 1), V * d + T * d * n_h + n_h + n_h * V + V


EXERCISES = {
    "bigram_nll": Hidden(
        cases=bigram_cases, reference=bigram_nll, forbid=("nnlib.language.context_windows",),
        rtol=1e-9, points=2,
        slips=((per_word_mean, "average over all predictions together, not word by word"),
               (without_the_end, "each word also predicts the boundary that ends it"))),
    "embedding_backward": Hidden(
        cases=embedding_cases, reference=embedding_backward, rtol=1e-9, points=2,
        forbid=("nnlib.labels.one_hot", "nnlib.layers.Embedding", "nnlib.autograd"),
        slips=((assigned_not_added, "dE[X] += dY keeps only one row per repeated token"),)),
    "temperature_softmax": Hidden(
        cases=temperature_cases, reference=temperature_softmax, rtol=1e-9, atol=1e-12, points=2,
        forbid=("nnlib.language.next_token_probabilities", "nnlib.activations.softmax",
                "nnlib.autograd"),
        slips=((lambda Z, tau: temperature_softmax(Z * tau, 1.0),
                "divide the logits by the temperature"),)),
    "table_and_network_sizes": Hidden(
        cases=sizes_cases, reference=table_and_network_sizes, rtol=0, atol=0,
        forbid=("nnlib.sequential.Sequential", "nnlib.layers")),
}
