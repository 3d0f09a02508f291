import numpy as np
import pytest

from nnlib import activations as act
from nnlib.gradcheck import numerical_derivative

# Points away from 0, where step, ReLU and leaky ReLU have their kink.
Z = np.array([-3.0, -1.2, -0.3, 0.4, 1.1, 2.5])
ELEMENTWISE = ["linear", "step", "sigmoid", "tanh", "relu", "leaky_relu"]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_grad_matches_numerical_derivative(name):
    f, f_grad = act.get_activation(name)
    np.testing.assert_allclose(f_grad(Z), numerical_derivative(f, Z), rtol=1e-7, atol=1e-10)


def test_softmax_jacobian_matches_numerical_derivative():
    z = np.array([0.5, -1.0, 2.0, 0.1])
    jacobian = act.softmax_grad(z)
    for j in range(len(z)):
        e = np.zeros_like(z)
        e[j] = 1e-5
        column = (act.softmax(z + e) - act.softmax(z - e)) / 2e-5
        np.testing.assert_allclose(jacobian[:, j], column, rtol=1e-7, atol=1e-10)
    assert act.softmax_grad(np.stack([z, -z])).shape == (2, 4, 4)


def test_known_values():
    assert act.sigmoid(0.0) == 0.5
    assert act.sigmoid_grad(0.0) == 0.25
    np.testing.assert_array_equal(act.relu(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(act.step(np.array([-1.0, 0.0, 2.0])), [0.0, 1.0, 1.0])
    np.testing.assert_allclose(act.leaky_relu(np.array([-2.0, 3.0])), [-0.02, 3.0])
    np.testing.assert_allclose(act.tanh(0.7), 2 * act.sigmoid(1.4) - 1)


def test_sigmoid_and_softmax_are_stable_at_extremes():
    # pytest turns RuntimeWarning (overflow) into an error: see pyproject.toml
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    s = act.sigmoid(z)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    np.testing.assert_allclose(s[1], np.exp(-50.0) / (1 + np.exp(-50.0)), rtol=1e-12)
    p = act.softmax(np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1000.0]]))
    np.testing.assert_array_equal(p[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(p[1], [1 / 3] * 3)
    assert act.sigmoid(np.float32(-100)).dtype == np.float32


def test_softmax_rows_sum_to_one_and_shift_invariance():
    z = np.random.default_rng(0).normal(scale=20, size=(50, 7))
    p = act.softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(act.softmax(z + 123.0), p, rtol=1e-9)


@pytest.mark.parametrize("name", ELEMENTWISE + ["softmax"])
def test_float32_stays_float32(name):
    f, f_grad = act.get_activation(name)
    z = np.array([[-1.5, 0.5, 2.0]], dtype=np.float32)
    assert f(z).dtype == np.float32
    assert f_grad(z).dtype == np.float32  # a float64 derivative would slow float32 training
    assert f_grad(z, a=f(z)).dtype == np.float32


@pytest.mark.parametrize("name", ELEMENTWISE + ["softmax"])
def test_grad_from_the_forward_output_is_the_same(name):
    f, f_grad = act.get_activation(name)
    np.testing.assert_allclose(f_grad(Z, a=f(Z)), f_grad(Z), rtol=1e-14, atol=1e-15)


def test_unknown_activation_lists_valid_names():
    with pytest.raises(ValueError, match="unknown activation 'sigmod'.*relu.*sigmoid"):
        act.get_activation("sigmod")
