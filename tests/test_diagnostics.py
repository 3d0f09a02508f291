import copy
import math

import numpy as np
import pytest

from nnlib import MLP, Sequential
from nnlib.diagnostics import (
    CheckResult,
    check_gradient_sample,
    check_initial_loss,
    check_overfit,
    check_update_ratios,
)
from nnlib.layers import BatchNorm, Dropout, Linear, ReLU
from nnlib.optim import SGD, Adam, Momentum


class FixedLoss:
    """A model whose loss is whatever it is told, with K outputs (forward optional)."""

    def __init__(self, loss, K=None):
        self.params = {"W": np.ones((2, 2))}
        self.loss, self.K = loss, K
        if K is not None:
            self.forward = lambda X: np.full((len(X), K), 1 / K)

    def loss_and_gradients(self, X, Y):
        return self.loss, {"W": np.zeros((2, 2))}


class ScaledGradient:
    """Wraps a model and multiplies one parameter's gradient by `factor`: a planted bug."""

    def __init__(self, model, name, factor):
        self.model, self.name, self.factor, self.params = model, name, factor, model.params

    def loss_and_gradients(self, X, Y):
        loss, grads = self.model.loss_and_gradients(X, Y)
        grads = dict(grads, **{self.name: grads[self.name] * self.factor})
        return loss, grads


class NotInPlaceSGD(SGD):
    """The classic slip: `p = p - lr * g` rebinds a local name and leaves the model unchanged."""

    def step(self, params, grads):
        for name, p in params.items():
            p = p - self.lr * grads[name]  # noqa: F841


def small_output_mlp(sizes, seed=0):
    """He hidden weights, output layer scaled by 0.01: a classifier whose first loss is log K."""
    net = MLP(sizes, seed=seed)
    rng = np.random.default_rng(seed)
    for l, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), start=1):
        scale = math.sqrt(2 / n_in) * (0.01 if l == len(sizes) - 1 else 1.0)
        net.params[f"W{l}"] = scale * rng.standard_normal((n_in, n_out))
    return net


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 5))
    y = rng.integers(0, 3, size=12)
    return X, y


def snapshot(params):
    return {name: value.copy() for name, value in params.items()}


def assert_same_params(a, b):
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])


# ---- CheckResult ---------------------------------------------------------------------------

def test_result_prints_one_line_with_its_verdict():
    assert str(CheckResult("x", True, 1.0, "fine")) == "[ok] x: fine"
    assert str(CheckResult("x", False, 1.0, "bad")) == "[problem] x: bad"


# ---- initial loss --------------------------------------------------------------------------

def test_initial_loss_passes_near_log_k_and_fails_outside_the_tolerance(data):
    X, y = data
    log3 = math.log(3)
    inside = check_initial_loss(FixedLoss(log3 * 1.09, K=3), X, y)
    above = check_initial_loss(FixedLoss(log3 * 1.11, K=3), X, y)
    below = check_initial_loss(FixedLoss(log3 * 0.89, K=3), X, y)
    assert inside.passed and inside.value == pytest.approx(log3 * 1.09)
    assert not above.passed and "above" in above.message and "confidently wrong" in above.message
    assert not below.passed and "below" in below.message and "leak" in below.message
    assert check_initial_loss(FixedLoss(log3 * 1.11, K=3), X, y, rtol=0.2).passed
    assert "log 3 = 1.099" in inside.message


def test_initial_loss_takes_k_from_the_outputs_or_the_targets(data):
    X, _ = data
    assert check_initial_loss(FixedLoss(math.log(7), K=7), X, np.zeros(12, dtype=int)).passed
    Y = np.eye(5)[np.arange(12) % 5]                      # no forward: K from one-hot targets
    assert check_initial_loss(FixedLoss(math.log(5)), X, Y).passed
    assert not check_initial_loss(FixedLoss(math.log(5)), X, Y[:, :4]).passed
    binary = check_initial_loss(FixedLoss(math.log(2), K=1), X, np.zeros((12, 1)))
    assert binary.passed and "log 2" in binary.message   # one sigmoid output: log 2


def test_initial_loss_of_real_networks(data):
    X, y = data
    small = small_output_mlp([5, 16, 3])
    large = copy.deepcopy(small)
    large.params["W2"] *= 300
    assert check_initial_loss(small, X, y).passed
    assert not check_initial_loss(large, X, y).passed


# ---- overfit -------------------------------------------------------------------------------

def test_overfit_passes_for_a_working_network_and_leaves_it_unchanged(data):
    X, y = data
    net = small_output_mlp([5, 32, 3])
    before = snapshot(net.params)
    optimizer = Adam(lr=0.01)
    result = check_overfit(net, X, y, optimizer=optimizer)
    assert result.passed and result.value[-1] < 0.01 <= result.value[-2]   # stops at the target
    assert result.value[0] == pytest.approx(net.loss_and_gradients(X, y)[0], rel=1e-12)
    assert_same_params(net.params, before)
    assert optimizer.t == 0 and optimizer.m == {}           # the optimiser passed in is untouched


