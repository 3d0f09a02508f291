"""Loss functions L(Y_hat, Y) and their gradients dL/dY_hat.

Shapes: predictions `Y_hat` and targets `Y` are (N, K), one sample per row. Every loss is summed
over the K outputs of a sample and averaged over the N samples of the batch, so gradients carry a
factor 1/N. Class targets may be given as one-hot rows (N, K) or as integer labels (N,).

Targets must suit the loss: each row of a cross-entropy target is a probability distribution
(entries >= 0 that sum to 1), and binary cross-entropy targets lie in [0, 1]. Other targets are
refused, because the formulas below would return a number that means nothing (a negative loss, or a
gradient that is not the loss's).
"""

import numpy as np

from ._checks import as_float_array, same_shape
from .activations import sigmoid
from .labels import one_hot

_LOGIT_NAMES = {"cross_entropy": "softmax_cross_entropy",
               "binary_cross_entropy": "sigmoid_binary_cross_entropy"}
EPS = 1e-12  # probabilities are clipped to [EPS, 1] before a log: log(0) would be -inf


def _eps(dtype):
    """The clipping margin: 1e-12, or float32's resolution (1 - 1e-12 rounds to 1 in float32)."""
    return max(EPS, float(np.finfo(dtype).eps))


def check_targets(Y, loss):
    """Raise ValueError unless the targets Y (N, K) suit `loss` (see the module's docstring)."""
    if loss == "cross_entropy":
        worst = float(np.max(np.abs(Y.sum(axis=1) - 1), initial=0.0))
        if Y.size and (Y.min() < 0 or worst > 1e-5):
            raise ValueError(
                "cross-entropy targets must be one-hot rows or probability distributions (each row "
                f">= 0, summing to 1); received values from {Y.min():g} to {Y.max():g}, row sums "
                f"off by up to {worst:g}"
            )
    elif loss == "binary_cross_entropy":
        if Y.size and (Y.min() < 0 or Y.max() > 1):
            raise ValueError(f"binary cross-entropy targets must lie in [0, 1]; received values "
                             f"from {Y.min():g} to {Y.max():g}")


def _pair(Y_hat, Y, loss):
    """Check predictions and targets; integer labels (N,) become one-hot to match Y_hat (N, K)."""
    Y_hat = as_float_array(Y_hat, "Y_hat", ndim=2)
    if len(Y_hat) == 0:
        raise ValueError("a loss needs at least one sample; received shape (0, K)")
    Y = np.asarray(Y)
    if Y.ndim == 1 and Y_hat.shape[1] > 1:
        if Y.shape[0] != Y_hat.shape[0]:
            raise ValueError(
                f"expected {Y_hat.shape[0]} labels, one per row of Y_hat; received {Y.shape[0]}"
            )
        Y = one_hot(Y, Y_hat.shape[1])
    Y = as_float_array(Y, "Y", dtype=Y_hat.dtype)
    same_shape(Y_hat, Y, "Y_hat", "Y")
    check_targets(Y, loss)
    return Y_hat, Y


def mse(Y_hat, Y):
    """Mean squared error L = 1/(2N) sum_n ||y_hat_n - y_n||^2 (the 1/2 cancels in the gradient)."""
    return _mse(*_pair(Y_hat, Y, "mse"))[0]


def mse_grad(Y_hat, Y):
    """dL/dY_hat = (Y_hat - Y) / N, shape (N, K)."""
    return _mse(*_pair(Y_hat, Y, "mse"))[1]


def _mse(Y_hat, Y):
    error = Y_hat - Y
    return 0.5 * float(np.sum(error * error)) / len(Y), error / len(Y)


def _probabilities(P, Y, loss):
    """_pair, and P refused unless it holds probabilities: logits passed by mistake would be
    clipped into a plausible but wrong loss."""
    P, Y = _pair(P, Y, loss)
    if P.size and (P.min() < 0 or P.max() > 1):
        raise ValueError(f"{loss} expects probabilities in [0, 1]; received values from "
                         f"{P.min():.4g} to {P.max():.4g}. For logits (outputs before the "
                         f"softmax or sigmoid) use {_LOGIT_NAMES[loss]}")
    return P, Y


