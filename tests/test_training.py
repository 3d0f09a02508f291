"""The training loop's bookkeeping: batches, epochs, schedule, history, divergence, bad options."""

import math

import numpy as np
import pytest

from nnlib import MLP
from nnlib.data import blobs
from nnlib.optim import SGD, Adam, Momentum
from nnlib.training import fit


class Recorder:
    """A linear model y = x w that records which rows each step saw; only params and
    loss_and_gradients, as a learner's own model would have."""

    def __init__(self):
        self.params = {"w": np.zeros((1, 1))}
        self.batches = []

    def loss_and_gradients(self, X, Y, l2=0.0):
        self.batches.append(X[:, 0].astype(int).tolist())
        error = X @ self.params["w"] - Y
        return 0.5 * float(np.mean(error**2)), {"w": X.T @ error / len(X)}


class RecordingSGD(SGD):
    def __init__(self, lr):
        super().__init__(lr)
        self.rates = []

    def step(self, params, grads):
        self.rates.append(self.lr)
        super().step(params, grads)


def rows(n):
    X = np.arange(n, dtype=float).reshape(n, 1)
    return X, np.zeros((n, 1))


def test_each_epoch_visits_every_sample_once_in_a_new_order():
    model = Recorder()
    history = fit(model, *rows(10), epochs=3, batch_size=4, lr=0.0, verbose=False)
    assert [len(b) for b in model.batches] == [4, 4, 2] * 3     # ceil(10 / 4) steps, remainder last
    epochs = [sum(model.batches[3 * e:3 * e + 3], []) for e in range(3)]
    assert all(sorted(order) == list(range(10)) for order in epochs)
    assert len({tuple(order) for order in epochs}) == 3          # reshuffled every epoch
    assert list(history) == ["loss"] and len(history["loss"]) == 3


def test_the_order_depends_only_on_the_seed():
    orders = []
    for seed in (1, 1, 2):
        model = Recorder()
        fit(model, *rows(8), epochs=2, batch_size=3, lr=0.0, seed=seed, verbose=False)
        orders.append(model.batches)
    assert orders[0] == orders[1] != orders[2]


def test_augment_changes_every_batch_before_its_step_and_is_reproducible():
    seen = []

    def plus_noise(X, rng):
        seen.append(X.copy())
        return X + 1000 + rng.integers(0, 2, size=X.shape)   # the model sees these rows

    runs = []
    for _ in range(2):
        model = Recorder()
        fit(model, *rows(10), epochs=2, batch_size=4, lr=0.0, augment=plus_noise, verbose=False)
        runs.append(model.batches)
    assert [len(x) for x in seen[:6]] == [4, 4, 2] * 2                # every batch, once
    assert sorted(sum(([int(v) for v in x[:, 0]] for x in seen[:3]), [])) == list(range(10))
    assert all(1000 <= v <= 1010 for batch in runs[0] for v in batch)  # the augmented rows
    assert runs[0] == runs[1]                                         # same seed, same noise


@pytest.mark.parametrize("returned", [lambda X: X[:-1], lambda X: X.astype(np.float32),
                                      lambda X: X.tolist()])
def test_augment_must_keep_the_batchs_shape_and_dtype(returned):
    with pytest.raises(ValueError, match="augment must return an array of the batch's shape"):
        fit(Recorder(), *rows(6), epochs=1, batch_size=3, lr=0.0,
            augment=lambda X, rng: returned(X), verbose=False)


def test_batch_larger_than_the_data_is_one_full_batch():
    model = Recorder()
    fit(model, *rows(5), epochs=2, batch_size=64, lr=0.0, verbose=False)
    assert [len(b) for b in model.batches] == [5, 5]


def test_history_at_zero_learning_rate_equals_evaluate():
    X, y = blobs(n_per_class=35, seed=1)          # 105 samples: the last batch holds 9
    model = MLP([2, 8, 3], seed=0)
    history = fit(model, X, y, epochs=2, batch_size=16, lr=0.0, l2=0.01,
                  validation_data=(X[:30], y[:30]), verbose=False)
    loss, acc = model.evaluate(X, y, l2=0.01)
    assert history["loss"] == pytest.approx([loss, loss], rel=1e-12)
    assert history["accuracy"] == pytest.approx([acc, acc], rel=1e-12)
    no_l2 = fit(model, X, y, epochs=1, batch_size=16, lr=0.0, verbose=False)  # l2 is 0 by default
    assert no_l2["loss"] == pytest.approx([model.evaluate(X, y)[0]], rel=1e-12)
    val = model.evaluate(X[:30], y[:30], l2=0.01)
    assert history["val_loss"][-1] == pytest.approx(val[0])
    assert history["val_accuracy"][-1] == val[1]


