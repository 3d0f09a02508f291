"""Activation functions f(z) and their derivatives f'(z), applied element by element.

Every function takes an array `z` of any shape and returns an array of the same shape and
floating dtype, except `softmax_grad`, which returns the Jacobian. `<name>_grad(z, a=None)` is
the derivative with respect to z, evaluated at z; `a` may pass f(z) when it is already known (as in
backpropagation, which kept it from the forward pass): sigmoid and tanh then skip recomputing it.
"""

import numpy as np


def _float(z):
    z = np.asarray(z)
    return z if z.dtype.kind == "f" else z.astype(np.float64)


def linear(z):
    """Identity, f(z) = z: the output activation for regression."""
    return _float(z).copy()


def linear_grad(z, a=None):
    """f'(z) = 1."""
    return np.ones_like(_float(z))


def step(z):
    """Heaviside step: 1 where z >= 0, else 0 (the perceptron's activation)."""
    z = _float(z)
    return (z >= 0).astype(z.dtype)


def step_grad(z, a=None):
    """0 everywhere (undefined at 0, taken as 0): why a step cannot be trained by gradients."""
    return np.zeros_like(_float(z))


def sigmoid(z):
    """Logistic sigmoid 1 / (1 + e^-z), written so that e^x is only ever taken of x <= 0.

    Exact and warning-free for any finite z: sigmoid(1000) = 1.0, sigmoid(-1000) = 0.0.
    """
    z = _float(z)
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(z, a=None):
    """sigma'(z) = sigma(z) (1 - sigma(z)), at most 1/4 (at z = 0). a: sigmoid(z), if known."""
    s = sigmoid(z) if a is None else a
    return s * (1 - s)


def tanh(z):
    """Hyperbolic tangent, a sigmoid rescaled to (-1, 1): tanh(z) = 2 sigma(2z) - 1."""
    return np.tanh(_float(z))


def tanh_grad(z, a=None):
    """tanh'(z) = 1 - tanh(z)^2, at most 1 (at z = 0). a: tanh(z), if known."""
    t = np.tanh(_float(z)) if a is None else a
    return 1 - t * t


def relu(z):
    """Rectified linear unit max(0, z)."""
    z = _float(z)
    return np.maximum(z, 0)


def relu_grad(z, a=None):
    """1 where z > 0, else 0 (the kink at 0 is given derivative 0)."""
    z = _float(z)
    return (z > 0).astype(z.dtype)


def leaky_relu(z, alpha=0.01):
    """z where z > 0, else alpha * z: a small slope keeps negative units trainable."""
    z = _float(z)
    return np.where(z > 0, z, alpha * z).astype(z.dtype, copy=False)


def leaky_relu_grad(z, alpha=0.01, a=None):
    """1 where z > 0, else alpha."""
    z = _float(z)
    return np.where(z > 0, 1, alpha).astype(z.dtype)


def softmax(z, axis=-1):
    """exp(z) normalised to sum to 1 along `axis` (each row of an (N, K) batch).

    The row maximum is subtracted first: softmax(z) = softmax(z - c) for any c, and after the
    shift every exponent is <= 0, so nothing overflows.
    """
    z = _float(z)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_grad(z, a=None):
    """Jacobian of softmax over the last axis: J[i, j] = s_i (delta_ij - s_j).

    z of shape (K,) gives (K, K); a batch (N, K) gives (N, K, K).
    """
    s = softmax(z) if a is None else a
    return s[..., :, None] * (np.eye(s.shape[-1], dtype=s.dtype) - s[..., None, :])


ACTIVATIONS = {
    "linear": (linear, linear_grad),
    "step": (step, step_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "softmax": (softmax, softmax_grad),
}


def get_activation(name):
    """Return the pair (f, f_grad) for an activation name, e.g. get_activation("relu")."""
    if name not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {name!r}; expected one of: {', '.join(sorted(ACTIVATIONS))}"
        )
    return ACTIVATIONS[name]
