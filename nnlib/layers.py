"""Layers that each know their forward and backward pass (the models that stack them are
`nnlib.sequential.Sequential` and, written out by hand, `nnlib.network.MLP`).

Every layer has
    params                      dict name -> array (empty for layers without parameters)
    grads                       the same keys, filled by `backward`
    forward(X, training=False)  -> Y, keeping what `backward` needs
    backward(dY)                -> dX, given dL/dY for the Y of the last forward pass (dY of
                                   any other shape is refused)
Backpropagation through a stack is then one rule applied layer by layer: each layer multiplies the
gradient arriving from above by its own local derivative.

Shapes: dense inputs are (N, D), one sample per row; images are (N, C, H, W) (NCHW, as in
PyTorch); an Embedding reads token indices (N, T). float32 inputs give float32 outputs and
gradients; integer and boolean inputs are cast to the layer's dtype (float64 for layers without
parameters).

Randomness: a layer that draws starting weights or dropout masks takes `seed`. With seed=None
(the default) it draws from fresh entropy, so two layers built alike still differ; a model built
with a seed (`Sequential(..., seed=0)`) gives each such layer its own stream drawn from it.
"""


import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._checks import floating_dtype, init_std, integer, number, positive_int
from .activations import leaky_relu, leaky_relu_grad, sigmoid, tanh


class Layer:
    """What every layer shares: `params` and `grads` dicts, a dtype, and input conversion."""

    dtype = np.dtype(np.float64)  # the dtype of the parameters; parameter-free layers: float64
    seed = None                   # only layers that draw random numbers use it

    def __init__(self):
        self.params, self.grads = {}, {}

    def reset(self, seed=None):
        """Draw the starting weights and random stream again from `seed` (an int, a
        np.random.SeedSequence or None for fresh entropy). Nothing to do for most layers."""

    def __getattr__(self, name):
        # reached only for an attribute never set, such as what forward keeps for backward
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r} (a layer's backward "
                             f"pass reads what its forward pass kept: call forward first)")

    def _input(self, X, ndim=None, expected="an array"):
        """X as an array: integer or boolean values cast to the layer's dtype; the number of
        dimensions checked when `ndim` is given."""
        X = np.asarray(X)
        if X.dtype.kind in "biu":
            X = X.astype(self.dtype)
        elif X.dtype.kind != "f":
            raise TypeError(f"{type(self).__name__} expects a numeric array; received dtype "
                            f"{X.dtype}")
        if ndim is not None and X.ndim != ndim:
            raise ValueError(f"{type(self).__name__} expects {expected}; received an array of "
                             f"shape {X.shape}")
        return X

    def _upstream(self, dY, shape):
        """dY as an array, refused unless it has `shape`, that of the last forward pass's output:
        a dY that merely broadcasts against it would give wrong gradients without an error."""
        dY = np.asarray(dY)
        if dY.shape != tuple(shape):
            raise ValueError(f"{type(self).__name__}.backward expects dY of shape {tuple(shape)} "
                             f"(the output's); received {dY.shape}")
        return dY

    def __repr__(self):
        return f"{type(self).__name__}()"


def _init_weights(init, shape, fan_in, fan_out, seed, dtype):
    """He: N(0, 2 / fan_in); Xavier: N(0, 2 / (fan_in + fan_out)); a number: that std."""
    std = init_std(init, fan_in, fan_out)
    return (std * np.random.default_rng(seed).standard_normal(shape)).astype(dtype)


