"""Every update rule against steps computed by hand (the formulas PyTorch documents)."""

import math

import numpy as np
import pytest

from nnlib.optim import SGD, Adam, Momentum, RMSProp, get_optimizer

G1, G2 = np.array([1.0, -2.0]), np.array([0.5, 4.0])  # the gradients of two successive steps


def two_steps(optimizer, p0=(1.0, 1.0)):
    params = {"w": np.array(p0)}
    trace = []
    for g in (G1, G2):
        optimizer.step(params, {"w": g.copy()})
        trace.append(params["w"].copy())
    return trace


def test_sgd():
    first, second = two_steps(SGD(lr=0.1))
    np.testing.assert_allclose(first, [0.9, 1.2])
    np.testing.assert_allclose(second, [0.85, 0.8])


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_by_hand(nesterov):
    lr, beta = 0.1, 0.9
    first, second = two_steps(Momentum(lr=lr, beta=beta, nesterov=nesterov))
    v1 = G1                      # v <- beta v + g, from v = 0
    v2 = beta * v1 + G2
    step1 = G1 + beta * v1 if nesterov else v1
    step2 = G2 + beta * v2 if nesterov else v2
    np.testing.assert_allclose(first, 1 - lr * step1)
    np.testing.assert_allclose(second, 1 - lr * step1 - lr * step2)
    # momentum is not plain SGD: the second step carries the first gradient along
    assert not np.allclose(second, two_steps(SGD(lr=lr))[1])


def test_rmsprop_by_hand():
    lr, rho, eps = 0.01, 0.9, 1e-8
    first, second = two_steps(RMSProp(lr=lr, rho=rho, eps=eps))
    s1 = (1 - rho) * G1**2
    s2 = rho * s1 + (1 - rho) * G2**2
    p1 = 1 - lr * G1 / (np.sqrt(s1) + eps)
    np.testing.assert_allclose(first, p1, rtol=1e-12)
    np.testing.assert_allclose(second, p1 - lr * G2 / (np.sqrt(s2) + eps), rtol=1e-12)


@pytest.mark.parametrize("eps", [1e-8, 0.5])  # a large eps shows where it is added
def test_adam_by_hand(eps):
    lr, b1, b2 = 0.1, 0.9, 0.999
    first, second = two_steps(Adam(lr=lr, beta1=b1, beta2=b2, eps=eps))
    m1, v1 = (1 - b1) * G1, (1 - b2) * G1**2
    m2, v2 = b1 * m1 + (1 - b1) * G2, b2 * v1 + (1 - b2) * G2**2
    p1 = 1 - lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps)
    p2 = p1 - lr * (m2 / (1 - b1**2)) / (np.sqrt(v2 / (1 - b2**2)) + eps)
    np.testing.assert_allclose(first, p1, rtol=1e-12)
    np.testing.assert_allclose(second, p2, rtol=1e-12)


def test_adam_first_step_is_lr_times_the_sign():
    """Bias correction makes the first step lr * g / |g| (up to eps), whatever the size of g."""
    params = {"w": np.zeros(3)}
    Adam(lr=0.01).step(params, {"w": np.array([1e-3, -5.0, 200.0])})
    np.testing.assert_allclose(params["w"], [-0.01, 0.01, -0.01], rtol=1e-4)


def test_adamw_decay_is_decoupled_from_the_gradient():
    lr, wd = 0.1, 0.5
    params = {"w": np.array([2.0, -4.0])}
    Adam(lr=lr, weight_decay=wd).step(params, {"w": np.array([1.0, 1.0])})
    # p <- p - lr wd p - lr m_hat / (sqrt(v_hat) + eps), with m_hat / sqrt(v_hat) = sign(g)
    np.testing.assert_allclose(params["w"], [2.0 - lr * wd * 2.0 - lr, -4.0 + lr * wd * 4.0 - lr],
                               rtol=1e-6)


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Momentum(0.1, nesterov=True),
                                  lambda: RMSProp(0.1), lambda: Adam(0.1, weight_decay=0.1)])
def test_float32_stays_float32_and_state_is_per_parameter(make):
    optimizer = make()
    params = {"a": np.ones(3, np.float32), "b": np.ones((2, 2), np.float32)}
    before = {k: v.copy() for k, v in params.items()}
    for _ in range(2):
        optimizer.step(params, {"a": np.full(3, 0.5, np.float32), "b": np.ones((2, 2), np.float32)})
    assert all(p.dtype == np.float32 for p in params.values())
    assert all(not np.array_equal(params[k], before[k]) for k in params)