def test_overfit_catches_an_update_that_changes_nothing(data):
    X, y = data
    result = check_overfit(small_output_mlp([5, 32, 3]), X, y, steps=50,
                           optimizer=NotInPlaceSGD(lr=0.5))
    assert not result.passed and len(result.value) == 50
    assert np.ptp(result.value) == 0.0 and "in place" in result.message


def test_overfit_stops_on_a_loss_that_is_not_finite(data):
    X, y = data
    result = check_overfit(FixedLoss(np.nan, K=3), X, y, steps=30)
    assert not result.passed and len(result.value) == 1


def test_overfit_target_and_steps_decide(data):
    X, y = data
    net = small_output_mlp([5, 32, 3])
    assert not check_overfit(net, X, y, steps=2, optimizer=SGD(lr=0.1)).passed
    loose = check_overfit(net, X, y, steps=2, optimizer=SGD(lr=0.1), target=10.0)
    assert loose.passed and len(loose.value) == 1


# ---- update ratios -------------------------------------------------------------------------

def test_update_ratios_equal_lr_grad_over_weight_for_sgd(data):
    X, y = data
    net = MLP([5, 8, 6, 3], seed=1)
    before = snapshot(net.params)
    _, grads = net.loss_and_gradients(X, y)
    result = check_update_ratios(net, X, y, SGD(lr=0.03), low=1e-9, high=1e9)
    assert sorted(result.value) == ["W1", "W2", "W3"]       # biases are skipped
    for name, ratio in result.value.items():
        expected = 0.03 * np.linalg.norm(grads[name]) / np.linalg.norm(before[name])
        assert ratio == pytest.approx(expected, rel=1e-10)
    assert result.passed
    assert_same_params(net.params, before)


def test_update_ratios_name_the_layers_out_of_range(data):
    X, y = data
    net = MLP([5, 8, 3], seed=1)
    ratios = check_update_ratios(net, X, y, SGD(lr=0.01), low=1e-9, high=1e9).value
    low, high = sorted(ratios.values())
    between = check_update_ratios(net, X, y, SGD(lr=0.01), low=low * 0.99, high=high * 1.01)
    too_large = check_update_ratios(net, X, y, SGD(lr=0.01), low=low / 100, high=low * 1.01)
    too_small = check_update_ratios(net, X, y, SGD(lr=0.01), low=high * 0.99, high=high * 100)
    assert between.passed
    assert not too_large.passed and "too large" in too_large.message
    assert not too_small.passed and "too small" in too_small.message
    mixed = check_update_ratios(net, X, y, SGD(lr=0.01), low=low * 1.01, high=high * 0.99)
    assert not mixed.passed and "faster than others" in mixed.message


def test_update_ratios_leave_the_optimiser_state_alone(data):
    X, y = data
    net, optimizer = MLP([5, 8, 3], seed=1), Momentum(lr=0.1)
    first = check_update_ratios(net, X, y, optimizer).value
    second = check_update_ratios(net, X, y, optimizer).value
    assert optimizer.velocity == {} and first == second


def test_update_ratio_of_a_zero_matrix_is_infinite(data):
    X, y = data
    net = MLP([5, 8, 3], seed=1)
    net.params["W2"][:] = 0.0
    result = check_update_ratios(net, X, y, SGD(lr=0.1))
    assert result.value["W2"] == math.inf and not result.passed


# ---- sampled gradient check ----------------------------------------------------------------

def test_gradient_sample_passes_for_backprop_and_restores_the_parameters(data):
    X, y = data
    net = MLP([5, 7, 3], hidden_activation="tanh", seed=2)
    before = snapshot(net.params)
    result = check_gradient_sample(net, X, y, entries=5)
    assert result.passed and sorted(result.value) == ["W1", "W2", "b1", "b2"]
    assert max(result.value.values()) < 1e-6
    assert_same_params(net.params, before)
    assert check_gradient_sample(net, X, y, entries=5).value == result.value   # seeded


@pytest.mark.parametrize("name", ["W1", "b1", "W2", "b2"])
def test_gradient_sample_catches_a_gradient_that_is_slightly_off(data, name):
    X, y = data
    buggy = ScaledGradient(MLP([5, 7, 3], hidden_activation="tanh", seed=2), name, 1.001)
    result = check_gradient_sample(buggy, X, y, entries=100)
    assert not result.passed and name in result.message
    assert [n for n, e in result.value.items() if e >= 1e-4] == [name]
    assert result.value[name] == pytest.approx(0.001 / 1.001, rel=1e-3)  # entry by entry


