"""Layers for sequences (lesson 14): inputs (N, T, d), one vector of d numbers per position.

    LayerNorm(d)                     each position's vector normalised over its d numbers
    PositionEmbedding(max_length, d) a learned vector added at each position
    CausalSelfAttention(d, h)        each position a weighted average of the values of the
                                     positions up to it, weighted by how its query matches their
                                     keys, in h heads
    TransformerBlock(d, h, d_ff)     X + attention(norm(X)), then + a two-layer network of the
                                     result's norm, position by position (pre-norm, as in GPT-2)

Every layer keeps nnlib.layers' contract: params, grads, forward(X, training=False) -> Y and
backward(dY) -> dX. Shapes: N sequences, T positions, d numbers per position, h heads of
d_h = d / h numbers each.
"""

import math

import numpy as np

from ._checks import floating_dtype, number, positive_int
from .layers import Layer, Linear, ReLU, _init_weights


def _streams(seed, n):
    """n independent seeds drawn from `seed` (an int, a SeedSequence, or None: fresh entropy)."""
    if seed is None:
        return [None] * n
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return sequence.spawn(n)


def _sequence(layer, X, d):
    """X as a float array (N, T, d), else a ValueError naming the layer."""
    X = layer._input(X)
    if X.ndim != 3 or X.shape[2] != d:
        raise ValueError(f"{layer!r} expects sequences (N, T, {d}); received shape {X.shape}")
    return X


class LayerNorm(Layer):
    """Normalise each position's vector over its last axis: X (..., D) -> Y of the same shape,
    Y = gamma * (X - mean) / sqrt(var + eps) + beta, with the mean and the (biased) variance of
    that vector alone: the same computation in training and evaluation, for any batch size."""

    def __init__(self, num_features, eps=1e-5, dtype=np.float64):
        super().__init__()
        self.D = positive_int(num_features, "num_features")
        self.eps = number(eps, "eps", positive=True)
        self.dtype = floating_dtype(dtype)
        self.params = {"gamma": np.ones(self.D, self.dtype), "beta": np.zeros(self.D, self.dtype)}

    def forward(self, X, training=False):
        X = self._input(X)
        if X.ndim < 1 or X.shape[-1] != self.D:
            raise ValueError(f"{self!r} expects (..., {self.D}); received shape {X.shape}")
        centred = X - X.mean(axis=-1, keepdims=True)
        self.inv_std = 1 / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + self.eps)
        self.X_hat = centred * self.inv_std
        return self.params["gamma"] * self.X_hat + self.params["beta"]

    def backward(self, dY):
        """Batch norm's backward pass (lesson 10) along the other axis."""
        dY = self._upstream(dY, self.X_hat.shape)
        axes = tuple(range(dY.ndim - 1))
        self.grads = {"gamma": (dY * self.X_hat).sum(axis=axes), "beta": dY.sum(axis=axes)}
        g = dY * self.params["gamma"]                       # dL/dX_hat
        return self.inv_std * (g - g.mean(axis=-1, keepdims=True)
                               - self.X_hat * (g * self.X_hat).mean(axis=-1, keepdims=True))

    def __repr__(self):
        return f"LayerNorm({self.D})"


