"""The first checks of a training run (lesson 8), each a function that returns a `CheckResult`.

- `check_initial_loss`: an untrained classifier's loss should be about log K (K classes).
- `check_overfit`: a network should drive the loss on a tiny batch (say 20 samples) to nearly 0.
- `check_update_ratios`: one optimiser step should change each weight matrix by about 1e-3 of
  its size (||W_after - W_before|| / ||W_before||).
- `check_gradient_sample`: backpropagation against central differences on a few random entries
  of every parameter (lesson 4's gradient check, affordable on a large network).

`model` is anything with a `params` dict of arrays and `loss_and_gradients(X, Y)` returning
`(loss, grads)` with the same keys, such as `nnlib.MLP`. X is (N, D), one sample per row; Y is
(N, K) targets or (N,) integer labels, whatever the model accepts. No check changes the model or
the optimiser passed in: training and single steps happen on copies.
"""

import copy
import math
import textwrap
from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, number, positive_int
from .gradcheck import _refuse_random_layers, _running_averages_kept, max_relative_error
from .optim import Adam


@dataclass(frozen=True)
class CheckResult:
    """What a check found. `passed`: the verdict; `value`: what was measured (a number, an array
    of losses or a dict per parameter); `message`: one sentence, with a hint when it failed.
    Printing it gives a line starting with [ok] or [problem], wrapped at 100 characters (the
    width of a notebook's column) with the continuation indented."""

    name: str
    passed: bool
    value: object
    message: str

    def __str__(self):
        return textwrap.fill(f"[{'ok' if self.passed else 'problem'}] {self.name}: {self.message}",
                             width=100, subsequent_indent="    ", break_long_words=False,
                             break_on_hyphens=False)


def _check_model(model):
    params = getattr(model, "params", None)
    if not isinstance(params, dict) or not callable(getattr(model, "loss_and_gradients", None)):
        raise TypeError("model must have a `params` dict and a `loss_and_gradients(X, Y)` method "
                        f"(an nnlib.MLP, for example); received {type(model).__name__}")


def _check_data(X, Y):
    X = as_float_array(X, "X", ndim=2)
    if len(X) == 0:
        raise ValueError("X must hold at least one sample; received shape (0, ...)")
    Y = np.asarray(Y)
    if Y.ndim not in (1, 2) or len(Y) != len(X):
        raise ValueError(f"Y must be (N,) labels or (N, K) targets for the N = {len(X)} rows of "
                         f"X; received shape {Y.shape}")
    return X, Y


def _check_optimizer(optimizer):
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError("optimizer must be an object with a step(params, grads) method, such as "
                        f"nnlib.optim.SGD(lr=0.1); received {optimizer!r}")


def check_initial_loss(model, X, Y, rtol=0.1):
    """Is the untrained model's loss on (X, Y) within `rtol` (relative) of log K?

    A classifier that knows nothing should give every one of its K classes probability 1/K, and
    then its cross-entropy is log K (log 2 for a single sigmoid output). Far above: it starts out
    confidently wrong (outputs or inputs too large). Far below: it knows the answer before
    training, which usually means the labels leak into the inputs.
    Returns a CheckResult whose value is the loss.
    """
    _check_model(model)
    X, Y = _check_data(X, Y)
    rtol = number(rtol, "rtol", positive=True)
    with _running_averages_kept(model):
        loss = float(model.loss_and_gradients(X, Y)[0])
    K = int(np.shape(model.forward(X[:1]))[-1]) if hasattr(model, "forward") else Y.shape[-1]
    expected = math.log(max(K, 2))
    deviation = (loss - expected) / expected
    summary = f"loss {loss:.4g} at step 0, log {max(K, 2)} = {expected:.4g}"
    if abs(deviation) <= rtol:
        return CheckResult("initial loss", True, loss, f"{summary} ({deviation:+.1%})")
    hint = ("the network starts out confidently wrong: is the output layer's initial scale "
            "small, and are the inputs scaled?" if deviation > 0 else
            "it knows more than a guess before training: do the labels leak into the inputs?")
    return CheckResult("initial loss", False, loss,
                       f"{summary}, {abs(deviation):.0%} {'above' if deviation > 0 else 'below'}"
                       f"; {hint}")


def check_overfit(model, X, Y, steps=200, optimizer=None, target=0.01):
    """Can a copy of the model fit a tiny batch (X, Y), e.g. 20 samples, to a loss below `target`?

    Trains on the whole batch at every step, for at most `steps` steps, with a copy of
    `optimizer` (default `Adam(lr=0.001)`). A network with far more parameters than samples
    should memorise them; if it cannot, something in the loss, the gradients or the update is
    broken. Returns a CheckResult whose value is the array of losses, one before every step.
    """
    _check_model(model)
    X, Y = _check_data(X, Y)
    steps = positive_int(steps, "steps")
    target = number(target, "target", positive=True)
    optimizer = Adam(lr=0.001) if optimizer is None else optimizer
    _check_optimizer(optimizer)
    # copied together, so that an optimiser's state stays tied to the copied parameters
    model, optimizer = copy.deepcopy((model, optimizer))
    losses = []
    for _ in range(steps):
        with np.errstate(over="ignore", invalid="ignore"):
            loss, grads = model.loss_and_gradients(X, Y)
        losses.append(float(loss))
        if not math.isfinite(losses[-1]) or losses[-1] < target:
            break
        optimizer.step(model.params, grads)
    losses = np.array(losses)
    name = f"overfit {len(X)} samples"
    summary = f"loss {losses[0]:.4g} -> {losses[-1]:.4g} in {len(losses) - 1} steps"
    if losses[-1] < target:
        return CheckResult(name, True, losses, f"{summary} (target {target:g})")
    return CheckResult(name, False, losses,
                       f"{summary}, not below {target:g}: check the gradients, the learning "
                       "rate, and that the optimiser changes the parameters in place")


