"""`Sequential`: a model made of layers (`nnlib.layers`) applied one after the other."""

import numpy as np

from ._checks import as_float_array
from .layers import Conv2D, Embedding, Linear, Sigmoid
from .losses import LOGIT_LOSSES
from .model import Model, loss_name

EVALUATION_CHUNK = 1000  # samples per forward pass in predict and evaluate


class _LayerParams(dict):
    """Sequential.params: the layers' own arrays by name. Assigning params[name] = A (or update)
    copies A into the layer's array, so that the model, and an optimiser stepping that array, see
    it (a dict of its own would take the new array and leave the model as it was); a new name or
    another shape is refused, and so is removing a name."""

    def __setitem__(self, key, value):
        if key not in self:
            raise KeyError(f"{key!r} is not a parameter of this model; its parameters are "
                           f"{', '.join(self)}")
        target, value = self[key], np.asarray(value)
        if value.shape != target.shape:
            raise ValueError(f"params[{key!r}] has shape {target.shape}; received an array of "
                             f"shape {value.shape}")
        target[...] = value

    def update(self, other=(), **more):
        for key, value in dict(other, **more).items():
            self[key] = value

    def _refuse(self, *args):
        raise TypeError("a model's parameters cannot be removed or added")

    __delitem__ = pop = popitem = clear = setdefault = __ior__ = _refuse

    def __reduce__(self):  # copies and pickles are plain dicts (copy.deepcopy(model.params))
        return dict, (dict(self),)


