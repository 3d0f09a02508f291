"""nnlib.attention: layer normalisation, position embeddings, causal self-attention and the
transformer block, against definitions written as loops and against numerical gradients; the
causal mask tested by changing the future; a small transformer trained end to end."""

import numpy as np
import pytest
from test_layers import check_layer  # backward against numerical gradients, for any layer

from nnlib import Sequential
from nnlib.attention import CausalSelfAttention, LayerNorm, PositionEmbedding, TransformerBlock
from nnlib.gradcheck import check_gradients
from nnlib.layers import Embedding, Linear


def attention_by_definition(X, P, h):
    """Loops over sequences, heads and positions: position i averages the values of 0..i."""
    N, T, d = X.shape
    dh = d // h
    out = np.zeros((N, T, d))
    for n in range(N):
        Q, K, V = X[n] @ P["Wq"], X[n] @ P["Wk"], X[n] @ P["Wv"]
        for head in range(h):
            cols = slice(head * dh, (head + 1) * dh)
            for i in range(T):
                scores = [Q[i, cols] @ K[j, cols] / np.sqrt(dh) for j in range(i + 1)]
                weights = np.exp(scores - np.max(scores))
                weights /= weights.sum()
                out[n, i, cols] = sum(w * V[j, cols] for j, w in enumerate(weights))
    return out @ P["Wo"]


@pytest.mark.parametrize("d, h", [(4, 1), (6, 3), (8, 2)])
def test_attention_matches_its_definition(d, h, rng):
    layer, X = CausalSelfAttention(d, h, seed=0), rng.normal(size=(2, 5, d))
    np.testing.assert_allclose(layer.forward(X), attention_by_definition(X, layer.params, h),
                               rtol=1e-10, atol=1e-12)
    A = layer.weights
    assert A.shape == (2, h, 5, 5)
    np.testing.assert_allclose(A.sum(axis=-1), 1)
    assert np.all(A[..., np.triu_indices(5, k=1)[0], np.triu_indices(5, k=1)[1]] == 0)


def test_the_future_does_not_change_the_past(rng):
    layer, X = TransformerBlock(8, 2, seed=0), rng.normal(size=(1, 6, 8))
    changed = X.copy()
    changed[0, 4:] += rng.normal(size=(2, 8))
    before, after = layer.forward(X), layer.forward(changed)
    np.testing.assert_array_equal(before[0, :4], after[0, :4])
    assert not np.allclose(before[0, 4:], after[0, 4:])


@pytest.mark.parametrize("make, shape", [
    (lambda: LayerNorm(5), (3, 4, 5)), (lambda: LayerNorm(5), (6, 5)),
    (lambda: PositionEmbedding(7, 3, seed=0), (2, 5, 3)),
    (lambda: CausalSelfAttention(6, 2, seed=0), (2, 4, 6)),
    (lambda: CausalSelfAttention(4, 1, seed=1), (3, 1, 4)),
    (lambda: TransformerBlock(6, 3, d_ff=10, seed=0), (2, 4, 6)),
], ids=["layernorm-3d", "layernorm-2d", "positions", "attention", "attention-T1", "block"])
def test_backward_matches_numerical_gradients(make, shape, rng):
    layer = make()
    for p in layer.params.values():       # gamma and beta away from 1 and 0
        p += 0.3 * rng.normal(size=p.shape)
    check_layer(layer, rng.normal(size=shape))


