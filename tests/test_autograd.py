"""nnlib.autograd: every operation's gradient against numerical gradients (elementwise, float64),
the graph walked in the right order with gradients accumulated, lesson 6's and lesson 10's
gradients reproduced, and clear errors."""

import numpy as np
import pytest

from nnlib import MLP, layers
from nnlib.autograd import Tensor, cross_entropy, log_softmax, no_grad, softmax
from nnlib.gradcheck import max_relative_error, numerical_gradient


def gradient_error(f, *arrays):
    """Largest elementwise relative error between autograd's and the numerical gradient of the
    scalar sum(f(*tensors) * G) with respect to every input (G random, so that every output entry
    matters)."""
    G = np.random.default_rng(99).standard_normal(np.shape(f(*[Tensor(a) for a in arrays]).data))
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    (f(*tensors) * G).sum().backward()
    errors = []
    for tensor, array in zip(tensors, arrays):
        def scalar(_, array=array):
            return float(np.sum(f(*[Tensor(a) for a in arrays]).data * G))
        errors.append(max_relative_error(tensor.grad, numerical_gradient(scalar, array)))
    return max(errors)


UNARY = {
    "exp": lambda t: t.exp(), "log": lambda t: (t * t + 1).log(), "tanh": lambda t: t.tanh(),
    "sigmoid": lambda t: t.sigmoid(), "relu": lambda t: t.relu(), "neg": lambda t: -t,
    "pow": lambda t: t ** 3, "pow 0.5": lambda t: (t * t + 1) ** 0.5,
    "sum": lambda t: t.sum(), "sum axis 0": lambda t: t.sum(axis=0),
    "sum axis 1 keepdims": lambda t: t.sum(axis=1, keepdims=True),
    "mean": lambda t: t.mean(), "mean axis 1": lambda t: t.mean(axis=1),
    "max": lambda t: t.max(), "max axis 0": lambda t: t.max(axis=0),
    "max axis 1 keepdims": lambda t: t.max(axis=1, keepdims=True),
    "reshape": lambda t: t.reshape(4, 3) * np.arange(12.0).reshape(4, 3),
    "transpose": lambda t: t.T @ np.ones((3, 2)), "transpose axes": lambda t: t.transpose(1, 0),
    "slice": lambda t: t[1:, ::2],
    "integer index": lambda t: t[np.array([0, 2, 0]), np.array([1, 1, 3])],
    "softmax": lambda t: softmax(t, axis=1), "log_softmax": lambda t: log_softmax(t, axis=0),
    "number on the left": lambda t: 2.0 - 3.0 / (t * t + 1),
}


@pytest.mark.parametrize("name", list(UNARY))
def test_every_unary_operation_has_the_numerical_gradient(name, rng):
    X = rng.standard_normal((3, 4)) + np.arange(12).reshape(3, 4) * 0.1  # distinct entries
    assert gradient_error(UNARY[name], X) < 1e-7


BINARY = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / (b * b + 1),
}
SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 4), (3, 1)), ((3, 1), (1, 4)), ((4,), (3, 4)),
          ((3, 4), ())]


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_every_binary_operation_sums_its_gradient_back_to_each_operands_shape(name, shapes, rng):
    A, B = (rng.standard_normal(shape) for shape in shapes)
    assert gradient_error(BINARY[name], A, B) < 1e-7
    a, b = Tensor(A, requires_grad=True), Tensor(B, requires_grad=True)
    BINARY[name](a, b).sum().backward()
    assert a.grad.shape == A.shape and b.grad.shape == B.shape


def test_matrix_product_and_cross_entropy(rng):
    A, B = rng.standard_normal((5, 3)), rng.standard_normal((3, 4))
    assert gradient_error(lambda a, b: a @ b, A, B) < 1e-7
    labels = rng.integers(0, 4, 5)
    assert gradient_error(lambda z: cross_entropy(z, labels), A @ B) < 1e-7
    Z = Tensor(A @ B, requires_grad=True)
    cross_entropy(Z, labels).backward()
    P = np.exp(Z.data) / np.exp(Z.data).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(Z.grad, (P - np.eye(4)[labels]) / 5, atol=1e-15)