def cross_entropy(P, Y):
    """Cross-entropy of predicted probabilities P against targets: -1/N sum_n sum_k y_nk log p_nk.

    P is clipped to [1e-12, 1], so a zero probability costs about 27.6 rather than infinity.
    """
    P, Y = _probabilities(P, Y, "cross_entropy")
    return -float(np.sum(Y * np.log(np.clip(P, EPS, 1.0)))) / len(Y)


def cross_entropy_grad(P, Y):
    """dL/dP = -Y / (N P), shape (N, K), with the same clipping as `cross_entropy`."""
    P, Y = _probabilities(P, Y, "cross_entropy")
    return -Y / np.clip(P, EPS, 1.0) / len(Y)


def binary_cross_entropy(P, Y):
    """Binary cross-entropy for sigmoid outputs P in (0, 1) and targets Y in [0, 1], both (N, K).

    L = -1/N sum [y log p + (1 - y) log(1 - p)], with p clipped to [eps, 1 - eps] (eps = 1e-12 in
    float64, float32's resolution 1.2e-7 in float32), so the loss stays finite.
    """
    P, Y = _probabilities(P, Y, "binary_cross_entropy")
    P = np.clip(P, _eps(P.dtype), 1 - _eps(P.dtype))
    return -float(np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P))) / len(Y)


def binary_cross_entropy_grad(P, Y):
    """dL/dP = (P - Y) / (N P (1 - P)), shape (N, K), with the same clipping."""
    P, Y = _probabilities(P, Y, "binary_cross_entropy")
    P = np.clip(P, _eps(P.dtype), 1 - _eps(P.dtype))
    return (P - Y) / (P * (1 - P)) / len(Y)


def softmax_cross_entropy(Z, Y):
    """Softmax followed by cross-entropy, from the logits Z (N, K). Returns (loss, dZ).

    The log-probabilities are computed as Z - logsumexp(Z), which never takes log of 0, and the
    gradient with respect to the logits is the famous shortcut dZ = (softmax(Z) - Y) / N, which
    holds because each target row sums to 1.
    """
    return _softmax_cross_entropy(*_pair(Z, Y, "cross_entropy"))


def _softmax_cross_entropy(Z, Y):
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_P = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -float(np.sum(Y * log_P)) / len(Y)
    return loss, (np.exp(log_P) - Y) / len(Y)


def sigmoid_binary_cross_entropy(Z, Y):
    """Sigmoid followed by binary cross-entropy, from the logits Z (N, K). Returns (loss, dZ).

    Uses log(1 + e^z) = max(z, 0) + log(1 + e^-|z|), stable for any z; dZ = (sigmoid(Z) - Y) / N.
    """
    return _sigmoid_binary_cross_entropy(*_pair(Z, Y, "binary_cross_entropy"))


def _sigmoid_binary_cross_entropy(Z, Y):
    loss = np.sum(np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z))))
    return float(loss) / len(Y), (sigmoid(Z) - Y) / len(Y)


LOSSES = {
    "mse": (mse, mse_grad),
    "cross_entropy": (cross_entropy, cross_entropy_grad),
    "binary_cross_entropy": (binary_cross_entropy, binary_cross_entropy_grad),
}

# The same computations on arrays that were checked once (models check a dataset before training
# on it), from the logits Z (N, K), the values before the output's squashing function:
# (Z, Y) -> (loss, dL/dZ). Cross-entropy is that of softmax(Z), binary cross-entropy that of
# sigmoid(Z); mean squared error compares Z itself with Y.
LOGIT_LOSSES = {
    "cross_entropy": _softmax_cross_entropy,
    "binary_cross_entropy": _sigmoid_binary_cross_entropy,
    "mse": _mse,
}


def get_loss(name):
    """Return the pair (loss, loss_grad) for a loss name, e.g. get_loss("mse")."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; expected one of: {', '.join(sorted(LOSSES))}")
    return LOSSES[name]