def test_layer_norm_normalises_each_position_alone(rng):
    X = rng.normal(3, 2, size=(4, 6, 10))
    Y = LayerNorm(10).forward(X)
    np.testing.assert_allclose(Y.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(Y.var(axis=-1), 1, rtol=1e-4)   # eps = 1e-5 against var 4
    np.testing.assert_allclose(LayerNorm(10).forward(X[:1]), Y[:1])   # the batch plays no part


def test_position_embedding_adds_one_vector_per_position_and_sums_its_gradient(rng):
    layer = PositionEmbedding(6, 2, seed=0)
    X = rng.normal(size=(3, 4, 2))
    np.testing.assert_array_equal(layer.forward(X), X + layer.params["E"][:4])
    layer.backward(np.ones((3, 4, 2)))
    np.testing.assert_array_equal(layer.grads["E"], np.r_[np.full((4, 2), 3.0), np.zeros((2, 2))])


def test_block_params_are_its_sublayers_arrays_and_a_seed_repeats_them():
    block = TransformerBlock(4, 2, seed=3)
    assert block.params["attn_Wq"] is block.attn.params["Wq"]
    assert block.params["ff_Win"] is block.ff_in.params["W"]
    assert set(block.decayed) <= set(block.params)
    again = TransformerBlock(4, 2, seed=3)
    for name in block.params:
        np.testing.assert_array_equal(block.params[name], again.params[name])
    assert not np.allclose(TransformerBlock(4, 2).params["attn_Wq"], block.params["attn_Wq"])


@pytest.mark.parametrize("make, X, message", [
    (lambda: CausalSelfAttention(6, 4), None, "d_model must be a multiple of n_heads"),
    (lambda: CausalSelfAttention(6, 2).forward(np.ones((2, 6))), None,
     r"expects sequences \(N, T, 6\); received shape \(2, 6\)"),
    (lambda: PositionEmbedding(3, 2).forward(np.ones((1, 4, 2))), None,
     "has positions 0..2; received sequences of length 4"),
    (lambda: LayerNorm(3).forward(np.ones((2, 4))), None, r"expects \(..., 3\)"),
])
def test_bad_settings_and_shapes_are_refused(make, X, message):
    with pytest.raises(ValueError, match=message):
        make()


def tiny_transformer(V=5, T=6, d=8, seed=0, dtype=np.float64):
    return Sequential([Embedding(V, d, dtype=dtype), PositionEmbedding(T, d, dtype=dtype),
                       TransformerBlock(d, 2, dtype=dtype), LayerNorm(d, dtype=dtype),
                       Linear(d, V, dtype=dtype)], seed=seed)


def test_a_transformer_predicts_a_token_at_every_position_with_exact_gradients(rng):
    model, X = tiny_transformer(), rng.integers(0, 5, (3, 6))
    Y = np.roll(X, -1, axis=1)
    assert model.forward(X).shape == (3, 6, 5)
    for name, errors in check_gradients(model, X, Y).items():
        assert max(errors) < 1e-6, name
    one_hot = np.eye(5)[Y]
    assert np.isclose(model.loss_and_gradients(X, Y)[0], model.loss_and_gradients(X, one_hot)[0])
    decayed = model.loss_and_gradients(X, Y, l2=0.1)[1]
    plain = model.loss_and_gradients(X, Y)[1]
    np.testing.assert_allclose(decayed["attn_Wq3"],
                               plain["attn_Wq3"] + 0.1 * model.params["attn_Wq3"])
    np.testing.assert_array_equal(decayed["ln1_gamma3"], plain["ln1_gamma3"])


def test_a_transformer_learns_to_copy_the_previous_token():
    """Targets are the inputs shifted by one: only attention to the previous position solves it."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 5, (400, 6))
    Y = np.roll(X, 1, axis=1)
    Y[:, 0] = 0
    model = tiny_transformer(dtype=np.float32)
    history = model.fit(X, Y, epochs=30, batch_size=50, optimizer="adam", lr=0.01, verbose=False,
                        seed=0)
    loss, accuracy = model.evaluate(X, Y)
    assert accuracy > 0.95 and model.forward(X).dtype == np.float32
    assert model.predict(X).shape == (400, 6)
    assert history["accuracy"][0] < history["accuracy"][-1] <= 1   # a share of all positions
    with pytest.raises(ValueError, match=r"integer labels of shape \(400, 6\); received shape "
                                         r"\(400, 5\)"):
        model.evaluate(X, Y[:, :5])


def test_parameter_names_that_would_collide_are_refused():
    class Named(Linear):
        def __init__(self, name):
            super().__init__(1, 1, seed=0)
            self.params = {name: self.params["W"]}

    with pytest.raises(ValueError, match="x11"):
        Sequential([Named("x1")] + [Linear(1, 1) for _ in range(9)] + [Named("x")])


def test_defaults_as_in_pytorch_and_gpt():
    """eps 1e-5 (PyTorch's LayerNorm), d_ff = 4 d, position vectors drawn from N(0, 1)."""
    X = np.array([[0.0, 0.002, 0.004]])          # a variance comparable to eps
    expected = (X - X.mean()) / np.sqrt(X.var() + 1e-5)
    np.testing.assert_allclose(LayerNorm(3).forward(X), expected, rtol=1e-12)
    assert TransformerBlock(8, 2).d_ff == 32
    assert abs(PositionEmbedding(500, 40, seed=0).params["E"].std() - 1) < 0.02


def test_layer_norm_of_a_constant_vector_and_of_a_single_vector():
    np.testing.assert_array_equal(LayerNorm(4).forward(np.full((2, 4), 7.0)), np.zeros((2, 4)))
    np.testing.assert_allclose(LayerNorm(3).forward(np.array([1.0, 2.0, 3.0])),
                               [-1.2247, 0.0, 1.2247], atol=1e-4)
    with pytest.raises(ValueError, match=r"LayerNorm\(3\) expects \(\.\.\., 3\); received shape"):
        LayerNorm(3).forward(np.float64(1.0))


def test_attention_stays_finite_with_scores_in_the_thousands(rng):
    layer = CausalSelfAttention(8, 2, seed=0)
    Y = layer.forward(60 * rng.normal(size=(2, 5, 8)))
    assert np.all(np.isfinite(Y)) and np.all(np.isfinite(layer.weights))
