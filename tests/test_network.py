import itertools

import numpy as np
import pytest

from nnlib import MLP
from nnlib.data import blobs, one_hot, xor
from nnlib.gradcheck import check_gradients

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu"]
OUTPUT_LOSS = [("sigmoid", "mse"), ("sigmoid", "binary_cross_entropy"),
               ("softmax", "cross_entropy"), ("softmax", "mse"), ("linear", "mse")]


def toy_batch(output, seed=0, n=6, d=3, k=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if output == "softmax":
        Y = one_hot(rng.integers(0, k, size=n), k)
    elif output == "sigmoid":
        Y = rng.integers(0, 2, size=(n, k)).astype(float)
    else:
        Y = rng.normal(size=(n, k))
    return X, Y


@pytest.mark.parametrize("hidden, output_loss, l2, hidden_layers", list(
    itertools.product(HIDDEN, OUTPUT_LOSS, [0.0, 0.1], [[4], [4, 5]])))
def test_backprop_matches_numerical_gradient(hidden, output_loss, l2, hidden_layers):
    output, loss = output_loss
    X, Y = toy_batch(output)
    model = MLP([3, *hidden_layers, 3], hidden, output, loss=loss, seed=3)
    for l in range(1, model.num_layers):  # keep every hidden unit away from the ReLU kink
        Z = model._forward(X)[0][l]
        assert np.abs(Z).min() > 1e-3, "choose another seed: a unit sits on a kink"
    errors = check_gradients(model, X, Y, l2=l2)
    assert set(errors) == set(model.params)
    assert max(norm for norm, _ in errors.values()) < 1e-6, errors
    assert max(worst for _, worst in errors.values()) < 1e-5, errors


def test_gradient_check_catches_a_wrong_gradient():
    X, Y = toy_batch("softmax")
    model = MLP([3, 4, 3], "tanh", seed=0)
    right = model.loss_and_gradients

    def wrong(X, Y, l2=0.0):
        loss, grads = right(X, Y, l2)
        grads["W1"] = grads["W1"] * 1.01
        return loss, grads

    model.loss_and_gradients = wrong
    errors = check_gradients(model, X, Y)
    assert min(errors["W1"]) > 1e-3 and max(errors["W2"]) < 1e-7


def test_shapes_and_parameter_names():
    model = MLP([5, 7, 4, 2])
    assert list(model.params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert model.params["W2"].shape == (7, 4) and model.params["b2"].shape == (4,)
    X = np.ones((9, 5))
    assert model.forward(X).shape == (9, 2)
    np.testing.assert_allclose(model.forward(X).sum(axis=1), 1.0)
    assert model.predict(X).shape == (9,)


def test_the_default_seed_is_0():
    np.testing.assert_array_equal(MLP([3, 4, 2]).params["W1"], MLP([3, 4, 2], seed=0).params["W1"])


def test_initialisation_scales():
    he = MLP([1000, 500, 10], "relu", seed=0).params["W1"]
    xavier = MLP([1000, 500, 10], "tanh", seed=0).params["W1"]
    assert he.std() == pytest.approx(np.sqrt(2 / 1000), rel=0.02)
    assert xavier.std() == pytest.approx(np.sqrt(2 / 1500), rel=0.02)
    assert MLP([1000, 500, 10], init=1.0, seed=0).params["W1"].std() == pytest.approx(1, rel=0.02)
    assert not np.any(MLP([3, 4, 2]).params["b1"])


def test_learns_xor():
    X, y = xor()
    model = MLP([2, 4, 1], "tanh", "sigmoid", seed=0)
    history = model.fit(X, y, epochs=2000, batch_size=4, lr=1.0, verbose=False)
    np.testing.assert_array_equal(model.predict(X), y)
    assert history["accuracy"][-1] == 1.0
    assert history["loss"][-1] < 0.05 < history["loss"][0]


def test_same_seed_gives_bit_identical_training():
    X, y = xor()
    runs = []
    for _ in range(2):
        model = MLP([2, 3, 1], "relu", "sigmoid", seed=7)
        model.fit(X, y, epochs=50, batch_size=2, lr=0.5, optimizer="momentum", verbose=False,
                  seed=1)
        runs.append(model.params)
    for name in runs[0]:
        np.testing.assert_array_equal(runs[0][name], runs[1][name])
    other = MLP([2, 3, 1], "relu", "sigmoid", seed=8).params["W1"]
    assert not np.array_equal(MLP([2, 3, 1], "relu", "sigmoid", seed=7).params["W1"], other)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_fit_lowers_the_loss_with_validation_history(optimizer):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    model = MLP([2, 16, 2], seed=0)
    lr = 0.01 if optimizer == "adam" else 0.1
    history = model.fit(X[:150], y[:150], epochs=30, batch_size=16, lr=lr, optimizer=optimizer,
                        schedule="cosine", validation_data=(X[150:], y[150:]), verbose=False)
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 30 for v in history.values())
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["val_accuracy"][-1] > 0.85
    assert model.evaluate(X[150:], y[150:])[1] == history["val_accuracy"][-1]


def test_regression_network_predicts_values():
    x = np.linspace(-1, 1, 50)[:, None]
    model = MLP([1, 16, 1], "tanh", "linear", seed=0)
    history = model.fit(x, x**2, epochs=300, batch_size=10, lr=0.1, verbose=False)
    assert "accuracy" not in history
    assert model.evaluate(x, x**2)[0] < 0.005
    assert model.predict(x).shape == (50, 1)


def test_l2_shrinks_the_weights():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(100, 5)), rng.integers(0, 2, size=100)
    norms = []
    for l2 in [0.0, 0.1]:
        model = MLP([5, 20, 2], seed=0)
        model.fit(X, y, epochs=50, batch_size=20, lr=0.1, l2=l2, verbose=False)
        norms.append(np.linalg.norm(model.params["W1"]))
    assert norms[1] < 0.7 * norms[0]


