"""Classification metrics. Predictions come first, as in the losses: metric(predicted, true).

Either argument may be integer labels (N,) or rows of scores, probabilities or one-hot targets
(N, K) with K >= 2, which are reduced to labels by argmax. A single column of scores (N, 1) is
refused (its argmax is always 0): threshold it first.
"""

import numpy as np

from .labels import check_labels, labels_from_scores


def _as_labels(y, name):
    y = np.asarray(y)
    return labels_from_scores(y, name) if y.ndim == 2 else check_labels(y, name=name)


def _label_pair(y_pred, y_true):
    y_pred, y_true = _as_labels(y_pred, "y_pred"), _as_labels(y_true, "y_true")
    if y_pred.shape != y_true.shape:
        raise ValueError(
            f"y_pred and y_true must hold the same number of samples; "
            f"received {y_pred.shape[0]} and {y_true.shape[0]}"
        )
    return y_pred, y_true


def accuracy(y_pred, y_true):
    """Fraction of samples whose predicted class equals the true class, a float in [0, 1]."""
    y_pred, y_true = _label_pair(y_pred, y_true)
    if not y_true.size:
        raise ValueError("accuracy needs at least one sample; received 0")
    return float(np.mean(y_pred == y_true))


def confusion_matrix(y_pred, y_true, num_classes=None):
    """Counts C (K, K) with C[i, j] = number of samples of true class i predicted as class j.

    The diagonal holds the correct predictions; each row sums to that class's sample count.
    num_classes: K; by default one more than the largest label seen.
    """
    y_pred, y_true = _label_pair(y_pred, y_true)
    if num_classes is None:
        num_classes = int(max(y_pred.max(initial=0), y_true.max(initial=0))) + 1
    check_labels(y_pred, num_classes, "y_pred")
    check_labels(y_true, num_classes, "y_true")
    return np.bincount(y_true * num_classes + y_pred,
                       minlength=num_classes * num_classes).reshape(num_classes, num_classes)
