"""nnlib.layers: every layer's backward pass against numerical gradients (float64, elementwise),
convolution and pooling against loops written from their definitions, float32 kept, bad shapes
refused, and Sequential equal to MLP."""

import numpy as np
import pytest

from nnlib import MLP
from nnlib.data import blobs
from nnlib.gradcheck import max_relative_error, numerical_gradient
from nnlib.layers import (
    BatchNorm,
    Conv2D,
    Dropout,
    Flatten,
    LeakyReLU,
    Linear,
    MaxPool2D,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)

rng = np.random.default_rng(0)


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
    X = rng.normal(size=shape)
    return X + 0.1 * np.sign(X)  # no entry near a kink


@pytest.mark.parametrize("layer", [Linear(4, 3, seed=1), ReLU(), LeakyReLU(0.1), Sigmoid(),
                                   Tanh(), Flatten()], ids=lambda layer: type(layer).__name__)
def test_dense_layers_backward(layer):
    check_layer(layer, away_from_zero((5, 4)))


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 2, 5)])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_backward(shape, training):
    bn = BatchNorm(3)
    bn.params["gamma"][:] = [0.5, 2.0, -1.0]
    bn.params["beta"][:] = [0.1, 0.0, -0.3]
    bn.running_mean[:], bn.running_var[:] = [0.2, -0.1, 0.0], [1.5, 0.7, 2.0]
    check_layer(bn, rng.normal(size=shape) * 3 + 1, training=training)


def test_batchnorm_normalises_and_keeps_running_averages():
    X = rng.normal(size=(50, 2, 3, 3)) * [[[[2.0]], [[0.5]]]] + [[[[5.0]], [[-1.0]]]]
    bn = BatchNorm(2, momentum=0.8)
    Y = bn.forward(X, training=True)
    np.testing.assert_allclose(Y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(Y.var(axis=(0, 2, 3)), 1, rtol=1e-4)
    np.testing.assert_allclose(bn.running_mean, 0.2 * X.mean(axis=(0, 2, 3)))
    np.testing.assert_allclose(bn.running_var, 0.8 + 0.2 * X.var(axis=(0, 2, 3)))
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
]


@pytest.mark.parametrize("C_in, C_out, k, stride, padding, H, W", CONV_CASES)
def test_conv2d_forward_matches_the_definition_and_backward_the_numbers(C_in, C_out, k, stride,
                                                                        padding, H, W):
    conv = Conv2D(C_in, C_out, k, stride=stride, padding=padding, seed=2)
    conv.params["b"][:] = rng.normal(size=C_out)
    X = rng.normal(size=(2, C_in, H, W))
    Y = conv.forward(X)
    assert Y.shape == (2, C_out, *conv.output_size(H, W))
    np.testing.assert_allclose(Y, conv_by_definition(X, conv.params["W"], conv.params["b"],
                                                     stride, padding), rtol=1e-12, atol=1e-12)
    check_layer(conv, X)


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
def test_maxpool_forward_and_backward(k, stride, H, W):
    pool = MaxPool2D(k, stride)
    X = rng.normal(size=(2, 3, H, W))
    np.testing.assert_array_equal(pool.forward(X), pool_by_definition(X, k, stride or k))
    check_layer(pool, X)


