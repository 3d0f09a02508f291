"""What every model shares, whatever computes its outputs: checking a dataset once, class labels,
the L2 term, evaluation, prediction and training.

A model computes logits Z (N, K), the values its loss reads: the pre-activation Z^[L] of an
`MLP`'s output layer, or the last layer's output in a `Sequential`. A subclass provides
    params, dtype, loss, is_classifier, threshold (see `Model`)
    _check_X(X)            X checked and converted to the model's dtype
    _output_shape(X)       (K,), the number of outputs; (T, K) for a model of sequences
    _logits(X)             Z for checked X, in evaluation mode
    _loss_on_logits(Z, Y)  (loss, dL/dZ) without the L2 term
    _scores(Z)             what predictions read: Z itself, or the output activation of Z
    _backward(X, Y)        (loss, grads, S) in training mode, without the L2 term, S = _scores(Z)
                           (returned, not recomputed: at small batches it is a step's noticeable
                           share)
    _weight_names()        the parameters the L2 term acts on (weights, not biases or gammas)
"""

import numpy as np

from . import training
from ._checks import as_float_array, number
from .labels import one_hot, predicted_labels
from .losses import LOGIT_LOSSES, check_targets

LOSS_NAMES = tuple(LOGIT_LOSSES)  # "cross_entropy", "binary_cross_entropy", "mse"
# Longer names for the same losses, saying that the squashing function is part of the loss
LOSS_ALIASES = {"softmax_cross_entropy": "cross_entropy",
                "sigmoid_binary_cross_entropy": "binary_cross_entropy"}


def loss_name(loss):
    """The model loss that `loss` names (one of LOSS_NAMES, or an alias of one), else ValueError."""
    name = LOSS_ALIASES.get(loss, loss) if isinstance(loss, str) else loss
    if name not in LOSS_NAMES:
        raise ValueError(f"unknown loss {loss!r}; expected one of: {', '.join(LOSS_NAMES)} "
                         f"(or {', '.join(LOSS_ALIASES)})")
    return name


class Model:
    """The base of `MLP` and `Sequential`.

    loss: "cross_entropy" (softmax probabilities against labels or one-hot rows),
        "binary_cross_entropy" (sigmoid probabilities against targets in [0, 1]) or "mse".
        Both cross-entropies are computed from the logits together with their softmax or sigmoid,
        hence their other names "softmax_cross_entropy" and "sigmoid_binary_cross_entropy".
    threshold: a one-output classifier predicts 1 where its score is >= threshold.
    """

    threshold = 0.5

    # ---- data ---------------------------------------------------------------------------------
    def check_data(self, X, Y):
        """Check a dataset once and convert it: returns (X, Y, labels).

        X in the model's dtype; Y as (N, K) targets (integer labels (N,) become one-hot rows when
        K > 1); labels (N,), the true classes, or None for regression. A model of sequences,
        whose outputs are (N, T, K), takes targets (N, T, K) or integer labels (N, T).
        """
        X = self._check_X(X)
        N, shape = len(X), self._output_shape(X)
        K, labels_shape = shape[-1], (N, *shape[:-1])
        if K == 1 and self.loss == "cross_entropy":
            raise ValueError("the loss 'cross_entropy' takes a softmax over the outputs, and over "
                             "one output it is always 1 (loss 0, no gradient): for two classes "
                             "use one output with loss='binary_cross_entropy', or two outputs")
        Y = np.asarray(Y)
        received = Y.shape
        if Y.shape == labels_shape and K > 1 and self.is_classifier:
            Y = one_hot(Y.reshape(-1), K, dtype=self.dtype, name="Y").reshape(N, *shape)
        elif Y.shape == labels_shape:
            Y = Y[..., None]
        Y = as_float_array(Y, "Y", dtype=self.dtype)
        if Y.shape != (N, *shape):
            raise ValueError(
                f"Y must have shape {(N, *shape)} (one row per sample of X, one column per output) "
                f"or be integer labels of shape {labels_shape}; received shape {received}"
            )
        check_targets(Y.reshape(-1, K), self.loss)
        return X, Y, predicted_labels(Y) if self.is_classifier else None

    def _labels(self, Z):
        """The classes that logits Z predict, or None for a regression model."""
        return predicted_labels(self._scores(Z), self.threshold) if self.is_classifier else None

    # ---- the L2 term --------------------------------------------------------------------------
    def _l2_penalty(self, l2):
        """lambda/2 times the sum of the squared weights."""
        if not l2:
            return 0.0
        return 0.5 * l2 * sum(float(np.sum(self.params[name] ** 2))
                              for name in self._weight_names())

    # ---- training -----------------------------------------------------------------------------
    def loss_gradients_labels(self, X, Y, l2=0.0):
        """On data from `check_data`, in training mode: (loss, grads, predicted labels or None)."""
        loss, grads, scores = self._backward(X, Y)
        if l2:
            for name in self._weight_names():
                grads[name] = grads[name] + l2 * self.params[name]
        labels = predicted_labels(scores, self.threshold) if self.is_classifier else None
        return loss + self._l2_penalty(l2), grads, labels

    def loss_and_gradients(self, X, Y, l2=0.0):
        """Loss on the batch (X, Y) and its gradient with respect to every parameter.

        X: inputs (N, ...). Y: (N, K) targets, or (N,) integer labels for a classifier.
        l2: L2 regularisation strength lambda; adds lambda/2 times the sum of the squared
            weights (and embeddings) to the loss and lambda * W to each one's gradient (biases
            and batch norm's gamma and beta are not regularised).
        Returns (loss, grads): a float and a dict with the same keys and shapes as `params`.
        """
        X, Y, _ = self.check_data(X, Y)
        if len(X) == 0:
            raise ValueError("loss_and_gradients needs at least one sample; received 0")
        loss, grads, _ = self.loss_gradients_labels(X, Y, number(l2, "l2"))
        return loss, {name: grads[name] for name in self.params}  # in the order of params

    def fit(self, X, Y, **options):
        """Train the model: `nnlib.training.fit(self, X, Y, **options)`, whose docstring lists
        the options (epochs, batch_size, lr, optimizer, schedule, l2, validation_data, augment,
        seed, verbose). Returns the history of every epoch."""
        return training.fit(self, X, Y, **options)

    # ---- evaluation ---------------------------------------------------------------------------
    def predict(self, X):
        """Class labels (N,) for a classifier (argmax of several outputs; one output compared with
        the threshold), or the outputs (N, K) themselves for regression; 0 samples give 0 rows."""
        Z = self._logits(self._check_X(X))
        return self._labels(Z) if self.is_classifier else self._scores(Z)

    def evaluate(self, X, Y, l2=0.0):
        """(loss, accuracy) on a whole dataset in evaluation mode; accuracy is None for a
        regression model. With l2 > 0 the loss includes the L2 term."""
        return self.evaluate_checked(*self.check_data(X, Y), number(l2, "l2"))

    def evaluate_checked(self, X, Y, labels, l2=0.0):
        """`evaluate` on data from `check_data` (the training loop checks validation data once)."""
        if len(X) == 0:
            raise ValueError("evaluate needs at least one sample; received 0")
        Z = self._logits(X)
        loss = self._loss_on_logits(Z, Y)[0] + self._l2_penalty(l2)
        if labels is None:
            return loss, None
        return loss, float(np.mean(self._labels(Z) == labels))