def test_a_changed_learning_rate_is_used_at_the_next_step():
    optimizer = Momentum(lr=0.1, beta=0.5)
    params = {"w": np.zeros(1)}
    optimizer.step(params, {"w": np.ones(1)})
    optimizer.lr = 1.0
    optimizer.step(params, {"w": np.ones(1)})
    np.testing.assert_allclose(params["w"], [-0.1 - 1.0 * (0.5 * 1 + 1)])


def test_get_optimizer_and_bad_settings():
    assert isinstance(get_optimizer("rmsprop", 0.01), RMSProp)
    assert get_optimizer("adam", 0.5).lr == 0.5
    with pytest.raises(ValueError, match="unknown optimizer 'adagrad'; expected one of: adam"):
        get_optimizer("adagrad", 0.1)
    for bad, error in [(-0.1, ValueError), (math.nan, ValueError), (math.inf, ValueError),
                       ("0.1", TypeError), (True, TypeError)]:
        with pytest.raises(error, match="lr must be a finite number >= 0; received"):
            SGD(lr=bad)
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\); received 1.0"):
        Momentum(lr=0.1, beta=1.0)
    with pytest.raises(ValueError, match=r"beta2 must be in \[0, 1\)"):
        Adam(beta2=-0.1)


def test_documented_defaults():
    """The defaults PyTorch and the papers use, which the lessons quote."""
    assert (SGD().lr, Momentum().lr, Momentum().beta, Momentum().nesterov) == (0.1, 0.1, 0.9, False)
    assert (RMSProp().lr, RMSProp().rho, RMSProp().eps) == (0.001, 0.9, 1e-8)
    adam = Adam()
    assert (adam.lr, adam.beta1, adam.beta2, adam.eps, adam.weight_decay) == (0.001, 0.9, 0.999,
                                                                              1e-8, 0.0)


@pytest.mark.parametrize("make", [lambda: Momentum(lr=0.1), lambda: RMSProp(), lambda: Adam()])
def test_an_optimiser_refuses_a_second_model_until_reset(make):
    optimizer = make()
    first, second = {"w": np.ones(2)}, {"w": np.ones(2)}
    optimizer.step(first, {"w": G1})
    with pytest.raises(ValueError, match="holds state for another array named 'w'.*reset"):
        optimizer.step(second, {"w": G1})
    np.testing.assert_array_equal(second["w"], 1.0)       # refused before changing anything
    optimizer.reset()
    optimizer.step(second, {"w": G1})
    fresh = {"w": np.ones(2)}
    make().step(fresh, {"w": G1})
    np.testing.assert_array_equal(second["w"], fresh["w"])  # started afresh: no old velocity


@pytest.mark.parametrize("make", [lambda: SGD(), lambda: Momentum(nesterov=True),
                                  lambda: RMSProp(), lambda: Adam(weight_decay=0.01)])
def test_float32_parameters_keep_float32_state(make):
    optimizer = make()
    params = {"w": np.ones(3, dtype=np.float32)}
    for _ in range(2):
        optimizer.step(params, {"w": np.full(3, 0.5, dtype=np.float32)})
    assert params["w"].dtype == np.float32
    for name in optimizer.state_names:
        assert all(state.dtype == np.float32 for state in getattr(optimizer, name).values())


@pytest.mark.parametrize("make", [SGD, Momentum, RMSProp, Adam])
def test_gradients_that_do_not_match_the_parameters_are_refused(make):
    params = {"W": np.zeros((3, 2)), "b": np.zeros(2)}
    with pytest.raises(ValueError, match="shape"):      # would broadcast into every row
        make().step(params, {"W": np.ones(2), "b": np.ones(2)})
    with pytest.raises(ValueError, match="names"):
        make().step(params, {"W": np.ones((3, 2))})
    with pytest.raises(ValueError, match="names"):
        make().step(params, {"W": np.ones((3, 2)), "b": np.ones(2), "extra": np.ones(5)})
    assert not params["W"].any() and not params["b"].any()   # nothing changed


def test_adam_counts_steps_per_parameter():
    # a parameter added later (a layer unfrozen) starts its bias correction at its own first
    # step: that step is lr * g / |g| = lr, whatever the other parameters' steps
    adam, head = Adam(lr=0.01), {"W2": np.zeros(3)}
    for _ in range(50):
        adam.step(head, {"W2": np.ones(3)})
    params = {"W1": np.zeros(2), **head}
    adam.step(params, {"W1": np.ones(2), "W2": np.ones(3)})
    np.testing.assert_allclose(params["W1"], -0.01, rtol=1e-6)
    assert adam.t == 51
