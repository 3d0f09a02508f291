"""How much does lesson 11's result depend on the seed? Test accuracy and training time per seed.

Run by hand (never part of the tests); each seed trains the lesson's network once, a minute and a
half on an idle core:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/cnn_seeds.py [--seeds 5] [--first-seed 0]

The lesson's recipe: Conv(1 -> 16, 5x5), ReLU, MaxPool 2, Conv(16 -> 32, 5x5), ReLU, MaxPool 2,
Flatten, Linear(512 -> 10) with its weights started 100 times smaller than He's; float32; SGD
with momentum 0.9 at a peak learning rate of 0.05 on a cosine schedule; batches of 64; 6 epochs
of all 60,000 training images, each image moved by up to one pixel at random every time it is
used (`nnlib.data.random_shifts(1)`). Each seed sets the starting weights, the order of the
batches and the shifts. --epochs, --lr, --l2, --shift and --hidden (a hidden Linear + ReLU of that
many units before the output) change the recipe. With --validation, trains on the first 50,000
images and also reports the accuracy on the last 10,000 (for choosing the recipe without looking
at the test set). Prints each run, then the range and median, and writes them to
benchmarks/results/cnn_seeds.csv (lesson 11 prints it), which keeps the runs of earlier calls
unless this call repeats them (the same split, shift and seed); runs with other options than
--shift are not stored."""

import argparse
import math
import os
import statistics
import time
from pathlib import Path

import numpy as np
from csv_results import update_rows  # benchmarks/, the script's folder
from machine import describe

from nnlib import Sequential
from nnlib.data import load_mnist, random_shifts
from nnlib.layers import Conv2D, Flatten, Linear, MaxPool2D, ReLU
from nnlib.optim import Momentum

RESULTS = Path(__file__).parent / "results" / "cnn_seeds.csv"


def cnn(seed=0, hidden=0):
    """The lesson's network (the same as `cnn` in notebooks/11_convolutional_networks.ipynb);
    with hidden > 0, a hidden Linear(512 -> hidden) + ReLU before the output layer."""
    top = [Linear(512, hidden, seed=seed + 3, dtype=np.float32), ReLU()] if hidden else []
    n_in = hidden or 512
    return Sequential([
        Conv2D(1, 16, 5, seed=seed, dtype=np.float32), ReLU(), MaxPool2D(2),
        Conv2D(16, 32, 5, seed=seed + 1, dtype=np.float32), ReLU(), MaxPool2D(2),
        Flatten(), *top, Linear(n_in, 10, init=0.01 * math.sqrt(2 / n_in), seed=seed + 2,
                                dtype=np.float32)])


def accuracy(model, X, y):
    return float(np.mean(model.predict(X) == y))  # predict works 1,000 images at a time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--l2", type=float, default=0.0)
    parser.add_argument("--hidden", type=int, default=0)
    parser.add_argument("--shift", type=int, default=1,
                        help="move each training image by up to this many pixels (at random)")
    parser.add_argument("--validation", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS,
                        help="the results file (runs of the lesson's recipe, any --shift)")
    args = parser.parse_args()
    (X, y), (X_val, y_val), (X_test, y_test) = load_mnist(
        validation_size=10000 if args.validation else 0, flatten=False)
    X, X_val, X_test = X[:, None], X_val[:, None], X_test[:, None]
    print(f"{args.epochs} epochs of {len(X)} images, lr {args.lr}, l2 {args.l2}, hidden "
          f"{args.hidden}, shift {args.shift}; load average {os.getloadavg()[0]:.1f} at the start")
    results, rows = [], []
    split = "validation" if args.validation else "test"
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        model = cnn(seed, args.hidden)
        start = time.perf_counter()
        model.fit(X, y, epochs=args.epochs, batch_size=64, optimizer=Momentum(lr=args.lr),
                  schedule="cosine", l2=args.l2, seed=seed, verbose=False,
                  augment=random_shifts(args.shift) if args.shift else None)
        seconds = time.perf_counter() - start
        test = accuracy(model, X_test, y_test)
        validation = accuracy(model, X_val, y_val) if args.validation else None
        line = f"seed {seed}: test {test:.2%}, training {seconds:.0f} s"
        if args.validation:
            line += f", validation {validation:.2%}"
        print(line + f" (load average {os.getloadavg()[0]:.1f})", flush=True)
        results.append(test)
        rows.append({"split": split, "shift": args.shift, "seed": seed,
                     "test_accuracy": f"{test:.4f}",
                     "val_accuracy": "" if validation is None else f"{validation:.4f}",
                     "seconds": f"{seconds:.0f}", "machine": describe()})
    print(f"test accuracy over {len(results)} seeds: {min(results):.2%} to {max(results):.2%}, "
          f"median {statistics.median(results):.2%}")
    recipe = all(getattr(args, option) == parser.get_default(option)
                 for option in ("epochs", "lr", "l2", "hidden"))
    if recipe and args.output:
        update_rows(args.output, rows, key_columns=("split", "shift", "seed"))
        print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