class Linear(Layer):
    """Y = X W + b: X (N, n_in), W (n_in, n_out), b (n_out,), Y (N, n_out). A sequence X
    (N, T, n_in) gives (N, T, n_out): the same layer at every position."""

    def __init__(self, n_in, n_out, init="he", seed=None, dtype=np.float64):
        super().__init__()
        self.n_in, self.n_out = positive_int(n_in, "n_in"), positive_int(n_out, "n_out")
        self.init, self.dtype = init, floating_dtype(dtype)
        self.reset(seed)  # refuses a bad init

    def reset(self, seed=None):
        self.seed = seed
        self.params["W"] = _init_weights(self.init, (self.n_in, self.n_out), self.n_in,
                                         self.n_out, seed, self.dtype)
        self.params["b"] = np.zeros(self.n_out, dtype=self.dtype)

    def forward(self, X, training=False):
        given, X = X, self._input(X)
        if X.ndim not in (2, 3) or X.shape[-1] != self.n_in:
            raise ValueError(f"Linear expects (N, {self.n_in}) or (N, T, {self.n_in}); received "
                             f"shape {X.shape}")
        # kept for dW: a copy of the caller's array, which may change before backward is called
        self.X = X.copy() if X is given else X
        return X @ self.params["W"] + self.params["b"]

    def backward(self, dY, input_grad=True):
        """dX = dY W^T (None if input_grad is False); fills grads."""
        dY = self._upstream(dY, self.X.shape[:-1] + (self.n_out,))
        X, dY2 = self.X.reshape(-1, self.n_in), dY.reshape(-1, self.n_out)
        self.grads = {"W": X.T @ dY2, "b": dY2.sum(axis=0)}
        return dY @ self.params["W"].T if input_grad else None

    def __repr__(self):
        return f"Linear({self.n_in}, {self.n_out})"


class _Elementwise(Layer):
    """Y = f(X) element by element; dX = dY * f'(X). Subclasses define _f and _grad(X, Y)."""

    def forward(self, X, training=False):
        X = self._input(X)
        Y = self._f(X)
        # f'(X) is taken now, while X is still in the processor's cache (ReLU's is one byte a
        # number, a quarter of what backward would read otherwise: lesson 11's first ReLU, forward
        # and backward together about 0.07 ms faster), and kept rather than X or Y, which the
        # caller may change in place before calling backward
        self.slope = self._grad(X, Y)
        return Y

    def backward(self, dY):
        dY = self._upstream(dY, self.slope.shape)
        return dY * self.slope


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
        self.alpha = number(alpha, "alpha")

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


class Dropout(Layer):
    """Inverted dropout: in training each unit is zeroed with probability p and the survivors are
    scaled by 1 / (1 - p), so the expected output equals the input and evaluation (training=False)
    is the identity. A fresh mask is drawn at every training forward pass."""

    def __init__(self, p, seed=None):
        super().__init__()
        self.p = number(p, "p (the probability of dropping a unit)", below=1)
        self.reset(seed)

    def reset(self, seed=None):
        self.seed, self.rng = seed, np.random.default_rng(seed)

    def forward(self, X, training=False):
        X = self._input(X)
        self.shape = X.shape
        if not training or self.p == 0:
            self.mask = None
            return X
        keep = self.rng.random(X.shape) >= self.p
        self.mask = keep.astype(X.dtype) / X.dtype.type(1 - self.p)
        return X * self.mask

    def backward(self, dY):
        dY = self._upstream(dY, self.shape)
        return dY if self.mask is None else dY * self.mask

    def __repr__(self):
        return f"Dropout({self.p})"


