"""Class labels: integer labels (N,), one-hot rows (N, K), and the checks between them.

A classifier's labels are whole numbers 0, 1, ..., K-1, one per sample. Anything else (a label of
-1 or K, a float such as 2.5, a 2-D array where labels were expected) is refused with an error that
names what was expected and what was received, rather than counted in the wrong place.
"""

import numpy as np


def check_labels(y, num_classes=None, name="labels"):
    """Return `y` as an int64 array (N,) of class labels, or raise TypeError/ValueError.

    Integer arrays are accepted, and so are floats that are whole numbers (2.0, not 2.5) and
    booleans. With `num_classes` = K every label must lie in [0, K-1]; without it, labels are >= 0.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of shape (N,); received shape {y.shape}")
    if not (np.issubdtype(y.dtype, np.number) or y.dtype == bool) or np.iscomplexobj(y):
        raise TypeError(f"{name} must be integer class labels; received dtype {y.dtype}")
    if not np.issubdtype(y.dtype, np.integer) and y.dtype != bool:
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            bad = y[~(np.isfinite(y) & (y == np.round(y)))][0]
            raise TypeError(f"{name} must be whole numbers (class labels); received {bad.item()!r} "
                            f"in an array of dtype {y.dtype}")
    y = y.astype(np.int64, copy=False)
    if y.size:
        low, high = int(y.min()), int(y.max())
        top = "K-1" if num_classes is None else num_classes - 1
        if low < 0 or (num_classes is not None and high >= num_classes):
            raise ValueError(f"{name} must lie in [0, {top}]" +
                             (f" for {num_classes} classes" if num_classes else "") +
                             f"; received values from {low} to {high}")
    return y


def one_hot(y, num_classes, dtype=np.float64, name="labels"):
    """Integer labels (N,) -> one-hot matrix (N, num_classes): row n is 1 in column y[n], else 0."""
    y = check_labels(y, num_classes, name)
    out = np.zeros((len(y), num_classes), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out


def labels_from_scores(scores, name="scores"):
    """Class labels (N,) from scores, probabilities or one-hot rows (N, K) with K >= 2: the argmax.

    A single column (N, 1) is refused: its argmax is always 0. Threshold it instead, e.g.
    `(p[:, 0] >= 0.5).astype(int)` for the probability of class 1.
    """
    scores = np.asarray(scores)
    if scores.ndim != 2 or scores.shape[1] < 2:
        raise ValueError(
            f"{name} must have shape (N, K) with K >= 2 columns (one per class); received shape "
            f"{scores.shape}" + (". For one output column, threshold it first, e.g. "
                                 "(p[:, 0] >= 0.5).astype(int)" if scores.ndim == 2 else "")
        )
    return scores.argmax(axis=1)


def predicted_labels(outputs, threshold=0.5):
    """A classifier's labels (N,) from its outputs (N, K): the argmax of K >= 2 scores, or for one
    output 1 where it is >= threshold, else 0 (0.5 for a sigmoid's probability of class 1, 0 for
    its logit). Outputs (N, T, K), one row per position of a sequence, give labels (N, T)."""
    if outputs.shape[-1] == 1:
        return (outputs[..., 0] >= threshold).astype(np.int64)
    return outputs.argmax(axis=-1)
