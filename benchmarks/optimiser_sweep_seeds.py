"""How much does lesson 9's learning-rate sweep depend on the seed? The sweep over several seeds.

Run by hand (never part of the tests); it takes about 15 s per seed on an idle 2-core machine:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/optimiser_sweep_seeds.py [--seeds 5]

Lesson 9, section 7: the network [784, 256, 10] (ReLU, softmax + cross-entropy, float32) trained
on the first 8,000 training images with mini-batches of 64 for 250 steps, at six learning rates
per optimiser. Each seed sets both the starting weights and the order of the batches (as in the
lesson, whose sweep uses seed 0). Prints, for each optimiser and rate, the final training loss
over the seeds (median, min-max), then each optimiser's best rate per seed.
"""

import argparse
import statistics
import time

import numpy as np

from nnlib import MLP
from nnlib.data import load_mnist
from nnlib.optim import SGD, Adam, Momentum, RMSProp

OPTIMIZERS = {
    "gradient descent": (lambda lr: SGD(lr=lr), np.logspace(-2, 0.5, 6)),
    "momentum 0.9": (lambda lr: Momentum(lr=lr, beta=0.9), np.logspace(-3, -0.5, 6)),
    "Nesterov 0.9": (lambda lr: Momentum(lr=lr, beta=0.9, nesterov=True), np.logspace(-3, -0.5, 6)),
    "RMSProp": (lambda lr: RMSProp(lr=lr), np.logspace(-4, -1.5, 6)),
    "Adam": (lambda lr: Adam(lr=lr), np.logspace(-4, -1.5, 6)),
}
N_IMAGES, BATCH, STEPS = 8000, 64, 250


def final_loss(optimizer, X, y, seed):
    """Training loss on all of X after STEPS steps (batches drawn as nnlib.training.fit draws
    them), or inf if the loss became nan or inf."""
    net = MLP([784, 256, 10], seed=seed, dtype=np.float32)
    history = net.fit(X, y, epochs=STEPS * BATCH // len(X), batch_size=BATCH,
                      optimizer=optimizer, seed=seed, verbose=False)
    loss = net.evaluate(X, y)[0] if np.isfinite(history["loss"][-1]) else np.inf
    return loss if np.isfinite(loss) else np.inf


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    (X, y), _, _ = load_mnist()
    X, y = X[:N_IMAGES], y[:N_IMAGES]
    assert STEPS * BATCH % N_IMAGES == 0  # whole epochs, so fit takes exactly STEPS steps
    start = time.perf_counter()
    losses = {}
    for name, (make, rates) in OPTIMIZERS.items():
        for lr in rates:
            runs = []
            for seed in range(args.seeds):
                try:
                    runs.append(final_loss(make(lr), X, y, seed))
                except FloatingPointError:  # fit stops a diverging run
                    runs.append(np.inf)
            losses[name, lr] = runs
            print(f"{name:16} lr {lr:<8.3g} median {statistics.median(runs):.3f} "
                  f"(min {min(runs):.3f}, max {max(runs):.3f})", flush=True)
    print("best rate per seed:")
    for name, (_, rates) in OPTIMIZERS.items():
        best = [rates[int(np.argmin([losses[name, lr][s] for lr in rates]))]
                for s in range(args.seeds)]
        print(f"{name:16}", " ".join(f"{lr:.3g}" for lr in best))
    print(f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
