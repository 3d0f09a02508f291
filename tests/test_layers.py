"""nnlib.layers: every layer's backward pass against numerical gradients (float64, elementwise),
convolution and pooling against loops written from their definitions, batch norm's running
averages as PyTorch keeps them, float32 kept, integer input cast, seeds, bad shapes refused."""

import numpy as np
import pytest

from nnlib import layers
from nnlib.attention import CausalSelfAttention, LayerNorm, PositionEmbedding, TransformerBlock
from nnlib.gradcheck import max_relative_error, numerical_gradient
from nnlib.layers import (
    BatchNorm,
    Conv2D,
    Dropout,
    Embedding,
    Flatten,
    LeakyReLU,
    Linear,
    MaxPool2D,
    ReLU,
    Sigmoid,
    Tanh,
)


def check_layer(layer, X, training=True, tolerance=1e-6):
    """Compare backward with numerical gradients of L = sum(forward(X) * R), for X and every
    parameter; R is a fixed random upstream gradient."""
    R = np.random.default_rng(1).normal(size=layer.forward(X, training=training).shape)

    def loss(_):
        return float(np.sum(layer.forward(X, training=training) * R))

    layer.forward(X, training=training)
    dX = layer.backward(R)
    grads = dict(layer.grads)
    assert max_relative_error(dX, numerical_gradient(loss, X)) < tolerance
    assert set(grads) == set(layer.params)
    for name, p in layer.params.items():
        assert grads[name].shape == p.shape
        assert max_relative_error(grads[name], numerical_gradient(loss, p)) < tolerance, name


def away_from_zero(shape):
    X = np.random.default_rng(2).normal(size=shape)
    return X + 0.1 * np.sign(X)  # no entry near a kink


@pytest.mark.parametrize("training", [True, False])  # in training, f'(X) is kept from forward
@pytest.mark.parametrize("layer", [Linear(4, 3, seed=1), ReLU(), LeakyReLU(0.1), Sigmoid(),
                                   Tanh(), Flatten()], ids=lambda layer: type(layer).__name__)
def test_dense_layers_backward(layer, training):
    check_layer(layer, away_from_zero((5, 4)), training=training)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 2, 5)])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_backward(shape, training, rng):
    bn = BatchNorm(3)
    bn.params["gamma"][:] = [0.5, 2.0, -1.0]
    bn.params["beta"][:] = [0.1, 0.0, -0.3]
    bn.running_mean[:], bn.running_var[:] = [0.2, -0.1, 0.0], [1.5, 0.7, 2.0]
    check_layer(bn, rng.normal(size=shape) * 3 + 1, training=training)


