"""A multilayer perceptron written out in NumPy: forward pass and backpropagation.

Notation (the same as in the lessons): X is (N, D), one sample per row; layer l has weights
W^[l] of shape (n_{l-1}, n_l) and bias b^[l] of shape (n_l,); Z^[l] = A^[l-1] W^[l] + b^[l] and
A^[l] = f(Z^[l]), with A^[0] = X; the output is Y_hat = A^[L]. What every model shares (checking
data, labels, the L2 term, evaluate, predict, fit) is in `nnlib.model.Model`.
"""


import numpy as np

from ._checks import as_float_array, floating_dtype, init_std, positive_int
from .activations import ACTIVATIONS, get_activation
from .losses import LOGIT_LOSSES
from .model import Model, loss_name

DEFAULT_LOSS = {"softmax": "cross_entropy", "sigmoid": "binary_cross_entropy"}
FUSED = set(DEFAULT_LOSS.items())  # output and loss computed together from Z^[L]
CLASSIFIER_OUTPUTS = ("softmax", "sigmoid")
OUTPUT_SCALE = 0.01  # a softmax output layer starts this much smaller: loss about log K at first


class MLP(Model):
    """A fully connected network, e.g. MLP([784, 256, 10]) for MNIST or MLP([2, 2, 1]) for XOR.

    layer_sizes: [n_0, n_1, ..., n_L], input size first, output size last, any number of hidden
        layers in between.
    hidden_activation: "relu", "leaky_relu", "sigmoid", "tanh" or "linear".
    output_activation: "softmax" (K >= 2 classes; targets are labels or one-hot/probability rows),
        "sigmoid" (targets in [0, 1]; one output is a binary classifier whose label is 1 where the
        output is >= 0.5, several outputs are read by argmax), or any other activation for
        regression ("linear", "tanh", ...), for which `predict` returns the outputs themselves.
    loss: "mse", "cross_entropy" (softmax outputs only) or "binary_cross_entropy" (sigmoid
        outputs only); by default cross-entropy after softmax, binary cross-entropy after sigmoid,
        MSE otherwise.
    init: how weights start. "he" draws W^[l] from N(0, 2 / n_{l-1}), which keeps the size of
        ReLU activations steady from layer to layer; "xavier" (Glorot) draws from
        N(0, 2 / (n_{l-1} + n_l)), the scale for tanh. The default picks "he" for (leaky) ReLU
        hidden units and "xavier" otherwise. With either, a softmax output layer is drawn
        OUTPUT_SCALE = 0.01 times smaller, so an untrained classifier gives every class about
        1/K and its loss starts near log K. A number is used as the standard deviation of every
        layer. Biases start at zero. (Lesson 8 derives these scales.)
    seed: seeds the initial weights; the same seed gives bit-identical parameters.
    dtype: np.float64 (default, needed for gradient checks) or np.float32 (about twice as fast).

    Combinations that cannot work are refused here: softmax or step hidden layers, a softmax
    over one output, cross-entropy without softmax, binary cross-entropy without sigmoid.
    """

    def __init__(self, layer_sizes, hidden_activation="relu", output_activation="softmax",
                 loss=None, init=None, seed=0, dtype=np.float64):
        sizes = list(layer_sizes)
        if len(sizes) < 2:
            raise ValueError(f"layer_sizes must be at least two positive integers, e.g. "
                             f"[784, 256, 10]; received {layer_sizes!r}")
        self.layer_sizes = [positive_int(n, f"layer_sizes[{i}]") for i, n in enumerate(sizes)]
        # layer l's parameters are named self._names[l] = ("Wl", "bl"), l = 1..L (spelt once:
        # building the strings at every step was 2-3 % of a step at batch 10)
        self._names = [None] + [(f"W{l}", f"b{l}") for l in range(1, len(sizes))]
        self.hidden_activation = hidden_activation
        self.output_activation = output_activation
        self.loss = loss_name(loss or DEFAULT_LOSS.get(output_activation, "mse"))
        # get_activation refuses unknown names, listing the valid ones
        self._f_hidden, self._f_hidden_grad = get_activation(hidden_activation)
        self._f_out, self._f_out_grad = get_activation(output_activation)
        self._check_combination()
        self.dtype = floating_dtype(dtype)
        self.params = self._initial_params(init, seed)

    def _check_combination(self):
        hidden, out, loss, K = (self.hidden_activation, self.output_activation, self.loss,
                                self.layer_sizes[-1])
        if self.num_layers > 1 and hidden in ("softmax", "step"):
            raise ValueError(
                f"hidden_activation={hidden!r} cannot be trained: " +
                ("softmax couples the units of a layer; it is an output activation"
                 if hidden == "softmax" else "the step's derivative is 0 everywhere") +
                f". Use one of: {', '.join(n for n in ACTIVATIONS if n not in ('softmax', 'step'))}"
            )
        if out == "step":
            raise ValueError("output_activation='step' cannot be trained (its derivative is 0); "
                             "use 'sigmoid' and read labels by thresholding at 0.5")
        if out == "softmax" and K < 2:
            raise ValueError("a softmax over 1 output is always 1; for two classes use one "
                             "output with output_activation='sigmoid', or two softmax outputs")
        if loss == "cross_entropy" and out != "softmax":
            raise ValueError(f"loss='cross_entropy' needs output_activation='softmax'; received "
                             f"{out!r} (for a sigmoid output use 'binary_cross_entropy')")
        if loss == "binary_cross_entropy" and out != "sigmoid":
            raise ValueError(f"loss='binary_cross_entropy' needs output_activation='sigmoid'; "
                             f"received {out!r}")

    @property
    def num_layers(self):
        """L, the number of weight layers (hidden layers + 1)."""
        return len(self.layer_sizes) - 1

    @property
    def is_classifier(self):
        return self.output_activation in CLASSIFIER_OUTPUTS

    def _initial_params(self, init, seed):
        if init is None:
            init = "he" if self.hidden_activation in ("relu", "leaky_relu") else "xavier"
        rng = np.random.default_rng(seed)
        params = {}
        for l in range(1, self.num_layers + 1):
            n_in, n_out = self.layer_sizes[l - 1], self.layer_sizes[l]
            std = init_std(init, n_in, n_out)
            softmax_output = l == self.num_layers and self.output_activation == "softmax"
            if softmax_output and isinstance(init, str):
                std *= OUTPUT_SCALE
            W_name, b_name = self._names[l]
            params[W_name] = (std * rng.standard_normal((n_in, n_out))).astype(self.dtype)
            params[b_name] = np.zeros(n_out, dtype=self.dtype)
        return params

    # ---- what the base class asks for (nnlib.model) ---------------------------------------------
    def _check_X(self, X):
        X = as_float_array(X, "X", ndim=2, dtype=self.dtype)
        if X.shape[1] != self.layer_sizes[0]:
            raise ValueError(
                f"X must have {self.layer_sizes[0]} features per row (shape (N, "
                f"{self.layer_sizes[0]})); received shape {X.shape}"
            )
        return X

    def _output_shape(self, X):
        return (self.layer_sizes[-1],)

    def _weight_names(self):
        return [W_name for W_name, _ in self._names[1:]]

    def _logits(self, X):
        return self._forward(X)[0][-1]

    def _scores(self, Z):
        """The network's outputs Y_hat = f(Z^[L]): probabilities for a classifier."""
        return self._f_out(Z)

    # ---- forward and backward -----------------------------------------------------------------
    def _forward(self, X):
        """Return the lists Z = [None, Z^[1], ..., Z^[L]] and A = [A^[0] = X, ..., A^[L]]."""
        Z, A, L = [None], [X], self.num_layers
        for l in range(1, L + 1):
            f = self._f_out if l == L else self._f_hidden
            W_name, b_name = self._names[l]
            Z.append(A[l - 1] @ self.params[W_name] + self.params[b_name])
            A.append(f(Z[l]))
        return Z, A

    def forward(self, X):
        """Network output Y_hat = A^[L], shape (N, n_L), for inputs X of shape (N, n_0)."""
        return self._forward(self._check_X(X))[1][-1]

    def _loss_on_logits(self, Z_L, Y, A_L=None):
        """Loss and dL/dZ^[L], using the stable shortcuts for softmax + CE and sigmoid + BCE."""
        if (self.output_activation, self.loss) in FUSED:
            return LOGIT_LOSSES[self.loss](Z_L, Y)
        A_L = self._f_out(Z_L) if A_L is None else A_L
        loss, dA = LOGIT_LOSSES["mse"](A_L, Y)
        if self.output_activation == "softmax":  # Jacobian-vector product: s * (dA - <dA, s>)
            return loss, A_L * (dA - np.sum(dA * A_L, axis=1, keepdims=True))
        return loss, dA * self._f_out_grad(Z_L, a=A_L)

    def _backward(self, X, Y):
        """Backpropagation (lesson 4): returns (loss, grads, A^[L]) for checked X and Y."""
        Z, A = self._forward(X)
        L = self.num_layers
        loss, dZ = self._loss_on_logits(Z[L], Y, A[L])   # dZ = dL/dZ^[L]
        grads = {}
        for l in range(L, 0, -1):
            W_name, b_name = self._names[l]
            grads[W_name] = A[l - 1].T @ dZ
            grads[b_name] = dZ.sum(axis=0)
            if l > 1:  # dL/dZ^[l-1] = (dZ^[l] W^[l]^T) * f'(Z^[l-1])
                dZ = (dZ @ self.params[W_name].T) * self._f_hidden_grad(Z[l - 1], a=A[l - 1])
        return loss, grads, A[L]