def test_an_array_on_the_left_of_a_tensor(rng):
    A, B = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
    b = Tensor(B, requires_grad=True)
    out = A @ b                                  # ndarray @ Tensor: the Tensor's reflected @
    assert isinstance(out, Tensor)
    out.sum().backward()
    np.testing.assert_allclose(b.grad, A.T @ np.ones((2, 2)))
    assert isinstance(A + b.T, Tensor) and isinstance(A * b.T, Tensor)


def test_a_value_used_twice_gets_the_sum_of_both_gradients():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * x + x).sum().backward()                 # d/dx (x^2 + x) = 2x + 1
    np.testing.assert_array_equal(x.grad, [3.0, 5.0])
    y = Tensor(3.0, requires_grad=True)
    (y * y * y).backward()                       # the same tensor three times in one product
    assert y.grad == 27.0


def test_the_graph_is_walked_in_reverse_topological_order():
    # a diamond: b and c both use a; d uses b and c. a's gradient is complete only after both.
    a = Tensor(2.0, requires_grad=True)
    b, c = a * 3.0, a * a
    d = b * c                                    # d = 3a^3, dd/da = 9a^2 = 36
    d.backward()
    assert a.grad == 36.0 and b.grad == 4.0 and c.grad == 6.0


def test_gradients_accumulate_across_backward_calls_until_zeroed():
    w = Tensor([1.0, -2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    loss.backward()                              # the same graph again: the gradients add
    np.testing.assert_array_equal(w.grad, [4.0, -8.0])
    w.zero_grad()
    (w * 3.0).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])


def test_a_deep_chain_does_not_exhaust_the_stack():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001 ** 5000)


def test_no_grad_records_nothing_and_constants_need_no_gradient(rng):
    w = Tensor(rng.standard_normal(3), requires_grad=True)
    with no_grad():
        v = w * 2.0
    assert not v.requires_grad and v._parents == ()
    c = Tensor(rng.standard_normal(3)) * Tensor(np.ones(3))
    assert not c.requires_grad
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        c.sum().backward()
    (w * 2.0).sum().backward()                   # recording is back on after the block
    np.testing.assert_array_equal(w.grad, [2.0, 2.0, 2.0])


def test_dtypes_as_in_pytorch():
    assert Tensor(3).dtype == np.float64 and Tensor([1, 2]).dtype == np.float64
    t = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    out = (t * 2.5 + 1).sum()
    assert out.dtype == np.float32
    out.backward()
    assert t.grad.dtype == np.float32


def test_lesson_6s_network_gives_mlps_gradients(rng):
    net = MLP([6, 9, 8, 4], seed=3)
    X, y = rng.standard_normal((10, 6)), rng.integers(0, 4, 10)
    loss, grads = net.loss_and_gradients(X, y)
    P = {name: Tensor(value, requires_grad=True) for name, value in net.params.items()}
    A = Tensor(X)
    for l in (1, 2):
        A = (A @ P[f"W{l}"] + P[f"b{l}"]).relu()
    mine = cross_entropy(A @ P["W3"] + P["b3"], y)
    mine.backward()
    assert abs(mine.item() - loss) < 1e-12
    assert max(max_relative_error(P[name].grad, grads[name]) for name in grads) < 1e-12


def test_lesson_10s_batch_norm_and_tanh_give_the_hand_written_gradients(rng):
    X, G = rng.normal(2.0, 3.0, (8, 5)), rng.standard_normal((8, 5))
    bn, tanh = layers.BatchNorm(5), layers.Tanh()
    bn.params["gamma"][:] = rng.uniform(0.5, 2, 5)
    bn.params["beta"][:] = rng.standard_normal(5)
    tanh.forward(bn.forward(X, training=True))
    expected_dX = bn.backward(tanh.backward(G))
    x = Tensor(X, requires_grad=True)
    gamma = Tensor(bn.params["gamma"], requires_grad=True)
    beta = Tensor(bn.params["beta"], requires_grad=True)
    centred = x - x.mean(axis=0)
    out = (centred / ((centred ** 2).mean(axis=0) + bn.eps) ** 0.5 * gamma + beta).tanh()
    (out * G).sum().backward()
    assert max_relative_error(x.grad, expected_dX) < 1e-12
    assert max_relative_error(gamma.grad, bn.grads["gamma"]) < 1e-12
    assert max_relative_error(beta.grad, bn.grads["beta"]) < 1e-12