def test_batchnorm_normalises_and_keeps_running_averages(rng):
    X = rng.normal(size=(50, 2, 3, 3)) * [[[[2.0]], [[0.5]]]] + [[[[5.0]], [[-1.0]]]]
    bn = BatchNorm(2, momentum=0.8)
    Y = bn.forward(X, training=True)
    np.testing.assert_allclose(Y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(Y.var(axis=(0, 2, 3)), 1, rtol=1e-4)  # the biased variance
    np.testing.assert_allclose(bn.running_mean, 0.2 * X.mean(axis=(0, 2, 3)))
    # the running variance averages the unbiased one: 450 values per channel
    np.testing.assert_allclose(bn.running_var, 0.8 + 0.2 * X.var(axis=(0, 2, 3), ddof=1))
    before = bn.running_mean.copy()
    Y_eval = bn.forward(X, training=False)  # uses the running averages, changes nothing
    np.testing.assert_array_equal(bn.running_mean, before)
    expected = (X - before.reshape(1, 2, 1, 1)) / np.sqrt(bn.running_var.reshape(1, 2, 1, 1)
                                                          + 1e-5)
    np.testing.assert_allclose(Y_eval, expected, rtol=1e-12)


def test_dropout_scales_survivors_and_is_the_identity_in_evaluation():
    drop = Dropout(0.25, seed=3)
    X = np.ones((200, 50))
    Y = drop.forward(X, training=True)
    assert set(np.unique(Y)) == {0.0, 1 / 0.75}
    assert abs(np.mean(Y == 0) - 0.25) < 0.01 and abs(Y.mean() - 1) < 0.02
    np.testing.assert_array_equal(drop.backward(X), Y)      # the same mask, backwards
    assert not np.array_equal(drop.forward(X, training=True), Y)  # a fresh mask each time
    assert drop.forward(X) is X and drop.backward(X) is X


def conv_by_definition(X, W, b, stride, padding):
    """Y[n, o, i, j] = b[o] + sum_{c,u,v} W[o, c, u, v] X_pad[n, c, i*stride + u, j*stride + v]."""
    X_pad = np.pad(X, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    N, _, H, W_ = X_pad.shape
    C_out, _, k, _ = W.shape
    H_out, W_out = (H - k) // stride + 1, (W_ - k) // stride + 1
    Y = np.zeros((N, C_out, H_out, W_out))
    for n in range(N):
        for o in range(C_out):
            for i in range(H_out):
                for j in range(W_out):
                    patch = X_pad[n, :, i * stride:i * stride + k, j * stride:j * stride + k]
                    Y[n, o, i, j] = b[o] + np.sum(W[o] * patch)
    return Y


CONV_CASES = [  # (C_in, C_out, k, stride, padding, H, W)
    (1, 2, 3, 1, 0, 5, 5), (3, 2, 3, 1, 1, 5, 6), (1, 3, 5, 1, 2, 6, 5), (3, 1, 1, 1, 0, 4, 3),
    (2, 2, 3, 2, 0, 7, 6), (3, 2, 3, 2, 1, 6, 7), (1, 1, 5, 2, 2, 7, 8), (2, 3, 1, 2, 0, 5, 4),
    # wider than k C_in: the patches are copied one output row at a time
    (1, 2, 3, 1, 1, 8, 9), (2, 3, 3, 1, 0, 6, 10), (1, 2, 3, 2, 1, 9, 12),
]


@pytest.mark.parametrize("C_in, C_out, k, stride, padding, H, W", CONV_CASES)
def test_conv2d_forward_matches_the_definition_and_backward_the_numbers(C_in, C_out, k, stride,
                                                                        padding, H, W, rng):
    conv = Conv2D(C_in, C_out, k, stride=stride, padding=padding, seed=2)
    conv.params["b"][:] = rng.normal(size=C_out)
    X = rng.normal(size=(2, C_in, H, W))
    Y = conv.forward(X)
    assert Y.shape == (2, C_out, *conv.output_size(H, W))
    np.testing.assert_allclose(Y, conv_by_definition(X, conv.params["W"], conv.params["b"],
                                                     stride, padding), rtol=1e-12, atol=1e-12)
    check_layer(conv, X)


@pytest.mark.parametrize("C_in, k, H, W", [(3, 3, 6, 5), (1, 3, 6, 12)])  # both ways of copying
def test_conv2d_gives_the_same_numbers_in_blocks_of_any_number_of_images(C_in, k, H, W, rng,
                                                                         monkeypatch):
    # The forward pass copies and multiplies a few blocks at a time (images, 2688 bytes of
    # patches each in the first case, or rows of outputs, 4000 bytes each in the second; about
    # CHUNK_BYTES in all): blocks of one, then two to four with a remainder, must give what one
    # block gives, and so must the gradients, which read the blocks' copies.
    X, dY = rng.normal(size=(5, C_in, H, W)), rng.normal(size=(5, 2, H - k + 1, W - k + 1))
    conv = Conv2D(C_in, 2, k, seed=3)
    conv.params["b"][:] = rng.normal(size=2)
    expected = conv.forward(X), conv.backward(dY), conv.grads["W"], conv.grads["b"]
    for chunk_bytes in (1, 9000, 13000):
        monkeypatch.setattr(layers, "CHUNK_BYTES", chunk_bytes)
        found = conv.forward(X), conv.backward(dY), conv.grads["W"], conv.grads["b"]
        for a, b in zip(found, expected):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def pool_by_definition(X, k, stride):
    N, C, H, W = X.shape
    H_out, W_out = (H - k) // stride + 1, (W - k) // stride + 1
    Y = np.empty((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            Y[:, :, i, j] = X[:, :, i * stride:i * stride + k, j * stride:j * stride + k].max(
                axis=(2, 3))
    return Y


@pytest.mark.parametrize("k, stride, H, W", [(2, None, 4, 6), (2, None, 5, 7), (3, 1, 5, 4),
                                             (2, 1, 3, 3), (3, 2, 7, 5)])
def test_maxpool_forward_and_backward(k, stride, H, W, rng):
    pool = MaxPool2D(k, stride)
    X = rng.normal(size=(2, 3, H, W))
    np.testing.assert_array_equal(pool.forward(X), pool_by_definition(X, k, stride or k))
    check_layer(pool, X)


@pytest.mark.parametrize("k, stride, H, W", [(2, 2, 6, 6), (3, 3, 7, 8), (3, 1, 5, 6),
                                             (2, 3, 7, 7), (17, 1, 18, 17)])  # 289 offsets
def test_maxpool_ties_go_to_the_first_maximum_row_by_row(k, stride, H, W, rng):
    X = rng.integers(0, 3, size=(2, 2, H, W)).astype(float)    # many ties
    dY_shape = (2, 2, (H - k) // stride + 1, (W - k) // stride + 1)
    dY = rng.integers(1, 100, size=dY_shape).astype(float)   # exact sums where windows overlap
    expected = np.zeros_like(X)
    for n, c, i, j in np.ndindex(dY_shape):
        window = X[n, c, i * stride:i * stride + k, j * stride:j * stride + k]
        u, v = np.argwhere(window == window.max())[0]   # the first, row by row
        expected[n, c, i * stride + u, j * stride + v] += dY[n, c, i, j]
    pool = MaxPool2D(k, stride)
    pool.forward(X)
    np.testing.assert_array_equal(pool.backward(dY), expected)


@pytest.mark.parametrize("layer, X", [
    (Linear(3, 2, dtype=np.float32), np.ones((4, 3))),
    (Conv2D(2, 3, 3, padding=1, dtype=np.float32), np.ones((2, 2, 4, 4))),
    (BatchNorm(2, dtype=np.float32), np.ones((3, 2))),
    (MaxPool2D(2), np.ones((1, 2, 4, 4))), (ReLU(), np.ones((2, 2))), (Sigmoid(), np.ones(2)),
    (Tanh(), np.ones(2)), (LeakyReLU(), -np.ones(2)), (Dropout(0.5), np.ones((4, 4))),
    (Flatten(), np.ones((2, 3, 2))),
], ids=lambda x: type(x).__name__)
def test_float32_is_kept(layer, X):
    X = X.astype(np.float32)
    Y = layer.forward(X, training=True)
    assert Y.dtype == np.float32
    assert layer.backward(np.ones_like(Y)).dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.grads.values())


@pytest.mark.parametrize("layer, X, message", [
    (Linear(3, 2), np.ones((4, 5)), r"Linear expects \(N, 3\) or \(N, T, 3\); received shape \(4,"),
    (Linear(3, 2), np.ones((2, 3, 1)), r"Linear expects \(N, 3\) or \(N, T, 3\); received shape"),
    (Linear(3, 2), np.ones(3), r"Linear expects .*; received shape \(3,\)"),
    (Conv2D(3, 2, 3), np.ones((2, 1, 5, 5)), r"Conv2D expects \(N, 3, H, W\).*\(2, 1, 5, 5\)"),
    (Conv2D(1, 2, 5), np.ones((2, 1, 4, 6)), r"H, W \+ 2 \* padding >= 5; received"),
    (Conv2D(1, 2, 3), np.ones((5, 5)), r"Conv2D expects \(N, 1, H, W\); received an array"),
    (MaxPool2D(3), np.ones((1, 1, 2, 5)), r"MaxPool2D\(3\) needs H, W >= 3"),
    (BatchNorm(4), np.ones((5, 3)), r"BatchNorm\(4\) expects \(N, 4\) or \(N, 4, H, W\)"),
])
def test_bad_shapes_are_refused(layer, X, message):
    with pytest.raises(ValueError, match=message):
        layer.forward(X)


@pytest.mark.parametrize("make, message", [
    (lambda: Dropout(1.0), r"p \(the probability of dropping a unit\) must be in \[0, 1\)"),
    (lambda: Conv2D(1, 2, 0), "kernel_size must be a positive integer; received 0"),
    (lambda: Conv2D(1, 2, 3, padding=-1), "padding must be an integer >= 0"),
    (lambda: Linear(3, 2, init="uniform"), "init must be"),
    (lambda: Linear(3, 2, dtype=np.float16), "dtype must be np.float32 or np.float64"),
    (lambda: LeakyReLU("0.1"), "alpha must be a finite number >= 0"),
    (lambda: BatchNorm(3, eps=0), "eps must be a positive number"),
])
def test_bad_settings_are_refused(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


@pytest.mark.parametrize("make, shape", [(lambda: Linear(3, 2), (4, 3)),
                                         (lambda: Conv2D(2, 3, 3, stride=2, padding=1),
                                          (2, 2, 5, 5))])
def test_the_first_layer_may_skip_the_input_gradient(make, shape, rng):
    layer, X = make(), rng.normal(size=shape)
    dY = np.ones_like(layer.forward(X))
    assert layer.backward(dY).shape == X.shape
    full = {k: v.copy() for k, v in layer.grads.items()}
    assert layer.backward(dY, input_grad=False) is None
    for name in full:
        np.testing.assert_array_equal(layer.grads[name], full[name])


def test_batchnorm_momentum_0_keeps_the_last_batch_statistics(rng):
    X = rng.normal(size=(20, 3)) + 4
    bn = BatchNorm(3, momentum=0.0)
    bn.forward(X, training=True)
    np.testing.assert_allclose(bn.running_mean, X.mean(axis=0))
    np.testing.assert_allclose(bn.running_var, X.var(axis=0) * 20 / 19)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        BatchNorm(3, momentum=1.0)


def test_he_and_xavier_initialisation_of_linear_and_conv2d():
    # 120,000 and 12,800 draws: the sample's standard deviation is within 0.5 % and 1.5 %
    assert Linear(400, 300, seed=0).params["W"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.01)
    xavier = Linear(400, 300, init="xavier", seed=0).params["W"]
    assert xavier.std() == pytest.approx(np.sqrt(2 / 700), rel=0.01)
    conv = Conv2D(8, 64, 5, seed=0)                      # fan-in: 8 channels x 5 x 5 pixels
    assert conv.params["W"].std() == pytest.approx(np.sqrt(2 / 200), rel=0.02)
    assert Linear(100, 50, init=0.5, seed=0).params["W"].std() == pytest.approx(0.5, rel=0.02)
    assert not Linear(100, 50).params["b"].any()


def test_a_kernel_as_large_as_the_padded_image_gives_one_pixel():
    assert Conv2D(1, 2, 3).forward(np.ones((1, 1, 3, 3))).shape == (1, 2, 1, 1)
    assert Conv2D(1, 2, 5, padding=1).forward(np.ones((1, 1, 3, 4))).shape == (1, 2, 1, 2)


def test_batchnorm_refuses_one_sample_in_training(rng):
    with pytest.raises(ValueError, match="more than one value per feature"):
        BatchNorm(3).forward(np.ones((1, 3)), training=True)
    BatchNorm(3).forward(np.ones((1, 3)))                          # evaluation: running averages
    BatchNorm(2).forward(rng.normal(size=(1, 2, 3, 3)), training=True)  # 9 values per channel


def test_batchnorm_running_variance_is_the_unbiased_one_as_in_pytorch():
    # Two samples 0 and 2: biased variance 1, unbiased 2. One step with momentum 0.9 (PyTorch's
    # 0.1) leaves 0.9 * 1 + 0.1 * 2 = 1.1 in PyTorch's running_var.
    bn = BatchNorm(1)
    Y = bn.forward(np.array([[0.0], [2.0]]), training=True)
    np.testing.assert_allclose(Y[:, 0], [-1, 1], atol=1e-5)     # normalised with the biased one
    assert bn.running_mean[0] == pytest.approx(0.1) and bn.running_var[0] == pytest.approx(1.1)
    assert bn.forward(np.array([[2.0]]))[0, 0] == pytest.approx((2 - 0.1) / np.sqrt(1.1 + 1e-5))


@pytest.mark.parametrize("dtype", [np.int64, np.uint8, bool])
@pytest.mark.parametrize("make", [lambda: Linear(3, 2, seed=0), lambda: BatchNorm(3),
                                  lambda: Dropout(0.5, seed=0), ReLU, Sigmoid, Tanh, LeakyReLU,
                                  Flatten], ids=lambda make: type(make()).__name__)
def test_integer_and_boolean_inputs_are_cast_to_the_layer_dtype(make, dtype, rng):
    X_int = rng.integers(0, 2 if dtype is bool else 5, size=(6, 3)).astype(dtype)
    layer, reference = make(), make()
    Y = layer.forward(X_int, training=True)
    assert Y.dtype == np.float64
    np.testing.assert_allclose(Y, reference.forward(X_int.astype(np.float64), training=True))


def test_integer_images_are_cast_for_convolution_and_pooling():
    X = np.arange(2 * 1 * 4 * 4).reshape(2, 1, 4, 4)
    conv = Conv2D(1, 2, 3, seed=0, dtype=np.float32)
    np.testing.assert_array_equal(conv.forward(X), conv.forward(X.astype(np.float32)))
    assert conv.forward(X).dtype == np.float32
    np.testing.assert_array_equal(MaxPool2D(2).forward(X), [[[[5, 7], [13, 15]]],
                                                            [[[21, 23], [29, 31]]]])


def test_leaky_relu_default_slope_is_one_hundredth():
    np.testing.assert_allclose(LeakyReLU().forward(np.array([-3.0, 2.0])), [-0.03, 2.0])


@pytest.mark.parametrize("make", [lambda seed: Linear(64, 64, seed=seed),
                                  lambda seed: Conv2D(3, 8, 3, seed=seed)])
def test_layers_built_without_a_seed_differ_and_with_one_repeat(make):
    assert not np.array_equal(make(None).params["W"], make(None).params["W"])
    np.testing.assert_array_equal(make(5).params["W"], make(5).params["W"])
    assert not np.array_equal(make(5).params["W"], make(6).params["W"])


def test_dropout_layers_built_without_a_seed_drop_different_units():
    X = np.ones((10, 100))
    a, b = Dropout(0.5).forward(X, training=True), Dropout(0.5).forward(X, training=True)
    assert not np.array_equal(a, b)
    same = [Dropout(0.5, seed=3).forward(X, training=True) for _ in range(2)]
    np.testing.assert_array_equal(*same)


def test_reset_draws_the_weights_again_from_a_seed():
    layer = Linear(5, 4, seed=1)
    layer.params["W"] += 1
    layer.params["b"] += 1
    layer.reset(1)
    np.testing.assert_array_equal(layer.params["W"], Linear(5, 4, seed=1).params["W"])
    assert not layer.params["b"].any() and layer.seed == 1


def test_layers_accept_zero_samples():
    assert Linear(3, 2).forward(np.zeros((0, 3))).shape == (0, 2)
    assert Conv2D(1, 2, 3).forward(np.zeros((0, 1, 5, 5))).shape == (0, 2, 3, 3)
    assert Flatten().forward(np.zeros((0, 2, 3, 3))).shape == (0, 18)
    assert MaxPool2D(2).forward(np.zeros((0, 1, 4, 4))).shape == (0, 1, 2, 2)


def test_text_input_is_refused_with_its_dtype():
    with pytest.raises(TypeError, match="ReLU expects a numeric array; received dtype <U1"):
        ReLU().forward(np.array(["a", "b"]))


def test_linear_acts_at_every_position_of_a_sequence(rng):
    layer, X = Linear(4, 3, seed=0), rng.normal(size=(2, 5, 4))
    by_rows = X.reshape(-1, 4) @ layer.params["W"] + layer.params["b"]
    np.testing.assert_allclose(layer.forward(X), by_rows.reshape(2, 5, 3), rtol=1e-12)
    check_layer(layer, X)


# Memory orders of an (N, C, H, W) array, outermost axis first: the ordinary one, channels last
# (Conv2D's outputs when it copies patch rows), and the images' axis inside (when it copies rows
# of outputs)
LAYOUTS = [(0, 1, 2, 3), (0, 2, 3, 1), (2, 3, 0, 1)]


def in_layout(A, order):
    """A's numbers stored in the memory order `order`, seen with A's shape."""
    return np.ascontiguousarray(A.transpose(order)).transpose(np.argsort(order))


def test_maxpool_gives_the_same_numbers_for_any_memory_layout(rng):
    # Layers hand each other views in their own memory layouts; the backward pass brings dY to
    # its input's layout, and must give the same numbers whatever the two layouts are.
    X, dY = rng.normal(size=(2, 4, 6, 6)), rng.normal(size=(2, 4, 3, 3))
    pool = MaxPool2D(2)
    pool.forward(X)
    expected = pool.backward(dY)
    for X_order in LAYOUTS:
        for dY_order in LAYOUTS:
            pool.forward(in_layout(X, X_order))
            np.testing.assert_array_equal(pool.backward(in_layout(dY, dY_order)), expected)


@pytest.mark.parametrize("C_in, k, W", [(3, 3, 5), (1, 3, 9)])  # both ways of copying
def test_conv2d_gives_the_same_numbers_for_any_memory_layout(C_in, k, W, rng):
    # Conv2D's output and the gradients it takes depend on the memory layouts of X and dY only
    # in their last bits, and dX comes back in X's layout.
    X, dY = rng.normal(size=(3, C_in, 6, W)), rng.normal(size=(3, 2, 6, W))
    conv = Conv2D(C_in, 2, k, padding=1, seed=0)
    expected = conv.forward(X), conv.backward(dY), conv.grads["W"], conv.grads["b"]
    for X_order in LAYOUTS:
        for dY_order in LAYOUTS:
            X_any = in_layout(X, X_order)
            found = conv.forward(X_any), conv.backward(in_layout(dY, dY_order))
            for a, b in zip(found + (conv.grads["W"], conv.grads["b"]), expected):
                np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
            assert found[1].strides == X_any.strides


@pytest.mark.parametrize("C_in, k, W, order", [(3, 3, 5, (0, 2, 3, 1)), (1, 3, 9, (1, 2, 3, 0))])
def test_conv2d_backward_does_not_read_an_input_changed_after_forward(C_in, k, W, order, rng):
    # backward cuts the patches again from the input of the forward pass; an input already in
    # the layout the layer copies from (channels last, or the images' axis inside) must still be
    # copied, or writing into it after forward would change the gradients.
    X, dY = rng.normal(size=(3, C_in, 6, W)), rng.normal(size=(3, 2, 6 - k + 1, W - k + 1))
    conv = Conv2D(C_in, 2, k, seed=0)
    conv.forward(X)
    conv.backward(dY)
    expected = conv.grads["W"].copy()
    X_same_layout = in_layout(X, order)
    conv.forward(X_same_layout)
    X_same_layout[...] = 0
    conv.backward(dY)
    np.testing.assert_allclose(conv.grads["W"], expected, rtol=1e-12, atol=1e-12)


SEQUENCES = np.random.default_rng(3).normal(size=(5, 3, 4))
IMAGES = np.random.default_rng(4).normal(size=(5, 2, 6, 8))


@pytest.mark.parametrize("layer, X", [
    (Linear(4, 3, seed=0), SEQUENCES), (ReLU(), SEQUENCES), (LeakyReLU(), SEQUENCES),
    (Sigmoid(), SEQUENCES), (Tanh(), SEQUENCES), (Dropout(0.5, seed=0), SEQUENCES),
    (BatchNorm(2), IMAGES), (Flatten(), IMAGES), (Conv2D(2, 3, 3, seed=0), IMAGES),
    (MaxPool2D(2), IMAGES), (Embedding(5, 4, seed=0), np.arange(15).reshape(5, 3) % 5),
    (LayerNorm(4), SEQUENCES), (PositionEmbedding(8, 4, seed=0), SEQUENCES),
    (CausalSelfAttention(4, 2, seed=0), SEQUENCES), (TransformerBlock(4, 2, seed=0), SEQUENCES),
], ids=lambda value: repr(value) if not isinstance(value, np.ndarray) else "")
def test_backward_refuses_a_gradient_of_another_shape_than_the_output(layer, X):
    # dY for one sample where the batch has five broadcasts against most layers' arrays, and
    # dY with two axes exchanged has the right size: both would give wrong gradients silently.
    Y = layer.forward(X, training=True)
    for dY in (np.ones((1,) + Y.shape[1:]), np.ones(Y.shape[:-2] + Y.shape[:-3:-1])):
        if dY.shape == Y.shape:
            continue
        with pytest.raises(ValueError, match=rf"{type(layer).__name__}.backward expects dY of "
                                             rf"shape \({Y.shape[0]}, .*received \("):
            layer.backward(dY)


@pytest.mark.parametrize("make, training, shape", [
    (layers.ReLU, False, (4, 3)), (layers.Sigmoid, False, (4, 3)), (layers.Tanh, False, (4, 3)),
    (layers.ReLU, True, (4, 3)), (lambda: layers.Linear(3, 2, seed=0), True, (4, 3)),
    (lambda: layers.Linear(3, 2, seed=0), False, (4, 3)),
    (lambda: CausalSelfAttention(4, 2, seed=0), False, (2, 3, 4))])
def test_writing_into_input_or_output_before_backward_changes_no_gradient(make, training, shape):
    rng = np.random.default_rng(0)
    X = rng.standard_normal(shape)
    layer = make()
    dY = rng.standard_normal(layer.forward(X, training=training).shape)
    expected_dX = layer.backward(dY)
    expected = {name: g.copy() for name, g in layer.grads.items()}
    X_again = X.copy()
    Y = layer.forward(X_again, training=training)
    X_again *= -2                      # the caller reuses its arrays before backward
    Y *= -2
    np.testing.assert_array_equal(layer.backward(dY), expected_dX)
    for name, g in expected.items():
        np.testing.assert_array_equal(layer.grads[name], g)


def test_backward_before_forward_says_so():
    with pytest.raises(AttributeError, match="call forward first"):
        layers.Linear(3, 2, seed=0).backward(np.ones((4, 2)))


@pytest.mark.parametrize("training", [True, False])
def test_relu_passes_no_gradient_at_zero(training):
    # an exact 0 is common: a convolution at its zero starting bias over a blank patch
    relu = layers.ReLU()
    relu.forward(np.array([[-1.0, 0.0, 2.0]]), training=training)
    np.testing.assert_array_equal(relu.backward(np.array([[5.0, 5.0, 5.0]])), [[0.0, 0.0, 5.0]])
