import numpy as np
import pytest

from nnlib.gradcheck import (
    max_relative_error,
    numerical_derivative,
    numerical_gradient,
    relative_error,
)


def test_numerical_derivative_of_known_functions():
    assert numerical_derivative(np.sin, 0.3) == pytest.approx(np.cos(0.3), rel=1e-9)
    np.testing.assert_allclose(numerical_derivative(lambda x: x**3, np.array([1.0, -2.0])),
                               [3.0, 12.0], rtol=1e-9)


def test_numerical_gradient_any_shape_and_input_restored():
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    before = x.copy()
    grad = numerical_gradient(lambda v: np.sum(v**2) + v[1, 2, 3], x)
    expected = 2 * before
    expected[1, 2, 3] += 1
    np.testing.assert_allclose(grad, expected, rtol=1e-8, atol=1e-8)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_restores_input_on_error():
    x = np.ones(3)

    def fails_on_second_call(v):
        fails_on_second_call.calls += 1
        if fails_on_second_call.calls == 2:
            raise RuntimeError("boom")
        return v.sum()

    fails_on_second_call.calls = 0
    with pytest.raises(RuntimeError):
        numerical_gradient(fails_on_second_call, x)
    np.testing.assert_array_equal(x, np.ones(3))


def test_numerical_gradient_rejects_integer_arrays():
    with pytest.raises(TypeError, match="floating-point numpy array; received ndarray of dtype"):
        numerical_gradient(np.sum, np.arange(3))


def test_relative_error():
    a = np.array([1.0, 2.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == 1.0
    assert relative_error(a, a * (1 + 1e-6)) == pytest.approx(5e-7, rel=1e-3)
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    with pytest.raises(ValueError, match=r"same shape; received \(2,\) and \(3,\)"):
        relative_error(a, np.ones(3))


def test_max_relative_error_finds_one_wrong_small_entry_that_the_norm_dilutes():
    right = np.array([1.0, -2.0, 3.0, 1e-3])
    wrong = right.copy()
    wrong[3] = -wrong[3]                      # a sign error on the smallest entry
    assert relative_error(right, wrong) < 1e-3     # looks "suspicious" at most
    assert max_relative_error(right, wrong) == pytest.approx(2.0)
    assert max_relative_error(right, right * (1 + 1e-9)) < 2e-9
    # entries that are both at round-off level do not count as wrong
    assert max_relative_error(np.array([1.0, 0.0]), np.array([1.0, 1e-12])) < 1e-3
    assert max_relative_error(np.zeros(0), np.zeros(0)) == 0.0
    with pytest.raises(ValueError, match="same shape"):
        max_relative_error(np.ones(2), np.ones(3))
