"""nnlib.sequential: Sequential equal to MLP, its names, losses, chunks, L2 term and evaluation,
and the misuses it refuses (a layer in two places, mixed dtypes) or handles (seeds, empty data)."""

import copy

import numpy as np
import pytest

from nnlib import MLP, Sequential
from nnlib.data import blobs
from nnlib.gradcheck import check_gradients
from nnlib.layers import (
    BatchNorm,
    Conv2D,
    Dropout,
    Flatten,
    Linear,
    MaxPool2D,
    ReLU,
    Sigmoid,
    Tanh,
)


@pytest.mark.parametrize("hidden, Layer", [("relu", ReLU), ("sigmoid", Sigmoid), ("tanh", Tanh)])
def test_sequential_computes_what_mlp_computes(hidden, Layer, rng):
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
    # evaluation mode skips dropout: the output is that of the other layers alone
    out = images
    for layer in seq.layers[:4] + seq.layers[5:]:
        out = layer.forward(out)
    np.testing.assert_allclose(seq.forward(images), out, rtol=1e-12)


def softmax_cross_entropy_by_hand(Z, y):
    Z = Z - Z.max(axis=1, keepdims=True)
    return float(np.mean(np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(len(y)), y]))


def test_sequential_targets_must_match_the_output():
    seq = Sequential([Linear(3, 2)])
    with pytest.raises(ValueError, match=r"Y must lie in \[0, 1\] for 2 classes"):
        seq.loss_and_gradients(np.ones((2, 3)), np.array([0, 2]))
    with pytest.raises(ValueError, match=r"Y must have shape \(2, 2\).*received shape \(2, 3\)"):
        seq.loss_and_gradients(np.ones((2, 3)), np.eye(3)[[0, 1]])


def test_sequential_binary_classifier_with_one_sigmoid_output():
    seq = Sequential([Linear(1, 1, init=0.0)], loss="binary_cross_entropy")
    seq.params["W1"][:] = 1.0
    X = np.array([[-2.0], [0.0], [3.0]])
    np.testing.assert_array_equal(seq.predict(X), [0, 1, 1])  # logit >= 0 means p >= 0.5
    loss, acc = seq.evaluate(X, np.array([0, 0, 1]))
    assert acc == pytest.approx(2 / 3)
    assert loss == pytest.approx(np.mean(np.log1p(np.exp([-2.0, 0.0, 3.0]))
                                         - np.array([0, 0, 3.0])), rel=1e-12)


def test_sequential_loss_has_no_l2_unless_asked(rng):
    seq = Sequential([Linear(3, 2, seed=0)])
    y = np.array([0, 1, 1, 0])
    X, Y, _ = seq.check_data(rng.normal(size=(4, 3)), y)
    plain = seq.loss_gradients_labels(X, Y)[0]
    W = seq.params["W1"]
    assert plain == pytest.approx(softmax_cross_entropy_by_hand(X @ W, y), rel=1e-12)
    assert seq.evaluate(X, y)[0] == pytest.approx(plain, rel=1e-12)
    assert seq.loss_gradients_labels(X, Y, 0.1)[0] == pytest.approx(plain + 0.05 * np.sum(W * W))


def test_predict_and_evaluate_work_in_chunks_with_the_same_result(rng):
    X, y = rng.normal(size=(25, 1, 6, 6)), rng.integers(0, 3, size=25)
    seq = Sequential([Conv2D(1, 2, 3, seed=0), ReLU(), Flatten(), Linear(32, 3, seed=1)])
    whole = seq.forward(X)
    np.testing.assert_allclose(seq._logits(X, chunk=4), whole, rtol=1e-12)
    np.testing.assert_array_equal(seq.predict(X), whole.argmax(axis=1))
    loss, accuracy = seq.evaluate(X, y)
    assert loss == pytest.approx(softmax_cross_entropy_by_hand(whole, y), rel=1e-12)
    assert accuracy == np.mean(whole.argmax(axis=1) == y)



