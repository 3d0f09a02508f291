"""Automatic differentiation on NumPy arrays (lesson 12), with PyTorch's names and meanings.

A `Tensor` holds an array (`.data`) and, when it was made by an operation on tensors that require a
gradient, remembers its inputs and how to send a gradient back to them: for each input, the
vector-Jacobian product of the operation ("local derivative times upstream gradient"). `backward()`
visits the graph in reverse topological order, so that every tensor has received the gradient of
all its uses before it passes its own on, and *adds* each contribution into `.grad`.

    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x + x).sum()          # x used twice: its gradient is the sum, 2x + 1
    y.backward()
    x.grad                         # array([3., 5.])

Broadcasting works as in NumPy; the gradient of a broadcast operand is summed back to its shape.
Inside `with no_grad():` no graph is recorded (for updates and evaluation).
"""

import contextlib
from numbers import Number

import numpy as np

_recording = [True]  # switched off by no_grad()


@contextlib.contextmanager
def no_grad():
    """Within this block, operations record no graph: results require no gradient."""
    previous, _recording[0] = _recording[0], False
    try:
        yield
    finally:
        _recording[0] = previous


def _as_array(data):
    """data as a new ndarray (a copy, as torch.tensor makes one): float arrays keep their dtype,
    numbers and integers become float64."""
    if isinstance(data, Tensor):
        raise TypeError("Tensor(...) expects an array or a number, received a Tensor; use "
                        "t.data for its array")
    array = np.array(data)
    if array.dtype.kind == "f":
        return array
    if array.dtype.kind in "biu":
        return array.astype(np.float64)
    raise TypeError(f"Tensor expects numbers (bool, int or float); received dtype {array.dtype}")


def _unbroadcast(gradient, shape):
    """Sum `gradient` over the axes that broadcasting added or stretched, back to `shape`."""
    while gradient.ndim > len(shape):
        gradient = gradient.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and gradient.shape[axis] != 1:
            gradient = gradient.sum(axis=axis, keepdims=True)
    return gradient