class PositionEmbedding(Layer):
    """Y = X + P[:T]: a learned vector for each position 0..max_length-1, P = params["E"]
    (max_length, d), drawn from N(0, init^2) like a token's embedding (N(0, 1) by default)."""

    def __init__(self, max_length, embedding_dim, init=1.0, seed=None, dtype=np.float64):
        super().__init__()
        self.max_length = positive_int(max_length, "max_length")
        self.d = positive_int(embedding_dim, "embedding_dim")
        self.init, self.dtype = number(init, "init (a standard deviation)"), floating_dtype(dtype)
        self.reset(seed)

    def reset(self, seed=None):
        self.seed = seed
        self.params["E"] = _init_weights(self.init, (self.max_length, self.d), 1, 1, seed,
                                         self.dtype)

    def forward(self, X, training=False):
        X = _sequence(self, X, self.d)
        if X.shape[1] > self.max_length:
            raise ValueError(f"{self!r} has positions 0..{self.max_length - 1}; received "
                             f"sequences of length {X.shape[1]}")
        self.shape = X.shape
        return X + self.params["E"][:X.shape[1]]

    def backward(self, dY):
        dY = self._upstream(dY, self.shape)
        dE = np.zeros_like(self.params["E"])
        dE[:self.shape[1]] = dY.sum(axis=0)     # every sequence adds its gradient at position t
        self.grads = {"E": dE}
        return dY

    def __repr__(self):
        return f"PositionEmbedding({self.max_length}, {self.d})"


