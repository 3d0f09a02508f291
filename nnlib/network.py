"""A multilayer perceptron written out in NumPy: forward pass, backpropagation, training loop.

Notation (the same as in the lessons): X is (N, D), one sample per row; layer l has weights
W^[l] of shape (n_{l-1}, n_l) and bias b^[l] of shape (n_l,); Z^[l] = A^[l-1] W^[l] + b^[l] and
A^[l] = f(Z^[l]), with A^[0] = X; the output is Y_hat = A^[L].
"""

import math

import numpy as np
from tqdm import tqdm

from ._checks import as_float_array
from .activations import get_activation
from .data import one_hot
from .losses import get_loss, sigmoid_binary_cross_entropy, softmax_cross_entropy
from .metrics import accuracy
from .optim import OPTIMIZERS, get_optimizer

DEFAULT_LOSS = {"softmax": "cross_entropy", "sigmoid": "binary_cross_entropy"}


class MLP:
    """A fully connected network, e.g. MLP([784, 256, 10]) for MNIST or MLP([2, 2, 1]) for XOR.

    layer_sizes: [n_0, n_1, ..., n_L], input size first, output size last, any number of hidden
        layers in between.
    hidden_activation / output_activation: names from `nnlib.activations.get_activation`.
    loss: "mse", "cross_entropy" or "binary_cross_entropy"; by default cross-entropy after a
        softmax output, binary cross-entropy after a sigmoid output, MSE otherwise.
    init: how weights start. "he" draws W^[l] from N(0, 2 / n_{l-1}), which keeps the variance of
        ReLU activations steady from layer to layer; "xavier" (Glorot) draws from
        N(0, 2 / (n_{l-1} + n_l)), which does the same for tanh and sigmoid. The default picks "he"
        for (leaky) ReLU hidden units and "xavier" otherwise; a number is used as the standard
        deviation itself. Biases start at zero.
    seed: seeds the initial weights; the same seed gives bit-identical parameters.
    dtype: float64 (default, needed for gradient checks) or float32 (about twice as fast).
    """

    def __init__(self, layer_sizes, hidden_activation="relu", output_activation="softmax",
                 loss=None, init=None, seed=0, dtype=np.float64):
        sizes = list(layer_sizes)
        if len(sizes) < 2 or not all(isinstance(n, (int, np.integer)) and n > 0 for n in sizes):
            raise ValueError(
                f"layer_sizes must be at least two positive integers, e.g. [784, 256, 10]; "
                f"received {layer_sizes!r}"
            )
        self.layer_sizes = [int(n) for n in sizes]
        self.hidden_activation = hidden_activation
        self.output_activation = output_activation
        self._f_hidden, self._f_hidden_grad = get_activation(hidden_activation)
        self._f_out, self._f_out_grad = get_activation(output_activation)
        self.loss_name = loss or DEFAULT_LOSS.get(output_activation, "mse")
        self._loss, self._loss_grad = get_loss(self.loss_name)
        self.dtype = np.dtype(dtype)
        if not np.issubdtype(self.dtype, np.floating):
            raise TypeError(f"dtype must be a floating type such as float64; received {dtype!r}")
        self.params = self._initial_params(init, seed)

    @property
    def num_layers(self):
        """L, the number of weight layers (hidden layers + 1)."""
        return len(self.layer_sizes) - 1

    def _initial_params(self, init, seed):
        if init is None:
            init = "he" if self.hidden_activation in ("relu", "leaky_relu") else "xavier"
        if init not in ("he", "xavier") and not isinstance(init, (int, float)):
            raise ValueError(f"init must be 'he', 'xavier' or a number; received {init!r}")
        rng = np.random.default_rng(seed)
        params = {}
        for l, (n_in, n_out) in enumerate(zip(self.layer_sizes, self.layer_sizes[1:]), start=1):
            std = {"he": math.sqrt(2 / n_in),
                   "xavier": math.sqrt(2 / (n_in + n_out))}.get(init, init)
            params[f"W{l}"] = (std * rng.standard_normal((n_in, n_out))).astype(self.dtype)
            params[f"b{l}"] = np.zeros(n_out, dtype=self.dtype)
        return params

    # ---- input checks -------------------------------------------------------------------------
    def _check_X(self, X):
        X = as_float_array(X, "X", ndim=2, dtype=self.dtype)
        if X.shape[1] != self.layer_sizes[0]:
            raise ValueError(
                f"X must have {self.layer_sizes[0]} features per row (shape (N, "
                f"{self.layer_sizes[0]})); received shape {X.shape}"
            )
        return X

    def _check_Y(self, Y, n):
        """Targets as an (N, K) array: integer labels are one-hot encoded for K > 1 outputs."""
        K = self.layer_sizes[-1]
        Y = np.asarray(Y)
        if Y.ndim == 1 and K > 1:
            if not np.issubdtype(Y.dtype, np.integer):
                raise TypeError(
                    f"Y of shape (N,) must hold integer class labels for {K} outputs; "
                    f"received dtype {Y.dtype}"
                )
            Y = one_hot(Y, K)
        elif Y.ndim == 1:
            Y = Y.reshape(-1, 1)
        Y = as_float_array(Y, "Y", ndim=2, dtype=self.dtype)
        if Y.shape != (n, K):
            raise ValueError(
                f"Y must have shape ({n}, {K}) (one row per sample of X, one column per output) "
                f"or be {n} integer labels; received shape {Y.shape}"
            )
        return Y

    # ---- forward and backward -----------------------------------------------------------------
    def _forward(self, X):
        """Return the lists Zs = [Z^[1], ..., Z^[L]] and As = [A^[0] = X, ..., A^[L]]."""
        Zs, As = [], [X]
        for l in range(1, self.num_layers + 1):
            Z = As[-1] @ self.params[f"W{l}"] + self.params[f"b{l}"]
            f = self._f_out if l == self.num_layers else self._f_hidden
            Zs.append(Z)
            As.append(f(Z))
        return Zs, As

    def forward(self, X):
        """Network output Y_hat = A^[L], shape (N, n_L), for inputs X of shape (N, n_0)."""
        return self._forward(self._check_X(X))[1][-1]

    def _output_loss_and_delta(self, Z, A, Y):
        """Loss and dL/dZ^[L], using the stable shortcuts for softmax + CE and sigmoid + BCE."""
        if self.output_activation == "softmax" and self.loss_name == "cross_entropy":
            return softmax_cross_entropy(Z, Y)
        if self.output_activation == "sigmoid" and self.loss_name == "binary_cross_entropy":
            return sigmoid_binary_cross_entropy(Z, Y)
        dA = self._loss_grad(A, Y)
        if self.output_activation == "softmax":  # Jacobian-vector product: s * (dA - <dA, s>)
            dZ = A * (dA - np.sum(dA * A, axis=1, keepdims=True))
        else:
            dZ = dA * self._f_out_grad(Z)
        return self._loss(A, Y), dZ

    def _backward(self, X, Y, l2):
        Zs, As = self._forward(X)
        loss, dZ = self._output_loss_and_delta(Zs[-1], As[-1], Y)
        grads = {}
        for l in range(self.num_layers, 0, -1):
            W = self.params[f"W{l}"]
            grads[f"W{l}"] = As[l - 1].T @ dZ
            grads[f"b{l}"] = dZ.sum(axis=0)
            if l2:
                grads[f"W{l}"] += l2 * W
            if l > 1:
                dZ = (dZ @ W.T) * self._f_hidden_grad(Zs[l - 2])
        loss += self._l2_penalty(l2)
        return loss, {name: grads[name] for name in self.params}, As[-1]

    def _l2_penalty(self, l2):
        """lambda/2 * sum_l ||W^[l]||^2, the L2 term added to the loss."""
        if not l2:
            return 0.0
        return 0.5 * l2 * sum(float(np.sum(self.params[f"W{l}"] ** 2))
                              for l in range(1, self.num_layers + 1))

    def loss_and_gradients(self, X, Y, l2=0.0):
        """Loss on the batch (X, Y) and its gradient with respect to every parameter.

        X: (N, n_0). Y: (N, n_L) targets, or (N,) integer labels for a classifier.
        l2: L2 regularisation strength lambda; adds lambda/2 * sum_l ||W^[l]||^2 to the loss and
            lambda * W^[l] to each weight gradient (biases are not regularised).
        Returns (loss, grads): a float and a dict with the same keys and shapes as `params`.
        """
        X = self._check_X(X)
        loss, grads, _ = self._backward(X, self._check_Y(Y, len(X)), l2)
        return loss, grads

    def predict(self, X):
        """Class labels (N,) for a classifier: the argmax of a multi-output network, or the output
        thresholded at 0.5 (at 0 for tanh) for a single output. A linear output returns Y_hat."""
        Y_hat = self.forward(X)
        return Y_hat if not self.is_classifier else self._labels(Y_hat)

    def _labels(self, Y):
        """Class labels (N,) from network outputs or targets of shape (N, n_L)."""
        if Y.shape[1] > 1:
            return Y.argmax(axis=1)
        threshold = 0.0 if self.output_activation == "tanh" else 0.5
        return (Y[:, 0] >= threshold).astype(np.int64)

    def _accuracy(self, Y_hat, Y):
        return accuracy(self._labels(Y_hat), self._labels(Y))

    @property
    def is_classifier(self):
        return self.output_activation != "linear"

    def evaluate(self, X, Y, l2=0.0):
        """(loss, accuracy) on a whole dataset; accuracy is None for a regression network."""
        X = self._check_X(X)
        Y = self._check_Y(Y, len(X))
        Zs, As = self._forward(X)
        loss = self._output_loss_and_delta(Zs[-1], As[-1], Y)[0]
        loss += self._l2_penalty(l2)
        return loss, (self._accuracy(As[-1], Y) if self.is_classifier else None)

    # ---- training -----------------------------------------------------------------------------
    def fit(self, X, Y, epochs=10, batch_size=32, lr=0.1, optimizer="sgd", schedule="constant",
            l2=0.0, validation_data=None, seed=0, verbose=True):
        """Train with mini-batch gradient descent; return the history of every epoch.

        X, Y: training inputs (N, n_0) and targets (N, n_L) or integer labels (N,).
        batch_size: samples per update (N for full-batch descent); the data are reshuffled every
            epoch by a generator seeded with `seed`.
        optimizer: "sgd", "momentum", "adam" or an object with `lr` and `step(params, grads)`.
        schedule: "constant", or "cosine", which lowers the learning rate from `lr` to 0 along
            half a cosine over all the steps of training.
        validation_data: optional (X_val, Y_val), evaluated after every epoch.
        verbose: show a progress bar (one tick per epoch).
        Returns a dict of lists, one entry per epoch: "loss" (mean of the mini-batch losses during
        the epoch) and, for classifiers, "accuracy" (on those same mini-batches), plus "val_loss"
        and "val_accuracy" when validation data are given. With l2 > 0 both losses include the
        L2 term.
        Raises FloatingPointError if the loss becomes nan or inf (the learning rate is too large).
        """
        X = self._check_X(X)
        Y = self._check_Y(Y, len(X))
        if schedule not in ("constant", "cosine"):
            raise ValueError(f"schedule must be 'constant' or 'cosine'; received {schedule!r}")
        if isinstance(optimizer, str):
            optimizer = get_optimizer(optimizer, lr)
        elif not hasattr(optimizer, "step"):
            raise TypeError(f"optimizer must be one of {sorted(OPTIMIZERS)} or an object with a "
                            f"step(params, grads) method; received {optimizer!r}")
        if validation_data is not None:
            X_val = self._check_X(validation_data[0])
            Y_val = self._check_Y(validation_data[1], len(X_val))
        rng = np.random.default_rng(seed)
        n = len(X)
        batch_size = min(int(batch_size), n)
        steps_per_epoch = math.ceil(n / batch_size)
        total_steps, step = epochs * steps_per_epoch, 0
        history = {"loss": []}
        if self.is_classifier:
            history["accuracy"] = []
        if validation_data is not None:
            history["val_loss"] = []
            if self.is_classifier:
                history["val_accuracy"] = []
        bar = tqdm(range(1, epochs + 1), desc="training", unit="epoch", disable=not verbose)
        for epoch in bar:
            order = rng.permutation(n)
            loss_sum, correct = 0.0, 0.0
            for start in range(0, n, batch_size):
                batch = order[start:start + batch_size]
                X_batch, Y_batch = X[batch], Y[batch]
                if schedule == "cosine":
                    optimizer.lr = 0.5 * lr * (1 + math.cos(math.pi * step / total_steps))
                with np.errstate(over="ignore", invalid="ignore"):
                    loss, grads, Y_hat = self._backward(X_batch, Y_batch, l2)
                if not math.isfinite(loss):
                    bar.close()
                    raise FloatingPointError(
                        f"training diverged: the loss became {loss} at epoch {epoch}, step "
                        f"{step + 1} (learning rate {optimizer.lr:g}); try a smaller learning rate"
                    )
                optimizer.step(self.params, grads)
                step += 1
                loss_sum += loss * len(batch)
                if self.is_classifier:
                    correct += self._accuracy(Y_hat, Y_batch) * len(batch)
            history["loss"].append(loss_sum / n)
            if self.is_classifier:
                history["accuracy"].append(correct / n)
            if validation_data is not None:
                val_loss, val_accuracy = self.evaluate(X_val, Y_val, l2)
                history["val_loss"].append(val_loss)
                if self.is_classifier:
                    history["val_accuracy"].append(val_accuracy)
            bar.set_postfix({k: f"{v[-1]:.4f}" for k, v in history.items()})
        return history
