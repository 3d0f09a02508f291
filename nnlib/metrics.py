"""Classification metrics. Predictions come first, as in the losses: metric(predicted, true).

Labels may be integers (N,) or rows of scores/one-hot (N, K), which are reduced by argmax.
"""

import numpy as np


def _labels(y, name):
    y = np.asarray(y)
    if y.ndim == 2:
        return y.argmax(axis=1)
    if y.ndim != 1:
        raise ValueError(f"{name} must be labels (N,) or scores (N, K); received shape {y.shape}")
    return y


def _label_pair(y_pred, y_true):
    y_pred, y_true = _labels(y_pred, "y_pred"), _labels(y_true, "y_true")
    if y_pred.shape != y_true.shape:
        raise ValueError(
            f"y_pred and y_true must hold the same number of samples; "
            f"received {y_pred.shape[0]} and {y_true.shape[0]}"
        )
    return y_pred, y_true


def accuracy(y_pred, y_true):
    """Fraction of samples whose predicted class equals the true class, a float in [0, 1]."""
    y_pred, y_true = _label_pair(y_pred, y_true)
    return float(np.mean(y_pred == y_true))


def confusion_matrix(y_pred, y_true, num_classes=None):
    """Counts C (K, K) with C[i, j] = number of samples of true class i predicted as class j.

    The diagonal holds the correct predictions; each row sums to that class's sample count.
    """
    y_pred, y_true = _label_pair(y_pred, y_true)
    if num_classes is None:
        num_classes = int(max(y_pred.max(initial=0), y_true.max(initial=0))) + 1
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts
