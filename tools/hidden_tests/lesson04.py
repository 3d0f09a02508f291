"""Hidden tests for lesson 4 (used by tools/grade.py; not handed out to students): fresh inputs at
every grading and the reference answers. The gradients are compared to 1e-10: an exact gradient
meets that, a numerical one does not."""

import numpy as np
from grade import Hidden

# every path in nnlib to a gradient: numerical derivatives, and the models' backward passes
NO_LIBRARY_GRADIENTS = ("nnlib.gradcheck", "nnlib.model", "nnlib.network", "nnlib.sequential",
                        "nnlib.layers", "nnlib.diagnostics", "nnlib.losses")


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def chain3(x, y, w, b):
    a = [x]
    for i in range(3):
        a.append(sigmoid(w[i] * a[-1] + b[i]))
    grads, delta = np.zeros((2, 3)), (a[3] - y) * a[3] * (1 - a[3])
    for i in (2, 1, 0):
        grads[:, i] = delta * a[i], delta
        delta = delta * w[i] * a[i] * (1 - a[i])
    return grads


def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def input_gradient(params, X, Y):
    A1 = np.tanh(X @ params["W1"] + params["b1"])
    dZ2 = (softmax(A1 @ params["W2"] + params["b2"]) - Y) / len(X)
    return ((dZ2 @ params["W2"].T) * (1 - A1 ** 2)) @ params["W1"].T


def regression(params, X, Y, lam):
    A1 = np.tanh(X @ params["W1"] + params["b1"])
    dZ2 = (A1 @ params["W2"] + params["b2"] - Y) / len(X)
    dZ1 = (dZ2 @ params["W2"].T) * (1 - A1 ** 2)
    return {"W1": X.T @ dZ1 + lam * params["W1"], "b1": dZ1.sum(axis=0),
            "W2": A1.T @ dZ2 + lam * params["W2"], "b2": dZ2.sum(axis=0)}


def network(rng, D, H, K):
    return {"W1": rng.normal(size=(D, H)), "b1": rng.normal(size=H),
            "W2": rng.normal(size=(H, K)), "b2": rng.normal(size=K)}


def chain3_cases(rng):
    return [(float(rng.normal()), float(rng.uniform()), rng.normal(0, 2, 3), rng.normal(0, 1, 3))
            for _ in range(3)]


def input_gradient_cases(rng):
    cases = []
    for N, D, H, K in [(int(rng.integers(1, 4)), 3, 6, 4), (9, 5, 7, 3)]:
        cases.append((network(rng, D, H, K), rng.normal(size=(N, D)),
                      np.eye(K)[rng.integers(0, K, N)]))
    return cases


def regression_cases(rng):
    return [(network(rng, 4, 6, 2), rng.normal(size=(7, 4)), rng.normal(size=(7, 2)), lam)
            for lam in (0.0, float(rng.uniform(0.05, 0.5)))]


EXERCISES = {
    "chain3_gradients": Hidden(cases=chain3_cases, reference=chain3, forbid=NO_LIBRARY_GRADIENTS,
                               rtol=1e-10, atol=1e-13, exact=True, points=2),
    "tanh_net_input_gradient": Hidden(
        cases=input_gradient_cases, reference=input_gradient, forbid=NO_LIBRARY_GRADIENTS,
        rtol=1e-10, atol=1e-13, exact=True, points=2,
        slips=((lambda params, X, Y: (((softmax(np.tanh(X @ params["W1"] + params["b1"])
                                                @ params["W2"] + params["b2"]) - Y) / len(X))
                                       @ params["W2"].T) @ params["W1"].T,
                "the tanh layer's local derivative, 1 - tanh(z)^2, is missing from dZ1"),)),
    "regression_gradients": Hidden(
        cases=regression_cases, reference=regression, forbid=NO_LIBRARY_GRADIENTS, rtol=1e-10,
        atol=1e-13, exact=True, points=3,
        slips=((lambda params, X, Y, lam: {**regression(params, X, Y, lam),
                                           "b1": regression(params, X, Y, lam)["b1"]
                                           + lam * params["b1"],
                                           "b2": regression(params, X, Y, lam)["b2"]
                                           + lam * params["b2"]},
                "the L2 penalty contains the weights only: the biases get no lam * b"),)),
}
