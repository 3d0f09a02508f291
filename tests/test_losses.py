import numpy as np
import pytest

from nnlib import losses
from nnlib.activations import sigmoid, softmax
from nnlib.gradcheck import numerical_gradient, relative_error

RNG = np.random.default_rng(1)  # only for the module's fixed data below
N, K = 5, 3
LABELS = RNG.integers(0, K, size=N)
ONE_HOT = np.eye(K)[LABELS]
PROBS = softmax(RNG.normal(size=(N, K)))
BINARY = RNG.integers(0, 2, size=(N, K)).astype(float)


@pytest.mark.parametrize("name, P, Y", [
    ("mse", RNG.normal(size=(N, K)), RNG.normal(size=(N, K))),
    ("cross_entropy", PROBS, ONE_HOT),
    ("binary_cross_entropy", sigmoid(RNG.normal(size=(N, K))), BINARY),
])
def test_loss_gradient_matches_numerical_gradient(name, P, Y):
    loss, loss_grad = losses.get_loss(name)
    P = P.copy()
    numeric = numerical_gradient(lambda p: loss(p, Y), P)
    assert relative_error(loss_grad(P, Y), numeric) < 1e-7


@pytest.mark.parametrize("fused, activation", [
    (losses.softmax_cross_entropy, softmax),
    (losses.sigmoid_binary_cross_entropy, sigmoid),
])
def test_fused_losses_match_their_parts_and_gradients(fused, activation, rng):
    Z = rng.normal(size=(N, K)) * 3
    Y = ONE_HOT if activation is softmax else BINARY
    loss, dZ = fused(Z, Y)
    plain = losses.cross_entropy if activation is softmax else losses.binary_cross_entropy
    assert loss == pytest.approx(plain(activation(Z), Y), rel=1e-10)
    numeric = numerical_gradient(lambda z: fused(z, Y)[0], Z.copy())
    assert relative_error(dZ, numeric) < 1e-7


def test_worked_values():
    assert losses.mse(np.array([[1.0, 2.0]]), np.array([[0.0, 0.0]])) == pytest.approx(2.5)
    p = np.array([[0.7, 0.2, 0.1]])
    assert losses.cross_entropy(p, np.array([0])) == pytest.approx(-np.log(0.7))
    assert losses.binary_cross_entropy(np.array([[0.9]]), np.array([[1.0]])) == pytest.approx(
        -np.log(0.9))


def test_integer_labels_equal_one_hot_targets():
    assert losses.cross_entropy(PROBS, LABELS) == losses.cross_entropy(PROBS, ONE_HOT)
    loss_a, dZ_a = losses.softmax_cross_entropy(PROBS, LABELS)
    loss_b, dZ_b = losses.softmax_cross_entropy(PROBS, ONE_HOT)
    assert loss_a == loss_b
    np.testing.assert_array_equal(dZ_a, dZ_b)


def test_log_of_zero_is_guarded():
    zero = np.array([[0.0, 1.0]])
    assert np.isfinite(losses.cross_entropy(zero, np.array([0])))
    assert np.all(np.isfinite(losses.cross_entropy_grad(zero, np.array([0]))))
    assert np.isfinite(losses.binary_cross_entropy(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]])))
    loss, dZ = losses.softmax_cross_entropy(np.array([[1000.0, -1000.0]]), np.array([1]))
    assert loss == pytest.approx(2000.0) and np.all(np.isfinite(dZ))


def test_bad_input():
    with pytest.raises(ValueError, match=r"same shape; received \(5, 3\) and \(5, 2\)"):
        losses.mse(np.zeros((5, 3)), np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\].*values from 0 to 3"):
        losses.cross_entropy(PROBS, np.array([0, 1, 2, 3, 0]))
    with pytest.raises(ValueError, match="expected 5 labels.*received 4"):
        losses.softmax_cross_entropy(PROBS, np.array([0, 1, 2, 1]))
    with pytest.raises(ValueError, match="finite; received 1 nan or inf"):
        losses.mse(np.array([[np.nan]]), np.array([[0.0]]))
    with pytest.raises(TypeError, match="numeric array; received dtype <U1"):
        losses.mse(np.array([["a"]]), np.array([[0.0]]))
    with pytest.raises(ValueError, match="unknown loss 'mae'"):
        losses.get_loss("mae")