def test_gradient_sample_checks_every_entry_when_asked_for_as_many(data):
    X, y = data

    class OneEntryWrong(ScaledGradient):
        def loss_and_gradients(self, X, Y):
            loss, grads = self.model.loss_and_gradients(X, Y)
            grads["W1"][4, 6] += 1e-3
            return loss, grads

    buggy = OneEntryWrong(MLP([5, 7, 3], hidden_activation="tanh", seed=2), "W1", 1.0)
    assert not check_gradient_sample(buggy, X, y, entries=35).passed    # all 35 entries of W1


def test_gradient_sample_refuses_float32(data):
    X, y = data
    net = MLP([5, 7, 3], seed=2, dtype=np.float32)
    with pytest.raises(TypeError, match="float64 parameters.*received float32"):
        check_gradient_sample(net, X, y)


# ---- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("check", [check_initial_loss, check_overfit, check_gradient_sample,
                                   lambda m, X, y: check_update_ratios(m, X, y, SGD())])
def test_every_check_refuses_what_is_not_a_model_or_not_data(data, check):
    X, y = data
    net = MLP([5, 4, 3], seed=0)
    with pytest.raises(TypeError, match="`params` dict and a `loss_and_gradients"):
        check(object(), X, y)
    with pytest.raises(ValueError, match=r"X must have 2 dimension\(s\); received shape \(5,\)"):
        check(net, X[0], y)
    with pytest.raises(ValueError, match=r"for the N = 12 rows of X; received shape \(11,\)"):
        check(net, X, y[:11])
    with pytest.raises(ValueError, match="at least one sample"):
        check(net, X[:0], y[:0])


@pytest.mark.parametrize("options, error, message", [
    (dict(steps=0), ValueError, "steps must be a positive integer; received 0"),
    (dict(steps=2.5), TypeError, "steps must be a positive integer; received 2.5"),
    (dict(steps=True), TypeError, "steps must be a positive integer; received True"),
    (dict(target=-1.0), ValueError, "target must be a positive number; received -1.0"),
])
def test_overfit_refuses_bad_options(data, options, error, message):
    X, y = data
    with pytest.raises(error, match=message):
        check_overfit(MLP([5, 4, 3], seed=0), X, y, **options)


def test_bad_optimizers_and_ranges_are_refused(data):
    X, y = data
    net = MLP([5, 4, 3], seed=0)
    with pytest.raises(TypeError, match="step\\(params, grads\\) method.*received 'sgd'"):
        check_update_ratios(net, X, y, "sgd")
    with pytest.raises(TypeError, match="step\\(params, grads\\) method"):
        check_overfit(net, X, y, optimizer=0.1)
    with pytest.raises(ValueError, match="low must be smaller than high"):
        check_update_ratios(net, X, y, SGD(), low=0.1, high=0.01)
    with pytest.raises(ValueError, match="rtol must be a positive number"):
        check_initial_loss(net, X, y, rtol=0)
    with pytest.raises(ValueError, match="entries must be a positive integer"):
        check_gradient_sample(net, X, y, entries=0)


def test_diagnostics_accept_an_optimiser_already_used_on_the_model(data):
    X, y = data
    net, optimizer = MLP([5, 4, 3], seed=0), Momentum(lr=0.1)
    optimizer.step(net.params, net.loss_and_gradients(X, y)[1])
    before = {name: p.copy() for name, p in net.params.items()}
    assert check_update_ratios(net, X, y, optimizer).value["W1"] > 0
    assert len(check_overfit(net, X, y, steps=3, optimizer=optimizer).value) == 3
    for name, p in net.params.items():
        np.testing.assert_array_equal(p, before[name])


def test_a_long_result_prints_within_100_characters_a_line():
    result = CheckResult("gradient check", False, {}, "a long hint " * 20)
    lines = str(result).splitlines()
    assert len(lines) > 1 and lines[0].startswith("[problem] gradient check: a long hint")
    assert all(len(line) <= 100 for line in lines) and lines[1].startswith("    ")


def batch_norm_model():
    return Sequential([Linear(4, 8, seed=0), BatchNorm(8), ReLU(), Linear(8, 2, seed=1)])


@pytest.mark.parametrize("check", [check_initial_loss, check_gradient_sample])
def test_checks_leave_batch_norm_running_averages_as_they_were(check):
    model = batch_norm_model()
    X = np.random.default_rng(0).standard_normal((6, 4))
    norm = model.layers[1]
    norm.running_mean += 0.5
    before = norm.running_mean.copy(), norm.running_var.copy()
    check(model, X, np.array([0, 1, 0, 1, 1, 0]))
    np.testing.assert_array_equal(norm.running_mean, before[0])
    np.testing.assert_array_equal(norm.running_var, before[1])


def test_a_gradient_check_refuses_a_model_with_dropout():
    model = Sequential([Linear(4, 8, seed=0), ReLU(), Dropout(0.5, seed=0), Linear(8, 2, seed=1)])
    with pytest.raises(ValueError, match="Dropout"):
        check_gradient_sample(model, np.ones((3, 4)), np.array([0, 1, 0]))
