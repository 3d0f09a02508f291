"""Layers that each know their forward and backward pass, and `Sequential`, which stacks them.

Every layer has
    params                      dict name -> array (empty for layers without parameters)
    grads                       the same keys, filled by `backward`
    forward(X, training=False)  -> Y, keeping what `backward` needs
    backward(dY)                -> dX, given dL/dY for the Y of the last forward pass
Backpropagation through a stack is then one rule applied layer by layer: each layer multiplies the
gradient arriving from above by its own local derivative.

Shapes: dense inputs are (N, D), one sample per row; images are (N, C, H, W) (NCHW, as in
PyTorch). float32 inputs give float32 outputs and gradients.
"""


import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import training
from ._checks import as_float_array, floating_dtype, init_std, nonnegative_int, positive_int
from .activations import leaky_relu, leaky_relu_grad, sigmoid, tanh
from .labels import one_hot, predicted_labels
from .losses import _mse, _sigmoid_binary_cross_entropy, _softmax_cross_entropy, check_targets


def _check_input(X, ndim, what, name):
    if X.ndim != ndim:
        raise ValueError(f"{name} expects {what}; received an array of shape {X.shape}")


def _init_weights(init, shape, fan_in, fan_out, seed, dtype):
    """He: N(0, 2 / fan_in); Xavier: N(0, 2 / (fan_in + fan_out)); a number: that std."""
    std = init_std(init, fan_in, fan_out)
    rng = np.random.default_rng(seed)
    return (std * rng.standard_normal(shape)).astype(floating_dtype(dtype))


class Linear:
    """Y = X W + b: X (N, n_in), W (n_in, n_out), b (n_out,), Y (N, n_out)."""

    def __init__(self, n_in, n_out, init="he", seed=0, dtype=np.float64):
        n_in, n_out = positive_int(n_in, "n_in"), positive_int(n_out, "n_out")
        W = _init_weights(init, (n_in, n_out), n_in, n_out, seed, dtype)
        self.params = {"W": W, "b": np.zeros(n_out, dtype=W.dtype)}
        self.grads = {}

    def forward(self, X, training=False):
        W = self.params["W"]
        _check_input(X, 2, f"(N, {W.shape[0]})", "Linear")
        if X.shape[1] != W.shape[0]:
            raise ValueError(f"Linear expects (N, {W.shape[0]}); received shape {X.shape}")
        self.X = X
        return X @ W + self.params["b"]

    def backward(self, dY, input_grad=True):
        """dX = dY W^T (None if input_grad is False); fills grads."""
        self.grads = {"W": self.X.T @ dY, "b": dY.sum(axis=0)}
        return dY @ self.params["W"].T if input_grad else None


