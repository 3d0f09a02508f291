"""The training loop, in one place: mini-batches, learning-rate schedule, history, divergence check
and progress bar, for any model with `params` and `loss_and_gradients` (in the spirit of the
Solver class of Stanford's CS231n assignments).

    history = fit(model, X, Y, epochs=15, batch_size=128, optimizer=Momentum(lr=0.1),
                  schedule="cosine")

A model needs:
    params                          dict name -> array, updated in place by the optimiser
    loss_and_gradients(X, Y, l2)    -> (loss, grads), grads with the same keys as params
and may also have (as every `nnlib.model.Model` has), to check the data once and report accuracy:
    check_data(X, Y)                -> (X, Y, labels): the whole set checked and converted once;
                                       labels (N,) are the true classes, None for regression
    loss_gradients_labels(X, Y, l2) -> (loss, grads, predicted labels or None), on checked data
    evaluate_checked(X, Y, labels, l2) -> (loss, accuracy or None), on checked data
"""

import math

import numpy as np
from tqdm import tqdm

from ._checks import number, positive_int
from .optim import OPTIMIZERS, get_optimizer

SCHEDULES = ("constant", "cosine")


def fit(model, X, Y, *, epochs=10, batch_size=32, lr=None, optimizer="sgd", schedule="constant",
        l2=0.0, validation_data=None, augment=None, seed=0, verbose=True):
    """Train `model` with mini-batch gradient descent; return the history of every epoch.

    X, Y: training inputs (N, ...) and targets (N, K) or integer labels (N,), as the model wants.
    epochs: passes over the data. batch_size: samples per update (capped at N); each epoch visits
        every sample once, in a new order drawn from a generator seeded with `seed`; the last
        batch of an epoch holds the remainder, so an epoch takes ceil(N / batch_size) steps.
    optimizer: "sgd", "momentum", "rmsprop", "adam" (built with `lr`, or with its own default rate
        when lr is None), or an optimiser object with `lr` and `step(params, grads)` (then leave
        lr=None and set the rate on the object).
    schedule: "constant", or "cosine": the rate at step t of T is lr0 (1 + cos(pi t / T)) / 2,
        from the optimiser's own rate lr0 down towards 0; or a function (t, T) -> a factor >= 0,
        the rate at step t (0, 1, ..., T - 1) being lr0 * factor, e.g. a linear warm-up over 500
        steps: lambda t, T: min(1, (t + 1) / 500). The optimiser's rate is restored after.
    l2: L2 regularisation strength, passed to the model's loss.
    validation_data: optional (X_val, Y_val), checked once and evaluated after every epoch.
    augment: optional function (X_batch, rng) -> an array of X_batch's shape, applied to every
        mini-batch before its step (for example random shifts of images); rng is the training's
        own generator, so a run stays reproducible.
    verbose: show a progress bar (one tick per epoch).
    Returns a dict of lists, one entry per epoch: "loss" (the mean loss over the epoch's samples,
    each mini-batch weighted by its size) and, for classifiers, "accuracy" (on those same
    mini-batches, with the weights as they were when each batch was seen), plus "val_loss" and
    "val_accuracy" after the epoch when validation data are given. With l2 > 0 losses include the
    L2 term.
    Raises FloatingPointError if the loss becomes nan or inf (the learning rate is too large).
    """
    epochs, batch_size = positive_int(epochs, "epochs"), positive_int(batch_size, "batch_size")
    l2, optimizer, model = number(l2, "l2"), _optimizer(optimizer, lr), _Model(model)
    X, Y, labels = model.check_data(X, Y)
    if len(X) == 0:
        raise ValueError("X must hold at least one sample; received 0")
    validation = None if validation_data is None else model.check_data(*_pair(validation_data))
    rate_at = _schedule(schedule, optimizer.lr, epochs * math.ceil(len(X) / batch_size))
    rng, n, lr0, step = np.random.default_rng(seed), len(X), optimizer.lr, 0
    history = {"loss": []}
    answers = None if labels is None else np.full_like(labels, -1)  # the model's, batch by batch
    bar = tqdm(range(1, epochs + 1), desc="training", unit="epoch", disable=not verbose)
    # Overflow on the way to a nan loss is reported by the divergence check below instead.
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            for epoch in bar:
                loss_sum, order = 0.0, rng.permutation(n)
                for start in range(0, n, batch_size):
                    batch = order[start:start + batch_size]
                    optimizer.lr = rate_at(step)
                    X_batch = X[batch] if augment is None else _augmented(augment, X[batch], rng)
                    loss, grads, predicted = model.loss_gradients_labels(X_batch, Y[batch], l2)
                    if not math.isfinite(loss):
                        raise FloatingPointError(
                            f"training diverged: the loss became {loss} at epoch {epoch}, step "
                            f"{step + 1} (learning rate {optimizer.lr:g}); try a smaller "
                            f"learning rate")
                    optimizer.step(model.params, grads)
                    step, loss_sum = step + 1, loss_sum + loss * len(batch)
                    if predicted is not None:
                        answers[batch] = predicted  # compared with the labels after the epoch
                _record(history, loss=loss_sum / n,
                        accuracy=None if labels is None else np.mean(answers == labels))
                if validation is not None:
                    val_loss, val_accuracy = model.evaluate_checked(*validation, l2)
                    _record(history, val_loss=val_loss, val_accuracy=val_accuracy)
                bar.set_postfix({k: f"{v[-1]:.4f}" for k, v in history.items()}, refresh=False)
        finally:
            optimizer.lr = lr0
            bar.close()
    return history