def test_maxpool_gradient_goes_to_one_maximum_only():
    pool = MaxPool2D(2)
    X = np.array([[[[1.0, 3.0], [3.0, 0.0]]]])
    pool.forward(X)
    np.testing.assert_array_equal(pool.backward(np.array([[[[5.0]]]])), [[[[0, 5.0], [0, 0]]]])


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
    (Linear(3, 2), np.ones((4, 5)), r"Linear expects \(N, 3\); received shape \(4, 5\)"),
    (Linear(3, 2), np.ones((2, 3, 1)), r"Linear expects \(N, 3\); received an array of shape"),
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
    (lambda: Dropout(1.0), r"p must be a probability in \[0, 1\)"),
    (lambda: Conv2D(1, 2, 0), "kernel_size must be a positive integer; received 0"),
    (lambda: Conv2D(1, 2, 3, padding=-1), "padding must be an integer >= 0"),
    (lambda: Linear(3, 2, init="uniform"), "init must be"),
    (lambda: Linear(3, 2, dtype=np.float16), "dtype must be np.float32 or np.float64"),
    (lambda: Sequential([Linear(2, 2)], loss="hinge"), "unknown loss 'hinge'"),
    (lambda: Sequential([Linear(2, 2), np.tanh]), "every layer needs params, forward and back"),
])
def test_bad_settings_are_refused(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


@pytest.mark.parametrize("hidden, Layer", [("relu", ReLU), ("sigmoid", Sigmoid), ("tanh", Tanh)])
def test_sequential_computes_what_mlp_computes(hidden, Layer):
    mlp = MLP([4, 6, 5, 3], hidden_activation=hidden, seed=3)
    seq = Sequential([Linear(4, 6), Layer(), Linear(6, 5), Layer(), Linear(5, 3)])
    assert list(seq.params) == list(mlp.params)
    for name, value in mlp.params.items():
        seq.params[name][...] = value
    X, y = rng.normal(size=(8, 4)), rng.integers(0, 3, size=8)
    mlp_loss, mlp_grads = mlp.loss_and_gradients(X, y, l2=0.1)
    seq_loss, seq_grads = seq.loss_and_gradients(X, y, l2=0.1)
    assert seq_loss == pytest.approx(mlp_loss, rel=1e-12)
    for name in mlp_grads:
        np.testing.assert_allclose(seq_grads[name], mlp_grads[name], rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(seq.predict(X), mlp.predict(X))


def test_sequential_parameter_names_and_shared_arrays():
    seq = Sequential([Conv2D(1, 2, 3), BatchNorm(2), ReLU(), MaxPool2D(2), Flatten(),
                      Linear(2, 3)])
    assert list(seq.params) == ["W1", "b1", "gamma2", "beta2", "W3", "b3"]
    assert seq.params["W1"] is seq.layers[0].params["W"]


def test_sequential_trains_a_small_cnn_and_evaluates_in_evaluation_mode():
    X, y = blobs(n_per_class=30, seed=0)
    images = np.zeros((len(X), 1, 4, 4))
    images[:, 0, 1, 1], images[:, 0, 2, 2] = X[:, 0], X[:, 1]
    seq = Sequential([Conv2D(1, 4, 3, padding=1, seed=0), ReLU(), MaxPool2D(2), Flatten(),
                      Dropout(0.1, seed=0), Linear(16, 3, seed=1)])
    history = seq.fit(images, y, epochs=30, batch_size=16, lr=0.05, optimizer="momentum",
                      verbose=False)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    loss, acc = seq.evaluate(images, y)
    assert acc > 0.9 and acc == np.mean(seq.predict(images) == y)
    np.testing.assert_array_equal(seq.forward(images), seq.forward(images))  # no dropout


def test_sequential_targets_must_match_the_output():
    seq = Sequential([Linear(3, 2)])
    with pytest.raises(ValueError, match=r"Y must lie in \[0, 1\] for 2 classes"):
        seq.loss_and_gradients(np.ones((2, 3)), np.array([0, 2]))
    with pytest.raises(ValueError, match=r"output has shape \(2, 2\) but the targets .* \(2, 3\)"):
        seq.loss_and_gradients(np.ones((2, 3)), np.eye(3)[[0, 1]])


@pytest.mark.parametrize("layer, X", [(Linear(3, 2), rng.normal(size=(4, 3))),
                                      (Conv2D(2, 3, 3, stride=2, padding=1),
                                       rng.normal(size=(2, 2, 5, 5)))])
def test_the_first_layer_may_skip_the_input_gradient(layer, X):
    dY = np.ones_like(layer.forward(X))
    assert layer.backward(dY).shape == X.shape
    full = {k: v.copy() for k, v in layer.grads.items()}
    assert layer.backward(dY, input_grad=False) is None
    for name in full:
        np.testing.assert_array_equal(layer.grads[name], full[name])


def test_sequential_binary_classifier_with_one_sigmoid_output():
    seq = Sequential([Linear(1, 1, init=0.0)], loss="sigmoid_binary_cross_entropy")
    seq.params["W1"][:] = 1.0
    X = np.array([[-2.0], [0.0], [3.0]])
    np.testing.assert_array_equal(seq.predict(X), [0, 1, 1])  # logit >= 0 means p >= 0.5
    loss, acc = seq.evaluate(X, np.array([0, 0, 1]))
    assert acc == pytest.approx(2 / 3)
    assert loss == pytest.approx(np.mean(np.log1p(np.exp([-2.0, 0.0, 3.0]))
                                         - np.array([0, 0, 3.0])), rel=1e-12)


def test_batchnorm_momentum_0_keeps_the_last_batch_statistics():
    X = rng.normal(size=(20, 3)) + 4
    bn = BatchNorm(3, momentum=0.0)
    bn.forward(X, training=True)
    np.testing.assert_allclose(bn.running_mean, X.mean(axis=0))
    np.testing.assert_allclose(bn.running_var, X.var(axis=0))
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        BatchNorm(3, momentum=1.0)


def test_he_initialisation_of_linear_and_conv2d():
    assert Linear(400, 300, seed=0).params["W"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    conv = Conv2D(8, 64, 5, seed=0)                      # fan-in: 8 channels x 5 x 5 pixels
    assert conv.params["W"].std() == pytest.approx(np.sqrt(2 / 200), rel=0.03)
    assert Linear(4, 3, init=0.5, seed=0).params["W"].std() == pytest.approx(0.5, rel=0.3)


def test_a_kernel_as_large_as_the_padded_image_gives_one_pixel():
    assert Conv2D(1, 2, 3).forward(np.ones((1, 1, 3, 3))).shape == (1, 2, 1, 1)
    assert Conv2D(1, 2, 5, padding=1).forward(np.ones((1, 1, 3, 4))).shape == (1, 2, 1, 2)


def test_sequential_loss_has_no_l2_unless_asked():
    seq = Sequential([Linear(3, 2, seed=0)])
    X, Y, _ = seq.check_data(rng.normal(size=(4, 3)), np.array([0, 1, 1, 0]))
    plain = seq.loss_gradients_labels(X, Y)[0]
    assert plain == pytest.approx(seq.evaluate(X, np.array([0, 1, 1, 0]))[0], rel=1e-12)
    W = seq.params["W1"]
    assert seq.loss_gradients_labels(X, Y, 0.1)[0] == pytest.approx(plain + 0.05 * np.sum(W * W))


def test_predict_and_evaluate_work_in_chunks_with_the_same_result():
    X, y = rng.normal(size=(25, 1, 6, 6)), rng.integers(0, 3, size=25)
    seq = Sequential([Conv2D(1, 2, 3, seed=0), ReLU(), Flatten(), Linear(32, 3, seed=1)])
    whole = seq.forward(X)
    np.testing.assert_allclose(seq._outputs(X, chunk=4), whole, rtol=1e-12)
    np.testing.assert_array_equal(seq.predict(X), whole.argmax(axis=1))
    assert seq.evaluate(X, y)[0] == pytest.approx(seq.loss_and_gradients(X, y)[0], rel=1e-12)


def test_batchnorm_refuses_one_sample_in_training():
    with pytest.raises(ValueError, match="more than one sample"):
        BatchNorm(3).forward(np.ones((1, 3)), training=True)
    BatchNorm(3).forward(np.ones((1, 3)))                          # evaluation: running averages
    BatchNorm(2).forward(rng.normal(size=(1, 2, 3, 3)), training=True)  # 9 values per channel
