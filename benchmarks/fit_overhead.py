"""What does `MLP.fit` cost on top of the maths? Small batches show it best.

Run by hand (never part of the tests), ideally on an otherwise idle machine:

    .venv/bin/python benchmarks/fit_overhead.py [--rounds 30] [--epochs 3] [--samples 10000]

Lesson 6's classic network ([784, 30, 10], sigmoid hidden and output units, MSE, batches of 10,
plain SGD at learning rate 3.0) is trained from the same starting weights and in the same sample
order by `MLP.fit` and by a lean hand-written NumPy loop that does exactly the same arithmetic and
nothing else (no checks, no history, no progress bar). The two take turns, one short round each,
so that both see the same machine: a round is one call of `fit` for --epochs epochs over --samples
samples (3 epochs, as lesson 6 calls it, of 1,000 steps by default), and the same epochs of the lean
loop. Each round is timed in CPU seconds of this process (time spent waiting for the processor
while other programs run is not counted). It prints the fastest round of each and their ratio
fit / lean (the goal is at most 1.15), the median of the rounds' ratios, what `fit` spends once
per call checking the data, and checks that both end with the same weights.
"""

import argparse
import statistics
import time
import timeit

import numpy as np
from machine import describe

from nnlib import MLP
from nnlib.activations import sigmoid
from nnlib.data import load_mnist
from nnlib.labels import one_hot
from nnlib.optim import SGD

SIZES, BATCH, LR = [784, 30, 10], 10, 3.0


def lean_epoch(params, X, Y, order):
    """One epoch of mini-batch SGD on the classic network, the loss of each batch summed."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    loss_sum = 0.0
    for start in range(0, len(X), BATCH):
        batch = order[start:start + BATCH]
        x, y = X[batch], Y[batch]
        a1 = sigmoid(x @ W1 + b1)
        a2 = sigmoid(a1 @ W2 + b2)
        error = a2 - y
        loss_sum += 0.5 * float(np.sum(error * error))
        dz2 = error / len(x) * (a2 * (1 - a2))
        dz1 = (dz2 @ W2.T) * (a1 * (1 - a1))
        W2 -= LR * (a1.T @ dz2)
        b2 -= LR * dz2.sum(axis=0)
        W1 -= LR * (x.T @ dz1)
        b1 -= LR * dz1.sum(axis=0)
    return loss_sum / len(X)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=10000)
    args = parser.parse_args()

    (X, y), _, _ = load_mnist(dtype=np.float64)
    X, y = X[:args.samples], y[:args.samples]
    Y = one_hot(y, 10)
    model = MLP(SIZES, "sigmoid", "sigmoid", loss="mse", init=1.0, seed=1)
    lean = {name: p.copy() for name, p in model.params.items()}
    times = {"MLP.fit": [], "lean loop": []}
    for r in range(args.rounds):
        # fit draws each epoch's order from default_rng(seed); the lean loop is given the same
        rng = np.random.default_rng(r)
        orders = [rng.permutation(len(X)) for _ in range(args.epochs)]
        start = time.process_time()
        lean_losses = [lean_epoch(lean, X, Y, order) for order in orders]
        times["lean loop"].append(time.process_time() - start)
        start = time.process_time()
        history = model.fit(X, y, epochs=args.epochs, batch_size=BATCH, optimizer=SGD(LR),
                            seed=r, verbose=False)
        times["MLP.fit"].append(time.process_time() - start)
        np.testing.assert_allclose(history["loss"], lean_losses, rtol=1e-9)
    for name in lean:
        np.testing.assert_allclose(model.params[name], lean[name], rtol=1e-9, atol=1e-12)

    check = min(timeit.repeat(lambda: model.check_data(X, y), number=1, repeat=5))
    steps = args.epochs * -(-len(X) // BATCH)
    print(f"{describe()}; {args.rounds} rounds of {steps} steps (batches of {BATCH}, "
          f"{args.epochs} epoch(s) of {len(X)} samples) each")
    for name, t in times.items():
        print(f"{name:10} {min(t) / steps * 1e6:6.1f} µs per step (fastest round)")
    ratios = [f / lean for f, lean in zip(times["MLP.fit"], times["lean loop"])]
    print(f"MLP.fit / lean loop: {min(times['MLP.fit']) / min(times['lean loop']):.2f}x fastest "
          f"rounds, {statistics.median(ratios):.2f}x median of the rounds' ratios "
          f"(same weights at the end: yes)")
    print(f"of which fit's check of the data, once per call: {check * 1e3:.1f} ms "
          f"({check / steps * 1e6:.1f} µs per step of a call of {args.epochs} epoch(s))")


if __name__ == "__main__":
    main()