def check_update_ratios(model, X, Y, optimizer, low=1e-4, high=1e-2):
    """Does one optimiser step change every weight array by between `low` and `high` of its size?

    Takes one step on copies of the model and the optimiser and measures, for every parameter
    with at least two dimensions (weight matrices; biases start at zero and are skipped),
    ||W_after - W_before|| / ||W_before||. About 1e-3 is healthy: far below, the learning rate
    is too small to make progress; far above, training is unstable. Returns a CheckResult whose
    value is {parameter name: ratio}.
    """
    _check_model(model)
    X, Y = _check_data(X, Y)
    _check_optimizer(optimizer)
    low = number(low, "low", positive=True)
    high = number(high, "high", positive=True)
    if not low < high:
        raise ValueError(f"low must be smaller than high; received low={low!r}, high={high!r}")
    model, optimizer = copy.deepcopy((model, optimizer))  # state tied to the copied parameters
    before = {name: np.array(p, dtype=np.float64) for name, p in model.params.items()
              if np.ndim(p) >= 2}
    if not before:
        raise ValueError("the model has no parameter with two or more dimensions to measure")
    _, grads = model.loss_and_gradients(X, Y)
    optimizer.step(model.params, grads)
    ratios = {}
    for name, old in before.items():
        size = np.linalg.norm(old)
        change = np.linalg.norm(np.asarray(model.params[name], dtype=np.float64) - old)
        ratios[name] = float(change / size) if size > 0 else math.inf
    outside = [name for name, r in ratios.items() if not low <= r <= high]
    summary = ", ".join(f"{name} {r:.1e}" for name, r in ratios.items())
    if not outside:
        return CheckResult("update/weight ratios", True, ratios,
                           f"{summary} (within [{low:g}, {high:g}])")
    too_small = all(ratios[name] < low for name in outside)
    too_large = all(ratios[name] > high for name in outside)
    hint = ("the learning rate looks too small" if too_small else
            "the learning rate looks too large" if too_large else
            "some layers learn much faster than others")
    return CheckResult("update/weight ratios", False, ratios,
                       f"{summary}; outside [{low:g}, {high:g}]: {', '.join(outside)}; {hint}")


def _sampled_errors(model, X, Y, entries, h, seed):
    """check_gradient_sample's measurement: {parameter name: largest relative error}."""
    _, grads = model.loss_and_gradients(X, Y)
    rng = np.random.default_rng(seed)
    errors = {}
    for name, p in model.params.items():
        picks = rng.choice(p.size, size=min(entries, p.size), replace=False)
        numerical = np.empty(len(picks))
        for i, flat in enumerate(picks):
            index = np.unravel_index(flat, p.shape)
            original = p[index]
            try:
                p[index] = original + h
                plus = float(model.loss_and_gradients(X, Y)[0])
                p[index] = original - h
                minus = float(model.loss_and_gradients(X, Y)[0])
            finally:
                p[index] = original
            numerical[i] = (plus - minus) / (2 * h)
        errors[name] = max_relative_error(np.asarray(grads[name]).ravel()[picks], numerical)
    return errors


def check_gradient_sample(model, X, Y, entries=10, h=1e-5, tolerance=1e-4, seed=0):
    """Backpropagation against central differences on `entries` random entries per parameter.

    For each parameter, picks up to `entries` positions with a generator seeded by `seed`,
    nudges each by +-h in place (restoring it), and compares (L(+h) - L(-h)) / 2h with the
    backpropagated gradient there, entry by entry, by lesson 4's largest elementwise relative
    error (`nnlib.gradcheck.max_relative_error`, which a wrong entry cannot hide in as it can in
    a norm). Needs float64 parameters. Returns a CheckResult whose value is {parameter name:
    error}; it passes when every error is below `tolerance`, 1e-4 by default: where lesson 4's
    "suspicious" band is centred, since a correct but tiny entry (a few millionths) shows the
    central difference's round-off as a relative error of 1e-6 to 1e-5; a real bug (a term left
    out, a factor 1.001) gives 1e-3 or more.

    A sample finds a bug that touches many entries (a missing term, a wrong scale). A bug in one
    entry of a large matrix is found only if that entry is drawn: with 10 of W1's 200,704
    entries, about once in 20,000 runs. `nnlib.gradcheck.check_gradients` checks every entry.
    """
    _check_model(model)
    _refuse_random_layers(model)
    X, Y = _check_data(X, Y)
    entries = positive_int(entries, "entries")
    h = number(h, "h", positive=True)
    tolerance = number(tolerance, "tolerance", positive=True)
    not_float64 = [name for name, p in model.params.items() if np.asarray(p).dtype != np.float64]
    if not_float64:
        raise TypeError("a gradient check needs float64 parameters (float32 round-off swamps "
                        f"the differences); received {model.params[not_float64[0]].dtype} for "
                        f"{', '.join(not_float64)}")
    with _running_averages_kept(model):
        errors = _sampled_errors(model, X, Y, entries, h, seed)
    worst = max(errors, key=errors.get)
    summary = f"largest elementwise relative error {errors[worst]:.1e} ({worst})"
    if errors[worst] < tolerance:
        return CheckResult("gradient check", True, errors, f"{summary}, below {tolerance:g}")
    wrong = [name for name, e in errors.items() if e >= tolerance]
    return CheckResult("gradient check", False, errors,
                       f"{summary}; at or above {tolerance:g}: {', '.join(wrong)}; look for the "
                       "bug in the backward pass of these parameters")