def test_indexing_scatters_with_add():
    x = Tensor(np.arange(4.0), requires_grad=True)
    x[np.array([1, 1, 3])].sum().backward()      # entry 1 picked twice
    np.testing.assert_array_equal(x.grad, [0.0, 2.0, 0.0, 1.0])


def test_max_sends_its_gradient_to_one_maximum():
    x = Tensor([[1.0, 5.0, 5.0], [7.0, 2.0, 0.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 1, 0], [1, 0, 0]])
    x.zero_grad()
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0, 0], [1, 0, 0]])


def test_clear_errors():
    t = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match="one-element tensor"):
        (t * 2).backward()
    with pytest.raises(ValueError, match=r"shape \(2, 3\); received \(3,\)"):
        (t * 2).backward(np.ones(3))
    with pytest.raises(ValueError, match=r"\(2, 3\) @ \(2, 3\)"):
        t @ Tensor(np.ones((2, 3)))
    with pytest.raises(TypeError, match="received dtype <U1"):
        Tensor(["a"])
    with pytest.raises(TypeError, match="exponent"):
        t ** t
    with pytest.raises(TypeError, match="received str"):
        t + "1"
    with pytest.raises(ValueError, match=r"labels must be 2 integers"):
        cross_entropy(t, np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match=r"0\.\.2"):
        cross_entropy(t, np.array([0, 3]))
    with pytest.raises(ValueError, match=".T is for 2-D"):
        _ = Tensor(np.ones(3)).T


def test_every_operation_computes_numpys_values(rng):
    # The gradient checks compare autograd with the numerical gradient of what it computed: a
    # wrong forward value would pass them. So the values themselves, against NumPy:
    X, Y = rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 4)) + 2.0
    t, u = Tensor(X), Tensor(Y)
    pairs = [
        (t + u, X + Y), (t - u, X - Y), (t * u, X * Y), (t / u, X / Y), (-t, -X), (t ** 3, X ** 3),
        (2.0 + t, 2 + X), (2.0 - t, 2 - X), (2.0 * t, 2 * X), (3.0 / u, 3 / Y),
        (Y[:1] @ u.T, Y[:1] @ Y.T), (u.T @ Tensor(Y), Y.T @ Y), (t.exp(), np.exp(X)),
        (u.log(), np.log(Y)), (t.tanh(), np.tanh(X)), (t.sigmoid(), 1 / (1 + np.exp(-X))),
        (t.relu(), np.maximum(X, 0)), (t.sum(), X.sum()), (t.sum(axis=1), X.sum(axis=1)),
        (t.mean(axis=(0, 2)), X.mean(axis=(0, 2))), (t.max(axis=2), X.max(axis=2)),
        (t.max(), X.max()), (t.max(axis=1, keepdims=True), X.max(axis=1, keepdims=True)),
        (t.reshape(6, 4), X.reshape(6, 4)), (t.reshape((4, 6)), X.reshape(4, 6)),
        (t.transpose(), X.transpose()), (t.transpose(1, 0, 2), X.transpose(1, 0, 2)),
        (t.transpose((2, 0, 1)), X.transpose(2, 0, 1)), (t[1, :, ::2], X[1, :, ::2]),
        (softmax(u, axis=0), np.exp(Y) / np.exp(Y).sum(axis=0)),
        (softmax(u), np.exp(Y) / np.exp(Y).sum(axis=1, keepdims=True)),     # the last axis
        (t.max(keepdims=True), X.max(keepdims=True)),
        (log_softmax(u), Y - np.log(np.exp(Y).sum(axis=1, keepdims=True))),
    ]
    for number, (mine, expected) in enumerate(pairs):
        assert mine.shape == np.shape(expected), number
        np.testing.assert_allclose(mine.data, expected, rtol=1e-12, atol=1e-15,
                                   err_msg=f"pair {number}")
    labels = np.array([0, 3, 1])
    P = np.exp(Y) / np.exp(Y).sum(axis=1, keepdims=True)
    assert cross_entropy(u, labels).item() == pytest.approx(-np.mean(np.log(P[[0, 1, 2], labels])),
                                                             rel=1e-12)