def test_float32_training_stays_float32():
    X, y = xor()
    model = MLP([2, 4, 1], "tanh", "sigmoid", dtype=np.float32)
    model.fit(X, y, epochs=5, batch_size=4, lr=0.1, optimizer="momentum", schedule="cosine",
              verbose=False)
    assert all(p.dtype == np.float32 for p in model.params.values())
    _, grads = model.loss_and_gradients(X, y)
    assert all(g.dtype == np.float32 for g in grads.values())


def test_divergence_stops_with_advice():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(64, 3)) * 10, rng.normal(size=(64, 1)) * 10
    model = MLP([3, 8, 1], "relu", "linear", seed=0)
    with pytest.raises(FloatingPointError, match=r"epoch \d+.*try a smaller learning rate"):
        model.fit(X, Y, epochs=20, batch_size=8, lr=10.0, verbose=False)


# ---- bad input ---------------------------------------------------------------------------------
def test_unknown_activation_lists_valid_names():
    with pytest.raises(ValueError, match="unknown activation 'rectifier'; expected one of: .*relu"):
        MLP([2, 3, 1], hidden_activation="rectifier")


def test_bad_layer_sizes_and_options():
    with pytest.raises(ValueError, match=r"at least two positive integers.*received \[3\]"):
        MLP([3])
    with pytest.raises(ValueError, match=r"layer_sizes\[1\] must be a positive integer; "
                                         r"received 0"):
        MLP([3, 0, 2])
    with pytest.raises(ValueError, match="unknown loss"):
        MLP([2, 2], loss="hinge")
    for dtype in ["int32", np.float16]:
        with pytest.raises(TypeError, match="dtype must be np.float32 or np.float64; received"):
            MLP([2, 2], dtype=dtype)
    with pytest.raises(ValueError, match="init must be"):
        MLP([2, 2], init="uniform")
    with pytest.raises(ValueError, match="schedule must be"):
        MLP([2, 2]).fit(np.ones((2, 2)), np.array([0, 1]), schedule="step")
    with pytest.raises(ValueError, match="unknown optimizer 'adagrad'"):
        MLP([2, 2]).fit(np.ones((2, 2)), np.array([0, 1]), optimizer="adagrad")


def test_wrong_number_of_features():
    with pytest.raises(ValueError, match=r"X must have 784 features.*received shape \(10, 28\)"):
        MLP([784, 10]).forward(np.zeros((10, 28)))
    with pytest.raises(ValueError, match=r"2 dimension\(s\); received shape \(10, 28, 28\)"):
        MLP([784, 10]).forward(np.zeros((10, 28, 28)))