def test_cosine_schedule_per_step_from_the_optimisers_own_rate_and_restored():
    optimizer = RecordingSGD(lr=0.5)
    fit(Recorder(), *rows(10), epochs=2, batch_size=4, optimizer=optimizer, schedule="cosine",
        verbose=False)
    T = 2 * 3
    expected = [0.5 * 0.5 * (1 + math.cos(math.pi * t / T)) for t in range(T)]
    assert optimizer.rates == pytest.approx(expected, rel=1e-12)
    assert optimizer.lr == 0.5


def test_a_schedule_function_scales_the_optimisers_rate_per_step_and_the_rate_is_restored():
    optimizer = RecordingSGD(lr=0.4)
    calls = []

    def warm_up(t, T):
        calls.append((t, T))
        return min(1, (t + 1) / 4)

    fit(Recorder(), *rows(10), epochs=2, batch_size=4, optimizer=optimizer, schedule=warm_up,
        verbose=False)
    assert calls == [(t, 6) for t in range(6)]
    assert optimizer.rates == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.4, 0.4])
    assert optimizer.lr == 0.4


@pytest.mark.parametrize("factor, error", [(-0.5, ValueError), (math.nan, ValueError),
                                           (math.inf, ValueError), ("1", TypeError),
                                           (None, TypeError)])
def test_a_schedule_function_must_return_a_finite_factor(factor, error):
    optimizer = SGD(lr=0.1)
    message = r"the schedule's factor at step 0 of 2 must be a finite number >= 0"
    with pytest.raises(error, match=message):
        fit(Recorder(), *rows(4), epochs=1, batch_size=2, optimizer=optimizer,
            schedule=lambda t, T: factor, verbose=False)
    assert optimizer.lr == 0.1


def test_constant_schedule_keeps_the_rate():
    optimizer = RecordingSGD(lr=0.3)
    fit(Recorder(), *rows(6), epochs=2, batch_size=4, optimizer=optimizer, verbose=False)
    assert optimizer.rates == [0.3] * 4


def test_an_optimiser_object_keeps_its_rate_and_refuses_a_second_one():
    X, y = blobs(n_per_class=20, seed=0)
    adam = Adam(lr=1e-3)
    model = MLP([2, 4, 3], seed=0)
    before = model.params["W1"].copy()
    fit(model, X, y, epochs=1, batch_size=60, optimizer=adam, schedule="cosine", verbose=False)
    # one full batch, first step at the full rate: Adam moves every weight by about lr
    np.testing.assert_allclose(np.abs(model.params["W1"] - before), 1e-3, rtol=1e-3)
    assert adam.lr == 1e-3
    with pytest.raises(ValueError, match="lr=0.1 was given together with an optimiser object"):
        fit(model, X, y, lr=0.1, optimizer=Momentum(lr=0.01), verbose=False)


def test_named_optimiser_without_lr_uses_its_own_default():
    optimizer = RecordingSGD(lr=0.1)
    fit(Recorder(), *rows(4), epochs=1, batch_size=4, optimizer=optimizer, verbose=False)
    X, y = blobs(n_per_class=10, seed=0)
    model = MLP([2, 3, 3], seed=0)
    w = model.params["W1"].copy()
    fit(model, X, y, epochs=1, batch_size=30, optimizer="adam", verbose=False)
    np.testing.assert_allclose(np.abs(model.params["W1"] - w), 1e-3, rtol=1e-3)


def test_the_history_loss_weights_each_batch_by_its_size():
    # losses 0 on a batch of 4 and 1 on a batch of 1: the mean over samples is 0.2, not 0.5
    class TwoBatches:
        params = {"w": np.zeros(1)}

        def loss_and_gradients(self, X, Y, l2=0.0):
            return float(len(X) == 1), {"w": np.zeros(1)}

    assert fit(TwoBatches(), *rows(5), epochs=1, batch_size=4, verbose=False)["loss"] == [0.2]


