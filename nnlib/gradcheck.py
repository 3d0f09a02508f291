"""Numerical derivatives by central differences, and gradient checks that compare them with
the gradients computed by backpropagation."""

import warnings
from contextlib import contextmanager

import numpy as np

from .layers import Dropout


def numerical_derivative(f, x, h=1e-5):
    """Central difference (f(x + h) - f(x - h)) / (2h) of a scalar function f.

    x may be a number or an array; for an array, f must act element by element (as activation
    functions do) and the result has x's shape. The error shrinks like h^2 until round-off wins.
    """
    x = np.asarray(x, dtype=np.float64)
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(f, x, h=1e-5):
    """Gradient of a scalar function f(x) with respect to every entry of the array x.

    x has any shape and a floating dtype; it is nudged in place one entry at a time (so that f may
    read it from elsewhere, e.g. a model's parameters) and always restored, even on an error.
    Costs 2 evaluations of f per entry. Returns an array of x's shape.
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"x must be a floating-point numpy array; received {type(x).__name__}"
                        + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else ""))
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        try:
            x[index] = original + h
            f_plus = float(f(x))
            x[index] = original - h
            f_minus = float(f(x))
        finally:
            x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def _pair(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; received {a.shape} and {b.shape}")
    return a, b


def relative_error(a, b):
    """Norm-wise relative error ||a - b|| / (||a|| + ||b||): 0 if a = b, 1 for opposite arrays.

    One number for a whole array: a wrong entry among many large, right ones is diluted (a sign
    error on one small weight can score 1e-3). `max_relative_error` looks at each entry instead.
    """
    a, b = _pair(a, b)
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denominator == 0 else float(np.linalg.norm(a - b) / denominator)


def max_relative_error(a, b, floor=1e-8):
    """Largest elementwise relative error, max_i |a_i - b_i| / max(|a_i|, |b_i|, floor).

    The measure of Stanford CS231n's gradient-check notes, with a `floor` so that two entries that
    are both about 0 (where a central difference leaves round-off of about 1e-11) do not count as
    wrong. In float64 with h = 1e-5, as a rule of thumb: below 1e-7 the gradients agree, around 1e-4
    something is suspicious (or a ReLU kink was crossed), above 1e-2 the gradient is wrong.
    """
    a, b = _pair(a, b)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)))


@contextmanager
def _running_averages_kept(model):
    """Within it, training passes of the model leave the layers' running averages (BatchNorm's)
    as they were: a check must not change the model it checks."""
    layers = [layer for layer in getattr(model, "layers", ()) if hasattr(layer, "running_mean")]
    kept = [(layer.running_mean.copy(), layer.running_var.copy()) for layer in layers]
    try:
        yield
    finally:
        for layer, (mean, var) in zip(layers, kept):
            layer.running_mean, layer.running_var = mean, var


def _refuse_random_layers(model):
    """Refuse, with the reason, a model with a layer that draws new random numbers at every
    training pass (Dropout with p > 0): its loss differs between evaluations, and a gradient
    check would fail whatever the backward pass."""
    for i, layer in enumerate(getattr(model, "layers", ())):
        if isinstance(layer, Dropout) and layer.p > 0:
            raise ValueError(f"the layer at position {i} ({layer!r}) draws a new mask at every "
                             f"training pass, so the loss changes between the evaluations a "
                             f"gradient check compares: check a copy of the model built with "
                             f"Dropout(0)")


def check_gradients(model, X, Y, h=1e-5, **loss_options):
    """Compare `model.loss_and_gradients(X, Y)` with numerical gradients for every parameter.

    `model` needs a `params` dict of arrays and `loss_and_gradients(X, Y, **loss_options)` returning
    `(loss, grads)` with the same keys. Returns {parameter name: (norm-wise error, largest
    elementwise error)}, from `relative_error` and `max_relative_error`. Use float64: in float32
    round-off alone gives errors of 1e-3 or more, and a warning says so.
    """
    _refuse_random_layers(model)
    if any(np.asarray(p).dtype != np.float64 for p in model.params.values()):
        warnings.warn("check_gradients on float32 parameters: round-off alone gives relative "
                      "errors of 1e-3 or more; build the model with dtype=np.float64 to check it",
                      stacklevel=2)
    with _running_averages_kept(model):
        _, grads = model.loss_and_gradients(X, Y, **loss_options)

        def loss(_):
            return model.loss_and_gradients(X, Y, **loss_options)[0]

        errors = {}
        for name, value in model.params.items():
            numerical = numerical_gradient(loss, value, h)
            errors[name] = (relative_error(grads[name], numerical),
                            max_relative_error(grads[name], numerical))
    return errors
