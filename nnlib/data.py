"""Datasets: MNIST (bundled, verified, with a download fallback) and small seeded toy sets.

Conventions: inputs are (N, D) with one sample per row; class labels are integers (N,) unless
one-hot encoding is asked for, which gives (N, K).
"""

import numpy as np


def one_hot(y, num_classes):
    """Integer labels (N,) -> one-hot float64 matrix (N, num_classes).

    Raises ValueError when a label is not an integer in [0, num_classes).
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"labels must be a 1-D array of shape (N,); received shape {y.shape}")
    if y.size and not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise ValueError(f"labels must be whole numbers; received dtype {y.dtype}")
        y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"labels must lie in [0, {num_classes - 1}] for {num_classes} classes; "
            f"received values from {y.min()} to {y.max()}"
        )
    out = np.zeros((y.shape[0], num_classes))
    out[np.arange(y.shape[0]), y] = 1.0
    return out