def test_divergence_of_a_softmax_classifier_names_the_epoch():
    X, y = blobs(n_per_class=50, seed=0)
    model = MLP([2, 32, 32, 3], seed=0)
    with pytest.raises(FloatingPointError,
                       match=r"became (nan|inf) at epoch \d+, step \d+ .*smaller learning rate"):
        fit(model, X * 100, y, epochs=50, batch_size=10, lr=50.0, verbose=False)


def test_an_optimiser_rate_is_restored_after_divergence():
    optimizer = Momentum(lr=1e4)
    X, y = blobs(n_per_class=50, seed=0)
    with pytest.raises(FloatingPointError):
        fit(MLP([2, 32, 3]), X * 100, y, epochs=20, optimizer=optimizer, schedule="cosine",
            verbose=False)
    assert optimizer.lr == 1e4


@pytest.mark.parametrize("option, value, error, message", [
    ("batch_size", 0, ValueError, "batch_size must be a positive integer; received 0"),
    ("batch_size", -4, ValueError, "batch_size must be a positive integer; received -4"),
    ("batch_size", 2.5, TypeError, "batch_size must be a positive integer; received 2.5"),
    ("epochs", -1, ValueError, "epochs must be a positive integer; received -1"),
    ("epochs", True, TypeError, "epochs must be a positive integer; received True"),
    ("schedule", "step", ValueError, "schedule must be one of"),
    ("l2", -0.1, ValueError, "l2 must be a finite number >= 0"),
    ("optimizer", "adagrad", ValueError, "unknown optimizer 'adagrad'"),
    ("optimizer", object(), TypeError, "optimizer must be one of"),
    ("optimizer", type("NoRate", (), {"step": print})(), TypeError, "an object with an lr"),
    ("validation_data", np.zeros((3, 2)), TypeError, "validation_data must be a pair"),
    ("validation_data", (np.zeros((3, 2)),) * 3, TypeError, "validation_data must be a pair"),
    ("validation_data", {"X": 1, "Y": 2}, TypeError, "validation_data must be a pair"),
])
def test_bad_options_are_refused(option, value, error, message):
    X, y = blobs(n_per_class=5, seed=0)
    with pytest.raises(error, match=message):
        MLP([2, 3, 3]).fit(X, y, verbose=False, **{option: value})


def test_options_after_the_data_are_keyword_only():
    X, y = blobs(n_per_class=5, seed=0)
    with pytest.raises(TypeError, match="positional"):
        MLP([2, 3, 3]).fit(X, y, 100, 0.5)
    with pytest.raises(TypeError, match="positional"):
        fit(MLP([2, 3, 3]), X, y, 100)


def test_empty_data_and_bad_validation_data_fail_before_training():
    with pytest.raises(ValueError, match="at least one sample; received 0"):
        MLP([2, 3]).fit(np.zeros((0, 2)), np.zeros(0, dtype=int), verbose=False)
    X, y = blobs(n_per_class=5, seed=0)
    with pytest.raises(ValueError, match="X must have 2 features"):
        MLP([2, 3, 3]).fit(X, y, validation_data=(np.zeros((4, 5)), y[:4]), verbose=False)


def test_a_model_without_params_is_refused():
    class OnlyParams:
        params = {"w": np.zeros(1)}

    class OnlyLoss:
        def loss_and_gradients(self, X, Y, l2=0.0):
            return 0.0, {}

    for model in (object(), OnlyParams(), OnlyLoss()):
        with pytest.raises(TypeError, match="model must have a params dict and a loss_and_grad"):
            fit(model, *rows(3))


def test_a_plain_model_trains():
    X = np.linspace(-1, 1, 20).reshape(-1, 1)
    model = Recorder()
    history = fit(model, X, 3 * X, epochs=50, batch_size=5, lr=0.5, verbose=False)
    assert model.params["w"][0, 0] == pytest.approx(3, rel=1e-3)
    assert history["loss"][-1] < 1e-3 * history["loss"][0]


def test_default_epochs_and_batch_size():
    model = Recorder()
    history = fit(model, *rows(70), lr=0.0, verbose=False)
    assert len(history["loss"]) == 10
    assert [len(b) for b in model.batches] == [32, 32, 6] * 10