def _record(history, **values):
    for key, value in values.items():
        if value is not None:
            history.setdefault(key, []).append(float(value))


def _schedule(schedule, lr0, total_steps):
    """The learning rate at each step, as a function of the step."""
    if schedule == "constant":
        return lambda step: lr0
    if schedule == "cosine":
        return lambda step: 0.5 * lr0 * (1 + math.cos(math.pi * step / total_steps))
    if not callable(schedule):
        raise ValueError(f"schedule must be one of {SCHEDULES} or a function (t, T) -> factor; "
                         f"received {schedule!r}")
    return lambda step: lr0 * number(schedule(step, total_steps),
                                     f"the schedule's factor at step {step} of {total_steps}")


def _pair(validation_data):
    if not isinstance(validation_data, tuple | list) or len(validation_data) != 2:
        raise TypeError("validation_data must be a pair (X_val, Y_val); received "
                        f"{type(validation_data).__name__}")
    return validation_data


def _augmented(augment, X_batch, rng):
    out = augment(X_batch, rng)
    if not isinstance(out, np.ndarray) or out.shape != X_batch.shape or out.dtype != X_batch.dtype:
        raise ValueError(f"augment must return an array of the batch's shape {X_batch.shape} and "
                         f"dtype {X_batch.dtype}; received {type(out).__name__} "
                         f"{getattr(out, 'shape', '')} {getattr(out, 'dtype', '')}".rstrip())
    return out


def _optimizer(optimizer, lr):
    """An optimiser object from a name (+ lr) or an object (lr must then be None)."""
    if isinstance(optimizer, str):
        return get_optimizer(optimizer, lr)
    if not (hasattr(optimizer, "step") and hasattr(optimizer, "lr")):
        raise TypeError(f"optimizer must be one of {sorted(OPTIMIZERS)} or an object with an lr "
                        f"attribute and a step(params, grads) method; received {optimizer!r}")
    if lr is not None:
        raise ValueError(f"lr={lr!r} was given together with an optimiser object whose lr is "
                         f"{optimizer.lr!r}; set the learning rate on the object only")
    return optimizer


class _Model:
    """The model as the loop sees it: its optional methods, or plain stand-ins for them."""

    def __init__(self, model):
        if not (isinstance(getattr(model, "params", None), dict)
                and callable(getattr(model, "loss_and_gradients", None))):
            raise TypeError("model must have a params dict and a loss_and_gradients(X, Y, l2) "
                            f"method; received {type(model).__name__}")
        self.model, self.params = model, model.params
        # looked up once: the loop calls these at every step
        self.check_data = getattr(model, "check_data", self._check_data)
        self.loss_gradients_labels = getattr(model, "loss_gradients_labels",
                                             self._loss_gradients_labels)
        self.evaluate_checked = getattr(model, "evaluate_checked", self._evaluate_checked)

    @staticmethod
    def _check_data(X, Y):
        X, Y = np.asarray(X), np.asarray(Y)
        if len(X) != len(Y):
            raise ValueError(f"X and Y must hold the same number of samples; received {len(X)} "
                             f"and {len(Y)}")
        return X, Y, None

    def _loss_gradients_labels(self, X, Y, l2):
        return (*self.model.loss_and_gradients(X, Y, l2=l2), None)

    def _evaluate_checked(self, X, Y, labels, l2):
        if hasattr(self.model, "evaluate"):
            return self.model.evaluate(X, Y, l2=l2)
        return self.model.loss_and_gradients(X, Y, l2=l2)[0], None
