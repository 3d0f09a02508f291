"""Optimisers: rules that turn gradients into parameter updates, in place.

Each has a `step(params, grads)` that updates every array of the `params` dict using the array of
the same name in `grads`, and a `lr` attribute that a learning-rate schedule may change. The rules
are the ones PyTorch documents for `SGD` (with `momentum` and `nesterov`), `RMSprop` and `AdamW`,
so the same settings give the same numbers there. State (velocities, averages) is kept per
parameter name, allocated at the first step.
"""

import math

import numpy as np


def _check_rate(value, name, upper=None):
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer) \
            or not math.isfinite(value) or value < 0 or (upper is not None and value >= upper):
        bound = f"in [0, {upper})" if upper is not None else "a finite number >= 0"
        raise ValueError(f"{name} must be {bound}; received {value!r}")
    return float(value)


def _state(store, name, p):
    """The state array `store[name]`, created as zeros shaped like p at the first step."""
    if name not in store:
        store[name] = np.zeros_like(p)
    return store[name]


class SGD:
    """Plain gradient descent: p <- p - lr * g."""

    def __init__(self, lr=0.1):
        self.lr = _check_rate(lr, "lr")

    def step(self, params, grads):
        lr = float(self.lr)  # a numpy float64 scalar would promote float32 arrays
        for name, p in params.items():
            p -= lr * grads[name]


class Momentum:
    """Gradient descent with momentum: v <- beta v + g; p <- p - lr v.

    v is an exponentially weighted sum of past gradients (g_t + beta g_{t-1} + beta^2 g_{t-2} +
    ...): it speeds along directions where gradients agree and damps oscillation where they flip
    sign. nesterov=True steps with g + beta v instead of v: it looks one step ahead along v.
    """

    def __init__(self, lr=0.1, beta=0.9, nesterov=False):
        self.lr = _check_rate(lr, "lr")
        self.beta = _check_rate(beta, "beta", upper=1)
        self.nesterov = bool(nesterov)
        self.velocity = {}

    def step(self, params, grads):
        lr = float(self.lr)
        for name, p in params.items():
            g = grads[name]
            v = _state(self.velocity, name, p)
            v *= self.beta
            v += g
            p -= lr * (g + self.beta * v if self.nesterov else v)


class RMSProp:
    """RMSProp (Hinton's lecture notes, 2012): each coordinate's step is divided by a running root
    mean square of its own gradients: s <- rho s + (1 - rho) g^2; p <- p - lr g / (sqrt(s) + eps).
    """

    def __init__(self, lr=0.001, rho=0.9, eps=1e-8):
        self.lr = _check_rate(lr, "lr")
        self.rho = _check_rate(rho, "rho", upper=1)
        self.eps = _check_rate(eps, "eps")
        self.square_avg = {}

    def step(self, params, grads):
        lr = float(self.lr)
        for name, p in params.items():
            g = grads[name]
            s = _state(self.square_avg, name, p)
            s *= self.rho
            s += (1 - self.rho) * g * g
            p -= lr * g / (np.sqrt(s) + self.eps)


class Adam:
    """Adam (Kingma and Ba, 2015) with AdamW's decoupled weight decay (Loshchilov and Hutter, 2019).

    m <- beta1 m + (1 - beta1) g           running mean of the gradient
    v <- beta2 v + (1 - beta2) g^2         running mean of its square
    m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t)   both start at 0: this undoes the bias
    p <- p - lr weight_decay p - lr m_hat / (sqrt(v_hat) + eps)
    eps sits outside the square root, added to the corrected sqrt(v_hat), as in PyTorch.
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        self.lr = _check_rate(lr, "lr")
        self.beta1 = _check_rate(beta1, "beta1", upper=1)
        self.beta2 = _check_rate(beta2, "beta2", upper=1)
        self.eps = _check_rate(eps, "eps")
        self.weight_decay = _check_rate(weight_decay, "weight_decay")
        self.m, self.v, self.t = {}, {}, 0

    def step(self, params, grads):
        self.t += 1
        lr = float(self.lr)
        m_scale = 1 / (1 - self.beta1**self.t)
        v_scale = 1 / math.sqrt(1 - self.beta2**self.t)
        for name, p in params.items():
            g = grads[name]
            m = _state(self.m, name, p)
            v = _state(self.v, name, p)
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            if self.weight_decay:
                p -= lr * self.weight_decay * p
            p -= (lr * m_scale) * m / (np.sqrt(v) * v_scale + self.eps)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "rmsprop": RMSProp, "adam": Adam}


def get_optimizer(name, lr):
    """An optimiser from its name ("sgd", "momentum", "rmsprop", "adam") and a learning rate."""
    if name not in OPTIMIZERS:
        raise ValueError(
            f"unknown optimizer {name!r}; expected one of: {', '.join(sorted(OPTIMIZERS))}"
        )
    return OPTIMIZERS[name](lr=lr)
