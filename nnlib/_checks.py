"""Input checks shared by nnlib's modules: clear errors naming what was expected and received."""

import math
import numbers

import numpy as np


def as_float_array(x, name, ndim=None, dtype=None):
    """Return `x` as a finite floating-point array, or raise TypeError/ValueError saying why not.

    ndim: the required number of dimensions (None accepts any). dtype: the floating dtype to convert
    to (None keeps a floating dtype as it is and turns anything else into float64).
    """
    array = np.asarray(x)
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{name} must be a numeric array; received dtype {array.dtype}")
    if np.iscomplexobj(array):
        raise TypeError(f"{name} must be real-valued; received dtype {array.dtype}")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s); received shape {array.shape}")
    if dtype is None:
        dtype = array.dtype if np.issubdtype(array.dtype, np.floating) else np.float64
    array = array.astype(dtype, copy=False)
    # A nan or inf anywhere makes the sum non-finite: a cheap first test, without a temporary
    # array as large as the input. (A finite sum can still overflow, hence the exact count.)
    if not np.isfinite(array.sum()):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        if bad:
            raise ValueError(f"{name} must be finite; received {bad} nan or inf value(s)")
    return array


def same_shape(a, b, a_name, b_name):
    """Raise ValueError unless arrays `a` and `b` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{a_name} and {b_name} must have the same shape; received {a.shape} and {b.shape}"
        )


def floating_dtype(dtype):
    """np.dtype(dtype) if it is float32 or float64, else TypeError.

    float16 is refused: its 3 significant digits cannot hold a gradient step (1 + 1e-4 == 1).
    """
    message = f"dtype must be np.float32 or np.float64; received {dtype!r}"
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(message) from None
    if dtype not in (np.float32, np.float64):
        raise TypeError(message)
    return dtype


def positive_int(value, name):
    """Return `value` as an int if it is a whole number >= 1 (not a bool), else raise."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be a positive integer; received {value!r} "
                        f"of type {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer; received {value}")
    return int(value)


def nonnegative_int(value, name):
    """Return `value` as an int if it is a whole number >= 0 (not a bool), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0; received {value!r}")
    return int(value)


def nonnegative_number(value, name):
    """`value` as a float if it is a finite real number >= 0 (not a bool), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < math.inf:
        raise ValueError(f"{name} must be a finite number >= 0; received {value!r}")
    return float(value)


def init_std(init, fan_in, fan_out):
    """The standard deviation of starting weights that `init` names: "he" sqrt(2 / fan_in),
    "xavier" sqrt(2 / (fan_in + fan_out)), or a number >= 0 used as it is."""
    if isinstance(init, bool) or not (init in ("he", "xavier") or (
            isinstance(init, int | float) and math.isfinite(init) and init >= 0)):
        raise ValueError(f"init must be 'he', 'xavier' or a standard deviation >= 0; "
                         f"received {init!r}")
    if init == "he":
        return math.sqrt(2 / fan_in)
    return math.sqrt(2 / (fan_in + fan_out)) if init == "xavier" else float(init)