def test_binary_cross_entropy_stays_finite_in_float32():
    P = np.array([[1.0, 0.0]], dtype=np.float32)
    Y = np.array([[0.0, 1.0]], dtype=np.float32)
    assert np.isfinite(losses.binary_cross_entropy(P, Y))
    assert np.all(np.isfinite(losses.binary_cross_entropy_grad(P, Y)))
    # still exact where it can be: p = 1 against y = 1 costs (almost) nothing
    assert losses.binary_cross_entropy(P, 1 - Y) < 1e-6


def test_targets_that_do_not_suit_the_loss_are_refused():
    Z = np.zeros((2, 3))
    with pytest.raises(ValueError, match="cross-entropy targets must be one-hot.*off by up to 1"):
        losses.softmax_cross_entropy(Z, np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))
    with pytest.raises(ValueError, match="from -0.5 to"):
        losses.cross_entropy(np.full((1, 2), 0.5), np.array([[1.5, -0.5]]))
    with pytest.raises(ValueError, match=r"binary cross-entropy targets must lie in \[0, 1\]"):
        losses.sigmoid_binary_cross_entropy(np.zeros((2, 1)), np.array([[0.0], [2.0]]))
    smooth = np.array([[0.9, 0.05, 0.05]])  # label smoothing: a distribution, accepted
    loss, dZ = losses.softmax_cross_entropy(np.array([[2.0, 0.0, -1.0]]), smooth)
    np.testing.assert_allclose(dZ, softmax(np.array([[2.0, 0.0, -1.0]])) - smooth)


@pytest.mark.parametrize("name", ["mse", "cross_entropy", "binary_cross_entropy"])
def test_float32_gradients_stay_float32(name):
    loss, grad = losses.get_loss(name)
    P = np.array([[0.2, 0.8]], dtype=np.float32)
    Y = np.array([[0.0, 1.0]], dtype=np.float32)
    assert grad(P, Y).dtype == np.float32 and isinstance(loss(P, Y), float)
    for fused in (losses.softmax_cross_entropy, losses.sigmoid_binary_cross_entropy):
        assert fused(P, Y)[1].dtype == np.float32


def test_losses_refuse_zero_samples():
    with pytest.raises(ValueError, match=r"at least one sample; received shape \(0, K\)"):
        losses.mse(np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match="at least one sample"):
        losses.softmax_cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=int))


def test_huge_finite_float32_inputs_pass_the_finiteness_check_without_a_warning():
    # their sum overflows float32: the check must not warn (an error under this project's filters)
    big = np.full((4, 2), 3e38, dtype=np.float32)
    assert losses.mse(big, big) == 0.0
    with pytest.raises(ValueError, match="finite; received 1 nan or inf"):
        losses.mse(np.array([[np.inf, 0.0]], dtype=np.float32), np.zeros((1, 2)))


def test_cross_entropy_rows_may_miss_a_sum_of_1_by_rounding_only():
    Z = np.zeros((1, 2))
    losses.softmax_cross_entropy(Z, np.array([[0.5, 0.5 + 5e-6]]))  # float32 rounding: accepted
    with pytest.raises(ValueError, match="off by up to 1.5e-05"):
        losses.softmax_cross_entropy(Z, np.array([[0.5, 0.5 + 1.5e-5]]))


@pytest.mark.parametrize("loss", [losses.cross_entropy, losses.cross_entropy_grad,
                                  losses.binary_cross_entropy, losses.binary_cross_entropy_grad])
def test_losses_on_probabilities_refuse_logits(loss):
    with pytest.raises(ValueError, match="probabilities"):   # clipped, they gave a wrong loss
        loss(np.array([[2.0, -1.0]]), np.array([[1.0, 0.0]]))


@pytest.mark.parametrize("loss", [losses.binary_cross_entropy,
                                  losses.sigmoid_binary_cross_entropy])
@pytest.mark.parametrize("target", [-0.5, 1.5])
def test_binary_targets_outside_0_1_are_refused(loss, target):
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        loss(np.array([[0.5]]), np.array([[target]]))
