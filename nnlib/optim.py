"""Optimisers: rules that turn gradients into parameter updates, in place.

Each has a `step(params, grads)` that updates every array of the `params` dict using the array of
the same name in `grads`, and a `lr` attribute that a learning-rate schedule may change. The rules
are the ones PyTorch documents for `SGD` (with `momentum` and `nesterov`), `RMSprop` and `AdamW`,
so the same settings give the same numbers there. State (velocities, averages) is kept per
parameter, allocated at the first step with the parameter's shape and dtype. An optimiser with
state belongs to the parameters it first stepped: handed other arrays under the same names (a
second model, or a parameter replaced by a new array), it refuses rather than start them with the
first one's velocity; build one optimiser per model, or call `reset()`.
"""

import math

import numpy as np

from ._checks import number


class _Optimizer:
    """What every optimiser with memory shares: its per-parameter state (dicts keyed by parameter
    name, listed in `state_names`) and the parameter arrays that state belongs to."""

    state_names = ()

    def reset(self):
        """Forget every velocity and average, as if newly built."""
        self._owners = {}
        for name in self.state_names:
            setattr(self, name, {})

    def _claim(self, params):
        """Refuse, before changing anything, parameters other than those the state was made for."""
        for name, p in params.items():
            if self._owners.setdefault(name, p) is not p:
                raise ValueError(
                    f"this {type(self).__name__} holds state for another array named {name!r} "
                    f"(of another model, or replaced since): build a new optimiser for each "
                    f"model, or call reset() first")

    @staticmethod
    def _match(params, grads):
        """Refuse gradients that do not match the parameters, name for name and shape for shape:
        a gradient of another shape could broadcast into a wrong update without an error."""
        if params.keys() != grads.keys():
            raise ValueError(f"grads must hold one array per parameter, with the same names; "
                             f"params has {', '.join(params)}, grads {', '.join(grads)}")
        for name, p in params.items():
            g = grads[name]
            if (g.shape if isinstance(g, np.ndarray) else np.shape(g)) != p.shape:
                raise ValueError(f"the gradient of {name!r} has shape {np.shape(g)}; the "
                                 f"parameter's is {p.shape}")

    @staticmethod
    def _state(store, name, p):
        """The state array `store[name]`, created as zeros shaped like p (and of its dtype)."""
        if name not in store:
            store[name] = np.zeros_like(p)
        return store[name]


class SGD(_Optimizer):
    """Plain gradient descent: p <- p - lr * g."""

    def __init__(self, lr=0.1):
        self.lr = number(lr, "lr")

    def step(self, params, grads):
        self._match(params, grads)
        lr = float(self.lr)  # a numpy float64 scalar would promote float32 arrays
        for name, p in params.items():
            p -= lr * grads[name]


class Momentum(_Optimizer):
    """Gradient descent with momentum: v <- beta v + g; p <- p - lr v.

    v is an exponentially weighted sum of past gradients (g_t + beta g_{t-1} + beta^2 g_{t-2} +
    ...): it speeds along directions where gradients agree and damps oscillation where they flip
    sign. nesterov=True steps with g + beta v instead of v: it looks one step ahead along v.
    """

    state_names = ("velocity",)

    def __init__(self, lr=0.1, beta=0.9, nesterov=False):
        self.lr = number(lr, "lr")
        self.beta = number(beta, "beta", below=1)
        self.nesterov = bool(nesterov)
        self.reset()

    def step(self, params, grads):
        self._claim(params)
        self._match(params, grads)
        lr = float(self.lr)
        for name, p in params.items():
            g = grads[name]
            v = self._state(self.velocity, name, p)
            v *= self.beta
            v += g
            p -= lr * (g + self.beta * v if self.nesterov else v)


class RMSProp(_Optimizer):
    """RMSProp (Hinton's lecture notes, 2012): each coordinate's step is divided by a running root
    mean square of its own gradients: s <- rho s + (1 - rho) g^2; p <- p - lr g / (sqrt(s) + eps).
    """

    state_names = ("square_avg",)

    def __init__(self, lr=0.001, rho=0.9, eps=1e-8):
        self.lr = number(lr, "lr")
        self.rho = number(rho, "rho", below=1)
        self.eps = number(eps, "eps")
        self.reset()

    def step(self, params, grads):
        self._claim(params)
        self._match(params, grads)
        lr = float(self.lr)
        for name, p in params.items():
            g = grads[name]
            s = self._state(self.square_avg, name, p)
            s *= self.rho
            s += (1 - self.rho) * g * g
            p -= lr * g / (np.sqrt(s) + self.eps)


class Adam(_Optimizer):
    """Adam (Kingma and Ba, 2015) with AdamW's decoupled weight decay (Loshchilov and Hutter, 2019).

    m <- beta1 m + (1 - beta1) g           running mean of the gradient
    v <- beta2 v + (1 - beta2) g^2         running mean of its square
    m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t)   both start at 0: this undoes the bias
    p <- p - lr weight_decay p - lr m_hat / (sqrt(v_hat) + eps)
    eps sits outside the square root, added to the corrected sqrt(v_hat), as in PyTorch.
    """

    state_names = ("m", "v")

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        self.lr = number(lr, "lr")
        self.beta1 = number(beta1, "beta1", below=1)
        self.beta2 = number(beta2, "beta2", below=1)
        self.eps = number(eps, "eps")
        self.weight_decay = number(weight_decay, "weight_decay")
        self.reset()

    def reset(self):
        """Forget both averages and the step counts, as if newly built."""
        super().reset()
        self.steps = {}  # parameter name -> the number of steps it has taken

    @property
    def t(self):
        """The number of steps taken (by the parameter stepped most often)."""
        return max(self.steps.values(), default=0)

    def step(self, params, grads):
        self._claim(params)
        self._match(params, grads)
        lr = float(self.lr)
        for name, p in params.items():
            g = grads[name]
            # t counts each parameter's own steps, as in PyTorch: a parameter added to training
            # later (a layer unfrozen) starts its bias correction at t = 1
            t = self.steps[name] = self.steps.get(name, 0) + 1
            m_scale = 1 / (1 - self.beta1**t)
            v_scale = 1 / math.sqrt(1 - self.beta2**t)
            m = self._state(self.m, name, p)
            v = self._state(self.v, name, p)
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            if self.weight_decay:
                p -= lr * self.weight_decay * p
            p -= (lr * m_scale) * m / (np.sqrt(v) * v_scale + self.eps)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "rmsprop": RMSProp, "adam": Adam}


def get_optimizer(name, lr=None):
    """An optimiser from its name ("sgd", "momentum", "rmsprop", "adam") and a learning rate
    (None: the optimiser's own default)."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; expected one of: "
                         f"{', '.join(sorted(OPTIMIZERS))} or an optimiser object")
    return OPTIMIZERS[name]() if lr is None else OPTIMIZERS[name](lr=lr)