def test_targets_that_do_not_match():
    model = MLP([3, 4, 2])
    X = np.zeros((5, 3))
    with pytest.raises(ValueError, match=r"Y must have shape \(5, 2\).*received shape \(5, 3\)"):
        model.loss_and_gradients(X, np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"Y must have shape \(5, 2\).*received shape \(4, 2\)"):
        model.fit(X, np.zeros((4, 2)), verbose=False)
    with pytest.raises(TypeError, match=r"Y must be whole numbers \(class labels\); received 0.5"):
        model.loss_and_gradients(X, np.full(5, 0.5))


def test_labels_out_of_range():
    with pytest.raises(ValueError, match=r"Y must lie in \[0, 1\] for 2 classes.*from -1 to 2"):
        MLP([3, 2]).loss_and_gradients(np.zeros((3, 3)), np.array([0, -1, 2]))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_inputs(bad):
    X = np.zeros((4, 3))
    X[2, 1] = bad
    with pytest.raises(ValueError, match="X must be finite; received 1 nan or inf"):
        MLP([3, 2]).fit(X, np.array([0, 1, 0, 1]), verbose=False)
    with pytest.raises(ValueError, match="Y must be finite"):
        MLP([3, 1], output_activation="linear").loss_and_gradients(np.zeros((2, 3)), [[1.0], [bad]])


def test_non_numeric_array():
    with pytest.raises(TypeError, match="X must be a numeric array; received dtype <U"):
        MLP([2, 2]).forward(np.array([["a", "b"]]))
    with pytest.raises(TypeError, match="X must be a numeric array; received dtype object"):
        MLP([2, 2]).predict(np.array([[None, 1]], dtype=object))


# ---- what a network is allowed to be ----------------------------------------------------------
@pytest.mark.parametrize("kwargs, message", [
    (dict(hidden_activation="softmax"), "hidden_activation='softmax' cannot be trained"),
    (dict(hidden_activation="step"), "hidden_activation='step' cannot be trained.*derivative"),
    (dict(output_activation="step"), "output_activation='step' cannot be trained"),
    (dict(output_activation="linear", loss="cross_entropy"), "needs output_activation='softmax'"),
    (dict(output_activation="tanh", loss="binary_cross_entropy"),
     "needs output_activation='sigmoid'"),
])
def test_combinations_that_cannot_work_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MLP([2, 3, 2], **kwargs)


def test_a_softmax_over_one_output_is_refused():
    with pytest.raises(ValueError, match="softmax over 1 output is always 1"):
        MLP([2, 3, 1])


@pytest.mark.parametrize("bad, error", [(True, TypeError), ("1", ValueError), (np.nan, ValueError),
                                        (-1.0, ValueError), ("normal", ValueError)])
def test_bad_init_is_refused(bad, error):
    with pytest.raises(error, match="init must be 'he', 'xavier' or a standard deviation"):
        MLP([2, 3, 2], init=bad)


def test_targets_must_suit_the_loss():
    X = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"binary cross-entropy targets must lie in \[0, 1\]"):
        MLP([3, 2, 1], output_activation="sigmoid").fit(X, np.array([0, 2]), verbose=False)
    with pytest.raises(ValueError, match="cross-entropy targets must be one-hot rows"):
        MLP([3, 2, 2]).loss_and_gradients(X, np.array([[1.0, 1.0], [0.0, 1.0]]))


def test_untrained_softmax_classifier_starts_near_log_k():
    X, y = blobs(seed=0)
    for seed in range(5):
        loss = MLP([2, 16, 3], seed=seed).evaluate(X, y)[0]
        assert abs(loss - np.log(3)) < 0.05  # 0.4 to 6.5 above with a full-size one
    K = 10
    W = MLP([20, 30, K], seed=0).params
    assert W["W2"].std() == pytest.approx(0.01 * np.sqrt(2 / 30), rel=0.1)
    assert MLP([20, 30, K], init=0.5, seed=0).params["W2"].std() == pytest.approx(0.5, rel=0.1)