class _Elementwise:
    """Y = f(X) element by element; dX = dY * f'(X). Subclasses define _f and _grad(X, Y)."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, X, training=False):
        self.X = X
        self.Y = self._f(X)
        return self.Y

    def backward(self, dY):
        return dY * self._grad(self.X, self.Y)


class ReLU(_Elementwise):
    """max(0, X); its derivative is 1 where X > 0, else 0."""

    def _f(self, X):
        return np.maximum(X, 0)

    def _grad(self, X, Y):
        return X > 0


class LeakyReLU(_Elementwise):
    """X where X > 0, else alpha X."""

    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = alpha

    def _f(self, X):
        return leaky_relu(X, self.alpha)

    def _grad(self, X, Y):
        return leaky_relu_grad(X, self.alpha)


class Sigmoid(_Elementwise):
    """1 / (1 + e^-X); its derivative is Y (1 - Y), from the output kept by forward."""

    def _f(self, X):
        return sigmoid(X)

    def _grad(self, X, Y):
        return Y * (1 - Y)


class Tanh(_Elementwise):
    """tanh(X); its derivative is 1 - Y^2."""

    def _f(self, X):
        return tanh(X)

    def _grad(self, X, Y):
        return 1 - Y * Y


class Dropout:
    """Inverted dropout: in training each unit is zeroed with probability p and the survivors are
    scaled by 1 / (1 - p), so the expected output equals the input and evaluation (training=False)
    is the identity. A fresh mask is drawn at every training forward pass."""

    def __init__(self, p, seed=0):
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p < 1:
            raise ValueError(f"p must be a probability in [0, 1); received {p!r}")
        self.p = float(p)
        self.rng = np.random.default_rng(seed)
        self.params, self.grads = {}, {}

    def forward(self, X, training=False):
        if not training or self.p == 0:
            self.mask = None
            return X
        keep = self.rng.random(X.shape) >= self.p
        self.mask = keep.astype(X.dtype) / X.dtype.type(1 - self.p)
        return X * self.mask

    def backward(self, dY):
        return dY if self.mask is None else dY * self.mask


class BatchNorm:
    """Batch normalisation (Ioffe and Szegedy, 2015): each feature (channel) normalised to mean 0
    and variance 1 over the batch, then scaled by gamma and shifted by beta.

    X is (N, D), normalised over axis 0, or (N, C, H, W), normalised over (N, H, W) per channel.
    Training uses the batch mean and (biased) variance and updates
    running = momentum * running + (1 - momentum) * batch statistic; with training=False the
    running averages are used and nothing changes. (PyTorch's momentum=0.1 is this momentum=0.9.)
    """

    def __init__(self, num_features, momentum=0.9, eps=1e-5, dtype=np.float64):
        num_features = positive_int(num_features, "num_features")
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1); received {momentum!r}")
        dtype = floating_dtype(dtype)
        self.params = {"gamma": np.ones(num_features, dtype), "beta": np.zeros(num_features, dtype)}
        self.grads = {}
        self.momentum, self.eps = momentum, eps
        self.running_mean = np.zeros(num_features, dtype)
        self.running_var = np.ones(num_features, dtype)

    def _axes_and_shape(self, X):
        C = len(self.params["gamma"])
        if X.ndim not in (2, 4) or X.shape[1] != C:
            raise ValueError(f"BatchNorm({C}) expects (N, {C}) or (N, {C}, H, W); received "
                             f"shape {X.shape}")
        return ((0,), (1, C)) if X.ndim == 2 else ((0, 2, 3), (1, C, 1, 1))

    def forward(self, X, training=False):
        axes, shape = self._axes_and_shape(X)
        if training and X.size == X.shape[1]:
            raise ValueError(f"BatchNorm in training needs more than one sample per feature to "
                             f"normalise over; received shape {X.shape} (with one, every output "
                             f"would be beta and every gradient 0). If it is the last mini-batch "
                             f"of an epoch, choose a batch size that does not leave 1 sample")
        if training:
            mean, var = X.mean(axis=axes), X.var(axis=axes)
            m = self.momentum
            self.running_mean = m * self.running_mean + (1 - m) * mean
            self.running_var = m * self.running_var + (1 - m) * var
        else:
            mean, var = self.running_mean, self.running_var
        self.training = training
        self.inv_std = (1 / np.sqrt(var + self.eps)).astype(X.dtype).reshape(shape)
        self.X_hat = (X - mean.reshape(shape).astype(X.dtype)) * self.inv_std
        return self.params["gamma"].reshape(shape) * self.X_hat + self.params["beta"].reshape(shape)

    def backward(self, dY):
        axes, shape = self._axes_and_shape(dY)
        self.grads = {"gamma": (dY * self.X_hat).sum(axis=axes), "beta": dY.sum(axis=axes)}
        dX_hat = dY * self.params["gamma"].reshape(shape)
        if not self.training:  # fixed statistics: a per-feature scale
            return dX_hat * self.inv_std
        # The mean and variance depend on every sample of the batch, hence the two sums:
        # dX = inv_std * (dX_hat - mean(dX_hat) - X_hat * mean(dX_hat * X_hat))
        return self.inv_std * (dX_hat - dX_hat.mean(axis=axes, keepdims=True)
                               - self.X_hat * (dX_hat * self.X_hat).mean(axis=axes, keepdims=True))


class Flatten:
    """(N, C, H, W) or any (N, ...) -> (N, C*H*W), and back in backward."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, X, training=False):
        self.shape = X.shape
        return X.reshape(len(X), -1)

    def backward(self, dY):
        return dY.reshape(self.shape)


class Conv2D:
    """2-D convolution (cross-correlation, as torch.nn.functional.conv2d computes it).

    X (N, C_in, H, W) -> Y (N, C_out, H_out, W_out) with H_out = (H + 2 padding - k) // stride + 1
    (the same for W). W (C_out, C_in, k, k), b (C_out,):
    Y[n, o, i, j] = b[o] + sum_{c, u, v} W[o, c, u, v] X_pad[n, c, i stride + u, j stride + v].
    Computed as one matrix product over the k x k patches (im2col). He initialisation,
    N(0, 2 / (C_in k k)).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, seed=0,
                 dtype=np.float64):
        self.C_in = positive_int(in_channels, "in_channels")
        C_out = positive_int(out_channels, "out_channels")
        self.k = positive_int(kernel_size, "kernel_size")
        self.stride = positive_int(stride, "stride")
        self.padding = nonnegative_int(padding, "padding")
        fan_in = self.C_in * self.k * self.k
        W = _init_weights("he", (C_out, self.C_in, self.k, self.k), fan_in, 0, seed, dtype)
        self.params = {"W": W, "b": np.zeros(C_out, dtype=W.dtype)}
        self.grads = {}

    def output_size(self, H, W):
        """(H_out, W_out) for an input of height H and width W."""
        p, k, s = self.padding, self.k, self.stride
        return (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1

    def forward(self, X, training=False):
        _check_input(X, 4, f"(N, {self.C_in}, H, W)", "Conv2D")
        N, C, H, W = X.shape
        if C != self.C_in or min(H, W) + 2 * self.padding < self.k:
            raise ValueError(f"Conv2D expects (N, {self.C_in}, H, W) with H, W + 2 * padding >= "
                             f"{self.k}; received shape {X.shape}")
        p, k, s = self.padding, self.k, self.stride
        # Channels last, (N, H, W, C): a patch's k*k*C numbers then lie in few contiguous runs,
        # which makes the copies below several times faster than in (N, C, H, W).
        X_pad = np.pad(X.transpose(0, 2, 3, 1), ((0, 0), (p, p), (p, p), (0, 0)))
        H_out, W_out = self.output_size(H, W)
        # (N, H_out, W_out, C, k, k) views of every patch, copied once into the rows of a
        # matrix, each row in the order (u, v, c); the weights are put in the same order.
        patches = sliding_window_view(X_pad, (k, k), axis=(1, 2))[:, ::s, ::s]
        self.cols = patches.transpose(0, 1, 2, 4, 5, 3).reshape(N * H_out * W_out, k * k * C)
        self.X_shape, self.pad_shape = X.shape, X_pad.shape
        W_rows = self.params["W"].transpose(0, 2, 3, 1).reshape(len(self.params["W"]), -1)
        Y = self.cols @ W_rows.T                                          # (N H_out W_out, C_out)
        Y += self.params["b"]
        return Y.reshape(N, H_out, W_out, -1).transpose(0, 3, 1, 2)

    def backward(self, dY, input_grad=True):
        """dX for the dY of the last forward pass (None if input_grad is False: the first layer
        of a network need not compute it); fills grads."""
        N, C_out, H_out, W_out = dY.shape
        W = self.params["W"]
        dY_rows = dY.transpose(0, 2, 3, 1).reshape(-1, C_out)            # (N H_out W_out, C_out)
        dW = (dY_rows.T @ self.cols).reshape(C_out, self.k, self.k, self.C_in)
        # db holds dY_rows' column sums, as a product: np.sum(axis=0) is slower on tall arrays
        db = np.ones(len(dY_rows), dtype=dY.dtype) @ dY_rows
        self.grads = {"W": np.ascontiguousarray(dW.transpose(0, 3, 1, 2)), "b": db}
        if not input_grad:
            return None
        # Each patch's gradient goes back to the pixels it was cut from (the gradient of a
        # convolution is a convolution with the flipped kernel), here as k*k strided adds, one
        # per kernel offset (u, v), of the patch gradients laid out (k, k, N H_out W_out, C).
        k, s, p = self.k, self.stride, self.padding
        d_patches = dY_rows @ np.ascontiguousarray(W.transpose(2, 3, 0, 1))
        dX_pad = np.zeros(self.pad_shape, dtype=dY.dtype)                  # (N, H_pad, W_pad, C)
        for u in range(k):
            for v in range(k):
                dX_pad[:, u:u + s * H_out:s, v:v + s * W_out:s] += d_patches[u, v].reshape(
                    N, H_out, W_out, -1)
        H, W_in = self.X_shape[2:]
        return dX_pad[:, p:p + H, p:p + W_in].transpose(0, 3, 1, 2)


class MaxPool2D:
    """Max-pooling: the largest value of each k x k window, windows `stride` apart (default k).

    X (N, C, H, W) -> (N, C, (H - k) // stride + 1, (W - k) // stride + 1). The gradient goes to
    the position of each window's maximum (the first one, if several are equal); the other
    positions get 0.
    """

    def __init__(self, kernel_size, stride=None):
        self.k = positive_int(kernel_size, "kernel_size")
        self.stride = self.k if stride is None else positive_int(stride, "stride")
        self.params, self.grads = {}, {}

    def _windows(self, H_out, W_out):
        """For each offset (u, v) in the window, the index of the pixels it takes."""
        s = self.stride
        for u in range(self.k):
            for v in range(self.k):
                yield np.s_[:, :, u:u + s * H_out:s, v:v + s * W_out:s]

    def forward(self, X, training=False):
        _check_input(X, 4, "(N, C, H, W)", "MaxPool2D")
        H, W = X.shape[2:]
        if min(H, W) < self.k:
            raise ValueError(f"MaxPool2D({self.k}) needs H, W >= {self.k}; received shape "
                             f"{X.shape}")
        H_out, W_out = (H - self.k) // self.stride + 1, (W - self.k) // self.stride + 1
        Y = None
        for index in self._windows(H_out, W_out):  # k*k strided maxima: no copy of the windows
            Y = X[index].copy(order="K") if Y is None else np.maximum(Y, X[index], out=Y)
        self.X, self.Y = X, Y
        return Y

    def backward(self, dY):
        dX = np.zeros_like(self.X)
        remaining = np.empty_like(self.Y)  # what has not yet found its window's first maximum
        remaining[...] = dY
        for index in self._windows(*dY.shape[2:]):
            found = remaining * (self.X[index] == self.Y)
            dX[index] += found
            remaining -= found
        return dX


EVALUATION_CHUNK = 1000  # samples per forward pass in predict and evaluate

LOSSES = {"softmax_cross_entropy": _softmax_cross_entropy,
          "sigmoid_binary_cross_entropy": _sigmoid_binary_cross_entropy, "mse": _mse}


class Sequential:
    """Layers applied one after the other, with a loss on the output of the last one.

    layers: a list of layer objects. loss: "softmax_cross_entropy" (the last layer gives logits
        (N, K); targets are labels or one-hot rows), "sigmoid_binary_cross_entropy" (logits,
        targets in [0, 1]) or "mse" (regression).
    params / grads: every layer's arrays in one dict; a name is the layer's parameter name followed
        by the number of the layer among those with parameters (W1, b1, W2, b2, ... for a stack of
        Linear layers, as in MLP; gamma2, beta2 for a BatchNorm in second place).
    """

    def __init__(self, layers, loss="softmax_cross_entropy"):
        self.layers = list(layers)
        for layer in self.layers:
            if not all(hasattr(layer, a) for a in ("params", "forward", "backward")):
                raise TypeError(f"every layer needs params, forward and backward; received "
                                f"{type(layer).__name__}")
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; expected one of: {', '.join(LOSSES)}")
        self.loss_name = loss
        self._names = []  # (parameter name in params, layer, name in the layer)
        for layer in self.layers:
            if layer.params:
                number = 1 + len({id(lay) for _, lay, _ in self._names})
                self._names += [(f"{name}{number}", layer, name) for name in layer.params]
        dtypes = {p.dtype for _, lay, name in self._names for p in [lay.params[name]]}
        self.dtype = dtypes.pop() if len(dtypes) == 1 else np.dtype(np.float64)

    @property
    def params(self):
        return {key: layer.params[name] for key, layer, name in self._names}

    @property
    def grads(self):
        return {key: layer.grads[name] for key, layer, name in self._names}

    @property
    def is_classifier(self):
        return self.loss_name != "mse"

    def forward(self, X, training=False):
        """The last layer's output (logits for the classification losses) for inputs X."""
        X = as_float_array(X, "X", dtype=self.dtype)
        for layer in self.layers:
            X = layer.forward(X, training=training)
        return X

    def _backward(self, dY):
        for layer in self.layers[:0:-1]:
            dY = layer.backward(dY)
        first = self.layers[0]
        if isinstance(first, Linear | Conv2D):  # nothing below needs the input's gradient
            first.backward(dY, input_grad=False)
        else:
            first.backward(dY)

    def check_data(self, X, Y):
        """Check a dataset once: returns (X, Y as (N, K) targets, true labels or None)."""
        X = as_float_array(X, "X", dtype=self.dtype)
        Y = np.asarray(Y)
        if Y.ndim == 1 and self.loss_name == "softmax_cross_entropy":
            K = self._output_size(X)
            Y = one_hot(Y, K, dtype=self.dtype, name="Y")
        elif Y.ndim == 1:
            Y = Y.reshape(-1, 1)
        Y = as_float_array(Y, "Y", ndim=2, dtype=self.dtype)
        if len(Y) != len(X):
            raise ValueError(f"X and Y must hold the same number of samples; received {len(X)} "
                             f"and {len(Y)}")
        check_targets(Y, self.loss_name)
        return X, Y, self._labels(Y)

    def _output_size(self, X):
        """K, the width of the last layer's output, found by a forward pass on one sample."""
        return self.forward(X[:1]).shape[1]

    def _labels(self, Y):
        """The classes of targets Y (N, K): probabilities or one-hot rows."""
        return predicted_labels(Y) if self.is_classifier else None

    def _output_labels(self, out):
        """The classes the last layer's output (logits) predicts: a logit >= 0 is a sigmoid
        probability >= 0.5, and the largest logit is the largest probability."""
        return predicted_labels(out, threshold=0)

    def _loss(self, out, Y, l2):
        if out.shape != Y.shape:
            raise ValueError(f"the last layer's output has shape {out.shape} but the targets "
                             f"have shape {Y.shape}")
        loss, d_out = LOSSES[self.loss_name](out, Y)
        if l2:  # lambda/2 * the squared weights of Linear and Conv2D layers, not biases
            loss += 0.5 * l2 * sum(float(np.sum(p * p)) for key, p in self._weights())
        return loss, d_out

    def _weights(self):
        return [(key, layer.params[name]) for key, layer, name in self._names if name == "W"]

    def loss_gradients_labels(self, X, Y, l2=0.0):
        """For the training loop, on data from `check_data`: a training-mode forward and backward
        pass; returns (loss, grads, predicted labels or None)."""
        out = self.forward(X, training=True)
        loss, d_out = self._loss(out, Y, l2)
        self._backward(d_out)
        grads = self.grads
        if l2:
            for key, W in self._weights():
                grads[key] = grads[key] + l2 * W
        return loss, grads, self._output_labels(out) if self.is_classifier else None

    def loss_and_gradients(self, X, Y, l2=0.0):
        """Loss on the batch (in training mode: dropout active, batch statistics) and its gradient
        with respect to every parameter: (loss, grads), grads with the keys of `params`."""
        X, Y, _ = self.check_data(X, Y)
        loss, grads, _ = self.loss_gradients_labels(X, Y, l2)
        return loss, grads

    def _outputs(self, X, chunk=EVALUATION_CHUNK):
        """Evaluation-mode outputs for X, `chunk` samples at a time: a convolution's im2col matrix
        for a whole test set at once would take gigabytes."""
        X = as_float_array(X, "X", dtype=self.dtype)
        return np.concatenate([self.forward(X[i:i + chunk]) for i in range(0, max(len(X), 1),
                                                                              chunk)])

    def predict(self, X):
        """Class labels (N,) for a classifier, the outputs for regression (evaluation mode)."""
        out = self._outputs(X)
        return self._output_labels(out) if self.is_classifier else out

    def evaluate(self, X, Y, l2=0.0):
        """(loss, accuracy) in evaluation mode; accuracy is None for regression."""
        X, Y, labels = self.check_data(X, Y)
        out = self._outputs(X)
        loss, _ = self._loss(out, Y, l2)
        if labels is None:
            return loss, None
        return loss, float(np.mean(self._output_labels(out) == labels))

    def fit(self, X, Y, **options):
        """Train: `nnlib.training.fit(self, X, Y, **options)` (see its docstring)."""
        return training.fit(self, X, Y, **options)
