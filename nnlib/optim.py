"""Optimisers: rules that turn gradients into parameter updates, in place.

Each has a `step(params, grads)` that updates every array of the `params` dict using the array of
the same name in `grads`, and a `lr` attribute that a learning-rate schedule may change.
"""

import numpy as np


class SGD:
    """Plain gradient descent: p <- p - lr * g."""

    def __init__(self, lr=0.1):
        self.lr = lr

    def step(self, params, grads):
        lr = float(self.lr)  # a numpy float64 scalar would promote float32 arrays
        for name, p in params.items():
            p -= lr * grads[name]


class Momentum:
    """Gradient descent with momentum: v <- beta v - lr g; p <- p + v.

    v is a running, decaying sum of past steps: it speeds along directions where gradients agree
    and damps oscillation where they flip sign.
    """

    def __init__(self, lr=0.1, beta=0.9):
        self.lr, self.beta = lr, beta
        self.velocity = {}

    def step(self, params, grads):
        lr = float(self.lr)
        for name, p in params.items():
            if name not in self.velocity:
                self.velocity[name] = np.zeros_like(p)
            v = self.velocity[name]
            v *= self.beta
            v -= lr * grads[name]
            p += v


class Adam:
    """Adam (Kingma and Ba, 2015): momentum on the gradient (m) divided by a running root mean
    square of the gradient (sqrt v), with both averages corrected for starting at zero."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m, self.v, self.t = {}, {}, 0

    def step(self, params, grads):
        self.t += 1
        lr = float(self.lr) * np.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
        for name, p in params.items():
            g = grads[name]
            if name not in self.m:
                self.m[name], self.v[name] = np.zeros_like(p), np.zeros_like(p)
            m, v = self.m[name], self.v[name]
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            p -= float(lr) * m / (np.sqrt(v) + self.eps)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def get_optimizer(name, lr):
    """Build an optimiser from its name ("sgd", "momentum", "adam") and a learning rate."""
    if name not in OPTIMIZERS:
        raise ValueError(
            f"unknown optimizer {name!r}; expected one of: {', '.join(sorted(OPTIMIZERS))}"
        )
    return OPTIMIZERS[name](lr=lr)