def test_single_sigmoid_output_is_a_binary_classifier():
    model = MLP([1, 1], "relu", "sigmoid", seed=0)
    model.params["W1"][:] = 1.0
    X = np.array([[-2.0], [-0.1], [0.0], [3.0]])
    np.testing.assert_array_equal(model.predict(X), [0, 0, 1, 1])    # output >= 0.5 -> 1
    loss, acc = model.evaluate(X, np.array([0, 1, 1, 1]))
    assert acc == 0.75
    assert loss == pytest.approx(-np.mean(np.log([1 - 1 / (1 + np.e**2), 1 / (1 + np.e**0.1),
                                                  0.5, 1 / (1 + np.e**-3)])))


def test_tanh_output_is_regression():
    model = MLP([2, 3, 1], "relu", "tanh", seed=0)
    assert not model.is_classifier
    X = np.ones((4, 2))
    np.testing.assert_array_equal(model.predict(X), model.forward(X))
    assert model.evaluate(X, np.zeros(4))[1] is None


@pytest.mark.parametrize("sizes, hidden, output, loss", [
    ([2, 2, 1], "sigmoid", "sigmoid", "mse"),                  # lesson 5's XOR network
    ([2, 2, 1], "relu", "sigmoid", "binary_cross_entropy"),
    ([3, 8, 1], "tanh", "sigmoid", None),                       # lesson 7's classifier
    ([1, 6, 1], "relu", "linear", "mse"),                       # lesson 7's 1-D fits
    ([1, 6, 1], "tanh", "linear", "mse"),
])
def test_single_output_paths_pass_the_gradient_check(sizes, hidden, output, loss):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(7, sizes[0]))
    Y = rng.integers(0, 2, size=(7, 1)).astype(float) if output == "sigmoid" \
        else rng.normal(size=(7, 1))
    model = MLP(sizes, hidden, output, loss=loss, seed=2)
    errors = check_gradients(model, X, Y, l2=0.05)
    assert max(norm for norm, _ in errors.values()) < 1e-7, errors


@pytest.mark.parametrize("output, loss", OUTPUT_LOSS + [("tanh", "mse")])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_float32_is_kept_by_every_pairing(hidden, output, loss):
    X, Y = toy_batch(output)
    model = MLP([3, 4, 3], hidden, output, loss=loss, dtype=np.float32)
    assert model.forward(X).dtype == np.float32
    loss_value, grads = model.loss_and_gradients(X, Y.astype(np.float32), l2=0.1)
    assert isinstance(loss_value, float)
    assert all(g.dtype == np.float32 for g in grads.values())


def test_float32_gradient_check_warns():
    X, Y = toy_batch("softmax")
    with pytest.warns(UserWarning, match="float32") as warned:
        check_gradients(MLP([3, 4, 3], dtype=np.float32), X, Y)
    assert warned[0].filename == __file__  # the warning points at the caller's line


def test_predict_and_evaluate_agree_with_the_forward_pass():
    X, y = blobs(n_per_class=20, seed=3)
    model = MLP([2, 5, 3], seed=1)
    model.params["W2"] *= 100  # make the classes differ
    Y_hat = model.forward(X)
    np.testing.assert_array_equal(model.predict(X), Y_hat.argmax(axis=1))
    loss, acc = model.evaluate(X, y)
    assert acc == np.mean(Y_hat.argmax(axis=1) == y)
    assert loss == pytest.approx(model.loss_and_gradients(X, y)[0], rel=1e-12)
    assert loss == pytest.approx(-np.mean(np.log(Y_hat[np.arange(len(y)), y])), rel=1e-9)


def test_predict_on_zero_samples_gives_zero_labels_and_evaluate_refuses():
    net = MLP([3, 4, 2], seed=0)
    assert net.predict(np.zeros((0, 3))).shape == (0,)
    assert MLP([3, 1], output_activation="linear").predict(np.zeros((0, 3))).shape == (0, 1)
    with pytest.raises(ValueError, match="evaluate needs at least one sample; received 0"):
        net.evaluate(np.zeros((0, 3)), np.zeros(0, dtype=int))


def test_integer_inputs_give_what_float_inputs_give():
    net = MLP([3, 4, 2], seed=0)
    X = np.array([[0, 1, 2], [3, 1, 0]])
    np.testing.assert_array_equal(net.forward(X), net.forward(X.astype(float)))
