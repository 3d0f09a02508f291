"""Input checks shared by nnlib's modules: clear errors naming what was expected and received.

One rule for the kind of error: a value of the wrong type (a string where an array is needed,
2.5 where a whole number is) raises TypeError; a value of the right type but out of range or of
the wrong shape (-1 samples, a nan, a (3, 2) array where (3, 4) is needed) raises ValueError.
"""

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
    # array as large as the input. A sum of large finite values may overflow (float32 beyond
    # 3.4e38), hence the exact count, and no overflow warning.
    with np.errstate(over="ignore", invalid="ignore"):
        finite_sum = np.isfinite(array.sum())
    if not finite_sum:
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


def integer(value, name, minimum=0):
    """`value` as an int if it is a whole number (not a bool, not a float) >= minimum (any
    whole number when minimum is None)."""
    expected = {1: "a positive integer", None: "an integer"}.get(minimum,
                                                                f"an integer >= {minimum}")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {expected}; received {value!r} "
                        f"of type {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be {expected}; received {value}")
    return int(value)


def positive_int(value, name):
    """`value` as an int if it is a whole number >= 1."""
    return integer(value, name, minimum=1)


def number(value, name, minimum=0.0, below=None, positive=False):
    """`value` as a float if it is a finite real number (not a bool) >= minimum, and also < below
    when `below` is given, and > 0 when `positive` is true."""
    if positive:
        expected = "a positive number"
    elif below is not None:
        expected = f"in [{minimum:g}, {below:g})"
    else:
        expected = f"a finite number >= {minimum:g}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {expected}; received {value!r} "
                        f"of type {type(value).__name__}")
    if not (math.isfinite(value) and value >= minimum and (below is None or value < below)
            and (value > 0 or not positive)):
        raise ValueError(f"{name} must be {expected}; received {value!r}")
    return float(value)


def init_std(init, fan_in, fan_out):
    """The standard deviation of starting weights that `init` names: "he" sqrt(2 / fan_in),
    "xavier" sqrt(2 / (fan_in + fan_out)), or a number >= 0 used as it is."""
    if init == "he":
        return math.sqrt(2 / fan_in)
    if init == "xavier":
        return math.sqrt(2 / (fan_in + fan_out))
    message = f"init must be 'he', 'xavier' or a standard deviation >= 0; received {init!r}"
    if isinstance(init, bool) or not isinstance(init, numbers.Real | str):
        raise TypeError(message)
    if isinstance(init, str) or not (math.isfinite(init) and init >= 0):
        raise ValueError(message)
    return float(init)
