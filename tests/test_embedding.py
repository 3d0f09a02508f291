"""nnlib.layers.Embedding: a lookup equal to one-hot rows times E, a backward pass that adds the
rows of a repeated token (a scatter-add), indices checked, and its place in a Sequential."""

import numpy as np
import pytest

from nnlib import Sequential
from nnlib.gradcheck import check_gradients, max_relative_error, numerical_gradient
from nnlib.layers import Embedding, Flatten, Linear, Tanh


def one_hot_rows(X, V):
    """(N, T) indices -> (N, T, V) one-hot rows, written as a loop."""
    rows = np.zeros(X.shape + (V,))
    for n in range(X.shape[0]):
        for t in range(X.shape[1]):
            rows[n, t, X[n, t]] = 1
    return rows


def test_lookup_is_a_one_hot_row_times_the_table(rng):
    layer, X = Embedding(7, 3, seed=0), rng.integers(0, 7, (5, 4))
    Y = layer.forward(X)
    assert Y.shape == (5, 4, 3)
    np.testing.assert_allclose(Y, one_hot_rows(X, 7) @ layer.params["E"], rtol=0, atol=1e-15)


def test_backward_adds_every_row_of_a_repeated_token(rng):
    layer = Embedding(5, 2, seed=0)
    X = np.array([[1, 1, 3], [1, 4, 3]])  # token 1 three times, token 3 twice, 0 and 2 never
    dY = rng.normal(size=(2, 3, 2))
    layer.forward(X)
    assert layer.backward(dY) is None
    expected = np.einsum("ntv,ntd->vd", one_hot_rows(X, 5), dY)
    np.testing.assert_allclose(layer.grads["E"], expected, rtol=1e-12)
    assert np.all(layer.grads["E"][[0, 2]] == 0)


def test_backward_matches_the_numerical_gradient(rng):
    layer, X = Embedding(6, 3, seed=1), rng.integers(0, 6, (4, 5))
    R = rng.normal(size=(4, 5, 3))
    layer.forward(X)
    layer.backward(R)
    numerical = numerical_gradient(lambda E: float(np.sum(layer.forward(X) * R)),
                                   layer.params["E"])
    assert max_relative_error(layer.grads["E"], numerical) < 1e-8


def test_whole_floats_are_indices_and_the_table_is_standard_normal():
    layer = Embedding(400, 50, seed=3)
    E = layer.params["E"]
    np.testing.assert_array_equal(layer.forward(np.array([[2.0, 0.0]])), E[[[2, 0]]])
    assert abs(E.std() - 1) < 0.02 and abs(E.mean()) < 0.02


@pytest.mark.parametrize("X, error, message", [
    (np.array([[0, 5]]), ValueError, r"Embedding\(5, 2\) expects indices 0..4; received values "
                                     r"from 0 to 5"),
    (np.array([[-1, 2]]), ValueError, "expects indices 0..4; received values from -1 to 2"),
    (np.array([[0.5, 1.0]]), ValueError, "expects token indices \\(whole numbers\\)"),
    (np.array([[np.nan, 1.0]]), ValueError, "expects token indices \\(whole numbers\\)"),
    (np.array([[True, False]]), TypeError, "array of token indices \\(integers\\); received "
                                           "dtype bool"),
    (np.array([["a"]]), TypeError, "received dtype <U1"),
])
def test_anything_but_indices_in_range_is_refused(X, error, message):
    with pytest.raises(error, match=message):
        Embedding(5, 2, seed=0).forward(X)


def test_a_gradient_of_the_wrong_shape_is_refused():
    layer = Embedding(5, 2, seed=0)
    layer.forward(np.array([[1, 2, 3]]))
    with pytest.raises(ValueError, match=r"expects dY of shape \(1, 3, 2\).*received \(3, 2\)"):
        layer.backward(np.ones((3, 2)))


def language_model(dtype=np.float64, seed=0):
    return Sequential([Embedding(6, 2, dtype=dtype), Flatten(), Linear(6, 5, dtype=dtype),
                       Tanh(), Linear(5, 6, dtype=dtype)], seed=seed)


def test_a_language_model_has_exact_gradients_and_decays_its_embeddings(rng):
    model = language_model()
    X, y = rng.integers(0, 6, (20, 3)), rng.integers(0, 6, 20)
    for name, errors in check_gradients(model, X, y).items():
        assert max(errors) < 1e-6, name
    plain = model.loss_and_gradients(X, y)[1]["E1"]
    decayed = model.loss_and_gradients(X, y, l2=0.5)[1]["E1"]
    np.testing.assert_allclose(decayed, plain + 0.5 * model.params["E1"], rtol=1e-12)


def test_a_model_seed_draws_the_embeddings_and_two_seeds_differ():
    assert np.array_equal(language_model(seed=0).params["E1"], language_model(seed=0).params["E1"])
    assert not np.allclose(language_model(seed=0).params["E1"], language_model(seed=1).params["E1"])


def test_a_float32_model_reads_indices_as_integers_and_trains(rng):
    model = language_model(dtype=np.float32)
    X, y = rng.integers(0, 6, (40, 3)), rng.integers(0, 6, 40)
    assert model._check_X(X.astype(np.float32)).dtype.kind == "i"
    history = model.fit(X, y, epochs=30, optimizer="adam", lr=0.05, verbose=False, seed=0)
    assert history["loss"][-1] < 0.8 * history["loss"][0]
    assert model.forward(X).dtype == np.float32


def test_an_embedding_anywhere_but_first_is_refused():
    with pytest.raises(ValueError, match="must be the first layer; received one at position 1"):
        Sequential([Linear(3, 3), Embedding(3, 2)])


def test_init_sets_the_tables_standard_deviation():
    assert abs(Embedding(400, 50, init=0.1, seed=0).params["E"].std() - 0.1) < 0.002
    with pytest.raises(ValueError, match=r"init \(a standard deviation\) must be a finite number"):
        Embedding(4, 2, init=-1.0)


def test_reusing_the_index_array_before_backward_changes_no_gradient():
    layer = Embedding(5, 2, seed=0)
    X = np.array([[0, 1]])
    layer.forward(X)
    X[...] = [[3, 4]]                  # the caller's buffer refilled before backward
    layer.backward(np.ones((1, 2, 2)))
    assert layer.grads["E"][:2].sum() == 4 and not layer.grads["E"][2:].any()