@pytest.mark.parametrize("make, error, message", [
    (lambda: Sequential([Linear(2, 2)], loss="hinge"), ValueError, "unknown loss 'hinge'"),
    (lambda: Sequential([Linear(2, 2)], loss="softmax"), ValueError,
     "expected one of: cross_entropy, binary_cross_entropy, mse"),
    (lambda: Sequential([Linear(2, 2), np.tanh]), TypeError,
     "every layer needs params, forward and backward; received ufunc at position 1"),
])
def test_bad_settings_are_refused(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_a_layer_object_in_two_places_is_refused():
    relu = ReLU()
    with pytest.raises(ValueError, match=r"position 3 \(ReLU\(\)\) is the same object as the one "
                                         r"at position 1.*ReLU\(\) written twice"):
        Sequential([Linear(3, 4), relu, Linear(4, 4), relu, Linear(4, 2)])
    tied = Linear(4, 4)
    with pytest.raises(ValueError, match=r"position 2 \(Linear\(4, 4\)\)"):
        Sequential([tied, ReLU(), tied])


def test_two_relu_objects_give_the_right_gradients():
    model = Sequential([Linear(3, 4, seed=0), ReLU(), Linear(4, 4, seed=1), ReLU(),
                        Linear(4, 2, seed=2)])
    for name in ("b1", "b2"):
        model.params[name][:] = 0.1  # no pre-activation exactly at ReLU's kink
    X = np.random.default_rng(0).normal(size=(6, 3))
    errors = check_gradients(model, X, np.array([0, 1, 1, 0, 1, 0]))
    assert max(elementwise for _, elementwise in errors.values()) < 1e-6


def test_a_model_seed_gives_every_layer_its_own_stream():
    def build(seed):
        return Sequential([Linear(64, 64), ReLU(), Dropout(0.5), Linear(64, 64), ReLU(),
                           Dropout(0.5), Linear(64, 3)], seed=seed)

    model, again = build(0), build(0)
    assert not np.array_equal(model.params["W1"], model.params["W2"])
    for name in model.params:
        np.testing.assert_array_equal(model.params[name], again.params[name])
    assert not np.array_equal(model.params["W1"], build(1).params["W1"])
    X = np.ones((8, 64))
    masks = [model.layers[i].forward(X, training=True) for i in (2, 5)]
    assert not np.array_equal(*masks)                       # the two dropouts drop other units
    # the He scale is kept when the model draws the weights again
    assert build(0).params["W1"].std() == pytest.approx(np.sqrt(2 / 64), rel=0.05)
    from_a_generator = Sequential((layer for layer in [Linear(64, 64), ReLU()]), seed=0)
    np.testing.assert_array_equal(from_a_generator.params["W1"], model.params["W1"])


def test_a_model_seed_leaves_layers_seeded_by_hand_alone():
    own = Linear(4, 4, seed=7)
    weights = own.params["W"].copy()
    model = Sequential([own, ReLU(), Linear(4, 2)], seed=0)
    np.testing.assert_array_equal(model.params["W1"], weights)
    np.testing.assert_array_equal(model.params["W2"],
                                  Sequential([Linear(4, 4), ReLU(), Linear(4, 2)],
                                             seed=0).params["W2"])


def test_without_a_seed_two_models_built_alike_differ():
    def build():
        return Sequential([Linear(5, 5), ReLU(), Linear(5, 2)])
    assert not np.array_equal(build().params["W1"], build().params["W1"])


def test_mixed_dtypes_are_refused_by_name():
    with pytest.raises(ValueError, match="same dtype; W1 is float32, W2 is float64"):
        Sequential([Linear(3, 4, dtype=np.float32), ReLU(), Linear(4, 2)])
    with pytest.raises(ValueError, match="W1 is float64, gamma2 is float32"):
        Sequential([Linear(3, 4), BatchNorm(4, dtype=np.float32)])
    model = Sequential([Linear(3, 4, dtype=np.float32), ReLU(), Linear(4, 2, dtype=np.float32)])
    assert model.dtype == np.float32
    assert model.forward(np.ones((2, 3))).dtype == np.float32


def test_predict_on_zero_samples_gives_zero_rows_and_evaluate_refuses():
    cnn = Sequential([Conv2D(1, 2, 3, seed=0), ReLU(), MaxPool2D(2), Flatten(),
                      Linear(2, 3, seed=1)])
    assert cnn.predict(np.zeros((0, 1, 4, 4))).shape == (0,)
    regression = Sequential([Linear(3, 2, seed=0)], loss="mse")
    assert regression.predict(np.zeros((0, 3))).shape == (0, 2)
    with pytest.raises(ValueError, match="evaluate needs at least one sample; received 0"):
        cnn.evaluate(np.zeros((0, 1, 4, 4)), np.zeros(0, dtype=int))
    with pytest.raises(ValueError, match="needs at least one sample; received 0"):
        cnn.loss_and_gradients(np.zeros((0, 1, 4, 4)), np.zeros(0, dtype=int))


def test_evaluate_includes_the_l2_term_and_leaves_batch_norm_unregularised(rng):
    model = Sequential([Linear(3, 4, seed=0), BatchNorm(4), ReLU(), Linear(4, 2, seed=1)])
    model.params["gamma2"][:] = 3.0
    for name, value in [("b1", 0.5), ("beta2", 0.3), ("b3", -0.25)]:  # zeros would hide a decay
        model.params[name][:] = value
    X, y = rng.normal(size=(10, 3)), rng.integers(0, 2, size=10)
    squares = sum(np.sum(model.params[name] ** 2) for name in ("W1", "W3"))
    plain, with_l2 = model.evaluate(X, y)[0], model.evaluate(X, y, l2=0.5)[0]
    assert with_l2 - plain == pytest.approx(0.25 * squares, rel=1e-12)
    _, grads = model.loss_and_gradients(X, y)
    _, grads_l2 = model.loss_and_gradients(X, y, l2=0.5)
    np.testing.assert_allclose(grads_l2["W1"] - grads["W1"], 0.5 * model.params["W1"],
                               atol=1e-12)
    for name in ("gamma2", "beta2", "b1", "b3"):
        np.testing.assert_allclose(grads_l2[name], grads[name], atol=1e-12)
    history = model.fit(X, y, epochs=1, batch_size=10, lr=0.0, l2=0.5, verbose=False,
                        validation_data=(X, y))
    assert history["val_loss"][0] == pytest.approx(model.evaluate(X, y, l2=0.5)[0], rel=1e-12)


def test_one_loss_vocabulary_for_both_models():
    assert Sequential([Linear(2, 2)]).loss == "cross_entropy"
    assert Sequential([Linear(2, 2)], loss="softmax_cross_entropy").loss == "cross_entropy"
    assert Sequential([Linear(2, 1)],
                      loss="sigmoid_binary_cross_entropy").loss == "binary_cross_entropy"
    assert MLP([2, 2]).loss == MLP([2, 2], loss="softmax_cross_entropy").loss == "cross_entropy"
    assert MLP([2, 1], output_activation="sigmoid").loss == "binary_cross_entropy"


def test_sequential_is_found_where_lessons_10_and_11_first_imported_it():
    from nnlib import layers
    from nnlib.layers import Sequential as from_layers
    assert from_layers is Sequential and layers.Sequential is Sequential


class Spy(ReLU):
    """A ReLU that records the number of samples of every forward pass."""

    def __init__(self):
        super().__init__()
        self.sizes = []

    def forward(self, X, training=False):
        self.sizes.append(len(X))
        return super().forward(X, training)


def test_predict_and_evaluate_forward_at_most_1000_samples_at_a_time(rng):
    spy = Spy()
    model = Sequential([Linear(3, 4, seed=0), spy, Linear(4, 2, seed=1)])
    X, y = rng.normal(size=(2500, 3)), rng.integers(0, 2, size=2500)
    model.predict(X)
    assert spy.sizes == [1000, 1000, 500]
    spy.sizes.clear()
    model.evaluate(X, y)
    assert max(spy.sizes) == 1000 and sum(size for size in spy.sizes if size > 1) == 2500


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "cross_entropy"])
def test_a_final_sigmoid_before_a_loss_on_logits_is_refused(loss):
    # the loss squashes the logits itself: a Sigmoid layer would squash twice, and predict would
    # compare probabilities with the logit threshold 0 (every answer 1)
    with pytest.raises(ValueError, match="final Sigmoid"):
        Sequential([Linear(2, 1, seed=0), Sigmoid()], loss=loss)
    Sequential([Linear(2, 1, seed=0), Sigmoid()], loss="mse")  # regression into (0, 1): fine