class Sequential(Model):
    """Layers applied one after the other, with a loss on the output of the last one.

    layers: a list of layer objects, each placed once (a layer keeps what its last forward pass
        needs for backward, so one object in two places would give wrong gradients: build one
        per place, e.g. ReLU() twice). Parameters must all have one dtype.
    loss: "cross_entropy" (the last layer gives logits (N, K); the loss is the cross-entropy of
        their softmax, as PyTorch's CrossEntropyLoss; targets are labels or one-hot rows; also
        called "softmax_cross_entropy"), "binary_cross_entropy" (logits whose sigmoid is compared
        with targets in [0, 1], as PyTorch's BCEWithLogitsLoss; "sigmoid_binary_cross_entropy")
        or "mse" (regression on the last layer's output). With the two cross-entropies the
        last layer must not be a Sigmoid: the loss applies it.
    seed: None keeps every layer as it was built; a number gives every layer that was built
        without its own seed (Linear, Conv2D, Dropout) a stream of its own, spawned from this
        seed, and draws its starting weights again from it (layers that another model's seed
        drew are refused: build new ones).
    params / grads: every layer's arrays in one dict; a name is the layer's parameter name followed
        by the number of the layer among those with parameters (W1, b1, W2, b2, ... for a stack of
        Linear layers, as in MLP; gamma2, beta2 for a BatchNorm in second place). Assigning
        params[name] = A copies A into the layer's array (`_LayerParams`).
    """

    threshold = 0  # one output: a logit >= 0 is a sigmoid probability >= 0.5

    def __init__(self, layers, loss="cross_entropy", seed=None):
        self.layers = list(layers)
        first_place = {}  # id of a layer -> where it first appears
        for i, layer in enumerate(self.layers):
            if not all(hasattr(layer, a) for a in ("params", "forward", "backward")):
                raise TypeError(f"every layer needs params, forward and backward; received "
                                f"{type(layer).__name__} at position {i}")
            first = first_place.setdefault(id(layer), i)
            if first != i:
                raise ValueError(
                    f"the layer at position {i} ({layer!r}) is the same object as the one at "
                    f"position {first}: each place in a model needs its own layer object (a "
                    f"layer keeps its last input for backward), e.g. ReLU() written twice")
        for i, layer in enumerate(self.layers[1:], start=1):
            if isinstance(layer, Embedding):
                raise ValueError(f"an Embedding reads token indices and passes no gradient to "
                                 f"what feeds it, so it must be the first layer; received one "
                                 f"at position {i}")
        self.loss = loss_name(loss)
        if self.loss != "mse" and self.layers and isinstance(self.layers[-1], Sigmoid):
            raise ValueError(f"the loss {loss!r} takes the last layer's output as logits and "
                             f"applies the sigmoid or softmax itself; a final Sigmoid layer would "
                             f"squash twice (and predictions compare logits with 0): remove it")
        if seed is not None:
            streams = np.random.SeedSequence(seed).spawn(len(self.layers))
            for i, (layer, stream) in enumerate(zip(self.layers, streams)):
                if isinstance(getattr(layer, "seed", 0), np.random.SeedSequence):
                    raise ValueError(
                        f"the layer at position {i} ({layer!r}) already has weights drawn from "
                        f"another model's seed, which this model's seed would not replace: "
                        f"build new layers for this model (or pass no seed to share them)")
                if getattr(layer, "seed", 0) is None:  # a layer of nnlib.layers built unseeded
                    layer.reset(stream)
        with_params = [layer for layer in self.layers if layer.params]
        # (name in params, layer, name in the layer): W1, b1, gamma2, beta2, ...
        self._names = [(f"{name}{number}", layer, name)
                       for number, layer in enumerate(with_params, start=1)
                       for name in layer.params]
        keys = [key for key, _, _ in self._names]
        if len(set(keys)) != len(keys):
            twice = sorted({key for key in keys if keys.count(key) > 1})
            raise ValueError(f"two parameters of different layers would both be called "
                             f"{', '.join(twice)}: rename one in its layer's params")
        self.dtype = self._common_dtype()

    def _common_dtype(self):
        """The parameters' one dtype (float64 without parameters); mixed dtypes are refused."""
        dtypes = {}
        for key, layer, name in self._names:
            dtypes.setdefault(layer.params[name].dtype, key)
        if len(dtypes) > 1:
            found = ", ".join(f"{key} is {dtype}" for dtype, key in dtypes.items())
            raise ValueError(f"every parameter of a model must have the same dtype; {found}. "
                             f"Build every layer with the same dtype=...")
        return np.dtype(next(iter(dtypes), np.float64))

    @property
    def params(self):
        return _LayerParams((key, layer.params[name]) for key, layer, name in self._names)

    @property
    def grads(self):
        return {key: layer.grads[name] for key, layer, name in self._names}

    @property
    def is_classifier(self):
        return self.loss != "mse"

    def forward(self, X, training=False):
        """The last layer's output (logits for the classification losses) for inputs X."""
        X = self._check_X(X)
        for layer in self.layers:
            X = layer.forward(X, training=training)
        return X

    # ---- what the base class asks for (nnlib.model) ---------------------------------------------
    def _check_X(self, X):
        """X in the model's dtype, or as integer token indices when the first layer is an
        Embedding (an index held in float32 could be rounded to its neighbour)."""
        if self.layers and isinstance(self.layers[0], Embedding):
            return self.layers[0].indices(X)
        return as_float_array(X, "X", dtype=self.dtype)

    def _output_shape(self, X):
        """(K,), the width of the last layer's output, or (T, K) for sequences: found by a forward
        pass on one sample."""
        return self._logits(X[:1]).shape[1:]

    def _weight_names(self):
        """The layers' weights "W" (Linear's and Conv2D's) and embeddings "E", not biases or batch
        norm's gamma and beta (as Bengio et al. 2003 decayed the embeddings with the weights); a
        layer made of layers names its own in `decayed`."""
        return [key for key, layer, name in self._names
                if name in getattr(layer, "decayed", ("W", "E"))]

    def _logits(self, X, chunk=EVALUATION_CHUNK):
        """Evaluation-mode outputs, `chunk` samples at a time: a convolution's outputs for a
        whole test set at once can take hundreds of megabytes."""
        if len(X) <= chunk:
            return self.forward(X)
        return np.concatenate([self.forward(X[i:i + chunk]) for i in range(0, len(X), chunk)])

    def _scores(self, Z):
        return Z

    def _loss_on_logits(self, Z, Y):
        """The loss and dL/dZ; for sequences (N, T, K) the mean over all N T positions."""
        if Z.shape != Y.shape:
            raise ValueError(f"the last layer's output has shape {Z.shape} but the targets "
                             f"have shape {Y.shape}")
        K = Z.shape[-1]
        loss, dZ = LOGIT_LOSSES[self.loss](Z.reshape(-1, K), Y.reshape(-1, K))
        return loss, dZ.reshape(Z.shape)

    def _backward(self, X, Y):
        """A training-mode forward pass, the loss, and every layer's backward pass: returns
        (loss, grads, Z), Z being also the scores that predictions read."""
        Z = self.forward(X, training=True)
        loss, dY = self._loss_on_logits(Z, Y)
        for layer in self.layers[:0:-1]:
            dY = layer.backward(dY)
        first = self.layers[0]
        if isinstance(first, Linear | Conv2D):  # nothing below needs the input's gradient
            first.backward(dY, input_grad=False)
        else:
            first.backward(dY)
        return loss, self.grads, Z