class Tensor:
    """An array that can record the operations that made it, to compute gradients.

    Tensor(data, requires_grad=False): data is an array or a number, copied (see _as_array).
    After a backward pass, `.grad` holds d(output)/d(this tensor), an array of `.data`'s shape.
    In-place operators (`-=`, ...) are refused on a tensor that requires a gradient, except
    under no_grad(); a backward pass that would use a tensor changed in place since is refused.
    `.data` is the array itself, the way around all this, as in PyTorch: a change made to it
    directly is not tracked.
    """

    __array_ufunc__ = None  # so that `ndarray @ Tensor` calls Tensor.__rmatmul__, not NumPy

    def __init__(self, data, requires_grad=False, _parents=(), _op=""):
        self.data = data if _parents else _as_array(data)
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self._parents = _parents        # ((parent, upstream -> its gradient, its version), ...)
        self._constants = ()            # ((operand without a gradient, its version), ...)
        self._op = _op
        self._counter = [0]             # in-place changes (+=, ...), shared with views (reshape,
        # transpose, slices), since a change through a view changes this tensor's numbers too

    @property
    def _version(self):
        return self._counter[0]

    # --- a few properties, as in PyTorch ---
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({np.array2string(self.data, precision=4)}{grad})"

    def __len__(self):
        return len(self.data)

    def item(self):
        return self.data.item()

    def numpy(self):
        return self.data

    def zero_grad(self):
        self.grad = None

    # --- building the graph ---
    def _result(self, data, parents, op):
        """A new tensor made from `parents`: ((tensor, vjp), ...); records the graph only for the
        parents that require a gradient, and only while recording."""
        graph = tuple((p, vjp, p._version) for p, vjp in parents if p.requires_grad)
        if not (_recording[0] and graph):
            result = Tensor(data)
        else:
            result = Tensor(data, requires_grad=True, _parents=graph, _op=op)
            # the operands without a gradient too: their numbers are in the parents' gradients
            result._constants = tuple((p, p._version) for p, _ in parents if not p.requires_grad)
        if len(parents) == 1 and np.may_share_memory(data, parents[0][0].data):
            result._counter = parents[0][0]._counter      # a view of its one operand
        return result

    @staticmethod
    def _lift(other, like):
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (Number, np.ndarray, np.generic, list, tuple)):
            array = _as_array(other)
            if array.ndim == 0:            # a number takes the tensor's dtype, as in PyTorch
                array = array.astype(like.dtype)
            return Tensor(array)
        raise TypeError(f"expected a Tensor, an array or a number; received {type(other).__name__}")

    # --- arithmetic, with broadcasting ---
    def __add__(self, other):
        other = self._lift(other, self)
        return self._result(self.data + other.data,
                            [(self, lambda g: _unbroadcast(g, self.shape)),
                             (other, lambda g: _unbroadcast(g, other.shape))], "+")

    def __mul__(self, other):
        other = self._lift(other, self)
        return self._result(self.data * other.data,
                            [(self, lambda g: _unbroadcast(g * other.data, self.shape)),
                             (other, lambda g: _unbroadcast(g * self.data, other.shape))], "*")

    def __truediv__(self, other):
        other = self._lift(other, self)
        return self._result(self.data / other.data,
                            [(self, lambda g: _unbroadcast(g / other.data, self.shape)),
                             (other, lambda g: _unbroadcast(-g * self.data / other.data ** 2,
                                                            other.shape))], "/")

    def __neg__(self):
        return self._result(-self.data, [(self, lambda g: -g)], "neg")

    def __sub__(self, other):
        return self + (-self._lift(other, self))

    def __radd__(self, other):
        return self._lift(other, self) + self

    def __rsub__(self, other):
        return self._lift(other, self) - self

    def __rmul__(self, other):
        return self._lift(other, self) * self

    def __rtruediv__(self, other):
        return self._lift(other, self) / self

    def __pow__(self, exponent):
        if not isinstance(exponent, Number) or isinstance(exponent, bool):
            raise TypeError(f"** takes a number as exponent; received {type(exponent).__name__}")
        return self._result(self.data ** exponent,
                            [(self, lambda g: g * exponent * self.data ** (exponent - 1)
                              if exponent else np.zeros_like(g))],   # 0 * 0**-1 would be nan
                            f"**{exponent}")

    def __matmul__(self, other):
        other = self._lift(other, self)
        if self.ndim != 2 or other.ndim != 2:
            raise ValueError(f"@ here multiplies two matrices (2-D); received shapes {self.shape} "
                             f"and {other.shape}")
        if self.shape[1] != other.shape[0]:
            raise ValueError(f"@ needs (n, k) @ (k, m); received {self.shape} @ {other.shape}")
        return self._result(self.data @ other.data,
                            [(self, lambda g: g @ other.data.T),
                             (other, lambda g: self.data.T @ g)], "@")

    def __rmatmul__(self, other):
        return self._lift(other, self) @ self

    # --- in-place changes: allowed where no gradient can depend on them, as in PyTorch ---
    def _in_place(self, other, operation):
        if _recording[0] and self.requires_grad:
            raise RuntimeError("an in-place change (+=, -=, *=, /=) of a tensor that requires a "
                               "gradient would break the graph: make it inside `with no_grad():` "
                               "(as a parameter update is)")
        operation(self.data, self._lift(other, self).data, out=self.data, casting="same_kind")
        self._counter[0] += 1
        return self

    def __iadd__(self, other):
        return self._in_place(other, np.add)

    def __isub__(self, other):
        return self._in_place(other, np.subtract)

    def __imul__(self, other):
        return self._in_place(other, np.multiply)

    def __itruediv__(self, other):
        return self._in_place(other, np.divide)

    # --- reductions ---
    def sum(self, axis=None, keepdims=False):
        def vjp(g):
            if not keepdims and axis is not None:
                g = np.expand_dims(g, axis)
            return np.broadcast_to(g, self.shape).copy()
        return self._result(self.data.sum(axis=axis, keepdims=keepdims), [(self, vjp)], "sum")

    def mean(self, axis=None, keepdims=False):
        count = self.data.size if axis is None else np.prod(
            [self.shape[a] for a in np.atleast_1d(axis)])
        return self.sum(axis=axis, keepdims=keepdims) / float(count)

    def max(self, axis=None, keepdims=False):
        """The maximum; its gradient goes to one position of the maximum (the first)."""
        flat_axis = axis
        if axis is None:
            values = self.data.reshape(-1)
            flat_axis = 0
        else:
            values = self.data
        index = np.expand_dims(np.argmax(values, axis=flat_axis), flat_axis)
        result = np.take_along_axis(values, index, axis=flat_axis)

        def vjp(g):
            grad = np.zeros_like(values)
            g = np.reshape(g, index.shape)
            np.put_along_axis(grad, index, g, axis=flat_axis)
            return grad.reshape(self.shape)

        if axis is None:
            result = result.reshape((1,) * self.ndim if keepdims else ())
        elif not keepdims:
            result = np.squeeze(result, axis=flat_axis)
        return self._result(result, [(self, vjp)], "max")

    # --- elementwise functions ---
    def exp(self):
        out = np.exp(self.data)
        return self._result(out, [(self, lambda g: g * out)], "exp")

    def log(self):
        return self._result(np.log(self.data), [(self, lambda g: g / self.data)], "log")

    def tanh(self):
        out = np.tanh(self.data)
        return self._result(out, [(self, lambda g: g * (1 - out ** 2))], "tanh")

    def sigmoid(self):
        out = 0.5 * (1 + np.tanh(0.5 * self.data))      # never overflows
        return self._result(out, [(self, lambda g: g * out * (1 - out))], "sigmoid")

    def relu(self):
        return self._result(np.maximum(self.data, 0),
                            [(self, lambda g: g * (self.data > 0))], "relu")

    # --- shapes and indexing ---
    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return self._result(self.data.reshape(shape),
                            [(self, lambda g: g.reshape(self.shape))], "reshape")

    def transpose(self, *axes):
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        axes = tuple(axes) or tuple(reversed(range(self.ndim)))
        inverse = tuple(np.argsort(axes))
        return self._result(self.data.transpose(axes),
                            [(self, lambda g: g.transpose(inverse))], "transpose")

    @property
    def T(self):
        if self.ndim != 2:
            raise ValueError(f".T is for 2-D tensors; this one has shape {self.shape} "
                             "(use transpose(*axes))")
        return self.transpose(1, 0)

    def __getitem__(self, index):
        parts = index if isinstance(index, tuple) else (index,)
        if any(isinstance(part, Tensor) for part in parts):
            raise TypeError("index with integers, slices or NumPy arrays (of integers or "
                            "booleans), not with a Tensor, whose values are floats")

        def vjp(g):
            grad = np.zeros_like(self.data)
            np.add.at(grad, index, g)              # an entry picked twice gets both gradients
            return grad

        return self._result(self.data[index], [(self, vjp)], "index")

    # --- the backward pass ---
    def backward(self, gradient=None):
        """Add d(self)/d(t) into t.grad for every tensor t that self depends on and that requires
        a gradient. `gradient` is the upstream gradient, of self's shape; it may be left out
        only when self has one element (a loss), and is then 1."""
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require a gradient: no "
                               "input of its computation has requires_grad=True (or it was made "
                               "under no_grad())")
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(f"backward() without a gradient needs a one-element tensor "
                                   f"(a loss); this one has shape {self.shape}")
            gradient = np.ones_like(self.data)
        gradient = np.asarray(gradient, dtype=self.dtype)
        if gradient.shape != self.shape:
            raise ValueError(f"the gradient must have the tensor's shape {self.shape}; received "
                             f"{gradient.shape}")
        order = self._topological_order()
        upstream = {id(self): gradient}
        for tensor in reversed(order):             # every use of a tensor comes before it here
            g = upstream.pop(id(tensor))           # the sum over all its uses, now complete
            g = g.astype(tensor.dtype, copy=False)  # a float32 tensor keeps float32 gradients
            tensor.grad = g.copy() if tensor.grad is None else tensor.grad + g
            if any(t._version != version for t, *_, version in tensor._parents
                   + tensor._constants):
                raise RuntimeError("a tensor this gradient needs was changed in place (+=, "
                                   "-=, ...) after it was used: compute the loss again")
            for parent, vjp, _ in tensor._parents:
                contribution = vjp(g)
                upstream[id(parent)] = (contribution if id(parent) not in upstream
                                        else upstream[id(parent)] + contribution)

    def _topological_order(self):
        """The tensors self depends on, each after all of its parents (depth-first, no recursion,
        so that deep graphs do not exhaust Python's stack)."""
        order, done, stack = [], set(), [(self, False)]
        while stack:
            tensor, parents_done = stack.pop()
            if parents_done:
                order.append(tensor)
                continue
            if id(tensor) in done:
                continue
            done.add(id(tensor))
            stack.append((tensor, True))
            stack.extend((parent, False) for parent, *_ in tensor._parents
                         if id(parent) not in done)
        return order