class BatchNorm(Layer):
    """Batch normalisation (Ioffe and Szegedy, 2015): each feature (channel) normalised to mean 0
    and variance 1 over the batch, then scaled by gamma and shifted by beta.

    X is (N, D), normalised over axis 0, or (N, C, H, W), normalised over (N, H, W) per channel.
    Training normalises with the batch mean and the biased batch variance (divided by the m values
    per feature), and updates running = momentum * running + (1 - momentum) * batch statistic,
    where the variance averaged is the unbiased one (m / (m - 1) times the biased), as PyTorch
    does; with training=False the running averages are used and nothing changes. (PyTorch's
    momentum=0.1 is this momentum=0.9.)
    """

    def __init__(self, num_features, momentum=0.9, eps=1e-5, dtype=np.float64):
        super().__init__()
        C = positive_int(num_features, "num_features")
        self.momentum = number(momentum, "momentum", below=1)
        self.eps = number(eps, "eps", positive=True)
        self.dtype = floating_dtype(dtype)
        self.params = {"gamma": np.ones(C, self.dtype), "beta": np.zeros(C, self.dtype)}
        self.running_mean = np.zeros(C, self.dtype)
        self.running_var = np.ones(C, self.dtype)

    def _per_channel(self, X):
        """X viewed as (N, C, S): S = H W values per channel and image (S = 1 for (N, D))."""
        C = len(self.params["gamma"])
        if X.ndim not in (2, 4) or X.shape[1] != C:
            raise ValueError(f"BatchNorm({C}) expects (N, {C}) or (N, {C}, H, W); received "
                             f"shape {X.shape}")
        return X.reshape(len(X), C, -1)

    # The sums over (N, S) below are einsums: on (N, C, H, W) they read the array once, in
    # memory order, where X.mean(axis=(0, 2, 3)) walks it channel by channel (4x slower on
    # lesson 11's first layer), and the arithmetic is done in place where it can be. Together:
    # forward and backward of BatchNorm(16) on (64, 16, 24, 24) float32 in 2.2 ms instead of 4.4.
    def forward(self, X, training=False):
        X = self._input(X)
        X3 = self._per_channel(X)
        m = X3.shape[0] * X3.shape[2]  # values per feature
        if training and m < 2:
            raise ValueError(f"BatchNorm in training needs more than one value per feature to "
                             f"normalise over; received shape {X.shape} (with one, every output "
                             f"would be beta and every gradient 0). If it is the last mini-batch "
                             f"of an epoch, choose a batch size that does not leave 1 sample")
        if training:
            mean = np.einsum("ncs->c", X3) / m
            centred = X3 - mean[:, None]
            var = np.einsum("ncs,ncs->c", centred, centred) / m
            r = self.momentum
            self.running_mean = r * self.running_mean + (1 - r) * mean
            self.running_var = r * self.running_var + (1 - r) * var * (m / (m - 1))
        else:
            mean, var = self.running_mean, self.running_var
            centred = X3 - mean.astype(X.dtype)[:, None]
        self.training = training
        self.inv_std = (1 / np.sqrt(var + self.eps)).astype(X.dtype)[:, None]   # (C, 1)
        centred *= self.inv_std
        self.X_hat, self.shape = centred, X.shape                              # (N, C, S)
        Y = self.X_hat * self.params["gamma"][:, None]
        Y += self.params["beta"][:, None]
        return Y.reshape(X.shape)

    def backward(self, dY):
        dY3 = self._per_channel(self._upstream(dY, self.shape))
        d_gamma, d_beta = np.einsum("ncs,ncs->c", dY3, self.X_hat), np.einsum("ncs->c", dY3)
        self.grads = {"gamma": d_gamma, "beta": d_beta}
        scale = self.params["gamma"][:, None] * self.inv_std  # dY/dX_hat = gamma
        if not self.training:  # fixed statistics: a per-feature scale
            return (dY3 * scale).reshape(dY.shape)
        # The mean and variance depend on every sample of the batch, hence the two sums; with
        # m values per feature, dX = gamma inv_std (dY - d_beta / m - X_hat d_gamma / m).
        m = dY3.shape[0] * dY3.shape[2]
        dX = self.X_hat * (-d_gamma / m)[:, None]
        dX += dY3
        dX -= (d_beta / m)[:, None]
        dX *= scale
        return dX.reshape(dY.shape)

    def __repr__(self):
        return f"BatchNorm({len(self.params['gamma'])})"


class Flatten(Layer):
    """(N, C, H, W) or any (N, ...) -> (N, C*H*W), and back in backward."""

    def forward(self, X, training=False):
        X = self._input(X)
        self.shape = X.shape
        return X.reshape(len(X), int(np.prod(X.shape[1:])))

    def backward(self, dY):
        dY = self._upstream(dY, (self.shape[0], int(np.prod(self.shape[1:]))))
        return dY.reshape(self.shape)