class CausalSelfAttention(Layer):
    """Masked multi-head self-attention: X (N, T, d) -> Y (N, T, d).

    Per head, with Q = X Wq, K = X Wk, V = X Wv split into h heads of d_h numbers:
        S = Q K^T / sqrt(d_h), with S[i, j] = -inf for j > i (a position sees only itself and
            the positions before it),
        A = softmax(S) along each row (`weights`, (N, h, T, T), kept for pictures),
        O = A V;
    the heads' outputs side by side, times Wo. Params "Wq", "Wk", "Wv", "Wo", each (d, d), drawn
    from N(0, 1/d); no biases.
    """

    def __init__(self, d_model, n_heads, seed=None, dtype=np.float64):
        super().__init__()
        self.d, self.h = positive_int(d_model, "d_model"), positive_int(n_heads, "n_heads")
        if self.d % self.h:
            raise ValueError(f"d_model must be a multiple of n_heads; received d_model={self.d}, "
                             f"n_heads={self.h}")
        self.dtype = floating_dtype(dtype)
        self.reset(seed)

    def reset(self, seed=None):
        self.seed = seed
        streams = _streams(seed, 4)
        std = 1 / math.sqrt(self.d)
        self.params = {name: _init_weights(std, (self.d, self.d), 1, 1, stream, self.dtype)
                       for name, stream in zip(("Wq", "Wk", "Wv", "Wo"), streams)}

    def _heads(self, Z):
        """(N, T, d) -> (N, h, T, d_h)."""
        N, T, _ = Z.shape
        return Z.reshape(N, T, self.h, self.d // self.h).transpose(0, 2, 1, 3)

    def _merge(self, Z):
        """(N, h, T, d_h) -> (N, T, d): the heads side by side."""
        N, _, T, _ = Z.shape
        return Z.transpose(0, 2, 1, 3).reshape(N, T, self.d)

    def forward(self, X, training=False):
        X = _sequence(self, X, self.d)
        self.X = X.copy()  # kept for dW: a copy, as the caller may change X before backward
        P, T = self.params, X.shape[1]
        self.Q, self.K, self.V = (self._heads(X @ P[name]) for name in ("Wq", "Wk", "Wv"))
        S = self.Q @ self.K.transpose(0, 1, 3, 2) / math.sqrt(self.d // self.h)   # a Python
        # float, so that float32 stays float32
        S = S + np.triu(np.full((T, T), -np.inf, dtype=X.dtype), k=1)   # the causal mask
        S = np.exp(S - S.max(axis=-1, keepdims=True))
        self.weights = S / S.sum(axis=-1, keepdims=True)
        self.O = self._merge(self.weights @ self.V)
        return self.O @ P["Wo"]

    def backward(self, dY):
        """The products' gradients, and softmax's: dS = A * (dA - rowsum(dA * A))."""
        P, A, d = self.params, self.weights, self.d
        dY = self._upstream(dY, self.X.shape)
        dO = self._heads(dY @ P["Wo"].T)
        dA = dO @ self.V.transpose(0, 1, 3, 2)
        dV = self._merge(A.transpose(0, 1, 3, 2) @ dO)
        dS = A * (dA - (dA * A).sum(axis=-1, keepdims=True)) / math.sqrt(d // self.h)
        dQ, dK = self._merge(dS @ self.K), self._merge(dS.transpose(0, 1, 3, 2) @ self.Q)
        X = self.X.reshape(-1, d)
        self.grads = {"Wq": X.T @ dQ.reshape(-1, d), "Wk": X.T @ dK.reshape(-1, d),
                      "Wv": X.T @ dV.reshape(-1, d),
                      "Wo": self.O.reshape(-1, d).T @ dY.reshape(-1, d)}
        return dQ @ P["Wq"].T + dK @ P["Wk"].T + dV @ P["Wv"].T

    def __repr__(self):
        return f"CausalSelfAttention({self.d}, {self.h})"


class TransformerBlock(Layer):
    """A pre-norm transformer block: X (N, T, d) -> Y (N, T, d),
        H = X + attention(LayerNorm(X)),   Y = H + W_out(ReLU(W_in LayerNorm(H))),
    the second part a two-layer network (d -> d_ff -> d, with biases) applied at each position.
    Params: the sub-layers' own, prefixed: "ln1_gamma", "ln1_beta", "attn_Wq", ..., "attn_Wo",
    "ln2_gamma", "ln2_beta", "ff_Win", "ff_bin", "ff_Wout", "ff_bout". The L2 term of a model acts
    on the weight matrices (`decayed`)."""

    decayed = ("attn_Wq", "attn_Wk", "attn_Wv", "attn_Wo", "ff_Win", "ff_Wout")

    def __init__(self, d_model, n_heads, d_ff=None, seed=None, dtype=np.float64):
        super().__init__()
        d = positive_int(d_model, "d_model")
        self.d_ff = positive_int(4 * d if d_ff is None else d_ff, "d_ff")
        self.dtype = floating_dtype(dtype)
        self.ln1, self.ln2 = LayerNorm(d, dtype=dtype), LayerNorm(d, dtype=dtype)
        self.attn = CausalSelfAttention(d, n_heads, dtype=dtype)
        self.ff_in, self.ff_out = Linear(d, self.d_ff, dtype=dtype), Linear(self.d_ff, d,
                                                                           dtype=dtype)
        self.relu = ReLU()
        self.reset(seed)

    def _parts(self):
        return {"ln1": self.ln1, "attn": self.attn, "ln2": self.ln2}, {"in": self.ff_in,
                                                                        "out": self.ff_out}

    def reset(self, seed=None):
        self.seed = seed
        streams = _streams(seed, 3)
        for layer, stream in zip((self.attn, self.ff_in, self.ff_out), streams):
            layer.reset(stream)
        self.params = self._collect("params")

    def _collect(self, what):
        named, ff = self._parts()
        found = {f"{prefix}_{name}": array for prefix, layer in named.items()
                 for name, array in getattr(layer, what).items()}
        found.update({f"ff_{name}{suffix}": array for suffix, layer in ff.items()
                      for name, array in getattr(layer, what).items()})
        return found

    def forward(self, X, training=False):
        X = _sequence(self, X, self.attn.d)
        self.shape = X.shape
        H = X + self.attn.forward(self.ln1.forward(X))
        return H + self.ff_out.forward(self.relu.forward(self.ff_in.forward(self.ln2.forward(H))))

    def backward(self, dY):
        """Each residual connection passes dY on unchanged and adds its branch's gradient."""
        dY = self._upstream(dY, self.shape)
        dH = dY + self.ln2.backward(self.ff_in.backward(self.relu.backward(
            self.ff_out.backward(dY))))
        dX = dH + self.ln1.backward(self.attn.backward(dH))
        self.grads = self._collect("grads")
        return dX

    def __repr__(self):
        return f"TransformerBlock({self.attn.d}, {self.attn.h}, {self.d_ff})"
