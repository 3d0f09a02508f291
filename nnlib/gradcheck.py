"""Numerical derivatives by central differences, and gradient checks that compare them with
the gradients computed by backpropagation."""

import numpy as np


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


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||): 0 for equal arrays, 1 for opposite ones, scale-free.

    As a rule of thumb in float64: below 1e-7 the gradients agree, around 1e-4 something is
    suspicious (or a kink was crossed), above 1e-2 the gradient is wrong.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; received {a.shape} and {b.shape}")
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denominator == 0 else float(np.linalg.norm(a - b) / denominator)


def check_gradients(model, X, Y, h=1e-5, **loss_options):
    """Compare `model.loss_and_gradients(X, Y)` with numerical gradients for every parameter.

    `model` needs a `params` dict of arrays and `loss_and_gradients(X, Y, **loss_options)` returning
    `(loss, grads)` with the same keys. Returns {parameter name: relative error}. Use float64.
    """
    _, grads = model.loss_and_gradients(X, Y, **loss_options)

    def loss(_):
        return model.loss_and_gradients(X, Y, **loss_options)[0]

    return {
        name: relative_error(grads[name], numerical_gradient(loss, value, h))
        for name, value in model.params.items()
    }