# --- functions of tensors ---

def log_softmax(x, axis=-1):
    """log(softmax(x)) along `axis`, computed stably (the maximum subtracted, as a constant)."""
    shifted = x - Tensor(x.data.max(axis=axis, keepdims=True))
    return shifted - shifted.exp().sum(axis=axis, keepdims=True).log()


def softmax(x, axis=-1):
    return log_softmax(x, axis).exp()


def cross_entropy(logits, labels):
    """Mean cross-entropy of softmax(logits) against integer labels, as PyTorch's
    F.cross_entropy: logits (N, K) Tensor, labels (N,) integers in 0..K-1 (an array, or a Tensor
    of whole numbers); a one-element Tensor. One fused operation: the loss from a stable
    log-softmax, and the gradient with respect to the logits (softmax(logits) - one_hot) / N,
    lesson 4's shortcut, instead of a walk through the exponentials and the logarithm."""
    if not isinstance(logits, Tensor) or logits.ndim != 2:
        received = (f"shape {logits.shape}" if isinstance(logits, Tensor)
                    else type(logits).__name__)
        raise TypeError(f"cross_entropy expects logits as a 2-D Tensor (N, K); received {received}")
    labels = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if labels.dtype.kind == "f" and np.all(labels == np.round(labels)):
        labels = labels.astype(np.int64)                   # a Tensor of whole numbers
    N, K = logits.shape
    if labels.shape != (N,) or labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be {N} integers (shape ({N},)); received shape "
                         f"{labels.shape}, dtype {labels.dtype}")
    if N == 0 or labels.min() < 0 or labels.max() >= K:
        raise ValueError(f"labels must lie in 0..{K - 1} and the batch must not be empty; "
                         f"received {labels.min() if N else 'no'} labels")
    shifted = logits.data - logits.data.max(axis=1, keepdims=True)
    log_P = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(N)

    def vjp(g):
        dZ = np.exp(log_P)
        dZ[rows, labels] -= 1
        return g * dZ / N

    loss = np.asarray(-log_P[rows, labels].mean(), dtype=logits.dtype)
    return logits._result(loss, [(logits, vjp)], "cross_entropy")