def test_transposes_and_reshapes_send_gradients_back_to_the_right_entries(rng):
    X = rng.standard_normal((2, 3, 4))
    for f in (lambda t: t.transpose(1, 0, 2), lambda t: t.transpose((2, 0, 1)),
              lambda t: t.transpose(), lambda t: t.reshape((4, 6)), lambda t: t.reshape(3, 8)):
        assert gradient_error(f, X) < 1e-7


def test_pytorch_style_updates_in_place_and_their_guards():
    W0 = np.ones((2, 2))
    a, b = Tensor(W0, requires_grad=True), Tensor(W0, requires_grad=True)
    assert a.data is not W0 and not np.shares_memory(a.data, b.data)   # copies, as torch.tensor
    (a * 3.0).sum().backward()
    with pytest.raises(RuntimeError, match="no_grad"):
        a -= 0.1 * a.grad                        # outside no_grad: refused, not silently lost
    with no_grad():
        a -= 0.1 * a.grad                        # the update itself, in place
    np.testing.assert_allclose(a.data, 0.7)
    np.testing.assert_array_equal(b.data, 1.0)
    np.testing.assert_array_equal(W0, 1.0)
    x = Tensor(3.0, requires_grad=True)
    y = x * x
    with no_grad():
        x += 1.0
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()


def test_gradients_keep_each_tensors_dtype_and_labels_may_be_a_tensor(rng):
    w = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    (w * np.arange(3.0)).sum().backward()        # float32 times a float64 array
    assert w.grad.dtype == np.float32
    Z = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    labels = np.array([0, 2, 1, 2])
    assert cross_entropy(Z, Tensor(labels)).item() == cross_entropy(Z, labels).item()
    with pytest.raises(TypeError, match="not with a Tensor"):
        Z[Tensor(labels)]


def test_large_logits_stay_finite_and_one_sample_is_a_batch():
    Z = Tensor([[1000.0, 0.0, -1000.0], [5.0, 1000.0, 3.0]], requires_grad=True)
    np.testing.assert_allclose(log_softmax(Z).data[0], [0.0, -1000.0, -2000.0])
    loss = cross_entropy(Z, np.array([0, 1]))
    assert loss.item() == pytest.approx(0.0, abs=1e-12)
    loss.backward()
    assert np.all(np.isfinite(Z.grad))
    one = Tensor([[2.0, 1.0]], requires_grad=True)
    cross_entropy(one, np.array([1])).backward()        # N = 1
    P = np.exp([2.0, 1.0]) / np.exp([2.0, 1.0]).sum()
    np.testing.assert_allclose(one.grad, [P - [0.0, 1.0]])


def test_relus_gradient_at_zero_is_zero_as_in_pytorch():
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])


def test_more_clear_errors():
    with pytest.raises(TypeError, match="2-D Tensor"):
        cross_entropy(np.ones((2, 3)), np.array([0, 1]))
    with pytest.raises(ValueError, match="two matrices"):
        Tensor(np.ones(3)) @ Tensor(np.ones((3, 2)))


def test_a_constant_changed_in_place_after_use_is_refused():
    w, x = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0])
    loss = (w * x).sum()
    x += 1                              # dL/dw is x as it was: [3, 4]
    with pytest.raises(RuntimeError, match="changed in place"):
        loss.backward()


@pytest.mark.parametrize("view", [lambda w: w.reshape(3), lambda w: w[:, 1:], lambda w: w.T])
def test_a_change_through_a_view_is_a_change_of_the_tensor(view):
    w = Tensor(np.array([[1.0, 2.0, 3.0]]).reshape(1, 3), requires_grad=True)
    loss = (w * w).sum()
    with no_grad():
        v = view(w)
        v -= 1                          # changes w's numbers, which dL/dw = 2 w reads
    with pytest.raises(RuntimeError, match="changed in place"):
        loss.backward()


def test_the_zeroth_power_has_gradient_zero():
    x = Tensor([0.0, 2.0], requires_grad=True)
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])


def test_mean_over_everything_and_over_axes():
    X = np.arange(24.0).reshape(2, 3, 4)
    t = Tensor(X, requires_grad=True)
    assert t.mean().item() == X.mean()
    np.testing.assert_array_equal(t.mean(axis=1).data, X.mean(axis=1))
    t.mean().backward()
    np.testing.assert_array_equal(t.grad, np.full(X.shape, 1 / 24))