class Embedding(Layer):
    """A lookup table: token indices X (N, T) -> vectors Y (N, T, d), Y[n, t] = E[X[n, t]].

    E = params["E"] (V, d), one row of d numbers per token of a vocabulary of V, drawn from
    N(0, init^2): N(0, 1) by default, as in PyTorch's nn.Embedding. Looking up row i is the
    product of a one-hot row (1 in column i) with E, so dE = one_hot(X)^T dY: each row of dY is
    added to the row of E of its token, a token seen twice receiving both (a scatter-add).
    Indices have no gradient, so backward returns None and an Embedding can only be a model's
    first layer (Sequential checks).
    X holds integers, or floats that are whole numbers, in 0..V-1; anything else is refused.
    """

    def __init__(self, num_embeddings, embedding_dim, init=1.0, seed=None, dtype=np.float64):
        super().__init__()
        self.V = positive_int(num_embeddings, "num_embeddings")
        self.d = positive_int(embedding_dim, "embedding_dim")
        self.init, self.dtype = number(init, "init (a standard deviation)"), floating_dtype(dtype)
        self.reset(seed)

    def reset(self, seed=None):
        self.seed = seed
        self.params["E"] = _init_weights(self.init, (self.V, self.d), self.V, self.d, seed,
                                         self.dtype)

    def indices(self, X):
        """X as an integer array, after checking that it holds token indices 0..V-1."""
        X = np.asarray(X)
        if X.dtype.kind == "f":
            if not np.all(np.isfinite(X)) or np.any(X != np.round(X)):
                raise ValueError("Embedding expects token indices (whole numbers); received "
                                 "an array holding other values")
            X = X.astype(np.intp)
        elif X.dtype.kind not in "iu":
            raise TypeError(f"Embedding expects an array of token indices (integers); received "
                            f"dtype {X.dtype}")
        if X.size and (X.min() < 0 or X.max() >= self.V):
            raise ValueError(f"Embedding({self.V}, {self.d}) expects indices 0..{self.V - 1}; "
                             f"received values from {X.min()} to {X.max()}")
        return X

    def forward(self, X, training=False):
        self.X = np.array(self.indices(X))  # a copy: the caller may reuse X before backward
        return self.params["E"][self.X]

    def backward(self, dY):
        """Fills grads["E"] by a scatter-add of dY's rows; returns None (indices have no
        gradient)."""
        dY = self._upstream(dY, self.X.shape + (self.d,))
        dE = np.zeros_like(self.params["E"])
        np.add.at(dE, self.X.ravel(), np.reshape(dY, (-1, self.d)))
        self.grads = {"E": dE}
        return None

    def __repr__(self):
        return f"Embedding({self.V}, {self.d})"


CHUNK_BYTES = 2 ** 20  # a block of Conv2D's patches that stays in a core's cache (1-2 MB today)