def test_one_output_with_softmax_cross_entropy_is_refused():
    model = Sequential([Linear(2, 1, seed=0)])
    with pytest.raises(ValueError, match="binary_cross_entropy"):
        model.loss_and_gradients(np.ones((3, 2)), np.array([0, 1, 1]))


def test_assigning_a_parameter_writes_into_the_layer():
    model = Sequential([Linear(3, 2, seed=0), ReLU(), Linear(2, 1, seed=1)], loss="mse")
    layer_W = model.layers[0].params["W"]
    model.params["W1"] = np.ones((3, 2))             # e.g. restoring the best weights
    assert np.array_equal(layer_W, np.ones((3, 2))) and model.layers[0].params["W"] is layer_W
    model.params.update({"b2": [5.0]})
    assert model.layers[2].params["b"][0] == 5.0
    with pytest.raises(ValueError, match="shape"):
        model.params["W1"] = np.ones(2)
    with pytest.raises(KeyError, match="W3"):
        model.params["W3"] = np.ones(2)
    with pytest.raises(TypeError):
        del model.params["W1"]
    best = copy.deepcopy(model.params)                 # a plain dict of copies
    assert type(best) is dict and best["W1"] is not layer_W
    np.testing.assert_array_equal(best["W1"], layer_W)


def test_a_seed_is_refused_for_layers_seeded_by_another_model():
    layers = [Linear(2, 3), ReLU(), Linear(3, 1)]
    Sequential(layers, loss="mse", seed=0)
    with pytest.raises(ValueError, match="another model's seed"):
        Sequential(layers, loss="mse", seed=1)   # would silently keep seed 0's weights
    Sequential(layers, loss="mse")                # sharing them on purpose: allowed


def test_a_wrong_target_shape_is_reported_as_given():
    model = Sequential([Linear(3, 2, seed=0)], loss="mse")
    with pytest.raises(ValueError, match=r"received shape \(10,\)"):
        model.loss_and_gradients(np.ones((10, 3)), np.ones(10))