class Conv2D(Layer):
    """2-D convolution (cross-correlation, as torch.nn.functional.conv2d computes it).

    X (N, C_in, H, W) -> Y (N, C_out, H_out, W_out) with H_out = (H + 2 padding - k) // stride + 1
    (the same for W). Kernels K = params["W"] (C_out, C_in, k, k), bias b (C_out,):
    Y[n, o, i, j] = b[o] + sum_{c, u, v} K[o, c, u, v] X_pad[n, c, i stride + u, j stride + v].
    Computed as one matrix product over the k x k patches (im2col), the bias as one more weight on
    an input of 1, a block of patches at a time; backward copies the patches again rather than
    keeping them. He initialisation, N(0, 2 / (C_in k k)).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, seed=None,
                 dtype=np.float64):
        super().__init__()
        self.C_in = positive_int(in_channels, "in_channels")
        self.C_out = positive_int(out_channels, "out_channels")
        self.k = positive_int(kernel_size, "kernel_size")
        self.stride = positive_int(stride, "stride")
        self.padding = integer(padding, "padding")
        self.dtype = floating_dtype(dtype)
        self.reset(seed)

    def reset(self, seed=None):
        self.seed, k = seed, self.k
        self.params["W"] = _init_weights("he", (self.C_out, self.C_in, k, k), self.C_in * k * k,
                                         0, seed, self.dtype)
        self.params["b"] = np.zeros(self.C_out, dtype=self.dtype)

    def output_size(self, H, W):
        """(H_out, W_out) for an input of height H and width W."""
        p, k, s = self.padding, self.k, self.stride
        return (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1

    def forward(self, X, training=False):
        X = self._input(X, 4, f"(N, {self.C_in}, H, W)")
        N, C, H_in, W_in = X.shape
        if C != self.C_in or min(H_in, W_in) + 2 * self.padding < self.k:
            raise ValueError(f"Conv2D expects (N, {self.C_in}, H, W) with H, W + 2 * padding >= "
                             f"{self.k}; received shape {X.shape}")
        k = self.k
        H_out, W_out = self.output_size(H_in, W_in)
        # The rows of `cols` are the patches, each in the order (u, v, c), followed by a 1: the
        # bias is one more weight, on an input that is always 1, so the matrix product adds it
        # (and backward's product for dK gives db); 0.1-0.2 ms faster per layer of lesson 11
        # than adding it in a pass of its own.
        K_cols = np.concatenate([self.params["W"].transpose(2, 3, 1, 0).reshape(k * k * C, -1),
                                 self.params["b"][None]])                # (k k C + 1, C_out)
        # The patches are copied from a view of every patch. NumPy copies fastest in long
        # contiguous runs: the copy runs along a patch's row of k*C numbers, from a copy of X with
        # the channels last, when that row is at least as long as a row of one image's outputs,
        # and otherwise along a row of outputs of every image, W_out N numbers, from a copy of X
        # with the images' axis inside (lesson 11's second layer, 80 against 8, copied that way
        # too, was no faster in training steps).
        self.patch_rows = k * C >= W_out
        self.X_pad = self._padded_copy(X)
        Y = np.empty((N * H_out * W_out, self.C_out), dtype=np.result_type(X, K_cols))
        for rows, cols in self._blocks_of_cols():
            np.matmul(cols, K_cols, out=Y[rows])
        self.X = X
        shape = [(N, self.C_out, H_out, W_out)[axis] for axis in self.positions]
        return Y.reshape(shape).transpose(np.argsort(self.positions))

    def _padded_copy(self, X):
        """X (N, C, H, W) padded with zeros, (N, H, W, C) in memory if self.patch_rows, else
        (C, H, W, N): always a copy, even when X is in that layout already, as backward cuts the
        patches from it again (writing into X between the passes must not change dW)."""
        p = self.padding
        X = X.transpose((0, 2, 3, 1) if self.patch_rows else (1, 2, 3, 0))
        return np.pad(X, ((0, 0), (p, p), (p, p), (0, 0))) if p else np.array(X, order="C")

    @property
    def positions(self):
        """The memory order of the last output Y, as axes of (N, C, H, W): cols' rows are
        (N, H_out, W_out) or (H_out, W_out, N), each row C_out numbers."""
        return (0, 2, 3, 1) if self.patch_rows else (2, 3, 0, 1)

    def _blocks_of_cols(self):
        """The matrix `cols` of the last forward pass, (rows, k k C + 1), a block of rows at a
        time: yields (rows, block), a slice of cols' rows and a view of those rows.

        Each block is copied into the same buffer of about CHUNK_BYTES and used right after, while
        it is still in the processor's cache; backward copies the patches again rather than
        keeping `cols`, which would be written to main memory and read back (6.6 MB in lesson
        11's second layer; training steps 4 % faster than with `cols` kept)."""
        k, s, C = self.k, self.stride, self.C_in
        width = k * k * C
        windows = sliding_window_view(self.X_pad, (k, k), axis=(1, 2))[:, ::s, ::s]
        if self.patch_rows:
            # from (N, H, W, C): runs of 80 numbers in lesson 11's second layer, 6 to 9 times
            # faster than channels first
            patches = windows.transpose(0, 1, 2, 4, 5, 3)          # (N, H_out, W_out, k, k, C)
            order = "C"
        else:
            # from (C, H, W, N), one kernel offset (u, v) and channel c at a time, into the
            # buffer stored column by column (cols transposed, which the matrix product reads as
            # it is): runs of 24 x 64 numbers instead of 5 in the first layer, 0.2 ms faster
            patches = windows.transpose(1, 2, 3, 4, 5, 0)          # (H_out, W_out, N, k, k, C)
            order = "F"
        # blocks of `step` entries of patches' first axis: images, or rows of outputs
        first, *within = patches.shape[:3]
        rows_per_entry = within[0] * within[1]
        row_bytes = (width + 1) * patches.itemsize
        step = max(1, min(first, CHUNK_BYTES // max(1, rows_per_entry * row_bytes)))
        buffer = np.empty((step * rows_per_entry, width + 1), dtype=patches.dtype, order=order)
        buffer[:, width] = 1
        for start in range(0, first, step):
            n = min(step, first - start)
            block = buffer[:n * rows_per_entry]
            block[:, :width].reshape(n, *within, k, k, C)[...] = patches[start:start + n]
            yield slice(start * rows_per_entry, (start + n) * rows_per_entry), block

    def backward(self, dY, input_grad=True):
        """dX for the dY of the last forward pass (None if input_grad is False: the first layer
        of a network need not compute it); fills grads."""
        dY = self._upstream(dY, (len(self.X), self.C_out, *self.output_size(*self.X.shape[2:])))
        N, C_out, H_out, W_out = dY.shape
        K = self.params["W"]
        dY_rows = dY.transpose(self.positions).reshape(-1, C_out)  # in the order of cols' rows
        # dY_rows^T cols: dK and, from the column of ones, db (dY's sum over the positions),
        # block by block, in whichever orientation reads the block in the order it was copied:
        # as (block^T dY_rows)^T when it is stored column by column (the first layer: 0.77 ms
        # against 1.20, the same numbers)
        d_weights = np.zeros((C_out, K[0].size + 1), dtype=np.result_type(dY, self.X_pad))
        for rows, block in self._blocks_of_cols():
            if block.flags.f_contiguous:
                d_weights += (block.T @ dY_rows[rows]).T
            else:
                d_weights += dY_rows[rows].T @ block                    # (C_out, k k C + 1)
        dK = d_weights[:, :-1].reshape(C_out, self.k, self.k, self.C_in)
        self.grads = {"W": np.ascontiguousarray(dK.transpose(0, 3, 1, 2)),
                      "b": np.ascontiguousarray(d_weights[:, -1])}
        if not input_grad:
            return None
        # Each patch's gradient goes back to the pixels it was cut from (the gradient of a
        # convolution is a convolution with the flipped kernel), as k*k strided adds, one per
        # kernel offset (u, v), each of the patches' gradients at that offset, dY's rows times
        # the kernels' (C_out, C) slice K[:, :, u, v], computed right before it is added (into
        # one small array, which stays in the cache: lesson 11's second layer 1.7 ms instead of
        # 2.5 with the k offsets of a kernel row at a time). The sum is kept (H, W, N, C), the
        # images' axis inside, so that each add runs along a row of positions of every image,
        # W_out N C numbers at a time instead of W_out C (8192 instead of 128 in that layer: its
        # backward pass 4.3 ms instead of 4.9 inside training steps); it is copied to X's
        # memory layout at the end.
        k, s, p = self.k, self.stride, self.padding
        K_offsets = np.ascontiguousarray(K.transpose(2, 3, 0, 1))        # (k, k, C_out, C)
        N, C, H_in, W_in = self.X.shape
        dY_positions = np.ascontiguousarray(dY.transpose(2, 3, 0, 1)).reshape(-1, C_out)
        dX_pad = np.zeros((H_in + 2 * p, W_in + 2 * p, N, C), dtype=dY.dtype)
        d_patches = np.empty((len(dY_positions), C), dtype=np.result_type(dY, K))
        for u in range(k):
            for v in range(k):
                np.matmul(dY_positions, K_offsets[u, v], out=d_patches)
                dX_pad[u:u + s * H_out:s, v:v + s * W_out:s] += d_patches.reshape(
                    H_out, W_out, N, C)
        dX = np.empty_like(self.X, dtype=dY.dtype)  # (empty_like keeps X's memory layout)
        dX[...] = dX_pad[p:p + H_in, p:p + W_in].transpose(2, 3, 0, 1)
        return dX

    def __repr__(self):
        return f"Conv2D({self.C_in}, {self.C_out}, {self.k})"


class MaxPool2D(Layer):
    """Max-pooling: the largest value of each k x k window, windows `stride` apart (default k).

    X (N, C, H, W) -> (N, C, (H - k) // stride + 1, (W - k) // stride + 1). The gradient goes to
    the position of each window's maximum (the first one, row by row, if several are equal); the
    other positions get 0.
    """

    def __init__(self, kernel_size, stride=None):
        super().__init__()
        self.k = positive_int(kernel_size, "kernel_size")
        self.stride = self.k if stride is None else positive_int(stride, "stride")

    def _windows(self, H_out, W_out):
        """For each offset (u, v) in the window, row by row, the index of the pixels it takes."""
        s = self.stride
        for u in range(self.k):
            for v in range(self.k):
                yield np.s_[:, :, u:u + s * H_out:s, v:v + s * W_out:s]

    def forward(self, X, training=False):
        X = self._input(X, 4, "(N, C, H, W)")
        H_in, W_in = X.shape[2:]
        if min(H_in, W_in) < self.k:
            raise ValueError(f"MaxPool2D({self.k}) needs H, W >= {self.k}; received shape "
                             f"{X.shape}")
        H_out, W_out = (H_in - self.k) // self.stride + 1, (W_in - self.k) // self.stride + 1
        # k*k strided passes, one per offset in the window (no copy of the windows), which also
        # record each window's winner, the offset of its first maximum, for the backward pass.
        # Recording it here, while X is fresh in the cache, makes lesson 11's first pooling
        # 0.4 ms faster (forward and backward) than finding the winners again in backward.
        windows = self._windows(H_out, W_out)
        Y = X[next(windows)].copy(order="K")
        winner = np.zeros_like(Y, dtype=np.min_scalar_type(self.k ** 2 - 1))
        for t, index in enumerate(windows, start=1):
            larger = X[index] > Y  # strictly: where equal, the earlier offset stays the winner
            np.maximum(Y, X[index], out=Y)
            # winner = t where larger (as t is above every earlier offset: a maximum)
            np.maximum(winner, np.multiply(larger, t, dtype=winner.dtype), out=winner)
        self.X, self.Y, self.winner = X, Y, winner
        return Y

    def backward(self, dY):
        X, Y, dY = self.X, self.Y, self._upstream(dY, self.Y.shape)
        if dY.strides != Y.strides:
            # All arrays below in one memory layout, Y's (channels last after a Conv2D):
            # NumPy's elementwise operations on arrays of mixed layouts are several times slower
            # (0.79 ms against 0.2 for lesson 11's second pooling, whose dY comes from Flatten).
            aligned = np.empty_like(Y, dtype=dY.dtype)
            aligned[...] = dY
            dY = aligned
        H_out, W_out = dY.shape[2:]
        k, s = self.k, self.stride
        overlapping = s < k  # then a pixel may win in several windows
        every_pixel_once = s == k and X.shape[2:] == (k * H_out, k * W_out)
        dX = np.empty_like(X) if every_pixel_once else np.zeros_like(X)
        for t, index in enumerate(self._windows(H_out, W_out)):
            if overlapping:
                dX[index] += dY * (self.winner == t)
            else:  # written in place, not added
                np.multiply(dY, self.winner == t, out=dX[index])
        return dX

    def __repr__(self):
        return f"MaxPool2D({self.k})"


def __getattr__(name):
    """`from nnlib.layers import Sequential`, where lessons 10 and 11 first found the model, still
    works: the model itself lives in nnlib.sequential (it imports this module)."""
    if name == "Sequential":
        from .sequential import Sequential
        return Sequential
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
